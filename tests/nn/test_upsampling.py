"""interpolate: nearest, nearest-exact, linear/bilinear/trilinear (align_corners, size or
scale_factor, recompute_scale_factor) against PyTorch, values and gradients, on every
backend; errors."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.nn.functional as F
from tests._gradients import random_array, to_numpy

CASES = [((2, 3, 5), dict(size=8)), ((2, 3, 5, 4), dict(scale_factor=2)),
         ((2, 3, 5, 4), dict(scale_factor=(1.7, 0.6))),
         ((2, 3, 5, 4), dict(size=(7, 3), mode="nearest-exact")),
         ((2, 3, 5, 4), dict(size=(7, 9), mode="bilinear")),
         ((2, 3, 5, 4), dict(size=(7, 9), mode="bilinear", align_corners=True)),
         ((2, 3, 5, 4), dict(scale_factor=1.5, mode="bilinear")),
         ((2, 3, 5, 4), dict(scale_factor=1.5, mode="bilinear", recompute_scale_factor=True)),
         ((2, 3, 5), dict(scale_factor=0.5, mode="linear")),
         ((1, 2, 3, 4, 5), dict(size=(4, 5, 3), mode="trilinear"))]


@pytest.mark.parity
@pytest.mark.parametrize("case", CASES, ids=lambda c: str(c[1]))
def test_interpolate_matches_torch(eager_device, torch, case):
    shape, kw = case
    x = random_array(*shape)
    tx = torch.tensor(x, requires_grad=True)
    ax = ag.tensor(x, device=eager_device, requires_grad=True)
    ty = torch.nn.functional.interpolate(tx, **kw)
    ay = F.interpolate(ax, **kw)
    gy = random_array(*ty.shape, seed=1)
    ty.backward(torch.tensor(gy))
    ay.backward(ag.tensor(gy, device=eager_device))
    np.testing.assert_allclose(to_numpy(ay), ty.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(to_numpy(ax.grad), tx.grad.numpy(), atol=1e-12)


def test_interpolate_on_dask_matches_numpy():
    x = random_array(2, 3, 5, 4)
    for kw in (CASES[2][1], CASES[5][1]):
        ts = [ag.tensor(x, device=d, requires_grad=True) for d in ("dask", "cpu")]
        outs = [F.interpolate(t, **kw) for t in ts]
        for o in outs:
            (o * o).sum().backward()
        np.testing.assert_allclose(to_numpy(outs[0]), to_numpy(outs[1]), atol=1e-12)
        np.testing.assert_allclose(to_numpy(ts[0].grad), to_numpy(ts[1].grad), atol=1e-12)


def test_interpolate_errors():
    with pytest.raises(ValueError, match="exactly one of size or scale_factor"):
        F.interpolate(ag.zeros(1, 1, 4), size=3, scale_factor=2)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(ag.zeros(1, 1, 4), size=3, align_corners=True)
    with pytest.raises(NotImplementedError, match="expects 4-D input"):
        F.interpolate(ag.zeros(1, 1, 4), size=3, mode="bilinear")


@pytest.mark.parity
@pytest.mark.parametrize("name,kwargs", [
    ("Upsample", dict(scale_factor=2)), ("Upsample", dict(size=(5, 3), mode="bilinear")),
    ("Upsample", dict(scale_factor=(1.5, 2), mode="bilinear", align_corners=True)),
    ("UpsamplingNearest2d", dict(size=5)), ("UpsamplingBilinear2d", dict(scale_factor=2))],
    ids=lambda v: str(v))
def test_upsampling_modules_match_torch(torch, name, kwargs):
    tm, am = getattr(torch.nn, name)(**kwargs), getattr(ag.nn, name)(**kwargs)
    assert repr(am) == repr(tm)
    x = random_array(2, 3, 4, 3)
    np.testing.assert_allclose(to_numpy(am(ag.tensor(x))), tm(torch.tensor(x)).numpy(),
                               atol=1e-12)
