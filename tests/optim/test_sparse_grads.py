"""Optimizers with sparse gradients (what Embedding(sparse=True) produces): SparseAdam, SGD and
Adagrad against PyTorch, and SparseAdam on every backend against the NumPy backend."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import optim

pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks")

ROWS = [[[0, 3, 0]], [[2]], [[3, 1, 1, 4]], [[4]]]  # duplicates included: they add up


def _grads(seed=0):
    rng = np.random.default_rng(seed)
    return [(idx, rng.standard_normal((len(idx[0]), 3))) for idx in ROWS]


def _run_ag(name, kw, device, w0):
    w = ag.tensor(w0, dtype=ag.float64, device=device, requires_grad=True)
    opt = getattr(optim, name)([w], **kw)
    out = []
    for idx, vals in _grads():
        w.grad = ag.sparse_coo_tensor(idx, vals, (5, 3), dtype=ag.float64, device=device)
        opt.step()
        out.append(w.detach().cpu().numpy().copy())
    return out


CASES = [("SparseAdam", dict(lr=0.1)), ("SparseAdam", dict(lr=0.05, betas=(0.8, 0.9),
                                                            maximize=True)),
         ("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9)),
         ("Adagrad", dict(lr=0.1, lr_decay=0.01))]


@pytest.mark.parity
@pytest.mark.parametrize("name, kw", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_sparse_updates_match_torch(torch, name, kw):
    w0 = np.random.default_rng(1).standard_normal((5, 3))
    tw = torch.tensor(w0, requires_grad=True)
    topt = getattr(torch.optim, name)([tw], **kw)
    ref = []
    for idx, vals in _grads():
        tw.grad = torch.sparse_coo_tensor(idx, vals, (5, 3), dtype=torch.float64)
        topt.step()
        ref.append(tw.detach().numpy().copy())
    for got, want in zip(_run_ag(name, kw, "cpu", w0), ref, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_sparse_adam_on_every_backend_matches_numpy(device):
    w0 = np.random.default_rng(1).standard_normal((5, 3))
    for got, want in zip(_run_ag("SparseAdam", {}, device, w0), _run_ag("SparseAdam", {}, "cpu",
                                                                         w0), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_sparse_adam_leaves_untouched_rows_and_their_moments():
    w = ag.ones(4, 2, dtype=ag.float64, requires_grad=True)
    opt = optim.SparseAdam([w], lr=0.1)
    w.grad = ag.sparse_coo_tensor([[1]], [[1.0, -1.0]], (4, 2), dtype=ag.float64)
    opt.step()
    assert w[0].tolist() == [1.0, 1.0] and w[2].tolist() == [1.0, 1.0]
    assert opt.state[w]["exp_avg"][0].tolist() == [0.0, 0.0]
    np.testing.assert_allclose(w[1].tolist(), [0.9, 1.1])


def test_adagrad_sparse_with_weight_decay_raises():
    w = ag.ones(3, 2, dtype=ag.float64, requires_grad=True)
    w.grad = ag.sparse_coo_tensor([[1]], [[1.0, 1.0]], (3, 2), dtype=ag.float64)
    with pytest.raises(RuntimeError, match="weight_decay option is not compatible"):
        optim.Adagrad([w], weight_decay=0.1).step()


@pytest.mark.parity
def test_sparse_adam_trains_a_sparse_embedding_as_torch(torch):
    emb = ag.nn.Embedding(10, 3, sparse=True).double()
    temb = torch.nn.Embedding(10, 3, sparse=True).double()
    with torch.no_grad():
        temb.weight.copy_(torch.tensor(emb.weight.detach().numpy()))
    opt = optim.SparseAdam(list(emb.parameters()), lr=0.1)
    topt = torch.optim.SparseAdam(list(temb.parameters()), lr=0.1)
    for rows in ([[1, 2, 1], [4, 1, 0]], [[7, 7, 2]], [[9, 0, 3]]):
        for m, o, lib in ((emb, opt, ag), (temb, topt, torch)):
            o.zero_grad()
            (m(lib.tensor(rows)) ** 2).sum().backward()
            o.step()
        assert emb.weight.grad.is_sparse
        np.testing.assert_allclose(emb.weight.detach().numpy(), temb.weight.detach().numpy(),
                                   rtol=1e-12, atol=1e-15)
