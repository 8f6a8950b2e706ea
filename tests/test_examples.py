"""The seed tutorial's three programs in examples/, run on every backend device.

Each example runs once per device (cached for the module: Dask takes about a minute for the three)
and is checked against a NumPy float64 run of the same gradient descent from the same initial
weights, which is both the convergence check and the oracle for the values it prints.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import os
import pathlib
import subprocess
import sys
import time

import numpy as np
import pytest

import arraygrad as ag

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"
NAMES = ["polynomial_tensors", "polynomial_autograd", "polynomial_custom_function"]
FULL_STEPS = 2000   # the tutorial's
LAZY_STEPS = 300    # Dask: about 60 ms a step, so three blocks of 100 steps
# float32 example against the float64 reference over the whole run: measured 3e-6 (relative, on
# the losses) and 4e-7 (absolute, on the coefficients) on NumPy; a wrong gradient is off by far more
LOSS_RTOL = 1e-4
COEF_ATOL = 1e-5
# time of the last block of 100 steps over the first one on Dask; see test_dask_step_time_*
GROWTH_FACTOR = 3.0

_runs: dict = {}
_references: dict = {}


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"_example_{name}", EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class _StampedLines:
    """A stdout that keeps each printed line with the CPU time this process had used by then
    (CPU, not wall-clock time: other processes on a shared machine do not move it)."""

    def __init__(self):
        self.lines: list[tuple[float, str]] = []
        self._buf = ""

    def write(self, s: str) -> int:
        self._buf += s
        while "\n" in self._buf:
            line, self._buf = self._buf.split("\n", 1)
            self.lines.append((time.process_time(), line))
        return len(s)

    def flush(self) -> None:
        pass


def _steps(device: str) -> int:
    return LAZY_STEPS if device == "dask" else FULL_STEPS


def _run(name: str, device: str) -> dict:
    """The example's result, printed lines and start CPU time on `device` (once per module)."""
    key = (name, device)
    if key not in _runs:
        mod = _load(name)
        out = _StampedLines()
        ag.manual_seed(0)
        start = time.process_time()
        with contextlib.redirect_stdout(out):
            result = mod.main(["--device", device, "--steps", str(_steps(device))])
        _runs[key] = {"result": result, "lines": out.lines, "start": start}
    return _runs[key]


def _initial_weights(name: str) -> tuple:
    if name == "polynomial_custom_function":
        return (0.0, -1.0, 0.0, 0.3)   # the tutorial's starting point
    ag.manual_seed(0)                  # the examples draw four randn((), dtype=float32)
    return tuple(ag.randn((), dtype=ag.float32).item() for _ in range(4))


def _reference(name: str, steps: int) -> dict:
    """The same gradient descent in NumPy float64, from the same initial weights."""
    key = (name, steps)
    if key in _references:
        return _references[key]
    x = np.linspace(-math.pi, math.pi, 2000, dtype=np.float32).astype(np.float64)
    y = np.sin(x)
    a, b, c, d = _initial_weights(name)
    lr = 5e-6 if name == "polynomial_custom_function" else 1e-6
    losses = {}
    for t in range(steps):
        if name == "polynomial_custom_function":
            z = c + d * x
            p3 = 0.5 * (5 * z ** 3 - 3 * z)
            y_pred = a + b * p3
            g = 2.0 * (y_pred - y)
            gz = g * b * 1.5 * (5 * z ** 2 - 1)
            grads = (g.sum(), (g * p3).sum(), gz.sum(), (gz * x).sum())
        else:
            y_pred = a + b * x + c * x ** 2 + d * x ** 3
            g = 2.0 * (y_pred - y)
            grads = (g.sum(), (g * x).sum(), (g * x ** 2).sum(), (g * x ** 3).sum())
        if t == 0 or t % 100 == 99:
            losses[t] = float(((y_pred - y) ** 2).sum())
        a, b, c, d = (p - lr * gp for p, gp in zip((a, b, c, d), grads, strict=True))
    _references[key] = {"losses": losses, "coefficients": (a, b, c, d)}
    return _references[key]


@pytest.mark.parametrize("name", NAMES)
def test_example_loss_falls_far_below_the_initial_loss(name, device):
    losses = _run(name, device)["result"]["losses"]
    last = max(losses)
    assert last == _steps(device) - 1
    if _steps(device) == FULL_STEPS:  # the tutorial's setup ends near the cubic fit's optimum
        assert losses[last] < 0.05 * losses[0], losses
        assert losses[last] < 15.0, losses
    else:  # 300 steps: the custom Function's fit, which starts close, is at 0.22 of its start
        assert losses[last] < 0.3 * losses[0], losses


@pytest.mark.parametrize("name", NAMES)
def test_example_losses_match_a_float64_numpy_reference(name, device):
    got = _run(name, device)["result"]["losses"]
    want = _reference(name, _steps(device))["losses"]
    assert sorted(got) == sorted(want)
    for t in want:
        assert got[t] == pytest.approx(want[t], rel=LOSS_RTOL), (t, got[t], want[t])


@pytest.mark.parametrize("name", NAMES)
def test_example_fitted_coefficients_match_a_float64_numpy_reference(name, device):
    got = _run(name, device)["result"]["coefficients"]
    want = _reference(name, _steps(device))["coefficients"]
    np.testing.assert_allclose(got, want, rtol=0, atol=COEF_ATOL)


@pytest.mark.parametrize("name", NAMES)
def test_example_prints_the_loss_every_100_steps_and_the_fitted_polynomial(name, device):
    run = _run(name, device)
    lines = [line for _, line in run["lines"]]
    losses = run["result"]["losses"]
    steps = _steps(device)
    assert len(lines) == steps // 100 + 1
    for line, t in zip(lines[:-1], range(99, steps, 100), strict=True):
        step, loss = line.split()
        assert int(step) == t
        assert float(loss) == losses[t]
    a, b, c, d = run["result"]["coefficients"]
    if name == "polynomial_custom_function":
        assert lines[-1] == f"Result: y = {a} + {b} * P3({c} + {d} x)"
    else:
        assert lines[-1] == f"Result: y = {a} + {b} x + {c} x^2 + {d} x^3"


@pytest.mark.parametrize("name", NAMES)
def test_dask_step_time_does_not_grow_with_the_step_number(name, device):
    """Not a speed assertion: a guard against graphs that grow across steps.

    On Dask every in-place update (`a -= lr * grad_a`) builds a lazy graph on top of the old
    value; unless the update persists its result and `.item()` keeps the value it computed, each
    step's graph holds the whole history and step t costs O(t) (docs/backends.md). With bounded
    graphs every block of 100 steps costs about the same; with growing ones the last of three
    blocks costs about five times the first. The first block also pays one-off start-up costs,
    which only makes the check more lenient. Times are the process's CPU time (Dask's threads
    included), so other work on the machine does not move the ratio.
    """
    if device != "dask":
        pytest.skip("time per step can only grow where ops build lazy graphs (Dask)")
    run = _run(name, device)
    stamps = [t for t, line in run["lines"] if not line.startswith("Result")]
    assert len(stamps) == LAZY_STEPS // 100
    first = stamps[0] - run["start"]
    last = stamps[-1] - stamps[-2]
    assert last < GROWTH_FACTOR * first, (
        f"{name} on Dask: the last 100 steps took {last:.2f}s of CPU, the first 100 {first:.2f}s")


@pytest.mark.parametrize("name", NAMES)
def test_example_runs_as_a_script_with_its_options(name):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(EXAMPLES.parent)] + [p for p in [env.get("PYTHONPATH")] if p])
    proc = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), "--steps", "200",
                           "--device", "cpu"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == ["99", "199"]
    assert lines[-1].startswith("Result: y = ")
