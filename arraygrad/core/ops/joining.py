"""Joining and splitting: cat, stack, hstack, vstack, atleast_nd; split, tensor_split, chunk,
unbind.

Joined tensors promote to their common dtype (PyTorch's rules) and must share a device; the
gradient of a join is sliced back into pieces. Each piece of a split is a view of the input with
its own node, so pieces can be used (and differentiated) independently.
"""

from __future__ import annotations

import functools

from .. import dtypes as _dt
from ..graph import record
from ..tensor import Tensor, _dim
from ._common import devices_differ, method
from ..views import mark_multi_output
from ._slicing import _slice_dim
from .shape import _ints, reshape, select, unsqueeze

__all__ = [
    "cat", "concat", "concatenate", "stack", "hstack", "vstack", "atleast_1d", "atleast_2d",
    "atleast_3d", "split", "tensor_split", "chunk", "unbind",
]


# ---- joining -------------------------------------------------------------------------------------
def _joinable(op: str, tensors) -> tuple:
    """tensors checked for one device and cast to their common dtype (PyTorch's promotion)."""
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}(): argument 'tensors' must be a sequence of Tensors, not Tensor")
    ts = tuple(tensors)
    if not ts:
        raise ValueError(f"{op}(): expected a non-empty list of Tensors")
    for i, x in enumerate(ts):
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}(): expected a sequence of Tensors, but item {i} is "
                            f"{type(x).__name__}")
        if x._dev is not ts[0]._dev:
            raise devices_differ(op, ts[0], x)
    dt = functools.reduce(_dt.promote_types, (x.dtype for x in ts))
    from .elementwise import _cast

    return tuple(x if x.dtype is dt else _cast(x, dt, op) for x in ts)


def _cat_bw(K, n, s, g):
    dim, bounds = n.ctx
    pre = (slice(None),) * dim
    return tuple(g[pre + (slice(a, b), Ellipsis)] if need else None
                 for need, (a, b) in zip(n.needs, bounds, strict=True))


def cat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """tensors joined along an existing dimension dim; dtypes promote, devices must match."""
    if out is not None:
        from ._out import write_out

        return write_out("cat", out, cat(tensors, dim))
    ts = _joinable("cat", tensors)
    # PyTorch skips legacy empty 1-D tensors (shape (0,)) when joining higher-dimensional ones
    full = [x for x in ts if not (x.ndim == 1 and x.shape[0] == 0)] or [ts[0]]
    ref = full[0]
    nd = ref.ndim
    if nd == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = _dim(dim, nd, "cat")
    for i, x in enumerate(ts):
        if not any(x is y for y in full):
            continue
        if x.ndim != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and "
                               f"{x.ndim}")
        for a in range(nd):
            if a != d and x.shape[a] != ref.shape[a]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{ref.shape[a]} but got size {x.shape[a]} for tensor number {i} in the list "
                    f"(shapes {[tuple(y.shape) for y in ts]})")
    bounds, pos = [], 0
    for x in full:
        bounds.append((pos, pos + x.shape[d]))
        pos += x.shape[d]
    data = ref._dev.xp.concat([x._data for x in full], axis=d) if len(full) > 1 else \
        ref._dev.xp.asarray(ref._data, copy=True)
    return record(ref._dev, data, "CatBackward0", _cat_bw, tuple(full), (), (d, tuple(bounds)))


concat = concatenate = cat


def _stack_bw(K, n, s, g):
    dim = n.ctx
    pre = (slice(None),) * dim
    return tuple(g[pre + (i, Ellipsis)] if need else None for i, need in enumerate(n.needs))


def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    """tensors of one shape joined along a new dimension dim."""
    if out is not None:
        from ._out import write_out

        return write_out("stack", out, stack(tensors, dim))
    ts = _joinable("stack", tensors)
    shape = tuple(ts[0].shape)
    for i, x in enumerate(ts):
        if tuple(x.shape) != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} "
                               f"at entry 0 and {list(x.shape)} at entry {i}")
    d = _dim(dim, len(shape) + 1, "stack")
    data = ts[0]._dev.xp.stack([x._data for x in ts], axis=d)
    return record(ts[0]._dev, data, "StackBackward0", _stack_bw, ts, (), d)


def atleast_1d(*tensors):
    ts = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    res = tuple(reshape(x, (1,)) if x.ndim == 0 else x for x in ts)
    return res[0] if len(tensors) == 1 and isinstance(tensors[0], Tensor) else res


def atleast_2d(*tensors):
    ts = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    res = tuple(reshape(x, (1,) * (2 - x.ndim) + tuple(x.shape)) if x.ndim < 2 else x for x in ts)
    return res[0] if len(tensors) == 1 and isinstance(tensors[0], Tensor) else res


def atleast_3d(*tensors):
    ts = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) else tensors
    res = []
    for x in ts:
        if x.ndim == 0:
            x = reshape(x, (1, 1, 1))
        elif x.ndim == 1:
            x = reshape(x, (1, x.shape[0], 1))
        elif x.ndim == 2:
            x = unsqueeze(x, -1)
        res.append(x)
    return res[0] if len(tensors) == 1 and isinstance(tensors[0], Tensor) else tuple(res)


def hstack(tensors) -> Tensor:
    ts = atleast_1d(tuple(tensors))
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors) -> Tensor:
    return cat(atleast_2d(tuple(tensors)), 0)


# ---- splitting (each piece is a view with its own node) ------------------------------------------
def _pieces(x: Tensor, dim: int, sizes, name: str, multi: bool = True) -> tuple:
    out, pos = [], 0
    for s in sizes:
        out.append(_slice_dim(x, dim, pos, pos + s, name))
        pos += s
    if multi:  # split's pieces: PyTorch forbids in-place ops on them (not tensor_split's)
        mark_multi_output(out, name.removesuffix("Backward0"))
    return tuple(out)


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of split_size along dim (the last may be smaller), or pieces of the listed sizes."""
    d = _dim(dim, tensor.ndim, "split")
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size < 0:
            raise RuntimeError(f"split(): split_size can only be a non-negative integer, got "
                               f"{size}")
        if size == 0:
            if n:
                raise RuntimeError(f"split(): split_size can only be 0 if dimension size is 0, "
                                   f"but got dimension size of {n}")
            return mark_multi_output((_slice_dim(tensor, d, 0, 0, "SplitBackward0"),), "Split")
        sizes = [size] * (n // size) + ([n % size] if n % size else [])
        return _pieces(tensor, d, sizes or [0], "SplitBackward0")
    sizes = _ints((split_size_or_sections,), "split")
    if sum(sizes) != n or any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                           f"tensor's size at dimension {d}), but got split_sizes={list(sizes)}")
    return _pieces(tensor, d, sizes, "SplitWithSizesBackward0")


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _dim(dim, input.ndim, "chunk")
    n = input.shape[d]
    return split(input, max(1, -(-n // chunks)) if n else 1, d) if n else mark_multi_output(
        tuple(_slice_dim(input, d, 0, 0, "SplitBackward0") for _ in range(chunks)), "Split")


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """numpy.array_split's pieces: n sections (the first n % k one longer) or cut at indices."""
    d = _dim(dim, input.ndim, "tensor_split")
    n = input.shape[d]
    if isinstance(indices_or_sections, Tensor) and indices_or_sections.ndim == 0:
        indices_or_sections = int(indices_or_sections)
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        if k <= 0:
            raise RuntimeError(f"tensor_split(): number of sections must be larger than 0, got {k}")
        q, r = divmod(n, k)
        return _pieces(input, d, [q + 1] * r + [q] * (k - r), "SplitWithSizesBackward0", False)
    idx = _ints((indices_or_sections,), "tensor_split")
    out, prev = [], 0
    for i in list(idx) + [n]:
        i = min(max(i + n if i < 0 else i, 0), n)
        out.append(_slice_dim(input, d, prev, max(prev, i), "SliceBackward0"))
        prev = max(prev, i)
    return tuple(out)


def unbind(input: Tensor, dim: int = 0) -> tuple:
    d = _dim(dim, input.ndim, "unbind")
    return mark_multi_output(tuple(select(input, d, i) for i in range(input.shape[d])), "Unbind")


for _f in (split, tensor_split, chunk, unbind):
    method(_f.__name__)(_f)
del _f
