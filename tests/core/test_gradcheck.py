"""gradcheck / gradgradcheck: they pass correct gradients, catch wrong ones with an error naming
the input, the element and both values, and run on every backend (fast mode on Dask)."""

from __future__ import annotations

import pytest

import arraygrad as ag
from arraygrad.autograd import Function, GradcheckError, gradcheck, gradgradcheck


def _fast(device) -> bool:
    return device == "dask"  # lazy: one projection vᵀJu instead of the full Jacobian


def _x(device, values=(0.3, -0.8, 1.1), requires_grad=True):
    return ag.tensor(list(values), dtype=ag.float64, device=device, requires_grad=requires_grad)


class WrongGrad(Function):
    """sin with a deliberately wrong backward (cos + 0.5 at every element)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x.cos() + 0.5)


def test_gradcheck_passes_correct_gradients(device):
    x, y = _x(device), _x(device, (0.5, 0.2, -0.4))
    assert gradcheck(lambda a, b: (a * b).exp() + a / (b + 2.0), (x, y), fast_mode=_fast(device))


def test_gradcheck_fast_mode_passes_correct_gradients(device):
    assert gradcheck(lambda a: a.sin() * a, (_x(device),), fast_mode=True)


def test_gradcheck_catches_a_wrong_gradient(device):
    with pytest.raises(GradcheckError, match="output 0 with respect to input 0"):
        gradcheck(WrongGrad.apply, (_x(device),), fast_mode=_fast(device))


def test_gradcheck_error_names_the_element_and_both_values(eager_device):
    x = _x(eager_device)
    with pytest.raises(GradcheckError) as e:
        gradcheck(lambda c, t: c * WrongGrad.apply(t), (_x(eager_device, requires_grad=False), x))
    msg = str(e.value)
    assert "with respect to input 1" in msg
    assert "d(output 0[0])/d(input 1[0])" in msg
    # c * cos(x) numerically, c * (cos(x) + 0.5) analytically, with c = x = 0.3
    assert "is 0.28660" in msg and "but 0.43660" in msg


def test_gradcheck_fast_mode_catches_a_wrong_gradient(device):
    with pytest.raises(GradcheckError, match="fast mode"):
        gradcheck(WrongGrad.apply, (_x(device),), fast_mode=True)


def test_gradcheck_error_is_a_runtime_error():
    assert issubclass(GradcheckError, RuntimeError)


def test_gradcheck_without_raise_returns_false(device):
    assert gradcheck(WrongGrad.apply, (_x(device),), raise_exception=False,
                     fast_mode=_fast(device)) is False


def test_gradcheck_warns_for_float32_inputs():
    x = ag.tensor([0.5, 1.0], dtype=ag.float32, requires_grad=True)
    with pytest.warns(UserWarning, match="is not a double precision floating point"):
        gradcheck(lambda t: t * 2.0, (x,), eps=1e-3, atol=1e-2, rtol=1e-2)


def test_gradcheck_without_inputs_requiring_grad_raises():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradcheck(lambda t: t * 2.0, (_x("cpu", requires_grad=False),))


def test_gradcheck_accepts_a_single_tensor_and_non_tensor_args(eager_device):
    x = _x(eager_device)
    assert gradcheck(lambda t: t * t, x)
    assert gradcheck(lambda t, k: t ** k, (x, 3))


def test_gradcheck_several_outputs(eager_device):
    assert gradcheck(lambda t: (t.exp(), (t * t).sum()), (_x(eager_device),))


def test_gradcheck_detects_nondeterministic_backward():
    calls = []

    class Flaky(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            calls.append(1)
            return g * (2.0 + 1e-9 * len(calls))

    with pytest.raises(GradcheckError, match="Backward is not reentrant"):
        gradcheck(Flaky.apply, (_x("cpu"),))
    assert gradcheck(Flaky.apply, (_x("cpu"),), nondet_tol=1e-6)


def test_gradcheck_undefined_grad_with_unmaterialized_function_raises():
    class NoneUnsafe(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 1.0, x * 2.0

        @staticmethod
        def backward(ctx, ga, gb):
            return ga + gb * 2.0  # fails on None

    x = _x("cpu")
    with pytest.raises(GradcheckError, match="handle undefined output grads"):
        gradcheck(lambda t: NoneUnsafe.apply(t), (x,), nondet_tol=0.0)
    with pytest.raises(TypeError):  # unchecked, the Jacobian's backward hits the None itself
        gradcheck(lambda t: NoneUnsafe.apply(t), (x,), check_undefined_grad=False)


def test_gradgradcheck_passes_correct_second_derivatives(device):
    assert gradgradcheck(lambda t: (t * t * t).sin(), (_x(device),), fast_mode=_fast(device))


def test_gradgradcheck_catches_a_wrong_second_derivative(device):
    class WrongSecond(Function):
        """x³ whose backward is 3x² written with x held constant in one factor (its derivative
        is then 3x instead of 6x)."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3.0 * x * x.detach()

    assert gradcheck(WrongSecond.apply, (_x(device),), fast_mode=_fast(device))
    with pytest.raises(GradcheckError):
        gradgradcheck(WrongSecond.apply, (_x(device),), fast_mode=_fast(device))


def test_unsupported_checks_raise_instead_of_passing():
    with pytest.raises(NotImplementedError, match="check_forward_ad"):
        gradcheck(lambda t: t * 2.0, (_x("cpu"),), check_forward_ad=True)


@pytest.mark.parity
def test_parity_gradcheck_verdicts_match_torch(torch):
    ok = (lambda lib: (lambda t: lib.tanh(t) * t ** 2))
    bad = (lambda lib: (lambda t: t * 2.0 + t.detach() ** 2))
    for make, expected in ((ok, True), (bad, False)):
        x = ag.tensor([0.3, -0.8], dtype=ag.float64, requires_grad=True)
        tx = torch.tensor([0.3, -0.8], dtype=torch.float64, requires_grad=True)
        assert gradcheck(make(ag), (x,), raise_exception=False) is expected
        assert torch.autograd.gradcheck(make(torch), (tx,), raise_exception=False) is expected


# ---- complex inputs and outputs (perturbing real and imaginary parts, as PyTorch) -------------
def _z(device, values=(0.3 + 1.0j, -0.8 + 0.2j, 1.1 - 0.5j)):
    return ag.tensor(list(values), dtype=ag.complex128, device=device, requires_grad=True)


class NoConjMul(Function):
    """z * w with the holomorphic derivative not conjugated (g * w instead of g * conj(w)): right
    for real inputs, wrong under PyTorch's complex convention."""

    @staticmethod
    def forward(ctx, z, w):
        ctx.save_for_backward(z, w)
        return z * w

    @staticmethod
    def backward(ctx, g):
        z, w = ctx.saved_tensors
        return g * w.detach(), g * z.detach()


def test_gradcheck_passes_correct_complex_gradients(device):
    w = _z(device, (0.5 - 0.2j, 1.5 + 0.7j, -0.3 - 1.2j))
    assert gradcheck(lambda a, b: (a * b).exp(), (_z(device), w), fast_mode=_fast(device))
    assert gradcheck(lambda a: a.abs(), (_z(device),), fast_mode=_fast(device))  # real output


def test_gradcheck_catches_an_unconjugated_complex_gradient(eager_device):
    w = _z(eager_device, (0.5 - 0.2j, 1.5 + 0.7j, -0.3 - 1.2j))
    for fast in (False, True):
        with pytest.raises(GradcheckError, match="input 0"):
            gradcheck(NoConjMul.apply, (_z(eager_device), w), fast_mode=fast)


def test_gradcheck_complex_output_of_a_real_input(eager_device):
    x = _x(eager_device)
    assert gradcheck(lambda t: t * (1.0 - 2.0j), (x,))


def test_gradcheck_complex_error_names_the_part():
    w = _z("cpu", (0.5 - 0.2j, 1.5 + 0.7j, -0.3 - 1.2j))
    with pytest.raises(GradcheckError, match="real part"):
        gradcheck(NoConjMul.apply, (_z("cpu"), w))


@pytest.mark.parity
def test_parity_complex_gradcheck_verdicts_match_torch(torch):
    vals = [0.3 + 1.0j, -0.8 + 0.2j]
    ok = lambda lib: (lambda t: (t * t.sin()).sum())  # noqa: E731
    bad = lambda lib: (lambda t: t * 2.0 + t.detach() ** 2)  # noqa: E731
    for make, expected in ((ok, True), (bad, False)):
        z = ag.tensor(vals, dtype=ag.complex128, requires_grad=True)
        tz = torch.tensor(vals, dtype=torch.complex128, requires_grad=True)
        assert gradcheck(make(ag), (z,), raise_exception=False) is expected
        assert torch.autograd.gradcheck(make(torch), (tz,), raise_exception=False) is expected
