"""Sparse COO tensors (core/sparse.py) and sparse gradient accumulation in the engine."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.core.graph import record
from arraygrad.core.sparse import _coo

pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks")

IDX = [[2, 0, 2, 1, 0]]
VAL = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0], [9.0, 10.0]]


def _np(t):
    return np.asarray(t.detach().cpu().numpy())


def _dense_ref(idx, val, size):
    out = np.zeros(size)
    for j in range(len(val)):
        out[tuple(int(i[j]) for i in idx)] += np.asarray(val[j])
    return out


def test_sparse_coo_tensor_attributes():
    s = ag.sparse_coo_tensor(IDX, VAL, (4, 2), dtype=ag.float64)
    assert s.is_sparse and s.layout is ag.sparse_coo
    assert not ag.zeros(2).is_sparse and ag.zeros(2).layout is ag.strided
    assert s.shape == (4, 2) and s.size() == (4, 2) and s.size(0) == 4
    assert s.dtype is ag.float64 and s.device == ag.device("cpu")
    assert s._nnz() == 5 and s.sparse_dim() == 1 and s.dense_dim() == 1
    assert not s.is_coalesced()
    assert s._indices().tolist() == IDX and s._values().tolist() == VAL
    assert isinstance(s, ag.Tensor)


def test_indices_of_uncoalesced_raises_as_torch():
    s = ag.sparse_coo_tensor(IDX, VAL, (4, 2))
    with pytest.raises(RuntimeError, match="uncoalesced"):
        s.indices()
    with pytest.raises(RuntimeError, match="uncoalesced"):
        s.values()


def test_size_is_inferred_from_indices():
    s = ag.sparse_coo_tensor([[0, 3], [1, 0]], [1.0, 2.0])
    assert s.shape == (4, 2)


def test_nnz_below_two_is_coalesced(torch):
    one = ag.sparse_coo_tensor([[1]], [1.0], (3,))
    two = ag.sparse_coo_tensor([[1, 0]], [1.0, 2.0], (3,))
    assert one.is_coalesced() == torch.sparse_coo_tensor([[1]], [1.0], (3,)).is_coalesced()
    assert two.is_coalesced() is False


@pytest.mark.parametrize("bad, match", [
    (dict(indices=[[0, 1]], values=[1.0]), "same nnz"),
    (dict(indices=[0, 1], values=[1.0, 2.0]), "sparse_dim x nnz"),
    (dict(indices=[[0.0, 1.0]], values=[1.0, 2.0]), "int64"),
    (dict(indices=[[0, 1]], values=[[1.0], [2.0]], size=(3, 3)), "dense dimensions"),
    (dict(indices=[[0, 1]], values=[1.0, 2.0], size=(3, 3, 1)), "sparse_dim"),
])
def test_invalid_arguments_raise(bad, match):
    with pytest.raises(RuntimeError, match=match):
        ag.sparse_coo_tensor(**bad)


def test_to_dense_sums_duplicates(device):
    s = ag.sparse_coo_tensor(IDX, VAL, (4, 2), dtype=ag.float64, device=device)
    d = s.to_dense()
    assert d.device == ag.device(device) and not d.is_sparse
    np.testing.assert_allclose(_np(d), _dense_ref(IDX, VAL, (4, 2)))


@pytest.mark.parity
def test_coalesce_matches_torch(device, torch):
    idx = [[1, 0, 1, 2, 0, 1], [2, 1, 2, 0, 1, 0]]
    val = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    s = ag.sparse_coo_tensor(idx, val, (3, 3), dtype=ag.float64, device=device).coalesce()
    ref = torch.sparse_coo_tensor(idx, val, (3, 3), dtype=torch.float64).coalesce()
    assert s.is_coalesced()
    assert _np(s.indices()).tolist() == ref.indices().tolist()
    np.testing.assert_allclose(_np(s.values()), ref.values().numpy())
    assert s.coalesce() is s


@pytest.mark.parity
def test_coalesce_hybrid_matches_torch(torch):
    s = ag.sparse_coo_tensor(IDX, VAL, (4, 2), dtype=ag.float64).coalesce()
    ref = torch.sparse_coo_tensor(IDX, VAL, (4, 2), dtype=torch.float64).coalesce()
    assert s.indices().tolist() == ref.indices().tolist()
    np.testing.assert_array_equal(s.values().numpy(), ref.values().numpy())


def test_coalesce_of_empty():
    s = ag.sparse_coo_tensor(ag.zeros((1, 0), dtype=ag.int64), ag.zeros((0, 2)), (4, 2))
    c = s.coalesce()
    assert c._nnz() == 0 and c.to_dense().tolist() == [[0.0, 0.0]] * 4


def test_add_sparse_concatenates_and_dense_densifies(device):
    s = ag.sparse_coo_tensor(IDX, VAL, (4, 2), dtype=ag.float64, device=device)
    both = s + s
    assert both.is_sparse and both._nnz() == 10
    np.testing.assert_allclose(_np(both.to_dense()), 2 * _dense_ref(IDX, VAL, (4, 2)))
    dense = ag.ones((4, 2), dtype=ag.float64, device=device)
    out = s.add(dense)
    assert not out.is_sparse
    np.testing.assert_allclose(_np(out), _dense_ref(IDX, VAL, (4, 2)) + 1)


def test_mul_scales_values_and_mul_inplace():
    s = ag.sparse_coo_tensor(IDX, VAL, (4, 2), dtype=ag.float64)
    np.testing.assert_allclose((2 * s).to_dense().numpy(), 2 * _dense_ref(IDX, VAL, (4, 2)))
    np.testing.assert_allclose((-s).to_dense().numpy(), -_dense_ref(IDX, VAL, (4, 2)))
    v = s._version
    assert s.mul_(0.5) is s and s._version == v + 1
    np.testing.assert_allclose(s.to_dense().numpy(), 0.5 * _dense_ref(IDX, VAL, (4, 2)))


def test_data_detach_and_casts_stay_sparse():
    s = ag.sparse_coo_tensor(IDX, VAL, (4, 2))
    for t in (s.data, s.detach(), s.double(), s.cpu(), s.to("array_api_strict")):
        assert t.is_sparse and t._nnz() == 5
    assert s.double().dtype is ag.float64
    assert s.to("array_api_strict").device == ag.device("array_api_strict")


def test_zero_and_clone():
    s = ag.sparse_coo_tensor(IDX, VAL, (4, 2))
    c = s.clone()
    s.zero_()
    assert s._nnz() == 0 and c._nnz() == 5
    assert s.to_dense().tolist() == [[0.0, 0.0]] * 4


def test_dense_conversion_raises_clearly():
    s = ag.sparse_coo_tensor(IDX, VAL, (4, 2))
    with pytest.raises(RuntimeError, match="to_dense"):
        s.numpy()
    with pytest.raises(TypeError, match="to_dense"):
        np.asarray(s)


# ---- the engine: an embedding-like lookup whose backward gives a sparse gradient ----------------
def _lookup_bw(K, n, s, g):
    (rows,) = s
    idx = K.reshape(rows, (1, rows.shape[0]))
    return (_coo(idx, g, n.ctx, n.dev),)


def _lookup(weight, rows):
    """weight[rows] with a sparse gradient for weight (what Embedding(sparse=True) records)."""
    dev = weight._dev
    out = dev.xp.take(weight._data, rows._data, axis=0)
    return record(dev, out, "LookupBackward0", _lookup_bw, (weight,), (rows._data,),
                  ctx=tuple(weight.shape))


def _weight(device):
    return ag.arange(8, dtype=ag.float64, device=device).reshape(4, 2).requires_grad_()


def test_backward_gives_sparse_grad_and_accumulates_by_concatenation(device):
    w = _weight(device)
    rows = ag.tensor([2, 0, 2], device=device)
    (_lookup(w, rows) * 3.0).sum().backward()
    assert w.grad.is_sparse and w.grad._nnz() == 3
    _lookup(w, ag.tensor([1], device=device)).sum().backward()
    assert w.grad.is_sparse and w.grad._nnz() == 4
    ref = _dense_ref([[2, 0, 2]], [[3.0, 3.0]] * 3, (4, 2)) + _dense_ref([[1]], [[1.0, 1.0]],
                                                                         (4, 2))
    np.testing.assert_allclose(_np(w.grad.to_dense()), ref)


def test_sparse_and_dense_gradients_sum_to_dense(device):
    w = _weight(device)
    rows = ag.tensor([3, 3], device=device)
    (_lookup(w, rows).sum() + (w * 2.0).sum()).backward()  # both in one backward pass
    assert not w.grad.is_sparse
    np.testing.assert_allclose(_np(w.grad), _dense_ref([[3, 3]], [[1.0, 1.0]] * 2, (4, 2)) + 2)
    _lookup(w, rows).sum().backward()  # sparse into an existing dense grad
    assert not w.grad.is_sparse
    ref = _dense_ref([[3, 3, 3, 3]], [[1.0, 1.0]] * 4, (4, 2)) + 2
    np.testing.assert_allclose(_np(w.grad), ref)


def test_dense_gradient_into_sparse_grad_gives_dense():
    w = _weight("cpu")
    _lookup(w, ag.tensor([0])).sum().backward()
    (w * 1.0).sum().backward()
    assert not w.grad.is_sparse
    np.testing.assert_allclose(w.grad.numpy(), _dense_ref([[0]], [[1.0, 1.0]], (4, 2)) + 1)
