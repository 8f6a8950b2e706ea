"""pad: constant (with value, negative amounts crop), reflect, replicate and circular against
PyTorch, values and gradients, on every backend; errors."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.nn.functional as F
from tests._gradients import random_array, to_numpy

CASES = [((2, 3, 5), (1, 2), "constant", 1.5), ((2, 3, 5, 4), (1, 2, -1, 3), "constant", None),
         ((2, 3, 5), (2, 3), "reflect", None), ((2, 3, 5, 4), (1, 2, 3, 0), "reflect", None),
         ((2, 3, 5, 4), (1, 2, 3, 0), "replicate", None),
         ((2, 3, 5, 4, 3), (1, 2, 3, 0, 1, 1), "replicate", None),
         ((2, 3, 5, 4), (1, 2, 3, 4), "circular", None), ((3, 5), (2, 1), "circular", None)]


@pytest.mark.parity
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[2]}-{c[1]}")
def test_pad_matches_torch(eager_device, torch, case):
    shape, pad, mode, value = case
    x, gy = random_array(*shape), None
    kw = {} if value is None else {"value": value}
    tx = torch.tensor(x, requires_grad=True)
    ax = ag.tensor(x, device=eager_device, requires_grad=True)
    ty, ay = torch.nn.functional.pad(tx, pad, mode, **kw), F.pad(ax, pad, mode, **kw)
    gy = random_array(*ty.shape, seed=1)
    ty.backward(torch.tensor(gy))
    ay.backward(ag.tensor(gy, device=eager_device))
    np.testing.assert_array_equal(to_numpy(ay), ty.detach().numpy())
    np.testing.assert_allclose(to_numpy(ax.grad), tx.grad.numpy(), rtol=1e-12)


def test_pad_on_dask_matches_numpy():
    x = random_array(2, 3, 5, 4)
    for pad, mode in (((1, 2, -1, 3), "constant"), ((1, 2, 3, 0), "reflect")):
        got = [F.pad(ag.tensor(x, device=d), pad, mode) for d in ("dask", "cpu")]
        np.testing.assert_array_equal(to_numpy(got[0]), to_numpy(got[1]))


def test_pad_errors():
    with pytest.raises(RuntimeError, match="divisible by 2"):
        F.pad(ag.zeros(2, 3), (1,))
    with pytest.raises(RuntimeError, match="should be less than the corresponding"):
        F.pad(ag.zeros(1, 2, 3), (3, 0), "reflect")
    with pytest.raises(NotImplementedError, match="unsupported padding mode"):
        F.pad(ag.zeros(1, 2, 3), (1, 0), "mirror")


@pytest.mark.parity
@pytest.mark.parametrize("name,args,shape", [
    ("ZeroPad1d", (2,), (2, 3, 4)), ("ZeroPad2d", ((1, 0, 2, 1),), (2, 3, 4)),
    ("ConstantPad2d", (1, 3.5), (1, 2, 3, 4)), ("ConstantPad3d", ((1, 0, 0, 1, 2, 0), 1.0),
                                                 (1, 2, 3, 3, 3)),
    ("ReflectionPad1d", (2,), (2, 3, 4)), ("ReflectionPad2d", ((1, 0, 2, 1),), (2, 3, 4)),
    ("ReplicationPad2d", (2,), (1, 2, 3, 4)), ("ReplicationPad3d", (1,), (1, 2, 3, 3, 3)),
    ("CircularPad1d", (1,), (2, 3, 4)), ("CircularPad2d", ((1, 0, 2, 1),), (1, 2, 3, 4))],
    ids=lambda v: str(v))
def test_padding_modules_match_torch(torch, name, args, shape):
    tm, am = getattr(torch.nn, name)(*args), getattr(ag.nn, name)(*args)
    assert repr(am) == repr(tm)
    x = random_array(*shape)
    np.testing.assert_array_equal(to_numpy(am(ag.tensor(x))), tm(torch.tensor(x)).numpy())
