"""ag.compile on whole models (issue 11's correctness requirement): a CNN, an LSTM and a GRU, and
the tutorial's programs (the custom-Function polynomial, the nn/optim/Module polynomials, the
random-depth DynamicNet), compiled on the `jax` backend, give the losses, parameters and buffers
of eager NumPy runs from the same seed, step by step. Also what such scripts do around a step:
state reached through helper functions, Python variables read from the closure, in-place updates
of arguments, Python random draws (which run eagerly, with NumPy's results).

Tolerance: float32 programs compared with float32 eager NumPy. XLA fuses and reorders the same
arithmetic (convolutions, reductions), so values differ by rounding: measured at most ~3e-7 on
values of order 1 after these few steps. RTOL=1e-5, ATOL=1e-6 allow ~100 float32 ulps; a wrong
gradient, a missed write-back or stale optimizer state moves values by lr * grad (>= 1e-3) instead.
"""

from __future__ import annotations

import importlib.util
import math
import pathlib
import random
import sys
import warnings

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from arraygrad.core.compile import GraphBreak

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"
RTOL, ATOL = 1e-5, 1e-6


@pytest.fixture
def jax():
    return pytest.importorskip("jax")


def _example(name: str):
    """examples/<name>.py as a module (its `import _cli` finds the examples' shared helper)."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        spec = importlib.util.spec_from_file_location(f"_compile_example_{name}",
                                                      EXAMPLES / f"{name}.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(EXAMPLES))
    return mod


def _run(step, args, steps: int):
    """(losses, ag.compile warnings) of `steps` calls of step(*args)."""
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        losses = [step(*args).item() for _ in range(steps)]
    return losses, [str(r.message) for r in rec if "ag.compile" in str(r.message)]


def _assert_same_run(got, ref):
    """Compiled (jax) and eager (NumPy) runs: equal losses and state, name by name."""
    np.testing.assert_allclose(got["losses"], ref["losses"], rtol=RTOL, atol=ATOL)
    assert list(got["state"]) == list(ref["state"])
    for k, v in ref["state"].items():
        np.testing.assert_allclose(got["state"][k], v, rtol=RTOL, atol=ATOL, err_msg=k)


def _state(*modules) -> dict:
    """Every parameter and buffer of the modules, as NumPy arrays by qualified name."""
    return {f"{i}.{k}": v.cpu().numpy() for i, m in enumerate(modules)
            for k, v in m.state_dict().items()}


# ---- the tutorial's control flow: DynamicNet draws its depth from Python's random ---------------
def _dynamic_net(dev, compiled: bool, steps: int = 5, fullgraph: bool = False):
    """examples/dynamic_net.py as written (depth drawn inside forward) with SGD and momentum."""
    DynamicNet = _example("dynamic_net").DynamicNet
    ag.manual_seed(0)
    random.seed(1)
    x = ag.linspace(-math.pi, math.pi, 50, device=dev)
    y = ag.sin(x)
    model = DynamicNet().to(dev)
    criterion = nn.MSELoss(reduction="sum")
    opt = ag.optim.SGD(model.parameters(), lr=1e-6, momentum=0.9)

    def step(x, y):
        loss = criterion(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.detach()

    f = ag.compile(step, fullgraph=fullgraph) if compiled else step
    losses, warned = _run(f, (x, y), steps)
    return {"losses": losses, "state": _state(model), "fn": f, "warned": warned,
            "next_draw": random.random()}


def test_dynamic_net_with_python_random_depth_runs_eagerly_and_matches(jax):
    ref = _dynamic_net("cpu", compiled=False)
    got = _dynamic_net("jax", compiled=True)
    _assert_same_run(got, ref)
    # the depths drawn were eager's: a failed trace's draw is rolled back
    assert got["next_draw"] == ref["next_draw"]
    assert got["fn"].compiled_signatures == 0
    assert len(got["warned"]) == 1 and "Python's random" in got["warned"][0]


def test_python_random_inside_fullgraph_raises_a_graph_break(jax):
    with pytest.raises(GraphBreak, match="Python's random"):
        _dynamic_net("jax", compiled=True, steps=2, fullgraph=True)


def _noisy(dev, compiled: bool) -> list:
    """Three calls of a function that adds host-drawn noise (a graph break on JAX)."""
    ag.manual_seed(0)
    w = ag.ones(3, device=dev)

    def noisy(x):
        return x * w + ag.randn(3, device=dev)

    f = ag.compile(noisy) if compiled else noisy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = [f(ag.ones(3, device=dev)).tolist() for _ in range(3)]
    assert not compiled or f.compiled_signatures == 0
    return out


def test_host_random_draw_in_a_broken_trace_is_rolled_back(jax):
    # the first call's trace draws and breaks; its eager rerun draws the same numbers again
    np.testing.assert_allclose(_noisy("jax", True), _noisy("cpu", False), rtol=1e-6)


def _scaled_by_own_random(dev, compiled: bool) -> list:
    """A function drawing from its own random.Random instance (held in its closure)."""
    w, rng = ag.ones(2, device=dev), random.Random(0)

    def f(x):
        return x * w * rng.random()

    g = ag.compile(f) if compiled else f
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = [g(ag.ones(2, device=dev)).tolist() for _ in range(3)]
    assert not compiled or any("Python's random" in str(r.message) for r in rec)
    return out


def test_draws_from_a_random_instance_run_eagerly_and_match(jax):
    np.testing.assert_allclose(_scaled_by_own_random("jax", True),
                               _scaled_by_own_random("cpu", False), rtol=1e-6)


def _depth_net(dev, compiled: bool, steps: int = 8):
    """DynamicNet with its depth drawn outside the step and passed in: one program per depth."""
    DynamicNet = _example("dynamic_net").DynamicNet

    class DepthNet(DynamicNet):
        def forward(self, x, extra: int):
            """The example's forward with `extra` (0-2) orders of e instead of a draw inside."""
            y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
            for exp in range(4, 4 + extra):
                y = y + self.e * x ** exp
            return y

    ag.manual_seed(0)
    draws = random.Random(6)  # depths 2, 0, 1, 1, 0, 0, 0, 2: every depth, e used first
    x = ag.linspace(-math.pi, math.pi, 50, device=dev)
    y = ag.sin(x)
    model = DepthNet().to(dev)
    criterion = nn.MSELoss(reduction="sum")
    opt = ag.optim.SGD(model.parameters(), lr=1e-6, momentum=0.9)

    def step(x, y, extra):
        # zero_grad after the update: every call starts without .grad, so the depth alone picks
        # the program (whether a .grad exists is part of the signature, and depth 0 leaves e's out)
        loss = criterion(model(x, extra), y)
        loss.backward()
        opt.step()
        opt.zero_grad()
        return loss.detach()

    f = ag.compile(step) if compiled else step
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        losses = [f(x, y, draws.randint(4, 6) - 4).item() for _ in range(steps)]
    return {"losses": losses, "state": _state(model), "fn": f,
            "warned": [str(r.message) for r in rec if "ag.compile" in str(r.message)]}


def test_dynamic_net_with_depth_as_argument_compiles_one_program_per_depth(jax):
    ref = _depth_net("cpu", compiled=False)
    got = _depth_net("jax", compiled=True)
    _assert_same_run(got, ref)
    assert got["warned"] == []
    assert got["fn"].compiled_signatures == 3


# ---- the tutorial's custom autograd Function ------------------------------------------------
def _legendre(dev, compiled: bool, steps: int = 4):
    """examples/polynomial_custom_function.py's step: y = a + b P3(c + d x), P3 a Function."""
    P3 = _example("polynomial_custom_function").LegendrePolynomial3.apply
    x = ag.linspace(-math.pi, math.pi, 200, device=dev)
    y = ag.sin(x)
    a, b, c, d = (ag.full((), v, device=dev, requires_grad=True) for v in (0.0, -1.0, 0.0, 0.3))

    def step():
        loss = (a + b * P3(c + d * x) - y).pow(2).sum()
        loss.backward()
        with ag.no_grad():
            for t in (a, b, c, d):
                t -= 5e-5 * t.grad
                t.grad = None
        return loss.detach()

    f = ag.compile(step) if compiled else step
    losses, warned = _run(f, (), steps)
    state = {k: t.detach().cpu().numpy() for k, t in zip("abcd", (a, b, c, d), strict=True)}
    return {"losses": losses, "state": state, "fn": f, "warned": warned}


def test_custom_function_polynomial_compiled_matches_numpy_eager(jax):
    ref = _legendre("cpu", compiled=False)
    got = _legendre("jax", compiled=True)
    _assert_same_run(got, ref)
    assert got["warned"] == [] and got["fn"].compiled_signatures == 1


# ---- state reached through the user's helper functions ------------------------------------------
def _through_helper(dev, compiled: bool) -> list:
    """A compiled function that reaches a BatchNorm only through a helper in its closure."""
    ag.manual_seed(0)
    bn = nn.BatchNorm1d(3).to(dev)
    x, scale = ag.randn(5, 3, device=dev), ag.full((3,), 2.0, device=dev)

    def forward(x):
        return bn(x)

    def step(x):
        return forward(x).detach().sum(0) * scale

    f = ag.compile(step) if compiled else step
    outs = [f(x).numpy() for _ in range(3)]
    assert not compiled or f.compiled_signatures == 1
    return outs + [bn.running_mean.numpy(), bn.running_var.numpy(), bn.num_batches_tracked.numpy()]


def test_state_reached_through_a_helper_function_is_written_back(jax):
    got, ref = _through_helper("jax", True), _through_helper("cpu", False)
    for g, r in zip(got, ref, strict=True):
        np.testing.assert_allclose(g, r, rtol=RTOL, atol=ATOL)


# ---- Python variables the function reads: a learning rate decayed between calls ----------------
def _decaying_lr(dev, compiled: bool, steps: int = 3):
    """The tutorial's polynomial step reading `lr` from its closure, halved after every call."""
    ag.manual_seed(0)
    x = ag.linspace(-math.pi, math.pi, 64, device=dev)
    y = ag.sin(x)
    coef = [ag.randn((), device=dev, requires_grad=True) for _ in range(4)]
    lr = 1e-4

    def step():
        a, b, c, d = coef
        loss = (a + b * x + c * x ** 2 + d * x ** 3 - y).pow(2).sum()
        loss.backward()
        with ag.no_grad():
            for t in coef:
                t -= lr * t.grad
                t.grad = None
        return loss.detach()

    f = ag.compile(step) if compiled else step
    losses = []
    for _ in range(steps):
        losses.append(f().item())
        lr /= 2
    return {"losses": losses, "state": {str(i): t.detach().cpu().numpy() for i, t in
                                        enumerate(coef)}, "fn": f}


def test_closure_variable_changed_between_calls_is_part_of_the_signature(jax):
    ref = _decaying_lr("cpu", compiled=False)
    got = _decaying_lr("jax", compiled=True)
    _assert_same_run(got, ref)
    assert got["fn"].compiled_signatures == 3  # one program per value of lr


def test_closure_variable_set_inside_the_function_breaks_the_graph(jax):
    w = ag.ones(2, device="jax")
    calls = 0

    def f(x):
        nonlocal calls
        calls += 1
        return x * w

    g = ag.compile(f, fullgraph=True)
    g(ag.ones(2, device="jax"))  # a first call whose trace breaks runs eagerly
    with pytest.raises(GraphBreak, match="variable 'calls'"):
        g(ag.ones(2, device="jax"))
    assert calls == 1  # the eager first call's increment; the broken traces' were undone


def _shifted_module(dev, compiled: bool) -> list:
    """A compiled Sequential around a custom module whose forward reads `shift` from a closure."""
    shift = 0.0

    class Shifted(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)

        def forward(self, x):
            """The layer's output plus the enclosing function's `shift`."""
            return self.lin(x) + shift

    ag.manual_seed(0)
    model = nn.Sequential(Shifted()).to(dev)
    x = ag.ones(1, 2, device=dev)
    run = ag.compile(model) if compiled else model
    out = []
    with ag.no_grad():
        for shift in (0.0, 1.0, 1.0, 2.0):  # noqa: B007 (forward reads it)
            out.append(run(x).numpy())
    assert not compiled or run._compiled.compiled_signatures == 3
    return out


def test_module_forward_reading_a_closure_variable_recompiles_when_it_changes(jax):
    np.testing.assert_allclose(_shifted_module("jax", True), _shifted_module("cpu", False),
                               rtol=RTOL, atol=ATOL)


def _normalise_in_place(dev, compiled: bool) -> list:
    """A step that standardises its input batch in place (x.sub_(mean).div_(std)) then uses it."""
    w = ag.full((3,), 2.0, device=dev)

    def f(x, *, y):
        x.sub_(x.mean(0)).div_(x.std(0))
        y.mul_(w)
        return (x * w).sum(0)

    g = ag.compile(f) if compiled else f
    out = []
    for _ in range(2):
        ag.manual_seed(0)
        x, y = ag.randn(5, 3, device=dev), ag.ones(3, device=dev)
        out += [g(x, y=y).numpy(), x.numpy(), y.numpy()]
    assert not compiled or g.compiled_signatures == 1
    return out


def test_in_place_update_of_an_argument_is_written_back(jax):
    for got, want in zip(_normalise_in_place("jax", True), _normalise_in_place("cpu", False),
                         strict=True):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


# ---- training steps of nn models ----------------------------------------------------------------
def _train(build, dev, compiled: bool, steps: int):
    """A model's training run from seed 0: the first step eagerly on NumPy, then its modules,
    optimizer state and data move to `dev` and the remaining steps run there (compiled or not).

    ag.compile runs a first step eagerly anyway (the optimizer creates its state in it); taking
    it on NumPy spares eager JAX, which compiles one XLA kernel per op and shape (~100 a step,
    over 10 s here), and the compiled program then starts from non-trivial optimizer state."""
    ag.manual_seed(0)
    modules, opt, step, args = build()
    first = step(*args).item()
    for m in modules:
        m.to(dev)
    if opt is not None:  # the optimizer's state follows its parameters to dev
        opt.load_state_dict(opt.state_dict())
    args = tuple(a.to(dev) for a in args)
    f = ag.compile(step) if compiled else step
    losses, warned = _run(f, args, steps - 1)
    return {"losses": [first] + losses, "state": _state(*modules), "fn": f, "warned": warned}


def _training_step(opt, loss_fn):
    def step(x, y):
        opt.zero_grad()
        loss = loss_fn(x, y)
        loss.backward()
        opt.step()
        return loss.detach()

    return step


def _assert_compiled_matches_eager(build, steps: int):
    ref = _train(build, "cpu", compiled=False, steps=steps)
    got = _train(build, "jax", compiled=True, steps=steps)
    _assert_same_run(got, ref)  # losses, parameters and buffers, step by step
    assert got["warned"] == [] and got["fn"].compiled_signatures == 1


# ---- the tutorial's nn programs: nn.Sequential, optim (RMSprop), a custom Module --------------
def _poly_data():
    x = ag.linspace(-math.pi, math.pi, 200)
    return x, ag.sin(x)


def _poly_nn():
    """examples/polynomial_nn.py: Linear(3, 1) + Flatten on x, x^2, x^3, a manual update."""
    x, y = _poly_data()
    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))
    loss_fn = nn.MSELoss(reduction="sum")

    def step(xx, y):
        loss = loss_fn(model(xx), y)
        model.zero_grad()
        loss.backward()
        with ag.no_grad():
            for param in model.parameters():
                param -= 1e-5 * param.grad
        return loss.detach()

    return [model], None, step, (x.unsqueeze(-1).pow(ag.tensor([1, 2, 3])), y)


def _poly_optim():
    """examples/polynomial_optim.py: the same model fitted with RMSprop."""
    x, y = _poly_data()
    model = nn.Sequential(nn.Linear(3, 1), nn.Flatten(0, 1))
    opt = ag.optim.RMSprop(model.parameters(), lr=1e-3)
    step = _training_step(opt, lambda xx, y: nn.functional.mse_loss(model(xx), y, reduction="sum"))
    return [model], opt, step, (x.unsqueeze(-1).pow(ag.tensor([1, 2, 3])), y)


def _poly_module():
    """examples/polynomial_module.py: its Polynomial3 module fitted with SGD."""
    x, y = _poly_data()
    model = _example("polynomial_module").Polynomial3()
    opt = ag.optim.SGD(model.parameters(), lr=1e-5)
    step = _training_step(opt, lambda x, y: nn.functional.mse_loss(model(x), y, reduction="sum"))
    return [model], opt, step, (x, y)


@pytest.mark.parametrize("build", [_poly_nn, _poly_optim, _poly_module],
                         ids=["polynomial_nn", "polynomial_optim", "polynomial_module"])
def test_tutorial_nn_programs_compiled_match_numpy_eager(jax, build):
    _assert_compiled_matches_eager(build, steps=4)


# ---- a CNN: Conv2d, BatchNorm2d, ReLU, MaxPool2d, Linear ----------------------------------------
def _cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(4 * 3 * 3, 3))


def _cnn_sgd_momentum():
    # SGD with momentum: the conv bias before BatchNorm gets a zero gradient up to rounding,
    # which Adam's normalisation would turn into noise that no two backends share
    model = _cnn()
    opt = ag.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    step = _training_step(opt, lambda x, y: nn.functional.cross_entropy(model(x), y))
    return [model], opt, step, (ag.randn(6, 1, 8, 8), ag.randint(0, 3, (6,)))


def test_cnn_sgd_momentum_step_compiled_matches_numpy_eager(jax):
    # BatchNorm's running statistics and batch count are compared with the parameters
    _assert_compiled_matches_eager(_cnn_sgd_momentum, steps=4)


def test_compiled_cnn_module_for_inference_matches_numpy_eager(jax):
    outs = {}
    for dev in ("cpu", "jax"):
        ag.manual_seed(0)
        model, x = _cnn().to(dev), ag.randn(6, 1, 8, 8, device=dev)
        run = ag.compile(model) if dev == "jax" else model
        with ag.no_grad():
            model.eval()
            evals = [run(x).numpy() for _ in range(2)]
            model.train()  # a training-mode forward updates BatchNorm's running statistics
            trains = [run(x).numpy() for _ in range(2)]
        outs[dev] = evals + trains + [model[1].running_mean.numpy(), model[1].running_var.numpy()]
        if dev == "jax":  # eval and train mode: two signatures, each compiled at its first call
            assert run._compiled.compiled_signatures == 2
    for got, want in zip(outs["jax"], outs["cpu"], strict=True):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


# ---- recurrent: a 2-layer LSTM or GRU with a Linear head, Adam ----------------------------------
def _recurrent_adam(cell: str):
    def build():
        rnn = getattr(nn, cell)(4, 4, num_layers=2, batch_first=True)
        head = nn.Linear(4, 2)
        opt = ag.optim.Adam(list(rnn.parameters()) + list(head.parameters()), lr=0.01)

        def loss_fn(x, y):
            out, _ = rnn(x)
            return nn.functional.mse_loss(head(out[:, -1]), y)

        return [rnn, head], opt, _training_step(opt, loss_fn), (ag.randn(4, 3, 4), ag.randn(4, 2))

    return build


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_recurrent_adam_step_compiled_matches_numpy_eager(jax, cell):
    # Adam's moments and step counters enter the compiled program from the eager first step
    _assert_compiled_matches_eager(_recurrent_adam(cell), steps=3)


def _lstm_after_a_compiled_call(dev) -> list:
    """An LSTM (of a size no other test uses) first run inside a compiled function, then in a
    second trace (a new batch size)."""
    ag.manual_seed(0)
    lstm = nn.LSTM(2, 7).to(dev)
    x = ag.randn(2, 2, 2, device=dev)

    def last_output(x):
        with ag.no_grad():
            return lstm(x)[0][-1]

    f = ag.compile(last_output)
    return [f(x).numpy(), f(x[:, :1]).numpy()]


def test_lstm_run_inside_a_trace_keeps_no_traced_constants(jax):
    # nn's LSTM caches constant gate vectors per device, dtype and size; the ones made inside a
    # trace are the trace's and must not be kept for later calls
    for got, want in zip(_lstm_after_a_compiled_call("jax"), _lstm_after_a_compiled_call("cpu"),
                         strict=True):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)
