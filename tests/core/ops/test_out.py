"""out= as PyTorch has it: written into the given tensor (resized, cast, checked), or refused with
PyTorch's error; never silently ignored."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import arraygrad as ag


def test_creation_out_takes_out_dtype_and_is_returned(device):
    out = ag.full((2,), 5, dtype=ag.int64, device=device)
    for make in (lambda: ag.zeros(2, out=out), lambda: ag.empty(2, out=out)):
        r = make()
        assert r is out and out.dtype == ag.int64 and out.tolist() == [0, 0]
    assert ag.ones(2, out=out).tolist() == [1, 1]
    assert ag.full((2,), 3.0, out=ag.zeros(2, device=device)).tolist() == [3.0, 3.0]


def test_out_of_another_shape_is_resized_with_pytorchs_warning(device):
    out = ag.zeros(2, device=device)
    with pytest.warns(UserWarning, match="resized"):
        ag.ones(2, 3, out=out)
    assert out.shape == (2, 3) and out.sum().item() == 6.0
    empty = ag.zeros(0, device=device)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ag.ones(3, out=empty)
    assert empty.tolist() == [1.0, 1.0, 1.0]


def test_reductions_and_joins_write_out(device):
    x = ag.tensor([[1.0, 5.0], [4.0, 2.0]], device=device)
    v, i = ag.zeros(2, device=device), ag.zeros(2, dtype=ag.int64, device=device)
    r = ag.max(x, 1, out=(v, i))
    assert r[0] is v and v.tolist() == [5.0, 4.0] and i.tolist() == [1, 0]
    assert r.values is v and r.indices is i
    ag.min(x, 0, out=(v, i))
    assert v.tolist() == [1.0, 2.0] and i.tolist() == [0, 1]
    n = ag.zeros((), device=device)
    assert ag.norm(x, out=n) is n
    np.testing.assert_allclose(n.item(), np.sqrt(46.0), rtol=1e-6)
    t = ag.zeros((2, 2), device=device)
    ag.tensordot(x, x, dims=([1], [0]), out=t)
    np.testing.assert_allclose(t.numpy(), [[21.0, 15.0], [12.0, 24.0]])
    c = ag.zeros(4, 2, device=device)
    assert ag.cat([x, x], out=c) is c and c[2:].tolist() == x.tolist()
    s = ag.zeros(2, 2, 2, device=device)
    assert ag.stack([x, x], 1, out=s) is s and s[:, 0].tolist() == x.tolist()


def test_out_refuses_a_lossy_cast_and_autograd():
    x = ag.tensor([1.5, 2.5])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        ag.max(x, 0, out=(ag.zeros((), dtype=ag.int64), ag.zeros((), dtype=ag.int64)))
    w = ag.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        ag.cat([w, w], out=ag.zeros(4))
    with pytest.raises(TypeError, match="must be Tensor"):
        ag.zeros(2, out=[1, 2])


def test_out_on_another_device_is_refused():
    with pytest.raises(RuntimeError, match="Expected out tensor to have device"):
        ag.norm(ag.ones(2), out=ag.zeros((), device="array_api_strict"))


def test_arange_with_a_step_walking_away_from_end_raises():
    with pytest.raises(RuntimeError, match="upper bound and lower bound inconsistent with step"):
        ag.arange(0, 10, -1)
    with pytest.raises(RuntimeError, match="inconsistent"):
        ag.arange(1.0, 0.0, 0.5)
    assert ag.arange(5, 5, -1).tolist() == [] and ag.arange(3, 0, -1).tolist() == [3, 2, 1]


@pytest.mark.parity
def test_out_matches_pytorch(torch):
    tv, ti = torch.zeros(1), torch.zeros(1, dtype=torch.long)
    torch.max(torch.tensor([[1.0, 5.0], [4.0, 2.0]]), 1, out=(tv, ti))
    v, i = ag.zeros(1), ag.zeros(1, dtype=ag.int64)
    with pytest.warns(UserWarning):
        ag.max(ag.tensor([[1.0, 5.0], [4.0, 2.0]]), 1, out=(v, i))
    assert v.tolist() == tv.tolist() and i.tolist() == ti.tolist()
