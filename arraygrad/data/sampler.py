"""Samplers (PyTorch's `torch.utils.data.sampler` and `DistributedSampler`): the order in which a
loader visits a map-style dataset. Random orders are drawn on the host from an arraygrad
`Generator`, so a seed gives the same order whatever backend the data lives on."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

from ..core.random import Generator, default_generator

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler", "DistributedSampler"]


def _seed_from(generator: Generator | None) -> int:
    """A fresh 63-bit seed drawn from generator (the default generator when None), as PyTorch
    draws `torch.empty((), dtype=torch.int64).random_()`."""
    gen = generator if generator is not None else default_generator
    return int(gen._integers(0, (1 << 63) - 1, (), "int64"))


def _generator(generator: Generator | None) -> Generator:
    """generator, or a new one seeded from the default generator (PyTorch's samplers do this per
    epoch when given none)."""
    if generator is not None:
        return generator
    return Generator().manual_seed(_seed_from(None))


def _check_positive_int(op: str, name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{op}: {name} should be a positive integer value, but got "
                         f"{name}={value!r}")


def _check_bool(op: str, name: str, value) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{op}: {name} should be a boolean value, but got {name}={value!r}")


class Sampler:
    """Base class (PyTorch's `Sampler`): `__iter__` yields dataset indices (or lists of them for a
    batch sampler); `__len__` is optional."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self) -> Iterator:
        raise NotImplementedError(f"{type(self).__name__} does not implement __iter__")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1 (PyTorch's `SequentialSampler`)."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the indices, or `num_samples` draws with replacement (PyTorch's
    `RandomSampler`); without a generator, each epoch seeds a new one from the default generator."""

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None,
                 generator: Generator | None = None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        _check_bool("RandomSampler()", "replacement", replacement)
        _check_positive_int("RandomSampler()", "num_samples", self.num_samples)

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        gen = _generator(self.generator)
        if self.replacement:
            for _ in range(self.num_samples // 32):
                yield from gen._integers(0, n, (32,), "int64").tolist()
            yield from gen._integers(0, n, (self.num_samples % 32,), "int64").tolist()
            return
        for _ in range(self.num_samples // n):
            yield from gen._permutation(n, "int64").tolist()
        yield from gen._permutation(n, "int64").tolist()[:self.num_samples % n]

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order (PyTorch's `SubsetRandomSampler`)."""

    def __init__(self, indices: Sequence[int], generator: Generator | None = None):
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        gen = self.generator if self.generator is not None else default_generator
        for i in gen._permutation(len(self.indices), "int64").tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` indices drawn with probabilities proportional to `weights` (PyTorch's
    `WeightedRandomSampler`, i.e. `multinomial`); drawn on the host by inverse CDF (with
    replacement) or exponential race keys (without)."""

    def __init__(self, weights, num_samples: int, replacement: bool = True,
                 generator: Generator | None = None):
        _check_positive_int("WeightedRandomSampler()", "num_samples", num_samples)
        _check_bool("WeightedRandomSampler()", "replacement", replacement)
        vals = weights.tolist() if hasattr(weights, "tolist") else list(weights)
        if any(isinstance(x, (list, tuple)) for x in vals):
            raise ValueError(f"WeightedRandomSampler(): weights should be a 1d sequence, but "
                             f"given weights have shape {tuple(getattr(weights, 'shape', ()))}"
                             f" ({len(vals)} rows of sequences)")
        w = [float(x) for x in vals]
        if any(x < 0 or math.isnan(x) or math.isinf(x) for x in w) or sum(w) <= 0:
            raise RuntimeError("WeightedRandomSampler(): weights must be finite, non-negative and "
                               f"not all zero (got {w[:10]}{' ...' if len(w) > 10 else ''})")
        if not replacement and num_samples > sum(1 for x in w if x > 0):
            raise RuntimeError(f"WeightedRandomSampler(): cannot draw {num_samples} samples "
                               f"without replacement from {sum(1 for x in w if x > 0)} "
                               f"non-zero weights")
        self.weights = w
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        gen = self.generator if self.generator is not None else default_generator
        total = sum(self.weights)
        if self.replacement:
            cdf = list(_running_sum([x / total for x in self.weights]))
            u = gen._uniform((self.num_samples,), "float64").tolist()
            last = len(cdf) - 1
            from bisect import bisect_right

            return iter([min(bisect_right(cdf, x), last) for x in u])
        # keys e / w: the smallest num_samples keys are a weighted draw without replacement
        e = gen._exponential((len(self.weights),), "float64", 1.0).tolist()
        keys = [(ei / wi if wi > 0 else math.inf, i) for i, (ei, wi) in
                enumerate(zip(e, self.weights, strict=True))]
        return iter([i for _, i in sorted(keys)[:self.num_samples]])

    def __len__(self) -> int:
        return self.num_samples


def _running_sum(values):
    s = 0.0
    for v in values:
        s += v
        yield s


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of `batch_size` (PyTorch's `BatchSampler`); the
    last short batch is dropped when `drop_last`."""

    def __init__(self, sampler, batch_size: int, drop_last: bool):
        _check_positive_int("BatchSampler()", "batch_size", batch_size)
        _check_bool("BatchSampler()", "drop_last", drop_last)
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch = []
        for idx in self.sampler:
            batch.append(idx)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


class DistributedSampler(Sampler):
    """The share of a dataset that replica `rank` of `num_replicas` reads (PyTorch's
    `DistributedSampler`): shuffled per epoch from `seed + epoch` (call `set_epoch`), padded by
    repeating indices or trimmed (`drop_last`) so every replica gets as many. arraygrad has no
    process group: `num_replicas` defaults to 1 and `rank` to 0."""

    def __init__(self, dataset, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False):
        num_replicas = 1 if num_replicas is None else num_replicas
        rank = 0 if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"DistributedSampler(): invalid rank {rank}, rank should be in the "
                             f"interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            g = Generator().manual_seed(self.seed + self.epoch)
            indices = g._permutation(n, "int64").tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad <= len(indices):
                indices += indices[:pad]
            else:
                indices += (indices * math.ceil(pad / len(indices)))[:pad]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Sets the epoch, which (with `seed`) decides the shuffle: call before each epoch."""
        self.epoch = epoch
