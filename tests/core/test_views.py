"""Views alias their base on every backend: values and gradients of in-place ops on views (of
views) equal PyTorch's, other views see the write, and PyTorch's errors (core/views.py)."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag

W = np.arange(1.0, 13.0).reshape(3, 4) / 4
Z = np.array([0.5, -1.5])


def _lib(M, device):
    """A tensor factory for torch (device None) or arraygrad on device, float64."""
    def t(a, rg=False):
        if device is None:
            return M.tensor(np.array(a), dtype=M.float64, requires_grad=rg)
        return M.tensor(np.array(a), dtype=M.float64, requires_grad=rg, device=device)
    return t


def _np(x):
    return np.asarray(x.detach().cpu().numpy() if hasattr(x, "cpu") else x)


# each scenario: (M, t) -> (loss, tensors whose values to compare, leaves whose grads to compare)
def _slice_of_transpose(M, t):
    w, z = t(W, True), t(Z, True)
    y = w * 1
    y.T[1:3, 0].mul_(z)
    return (y * y).sum(), [y], [w, z]


def _select_of_narrow(M, t):
    w, z = t(W, True), t(Z, True)
    y = w * 2
    y.narrow(1, 1, 2).select(0, 2).add_(z * z)
    return (y ** 3).sum(), [y], [w, z]


def _view_of_view_of_view(M, t):
    w, z = t(W, True), t(Z, True)
    y = w + 1
    v = y.view(12)[2:10].view(4, 2)[1:3, 1]
    v.copy_(z)
    return (y * w).sum(), [y, v], [w, z]


def _diagonal(M, t):
    w, z = t(W, True), t(Z[:1], True)
    y = w * w
    y.diagonal(offset=1).mul_(z)
    return (y * 3).sum(), [y], [w, z]


def _other_views_see_the_write(M, t):
    w, z = t(W, True), t(Z, True)
    y = w + 0
    row, col = y[1], y[:, 2]
    y[1, 1:3].sub_(z)
    return (row * col[1] + col.sum()).sum(), [y, row, col], [w, z]


def _base_written_views_follow(M, t):
    w = t(W, True)
    y = w * 3
    u = y[1:].T
    y.mul_(w)
    return (u * u).sum(), [y, u], [w]


def _setitem_and_zero(M, t):
    z = t(Z, True)
    a = t(np.zeros((3, 2)))
    a.T[1, 1:] = z
    a[0].zero_()
    a.T[0].fill_(2.0)
    return (a * a).sum(), [a], [z]


def _in_place_unary_on_view(M, t):
    w = t(W, True)
    y = w.sin()
    y.t()[0].neg_()
    y[:, 1::2].exp_()
    return (y * y).sum(), [y], [w]


def _expanded_then_selected(M, t):
    w = t(W[0], True)
    e = w * 1
    e.expand(2, 4)[1].mul_(2)
    return (e * e).sum(), [e], [w]


def _as_strided(M, t):
    w = t(W.reshape(-1)[:6], True)
    y = w * 1
    v = y.as_strided((2, 2), (1, 2), 1)
    y2 = w * 2
    y2[1:].as_strided((2,), (2,)).mul_(3)
    u = y2.as_strided((3, 2), (1, 1))
    return (v * v).sum() + (u * u).sum() + (y2 * y2).sum(), [v, y2, u], [w]


SCENARIOS = [_slice_of_transpose, _select_of_narrow, _view_of_view_of_view, _diagonal,
             _other_views_see_the_write, _base_written_views_follow, _setitem_and_zero,
             _in_place_unary_on_view, _expanded_then_selected, _as_strided]


@pytest.mark.parity
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__.strip("_"))
def test_in_place_on_views_matches_pytorch(scenario, device, torch):
    tl, tvals, tleaves = scenario(torch, _lib(torch, None))
    tl.backward()
    al, avals, aleaves = scenario(ag, _lib(ag, device))
    al.backward()
    np.testing.assert_allclose(_np(al), _np(tl), rtol=1e-12)
    for a, b in zip(avals, tvals, strict=True):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-12)
    for a, b in zip(aleaves, tleaves, strict=True):
        np.testing.assert_allclose(_np(a.grad), _np(b.grad), rtol=1e-12, atol=1e-14)


@pytest.mark.parity
def test_issue_examples(device):
    w = ag.ones(3, requires_grad=True, device=device)
    y = w * 2
    y[0].mul_(10)
    loss = (y * y).sum()
    loss.backward()
    assert loss.item() == 408.0 and w.grad.tolist() == [800.0, 8.0, 8.0]
    assert y.grad_fn.name() == "CopySlices"
    b = ag.ones(3, device=device) * 1
    b[0:2].mul_(3)
    assert b.tolist() == [3.0, 3.0, 1.0]
    x = ag.zeros(3, device=device)
    x.view(3)[1] = 7
    assert x[1].item() == 7.0


def test_views_see_writes_without_autograd(device):
    x = ag.zeros(2, 3, device=device)
    t, d, r = x.T, x.detach(), x.reshape(6)
    with ag.no_grad():
        x[1].add_(1)
        t[0].fill_(5)
        d[0, 2] = 9
    expect = [[5.0, 0.0, 9.0], [5.0, 1.0, 1.0]]
    assert x.tolist() == expect and t.T.tolist() == expect and d.tolist() == expect
    assert r.tolist() == sum(expect, [])
    assert x._version == t._version == d._version == 3


def test_version_counter_catches_a_saved_base(device):
    w = ag.ones(3, requires_grad=True, device=device)
    y = w.exp()
    y[1:].mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_view_of_a_leaf_raises():
    w = ag.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="^a view of a leaf Variable that requires grad is "
                                           "being used in an in-place operation.$"):
        w[0].mul_(2)
    with ag.no_grad():
        w[0].mul_(2)  # allowed: not recorded
    assert w.tolist() == [2.0, 1.0, 1.0]


def test_view_made_in_no_grad_raises():
    w = ag.ones(3, requires_grad=True)
    b = w * 2
    with ag.no_grad():
        v = b[0:2]
        u = ag.zeros(3)[1:]
    with pytest.raises(RuntimeError, match="^A view was created in no_grad mode and is being "
                                           "modified inplace with grad mode enabled"):
        v.mul_(2)
    with pytest.raises(RuntimeError, match="created in no_grad mode"):
        u.mul_(w[:2])


@pytest.mark.parity
def test_view_made_in_no_grad_of_a_tensor_that_requires_grad_does_too(torch):
    # PyTorch: such a view is a leaf that requires grad; its backward stops there
    results = []
    for lib in (ag, torch):
        w = lib.ones(3, requires_grad=True)
        with lib.no_grad():
            v, d = w[0:2], w.detach()[0:2]
        (v * 3).sum().backward()
        results.append((v.requires_grad, v.is_leaf, v.grad_fn is None, d.requires_grad,
                        w.grad is None, v.grad is None))
        with pytest.raises(RuntimeError, match="^A view was created in no_grad mode"):
            v.mul_(2)
    assert results[0] == results[1]


@pytest.mark.parametrize("make, name, i", [
    (lambda y: y.unbind(0), "Unbind", 1), (lambda y: y.split(1), "Split", 1),
    (lambda y: y.chunk(3), "Split", 1), (lambda y: y.split([1, 2]), "SplitWithSizes", 1)])
def test_multi_output_views_raise(make, name, i):
    y = ag.ones(3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=f"^Output {i} of {name} is a view and is being "
                                           "modified inplace. This view is the output of a "
                                           "function that returns multiple views."):
        make(y)[i].mul_(2)
    with pytest.raises(RuntimeError, match="^Output 0 of Slice is a view"):
        y.split(2)[0][0:1].mul_(2)
    y.tensor_split(3)[1].mul_(2)  # tensor_split's pieces are ordinary views
    assert y.tolist() == [2.0, 4.0, 2.0]


def test_multi_output_views_may_change_without_grad():
    y = ag.ones(3)
    y.unbind()[2].fill_(4)
    assert y.tolist() == [1.0, 1.0, 4.0]


def test_overlapping_view_raises_except_fill(device):
    e = ag.ones(3, device=device) * 1
    x = e.expand(2, 3)
    with pytest.raises(RuntimeError, match="^unsupported operation: more than one element of the "
                                           "written-to tensor refers to a single memory location"):
        x.mul_(2)
    with pytest.raises(RuntimeError, match="refers to a single memory location"):
        x.copy_(ag.ones(2, 3, device=device))
    x.fill_(3)
    assert e.tolist() == [3.0, 3.0, 3.0]
    e.expand(4, 3)[1:3].zero_()
    assert e.tolist() == [0.0, 0.0, 0.0]


def test_view_and_reshape_follow_strides():
    x = ag.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]])
    assert x.t().stride() == (1, 3) and not x.t().is_contiguous()
    with pytest.raises(RuntimeError, match="^view size is not compatible with input tensor's "
                                           "size and stride"):
        x.t().view(-1)
    r = x.t().reshape(-1)  # a copy, as in PyTorch: writing it leaves x alone
    assert r._base is None
    r.add_(1)
    assert x.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    v = x.t().reshape(3, 1, 2)  # viewable: writes reach x
    assert v._base is x
    v[0, 0, 1] = 9
    assert x[1, 0].item() == 9.0
    assert x.t().contiguous()._base is None and x.contiguous() is x


def test_regenerated_grad_fn_names(device):
    w = ag.ones(2, 3, requires_grad=True, device=device)
    y = w * 1
    u = y[1]
    y[0].mul_(2)
    assert y.grad_fn.name() == "CopySlices"
    assert u.grad_fn.name() == "AsStridedBackward0" and u._base is y
    assert y.detach()._base is None and not y.detach().requires_grad


@pytest.mark.parity
def test_second_order_through_copy_slices(torch):
    def grads(M, w):
        y = w * w
        y[1:].mul_(w[:2])
        (g,) = M.autograd.grad(y.sum(), w, create_graph=True)
        (h,) = M.autograd.grad((g * g).sum(), w)
        return g, h

    w = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64, requires_grad=True)
    tw = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    for a, b in zip(grads(ag, w), grads(torch, tw), strict=True):
        np.testing.assert_allclose(_np(a), _np(b), rtol=1e-12)


def test_as_strided_errors_and_fill(device):
    x = ag.zeros(4, device=device) * 1
    with pytest.raises(RuntimeError, match="^as_strided: Negative strides are not supported"):
        x.as_strided((2, 2), (1, -1))
    with pytest.raises(RuntimeError, match=r"^setStorage: sizes \[3, 3\], strides \[2, 2\], "
                                           r"storage offset 0, and itemsize 4 requiring a storage "
                                           r"size of 36 are out of bounds for storage of size 16"):
        x.as_strided((3, 3), (2, 2))
    x.as_strided((2, 3), (1, 1)).fill_(2)  # overlapping: every copy gets the same value
    assert x.tolist() == [2.0, 2.0, 2.0, 2.0]
    assert x[1:].as_strided((2,), (2,)).tolist() == [2.0, 2.0]
    assert x[1:].as_strided((1,), (1,)).storage_offset() == 1
