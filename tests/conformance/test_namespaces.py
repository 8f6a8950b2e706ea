"""The runner on array libraries nobody here wrote (jax.numpy in its 32-bit default mode,
PyTorch through array-api-compat): samples follow the namespace's default dtypes, the checks
agree with each other, failure reports do not crash, and the shipped expectation files are found
by the namespace's module. Each run is a handful of ops with one sample (the full runs are in
docs/conformance.md)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import cli
from arraygrad.conformance import runner
from arraygrad.conformance.catalog._samples import fit_sample
from arraygrad.conformance.table import Sample, View


def _run(tmp_path, namespace, *ops):
    out = tmp_path / "r.json"
    argv = ["conformance", "--namespace", namespace, "--max-examples", "1", "-q", "--json",
            str(out)]
    for op in ops:
        argv += ["--op", op]
    rc = cli.main(argv)
    return rc, json.loads(out.read_text())


def _status(rep, op, check, dtype=None):
    return {r["status"] for r in rep["results"] if r["op"] == op and r["check"] == check
            and (dtype is None or r["dtype"] == dtype)}


def test_jax_in_32_bit_mode_passes_with_its_expectations(tmp_path, capsys):
    jnp = pytest.importorskip("jax.numpy")
    assert jnp.asarray(1).dtype == jnp.int32  # the default mode: no int64, no float64
    rc, rep = _run(tmp_path, "jax.numpy", "gather", "Tensor.__getitem__(tensor)", "argmax",
                   "add")
    text = capsys.readouterr().out
    assert rc == 0, text
    # index samples are int32 (the namespace's index dtype): the ops themselves pass
    assert _status(rep, "gather", "forward", "float32") == {"pass"}
    assert _status(rep, "Tensor.__getitem__(tensor)", "cross_backend", "float32") == {"pass"}
    # argmax returns jax's default integer (int32): dtype and cross_backend agree
    assert (_status(rep, "argmax", "dtype", "float32")
            == _status(rep, "argmax", "cross_backend", "float32") == {"pass"})
    # errors checks build float32 inputs here, and pass
    assert _status(rep, "add", "errors") == {"pass"}
    # JAX clamps out-of-range indices instead of raising: expected, with JAX's reason (the
    # failure report formats a tuple of exception types and the two-operand snippet)
    (g,) = [r for r in rep["results"] if r["op"] == "gather" and r["check"] == "errors"]
    assert g["status"] == "xfail" and "clamps" in g["reason"]
    assert "RuntimeError or IndexError" in g["reason"]


def test_torch_through_array_api_compat_passes_with_its_expectations(tmp_path, capsys):
    pytest.importorskip("torch")
    pytest.importorskip("array_api_compat.torch")
    rc, rep = _run(tmp_path, "array_api_compat.torch", "gather")
    assert rc == 0, capsys.readouterr().out
    assert _status(rep, "gather", "forward", "float64") == {"pass"}
    (g,) = [r for r in rep["results"] if r["op"] == "gather" and r["check"] == "errors"]
    assert g["status"] == "xfail" and "take_along_dim" in g["reason"]


def test_unique_counts_uses_the_smallest_standard_function(monkeypatch):
    xp = ag.device("cpu").xp
    def refuse(*a, **k):
        raise AssertionError("unique_all called where unique_counts suffices")
    monkeypatch.setattr(xp, "unique_all", refuse)
    x = ag.tensor([3, 1, 3, 2, 3])
    v, c = ag.unique(x, return_counts=True)
    assert v.tolist() == [1, 2, 3] and c.tolist() == [1, 1, 3]
    v, i = ag.unique(x, return_inverse=True)
    assert v.tolist() == [1, 2, 3] and i.tolist() == [2, 0, 2, 1, 2]


def _dev(lacks=("int64", "float64")):
    table = {getattr(ag, n) for n in ("bool", "int32", "float32", "int64", "float64")
             if n not in lacks}
    return SimpleNamespace(to_native=table, default_int=ag.int32, default_float=ag.float32)


def test_fit_sample_follows_the_devices_dtypes():
    idx = np.array([0, 2], dtype=np.int64)
    x32 = np.ones((2, 3), dtype=np.float32)
    s = Sample((x32, 1, idx), {"k": 1}, "d")
    got = fit_sample(s, _dev())
    assert got.args[2].dtype == np.int32 and got.args[0] is x32 and got.kwargs == {"k": 1}
    assert fit_sample(s, _dev(lacks=())) is s  # a device with every dtype sees it unchanged
    mixed = Sample((x32, View(np.ones((3, 2)), "mT")), desc="float32 with float64")
    assert fit_sample(mixed, _dev()) is None  # needs a dtype the device lacks: left out
    err = fit_sample(mixed, _dev(), cast_floats=True)  # error inputs: the dtype is not the point
    assert err.args[1].base.dtype == np.float32 and err.args[1].how == "mT"


def test_expectation_files_are_found_by_the_namespaces_module():
    def b(name, mod):
        return SimpleNamespace(name=name, xp=SimpleNamespace(__name__=mod))
    assert runner.expectation_names(b("jax_numpy", "jax.numpy"))[:2] == ["jax_numpy", "jax.numpy"]
    assert runner.expectation_names(b("mylib", "mylib.xp")) == ["mylib", "mylib.xp"]
    # a generic registration of a built-in backend's module does not take that adapter's file
    assert runner.expectation_names(b("strict_again", "array_api_strict")) == ["strict_again"]
    assert runner.expectation_names(b("array_api_compat_torch", "array_api_compat.torch")) == [
        "array_api_compat_torch", "array_api_compat.torch"]
    for name in ("jax.numpy", "array_api_compat.torch", "cupy"):
        x = runner._expectations(b(name, name), None)
        assert x.source.endswith(f"expectations/{name}.toml") and x.entries
        assert all(e.reason for e in x.entries)
