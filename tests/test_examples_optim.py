"""examples/polynomial_optim.py (the tutorial's "PyTorch: optim", RMSprop): on NumPy it follows
PyTorch's RMSprop from the same initial weights (float64 oracle), on array-api-strict and Dask it
takes the same steps as on NumPy."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import math
import pathlib
import sys

import numpy as np
import pytest

import arraygrad as ag

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def _main(device: str, steps: int) -> dict:
    sys.path.insert(0, str(EXAMPLES))  # the examples import their shared _cli
    try:
        spec = importlib.util.spec_from_file_location("_example_polynomial_optim",
                                                      EXAMPLES / "polynomial_optim.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        ag.manual_seed(0)
        with contextlib.redirect_stdout(io.StringIO()) as out:
            result = mod.main(["--device", device, "--steps", str(steps)])
    finally:
        sys.path.remove(str(EXAMPLES))
    result["printed"] = out.getvalue()
    return result


@pytest.mark.parity
def test_follows_torch_rmsprop_from_the_same_weights(torch):
    steps = 300
    got = _main("cpu", steps)
    ag.manual_seed(0)
    init = ag.nn.Linear(3, 1)  # the example's first (and only) random draw
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=torch.float64)
    xx = x.unsqueeze(-1).pow(torch.tensor([1, 2, 3]))
    lin = torch.nn.Linear(3, 1, dtype=torch.float64)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(init.weight.detach().numpy()))
        lin.bias.copy_(torch.tensor(init.bias.detach().numpy()))
    opt = torch.optim.RMSprop(lin.parameters(), lr=1e-3)
    losses = {}
    for t in range(steps):
        loss = ((lin(xx).flatten() - torch.sin(x)) ** 2).sum()
        if t == 0 or t % 100 == 99:
            losses[t] = loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert sorted(got["losses"]) == sorted(losses)
    for t, want in losses.items():
        assert got["losses"][t] == pytest.approx(want, rel=1e-3)
    want = (lin.bias.item(), *lin.weight[0].tolist())
    np.testing.assert_allclose(got["coefficients"], want, atol=2e-4)
    assert got["printed"].count("\n") == steps // 100 + 1 and "Result: y =" in got["printed"]


@pytest.mark.parametrize("where, steps", [("array_api_strict", 30), ("dask", 5)])
def test_other_backends_take_the_numpy_steps(where, steps):
    got, ref = _main(where, steps), _main("cpu", steps)
    assert got["losses"][0] == pytest.approx(ref["losses"][0], rel=1e-6)
    np.testing.assert_allclose(got["coefficients"], ref["coefficients"], rtol=1e-5, atol=1e-6)
