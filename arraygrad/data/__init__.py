"""Data loading (PyTorch's `torch.utils.data`, also reachable as `arraygrad.utils.data`):
datasets, samplers, `default_collate`, the `DataLoader` with worker processes and `device=`,
`transforms`, `datasets` (MNIST, FashionMNIST) and `chunked` (out-of-core datasets)."""

from __future__ import annotations

from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset,
                      TensorDataset, random_split)
from ._worker import WorkerInfo, get_worker_info
from . import chunked, datasets, transforms
from .sampler import (BatchSampler, DistributedSampler, RandomSampler, Sampler,
                      SequentialSampler, SubsetRandomSampler, WeightedRandomSampler)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset",
           "ChainDataset", "Subset", "random_split", "Sampler", "SequentialSampler",
           "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler",
           "DistributedSampler", "default_collate", "default_convert", "DataLoader",
           "get_worker_info", "WorkerInfo", "transforms", "datasets", "chunked"]
