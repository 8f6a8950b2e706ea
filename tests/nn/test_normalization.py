"""Normalization: batch_norm (training with running statistics and momentum, eval, affine or
not), layer_norm, group_norm and instance_norm against PyTorch (values, gradients, running
statistics) on every backend, finite differences and double backward of the fused backward,
and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.nn.functional as F
from arraygrad.autograd import gradcheck, gradgradcheck
from tests._gradients import random_array, to_numpy

TOL = dict(rtol=1e-9, atol=1e-10)


def _pair(torch, device, *arrays):
    """(torch tensors, arraygrad tensors) of the same float64 values, requiring grad."""
    return ([torch.tensor(a, requires_grad=True) for a in arrays],
            [ag.tensor(a, device=device, requires_grad=True) for a in arrays])


def _backward_both(torch, ty, ay, device):
    gy = random_array(*ty.shape, seed=9)
    ty.backward(torch.tensor(gy))
    ay.backward(ag.tensor(gy, device=device))
    np.testing.assert_allclose(to_numpy(ay), ty.detach().numpy(), **TOL)


def _same_grads(ts, ags):
    for t, a in zip(ts, ags, strict=True):
        np.testing.assert_allclose(to_numpy(a.grad), t.grad.numpy(), **TOL)


@pytest.mark.parity
@pytest.mark.parametrize("training,affine", [(True, True), (True, False), (False, True)])
def test_batch_norm_matches_torch(device, torch, training, affine):
    x, w, b = random_array(4, 3, 5, 2), random_array(3, seed=1), random_array(3, seed=2)
    rm, rv = random_array(3, seed=3), np.abs(random_array(3, seed=4)) + 0.5
    (tx, tw, tb), (ax, aw, ab) = _pair(torch, device, x, w, b)
    trm, trv = torch.tensor(rm), torch.tensor(rv)
    arm, arv = ag.tensor(rm, device=device), ag.tensor(rv, device=device)
    ty = torch.nn.functional.batch_norm(tx, trm, trv, tw if affine else None,
                                        tb if affine else None, training, 0.3)
    ay = F.batch_norm(ax, arm, arv, aw if affine else None, ab if affine else None, training,
                      0.3)
    _backward_both(torch, ty, ay, device)
    _same_grads([tx, tw, tb] if affine else [tx], [ax, aw, ab] if affine else [ax])
    np.testing.assert_allclose(to_numpy(arm), trm.numpy(), **TOL)
    np.testing.assert_allclose(to_numpy(arv), trv.numpy(), **TOL)


@pytest.mark.parity
@pytest.mark.parametrize("affine", [(True, True), (False, False), (False, True)])
def test_layer_norm_matches_torch(device, torch, affine):
    x, w, b = random_array(4, 3, 5), random_array(3, 5, seed=1), random_array(3, 5, seed=2)
    (tx, tw, tb), (ax, aw, ab) = _pair(torch, device, x, w, b)
    ty = torch.nn.functional.layer_norm(tx, (3, 5), tw if affine[0] else None,
                                        tb if affine[1] else None)
    ay = F.layer_norm(ax, (3, 5), aw if affine[0] else None, ab if affine[1] else None)
    _backward_both(torch, ty, ay, device)
    _same_grads([t for t, u in zip((tx, tw, tb), (True,) + affine, strict=True) if u],
                [a for a, u in zip((ax, aw, ab), (True,) + affine, strict=True) if u])


@pytest.mark.parity
def test_group_norm_and_instance_norm_match_torch(device, torch):
    x, w, b = random_array(2, 6, 4), random_array(6, seed=1), random_array(6, seed=2)
    (tx, tw, tb), (ax, aw, ab) = _pair(torch, device, x, w, b)
    ty = torch.nn.functional.group_norm(tx, 3, tw, tb)
    ay = F.group_norm(ax, 3, aw, ab)
    _backward_both(torch, ty, ay, device)
    _same_grads([tx, tw, tb], [ax, aw, ab])
    (tx, tw, tb), (ax, aw, ab) = _pair(torch, device, x, w, b)
    trm, trv = torch.zeros(6, dtype=torch.float64), torch.ones(6, dtype=torch.float64)
    arm = ag.zeros(6, dtype=ag.float64, device=device)
    arv = ag.ones(6, dtype=ag.float64, device=device)
    ty = torch.nn.functional.instance_norm(tx, trm, trv, tw, tb)
    ay = F.instance_norm(ax, arm, arv, aw, ab)
    _backward_both(torch, ty, ay, device)
    _same_grads([tx, tw, tb], [ax, aw, ab])
    np.testing.assert_allclose(to_numpy(arv), trv.numpy(), **TOL)


def test_fused_backwards_gradcheck_and_gradgradcheck():
    x = ag.tensor(random_array(3, 2, 4), requires_grad=True)
    w = ag.tensor(random_array(2, seed=1), requires_grad=True)
    b = ag.tensor(random_array(2, seed=2), requires_grad=True)

    def bn(x, w, b):
        return F.batch_norm(x, None, None, w, b, training=True)

    def ln(x, w, b):
        return F.layer_norm(x, (4,), w, b)

    w4 = ag.tensor(random_array(4, seed=3), requires_grad=True)
    b4 = ag.tensor(random_array(4, seed=4), requires_grad=True)
    for fn, args in ((bn, (x, w, b)), (ln, (x, w4, b4))):
        assert gradcheck(fn, args)
        assert gradgradcheck(fn, args)


def test_normalization_errors():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(ag.zeros(1, 3), None, None, training=True)
    with pytest.raises(RuntimeError, match=r"expected running_mean of shape \(3,\), got \(4,\)"):
        F.batch_norm(ag.zeros(2, 3), ag.zeros(4), ag.ones(3))
    with pytest.raises(RuntimeError, match=r"expected input with shape \[\*, 5\]"):
        F.layer_norm(ag.zeros(2, 4), (5,))
    with pytest.raises(RuntimeError, match="divisible by num_groups"):
        F.group_norm(ag.zeros(2, 6, 3), 4)


# ---- the modules ------------------------------------------------------------------------------
@pytest.mark.parity
@pytest.mark.parametrize("name,args,kwargs,shape", [
    ("BatchNorm1d", (3,), {}, (4, 3)), ("BatchNorm1d", (3,), dict(momentum=None), (4, 3, 5)),
    ("BatchNorm2d", (3,), dict(affine=False), (4, 3, 2, 2)),
    ("BatchNorm2d", (3,), dict(bias=False), (4, 3, 2, 2)),
    ("BatchNorm3d", (3,), dict(track_running_stats=False), (2, 3, 2, 2, 2)),
    ("InstanceNorm1d", (3,), dict(affine=True, track_running_stats=True), (2, 3, 5)),
    ("InstanceNorm2d", (3,), {}, (3, 4, 4)), ("LayerNorm", ((3, 4),), {}, (2, 3, 4)),
    ("LayerNorm", (4,), dict(elementwise_affine=False), (2, 3, 4)),
    ("LayerNorm", (4,), dict(bias=False), (2, 3, 4)), ("GroupNorm", (2, 4), {}, (2, 4, 3)),
    ("GroupNorm", (2, 4), dict(bias=False), (2, 4, 3))],
    ids=lambda v: str(v))
def test_normalization_modules_train_and_eval_like_torch(torch, name, args, kwargs, shape):
    """Three training steps (running statistics, num_batches_tracked) and one eval step."""
    tm = getattr(torch.nn, name)(*args, **kwargs).double()
    am = getattr(ag.nn, name)(*args, **kwargs).double()
    assert repr(am) == repr(tm)
    assert list(am.state_dict()) == list(tm.state_dict())
    for step in range(4):
        if step == 3:
            tm.eval()
            am.eval()
        x = random_array(*shape, seed=step)
        tx, ax = torch.tensor(x, requires_grad=True), ag.tensor(x, requires_grad=True)
        ty, ay = tm(tx), am(ax)
        _backward_both(torch, ty, ay, "cpu")
        np.testing.assert_allclose(to_numpy(ax.grad), tx.grad.numpy(), **TOL)
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(to_numpy(am.state_dict()[k]), v.numpy(), **TOL, err_msg=k)
    for p, q in zip(tm.parameters(), am.parameters(), strict=True):
        np.testing.assert_allclose(to_numpy(q.grad), p.grad.numpy(), **TOL)


def test_batch_norm_module_on_every_backend_matches_numpy(device):
    """Training steps update the running statistics in place on every backend (Dask
    included: the in-place updates are materialized, so no graph grows across steps)."""
    mods = []
    for dev in ("cpu", device):
        m = ag.nn.BatchNorm2d(2).to(dev)
        for step in range(3):
            m(ag.tensor(random_array(3, 2, 2, 2, seed=step), dtype=ag.float32, device=dev))
        mods.append(m)
    for k, v in mods[0].state_dict().items():
        np.testing.assert_allclose(to_numpy(mods[1].state_dict()[k]), to_numpy(v), rtol=1e-6)


def test_normalization_module_errors():
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected 4D input \(got 3D input"):
        ag.nn.BatchNorm2d(3)(ag.zeros(2, 3, 4))
    with pytest.raises(ValueError, match="num_channels must be divisible by num_groups"):
        ag.nn.GroupNorm(3, 4)


def test_batch_norm_running_statistics_carry_no_graph_on_dask():
    """Each step's in-place update is materialized: the statistics stay one computed chunk
    instead of a graph that grows with every step."""
    m = ag.nn.BatchNorm2d(3).to("dask")
    for _ in range(4):
        m(ag.randn(4, 3, 2, 2, device="dask"))
    for buf in (m.running_mean, m.running_var, m.num_batches_tracked):
        assert len(buf._data.__dask_graph__()) == 1
    assert int(m.num_batches_tracked.item()) == 4
