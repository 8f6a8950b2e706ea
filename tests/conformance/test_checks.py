"""The checks catch what they are for: a wrong value, dtype, gradient or a missing error; PyTorch's
promotion rules as written out in the suite agree with PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import conformance
from arraygrad.conformance import checks
from arraygrad.conformance.catalog._samples import binary, fixed, unary


def _statuses(entry, device="cpu", fast=False) -> dict:
    exp = conformance.load_expectations("none-such")
    exp.gradcheck = "fast" if fast else "full"
    results = conformance.run_entry(entry, conformance.Target(ag.device(device), exp))
    return {(r.check, r.dtype): r for r in results}


class _WrongExpBackward(ag.autograd.Function):
    """exp with a backward off by a factor 1.01: finite differences must notice."""

    @staticmethod
    def forward(ctx, x):
        y = ag.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g * y * 1.01


def test_correct_op_passes_every_check():
    r = _statuses(conformance.OpInfo("exp", np.exp, unary(), dtypes=("float32", "float64"),
                                     out_dtype="float", grad=2))
    assert {v.status for v in r.values()} == {"pass"}
    assert {c for c, _ in r} == {"forward", "dtype", "device", "grad", "grad_float32", "gradgrad"}


def test_wrong_reference_value_fails_forward_with_snippet():
    r = _statuses(conformance.OpInfo("exp", np.sin, unary(), dtypes=("float64",)))
    f = r[("forward", "float64")]
    assert f.status == "fail" and "against NumPy float64" in f.reason
    out = {}
    exec(f.snippet.replace("print(out)", "result = out"), out)  # the snippet reproduces the call
    assert isinstance(out["result"], ag.Tensor)


def test_wrong_dtype_rule_fails_dtype_check():
    r = _statuses(conformance.OpInfo("exp", np.exp, unary(), dtypes=("int64",), out_dtype="same"))
    assert r[("dtype", "int64")].status == "fail"
    assert "PyTorch's rules give int64" in r[("dtype", "int64")].reason


@pytest.mark.parametrize("fast", [False, True])
def test_wrong_backward_fails_gradient_check(fast, monkeypatch):
    monkeypatch.setattr(ag, "WrongExp", _WrongExpBackward, raising=False)
    e = conformance.OpInfo("wrong_exp", np.exp, fixed((((2, 3),), {}, "2-D")),
                           dtypes=("float64",), call="ag.WrongExp.apply({0})")
    r = _statuses(e, fast=fast)
    assert r[("forward", "float64")].status == "pass"
    assert r[("grad", "float64")].status == "fail"
    assert "finite differences" in r[("grad", "float64")].reason


def test_error_input_that_does_not_raise_fails():
    def errors():
        yield conformance.ErrorInput(conformance.Sample((np.ones(3),), desc="fine input"),
                                     RuntimeError, "")
    r = _statuses(conformance.OpInfo("exp", np.exp, unary(), dtypes=("float64",),
                                     errors=errors))
    assert r[("errors", "-")].status == "fail"
    assert "without raising" in r[("errors", "-")].reason


def test_cross_backend_compares_with_numpy_backend():
    r = _statuses(conformance.OpInfo("add", np.add, binary(), dtypes=("float64",),
                                     out_dtype="promote"), device="array_api_strict")
    assert r[("cross_backend", "float64")].status == "pass"


def test_assert_close_reports_index_and_values():
    with pytest.raises(conformance.CheckFailure, match=r"at index \(1,\) got"):
        checks.assert_close(np.array([1.0, 2.0]), np.array([1.0, 2.1]), 1e-7, 1e-7, "x")
    checks.assert_close(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), 1e-7, 1e-7, "x")
    with pytest.raises(conformance.CheckFailure, match="shape"):
        checks.assert_close(np.ones(2), np.ones(3), 1e-7, 1e-7, "x")


_OPERANDS = [
    [("int64", 2), ("float32", 2)], [("int32", 2), ("int64", 0)], [("int32", 2), ("float64", 0)],
    [("float32", 2), ("float64", 0)], [("float32", 2), 2.5], [("int64", 2), 2.5],
    [("int32", 2), 7], [("bool", 2), 1], [("bool", 2), True], [("uint8", 2), ("int8", 2)],
    [("float16", 2), ("float32", 0)], [("int64", 0), 1.5], [("bool", 0), ("int32", 1)],
    [("uint8", 1), ("int16", 0)],
]


@pytest.mark.parity
@pytest.mark.parametrize("operands", _OPERANDS, ids=str)
def test_torch_result_type_matches_pytorch(operands, torch):
    def t(o):
        if isinstance(o, tuple):
            return torch.ones((2,) * o[1], dtype=getattr(torch, o[0]))
        return o
    want = torch.result_type(t(operands[0]), t(operands[1]))
    assert checks.torch_result_type(operands) == str(want).removeprefix("torch.")
