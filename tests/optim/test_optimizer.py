"""The Optimizer base: parameter groups, PyTorch's errors, zero_grad, hooks, state_dict round
trips (a resumed run continues bit for bit, also through ag.save/ag.load), in-place updates on
NumPy, flat Dask graphs, and memory over 2,000 Adam steps."""

from __future__ import annotations

import gc
import os
import tracemalloc
import warnings

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import optim


def _param(*shape, device="cpu"):
    return ag.ones(*shape, dtype=ag.float64, device=device, requires_grad=True)


# ---- construction and parameter groups ----------------------------------------------------------
def test_params_may_be_tensors_or_group_dicts_with_their_own_options():
    a, b = _param(2), _param(3)
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[1]["params"] == [b] and opt.param_groups[1]["momentum"] == 0.9
    c = _param(1)
    opt.add_param_group({"params": [c], "lr": 0.01})
    assert opt.param_groups[2]["dampening"] == 0 and len(opt.param_groups) == 3
    assert "Parameter Group 2" in repr(opt)


def test_generator_of_parameters_is_accepted():
    ps = [_param(2), _param(2)]
    opt = optim.Adam(p for p in ps)
    assert opt.param_groups[0]["params"] == ps


@pytest.mark.parametrize("make, exc, match", [
    (lambda: optim.SGD([]), ValueError, "empty parameter list"),
    (lambda: optim.SGD(_param(2)), TypeError, "iterable of Tensors or dicts"),
    (lambda: optim.SGD([{"params": {_param(2)}}]), TypeError, "ordered collections"),
    (lambda: optim.SGD([_param(2) * 2]), ValueError, "can't optimize a non-leaf Tensor"),
    (lambda: optim.SGD([np.ones(2)]), TypeError, "can only optimize Tensors"),
    (lambda: optim.SGD([_param(2)], lr=-1.0), ValueError, "Invalid learning rate: -1.0"),
    (lambda: optim.SGD([_param(2)], momentum=-0.5), ValueError, "Invalid momentum value"),
    (lambda: optim.SGD([_param(2)], nesterov=True), ValueError, "Nesterov momentum requires"),
    (lambda: optim.Adam([_param(2)], betas=(1.0, 0.9)), ValueError,
     "Invalid beta parameter at index 0"),
    (lambda: optim.Adam([_param(2)], betas=(0.9, -0.1)), ValueError,
     "Invalid beta parameter at index 1"),
    (lambda: optim.Adam([_param(2)], eps=-1e-8), ValueError, "Invalid epsilon value"),
    (lambda: optim.Adam([_param(2)], weight_decay=-1), ValueError, "Invalid weight_decay value"),
    (lambda: optim.Adam([_param(2)], lr=ag.tensor([0.1, 0.2])), ValueError,
     "Tensor lr must be 1-element"),
    (lambda: optim.Adadelta([_param(2)], rho=1.5), ValueError, "Invalid rho value"),
    (lambda: optim.Rprop([_param(2)], etas=(1.5, 2.0)), ValueError, "Invalid eta values"),
    (lambda: optim.SparseAdam([_param(2)], lr=0.0), ValueError, "Invalid learning rate"),
    (lambda: optim.LBFGS([{"params": [_param(2)]}, {"params": [_param(2)]}]), ValueError,
     "parameter groups"),
    (lambda: optim.Adam([_param(2)], differentiable=True), NotImplementedError,
     "differentiable=True"),
])
def test_invalid_construction_raises_as_torch(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_parameter_in_two_groups_raises_and_duplicate_in_one_warns():
    p = _param(2)
    opt = optim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [p]})
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([p, p], lr=0.1)


def test_required_option_missing_from_group_raises():
    from arraygrad.optim.optimizer import Optimizer, required

    class Plain(Optimizer):
        def __init__(self, params, lr=required):
            super().__init__(params, dict(lr=lr))

    with pytest.raises(ValueError, match="required optimization parameter lr"):
        Plain([_param(2)])


@pytest.mark.parametrize("name", ["Adam", "AdamW", "Adamax", "Adadelta", "RMSprop", "Rprop",
                                  "ASGD", "NAdam", "RAdam"])
def test_sparse_gradient_to_a_dense_optimizer_raises(name):
    p = _param(3, 2)
    p.grad = ag.sparse_coo_tensor([[0, 2]], [[1.0, 1.0], [2.0, 2.0]], (3, 2), dtype=ag.float64)
    with pytest.raises(RuntimeError, match=f"{name} does not support sparse gradients"):
        getattr(optim, name)([p]).step()


def test_dense_gradient_to_sparse_adam_raises():
    p = _param(3)
    p.grad = ag.ones(3, dtype=ag.float64)
    with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients"):
        optim.SparseAdam([p]).step()


def test_tensor_lr_is_read_as_a_number():
    p, q = _param(2), _param(2)
    for t in (p, q):
        t.grad = ag.ones(2, dtype=ag.float64)
    optim.SGD([p], lr=ag.tensor(0.5)).step()
    optim.SGD([q], lr=0.5).step()
    assert p.tolist() == q.tolist() == [0.5, 0.5]


# ---- zero_grad, step, hooks ---------------------------------------------------------------------
def test_zero_grad_sets_none_or_zeros_in_place():
    p = _param(2)
    opt = optim.SGD([p], lr=0.1)
    p.grad = ag.ones(2, dtype=ag.float64)
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g and p.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert p.grad is None


def test_step_skips_parameters_without_gradient_and_returns_closure_loss():
    p, q = _param(2), _param(2)
    opt = optim.SGD([p, q], lr=0.5)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 2.0 and p.tolist() == [0.0, 0.0] and q.tolist() == [1.0, 1.0]
    assert opt.state[q] == {}


def test_step_hooks_run_around_the_step_and_can_be_removed():
    p = _param(2)
    p.grad = ag.ones(2, dtype=ag.float64)
    opt = optim.SGD([p], lr=0.5)
    seen = []
    h1 = opt.register_step_pre_hook(lambda o, a, k: seen.append(("pre", p.tolist())))
    opt.register_step_post_hook(lambda o, a, k: seen.append(("post", p.tolist())))
    opt.step()
    h1.remove()
    opt.step()
    assert seen == [("pre", [1.0, 1.0]), ("post", [0.5, 0.5]), ("post", [0.0, 0.0])]


def test_numpy_update_is_in_place_and_bumps_the_version():
    p = _param(3)
    data = p._data
    p.grad = ag.ones(3, dtype=ag.float64)
    opt = optim.Adam([p], lr=0.1)
    opt.step()
    m = opt.state[p]["exp_avg"]._data
    v = p._version
    opt.step()
    assert p._data is data and opt.state[p]["exp_avg"]._data is m and p._version == v + 1


def test_functional_update_leaves_old_arrays_untouched():
    p = _param(3, device="array_api_strict")
    old = p._data
    p.grad = ag.ones(3, dtype=ag.float64, device="array_api_strict")
    optim.SGD([p], lr=0.5).step()
    assert p._data is not old and p.tolist() == [0.5] * 3
    assert ag.Tensor.tolist(ag.core.tensor._wrap(old, p.device)) == [1.0] * 3


# ---- state dicts --------------------------------------------------------------------------------
RESUME = [("SGD", dict(lr=0.01, momentum=0.9)), ("Adam", dict(lr=0.05, amsgrad=True)),
          ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)), ("ASGD", dict(t0=2)),
          ("Rprop", {}), ("NAdam", {}), ("Adagrad", dict(lr_decay=0.1)), ("LBFGS", {})]


def _train(opt, params, steps, rng_seed):
    rng = np.random.default_rng(rng_seed)
    target = [ag.tensor(rng.standard_normal(tuple(p.shape))) for p in params]

    def closure():
        opt.zero_grad()
        loss = sum(((p - t) ** 4).sum() for p, t in zip(params, target, strict=True))
        loss.backward()
        return loss

    for _ in range(steps):
        opt.step(closure)


@pytest.mark.parametrize("name, kw", RESUME, ids=[r[0] for r in RESUME])
def test_resumed_run_continues_bit_for_bit(tmp_path, name, kw):
    def fresh():
        ag.manual_seed(3)
        return [ag.randn(3, 2, dtype=ag.float64).requires_grad_(),
                ag.randn(4, dtype=ag.float64).requires_grad_()]

    a = fresh()
    opt_a = getattr(optim, name)(a, **kw)
    _train(opt_a, a, 6, 0)
    _train(opt_a, a, 6, 1)

    b = fresh()
    opt_b = getattr(optim, name)(b, **kw)
    _train(opt_b, b, 6, 0)
    ag.save({"params": [p.detach() for p in b], "optim": opt_b.state_dict()},
            tmp_path / "ckpt.safetensors")
    ck = ag.load(tmp_path / "ckpt.safetensors")
    c = [p.clone().requires_grad_() for p in ck["params"]]
    opt_c = getattr(optim, name)(c, **kw)
    opt_c.load_state_dict(ck["optim"])
    _train(opt_c, c, 6, 1)
    for x, y in zip(a, c, strict=True):
        assert np.array_equal(x.detach().numpy(), y.detach().numpy())


def test_state_dict_has_torchs_layout(torch):
    p, q = _param(2), _param(3)
    opt = optim.Adam([{"params": [p]}, {"params": [q], "lr": 0.1}])
    tp, tq = (torch.ones(2, requires_grad=True), torch.ones(3, requires_grad=True))
    topt = torch.optim.Adam([{"params": [tp]}, {"params": [tq], "lr": 0.1}])
    for a, t in ((p, tp), (q, tq)):
        a.grad = ag.ones_like(a)
        t.grad = torch.ones_like(t)
    opt.step()
    topt.step()
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert set(sd) == set(tsd) == {"state", "param_groups"}
    assert sorted(sd["state"]) == sorted(tsd["state"]) == [0, 1]
    assert set(sd["state"][1]) == set(tsd["state"][1])
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert set(sd["param_groups"][0]) == set(tsd["param_groups"][0])
    np.testing.assert_allclose(sd["state"][1]["exp_avg"].numpy(),
                               tsd["state"][1]["exp_avg"].numpy(), rtol=1e-6)


def test_load_state_dict_rejects_a_different_layout():
    opt = optim.SGD([_param(2)], lr=0.1)
    other = optim.SGD([_param(2), _param(2)], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict(other.state_dict())
    two = optim.SGD([{"params": [_param(2)]}, {"params": [_param(2)]}], lr=0.1)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict(two.state_dict())


def test_loaded_state_takes_the_parameter_dtype_and_is_not_shared():
    p = _param(2)
    p.grad = ag.ones(2, dtype=ag.float64)
    opt = optim.Adam([p])
    opt.step()
    q = ag.ones(2, dtype=ag.float32, requires_grad=True)
    opt2 = optim.Adam([q])
    opt2.load_state_dict(opt.state_dict())
    st = opt2.state[q]
    assert st["exp_avg"].dtype is ag.float32 and st["step"] == 1.0
    assert st["exp_avg_sq"]._data is not opt.state[p]["exp_avg_sq"]._data


# ---- resources ----------------------------------------------------------------------------------
def test_dask_graph_stays_flat_over_30_steps():
    p = _param(4, 3, device="dask")
    p.grad = ag.ones(4, 3, dtype=ag.float64, device="dask")
    opt = optim.SGD([p], lr=0.01, momentum=0.9)
    sizes = []
    for _ in range(30):
        opt.step()
        sizes.append(len(p._data.__dask_graph__())
                     + len(opt.state[p]["momentum_buffer"]._data.__dask_graph__()))
    assert max(sizes[5:]) == min(sizes[5:]) <= 4, sizes


def _rss() -> int:
    """The process's resident memory now (not its peak), from /proc."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_2000_adam_steps_grow_resident_memory_by_less_than_50_mb():
    if not os.path.exists("/proc/self/statm"):
        pytest.skip("resident memory is read from /proc (Linux)")
    shapes = [(784, 32), (32,)]  # an MLP layer's weight and bias
    ps = [ag.zeros(s, requires_grad=True) for s in shapes]
    for p in ps:
        p.grad = ag.full(p.shape, 0.01)
    opt = optim.Adam(ps, lr=1e-3)
    datas = [p._data for p in ps]
    for _ in range(20):
        opt.step()
    gc.collect()
    before = _rss()
    for _ in range(2000):
        opt.step()
    gc.collect()
    assert _rss() - before < 50 * 2**20
    assert all(p._data is d for p, d in zip(ps, datas, strict=True))  # updated in place


def test_adam_step_leaves_no_traced_allocation_behind():
    p = ag.zeros(64, 8, requires_grad=True)
    p.grad = ag.full(p.shape, 0.01)
    opt = optim.Adam([p])
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for _ in range(20):
                opt.step()
            gc.collect()
            grown = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
    assert grown < 64 * 8 * 4, grown  # less than one parameter's worth after 20 steps


def test_complex_parameters_raise_where_the_rule_is_not_linear():
    z = ag.ones(2, dtype=ag.complex128, requires_grad=True)
    z.grad = ag.ones(2, dtype=ag.complex128)
    with pytest.raises(RuntimeError, match="Adam: complex parameters are not supported"):
        optim.Adam([z]).step()
    optim.SGD([z], lr=0.5, momentum=0.9).step()  # linear: right as it stands
    assert z.tolist() == [0.5 + 0j, 0.5 + 0j]
