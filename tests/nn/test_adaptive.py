"""AdaptiveLogSoftmaxWithLoss (tests for arraygrad/nn/modules/adaptive.py): PyTorch's structure,
parameter names and repr; output, loss, gradients, log_prob and predict equal to PyTorch's with
the same weights; the same results on every backend; PyTorch's argument and target errors."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from tests._gradients import make_tensor, random_array, to_numpy

TARGETS = np.array([0, 3, 9, 5, 1, 7, 2, 8])


def _pair(torch, **kw):
    """An arraygrad module and a torch module with the same float64 weights."""
    tm = torch.nn.AdaptiveLogSoftmaxWithLoss(16, 10, [3, 6], dtype=torch.float64, **kw)
    m = nn.AdaptiveLogSoftmaxWithLoss(16, 10, [3, 6], dtype=ag.float64, **kw)
    m.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return m, tm


@pytest.mark.parity
def test_structure_and_repr_match_torch(torch):
    m, tm = _pair(torch, div_value=2.0, head_bias=True)
    assert repr(m) == repr(tm)
    assert list(m.state_dict()) == list(tm.state_dict())


@pytest.mark.parity
def test_forward_loss_and_gradients_match_torch(torch):
    m, tm = _pair(torch, head_bias=True)
    x = random_array(8, 16, seed=1)
    xa, tx = make_tensor(x, "cpu", requires_grad=True), torch.tensor(x, requires_grad=True)
    out, loss = m(xa, ag.tensor(TARGETS))
    tout, tloss = tm(tx, torch.tensor(TARGETS))
    np.testing.assert_allclose(to_numpy(out), tout.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(float(loss), float(tloss.detach()), rtol=1e-12)
    (loss + out[2]).backward()
    (tloss + tout[2]).backward()
    np.testing.assert_allclose(to_numpy(xa.grad), tx.grad.numpy(), rtol=1e-10, atol=1e-14)
    grads = dict(m.named_parameters())
    for name, p in tm.named_parameters():
        np.testing.assert_allclose(to_numpy(grads[name].grad), p.grad.numpy(), rtol=1e-10,
                                   atol=1e-14, err_msg=name)


@pytest.mark.parity
def test_log_prob_and_predict_match_torch(torch):
    m, tm = _pair(torch)
    x = random_array(8, 16, seed=2) * 3
    lp = to_numpy(m.log_prob(make_tensor(x, "cpu")))
    np.testing.assert_allclose(lp, tm.log_prob(torch.tensor(x)).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(np.exp(lp).sum(1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(to_numpy(m.predict(make_tensor(x, "cpu"))),
                                  tm.predict(torch.tensor(x)).numpy())
    np.testing.assert_array_equal(to_numpy(m.predict(make_tensor(x[0], "cpu"))),
                                  tm.predict(torch.tensor(x[:1])).numpy()[0])


def test_unbatched_input_gives_a_scalar_output():
    m = nn.AdaptiveLogSoftmaxWithLoss(4, 6, [2])
    out, loss = m(ag.randn(4), ag.tensor(5))
    assert tuple(out.shape) == () and tuple(loss.shape) == ()
    np.testing.assert_allclose(float(out), -float(loss), rtol=1e-6)
    assert tuple(m.log_prob(ag.randn(4)).shape) == (6,)


def test_same_results_on_every_backend(eager_device):
    """NumPy and array-api-strict agree (on Dask it works too, but each cluster's row selection
    computes the graph, which costs seconds per call)."""
    def run(dev):
        ag.manual_seed(4)
        m = nn.AdaptiveLogSoftmaxWithLoss(16, 10, [3, 6], dtype=ag.float64).to(dev)
        x = make_tensor(random_array(8, 16, seed=3), dev, requires_grad=True)
        out, loss = m(x, ag.tensor(TARGETS, device=dev))
        loss.backward()
        return to_numpy(ag.cat([out.detach(), x.grad.reshape(-1), m.head.weight.grad.reshape(-1),
                                m.log_prob(x.detach()).reshape(-1)]))
    np.testing.assert_allclose(run(eager_device), run("cpu"), rtol=1e-10, atol=1e-12)


def test_errors():
    with pytest.raises(ValueError, match="cutoffs should be a sequence of length larger than 0"):
        nn.AdaptiveLogSoftmaxWithLoss(4, 10, [])
    with pytest.raises(ValueError, match="unique, positive integers sorted"):
        nn.AdaptiveLogSoftmaxWithLoss(4, 10, [5, 3])
    with pytest.raises(ValueError, match="unique, positive integers sorted"):
        nn.AdaptiveLogSoftmaxWithLoss(4, 10, [3, 10])
    m = nn.AdaptiveLogSoftmaxWithLoss(4, 10, [3])
    with pytest.raises(RuntimeError, match=r"Target values should be in \[0, 9\]"):
        m(ag.randn(2, 4), ag.tensor([1, 10]))
    with pytest.raises(RuntimeError, match="same size in the batch dimension"):
        m(ag.randn(3, 4), ag.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="0D or 1D target tensor expected"):
        m(ag.randn(3, 4), ag.zeros(3, 1, dtype=ag.int64))
