"""Samplers: orders, reproducibility from a generator, argument errors, DistributedSampler's
padding and trimming (parity with PyTorch's counts and layout)."""

import pytest

import arraygrad as ag
from arraygrad.data import (BatchSampler, DistributedSampler, RandomSampler, SequentialSampler,
                            SubsetRandomSampler, WeightedRandomSampler)


def test_sequential():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]


def test_random_sampler_is_a_permutation_reproducible_from_the_generator():
    a = list(RandomSampler(range(20), generator=ag.Generator().manual_seed(3)))
    b = list(RandomSampler(range(20), generator=ag.Generator().manual_seed(3)))
    assert a == b and sorted(a) == list(range(20)) and a != list(range(20))


def test_random_sampler_without_generator_follows_manual_seed():
    ag.manual_seed(5)
    a = list(RandomSampler(range(10)))
    ag.manual_seed(5)
    assert list(RandomSampler(range(10))) == a


def test_random_sampler_num_samples_and_replacement():
    s = RandomSampler(range(5), num_samples=12)
    out = list(s)
    assert len(s) == 12 and len(out) == 12 and sorted(out[:10]) == sorted(list(range(5)) * 2)
    r = list(RandomSampler(range(3), replacement=True, num_samples=70))
    assert len(r) == 70 and set(r) == {0, 1, 2}


def test_random_sampler_argument_errors():
    with pytest.raises(TypeError, match="replacement should be a boolean value"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but "
                                         "got num_samples=0"):
        RandomSampler(range(3), num_samples=0)


def test_subset_random_sampler():
    out = list(SubsetRandomSampler([10, 20, 30]))
    assert sorted(out) == [10, 20, 30]


def test_weighted_sampler_follows_the_weights():
    w = [0.0, 1.0, 3.0]
    s = WeightedRandomSampler(w, 4000, generator=ag.Generator().manual_seed(0))
    out = list(s)
    assert 0 not in out and abs(out.count(2) / 4000 - 0.75) < 0.03
    no_rep = list(WeightedRandomSampler([1.0, 1.0, 0.0, 5.0], 3, replacement=False))
    assert sorted(no_rep) == [0, 1, 3]
    with pytest.raises(RuntimeError, match="cannot draw 4 samples without replacement"):
        WeightedRandomSampler([1.0, 1.0, 0.0], 4, replacement=False)
    with pytest.raises(ValueError, match="1d sequence"):
        WeightedRandomSampler(ag.ones(2, 2), 2)


def test_batch_sampler_and_errors():
    assert list(BatchSampler(range(7), 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, False)) == 3 and len(BatchSampler(range(7), 3, True)) == 2
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got "
                                         "batch_size=0"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(TypeError, match="drop_last should be a boolean value"):
        BatchSampler(range(3), 2, "no")


def test_distributed_sampler_matches_pytorch_without_shuffle(torch):
    from torch.utils.data import DistributedSampler as TDS

    for n, reps, drop in [(10, 3, False), (10, 3, True), (2, 5, False), (12, 4, False)]:
        for rank in range(reps):
            ours = DistributedSampler(range(n), reps, rank, shuffle=False, drop_last=drop)
            theirs = TDS(range(n), reps, rank, shuffle=False, drop_last=drop)
            assert list(ours) == list(theirs) and len(ours) == len(theirs)


def test_distributed_sampler_shuffles_per_epoch_and_partitions():
    shards = [DistributedSampler(range(9), 3, r, seed=7) for r in range(3)]
    first = [list(s) for s in shards]
    assert sorted(sum(first, [])) == list(range(9))
    for s in shards:
        s.set_epoch(1)
    assert [list(s) for s in shards] != first
    assert [list(s) for s in shards] == [list(s) for s in shards]
    with pytest.raises(ValueError, match=r"invalid rank 3, rank should be in the interval "
                                         r"\[0, 2\]"):
        DistributedSampler(range(9), 3, 3)
