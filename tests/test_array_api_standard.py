"""`arraygrad.array_api` against the standard's stubs as array-api-strict (the reference
implementation) spells them: every function present with a compatible signature; the exact dtype
rules of sum/prod/cumulative_*/vecdot; per-device dtypes; DLPack both ways."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.array_api as xpa

strict = pytest.importorskip("array_api_strict")
P = inspect.Parameter

# names array-api-strict has that are not functions of the 2024.12 standard: its own flags, and
# the 2025.12 additions (it implements the newer draft; arraygrad.array_api says 2024.12)
_NOT_2024_12 = {"get_array_api_strict_flags", "set_array_api_strict_flags",
                "reset_array_api_strict_flags", "ArrayAPIStrictFlags", "broadcast_shapes", "isin"}


def _incompatible(ref, ours) -> list[str]:
    """How ours fails to accept every call the reference's signature accepts."""
    rp = list(inspect.signature(ref).parameters.values())
    op = list(inspect.signature(ours).parameters.values())
    positional = [p for p in op if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    var_pos = any(p.kind == P.VAR_POSITIONAL for p in op)
    by_name = {p.name: p for p in op}
    probs, npos = [], 0
    for p in rp:
        if p.kind == P.POSITIONAL_ONLY:
            if npos >= len(positional) and not var_pos:
                probs.append(f"no positional parameter for {p.name}")
            npos += 1
        elif p.kind == P.VAR_POSITIONAL:
            if not var_pos:
                probs.append(f"no *{p.name}")
        elif p.kind != P.VAR_KEYWORD:
            q = by_name.get(p.name)
            if q is None:
                probs.append(f"no parameter {p.name}")
                continue
            if p.kind == P.POSITIONAL_OR_KEYWORD and q.kind != P.POSITIONAL_OR_KEYWORD:
                probs.append(f"{p.name} is {q.kind.description}, not positional or keyword")
            if p.kind == P.KEYWORD_ONLY and q.kind not in (P.KEYWORD_ONLY, P.POSITIONAL_OR_KEYWORD):
                probs.append(f"{p.name} cannot be passed by keyword")
            if p.default is not P.empty and q.default is P.empty:
                probs.append(f"{p.name} has no default")
            npos += p.kind == P.POSITIONAL_OR_KEYWORD
    names = {p.name for p in rp}
    probs += [f"extra required parameter {q.name}" for q in op
              if q.default is P.empty and q.kind in (P.POSITIONAL_OR_KEYWORD, P.KEYWORD_ONLY)
              and q.name not in names]
    return probs


def _walk(ref_ns, ours_ns, names, prefix="") -> list[str]:
    problems = []
    for name in sorted(set(names) - _NOT_2024_12):
        ref = getattr(ref_ns, name)
        if not callable(ref) or isinstance(ref, type):
            continue
        ours = getattr(ours_ns, name, None)
        if ours is None:
            problems.append(f"{prefix}{name}: missing")
        elif bad := _incompatible(ref, ours):
            problems.append(f"{prefix}{name}: {'; '.join(bad)}")
    return problems


def test_every_function_of_the_standard_is_there_with_a_compatible_signature():
    problems = _walk(strict, xpa, strict.__all__)
    assert not problems, "\n".join(problems)


def test_the_linalg_extension_is_complete():
    assert len(strict.linalg.__all__) == 23
    problems = _walk(strict.linalg, xpa.linalg, strict.linalg.__all__, "linalg.")
    assert not problems, "\n".join(problems)


def test_linalg_extension_values_match_array_api_strict():
    rng = np.random.default_rng(0)
    h = rng.standard_normal((2, 3, 3)) + 3 * np.eye(3)
    spd = h @ np.swapaxes(h, -1, -2)
    v = rng.standard_normal((3,))
    sx = strict.asarray
    x = ag.tensor(h, device="array_api_strict")
    s = ag.tensor(spd, device="array_api_strict")
    vx = ag.tensor(v, device="array_api_strict")
    pairs = [(xpa.linalg.inv(x), strict.linalg.inv(sx(h))),
             (xpa.linalg.det(x), strict.linalg.det(sx(h))),
             (xpa.linalg.solve(x, vx), strict.linalg.solve(sx(h), sx(v))),
             (xpa.linalg.cholesky(s, upper=True), strict.linalg.cholesky(sx(spd), upper=True)),
             (xpa.linalg.eigvalsh(s), strict.linalg.eigvalsh(sx(spd))),
             (xpa.linalg.svdvals(x), strict.linalg.svdvals(sx(h))),
             (xpa.linalg.matrix_norm(x, ord="nuc"), strict.linalg.matrix_norm(sx(h), ord="nuc")),
             (xpa.linalg.vector_norm(x, axis=(1, 2), ord=3),
              strict.linalg.vector_norm(sx(h), axis=(1, 2), ord=3)),
             (xpa.linalg.trace(x, offset=1), strict.linalg.trace(sx(h), offset=1)),
             (xpa.linalg.pinv(x), strict.linalg.pinv(sx(h))),
             (xpa.linalg.matrix_rank(x), strict.linalg.matrix_rank(sx(h))),
             (xpa.linalg.slogdet(x).logabsdet, strict.linalg.slogdet(sx(h)).logabsdet),
             (xpa.linalg.qr(x).R, strict.linalg.qr(sx(h)).R)]
    for got, want in pairs:
        np.testing.assert_allclose(got.numpy(), np.asarray(want), rtol=1e-10, atol=1e-12)
    assert xpa.linalg.eigh(s).eigenvalues.shape == (2, 3)


def test_the_fft_extension_is_complete():
    assert len(strict.fft.__all__) == 14
    problems = _walk(strict.fft, xpa.fft, strict.fft.__all__, "fft.")
    assert not problems, "\n".join(problems)


def test_signatures_the_issue_named():
    sig = inspect.signature(xpa.expand_dims)
    assert sig.parameters["axis"].kind is P.POSITIONAL_OR_KEYWORD
    x = ag.ones((2, 3))
    assert tuple(xpa.expand_dims(x, 1).shape) == (2, 1, 3)
    dl = inspect.signature(ag.Tensor.__dlpack__).parameters
    assert [(n, p.kind, p.default) for n, p in dl.items() if n != "self"] == [
        (n, P.KEYWORD_ONLY, None) for n in ("stream", "max_version", "dl_device", "copy")]


@pytest.mark.parametrize("fn, kw", [(xpa.sum, {}), (xpa.prod, {}),
                                    (xpa.cumulative_sum, {"axis": 0}),
                                    (xpa.cumulative_prod, {"axis": 0})])
@pytest.mark.parametrize("dev", ["cpu", "array_api_strict"])
def test_accumulation_dtypes_are_the_standards(fn, kw, dev):
    d = ag.device(dev)
    u8 = xpa.asarray([200, 100, 3], dtype=xpa.uint8, device=d)
    assert fn(u8, **kw).dtype is xpa.uint64  # unsigned stays unsigned
    assert fn(xpa.asarray([1, 2], dtype=xpa.int8, device=d), **kw).dtype is xpa.int64
    # an explicit dtype is honoured, with the wrap-around of that dtype
    got = fn(u8, dtype=xpa.uint8, **kw)
    want = {"sum": np.sum, "prod": np.prod, "cumulative_sum": np.cumsum,
            "cumulative_prod": np.cumprod}[fn.__name__](np.array([200, 100, 3], np.uint8),
                                                       dtype=np.uint8)
    assert got.dtype is xpa.uint8 and np.array_equal(got.numpy(), want)
    assert fn(u8, dtype=xpa.float32, **kw).dtype is xpa.float32


def test_vecdot_follows_type_promotion():
    i8 = xpa.asarray([1, 2, 3], dtype=xpa.int8)
    i16 = xpa.asarray([1, 2, 3], dtype=xpa.int16)
    assert xpa.vecdot(i8, i8).dtype is xpa.int8
    assert xpa.vecdot(i8, i16).dtype is xpa.int16
    f = ag.tensor([1.0, 2.0], requires_grad=True)
    out = xpa.vecdot(f, f)
    out.backward()
    assert out.dtype is ag.float32 and f.grad.tolist() == [2.0, 4.0]


def test_repeat_uses_repeat_interleave():
    x = xpa.asarray([[1, 2], [3, 4]])
    assert xpa.repeat(x, 2).tolist() == [1, 1, 2, 2, 3, 3, 4, 4]
    r = xpa.asarray([1, 2])
    assert xpa.repeat(x, r, axis=0).tolist() == [[1, 2], [3, 4], [3, 4]]


def test_info_reports_each_devices_own_dtypes():
    info = xpa.__array_namespace_info__()
    nof64 = ag.device("array_api_strict:no_float64")
    assert nof64 in info.devices()
    assert "float64" not in info.dtypes(device=nof64)
    assert "float64" in info.dtypes(device=ag.device("array_api_strict"))
    assert info.default_dtypes(device=nof64)["real floating"] is xpa.float32
    for dev in (nof64, ag.device("array_api_strict:no_x64")):  # each dtype reported works
        for d in info.dtypes(device=dev).values():
            assert xpa.zeros((1,), dtype=d, device=dev).dtype is d


def test_from_dlpack_top_level_both_ways():
    a = np.arange(6.0).reshape(2, 3)
    t = ag.from_dlpack(a)
    assert isinstance(t, ag.Tensor) and t.tolist() == a.tolist() and t.dtype is ag.float64
    back = np.from_dlpack(ag.ones(3, device="array_api_strict"))
    assert back.tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(TypeError, match="__dlpack__"):
        ag.from_dlpack([1, 2])
