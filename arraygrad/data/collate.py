"""Turning a list of samples into a batch (PyTorch's `default_collate` / `default_convert`):
tensors and NumPy arrays are stacked, numbers become 1-D tensors, strings stay lists, and tuples,
lists, namedtuples and dicts are collated field by field. An error names the field and the shapes
that could not be stacked."""

from __future__ import annotations

import collections.abc
from collections.abc import Mapping, Sequence

from ..core import dtypes as _dt
from ..core.creation import as_tensor, tensor
from ..core.ops.joining import cat, stack
from ..core.tensor import Tensor

__all__ = ["default_collate", "default_convert"]

_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        "found {}")


def _is_host_array(x) -> bool:
    """A NumPy ndarray or scalar, recognised without importing NumPy (data/ stays generic)."""
    return type(x).__module__ == "numpy" and hasattr(x, "dtype")


def _where(path: str) -> str:
    return f" at field {path}" if path else ""


def _stack_tensors(batch: list, path: str) -> Tensor:
    first = batch[0]
    for i, b in enumerate(batch):
        if b.shape != first.shape:
            raise RuntimeError(
                f"default_collate: cannot stack the samples{_where(path)}: every sample needs "
                f"the same shape, but sample 0 has shape {tuple(first.shape)} and sample {i} "
                f"has shape {tuple(b.shape)}")
        if b.device != first.device:
            raise RuntimeError(
                f"default_collate: cannot stack the samples{_where(path)}: sample 0 is on "
                f"{first.device} and sample {i} on {b.device}")
    return stack(batch, 0)


def _cat1(parts: list) -> Tensor:
    return cat(parts, 0)


def _collate(batch: list, path: str):
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack_tensors(batch, path)
    if _is_host_array(elem):
        if elem.dtype.kind in "SaUO":
            raise TypeError(_ERR.format(elem.dtype) + _where(path))
        if elem.shape == ():  # NumPy scalars: one 1-D tensor of the batch, keeping the dtype
            return _cat1([as_tensor(b.reshape(1)) for b in batch])
        return _stack_tensors([as_tensor(b) for b in batch], path)
    if isinstance(elem, bool):
        return tensor(batch)
    if isinstance(elem, float):
        return tensor(batch, dtype=_dt.float64)
    if isinstance(elem, int):
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        for i, d in enumerate(batch):
            if not isinstance(d, Mapping) or d.keys() != elem.keys():
                raise RuntimeError(f"default_collate: sample {i}{_where(path)} has keys "
                                   f"{sorted(getattr(d, 'keys', lambda: [])())}, but sample 0 "
                                   f"has keys {sorted(elem.keys())}")
        out = {k: _collate([d[k] for d in batch], f"{path}[{k!r}]") for k in elem}
        try:
            return type(elem)(out)
        except TypeError:
            return out
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(_collate(list(s), f"{path}.{name}")
                            for name, s in zip(elem._fields, zip(*batch, strict=True),
                                               strict=True)))
    if isinstance(elem, Sequence):
        n = len(elem)
        for i, s in enumerate(batch):
            if len(s) != n:
                raise RuntimeError(f"default_collate: each element in list of batch should be of "
                                   f"equal size: sample 0{_where(path)} has {n} elements and "
                                   f"sample {i} has {len(s)}")
        cols = [_collate(list(s), f"{path}[{j}]") for j, s in enumerate(zip(*batch,
                                                                           strict=True))]
        if isinstance(elem, tuple):
            return cols  # PyTorch returns a list for tuples too
        try:
            return type(elem)(cols)
        except TypeError:
            return cols
    raise TypeError(_ERR.format(type(elem)) + _where(path))


def default_collate(batch: list):
    """Collates a list of samples into a batch (PyTorch's `default_collate`): tensors and arrays
    are stacked along a new first dimension, floats become float64 and ints int64 tensors,
    strings stay a list, and sequences, namedtuples and mappings are collated per field."""
    return _collate(list(batch), "")


def default_convert(data):
    """Converts NumPy arrays (also inside lists, tuples and dicts) to tensors without batching
    (PyTorch's `default_convert`, the collate function when automatic batching is off)."""
    if isinstance(data, Tensor):
        return data
    if _is_host_array(data):
        if data.dtype.kind in "SaUO":
            return data
        return as_tensor(data.reshape(1)).reshape(()) if data.shape == () else as_tensor(data)
    if isinstance(data, Mapping):
        out = {k: default_convert(v) for k, v in data.items()}
        try:
            return type(data)(out)
        except TypeError:
            return out
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
