"""Shape ops: views (view, reshape, transpose, permute, squeeze, expand, narrow, ...), joining and
splitting (cat, stack, split, chunk, unbind), and rearranging copies (flip, roll, repeat, tril).

Views share their base's version counter (`out._vc = base._shared_vc()`), so an in-place change
through either is caught when a saved tensor is used at backward time. Backward formulas use only
array-API functions through `K`; gradients of slices are padded back with zeros by concatenation,
which every backend (and the differentiable namespace) can do.
"""

from __future__ import annotations

import functools
import operator
import warnings

from .. import dtypes as _dt
from ..autograd import record
from ..tensor import Size, Tensor, _dim
from ._common import devices_differ, method, unbroadcast

__all__ = [
    "reshape", "transpose", "swapaxes", "swapdims", "permute", "t", "adjoint", "unsqueeze",
    "squeeze", "flatten", "unflatten", "broadcast_to", "broadcast_tensors", "broadcast_shapes",
    "cat", "concat", "concatenate", "stack", "hstack", "vstack", "split", "tensor_split", "chunk",
    "unbind", "flip", "fliplr", "flipud", "roll", "tile", "narrow", "select", "movedim",
    "moveaxis", "diagonal", "diag", "diag_embed", "tril", "triu", "clone", "meshgrid",
    "atleast_1d", "atleast_2d", "atleast_3d",
]
# view, view_as, reshape_as, expand, expand_as and repeat are Tensor methods only, as in PyTorch.


def _view_of(out: Tensor, base: Tensor) -> Tensor:
    """Marks out as a view of base: one version counter for both."""
    out._vc = base._shared_vc()
    return out


def _ints(args, op: str) -> tuple:
    """A size or dims argument given as f(2, 3), f((2, 3)), f([2, 3]) or f(Size)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    out = []
    for a in args:
        if isinstance(a, Tensor):
            a = int(a)
        if not isinstance(a, int) or isinstance(a, bool):
            raise TypeError(f"{op}(): expected a sequence of ints, got {args!r}")
        out.append(a)
    return tuple(out)


def _prod(xs) -> int:
    return functools.reduce(operator.mul, xs, 1)


def _infer_shape(shape: tuple, numel: int) -> tuple:
    """shape with its one -1 inferred for a tensor of numel elements (PyTorch's messages)."""
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    if neg:
        rest = _prod(s for s in shape if s != -1)
        if rest == 0:
            raise RuntimeError(
                f"cannot reshape tensor of {numel} elements into shape {list(shape)} because the "
                "unspecified dimension size -1 can be any value and is ambiguous")
        if numel % rest:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = shape[:neg[0]] + (numel // rest,) + shape[neg[0] + 1:]
    if _prod(shape) != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


# ---- zero padding (the backward of every slice, written with K only) -----------------------------
def _zeros(K, shape: tuple, like, dev):
    """Zeros of like's dtype on its device: raw arrays (dev's native device) or Tensors."""
    if isinstance(like, Tensor):
        return K.zeros(shape, dtype=like.dtype, device=like.device)
    return K.zeros(shape, dtype=like.dtype, device=dev.native)


def _pad(K, g, axis: int, before: int, after: int, dev):
    """g with `before` zeros in front of and `after` zeros behind it along axis."""
    if not before and not after:
        return g
    shape = tuple(g.shape)
    parts = []
    if before:
        parts.append(_zeros(K, shape[:axis] + (before,) + shape[axis + 1:], g, dev))
    parts.append(g)
    if after:
        parts.append(_zeros(K, shape[:axis] + (after,) + shape[axis + 1:], g, dev))
    return K.concat(parts, axis=axis)


def _spread(K, g, axis: int, step: int, dev):
    """g with step-1 zeros after each element along axis (the last trailing zeros dropped)."""
    m = g.shape[axis]
    if step == 1 or m == 0:
        return g
    shape = tuple(g.shape)
    g = K.expand_dims(g, axis=axis + 1)
    z = _zeros(K, shape[:axis + 1] + (step - 1,) + shape[axis + 1:], g, dev)
    g = K.reshape(K.concat([g, z], axis=axis + 1), shape[:axis] + (m * step,) + shape[axis + 1:])
    full = (slice(None),) * axis + (slice(0, (m - 1) * step + 1),)
    return g[full + (Ellipsis,)]


def _unslice(K, g, key: tuple, in_shape: tuple, dev):
    """The array of in_shape that is g where `key` selects and zero elsewhere: the adjoint of
    x[key] for a normalised basic key (ints, in-bounds slices with positive steps, None)."""
    ax = d = 0
    for e in key:
        if e is None:
            g = K.squeeze(g, axis=ax)
            continue
        n = in_shape[d]
        if isinstance(e, int):
            g = _pad(K, K.expand_dims(g, axis=ax), ax, e, n - e - 1, dev)
        else:
            start, step = e.start, e.step
            m = g.shape[ax]
            g = _spread(K, g, ax, step, dev)
            used = (m - 1) * step + 1 if m else 0
            g = _pad(K, g, ax, start if m else n, n - start - used if m else 0, dev)
        ax += 1
        d += 1
    return g


def _norm_slice(s: slice, n: int) -> slice:
    """s over a dimension of size n as an in-bounds slice with a positive step (PyTorch's rules)."""
    if s.step is not None and _as_int(s.step) <= 0:
        if _as_int(s.step) == 0:
            raise ValueError("slice step cannot be zero")
        raise ValueError("step must be greater than zero")
    start, stop, step = slice(_as_int(s.start), _as_int(s.stop), _as_int(s.step)).indices(n)
    return slice(start, max(start, stop), step)


def _as_int(v):
    return v if v is None or isinstance(v, int) else int(v)


def _basic_bw(K, n, s, g):
    key, in_shape = n.ctx
    return (_unslice(K, g, key, in_shape, n.dev),)


def _basic(x: Tensor, key: tuple, name: str) -> Tensor:
    """x[key] as a view, for a normalised basic key that names every dimension."""
    out = record(x._dev, x._data[key + (Ellipsis,)], name, _basic_bw, (x,), (),
                 (key, tuple(x._data.shape)))
    return _view_of(out, x)


def _slice_dim(x: Tensor, dim: int, start: int, stop: int, name: str, step: int = 1) -> Tensor:
    key = (slice(None),) * dim + (slice(start, stop, step),)
    key = tuple(slice(0, x.shape[i], 1) if i != dim else k for i, k in enumerate(key))
    return _basic(x, key + tuple(slice(0, s, 1) for s in x.shape[dim + 1:]), name)


# ---- reshaping views -----------------------------------------------------------------------------
def _reshape_bw(K, n, s, g):
    return (K.reshape(g, n.ctx),)


def _reshaped(x: Tensor, shape: tuple, name: str) -> Tensor:
    d = x._data
    if tuple(d.shape) == shape:
        out = record(x._dev, d, name, lambda K, n, s, g: (g,), (x,))
    else:
        out = record(x._dev, x._dev.xp.reshape(d, shape), name, _reshape_bw, (x,), (),
                     tuple(d.shape))
    return _view_of(out, x)


def reshape(input: Tensor, *shape) -> Tensor:
    """input with the given shape (one -1 inferred); shares the version counter of input."""
    shape = _infer_shape(_ints(shape, "reshape"), input.numel())
    return _reshaped(input, shape, "ViewBackward0")


@method()
def view(self: Tensor, *shape) -> Tensor:
    if len(shape) == 1 and isinstance(shape[0], _dt.dtype):
        if shape[0] is self.dtype:
            return _reshaped(self, tuple(self.shape), "ViewBackward0")
        raise TypeError(f"view(): reinterpreting the bits of a {self.dtype} tensor as "
                        f"{shape[0]} is not expressible with the array API standard; use .to()")
    shape = _infer_shape(_ints(shape, "view"), self.numel())
    return _reshaped(self, shape, "ViewBackward0")


@method()
def view_as(self: Tensor, other: Tensor) -> Tensor:
    return view(self, tuple(other.shape))


@method()
def reshape_as(self: Tensor, other: Tensor) -> Tensor:
    return reshape(self, tuple(other.shape))


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    shape = tuple(input.shape)
    if not shape:
        return _reshaped(input, (1,), "ViewBackward0")
    a, b = _dim(start_dim, len(shape), "flatten"), _dim(end_dim, len(shape), "flatten")
    if a > b:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    new = shape[:a] + (_prod(shape[a:b + 1]),) + shape[b + 1:]
    return _reshaped(input, new, "ViewBackward0")


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    shape = tuple(input.shape)
    d = _dim(dim, len(shape), "unflatten")
    sizes = _ints((sizes,), "unflatten")
    if sum(1 for s in sizes if s == -1) > 1:
        raise RuntimeError("unflatten(): only one dimension can be inferred")
    try:
        sizes = _infer_shape(sizes, shape[d])
    except RuntimeError:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size "
                           f"of dim {dim} ({shape[d]}) in the input tensor") from None
    return _reshaped(input, shape[:d] + sizes + shape[d + 1:], "UnflattenBackward0")


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    shape = tuple(input.shape)
    d = _dim(dim, len(shape) + 1, "unsqueeze")
    return _reshaped(input, shape[:d] + (1,) + shape[d:], "UnsqueezeBackward0")


def squeeze(input: Tensor, dim=None) -> Tensor:
    """input without the size-1 dimensions (all, or those among dim: an int or a tuple)."""
    shape = tuple(input.shape)
    if dim is None:
        axes = set(range(len(shape)))
    elif isinstance(dim, int):
        axes = {_dim(dim, len(shape), "squeeze")} if shape else set()
    else:
        axes = {_dim(d, len(shape), "squeeze") for d in dim} if shape else set()
    new = tuple(s for i, s in enumerate(shape) if not (i in axes and s == 1))
    return _reshaped(input, new, "SqueezeBackward0" if dim is None else "SqueezeBackward1")


# ---- permuting views -----------------------------------------------------------------------------
def _permute_bw(K, n, s, g):
    return (K.permute_dims(g, n.ctx),)


def _permuted(x: Tensor, perm: tuple, name: str) -> Tensor:
    inv = tuple(sorted(range(len(perm)), key=perm.__getitem__))
    out = record(x._dev, x._dev.xp.permute_dims(x._data, perm), name, _permute_bw, (x,), (), inv)
    return _view_of(out, x)


def permute(input: Tensor, *dims) -> Tensor:
    dims = _ints(dims, "permute")
    nd = input.ndim
    if len(dims) != nd:
        raise RuntimeError(
            "permute(): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {nd} is not equal to "
            f"len(dims) = {len(dims)}")
    perm = tuple(_dim(d, nd, "permute") for d in dims)
    if len(set(perm)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _permuted(input, perm, "PermuteBackward0")


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    nd = input.ndim
    a, b = _dim(dim0, nd, "transpose"), _dim(dim1, nd, "transpose")
    perm = list(range(nd))
    perm[a], perm[b] = perm[b], perm[a]
    return _permuted(input, tuple(perm), "TransposeBackward0")


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:
    """The transpose of a matrix; 0-d and 1-d tensors come back as they are."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return _permuted(input, tuple(range(input.ndim))[::-1], "TBackward0")


def adjoint(input: Tensor) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of "
                           f"matrices. Got {input.ndim}-D tensor.")
    return transpose(input, -2, -1)


def _T(self: Tensor) -> Tensor:
    return _permuted(self, tuple(range(self.ndim))[::-1], "PermuteBackward0")


def _mT(self: Tensor) -> Tensor:
    if self.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {self.ndim}-D tensor.")
    return transpose(self, -2, -1)


Tensor.T = property(_T, doc="All dimensions reversed (the array API's `.T`).")
Tensor.mT = property(_mT, doc="The last two dimensions swapped.")


def movedim(input: Tensor, source, destination) -> Tensor:
    nd = input.ndim
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    src = tuple(_dim(d, nd, "movedim") for d in src)
    dst = tuple(_dim(d, nd, "movedim") for d in dst)
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError("movedim: repeated dim in `source` or `destination`")
    rest = iter(d for d in range(nd) if d not in src)
    where = dict(zip(dst, src, strict=True))
    perm = tuple(where[i] if i in where else next(rest) for i in range(nd))
    return _permuted(input, perm, "PermuteBackward0")


moveaxis = movedim


# ---- broadcasting --------------------------------------------------------------------------------
def _expand_bw(K, n, s, g):
    return (unbroadcast(K, g, n.ctx),)


@method()
def expand(self: Tensor, *sizes) -> Tensor:
    """self broadcast to sizes (-1 keeps a dimension; new dimensions go in front); a view."""
    sizes = _ints(sizes, "expand")
    shape = tuple(self.shape)
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise RuntimeError(
            f"expand({self.dtype}{{{list(shape)}}}, size={list(sizes)}): the number of sizes "
            f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
            f"tensor ({len(shape)})")
    new = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            new.append(s)
            continue
        cur = shape[i - lead]
        if s == -1:
            s = cur
        elif cur != s and cur != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                f"{list(shape)}")
        new.append(s)
    new = tuple(new)
    if new == shape:
        return _reshaped(self, shape, "ExpandBackward0")
    out = record(self._dev, self._dev.xp.broadcast_to(self._data, new), "ExpandBackward0",
                 _expand_bw, (self,), (), shape)
    return _view_of(out, self)


@method()
def expand_as(self: Tensor, other: Tensor) -> Tensor:
    return expand(self, tuple(other.shape))


def broadcast_to(input: Tensor, size) -> Tensor:
    return expand(input, _ints((size,), "broadcast_to"))


def broadcast_shapes(*shapes) -> Size:
    out: list = []
    for sh in shapes:
        sh = (sh,) if isinstance(sh, int) else tuple(sh)
        if len(sh) > len(out):
            out = [1] * (len(sh) - len(out)) + out
        for i, s in enumerate(sh):
            j = len(out) - len(sh) + i
            if out[j] == 1:
                out[j] = s
            elif s != 1 and s != out[j]:
                raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single "
                                   f"shape. Mismatch is between {out[j]} and {s}")
    return Size(out)


def broadcast_tensors(*tensors) -> tuple:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = tuple(broadcast_shapes(*(t.shape for t in tensors)))
    return tuple(expand(t, shape) for t in tensors)


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
        raise TypeError("cat(): out= is not supported; assign the result instead")
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
        raise TypeError("stack(): out= is not supported; assign the result instead")
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
def _pieces(x: Tensor, dim: int, sizes, name: str) -> tuple:
    out, pos = [], 0
    for s in sizes:
        out.append(_slice_dim(x, dim, pos, pos + s, name))
        pos += s
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
            return (_slice_dim(tensor, d, 0, 0, "SplitBackward0"),)
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
    return split(input, max(1, -(-n // chunks)) if n else 1, d) if n else tuple(
        _slice_dim(input, d, 0, 0, "SplitBackward0") for _ in range(chunks))


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
        return _pieces(input, d, [q + 1] * r + [q] * (k - r), "SplitWithSizesBackward0")
    idx = _ints((indices_or_sections,), "tensor_split")
    out, prev = [], 0
    for i in list(idx) + [n]:
        i = min(max(i + n if i < 0 else i, 0), n)
        out.append(_slice_dim(input, d, prev, max(prev, i), "SliceBackward0"))
        prev = max(prev, i)
    return tuple(out)


def unbind(input: Tensor, dim: int = 0) -> tuple:
    d = _dim(dim, input.ndim, "unbind")
    return tuple(select(input, d, i) for i in range(input.shape[d]))


def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    d = _dim(dim, input.ndim, "narrow")
    n = input.shape[d]
    start = int(start)
    if not -n <= start <= n:
        raise IndexError(f"narrow(): start out of range (expected to be in range of [{-n}, {n}], "
                         f"but got {start})")
    if start < 0:
        start += n
    if length < 0:
        raise RuntimeError(f"narrow(): length must be non-negative, got {length}")
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _slice_dim(input, d, start, start + length, "SliceBackward0")


def select(input: Tensor, dim: int, index: int) -> Tensor:
    d = _dim(dim, input.ndim, "select")
    n = input.shape[d]
    index = int(index)
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {d}")
    key = tuple(slice(0, s, 1) for s in input.shape)
    key = key[:d] + (index % n,) + key[d + 1:]
    return _basic(input, key, "SelectBackward0")


# ---- rearranging copies --------------------------------------------------------------------------
def _flip_bw(K, n, s, g):
    return (K.flip(g, axis=n.ctx),)


def flip(input: Tensor, *dims) -> Tensor:
    dims = _ints(dims, "flip")
    axes = tuple(_dim(d, input.ndim, "flip") for d in dims)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"flip(): dims {list(dims)} has duplicates")
    if not axes:
        return clone(input)
    return record(input._dev, input._dev.xp.flip(input._data, axis=axes), "FlipBackward0",
                  _flip_bw, (input,), (), axes)


def fliplr(input: Tensor) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


def flipud(input: Tensor) -> Tensor:
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


def _roll_bw(K, n, s, g):
    shifts, axes = n.ctx
    return (K.roll(g, shift=tuple(-x for x in shifts) if axes is not None else -shifts[0],
                   axis=axes),)


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    shifts = (shifts,) if isinstance(shifts, int) else tuple(int(s) for s in shifts)
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll(): shifts {list(shifts)} need dims of the same length")
        axes = None
        data = input._dev.xp.roll(input._data, shift=shifts[0])
    else:
        dims = (dims,) if isinstance(dims, int) else tuple(dims)
        if len(dims) != len(shifts):
            raise RuntimeError(f"roll(): shifts and dimensions must align. shifts: {len(shifts)}, "
                               f"dims: {len(dims)}")
        axes = tuple(_dim(d, input.ndim, "roll") for d in dims)
        data = input._dev.xp.roll(input._data, shift=shifts, axis=axes)
    return record(input._dev, data, "RollBackward0", _roll_bw, (input,), (), (shifts, axes))


def _repeat_bw(K, n, s, g):
    reps, padded, shape = n.ctx
    inter = []
    for r, p in zip(reps, padded, strict=True):
        inter += [r, p]
    g = K.sum(K.reshape(g, tuple(inter)), axis=tuple(range(0, len(inter), 2)))
    return (K.reshape(g, shape),)


@method()
def repeat(self: Tensor, *sizes) -> Tensor:
    """self tiled sizes[i] times along each dimension (PyTorch's repeat: numpy's tile)."""
    reps = _ints(sizes, "repeat")
    shape = tuple(self.shape)
    if len(reps) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           f"dimensions of tensor (repeats {list(reps)}, tensor shape "
                           f"{list(shape)})")
    if any(r < 0 for r in reps):
        raise RuntimeError(f"repeat(): repeats can not be negative, got {list(reps)}")
    padded = (1,) * (len(reps) - len(shape)) + shape
    xp = self._dev.xp
    data = xp.tile(xp.reshape(self._data, padded), reps)
    return record(self._dev, data, "RepeatBackward0", _repeat_bw, (self,), (),
                  (reps, padded, shape))


def tile(input: Tensor, dims) -> Tensor:
    dims = _ints((dims,), "tile")
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


# ---- diagonals and triangles ---------------------------------------------------------------------
def _diag_span(n: int, m: int, offset: int) -> slice:
    """The diagonal `offset` of an n x m matrix as a slice of its flattened elements."""
    length = max(0, min(n, m - offset) if offset >= 0 else min(n + offset, m))
    start = offset if offset >= 0 else -offset * m
    if length == 0:
        return slice(0, 0, 1)
    return slice(start, start + (length - 1) * (m + 1) + 1, m + 1)


def _diagonal_bw(K, n, s, g):
    perm_inv, lead, (r, c), span = n.ctx
    key = tuple(slice(0, x, 1) for x in lead) + (span,)
    flat = _unslice(K, g, key, lead + (r * c,), n.dev)
    return (K.permute_dims(K.reshape(flat, lead + (r, c)), perm_inv),)


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the matrices in dims dim1, dim2, as a new last dimension; a view."""
    nd = input.ndim
    a, b = _dim(dim1, nd, "diagonal"), _dim(dim2, nd, "diagonal")
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    perm = tuple(i for i in range(nd) if i not in (a, b)) + (a, b)
    inv = tuple(sorted(range(nd), key=perm.__getitem__))
    xp = input._dev.xp
    moved = xp.permute_dims(input._data, perm)
    lead, r, c = tuple(moved.shape[:-2]), moved.shape[-2], moved.shape[-1]
    span = _diag_span(r, c, offset)
    flat = xp.reshape(moved, lead + (r * c,))
    data = flat[(slice(None),) * len(lead) + (span,)]
    out = record(input._dev, data, "DiagonalBackward0", _diagonal_bw, (input,), (),
                 (inv, lead, (r, c), span))
    return _view_of(out, input)


def _embed_bw(K, n, s, g):
    lead, size, span = n.ctx
    flat = K.reshape(g, lead + (size * size,))
    return (flat[(slice(None),) * len(lead) + (span,)],)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices with input's last dimension on their diagonal `offset`, in dims dim1, dim2."""
    lead, k = tuple(input.shape[:-1]), input.shape[-1]
    size = k + abs(offset)
    span = _diag_span(size, size, offset)
    dev = input._dev
    key = tuple(slice(0, x, 1) for x in lead) + (span,)
    flat = _unslice(dev.xp, input._data, key, lead + (size * size,), dev)
    out = record(dev, dev.xp.reshape(flat, lead + (size, size)), "DiagEmbedBackward0", _embed_bw,
                 (input,), (), (lead, size, span))
    nd = out.ndim
    a, b = _dim(dim1, nd, "diag_embed"), _dim(dim2, nd, "diag_embed")
    if a == b:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    if (a, b) != (nd - 2, nd - 1):
        out = movedim(out, (nd - 2, nd - 1), (a, b))
    return out


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A 1-D input as a square matrix with it on the diagonal; a 2-D input's diagonal."""
    if input.ndim == 1:
        return diag_embed(input, diagonal)
    if input.ndim == 2:
        return clone(globals()["diagonal"](input, diagonal))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


def _tri(op: str, name: str):
    def bw(K, n, s, g):
        return (getattr(K, op)(g, k=n.ctx),)

    def fn(input: Tensor, diagonal: int = 0) -> Tensor:
        if input.ndim < 2:
            raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions")
        return record(input._dev, getattr(input._dev.xp, op)(input._data, k=diagonal), name, bw,
                      (input,), (), diagonal)
    fn.__name__ = op
    return fn


tril = _tri("tril", "TrilBackward0")
triu = _tri("triu", "TriuBackward0")


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A differentiable copy (its own storage and version counter)."""
    return record(input._dev, input._dev.xp.asarray(input._data, copy=True), "CloneBackward0",
                  lambda K, n, s, g: (g,), (input,))


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids from 1-D tensors ("ij": matrix indexing, the default; "xy": Cartesian)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f'meshgrid(): indexing must be "ij" or "xy", got "{indexing}"')
    for x in tensors:
        if x.ndim > 1:
            raise RuntimeError(f"meshgrid(): expects all tensors to be 0- or 1-dimensional, got "
                               f"shape {list(x.shape)}")
    flat = [reshape(x, (-1,)) for x in tensors]
    shape = tuple(x.shape[0] for x in flat)
    grids = []
    for i, x in enumerate(flat):
        view_shape = [1] * len(flat)
        view_shape[i] = shape[i]
        grids.append(expand(reshape(x, tuple(view_shape)), shape))
    if indexing == "xy" and len(grids) >= 2:
        grids = [transpose(g, 0, 1) for g in grids]
    return tuple(grids)


for _f in (reshape, transpose, permute, t, adjoint, unsqueeze, squeeze, flatten, unflatten,
           broadcast_to, split, tensor_split, chunk, unbind, flip, fliplr, flipud, roll, tile,
           narrow, select, movedim, diagonal, diag, diag_embed, tril, triu, clone):
    method(_f.__name__)(_f)
Tensor.swapaxes = Tensor.swapdims = transpose
Tensor.moveaxis = movedim
del _f
