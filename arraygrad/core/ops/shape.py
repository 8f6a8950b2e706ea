"""Shape views: reshape, view, flatten, squeeze/unsqueeze, permute, transpose, t/T/mT, movedim,
expand and broadcasting, narrow, select, diagonal.

Every op here returns a view where PyTorch does (core/views.py): it remembers its base and the
step that took it, shares the version counter, and an in-place op on it writes into the base.
`reshape`/`flatten` of a tensor whose strides cannot be viewed copy instead, and `view` raises, as
in PyTorch. Backward formulas use only array-API functions through `K`. Joining and splitting
live in `joining.py`, rearranging copies (flip, roll, repeat, tril, diag_embed, clone) in
`rearranging.py`.
"""

from __future__ import annotations

import math

from .. import dtypes as _dt
from ..graph import record
from ..tensor import Size, Tensor, _dim
from ._common import method, unbroadcast
from ..tensor import _wrap
from ..views import BIJ, EXPAND, PAD, SUM, Step, diagonal_geometry, expand_strides, geometry
from ..views import contiguous_strides, make_view, reshape_strides
from ._slicing import _basic, _slice_dim, _unslice, _zeros

__all__ = [
    "reshape", "transpose", "swapaxes", "swapdims", "permute", "t", "adjoint", "unsqueeze",
    "squeeze", "flatten", "unflatten", "broadcast_to", "broadcast_tensors", "broadcast_shapes",
    "narrow", "select", "movedim", "moveaxis", "diagonal", "as_strided",
]
# view, view_as, reshape_as, expand and expand_as are Tensor methods only, as in PyTorch.


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


def _infer_shape(shape: tuple, numel: int) -> tuple:
    """shape with its one -1 inferred for a tensor of numel elements (PyTorch's messages)."""
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    if neg:
        rest = math.prod(s for s in shape if s != -1)
        if rest == 0:
            raise RuntimeError(
                f"cannot reshape tensor of {numel} elements into shape {list(shape)} because the "
                "unspecified dimension size -1 can be any value and is ambiguous")
        if numel % rest:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = shape[:neg[0]] + (numel // rest,) + shape[neg[0] + 1:]
    if math.prod(shape) != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


# ---- reshaping views -----------------------------------------------------------------------------
def _reshape_bw(K, n, s, g):
    return (K.reshape(g, n.ctx),)


def _same_bw(K, n, s, g):
    return (g,)


def _same(K, a):
    return a


_VIEW_ERROR = ("view size is not compatible with input tensor's size and stride (at least one "
               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")


def _reshaped(x: Tensor, shape: tuple, name: str, must_view: bool = False) -> Tensor:
    """x with a new shape: a view when its strides allow (always for a contiguous x), else a copy
    (reshape) or PyTorch's error (view, must_view)."""
    d = x._data
    old = tuple(d.shape)
    dev = x._dev
    strides, offset = geometry(x)
    if x._view is not None:
        new_strides = reshape_strides(old, strides, shape)
        if new_strides is None:
            if must_view:
                raise RuntimeError(_VIEW_ERROR)
            return record(dev, dev.xp.reshape(d, shape), "UnsafeViewBackward0", _reshape_bw,
                          (x,), (), old)
        strides = new_strides
    else:
        strides = None
    if old == shape:
        out = record(dev, d, name, _same_bw, (x,))
        step = Step(_same, _same_bw, None, dev, BIJ, name)
    else:
        out = record(dev, dev.xp.reshape(d, shape), name, _reshape_bw, (x,), (), old)
        step = Step(lambda K, a: K.reshape(a, shape), _reshape_bw, old, dev, BIJ, name)
    if strides is None:
        strides = contiguous_strides(shape)
    return make_view(out, x, step, strides, offset)


def reshape(input: Tensor, *shape) -> Tensor:
    """input with the given shape (one -1 inferred): a view when input's strides allow, else a
    copy, as in PyTorch."""
    shape = _infer_shape(_ints(shape, "reshape"), input.numel())
    return _reshaped(input, shape, "ViewBackward0")


@method()
def view(self: Tensor, *shape) -> Tensor:
    if len(shape) == 1 and isinstance(shape[0], _dt.dtype):
        if shape[0] is self.dtype:
            return _reshaped(self, tuple(self.shape), "ViewBackward0", True)
        raise TypeError(f"view(): reinterpreting the bits of a {self.dtype} tensor as "
                        f"{shape[0]} is not expressible with the array API standard; use .to()")
    shape = _infer_shape(_ints(shape, "view"), self.numel())
    return _reshaped(self, shape, "ViewBackward0", True)


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
    new = shape[:a] + (math.prod(shape[a:b + 1]),) + shape[b + 1:]
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
    dev = x._dev
    out = record(dev, dev.xp.permute_dims(x._data, perm), name, _permute_bw, (x,), (), inv)
    strides, offset = geometry(x)
    return make_view(out, x, Step(lambda K, a: K.permute_dims(a, perm), _permute_bw, inv, dev, BIJ,
                                  name), tuple(strides[p] for p in perm), offset)


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
    dev = self._dev
    out = record(dev, dev.xp.broadcast_to(self._data, new), "ExpandBackward0", _expand_bw,
                 (self,), (), shape)
    strides, offset = geometry(self)
    step = Step(lambda K, a: K.broadcast_to(a, new), _expand_bw, shape, dev, EXPAND,
                "ExpandBackward0")
    return make_view(out, self, step, expand_strides(shape, strides, new), offset)


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


# ---- slicing views -------------------------------------------------------------------------------
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


# ---- diagonals -----------------------------------------------------------------------------------
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
    dev = input._dev
    shape = tuple(input._data.shape)
    lead = tuple(shape[i] for i in perm[:-2])
    r, c = shape[a], shape[b]
    span = _diag_span(r, c, offset)
    key = (slice(None),) * len(lead) + (span,)

    def fwd(K, x):
        return K.reshape(K.permute_dims(x, perm), lead + (r * c,))[key]

    ctx = (inv, lead, (r, c), span)
    out = record(dev, fwd(dev.xp, input._data), "DiagonalBackward0", _diagonal_bw, (input,), (),
                 ctx)
    strides, off = diagonal_geometry(shape, *geometry(input), offset, a, b, out._data.shape[-1])
    return make_view(out, input, Step(fwd, _diagonal_bw, ctx, dev, PAD, "DiagonalBackward0"),
                     strides, off)


# ---- as_strided ----------------------------------------------------------------------------------
def _lifted(pos, like, dev):
    return _wrap(pos, dev) if isinstance(like, Tensor) else pos


def _strided_fwd(pos, size: tuple, dev):
    """as_strided replayed on the storage's array: a gather of the positions it reads."""
    def fwd(K, a):
        flat = K.reshape(a, (-1,))
        return K.reshape(K.take(flat, _lifted(pos, flat, dev), axis=0), size)
    return fwd


def _strided_bw(K, n, s, g):
    """The storage's gradient: each element gets the sum of the outputs that read it."""
    pos, root_shape = n.ctx
    z = _zeros(K, (math.prod(root_shape),), g, n.dev)
    flat = K.reshape(g, (-1,))
    return (K.reshape(K.index_add(z, 0, _lifted(pos, g, n.dev), flat), root_shape),)


def as_strided(input: Tensor, size, stride, storage_offset: int | None = None) -> Tensor:
    """A view of input's storage (its base's elements, row-major) with the given size, strides
    and offset (default input's own offset): NumPy/CuPy share memory through their strides,
    the other backends gather, and writes go back as for every view."""
    size, stride = _ints((size,), "as_strided"), _ints((stride,), "as_strided")
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {list(stride)}")
    v = input._view
    root = input if v is None else v.base
    off = geometry(input)[1] if storage_offset is None else int(storage_offset)
    n = root.numel()
    need = off + sum((a - 1) * b for a, b in zip(size, stride, strict=True)) + 1 if all(size) \
        else off
    if need > n or off < 0:
        item = input.element_size()
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {off}, and itemsize {item} requiring a storage size of "
                           f"{need * item} are out of bounds for storage of size {n * item}")
    dev = root._dev
    xp = dev.xp
    it = dev.native_dtype(dev.default_int)
    pos = xp.full((), off, dtype=it, device=dev.native)
    for i, (a, b) in enumerate(zip(size, stride, strict=True)):
        ar = xp.arange(a, dtype=it, device=dev.native) * b
        pos = pos + xp.reshape(ar, (1,) * i + (a,) + (1,) * (len(size) - i - 1))
    pos = xp.reshape(xp.broadcast_to(pos, size), (-1,))
    fwd = _strided_fwd(pos, size, dev)
    ctx = (pos, tuple(root.shape))
    data = dev.backend.strided_view(root._data, size, stride, off)
    if data is None:
        data = fwd(xp, root._data)
    out = record(dev, data, "AsStridedBackward0", _strided_bw, (root,), (), ctx)
    step = Step(fwd, _strided_bw, ctx, dev, SUM, "AsStridedBackward0")
    return make_view(out, root, step, stride, off)


for _f in (reshape, transpose, permute, t, adjoint, unsqueeze, squeeze, flatten, unflatten,
           broadcast_to, narrow, select, movedim, diagonal, as_strided):
    method(_f.__name__)(_f)
Tensor.swapaxes = Tensor.swapdims = transpose
Tensor.moveaxis = movedim
del _f
