"""Fetchers (PyTorch's `torch.utils.data._utils.fetch`): turn one entry of the index sampler into
a batch, for map-style datasets (indices) and iterable ones (the next samples)."""

from __future__ import annotations

from .collate import default_collate
from .dataset import Subset, TensorDataset

__all__ = ["create_fetcher"]


class _MapFetcher:
    """dataset[i] for each index (or `__getitems__` when the dataset has it), then collate."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn
        getitems = getattr(dataset, "__getitems__", None)
        self._getitems = getitems if callable(getitems) else None
        # a TensorDataset with the default collate: index each tensor once with the whole batch
        # (what stacking the rows would give, without a Python loop over samples)
        # (also through Subsets of one, as random_split makes)
        self._fast = None
        if auto_collation and collate_fn is default_collate:
            base, maps = dataset, []
            while type(base) is Subset:
                maps.append(base.indices)
                base = base.dataset
            if type(base) is TensorDataset:
                self._fast = (base, maps)

    def fetch(self, index):
        if self._fast is not None:
            from ..core.creation import tensor

            base, maps = self._fast
            index = list(index)
            for m in maps:  # the outermost Subset's indices apply first
                index = [m[i] for i in index]
            n = len(base)
            for i in index:
                if i >= n or i < -n:
                    raise IndexError(f"TensorDataset: index {i} is out of range for a dataset "
                                     f"of {n} samples")
            return [t[tensor(index, device=t.device)] for t in base.tensors]
        if self.auto_collation:
            if self._getitems is not None:
                data = self._getitems(index)
            else:
                data = [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


class _IterableFetcher:
    """The next batch_size samples of the dataset's iterator; StopIteration when none remain (or,
    with drop_last, fewer than a full batch)."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn
        self.drop_last = drop_last
        self.dataset_iter = iter(dataset)
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if self.auto_collation:
            data = []
            for _ in index:
                try:
                    data.append(next(self.dataset_iter))
                except StopIteration:
                    self.ended = True
                    break
            if not data or (self.drop_last and len(data) < len(index)):
                raise StopIteration
        else:
            data = next(self.dataset_iter)
        return self.collate_fn(data)


def create_fetcher(kind: str, dataset, auto_collation: bool, collate_fn, drop_last: bool):
    """The fetcher for a dataset kind ("map" or "iterable")."""
    cls = _MapFetcher if kind == "map" else _IterableFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)
