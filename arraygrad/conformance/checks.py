"""The checks: forward against the NumPy float64 reference, output dtype and device by PyTorch's
rules, gradients against finite differences in float64, float32 gradients against float64 ones,
second derivatives, error inputs, and agreement with the numpy backend.

Tolerances (stated once, used everywhere):
- forward, by output dtype: float64 rtol 1e-7 atol 1e-7; float32 rtol 1.3e-6 atol 1e-5;
  float16 rtol 1e-3 atol 1e-5 (torch.testing.assert_close's defaults); integers and bool exact.
- gradients by finite differences (float64, central, eps 1e-6): atol 1e-5, rtol 1e-3
  (torch.autograd.gradcheck's); on backends marked `gradcheck = "fast"` one random projection
  vᵀJu per input instead of the full Jacobian.
- float32 gradients against the float64 ones: rtol 1e-4, atol 1e-5.
- stated gradients (`Sample.grad_ref`, PyTorch's at ties, NaNs and zeros): float64 rtol 1e-10,
  atol 1e-12, NaN and infinities in the same places.
- across backends (the numpy backend is the reference): float64 atol 1e-10 rtol 1e-10; other
  dtypes the forward tolerance of the dtype.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterator

import numpy as np

import arraygrad as ag

from .table import Case, CheckFailure, OpInfo, OtherDevice, Sample, Scenario, SkipCase, View

__all__ = ["FORWARD_TOL", "GRAD_TOL", "GRAD_F32_TOL", "CROSS_TOL_F64", "Context", "op_cases",
           "scenario_cases", "expected_dtype", "torch_result_type", "assert_close", "snippet"]

FORWARD_TOL = {"float64": (1e-7, 1e-7), "float32": (1.3e-6, 1e-5), "float16": (1e-3, 1e-5)}
GRAD_EPS, GRAD_TOL = 1e-6, (1e-3, 1e-5)  # eps; (rtol, atol)
GRAD_F32_TOL = (1e-4, 1e-5)
GRAD_REF_TOL = (1e-10, 1e-12)
CROSS_TOL_F64 = (1e-10, 1e-10)
REFERENCE_DEVICE = "cpu"


class Context:
    """What one run shares: the device under test, the reference device (numpy), how many samples
    per op and dtype, the gradient-check mode, and a memo so each op runs once per sample."""

    def __init__(self, device, *, max_examples: int | None = None, fast_gradcheck: bool = False,
                 memo: dict | None = None, finite_differences: bool = True):
        self.device = ag.device(device)
        self.ref_device = ag.device(REFERENCE_DEVICE)
        self.max_examples = max_examples
        self.fast_gradcheck = fast_gradcheck
        self.finite_differences = finite_differences
        self.memo = memo if memo is not None else {}

    @property
    def is_reference(self) -> bool:
        return self.device is self.ref_device

    @property
    def runs_finite_differences(self) -> bool:
        """False where finite differences are switched off for a non-reference device (CI on
        Dask): its gradients are then judged by cross_backend against the reference's."""
        return self.finite_differences or self.is_reference

    def cached(self, key, fn):
        try:
            return self.memo[key]
        except KeyError:
            v = self.memo[key] = fn()
            return v


# ---- comparing ---------------------------------------------------------------------------------
def _fmt(a) -> str:
    a = np.asarray(a)
    if a.size > 12:
        return f"array of shape {a.shape}, first {a.reshape(-1)[:6].tolist()}"
    return repr(a.tolist())


def assert_close(got, want, rtol: float, atol: float, what: str) -> None:
    """Raises CheckFailure unless got and want have one shape and agree within the tolerances
    (NaN where the other has NaN counts as equal)."""
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape:
        raise CheckFailure(f"{what}: shape {got.shape}, expected {want.shape}")
    if got.size == 0:
        return
    if got.dtype.kind in "biu" and want.dtype.kind in "biu" or rtol == atol == 0:
        bad = got != want
    else:
        g, w = got.astype(np.float64), want.astype(np.float64)
        with np.errstate(invalid="ignore"):
            bad = ~(np.isclose(g, w, rtol=rtol, atol=atol, equal_nan=True) | (g == w))
    if np.any(bad):
        i = tuple(int(j) for j in np.argwhere(bad)[0]) if got.ndim else ()
        raise CheckFailure(
            f"{what}: {int(np.sum(bad))} of {got.size} values differ beyond rtol={rtol:g}, "
            f"atol={atol:g}; at index {i} got {got[i]!r}, expected {want[i]!r}; "
            f"got {_fmt(got)}, expected {_fmt(want)}")


def _tol(dtype_name: str):
    return FORWARD_TOL.get(dtype_name, (0.0, 0.0))


# ---- PyTorch's dtype rules (written out here, independent of arraygrad's own) ------------------
_KIND = {"bool": 0, "uint8": 1, "int8": 1, "int16": 1, "int32": 1, "int64": 1, "float16": 2,
         "float32": 2, "float64": 2, "complex64": 3, "complex128": 3}
_SIZE = {"bool": 1, "uint8": 1, "int8": 1, "int16": 2, "int32": 4, "int64": 8, "float16": 2,
         "float32": 4, "float64": 8, "complex64": 8, "complex128": 16}


def _promote(a: str | None, b: str | None) -> str | None:
    """torch.promote_types for the dtypes the suite uses."""
    if a is None or a == b:
        return b
    if b is None:
        return a
    ka, kb = _KIND[a], _KIND[b]
    if ka != kb:
        hi, lo = (a, b) if ka > kb else (b, a)
        if _KIND[hi] == 3 and _KIND[lo] == 2 and _SIZE[lo] * 2 > _SIZE[hi]:
            return "complex128"
        return hi
    if ka == 1 and "uint8" in (a, b):
        other = b if a == "uint8" else a
        return "int16" if other == "int8" else other
    return a if _SIZE[a] >= _SIZE[b] else b


def _combine(higher, lower):
    """c10's combine_categories: a lower participant class only matters if its kind is higher."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if _KIND[higher] == 3:
        return higher
    if _KIND[lower] == 3:
        if _KIND[higher] == 2:
            return "complex128" if higher == "float64" else "complex64"
        return lower
    if _KIND[higher] == 2:
        return higher
    if higher == "bool" or _KIND[lower] == 2:
        return _promote(higher, lower)
    return higher


def torch_result_type(operands, default_float: str = "float32") -> str:
    """PyTorch's result dtype of an op over operands: (dtype name, ndim) for tensors, Python
    scalars as themselves. Dimensioned tensors win over 0-d tensors, which win over scalars,
    unless the lower class has a higher kind (bool < int < float < complex)."""
    dim = zero = wrapped = None
    for o in operands:
        if isinstance(o, tuple):
            if o[1] > 0:
                dim = _promote(dim, o[0])
            else:
                zero = _promote(zero, o[0])
        else:
            d = ("bool" if isinstance(o, bool) else "int64" if isinstance(o, int) else
                 default_float if isinstance(o, float) else
                 "complex128" if default_float == "float64" else "complex64")
            wrapped = _promote(wrapped, d)
    return _combine(dim, _combine(zero, wrapped))


def _operands(sample: Sample) -> list:
    out = []
    for a in sample.args:
        if isinstance(a, View):
            a = _host_view(a)
        if isinstance(a, OtherDevice):
            a = a.value
        if isinstance(a, np.ndarray):
            out.append((a.dtype.name, a.ndim))
        elif isinstance(a, (bool, int, float, complex)):
            out.append(a)
    return out


def expected_dtype(rule, sample: Sample, dev) -> str | tuple:
    """The output dtype (name) PyTorch gives this sample under `rule` (see table.DTYPE_RULES)."""
    if callable(rule):
        return rule(sample, dev)
    if isinstance(rule, tuple):
        return tuple(expected_dtype(r, sample, dev) for r in rule)
    ops = _operands(sample)
    dflt = ag.get_default_dtype().name
    first = next((o[0] for o in ops if isinstance(o, tuple)), None)
    if rule == "same":
        return first
    if rule == "float":
        return first if _KIND[first] >= 2 else dflt
    if rule == "promote":
        return torch_result_type(ops, dflt)
    if rule == "promote_float":
        r = torch_result_type(ops, dflt)
        return r if _KIND[r] >= 2 else dflt
    if rule == "bool":
        return "bool"
    if rule == "index":
        return dev.default_int.name
    if rule == "int_or_same":
        return dev.default_int.name if _KIND[first] <= 1 else first
    raise ValueError(f"conformance table: unknown out_dtype rule {rule!r}")


# ---- building inputs ---------------------------------------------------------------------------
def _host_view(v: View):
    if v.how == "mT":
        return np.swapaxes(v.base, -1, -2)
    if v.how == "step":
        return v.base[..., ::2]
    raise ValueError(f"conformance table: unknown view {v.how!r}")


def _view(t, how: str):
    return t.mT if how == "mT" else t[..., ::2]


_VIEW_SRC = {"mT": "{}.mT", "step": "{}[..., ::2]"}


def _other_device(dev):
    """A device of another backend than dev's, for device-mixing errors (None if there is none)."""
    if dev.type != "cpu":
        return ag.device("cpu")
    for name in ("array_api_strict", "dask"):
        if name in ag.backends.available():
            return ag.device(name)
    return None


def _ag_dtype(np_dtype):
    return getattr(ag, np.dtype(np_dtype).name)


def _make(host, dev, requires_grad=False):
    d = _ag_dtype(host.dtype)
    return ag.tensor(host, dtype=d, device=dev, requires_grad=requires_grad)


def leaves_of(sample: Sample) -> list:
    """Host arrays of the sample that are gradient leaves (floating arrays and views' bases)."""
    out = []
    for a in sample.args:
        base = a.base if isinstance(a, View) else a
        if isinstance(base, np.ndarray) and base.dtype.kind == "f":
            out.append(base)
    return out


def build(sample: Sample, dev, leaves=None, cast=None):
    """(call arguments, leaf tensors): the sample's arrays as tensors on dev; `leaves` gives
    tensors to use for the floating arrays (gradient checks perturb them); `cast` a dtype name
    every floating array is cast to."""
    args, made = [], []
    it = iter(leaves) if leaves is not None else None
    for a in sample.args:
        if isinstance(a, View | np.ndarray):
            base = a.base if isinstance(a, View) else a
            if cast is not None and base.dtype.kind == "f":
                base = base.astype(cast)
            if it is not None and base.dtype.kind == "f":
                t = next(it)
            else:
                t = _make(base, dev)
            made.append(t)
            args.append(_view(t, a.how) if isinstance(a, View) else t)
        elif isinstance(a, OtherDevice):
            other = _other_device(dev)
            if other is None:
                raise SkipCase("no second backend available to place a tensor on")
            args.append(_make(a.value, other))
        else:
            args.append(a)
    return args, made


def host_args(sample: Sample):
    """The sample as the NumPy reference takes it: floating arrays as float64."""
    out = []
    for a in sample.args:
        if isinstance(a, View):
            a = _host_view(a)
        if isinstance(a, OtherDevice):
            a = a.value
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            a = a.astype(np.float64)
        out.append(a)
    return out


def _lit(v) -> str:
    if isinstance(v, float) and not math.isfinite(v):
        return f"float({str(v)!r})"
    if isinstance(v, ag.dtype):
        return f"ag.{v.name}"
    return repr(v)


def _call_src(entry: OpInfo, sample: Sample) -> str:
    names = []
    for i, a in enumerate(sample.args):
        names.append(f"x{i}" if isinstance(a, View | np.ndarray | OtherDevice) else _lit(a))
    kw = ", ".join(f"{k}={_lit(v)}" for k, v in sample.kwargs.items())
    args = ", ".join(names + ([kw] if kw else []))
    tmpl = entry.call or f"ag.{entry.name}({{args}})"
    return tmpl.format(*names, args=args, kw=kw)


_CODE: dict = {}


def call(entry: OpInfo, sample: Sample, args: list, dev):
    """Runs the op on built arguments (the same expression the reproduction snippet shows);
    templates may name `dev`, the device under test (creation ops)."""
    src = _call_src(entry, sample)
    code = _CODE.get(src)
    if code is None:
        code = _CODE[src] = compile(src, f"<conformance {entry.name}>", "eval")
    env = {"ag": ag, "arraygrad": ag, "dev": dev}
    for i, a in enumerate(args):
        env[f"x{i}"] = a
    return eval(code, env)  # noqa: S307  (our own table's expressions)


def snippet(entry: OpInfo, sample: Sample, dev, check: str, cast: str | None = None) -> str:
    """Python that reproduces a case: the inputs as literals, the call, and for gradient checks
    the backward call."""
    lines = ["import arraygrad as ag"]
    if "dev" in (entry.call or ""):
        lines.append(f"dev = ag.device({str(dev)!r})")
    grad = check in ("grad", "gradgrad", "grad_float32")
    for i, a in enumerate(sample.args):
        if not isinstance(a, View | np.ndarray | OtherDevice):
            continue
        base = a.base if isinstance(a, View) else a.value if isinstance(a, OtherDevice) else a
        if cast and base.dtype.kind == "f":
            base = base.astype(cast)
        d = str(_other_device(dev)) if isinstance(a, OtherDevice) else str(dev)
        rg = ", requires_grad=True" if grad and base.dtype.kind == "f" else ""
        src = (f"ag.tensor({_lit(base.tolist())}, dtype=ag.{base.dtype.name}, "
               f"device={d!r}{rg})")
        if isinstance(a, View):
            src = _VIEW_SRC[a.how].format(src)
        lines.append(f"x{i} = {src}")
    lines.append(f"out = {_call_src(entry, sample)}")
    if grad:
        ins = [f"x{i}" for i, a in enumerate(sample.args) if isinstance(a, View | np.ndarray)
               and (a.base if isinstance(a, View) else a).dtype.kind == "f"]
        lines.append("outs = out if isinstance(out, tuple) else (out,)")
        lines.append(f"print(ag.autograd.grad(outs, [{', '.join(ins)}], "
                     "[ag.ones_like(o) for o in outs], allow_unused=True))")
    else:
        lines.append("print(out)")
    return "\n".join(lines)


# ---- running ops ---------------------------------------------------------------------------------
def _outs(out) -> list:
    if isinstance(out, ag.Tensor):
        return [out]
    if isinstance(out, tuple | list):
        return list(out)
    raise CheckFailure(f"returned {type(out).__name__}, expected a Tensor or a tuple of Tensors")


def _host(t) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def _seed(*parts) -> int:
    return zlib.crc32("/".join(map(str, parts)).encode())


def _fit_key(dev) -> tuple:
    from .catalog._samples import fit_key

    return fit_key(dev)


def samples_for(entry: OpInfo, dtype: str, ctx: Context) -> list[Sample]:
    """The entry's samples of a dtype, as the device under test can hold them (`fit_sample`:
    index arrays in its default index dtype; samples needing a dtype it lacks left out)."""
    from .catalog._samples import fit_key, fit_sample

    def make():
        rng = np.random.default_rng(_seed(entry.feature, entry.name, dtype))
        out = []
        for s in entry.samples(rng, dtype):
            s = fit_sample(s, ctx.device)
            if s is None:
                continue
            out.append(s)
            if ctx.max_examples is not None and len(out) >= ctx.max_examples:
                break
        return out
    return ctx.cached(("samples", entry.name, dtype, ctx.max_examples, fit_key(ctx.device)), make)


def _forward(entry, sample, dev):
    """(host outputs, dtype names, devices) of the op on dev, or the exception it raised."""
    try:
        args, _ = build(sample, dev)
        outs = _outs(call(entry, sample, args, dev))
        return [_host(o) for o in outs], [o.dtype.name for o in outs], [o.device for o in outs]
    except (SkipCase, CheckFailure):
        raise
    except Exception as e:  # reported as the case's failure, with the snippet
        return e


def _forward_memo(entry, sample, i, dtype, dev, ctx):
    # sample i is the i-th of the samples fitted to the device under test (`samples_for`)
    key = ("fwd", entry.name, dtype, i, str(dev), _fit_key(ctx.device))
    return ctx.cached(key, lambda: _forward(entry, sample, dev))


def _raised(e: Exception) -> CheckFailure:
    return CheckFailure(f"raised {type(e).__name__}: {e}")


def _per_sample(entry, dtype, ctx, check, fn, grad_only=False, cast=None):
    """Runs fn(sample, index) over the samples; a failure names the sample and carries a snippet."""
    dev = ctx.device
    if getattr(ag, dtype) not in dev.to_native:
        raise SkipCase(f"device {dev} has no {dtype}")
    samples = samples_for(entry, dtype, ctx)
    ran = 0
    for i, s in enumerate(samples):
        if grad_only and not (s.grad and leaves_of(s)):
            continue
        try:
            fn(s, i)
        except CheckFailure as e:
            e.snippet = snippet(entry, s, dev, check, cast)
            e.sample = s.desc
            raise
        except SkipCase:
            raise
        except Exception as e:
            f = _raised(e)
            f.snippet = snippet(entry, s, dev, check, cast)
            f.sample = s.desc
            raise f from e
        ran += 1
    if not ran:
        raise SkipCase("no sample of this dtype applies")


def _check_forward(entry, dtype, ctx):
    def one(s, i):
        r = _forward_memo(entry, s, i, dtype, ctx.device, ctx)
        if isinstance(r, Exception):
            raise _raised(r)
        got, dts, _ = r
        if entry.ref is None:
            raise SkipCase("no NumPy reference (random numbers): checked against the numpy "
                           "backend instead")
        try:
            want = entry.ref(*host_args(s), **s.kwargs)
        except Exception as e:  # a bug in the table, not in the backend: say so
            raise CheckFailure(f"the NumPy reference itself raised {type(e).__name__}: {e}") from e
        want = list(want) if isinstance(want, tuple | list) else [want]
        if len(got) != len(want):
            raise CheckFailure(f"{len(got)} outputs, expected {len(want)}")
        for k, (g, w, dt) in enumerate(zip(got, want, dts, strict=False)):
            rtol, atol = (entry.rtol.get(dt, _tol(dt)[0]), entry.atol.get(dt, _tol(dt)[1]))
            assert_close(g, np.asarray(w), rtol, atol, f"output {k} ({dt}) against NumPy float64")
    _per_sample(entry, dtype, ctx, "forward", one)


def _check_dtype(entry, dtype, ctx):
    def one(s, i):
        r = _forward_memo(entry, s, i, dtype, ctx.device, ctx)
        if isinstance(r, Exception):
            raise _raised(r)
        want = expected_dtype(entry.out_dtype, s, ctx.device)
        want = list(want) if isinstance(want, tuple) else [want] * len(r[1])
        if list(r[1]) != want:
            raise CheckFailure(f"output dtype {', '.join(r[1])}, PyTorch's rules give "
                               f"{', '.join(want)} (inputs {_operands(s)})")
    _per_sample(entry, dtype, ctx, "dtype", one)


def _check_device(entry, dtype, ctx):
    def one(s, i):
        r = _forward_memo(entry, s, i, dtype, ctx.device, ctx)
        if isinstance(r, Exception):
            raise _raised(r)
        for k, d in enumerate(r[2]):
            if d is not ctx.device:
                raise CheckFailure(f"output {k} is on {d}, expected {ctx.device} (its inputs')")
    _per_sample(entry, dtype, ctx, "device", one)


# ---- gradients -----------------------------------------------------------------------------------
def _diff_outs(entry, outs):
    idx = entry.grad_outputs
    return [o for k, o in enumerate(outs)
            if (idx is None or k in idx) and o.dtype.is_floating_point]


def _cotangents(outs_host, seed):
    rng = np.random.default_rng(seed)
    return [np.asarray(rng.uniform(0.5, 1.5, o.shape) * rng.choice([-1.0, 1.0], o.shape))
            for o in outs_host]


def _phi_host(entry, sample, dev, hosts, vs, dtype="float64"):
    """sum_k <v_k, out_k> at leaf values `hosts` (no graph): the scalar finite differences probe."""
    leaves = [ag.tensor(np.asarray(h), dtype=getattr(ag, dtype), device=dev) for h in hosts]
    args, _ = build(sample, dev, leaves)
    with ag.no_grad():
        outs = _diff_outs(entry, _outs(call(entry, sample, args, dev)))
    return math.fsum(float(np.sum(_host(o).astype(np.float64) * v))
                     for o, v in zip(outs, vs, strict=True))


def _vjp(entry, sample, dev, hosts, seed, dtype="float64", create_graph=False):
    """(leaves, analytic vᵀJ per leaf (zeros where unused), cotangents v)."""
    leaves = [ag.tensor(np.asarray(h), dtype=getattr(ag, dtype), device=dev, requires_grad=True)
              for h in hosts]
    args, _ = build(sample, dev, leaves)
    outs = _diff_outs(entry, _outs(call(entry, sample, args, dev)))
    if not outs:
        raise CheckFailure("no floating output to differentiate")
    vs = _cotangents([np.empty(tuple(o.shape)) for o in outs], seed)
    gv = [ag.tensor(v, dtype=o.dtype, device=dev) for v, o in zip(vs, outs, strict=False)]
    live = [(o, g) for o, g in zip(outs, gv, strict=False) if o.requires_grad]
    if not live:
        grads = [None] * len(leaves)
    else:
        grads = list(ag.autograd.grad([o for o, _ in live], leaves, [g for _, g in live],
                                      allow_unused=True, create_graph=create_graph))
    for k, (g, t) in enumerate(zip(grads, leaves, strict=False)):
        if g is not None:
            if tuple(g.shape) != tuple(t.shape):
                raise CheckFailure(f"gradient {k} has shape {tuple(g.shape)}, its input "
                                   f"{tuple(t.shape)}")
            if g.dtype is not t.dtype or g.device is not t.device:
                raise CheckFailure(f"gradient {k} is {g.dtype} on {g.device}; its input is "
                                   f"{t.dtype} on {t.device}")
    return leaves, grads, vs


def _numeric_check(f, hosts, analytic, fast, seed, what):
    """Compares analytic derivatives of the scalar f(hosts) with central differences (all
    coordinates, or one random direction per input in fast mode)."""
    rtol, atol = GRAD_TOL
    eps = GRAD_EPS
    rng = np.random.default_rng(seed + 1)
    for k, h in enumerate(hosts):
        a = analytic[k]
        if fast:
            u = np.asarray(rng.uniform(-1, 1, h.shape))
            plus, minus = [x.copy() for x in hosts], [x.copy() for x in hosts]
            plus[k] = np.asarray(h + eps * u)  # 0-d arithmetic gives NumPy scalars
            minus[k] = np.asarray(h - eps * u)
            num = (f(plus) - f(minus)) / (2 * eps)
            ana = float(np.sum(a * u))
            if not abs(ana - num) <= atol + rtol * abs(num):
                raise CheckFailure(f"{what} of input {k} along a random direction: analytic "
                                   f"{ana!r}, finite differences {num!r} (rtol={rtol:g}, "
                                   f"atol={atol:g}, eps={eps:g})")
            continue
        num = np.zeros(h.shape)
        flat = num.reshape(-1)
        for j in range(h.size):
            plus, minus = [x.copy() for x in hosts], [x.copy() for x in hosts]
            plus[k].reshape(-1)[j] += eps
            minus[k].reshape(-1)[j] -= eps
            flat[j] = (f(plus) - f(minus)) / (2 * eps)
        assert_close(a, num, rtol, atol, f"{what} of input {k} against finite differences "
                     f"(eps={eps:g})")


def _g(g, like):
    return np.zeros(like.shape) if g is None else _host(g).astype(np.float64)


def _vjp_memo(entry, s, i, dev, ctx, dtype="float64", hosts=None):
    hosts = hosts if hosts is not None else [h.astype(np.float64) for h in leaves_of(s)]
    def make():
        try:
            leaves, grads, vs = _vjp(entry, s, dev, hosts, _seed(entry.name, i), dtype)
            return [_g(g, t) for g, t in zip(grads, leaves, strict=False)], vs
        except (SkipCase, CheckFailure) as e:
            return e
        except Exception as e:
            return _raised(e)
    return ctx.cached(("vjp", entry.name, i, str(dev), dtype, len(hosts) and hosts[0].dtype.name,
                       _fit_key(ctx.device)),
                      make)


def _check_grad(entry, ctx):
    dev = ctx.device

    def one(s, i):
        hosts = [h.astype(np.float64) for h in leaves_of(s)]
        r = _vjp_memo(entry, s, i, dev, ctx)
        if isinstance(r, Exception):
            raise r
        grads, vs = r
        _numeric_check(lambda hs: _phi_host(entry, s, dev, hs, vs), hosts, grads,
                       ctx.fast_gradcheck, _seed(entry.name, i), "gradient")
    _per_sample(entry, "float64", ctx, "grad", one, grad_only=True)


def _check_grad_f32(entry, ctx):
    dev = ctx.device
    if ag.float64 not in dev.to_native:
        raise SkipCase(f"device {dev} has no float64 to compare float32 gradients with")

    def one(s, i):
        hosts = [h.astype(np.float32).astype(np.float64) for h in leaves_of(s)]
        leaves, g32, vs = _vjp(entry, s, dev, [h.astype(np.float32) for h in hosts],
                               _seed(entry.name, i), "float32")
        _, g64, _ = _vjp(entry, s, dev, hosts, _seed(entry.name, i), "float64")
        for k, (a, b, t) in enumerate(zip(g32, g64, leaves, strict=False)):
            assert_close(_g(a, t), _g(b, t), *GRAD_F32_TOL,
                         f"float32 gradient of input {k} against the float64 one")
    _per_sample(entry, "float32", ctx, "grad_float32", one, grad_only=True, cast="float32")


def _check_gradgrad(entry, ctx):
    dev = ctx.device

    def first(hs, s, i, create):
        leaves, grads, _ = _vjp(entry, s, dev, hs, _seed(entry.name, i), create_graph=create)
        return leaves, grads

    def one(s, i):
        hosts = [h.astype(np.float64) for h in leaves_of(s)]
        ws = _cotangents([np.empty(h.shape) for h in hosts], _seed(entry.name, i, "w"))
        leaves, grads = first(hosts, s, i, True)
        terms = [(g * ag.tensor(w, dtype=ag.float64, device=dev)).sum()
                 for g, w in zip(grads, ws, strict=False) if g is not None and g.requires_grad]
        if terms:
            psi = terms[0]
            for t in terms[1:]:
                psi = psi + t
            sec = ag.autograd.grad(psi, leaves, allow_unused=True)
        else:  # the first derivative does not depend on the inputs (a linear op)
            sec = [None] * len(leaves)
        ana = [_g(g, t) for g, t in zip(sec, leaves, strict=False)]

        def f(hs):
            _, gs = first(hs, s, i, False)
            return math.fsum(float(np.sum(_g(g, h) * w))
                             for g, h, w in zip(gs, hs, ws, strict=True))
        _numeric_check(f, hosts, ana, ctx.fast_gradcheck, _seed(entry.name, i, "gg"),
                       "second derivative")
    _per_sample(entry, "float64", ctx, "gradgrad", one, grad_only=True)


def _grad_ref_samples(entry, ctx) -> list:
    """The entry's float64 samples that state a reference gradient (they come after the general
    samples, so max_examples counts them on their own: the first max_examples of them)."""
    def make():
        rng = np.random.default_rng(_seed(entry.feature, entry.name, "float64"))
        out = [s for s in entry.samples(rng, "float64") if s.grad_ref is not None]
        return out if ctx.max_examples is None else out[:ctx.max_examples]
    return ctx.cached(("grad_ref_samples", entry.name, ctx.max_examples), make)


def _check_grad_ref(entry, ctx):
    """The gradient of sum(outputs) in float64 against the sample's stated (PyTorch) values."""
    dev = ctx.device
    if ag.float64 not in dev.to_native:
        raise SkipCase(f"device {dev} has no float64")

    def one(s):
        leaves = [ag.tensor(np.asarray(h, dtype=np.float64), dtype=ag.float64, device=dev,
                            requires_grad=True) for h in leaves_of(s)]
        args, _ = build(s, dev, leaves)
        outs = [o for o in _diff_outs(entry, _outs(call(entry, s, args, dev))) if o.requires_grad]
        if len(s.grad_ref) != len(leaves):
            raise CheckFailure(f"{len(s.grad_ref)} reference gradients for {len(leaves)} inputs")
        grads = [None] * len(leaves)
        if outs:
            ones = [ag.ones(tuple(o.shape), dtype=o.dtype, device=dev) for o in outs]
            grads = ag.autograd.grad(outs, leaves, ones, allow_unused=True)
        for k, (g, t, want) in enumerate(zip(grads, leaves, s.grad_ref, strict=True)):
            assert_close(_g(g, t), np.asarray(want, dtype=np.float64), *GRAD_REF_TOL,
                         f"gradient {k} against PyTorch's")

    for s in _grad_ref_samples(entry, ctx):
        try:
            one(s)
        except CheckFailure as e:
            e.snippet, e.sample = snippet(entry, s, dev, "grad"), s.desc
            raise
        except Exception as e:
            f = _raised(e)
            f.snippet, f.sample = snippet(entry, s, dev, "grad"), s.desc
            raise f from e


# ---- errors and agreement across backends --------------------------------------------------------
def _exc_name(exc) -> str:
    return " or ".join(t.__name__ for t in exc) if isinstance(exc, tuple) else exc.__name__


def _check_errors(entry, ctx):
    from .catalog._samples import fit_sample

    dev = ctx.device
    n = 0
    for e in entry.errors():
        s = fit_sample(e.sample, dev, cast_floats=True)  # the dtype is not the point of these
        try:
            args, _ = build(s, dev)
            out = call(entry, s, args, dev)
            outs = _outs(out)
            for o in outs:  # a lazy backend must still raise before anyone reads the values
                _host(o)
        except SkipCase:
            continue
        except Exception as exc:
            import re

            if not isinstance(exc, e.exc) or (e.match and not re.search(e.match, str(exc))):
                f = CheckFailure(f"{s.desc}: raised {type(exc).__name__}: {exc}; expected "
                                 f"{_exc_name(e.exc)} matching {e.match!r}")
                f.snippet, f.sample = snippet(entry, s, dev, "errors"), s.desc
                raise f from exc
            n += 1
            continue
        f = CheckFailure(f"{s.desc}: returned without raising; expected {_exc_name(e.exc)} "
                         f"matching {e.match!r}")
        f.snippet, f.sample = snippet(entry, s, dev, "errors"), s.desc
        raise f
    if not n:
        raise SkipCase("no error input applies on this device")


def _check_cross(entry, dtype, ctx):
    ref = ctx.ref_device

    def one(s, i):
        r = _forward_memo(entry, s, i, dtype, ctx.device, ctx)
        q = _forward_memo(entry, s, i, dtype, ref, ctx)
        if isinstance(q, Exception):
            raise SkipCase(f"the numpy backend raised on it too ({type(q).__name__})")
        if isinstance(r, Exception):
            raise _raised(r)
        for k, (g, w, dg, dw) in enumerate(zip(r[0], q[0], r[1], q[1], strict=False)):
            if dg != dw and (dg, dw) != (ctx.device.default_int.name, ref.default_int.name):
                # each backend's default integer dtype is right for it (the dtype check says
                # which); any other difference is not
                raise CheckFailure(f"output {k} is {dg}, the numpy backend gives {dw}")
            tol = CROSS_TOL_F64 if dg == "float64" else _tol(dg)
            assert_close(g, w, *tol, f"output {k} against the numpy backend's")
        if dtype == "float64" and entry.grad and s.grad and leaves_of(s):
            a, b = _vjp_memo(entry, s, i, ctx.device, ctx), _vjp_memo(entry, s, i, ref, ctx)
            if isinstance(a, Exception):
                raise a
            if isinstance(b, Exception):
                return
            for k, (ga, gb) in enumerate(zip(a[0], b[0], strict=False)):
                assert_close(ga, gb, *CROSS_TOL_F64, f"gradient {k} against the numpy backend's")
    _per_sample(entry, dtype, ctx, "cross_backend", one)


def op_cases(entry: OpInfo, ctx: Context) -> Iterator[Case]:
    for dt in entry.dtypes:
        yield Case(entry, "forward", dt, lambda dt=dt: _check_forward(entry, dt, ctx))
        yield Case(entry, "dtype", dt, lambda dt=dt: _check_dtype(entry, dt, ctx))
        yield Case(entry, "device", dt, lambda dt=dt: _check_device(entry, dt, ctx))
        if not ctx.is_reference:
            yield Case(entry, "cross_backend", dt, lambda dt=dt: _check_cross(entry, dt, ctx))
    fd = ctx.runs_finite_differences
    if fd and entry.grad >= 1 and "float64" in entry.dtypes:
        yield Case(entry, "grad", "float64", lambda: _check_grad(entry, ctx))
        if "float32" in entry.dtypes:
            yield Case(entry, "grad_float32", "float32", lambda: _check_grad_f32(entry, ctx))
    if fd and entry.grad >= 2 and "float64" in entry.dtypes:
        yield Case(entry, "gradgrad", "float64", lambda: _check_gradgrad(entry, ctx))
    if entry.grad >= 1 and "float64" in entry.dtypes and _grad_ref_samples(entry, ctx):
        yield Case(entry, "grad_ref", "float64", lambda: _check_grad_ref(entry, ctx))
    if entry.errors is not None:
        yield Case(entry, "errors", "-", lambda: _check_errors(entry, ctx))


# ---- scenarios -----------------------------------------------------------------------------------
def _scenario_snippet(entry: Scenario, dev, dtype: str) -> str:
    mod = entry.run.__module__
    return (f"import arraygrad as ag\nfrom {mod} import {entry.run.__name__}\n"
            f"print({entry.run.__name__}(ag.device({str(dev)!r}), {dtype!r}))")


def _scenario_run(entry, dev, dtype, ctx):
    def make():
        try:
            return entry.run(dev, dtype)
        except (CheckFailure, SkipCase) as e:
            return e
        except Exception as e:
            return _raised(e)
    return ctx.cached(("scenario", entry.name, str(dev), dtype), make)


def _with_snippet(fn, entry, dev, dtype):
    def run():
        try:
            fn()
        except CheckFailure as e:
            e.snippet = _scenario_snippet(entry, dev, dtype)
            raise
    return run


def _compare_results(got: dict, want: dict, rtol, atol, against: str):
    for k, w in want.items():
        if k not in got:
            raise CheckFailure(f"result {k!r} is missing")
        assert_close(np.asarray(got[k]), np.asarray(w), rtol, atol, f"{k} against {against}")


def scenario_cases(entry: Scenario, ctx: Context) -> Iterator[Case]:
    dev = ctx.device
    for dt in entry.dtypes:
        def check(dt=dt):
            if getattr(ag, dt) not in dev.to_native:
                raise SkipCase(f"device {dev} has no {dt}")
            r = _scenario_run(entry, dev, dt, ctx)
            if isinstance(r, Exception):
                raise r
            if entry.reference is not None:
                rtol, atol = (entry.rtol, entry.atol) if dt == "float64" else _tol(dt)
                _compare_results(r, entry.reference(r, dt), rtol, atol, "NumPy float64")

        def cross(dt=dt):
            if getattr(ag, dt) not in dev.to_native:
                raise SkipCase(f"device {dev} has no {dt}")
            r = _scenario_run(entry, dev, dt, ctx)
            if isinstance(r, Exception):
                raise r
            q = _scenario_run(entry, ctx.ref_device, dt, ctx)
            if isinstance(q, Exception):
                raise SkipCase(f"the numpy backend fails it too: {q}")
            tol = CROSS_TOL_F64 if dt == "float64" else _tol(dt)
            _compare_results(r, q, *tol, "the numpy backend's")
        yield Case(entry, "run", dt, _with_snippet(check, entry, dev, dt))
        if not ctx.is_reference:
            yield Case(entry, "cross_backend", dt, _with_snippet(cross, entry, dev, dt))
