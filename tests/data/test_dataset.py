"""Datasets: TensorDataset, Concat/Chain/Stack datasets, Subset and random_split."""

import pytest

import arraygrad as ag
from arraygrad.data import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset,
                            Subset, TensorDataset, random_split)


class _Range(Dataset):
    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi

    def __getitem__(self, i):
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self.lo + i

    def __len__(self):
        return self.hi - self.lo


class _Stream(IterableDataset):
    def __init__(self, items):
        self.items = items

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


def test_tensor_dataset_rows_on_every_device(device):
    x = ag.arange(12, device=device).reshape(6, 2)
    y = ag.arange(6, device=device)
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    xi, yi = ds[4]
    assert xi.tolist() == [8, 9] and yi.item() == 4 and xi.device == ag.device(device)
    assert ds[-1][1].item() == 5


def test_tensor_dataset_size_mismatch_names_the_shapes():
    with pytest.raises(ValueError, match=r"size mismatch.*\(5, 2\), \(4,\)"):
        TensorDataset(ag.zeros(5, 2), ag.zeros(4))


def test_tensor_dataset_index_out_of_range():
    with pytest.raises(IndexError, match="index 7 is out of range for a dataset of 3"):
        TensorDataset(ag.zeros(3))[7]


def test_concat_dataset_and_add():
    ds = _Range(0, 3) + _Range(10, 12)
    assert isinstance(ds, ConcatDataset)
    assert [ds[i] for i in range(len(ds))] == [0, 1, 2, 10, 11]
    assert ds[-1] == 11 and ds.cumulative_sizes == [3, 5]
    with pytest.raises(IndexError, match="index 5 is out of range for a dataset of 5"):
        ds[5]
    with pytest.raises(ValueError, match="empty"):
        ConcatDataset([])
    with pytest.raises(TypeError, match="IterableDataset"):
        ConcatDataset([_Stream([1])])


def test_chain_dataset_and_add():
    ds = _Stream([1, 2]) + _Stream([3])
    assert isinstance(ds, ChainDataset) and list(ds) == [1, 2, 3] and len(ds) == 3
    with pytest.raises(TypeError, match="only supports IterableDataset"):
        list(ChainDataset([_Range(0, 2)]))


def test_stack_dataset_tuples_and_dicts():
    a, b = _Range(0, 3), _Range(5, 8)
    assert StackDataset(a, b)[1] == (1, 6)
    assert StackDataset(x=a, y=b)[2] == {"x": 2, "y": 7}
    with pytest.raises(ValueError, match="size mismatch"):
        StackDataset(a, _Range(0, 1))


def test_subset_and_getitems():
    s = Subset(_Range(100, 110), [5, 0, 9])
    assert len(s) == 3 and [s[i] for i in range(3)] == [105, 100, 109]
    assert s.__getitems__([2, 0]) == [109, 105]


def test_random_split_lengths_partition_the_dataset():
    parts = random_split(_Range(0, 10), [3, 7], generator=ag.Generator().manual_seed(1))
    got = [[p[i] for i in range(len(p))] for p in parts]
    assert [len(g) for g in got] == [3, 7] and sorted(got[0] + got[1]) == list(range(10))
    again = random_split(_Range(0, 10), [3, 7], generator=ag.Generator().manual_seed(1))
    assert [list(p.indices) for p in again] == [list(p.indices) for p in parts]


def test_random_split_fractions_distribute_the_remainder_as_pytorch(torch):
    for n, fr in [(10, [0.33, 0.33, 0.34]), (7, [0.5, 0.5]), (11, [0.1, 0.2, 0.7])]:
        ours = [len(p) for p in random_split(_Range(0, n), fr)]
        theirs = [len(p) for p in torch.utils.data.random_split(range(n), fr)]
        assert ours == theirs


def test_random_split_bad_lengths():
    with pytest.raises(ValueError, match=r"sum of input lengths \(9\) does not equal .* \(10\)"):
        random_split(_Range(0, 10), [4, 5])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(_Range(0, 2), [1.0, 0.0])
