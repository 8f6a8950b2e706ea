"""The backward engine: accumulation, retain/create graph, inputs=, hooks, leaf rules, version
checks, pruning in autograd.grad, anomaly detection and the graph's introspection."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import autograd
from arraygrad.core.anomaly import is_anomaly_enabled


def _t(values, device, requires_grad=True, dtype=None):
    return ag.tensor(values, dtype=dtype or ag.float64, device=device, requires_grad=requires_grad)


def _np(t):
    return np.asarray(t.detach().cpu().numpy())


def _close(t, expected, tol=1e-12):
    np.testing.assert_allclose(_np(t), np.asarray(expected, dtype=np.float64), rtol=tol, atol=tol)


# ---- backward --------------------------------------------------------------------------------
def test_backward_of_a_scalar_fills_leaf_grads(device):
    x = _t([1.0, 2.0, 3.0], device)
    (x * x).sum().backward()
    _close(x.grad, [2.0, 4.0, 6.0])


def test_backward_with_gradient_argument(device):
    x = _t([1.0, 2.0], device)
    y = x * 3.0
    y.backward(gradient=_t([1.0, 10.0], device, requires_grad=False))
    _close(x.grad, [3.0, 30.0])


def test_backward_of_non_scalar_without_gradient_raises(device):
    x = _t([1.0, 2.0], device)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar"):
        (x * 2.0).backward()


def test_backward_of_tensor_without_grad_raises(device):
    x = _t([1.0, 2.0], device, requires_grad=False)
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        (x * 2.0).sum().backward()


def test_grads_accumulate_across_backward_calls(device):
    x = _t([1.0, 2.0], device)
    (x * x).sum().backward()
    (x * 3.0).sum().backward()
    _close(x.grad, [5.0, 7.0])


def test_backward_twice_without_retain_graph_raises(device):
    x = _t([1.0, 2.0], device)
    y = x.exp().sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_backward_twice_with_retain_graph_accumulates(device):
    x = _t([1.0, 2.0], device)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    _close(x.grad, [4.0, 8.0])


def test_backward_inputs_accumulates_only_into_inputs(device):
    a, b = _t([1.0, 2.0], device), _t([3.0, 4.0], device)
    (a * b).sum().backward(inputs=[a])
    _close(a.grad, [3.0, 4.0])
    assert b.grad is None


def test_backward_inputs_accepts_a_non_leaf(device):
    a = _t([1.0, 2.0], device)
    h = a * 2.0
    (h * h).sum().backward(inputs=[h])
    _close(h.grad, [4.0, 8.0])
    assert a.grad is None


def test_backward_create_graph_gives_differentiable_grad(device):
    x = _t([1.0, 2.0], device)
    (x * x * x).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    _close(autograd.grad(g.sum(), x)[0], [6.0, 12.0])


def test_grads_of_two_leaves_are_not_aliased(device):
    a, b = _t([1.0, 2.0], device), _t([3.0, 4.0], device)
    (a + b).sum().backward()
    a.grad.zero_()
    _close(b.grad, [1.0, 1.0])
    _close(a.grad, [0.0, 0.0])


def test_grad_is_not_aliased_with_the_given_gradient(eager_device):
    x = _t([1.0, 2.0], eager_device)
    g = _t([5.0, 6.0], eager_device, requires_grad=False)
    (x + 0.0).backward(g)
    x.grad.zero_()
    _close(g, [5.0, 6.0])


def test_grad_keeps_the_leaf_dtype(device):
    x = _t([1.0, 2.0], device, dtype=ag.float32)
    w = _t([0.5, 0.25], device, dtype=ag.float64, requires_grad=False)
    (x * w).sum().backward()
    assert x.grad.dtype == ag.float32
    _close(x.grad, [0.5, 0.25])


def test_long_chain_backpropagates_iteratively():
    x = ag.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    t0 = time.perf_counter()
    y.sum().backward()
    assert time.perf_counter() - t0 < 10.0
    _close(x.grad, [1.0])


# ---- autograd.grad ---------------------------------------------------------------------------
def test_grad_returns_gradients_without_touching_dot_grad(device):
    x = _t([1.0, 2.0], device)
    (g,) = autograd.grad((x * x).sum(), x)
    _close(g, [2.0, 4.0])
    assert x.grad is None


def test_grad_of_unused_input_raises_without_allow_unused(device):
    x, z = _t([1.0], device), _t([2.0], device)
    with pytest.raises(RuntimeError, match="index 1 appears to not have been used in the graph"):
        autograd.grad((x * 2.0).sum(), [x, z])


def test_grad_allow_unused_gives_none(device):
    x, z = _t([1.0], device), _t([2.0], device)
    gx, gz = autograd.grad((x * 2.0).sum(), [x, z], allow_unused=True)
    _close(gx, [2.0])
    assert gz is None


def test_grad_materialize_grads_gives_zeros(device):
    x, z = _t([1.0], device), _t([2.0, 3.0], device)
    _, gz = autograd.grad((x * 2.0).sum(), [x, z], materialize_grads=True)
    _close(gz, [0.0, 0.0])


def test_grad_materialize_grads_with_allow_unused_false_raises(device):
    x = _t([1.0], device)
    with pytest.raises(ValueError, match="allow_unused"):
        autograd.grad((x * 2.0).sum(), [x], allow_unused=False, materialize_grads=True)


def test_grad_of_input_not_requiring_grad_raises(device):
    x, c = _t([1.0], device), _t([1.0], device, requires_grad=False)
    with pytest.raises(RuntimeError, match="does not require grad"):
        autograd.grad((x * c).sum(), [c])


def test_grad_with_respect_to_a_non_leaf(device):
    x = _t([1.0, 2.0], device)
    h = x * 3.0
    (gh,) = autograd.grad((h * h).sum(), h)
    _close(gh, [6.0, 12.0])


def test_third_derivative_of_x_to_the_fourth(device):
    x = _t(1.5, device)
    (g1,) = autograd.grad(x ** 4, x, create_graph=True)
    (g2,) = autograd.grad(g1, x, create_graph=True)
    (g3,) = autograd.grad(g2, x)
    _close(g1, 4 * 1.5 ** 3)
    _close(g2, 12 * 1.5 ** 2)
    _close(g3, 24 * 1.5)


def test_mixed_second_derivative(device):
    x, y = _t(0.7, device), _t(-1.3, device)
    (gx,) = autograd.grad((x * x * y).exp(), x, create_graph=True)
    (gxy,) = autograd.grad(gx, y)
    f = np.exp(0.49 * -1.3)
    _close(gxy, 2 * 0.7 * f + 2 * 0.7 * 0.49 * -1.3 * f, tol=1e-10)


def test_grad_runs_only_the_part_of_the_graph_that_reaches_inputs(device):
    x, w = _t([1.0, 2.0], device), _t([3.0, 4.0], device)
    side = w.exp()
    ran = []
    side.register_hook(lambda g: ran.append("side"))
    loss = (x * x).sum() + side.sum()
    (gx,) = autograd.grad(loss, x)
    _close(gx, [2.0, 4.0])
    assert ran == []


def test_grad_pruning_leaves_the_unvisited_graph_usable(device):
    x, w = _t([1.0, 2.0], device), _t([3.0, 4.0], device)
    loss = (x * x).sum() + w.exp().sum()
    autograd.grad(loss, x)  # frees only what it ran
    (gw,) = autograd.grad(loss, w, allow_unused=True)
    _close(gw, np.exp([3.0, 4.0]), tol=1e-12)


def test_grad_results_are_not_aliased(eager_device):
    a, b = _t([1.0, 2.0], eager_device), _t([3.0, 4.0], eager_device)
    ga, gb = autograd.grad((a + b).sum(), [a, b])
    ga.zero_()
    _close(gb, [1.0, 1.0])


def test_grad_is_grads_batched_gives_one_row_per_grad_output(device):
    x = _t([1.0, 2.0], device)
    y = x * x
    eye = ag.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=ag.float64, device=device)
    (jac,) = autograd.grad(y, x, eye, is_grads_batched=True)
    _close(jac, [[2.0, 0.0], [0.0, 4.0]])


# ---- hooks, retain_grad ----------------------------------------------------------------------
def test_retain_grad_keeps_a_non_leaf_grad(device):
    x = _t([1.0, 2.0], device)
    h = x * 2.0
    h.retain_grad()
    (h * h).sum().backward()
    assert h.retains_grad
    _close(h.grad, [4.0, 8.0])


def test_retained_grad_accumulates(device):
    x = _t([1.0, 2.0], device)
    h = x * 2.0
    h.retain_grad()
    y = (h * h).sum()
    y.backward(retain_graph=True)
    y.backward()
    _close(h.grad, [8.0, 16.0])


def test_non_leaf_grad_is_none_without_retain_grad(device):
    x = _t([1.0], device)
    h = x * 2.0
    h.sum().backward()
    assert h.grad is None


def test_hook_on_leaf_replaces_gradient(device):
    x = _t([1.0, 2.0], device)
    x.register_hook(lambda g: g * 10.0)
    (x * x).sum().backward()
    _close(x.grad, [20.0, 40.0])


def test_hook_on_leaf_sees_the_summed_gradient_once(device):
    x = _t([1.0, 2.0], device)
    seen = []
    x.register_hook(lambda g: seen.append(_np(g)))
    (x * 2.0 + x * 3.0).sum().backward()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], [5.0, 5.0])


def test_hook_on_non_leaf_replaces_gradient_downstream(device):
    x = _t([1.0, 2.0], device)
    h = x * 2.0
    h.register_hook(lambda g: g * 0.0 + 1.0)
    (h * h).sum().backward()
    _close(x.grad, [2.0, 2.0])


def test_removed_hook_is_not_called(device):
    x = _t([1.0], device)
    handle = x.register_hook(lambda g: g * 10.0)
    handle.remove()
    (x * 1.0).sum().backward()
    _close(x.grad, [1.0])


def test_leaf_hook_applies_in_autograd_grad(device):
    x = _t([1.0, 2.0], device)
    x.register_hook(lambda g: g * 10.0)
    (g,) = autograd.grad((x * x).sum(), x)
    _close(g, [20.0, 40.0])


def test_register_hook_on_tensor_without_grad_raises(device):
    x = _t([1.0], device, requires_grad=False)
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        x.register_hook(lambda g: g)


# ---- leaves, detach, in-place ----------------------------------------------------------------
def test_requires_grad_underscore_makes_a_leaf_require_grad(device):
    x = _t([1.0, 2.0], device, requires_grad=False)
    assert x.requires_grad_() is x
    (x * x).sum().backward()
    _close(x.grad, [2.0, 4.0])


def test_requires_grad_false_on_non_leaf_raises(device):
    h = _t([1.0], device) * 2.0
    with pytest.raises(RuntimeError, match="only change requires_grad flags of leaf variables"):
        h.requires_grad_(False)


def test_integer_tensor_cannot_require_grad(device):
    x = ag.tensor([1, 2], device=device)
    with pytest.raises(RuntimeError, match="floating point"):
        x.requires_grad_()


def test_leaf_rules(device):
    x = _t([1.0], device)
    h = x * 2.0
    c = _t([1.0], device, requires_grad=False)
    assert x.is_leaf and c.is_leaf and not h.is_leaf
    assert x.grad_fn is None and h.grad_fn is not None


def test_detach_cuts_the_graph(device):
    x = _t([1.0, 2.0], device)
    d = (x * 2.0).detach()
    assert not d.requires_grad and d.is_leaf
    (x * d).sum().backward()
    _close(x.grad, [2.0, 4.0])


def test_inplace_change_of_saved_tensor_raises_at_backward(device):
    x = _t([1.0, 2.0], device)
    h = x * 1.0
    y = (h * h).sum()
    h.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_inplace_change_of_saved_output_raises_at_backward(device):
    x = _t([1.0, 2.0], device)
    e = x.exp()
    y = e.sum()
    e.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_inplace_op_on_leaf_requiring_grad_raises(device):
    x = _t([1.0], device)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.add_(1.0)


def test_inplace_op_on_leaf_under_no_grad_is_allowed(device):
    x = _t([1.0], device)
    with ag.no_grad():
        x.add_(1.0)
    _close(x, [2.0])


# ---- introspection ---------------------------------------------------------------------------
def test_grad_fn_names_and_next_functions(device):
    x = _t([1.0], device)
    c = _t([2.0], device, requires_grad=False)
    y = x * c
    assert y.grad_fn.name() == "MulBackward0"
    (acc, idx), (none, _) = y.grad_fn.next_functions
    assert acc.name() == "AccumulateGrad" and acc.variable is x and idx == 0
    assert none is None
    z = y.exp()
    assert z.grad_fn.next_functions[0][0] is y.grad_fn


# ---- anomaly detection -----------------------------------------------------------------------
pytestmark_nan = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")


@pytestmark_nan
def test_detect_anomaly_reports_nan_with_forward_traceback(device):
    x = _t([0.0], device)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        with autograd.detect_anomaly():
            y = (x.sqrt() * 0.0).sum()
            msg = "Function 'SqrtBackward0' returned nan values in its 0th output"
            with pytest.raises(RuntimeError, match=msg):
                y.backward()
    text = "\n".join(str(m.message) for m in w)
    assert "Traceback of forward call that caused the error" in text
    assert "x.sqrt()" in text


@pytestmark_nan
def test_detect_anomaly_check_nan_false_lets_nan_through(device):
    x = _t([0.0], device)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with autograd.detect_anomaly(check_nan=False):
            (x.sqrt() * 0.0).sum().backward()
    assert np.isnan(_np(x.grad)).all()


@pytestmark_nan
def test_detect_anomaly_decorates_a_function(device):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")

        @autograd.detect_anomaly()
        def run(x):
            assert is_anomaly_enabled()
            (x.sqrt() * 0.0).sum().backward()

        with pytest.raises(RuntimeError, match="returned nan values"):
            run(_t([0.0], device))
    assert not is_anomaly_enabled()


@pytestmark_nan
def test_set_detect_anomaly_switches_and_restores(device):
    with autograd.set_detect_anomaly(True):
        x = _t([0.0], device)
        y = (x.sqrt() * 0.0).sum()
    assert not is_anomaly_enabled()
    assert y.grad_fn.next_functions[0][0].trace is not None  # recorded while it was on
    autograd.set_detect_anomaly(True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(RuntimeError, match="returned nan values"):
                y.backward()
    finally:
        autograd.set_detect_anomaly(False)


@pytestmark_nan
def test_without_anomaly_mode_nan_gradients_pass_silently(device):
    x = _t([0.0], device)
    (x.sqrt() * 0.0).sum().backward()
    assert np.isnan(_np(x.grad)).all()


# ---- parity with PyTorch ---------------------------------------------------------------------
@pytest.mark.parity
def test_parity_higher_order_gradients(torch):
    vals = [0.3, -1.2, 2.0]
    x = ag.tensor(vals, dtype=ag.float64, requires_grad=True)
    tx = torch.tensor(vals, dtype=torch.float64, requires_grad=True)
    outs = []
    for lib, v in ((ag, x), (torch, tx)):
        y = (lib.sin(v) * v ** 3).sum()
        g1 = lib.autograd.grad(y, v, create_graph=True)[0]
        g2 = lib.autograd.grad(g1.sum(), v, create_graph=True)[0]
        g3 = lib.autograd.grad(g2.sum(), v)[0]
        outs.append([np.asarray(g.detach().numpy()) for g in (g1, g2, g3)])
    for a, b in zip(*outs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parity
def test_parity_gradient_penalty(torch):
    vals = [[0.5, -0.2], [1.5, 0.7]]
    res = []
    for lib in (ag, torch):
        x = lib.tensor(vals, dtype=lib.float64, requires_grad=True)
        w = lib.tensor([0.3, -0.8], dtype=lib.float64, requires_grad=True)
        out = (lib.tanh(x * w) ** 2).sum()
        (gx,) = lib.autograd.grad(out, x, create_graph=True)
        penalty = (gx * gx).sum()
        penalty.backward()
        res.append((w.grad.detach().numpy(), x.grad.detach().numpy()))
    np.testing.assert_allclose(res[0][0], res[1][0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-12, atol=1e-12)
