"""ag.compile: eager with the same results where the backend cannot compile; on JAX, whole
training steps compiled with their state written back, matching eager runs from the same seed,
and graph breaks that name the op or fall back to eager with one warning."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.core.compile import GraphBreak


def _poly_data(dev):
    x = ag.linspace(-math.pi, math.pi, 64, device=dev)
    return x, ag.sin(x)


def _tutorial_poly(dev, compiled: bool, steps: int = 4):
    """The tutorial's autograd polynomial: leaves a..d in the closure, updated under no_grad."""
    ag.manual_seed(0)
    x, y = _poly_data(dev)
    a, b, c, d = (ag.randn((), device=dev, requires_grad=True) for _ in range(4))

    def step():
        loss = (a + b * x + c * x ** 2 + d * x ** 3 - y).pow(2).sum()
        loss.backward()
        with ag.no_grad():
            for t in (a, b, c, d):
                t -= 1e-4 * t.grad
                t.grad = None
        return loss.detach()

    f = ag.compile(step) if compiled else step
    losses = [f().item() for _ in range(steps)]
    return losses, [t.item() for t in (a, b, c, d)], f


def _mlp(dev, compiled: bool, steps: int = 3):
    ag.manual_seed(0)
    # BatchNorm after the activation: a bias right before it gets a zero gradient up to
    # rounding, which Adam's normalisation turns into noise that no two backends share
    model = ag.nn.Sequential(ag.nn.Linear(4, 8), ag.nn.Tanh(), ag.nn.BatchNorm1d(8),
                             ag.nn.Linear(8, 3)).to(dev)
    opt = ag.optim.Adam(model.parameters(), lr=0.05)
    xb, yb = ag.randn(16, 4, device=dev), ag.randint(0, 3, (16,), device=dev)

    def step(x, y):
        opt.zero_grad()
        loss = ag.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.detach()

    f = ag.compile(step) if compiled else step
    losses = [f(xb, yb).item() for _ in range(steps)]
    state = [p.detach().cpu().numpy() for p in model.parameters()]
    state += [model[2].running_var.cpu().numpy(), model[2].num_batches_tracked.cpu().numpy()]
    return losses, state, f


# ---- eager fallback: every backend that cannot compile ------------------------------------------
def test_compiled_step_runs_eagerly_with_the_same_results(device):
    ref = _tutorial_poly(device, compiled=False, steps=2)
    got = _tutorial_poly(device, compiled=True, steps=2)
    assert got[:2] == ref[:2]
    assert got[2].compiled_signatures == 0


def test_compile_as_decorator_with_and_without_options():
    @ag.compile
    def f(t):
        """Doubles."""
        return t * 2

    @ag.compile(fullgraph=True)
    def g(t):
        return t + 1

    x = ag.ones(2)
    assert f(x).tolist() == [2.0, 2.0] and g(x).tolist() == [2.0, 2.0]
    assert f.__name__ == "f" and f.__doc__ == "Doubles."
    with pytest.raises(TypeError, match="compile"):
        ag.compile(3)


def test_compiled_module_calls_the_module_and_passes_attributes_through():
    model = ag.nn.Linear(3, 2)
    cm = ag.compile(model)
    x = ag.randn(4, 3)
    np.testing.assert_array_equal(cm(x).detach().numpy(), model(x).detach().numpy())
    assert cm.weight is model.weight
    assert [p is q for p, q in zip(cm.parameters(), model.parameters(), strict=True)] == [True] * 2
    cm.eval()
    assert model.training is False
    cm.in_features = 3
    assert "Linear" in repr(cm)


# ---- compiling on JAX ---------------------------------------------------------------------------
@pytest.fixture
def jax():
    return pytest.importorskip("jax")


def test_tutorial_polynomial_compiled_matches_numpy_eager(jax):
    ref = _tutorial_poly("cpu", compiled=False)
    got = _tutorial_poly("jax", compiled=True)
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-5)
    np.testing.assert_allclose(got[1], ref[1], rtol=1e-5, atol=1e-6)
    assert got[2].compiled_signatures == 1  # one trace for every step


def test_mlp_adam_step_compiled_matches_numpy_eager_with_batchnorm_buffers(jax):
    ref = _mlp("cpu", compiled=False)
    got = _mlp("jax", compiled=True)
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-5)
    for p, q in zip(got[1], ref[1], strict=True):
        np.testing.assert_allclose(p, q, rtol=1e-4, atol=1e-6)
    # the first step runs eagerly (Adam creates its state), every later one is compiled
    assert got[2].compiled_signatures == 1


def test_new_input_shape_compiles_a_second_signature(jax):
    w = ag.ones(3, device="jax")
    f = ag.compile(lambda x: (x * w).sum(-1))
    for n in (2, 2, 2, 5, 5):
        out = f(ag.ones(n, 3, device="jax"))
        assert out.tolist() == [3.0] * n
    assert f.compiled_signatures == 2


def test_item_inside_fullgraph_raises_a_graph_break_naming_op_and_line(jax):
    w = ag.ones(2, device="jax")

    def f(x):
        return x * (w.sum().item() + 1)

    g = ag.compile(f, fullgraph=True)
    g(ag.ones(2, device="jax"))  # the first call runs eagerly
    with pytest.raises(GraphBreak, match=r"item\(\) needs a concrete value.*test_compile.py"):
        g(ag.ones(2, device="jax"))


def test_graph_break_without_fullgraph_runs_eagerly_and_warns_once(jax):
    w = ag.ones(2, device="jax")

    def f(x):
        return x * 2 if bool(w.sum() > 0) else x

    g = ag.compile(f)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        outs = [g(ag.ones(2, device="jax")).tolist() for _ in range(3)]
    assert outs == [[2.0, 2.0]] * 3
    msgs = [str(r.message) for r in rec if "ag.compile" in str(r.message)]
    assert len(msgs) == 1 and "bool(tensor)" in msgs[0]


def test_host_random_draws_run_eagerly_with_numpy_results(jax):
    res = {}
    for dev, comp in (("cpu", False), ("jax", True)):
        ag.manual_seed(0)
        drop = ag.nn.Dropout(0.5)
        scale = ag.ones(8, device=dev)  # state on the device, so the compiled call does trace

        def f(x):
            return drop(x * scale)
        g = ag.compile(f) if comp else f
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res[dev] = [g(ag.ones(8, device=dev)).tolist() for _ in range(3)]
        if comp:
            assert any("random numbers from the host generator" in str(w.message)
                       for w in caught)
    assert res["jax"] == res["cpu"]


def test_module_forward_compiles_under_no_grad_and_keeps_autograd_eagerly(jax):
    ag.manual_seed(0)
    model = ag.nn.Linear(3, 2).to("jax")
    cm = ag.compile(model)
    x = ag.randn(4, 3, device="jax")
    with ag.no_grad():
        outs = [cm(x) for _ in range(3)]
    np.testing.assert_allclose(outs[-1].numpy(), model(x).detach().numpy(), rtol=1e-6)
    assert cm._compiled.compiled_signatures == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(2):
            y = cm(x)
    y.sum().backward()  # the training-mode call ran eagerly: gradients flow
    assert model.weight.grad is not None


def test_optimizer_state_created_inside_a_trace_is_written_back(jax):
    res = {}
    for dev, comp in (("cpu", False), ("jax", True)):
        w1 = ag.ones(2, device=dev, requires_grad=True)
        w2 = ag.ones(2, device=dev, requires_grad=True)
        opt = ag.optim.Adam([w1, w2], lr=0.1)

        def step(use_w2):
            opt.zero_grad()
            loss = (w1 * w1).sum() + ((w2 * w2 * 3).sum() if use_w2 else 0.0)
            loss.backward()
            opt.step()
            return loss.detach()

        f = ag.compile(step) if comp else step
        # w2 gets its Adam moments and step counter only in the third call, inside a trace
        losses = [f(u).item() for u in (False, False, True, True)]
        res[dev] = (losses, w1.tolist(), w2.tolist(), opt.state[w2]["step"])
    np.testing.assert_allclose(res["jax"][0], res["cpu"][0], rtol=1e-5)
    np.testing.assert_allclose(res["jax"][1] + res["jax"][2], res["cpu"][1] + res["cpu"][2],
                               rtol=1e-5)
    assert res["jax"][3] == res["cpu"][3] == 2.0


# ---- native random numbers (arraygrad.backends.jax.native_random) -------------------------------
@pytest.fixture
def native(jax, monkeypatch):
    import arraygrad.backends.jax as agjax

    monkeypatch.setattr(agjax, "native_random", True)
    return agjax


def _dropout_run(compiled: bool, steps: int = 3):
    """A training step through Dropout (plain SGD under no_grad: traced from the first call)."""
    ag.manual_seed(0)
    lin, drop = ag.nn.Linear(4, 6).to("jax"), ag.nn.Dropout(0.5)
    x = ag.randn(5, 4, device="jax")

    def step(x):
        h = drop(lin(x))
        loss = h.pow(2).mean()
        loss.backward()
        with ag.no_grad():
            for p in lin.parameters():
                p -= 0.1 * p.grad
                p.grad = None
        return loss.detach(), h.detach()

    f = ag.compile(step) if compiled else step
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no graph break warning
        outs = [f(x) for _ in range(steps)]
    return [(loss.item(), h.numpy()) for loss, h in outs], f


def test_native_random_dropout_compiles_and_matches_native_eager(native):
    ref, _ = _dropout_run(compiled=False)
    got, f = _dropout_run(compiled=True)
    assert f.compiled_signatures == 1
    for (lr_, hr), (lg, hg) in zip(ref, got, strict=True):
        np.testing.assert_allclose(lg, lr_, rtol=1e-5)
        np.testing.assert_allclose(hg, hr, rtol=1e-5, atol=1e-6)
    # the generator's counter is traced state: each compiled call drew a new mask
    masks = [tuple(np.flatnonzero(h == 0)) for _, h in got]
    assert len(set(masks)) == 3 and all(masks)


def test_native_random_ops_follow_the_seed_and_counter(native):
    def draws():
        ag.manual_seed(3)
        w = ag.empty(6, device="jax")
        return [ag.randn(2, 3, device="jax").numpy(), ag.randn(2, 3, device="jax").numpy(),
                ag.randint(0, 7, (6,), device="jax").numpy(), ag.randperm(5, device="jax").numpy(),
                w.bernoulli_(0.5).numpy()]

    a, b = draws(), draws()
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert a[0].dtype == np.float32 and a[2].dtype.kind == "i"
    assert sorted(a[3].tolist()) == list(range(5)) and set(a[4].tolist()) <= {0.0, 1.0}
    assert not np.array_equal(a[0], a[1])  # the counter moved on
    ag.manual_seed(3)
    host = ag.randn(2, 3).numpy()  # the cpu device keeps the host stream
    native.native_random = False
    ag.manual_seed(3)
    np.testing.assert_array_equal(ag.randn(2, 3, device="jax").numpy(), host)


def test_rng_state_saves_and_restores_the_native_counter(native):
    ag.manual_seed(5)
    ag.randn(3, device="jax")
    state = ag.get_rng_state()
    a = ag.randn(4, device="jax").numpy()
    ag.randn(2, device="jax")
    ag.set_rng_state(state)
    np.testing.assert_array_equal(ag.randn(4, device="jax").numpy(), a)
    ag.set_rng_state(state[:112])  # a state without the counter (older files): counter 0
    ag.manual_seed(5)
    first = ag.randn(3, device="jax").numpy()
    ag.set_rng_state(state[:112])
    np.testing.assert_array_equal(ag.randn(3, device="jax").numpy(), first)


# ---- learning rates are program inputs ----------------------------------------------------------
def _scheduled(dev, compiled: bool, sched_inside: bool = False, epochs: int = 10):
    ag.manual_seed(0)
    model = ag.nn.Sequential(ag.nn.Linear(4, 8), ag.nn.Tanh(), ag.nn.Linear(8, 2)).to(dev)
    opt = ag.optim.Adam(model.parameters(), lr=0.05)
    sched = ag.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    x, y = ag.randn(6, 4, device=dev), ag.randn(6, 2, device=dev)

    def step(x):
        opt.zero_grad()
        loss = (model(x) - y).pow(2).mean()
        loss.backward()
        opt.step()
        if sched_inside:
            sched.step()
        return loss.detach()

    f = ag.compile(step) if compiled else step
    losses = []
    for _ in range(epochs):
        losses.append(f(x).item())
        if not sched_inside:
            sched.step()
    return losses, opt.param_groups[0]["lr"], f


def test_scheduler_stepped_between_calls_never_recompiles(jax):
    ref = _scheduled("cpu", compiled=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = _scheduled("jax", compiled=True)
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-5)
    assert got[1] == ref[1] == 0.05 * 0.5 ** 5 and type(got[1]) is float
    assert got[2].compiled_signatures == 1  # ten learning rates, one program


def test_scheduler_stepped_inside_runs_eagerly_and_says_why(jax):
    ref = _scheduled("cpu", compiled=False, sched_inside=True, epochs=4)
    with pytest.warns(UserWarning, match="lr scheduler"):
        got = _scheduled("jax", compiled=True, sched_inside=True, epochs=4)
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-5)
    assert got[1] == ref[1]


# ---- what a call costs -------------------------------------------------------------------------
def test_plain_sgd_step_is_traced_from_the_first_call_and_leaves_unchanged_state_alone(jax):
    ag.manual_seed(0)
    lin = ag.nn.Linear(3, 2).to("jax")
    opt = ag.optim.SGD(lin.parameters(), lr=0.1)
    x, y = ag.randn(4, 3, device="jax"), ag.randn(4, 2, device="jax")
    x_data = x._data

    def step():
        opt.zero_grad()
        loss = (lin(x) - y).pow(2).mean()
        loss.backward()
        opt.step()
        return loss.detach()

    f = ag.compile(step)
    f()
    assert f.compiled_signatures == 1  # SGD fills no state: no eager first call
    assert opt._opt_called  # step()'s flag is set, and is no part of the signature
    losses = [f().item() for _ in range(3)]
    assert f.compiled_signatures == 2  # the .grad the first call created is an input from now on
    assert x._data is x_data  # a tensor the step only reads is no program output
    assert losses[0] > losses[1] > losses[2]


def test_host_draws_from_a_reached_generator_run_eagerly_with_numpy_results(jax):
    res = {}
    for dev, comp in (("cpu", False), ("jax", True)):
        g = ag.Generator().manual_seed(5)
        w = ag.ones(3, device=dev)

        def f(x):
            return x * w * ag.rand(3, generator=g, device=x.device)

        h = ag.compile(f) if comp else f
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            res[dev] = [h(ag.ones(3, device=dev)).tolist() for _ in range(3)]
        if comp:
            assert any("host generator" in str(r.message) for r in rec)
    np.testing.assert_allclose(res["jax"], res["cpu"], rtol=1e-6)
    assert res["cpu"][0] != res["cpu"][1]


# ---- the discovered state is reused while its guards hold ----------------------------------------
def _guarded_run(dev, compiled: bool):
    """An SGD-momentum MLP step (Adam would turn float32 rounding into visible noise); between
    calls the script swaps a layer, adds parameter groups and changes a closure variable: each
    must be seen."""
    ag.manual_seed(0)
    model = ag.nn.Sequential(ag.nn.Linear(4, 8), ag.nn.Tanh(), ag.nn.Linear(8, 2)).to(dev)
    extra = ag.zeros(2, device=dev, requires_grad=True)
    opt = ag.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x, y = ag.randn(6, 4, device=dev), ag.randn(6, 2, device=dev)
    scale = 1.0

    def step():
        opt.zero_grad()
        loss = ((model(x) + extra - y) ** 2).mean() * scale
        loss.backward()
        opt.step()
        return loss.detach()

    f = ag.compile(step) if compiled else step
    losses = []
    for i in range(9):
        if i == 3:
            model[2] = ag.nn.Linear(8, 2).to(dev)  # a new layer: new parameters to find
            opt.add_param_group({"params": list(model[2].parameters())})
        if i == 5:
            opt.add_param_group({"params": [extra], "lr": 0.1})
        if i == 7:
            scale = 2.0
        losses.append(f().item())
    return losses, [p.detach().numpy() for p in (*model.parameters(), extra)]


def test_state_changes_between_calls_are_seen(jax):
    ref, ref_p = _guarded_run("cpu", compiled=False)
    got, got_p = _guarded_run("jax", compiled=True)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-6)
    for a, b in zip(got_p, ref_p, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_steady_calls_reuse_the_discovered_state(jax, monkeypatch):
    import arraygrad.core.compile as C

    _, _, f = _tutorial_poly("jax", compiled=True, steps=3)
    walks = []
    monkeypatch.setattr(C, "_walk", lambda *a, **k: walks.append(1))
    for _ in range(5):
        f()
    assert walks == []  # nothing changed: the guards held, no state walk
