"""Datasets (PyTorch's `torch.utils.data.dataset`): the map-style `Dataset` and the iterable-style
`IterableDataset`, the tensor, concatenating, chaining, stacking and subset wrappers, and
`random_split`."""

from __future__ import annotations

import bisect
import math
import warnings
from itertools import accumulate

from ..core.random import Generator, default_generator
from ..core.tensor import Tensor

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset",
           "ChainDataset", "Subset", "random_split"]


def _check_index(op: str, index, n: int) -> int:
    """index as a non-negative int below n (negative indices count from the end); IndexError
    names the dataset, the index and its length."""
    i = int(index)
    if i < -n or i >= n:
        raise IndexError(f"{op}: index {i} is out of range for a dataset of {n} samples")
    return i + n if i < 0 else i


class Dataset:
    """A map-style dataset (PyTorch's `Dataset`): `__getitem__(index)` gives one sample; `a + b`
    concatenates. Subclasses implement `__getitem__` and usually `__len__`."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} does not implement __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """An iterable-style dataset (PyTorch's `IterableDataset`): `__iter__` yields samples; in
    worker processes each worker iterates its own copy (shard it with `get_worker_info()`)."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement __iter__")

    def __add__(self, other: Dataset) -> ChainDataset:
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the i-th rows of each tensor (PyTorch's `TensorDataset`); all tensors must have
    the same size in their first dimension."""

    def __init__(self, *tensors: Tensor):
        sizes = [t.shape[0] if t.ndim else None for t in tensors]
        if any(s != sizes[0] for s in sizes) or None in sizes:
            raise ValueError(f"TensorDataset(): size mismatch between tensors: every tensor needs "
                             f"the same first dimension, got shapes "
                             f"{[tuple(t.shape) for t in tensors]}")
        self.tensors = tensors

    def __getitem__(self, index):
        if isinstance(index, int):
            index = _check_index("TensorDataset", index, len(self))
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0] if self.tensors else 0


class StackDataset(Dataset):
    """Samples assembled from several datasets of one length (PyTorch's `StackDataset`): positional
    datasets give tuples, keyword datasets give dicts."""

    def __init__(self, *args: Dataset, **kwargs: Dataset):
        if args and kwargs:
            raise ValueError("StackDataset(): supported either tuple-like (*args) or dict-like "
                             "(**kwargs) input/output, but both types are given")
        self.datasets = args if args else kwargs
        parts = list(args) if args else list(kwargs.values())
        if not parts:
            raise ValueError("StackDataset(): at least one dataset should be passed")
        self._length = len(parts[0])
        if any(len(d) != self._length for d in parts):
            raise ValueError(f"StackDataset(): size mismatch between datasets: lengths "
                             f"{[len(d) for d in parts]}")

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset):
    """The datasets one after the other (PyTorch's `ConcatDataset`); `cumulative_sizes` holds the
    running lengths used to find which dataset an index falls in."""

    @staticmethod
    def cumsum(sequence):
        return list(accumulate(len(e) for e in sequence))

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset(): datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset() does not support IterableDataset (use "
                                "ChainDataset)")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        idx = _check_index("ConcatDataset", idx, len(self))
        d = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[d - 1] if d > 0 else 0
        return self.datasets[d][idx - start]


class ChainDataset(IterableDataset):
    """Iterable datasets chained one after the other (PyTorch's `ChainDataset`)."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got "
                                f"{type(d).__name__}")
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order (PyTorch's `Subset`)."""

    def __init__(self, dataset: Dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list) -> list:
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)


def _split_lengths(n: int, lengths) -> list[int]:
    """Fractions that sum to 1 become counts: floor of each, then the remainder handed out one by
    one from the first split on (PyTorch's rule)."""
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"random_split(): fraction at index {i} is not between 0 and 1 "
                                 f"(got {frac})")
            counts.append(int(math.floor(n * frac)))
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, c in enumerate(counts):
            if c == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an "
                              f"empty dataset.", stacklevel=3)
        return counts
    return [int(c) for c in lengths]


def random_split(dataset: Dataset, lengths, generator: Generator | None = default_generator):
    """Splits `dataset` into non-overlapping random `Subset`s of the given lengths or fractions
    (PyTorch's `random_split`); the permutation is drawn from `generator` on the host."""
    n = len(dataset)
    counts = _split_lengths(n, lengths)
    if sum(counts) != n:
        raise ValueError(f"random_split(): sum of input lengths ({sum(counts)}) does not equal "
                         f"the length of the input dataset ({n})")
    gen = generator if generator is not None else default_generator
    perm = gen._permutation(n, "int64").tolist()
    return [Subset(dataset, perm[end - c:end]) for end, c in zip(accumulate(counts), counts,
                                                                 strict=True)]
