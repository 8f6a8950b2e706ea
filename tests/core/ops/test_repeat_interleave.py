"""ag.repeat_interleave / Tensor.repeat_interleave against torch.repeat_interleave: values,
gradients (the copies' gradients summed), tensor counts, output_size and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag

_CASES = [((2, 2), (2,), {}), ((2, 2), (2,), {"dim": 0}), ((2, 3), (0,), {"dim": 1}),
          ((2, 2), ([1, 3],), {"dim": 1}), ((2, 3), ([2],), {"dim": 0}),
          ((2, 3), ([1, 2],), {"dim": 0, "output_size": 3}), ((2, 3), ([0, 1, 2],), {"dim": 1}),
          ((2, 3), (3,), {"dim": -1})]


@pytest.mark.parity
@pytest.mark.parametrize("shape, args, kw", _CASES)
def test_values_and_gradients_match_torch(device, torch, shape, args, kw):
    host = np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape)
    x = ag.tensor(host, dtype=ag.float64, device=device, requires_grad=True)
    tx = torch.tensor(host, dtype=torch.float64, requires_grad=True)
    a = [ag.tensor(r, device=device) if isinstance(r, list) else r for r in args]
    ta = [torch.tensor(r) if isinstance(r, list) else r for r in args]
    out, want = x.repeat_interleave(*a, **kw), torch.repeat_interleave(tx, *ta, **kw)
    np.testing.assert_array_equal(out.detach().numpy(), want.detach().numpy())
    w = np.linspace(-1.0, 1.0, want.numel()).reshape(tuple(want.shape))
    (out * ag.tensor(w, device=device)).sum().backward()
    (want * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


@pytest.mark.parity
def test_counts_only_gives_indices(device, torch):
    got = ag.repeat_interleave(ag.tensor([2, 0, 3], device=device))
    assert got.tolist() == torch.repeat_interleave(torch.tensor([2, 0, 3])).tolist()
    assert got.dtype is ag.device(device).default_int


def test_errors_name_the_op(device):
    x = ag.ones((2, 3), device=device)
    with pytest.raises(RuntimeError, match="repeat_interleave.*same size"):
        ag.repeat_interleave(x, ag.tensor([1, 2], device=device), dim=1)
    with pytest.raises(RuntimeError, match="negative"):
        ag.repeat_interleave(x, -1)
    with pytest.raises(RuntimeError, match="output_size 5 does not match the required size 4"):
        ag.repeat_interleave(x, 2, dim=0, output_size=5)
    with pytest.raises(RuntimeError, match="integer tensor"):
        ag.repeat_interleave(x, ag.tensor([1.0, 2.0], device=device), dim=0)
