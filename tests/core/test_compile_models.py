"""ag.compile on whole models (issue 11's correctness requirement): a CNN, an LSTM and a GRU, and
the tutorial's programs (the custom-Function polynomial, the random-depth DynamicNet), compiled
on the `jax` backend, give the losses, parameters and buffers of eager NumPy runs from the same
seed, step by step.

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
