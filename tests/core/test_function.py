"""Custom autograd Functions: forward/backward, ctx, several outputs, setup_context style,
double backward, and the checks on what backward returns."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.autograd import Function, gradcheck, once_differentiable


def _t(values, device, requires_grad=True):
    return ag.tensor(values, dtype=ag.float64, device=device, requires_grad=requires_grad)


def _np(t):
    return np.asarray(t.detach().cpu().numpy())


class LegendrePolynomial3(Function):
    """PyTorch tutorial's example: P3(x) = (5x³ - 3x) / 2."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


class Exp(Function):
    """Saves its output (the classic cycle trap)."""

    @staticmethod
    def forward(ctx, x):
        out = x.exp()
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


class ScaleBy(Function):
    """A non-tensor argument; new-style setup_context."""

    @staticmethod
    def forward(x, k):
        return x * k

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.k = inputs[1]

    @staticmethod
    def backward(ctx, g):
        return g * ctx.k, None


class SplitSigns(Function):
    """Two outputs."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2.0, x * x

    @staticmethod
    def backward(ctx, ga, gb):
        (x,) = ctx.saved_tensors
        return ga * 2.0 + gb * 2.0 * x


def test_legendre_forward_and_backward(device):
    x = _t([0.1, 0.5, -0.3], device)
    y = LegendrePolynomial3.apply(x)
    v = np.array([0.1, 0.5, -0.3])
    np.testing.assert_allclose(_np(y), 0.5 * (5 * v ** 3 - 3 * v), rtol=1e-12)
    y.sum().backward()
    np.testing.assert_allclose(_np(x.grad), 1.5 * (5 * v ** 2 - 1), rtol=1e-12)


def test_legendre_passes_gradcheck(eager_device):
    x = _t([0.1, 0.5, -0.3], eager_device)
    assert gradcheck(LegendrePolynomial3.apply, (x,))


def test_function_grad_fn_name_and_edges(device):
    x = _t([1.0], device)
    y = LegendrePolynomial3.apply(x)
    assert y.grad_fn.name() == "LegendrePolynomial3Backward"
    assert y.grad_fn.next_functions[0][0].variable is x


def test_forward_runs_with_grad_disabled(device):
    seen = []

    class Probe(Function):
        @staticmethod
        def forward(ctx, x):
            seen.append(ag.is_grad_enabled())
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            seen.append(ag.is_grad_enabled())
            return g * 2.0

    x = _t([1.0], device)
    Probe.apply(x).sum().backward()
    assert seen == [False, False]


def test_needs_input_grad(device):
    got = []

    class Mul(Function):
        @staticmethod
        def forward(ctx, a, b, k):
            got.append(ctx.needs_input_grad)
            ctx.save_for_backward(a, b)
            ctx.k = k
            return a * b * k

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return (g * b * ctx.k if ctx.needs_input_grad[0] else None,
                    g * a * ctx.k if ctx.needs_input_grad[1] else None, None)

    a, b = _t([2.0], device), _t([3.0], device, requires_grad=False)
    Mul.apply(a, b, 2.0).sum().backward()
    assert got == [(True, False, False)]
    np.testing.assert_allclose(_np(a.grad), [6.0])


def test_non_tensor_argument_gets_none_and_setup_context_style(device):
    x = _t([1.0, 2.0], device)
    y = ScaleBy.apply(x, 3.0)
    y.sum().backward()
    np.testing.assert_allclose(_np(x.grad), [3.0, 3.0])


def test_keyword_arguments_bind_to_forward(device):
    x = _t([1.0, 2.0], device)
    ScaleBy.apply(x, k=4.0).sum().backward()
    np.testing.assert_allclose(_np(x.grad), [4.0, 4.0])


def test_several_outputs(device):
    x = _t([1.0, -2.0], device)
    a, b = SplitSigns.apply(x)
    assert a.grad_fn is b.grad_fn
    (a.sum() + b.sum()).backward()
    np.testing.assert_allclose(_np(x.grad), [4.0, -2.0])


def test_unused_output_gets_materialized_zeros(device):
    x = _t([1.0, -2.0], device)
    _, b = SplitSigns.apply(x)
    b.sum().backward()
    np.testing.assert_allclose(_np(x.grad), [2.0, -4.0])


def test_set_materialize_grads_false_gives_none(device):
    seen = []

    class Two(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 1.0, x * 2.0

        @staticmethod
        def backward(ctx, ga, gb):
            seen.append((ga is None, gb is None))
            return gb * 2.0

    x = _t([1.0], device)
    Two.apply(x)[1].sum().backward()
    assert seen == [(True, False)]
    np.testing.assert_allclose(_np(x.grad), [2.0])


def test_mark_non_differentiable_output(device):
    class WithMask(Function):
        @staticmethod
        def forward(ctx, x):
            mask = x > 0
            out = x * 1.0
            ctx.mark_non_differentiable(mask)
            return out, mask

        @staticmethod
        def backward(ctx, g, gmask):
            return g

    x = _t([1.0, -1.0], device)
    out, mask = WithMask.apply(x)
    assert out.requires_grad and not mask.requires_grad
    out.sum().backward()
    np.testing.assert_allclose(_np(x.grad), [1.0, 1.0])


def test_mark_dirty_rebases_the_modified_input(device):
    class AddOneInplace(Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1.0)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 1.0

    a = _t([1.0, 2.0], device)
    h = a * 3.0
    out = AddOneInplace.apply(h)
    assert out is h and h.grad_fn.name() == "AddOneInplaceBackward"
    np.testing.assert_allclose(_np(h), [4.0, 7.0])
    (out * out).sum().backward()
    np.testing.assert_allclose(_np(a.grad), [24.0, 42.0])


def test_mark_dirty_on_leaf_requiring_grad_raises(device):
    class Dirty(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        Dirty.apply(_t([1.0], device))


def test_returning_an_input_gives_a_new_tensor(device):
    class Identity(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2.0

    x = _t([1.0], device)
    y = Identity.apply(x)
    assert y is not x and x.is_leaf and y.grad_fn is not None
    y.sum().backward()
    np.testing.assert_allclose(_np(x.grad), [2.0])


def test_saved_output_makes_no_reference_cycle(device):
    x = _t([0.5], device)
    y = Exp.apply(x)
    node = weakref.ref(y.grad_fn)
    gc.disable()
    try:
        del y
        assert node() is None
    finally:
        gc.enable()


def test_saved_output_gradient(device):
    x = _t([0.5, 1.0], device)
    Exp.apply(x).sum().backward()
    np.testing.assert_allclose(_np(x.grad), np.exp([0.5, 1.0]), rtol=1e-12)


def test_saved_tensor_modified_in_place_raises(device):
    x = _t([1.0, 2.0], device)
    h = x * 1.0
    y = LegendrePolynomial3.apply(h)
    with ag.no_grad():
        h.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_saved_tensors_after_backward_raise(device):
    x = _t([1.0], device)
    y = LegendrePolynomial3.apply(x)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.sum().backward()


def test_double_backward_through_a_function(device):
    x = _t([0.3, -0.7], device)
    y = LegendrePolynomial3.apply(x).sum()
    (g,) = ag.autograd.grad(y, x, create_graph=True)
    (gg,) = ag.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(_np(gg), 15.0 * np.array([0.3, -0.7]), rtol=1e-12)


def test_once_differentiable_blocks_double_backward(device):
    class Sq(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 2.0 * x

    x, v = _t([3.0], device), _t([1.0], device)  # as in PyTorch, a grad_output must require grad
    (g,) = ag.autograd.grad(Sq.apply(x), x, v, create_graph=True)
    np.testing.assert_allclose(_np(g), [6.0])
    with pytest.raises(RuntimeError, match="once_differentiable"):
        g.sum().backward()


def test_wrong_number_of_gradients_raises(device):
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            return g, g

    with pytest.raises(RuntimeError, match="BadBackward returned an incorrect number of gradients "
                                           r"\(expected 1, got 2\)"):
        Bad.apply(_t([1.0], device)).sum().backward()


def test_wrong_gradient_shape_raises(device):
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            return g.sum()

    with pytest.raises(RuntimeError, match=r"BadBackward returned an invalid gradient at index 0 - "
                                           r"got \[\] but expected shape compatible with \[2\]"):
        Bad.apply(_t([1.0, 2.0], device)).sum().backward()


def test_gradient_for_non_tensor_argument_raises(device):
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g, g

    with pytest.raises(RuntimeError, match="forward input was not a Variable"):
        Bad.apply(_t([1.0], device), 2.0).sum().backward()


def test_no_recording_when_nothing_requires_grad(device):
    y = LegendrePolynomial3.apply(_t([1.0], device, requires_grad=False))
    assert y.grad_fn is None and not y.requires_grad


@pytest.mark.parity
def test_parity_custom_function_second_derivative(torch):
    vals = [0.2, -0.9, 1.4]

    class TLeg(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    res = []
    for lib, fn in ((ag, LegendrePolynomial3), (torch, TLeg)):
        x = lib.tensor(vals, dtype=lib.float64, requires_grad=True)
        y = (fn.apply(x) * lib.sin(x)).sum()
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        res.append((g.detach().numpy(), gg.detach().numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-12, atol=1e-12)
