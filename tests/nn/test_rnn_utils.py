"""nn.utils.rnn: packing and padding against torch (values, batch sizes, permutations, gradients),
PyTorch's errors, and the same results on every backend."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.nn.utils import rnn
from tests._gradients import random_array, to_numpy


@pytest.mark.parity
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted", [False, True])
def test_pack_and_pad_round_trip_match_torch(torch, batch_first, enforce_sorted):
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    x = random_array(*((4, 5, 2) if batch_first else (5, 4, 2)))
    xt, xa = torch.tensor(x, requires_grad=True), ag.tensor(x, requires_grad=True)
    pt = torch.nn.utils.rnn.pack_padded_sequence(xt, lengths, batch_first, enforce_sorted)
    pa = rnn.pack_padded_sequence(xa, ag.tensor(lengths), batch_first, enforce_sorted)
    np.testing.assert_array_equal(to_numpy(pa.data), pt.data.detach().numpy())
    assert pa.batch_sizes.tolist() == pt.batch_sizes.tolist()
    assert pa.batch_sizes.dtype == ag.int64 and pa.batch_sizes.device.type == "cpu"
    for a, t in ((pa.sorted_indices, pt.sorted_indices),
                 (pa.unsorted_indices, pt.unsorted_indices)):
        assert (a is None) == (t is None)
        if a is not None:
            assert a.tolist() == t.tolist()
    ot, lt = torch.nn.utils.rnn.pad_packed_sequence(pt, batch_first, padding_value=-1.0,
                                                    total_length=6)
    oa, la = rnn.pad_packed_sequence(pa, batch_first, padding_value=-1.0, total_length=6)
    np.testing.assert_array_equal(to_numpy(oa), ot.detach().numpy())
    assert la.tolist() == lt.tolist()
    w = random_array(*ot.shape, seed=1)
    (ot * torch.tensor(w)).sum().backward()
    (oa * ag.tensor(w)).sum().backward()
    np.testing.assert_array_equal(to_numpy(xa.grad), xt.grad.numpy())


@pytest.mark.parity
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_matches_torch(torch, batch_first, side):
    seqs = [random_array(n, 3, seed=n) for n in (2, 4, 1)]
    want = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first, 7.0,
                                           side)
    ins = [ag.tensor(s, requires_grad=True) for s in seqs]
    got = rnn.pad_sequence(ins, batch_first, 7.0, side)
    np.testing.assert_array_equal(to_numpy(got), want.numpy())
    got.sum().backward()
    for t, s in zip(ins, seqs, strict=True):
        np.testing.assert_array_equal(to_numpy(t.grad), np.ones_like(s))


@pytest.mark.parity
def test_pack_sequence_and_unpack_sequence_match_torch(torch):
    seqs = [random_array(n, 2, seed=n) for n in (2, 4, 3)]
    pt = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    pa = rnn.pack_sequence([ag.tensor(s) for s in seqs], enforce_sorted=False)
    np.testing.assert_array_equal(to_numpy(pa.data), pt.data.numpy())
    back = rnn.unpack_sequence(pa)
    assert len(back) == 3
    for b, s in zip(back, seqs, strict=True):
        np.testing.assert_array_equal(to_numpy(b), s)
    padded = rnn.pad_sequence([ag.tensor(s) for s in seqs])
    for b, s in zip(rnn.unpad_sequence(padded, [2, 4, 3]), seqs, strict=True):
        np.testing.assert_array_equal(to_numpy(b), s)


def test_packing_errors_are_pytorchs():
    x = ag.zeros(4, 3, 2)
    with pytest.raises(RuntimeError, match="`lengths` array must be sorted in decreasing order"):
        rnn.pack_padded_sequence(x, [2, 4, 1])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        rnn.pack_padded_sequence(x, [4, 2, 0])
    with pytest.raises(RuntimeError, match="Expected `len\\(lengths\\)` to be equal to batch_size"):
        rnn.pack_padded_sequence(x, [4, 2])
    p = rnn.pack_padded_sequence(x, [4, 2, 1])
    with pytest.raises(ValueError, match="Expected total_length to be at least the length of the "
                                         "longest sequence in input, but got total_length=3"):
        rnn.pad_packed_sequence(p, total_length=3)


def test_packed_sequence_is_a_named_tuple_that_moves():
    p = rnn.pack_sequence([ag.ones(3, 2), ag.ones(1, 2)])
    data, sizes, s, u = p
    assert data is p.data and sizes.tolist() == [2, 1, 1] and s is None and u is None
    q = p.to(ag.float64)
    assert q.data.dtype == ag.float64 and q.batch_sizes is p.batch_sizes
    assert not p.is_cuda


def test_same_results_on_every_device(device):
    lengths = [2, 4, 3]
    x = random_array(4, 3, 2)
    got = []
    for dev in ("cpu", device):
        xa = ag.tensor(x, device=dev, requires_grad=True)
        p = rnn.pack_padded_sequence(xa, lengths, enforce_sorted=False)
        out, lens = rnn.pad_packed_sequence(p, batch_first=True)
        (out * out).sum().backward()
        assert lens.tolist() == lengths
        got.append((to_numpy(p.data), to_numpy(out), to_numpy(xa.grad)))
    for a, b in zip(*got, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-12)
