"""The gather/scatter family: gather, scatter, scatter_add, index_select, index_add, index_copy,
index_fill, take, take_along_dim, and their in-place methods.

The axis-level primitives at the top are also the create_graph kernels `K.scatter_add`,
`K.index_add` and `K.gather` (`_kernels.py`). Gradients scatter back with the backends'
scatter-add kernels, so repeated indices accumulate; where several writes meet one place
(scatter, index_copy) the last one wins.
"""

from __future__ import annotations

from ..graph import record
from ..tensor import Tensor, _dim, _wrap
from ._common import method
from ._indices import _bounds, _index_data, _int_native, _lift, _put_flat, _py_cast
from ._slicing import _unslice, _zeros
from .masking import masked_fill
from .shape import broadcast_shapes, expand, reshape

__all__ = [
    "gather", "scatter", "scatter_add", "index_select", "index_add", "index_copy", "index_fill",
    "take", "take_along_dim",
]


# ---- axis-level primitives (the create_graph kernels K.scatter_add, K.index_add, K.gather) -----
def _raw_index(index, dev):
    return index._data if isinstance(index, Tensor) else index


def _src_part(src, index_shape: tuple):
    """The leading index_shape block of src (scatter reads only that much of a larger src)."""
    if tuple(src.shape) == index_shape:
        return src
    return src[tuple(slice(0, s) for s in index_shape) + (Ellipsis,)]


def _src_grad(K, n, g, axis: int, idx, src_shape: tuple):
    """src's gradient in a scatter: g gathered at index, zero-padded where src was not read."""
    gs = K.gather(g, axis, _lift(g, idx, n.dev))
    if tuple(gs.shape) != src_shape:
        gs = _unslice(K, gs, tuple(slice(0, s, 1) for s in gs.shape), src_shape, n.dev)
    return gs


def _scatter_add_bw(K, n, s, g):
    axis, idx, src_shape = n.ctx
    return (g if n.needs[0] else None,
            _src_grad(K, n, g, axis, idx, src_shape) if n.needs[1] else None)


def _scatter_add_axis(target: Tensor, axis: int, index, src: Tensor) -> Tensor:
    """target plus src's elements added at index along axis (torch.scatter_add; repeats add)."""
    dev = target._dev
    idx = _raw_index(index, dev)
    part = _src_part(src._data, tuple(idx.shape))
    out = dev.K.scatter_add(target._data, axis, idx, part)
    return record(dev, out, "ScatterAddBackward0", _scatter_add_bw, (target, src), (),
                  (axis, idx, tuple(src.shape)))


def _index_add_bw(K, n, s, g):
    axis, idx = n.ctx
    return (g if n.needs[0] else None,
            K.take(g, _lift(g, idx, n.dev), axis=axis) if n.needs[1] else None)


def _index_add_axis(target: Tensor, axis: int, index, src: Tensor) -> Tensor:
    """target with src's slices added at positions index (1-D) along axis; repeats add."""
    dev = target._dev
    idx = _raw_index(index, dev)
    out = dev.K.index_add(target._data, axis, idx, src._data)
    return record(dev, out, "IndexAddBackward0", _index_add_bw, (target, src), (), (axis, idx))


def _gather_bw(K, n, s, g):
    axis, idx, x_shape = n.ctx
    return (K.scatter_add(_zeros(K, x_shape, g, n.dev), axis, _lift(g, idx, n.dev), g),)


def _gather_axis(x: Tensor, axis: int, index) -> Tensor:
    """out[i][j] = x[i][index[i][j]] along axis (torch.gather; index may be smaller than x)."""
    dev = x._dev
    idx = _raw_index(index, dev)
    return record(dev, dev.K.gather(x._data, axis, idx), "GatherBackward0", _gather_bw, (x,), (),
                  (axis, idx, tuple(x.shape)))


def _take_bw(K, n, s, g):
    axis, idx, x_shape = n.ctx
    return (K.index_add(_zeros(K, x_shape, g, n.dev), axis, _lift(g, idx, n.dev), g),)


def _take_axis(x: Tensor, axis: int, idx, name: str) -> Tensor:
    dev = x._dev
    return record(dev, dev.xp.take(x._data, idx, axis=axis), name, _take_bw, (x,), (),
                  (axis, idx, tuple(x.shape)))


# ---- the public gather/scatter family ------------------------------------------------------------
def _scatter_index(op: str, x: Tensor, dim: int, index: Tensor, src=None):
    """(axis, checked index array) for gather/scatter: same rank, sizes within x's (and src's)."""
    nd = x.ndim
    axis = _dim(dim, nd, op)
    idx = _index_data(index, x, op)
    if index.ndim != nd:
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as "
                           f"input tensor (index shape {list(index.shape)}, input shape "
                           f"{list(x.shape)})")
    for a in range(index.ndim):
        if a != axis and index.shape[a] > x.shape[a]:
            raise RuntimeError(f"{op}(): Size does not match at dimension {a} expected index "
                               f"{list(index.shape)} to be smaller than self {list(x.shape)} "
                               f"apart from dimension {axis}")
        if src is not None and index.shape[a] > src.shape[a]:
            raise RuntimeError(f"{op}(): Expected index {list(index.shape)} to be smaller than "
                               f"self {list(x.shape)} apart from dimension {axis} and to be "
                               f"smaller size than src {list(src.shape)}")
    return axis, _bounds(x._dev, idx, x.shape[axis], axis, False, RuntimeError)


def _as_1d(fn):
    """fn with 0-d input or index through 1-element views: PyTorch counts a 0-d tensor as 1-D
    when it compares ranks (`zeros(10).scatter_(0, tensor(3), value=1)`, the tutorial's one-hot)."""
    def wrapped(input, dim, index, *args, **kwargs):
        if (isinstance(index, Tensor) and (input.ndim == 0 or index.ndim == 0)
                and max(input.ndim, 1) == max(index.ndim, 1) == 1):
            args = tuple(reshape(a, (1,)) if isinstance(a, Tensor) and a.ndim == 0 else a
                         for a in args)
            one = (lambda t: reshape(t, (1,)) if t.ndim == 0 else t)
            out = fn(one(input), dim, one(index), *args, **kwargs)
            # gather's result is shaped like index, scatter's like input
            return reshape(out, tuple((index if fn.__name__ == "gather" else input).shape))
        return fn(input, dim, index, *args, **kwargs)
    wrapped.__name__ = fn.__name__
    wrapped.__doc__ = fn.__doc__
    return wrapped


@_as_1d
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    axis, idx = _scatter_index("gather", input, dim, index)
    return _gather_axis(input, axis, idx)


def _src_tensor(op: str, x: Tensor, src, value, index: Tensor) -> Tensor:
    if src is None and value is None:
        raise TypeError(f"{op}(): expected src (a Tensor) or value (a number)")
    if isinstance(src, Tensor):
        if src._dev is not x._dev:
            raise RuntimeError(f"{op}(): expected self and src to be on the same device, got "
                               f"{x._dev} and {src._dev}")
        if src.dtype is not x.dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype (got "
                               f"{x.dtype} and {src.dtype})")
        return src
    val = src if src is not None else value
    from ..creation import full

    return full(tuple(index.shape), _py_cast(val, x.dtype), dtype=x.dtype, device=x._dev)


def _scatter_bw(K, n, s, g):
    axis, idx, hit, src_shape = n.ctx
    gx = gs = None
    if n.needs[0]:
        gx = K.where(_lift(g, hit, n.dev), K.zeros_like(g), g)
    if n.needs[1]:
        gs = _src_grad(K, n, g, axis, idx, src_shape)
    return gx, gs


def _scatter_positions(dev, x_shape: tuple, axis: int, idx):
    """Flat positions in an array of x_shape of the elements index (gather/scatter layout) names."""
    xp = dev.xp
    it = _int_native(dev)
    pos, stride = None, 1
    nd = len(idx.shape)
    for a in range(nd - 1, -1, -1):
        if a == axis:
            c = idx
        else:
            shp = [1] * nd
            shp[a] = idx.shape[a]
            c = xp.reshape(xp.arange(idx.shape[a], dtype=it, device=dev.native), tuple(shp))
        term = c * stride if stride != 1 else c
        pos = term if pos is None else pos + term
        stride *= x_shape[a]
    return xp.reshape(xp.broadcast_to(pos, tuple(idx.shape)), (-1,))


def _scatter_replace(x: Tensor, axis: int, idx, src: Tensor, name: str) -> Tensor:
    dev, xp = x._dev, x._dev.xp
    pos = _scatter_positions(dev, tuple(x.shape), axis, idx)
    part = _src_part(src._data, tuple(idx.shape))
    out, hit = _put_flat(dev, xp.reshape(x._data, (-1,)), pos, xp.reshape(part, (-1,)))
    return record(dev, xp.reshape(out, tuple(x.shape)), name, _scatter_bw, (x, src), (),
                  (axis, idx, xp.reshape(hit, tuple(x.shape)), tuple(src.shape)))


@_as_1d
def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None,
            reduce: str | None = None) -> Tensor:
    """input with src's elements (or value) written at index along dim (repeats: one wins)."""
    s = _src_tensor("scatter", input, src, value, index)
    axis, idx = _scatter_index("scatter", input, dim, index, s)
    if reduce is not None:
        if reduce != "add":
            raise ValueError(f"scatter(): reduce={reduce!r} is not supported; use 'add' or "
                             "scatter_reduce")
        return _scatter_add_axis(input, axis, idx, s)
    return _scatter_replace(input, axis, idx, s, "ScatterBackward0")


@_as_1d
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """input plus src's elements added at index along dim; repeated indices accumulate."""
    s = _src_tensor("scatter_add", input, src, None, index)
    axis, idx = _scatter_index("scatter_add", input, dim, index, s)
    return _scatter_add_axis(input, axis, idx, s)


def _vector_index(op: str, x: Tensor, dim: int, index: Tensor):
    nd = x.ndim
    axis = _dim(dim, nd, op)
    if index.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, got shape {list(index.shape)}")
    idx = _index_data(index, x, op)
    if index.ndim == 0:
        idx = x._dev.xp.reshape(idx, (1,))
    n = x.shape[axis] if nd else 1
    return axis, _bounds(x._dev, idx, n, axis, False)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    axis, idx = _vector_index("index_select", input, dim, index)
    if input.ndim == 0:
        return _take_axis(reshape(input, (1,)), 0, idx, "IndexSelectBackward0")
    return _take_axis(input, axis, idx, "IndexSelectBackward0")


def _source_for(op: str, x: Tensor, axis: int, idx, source: Tensor) -> None:
    want = list(x.shape)
    if want:
        want[axis] = idx.shape[0]
    if source.ndim and list(source.shape) != want:
        raise RuntimeError(f"{op}(): source shape {list(source.shape)} does not match the "
                           f"expected shape {want} (self {list(x.shape)} with index of length "
                           f"{idx.shape[0]} along dim {axis})")
    if source.dtype is not x.dtype:
        raise RuntimeError(f"{op}(): self ({x.dtype}) and source ({source.dtype}) must have the "
                           "same scalar type")


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """input with source's slices added at index along dim; repeated indices accumulate."""
    axis, idx = _vector_index("index_add", input, dim, index)
    _source_for("index_add", input, axis, idx, source)
    if alpha != 1:
        source = source * alpha
    if input.ndim == 0:
        return reshape(_index_add_axis(reshape(input, (1,)), 0, idx, reshape(source, (1,))), ())
    return _index_add_axis(input, axis, idx, source)


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """input with its slices at index along dim replaced by source's."""
    axis, idx = _vector_index("index_copy", input, dim, index)
    _source_for("index_copy", input, axis, idx, source)
    xp = input._dev.xp
    if input.ndim == 0:
        return _scatter_replace(input, 0, idx, source, "IndexCopyBackward0")
    shp = [1] * input.ndim
    shp[axis] = idx.shape[0]
    full = xp.broadcast_to(xp.reshape(idx, tuple(shp)), tuple(source.shape))
    return _scatter_replace(input, axis, full, source, "IndexCopyBackward0")


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """input with its slices at index along dim set to value (a number or a 0-d tensor)."""
    axis, idx = _vector_index("index_fill", input, dim, index)
    dev, xp = input._dev, input._dev.xp
    n = input.shape[axis] if input.ndim else 1
    it = _int_native(dev)
    rows = dev.K.index_add(xp.zeros((n,), dtype=it, device=dev.native), 0, idx,
                           xp.ones(idx.shape, dtype=it, device=dev.native)) > 0
    shp = [1] * input.ndim
    if shp:
        shp[axis] = n
    mask = _wrap(xp.reshape(rows, tuple(shp)), dev)
    return masked_fill(input, mask, value)


def take(input: Tensor, index: Tensor) -> Tensor:
    """input, read as 1-D, at index (negative values count from the end); index's shape."""
    idx = _index_data(index, input, "take")
    n = input.numel()
    idx = _bounds(input._dev, input._dev.xp.reshape(idx, (-1,)), n, 0, True)
    out = _take_axis(reshape(input, (-1,)), 0, idx, "TakeBackward0")
    return reshape(out, tuple(index.shape))


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """numpy.take_along_axis: indices broadcast against input except along dim."""
    if dim is None:
        return take(input, reshape(indices, (-1,)))
    nd = input.ndim
    axis = _dim(dim, nd, "take_along_dim")
    if indices.ndim != nd:
        raise RuntimeError(f"take_along_dim(): input and indices should have the same number of "
                           f"dimensions, but got {nd} dimensions for input, and {indices.ndim} "
                           "dimensions for indices")
    xs, ix = list(input.shape), list(indices.shape)
    xs[axis] = ix[axis] = 1
    b = list(broadcast_shapes(tuple(xs), tuple(ix)))
    bx, bi = list(b), list(b)
    bx[axis], bi[axis] = input.shape[axis], indices.shape[axis]
    return gather(expand(input, tuple(bx)), axis, expand(indices, tuple(bi)))


def _inplace(name: str, fn):
    def method_(self: Tensor, *args, **kwargs) -> Tensor:
        from .inplace import apply_inplace

        return apply_inplace(self, lambda s: fn(s, *args, **kwargs), name)
    method_.__name__ = name
    return method_


for _f in (gather, scatter, scatter_add, index_select, index_add, index_copy, index_fill, take,
           take_along_dim):
    method(_f.__name__)(_f)
for _f in (scatter, scatter_add, index_add, index_copy, index_fill):
    setattr(Tensor, _f.__name__ + "_", _inplace(_f.__name__ + "_", _f))
del _f
