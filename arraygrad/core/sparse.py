"""Sparse COO tensors (`torch.sparse_coo_tensor`): the gradients of `Embedding(sparse=True)` and
what `SparseAdam`, `SGD` and `Adagrad` read from them.

A `SparseTensor` holds `indices` (int, shape (sparse_dim, nnz)) and `values` (shape
(nnz, *dense_dims)) as raw backend arrays. Duplicated indices add up; `coalesce()` sums them with
array-API ops (a stable sort, then a segment sum by `index_add`). In the autograd engine a
sparse gradient is its own "raw array" (`_data` is the tensor itself), so backward formulas return
one (build it with `_coo`) and the engine's `+` concatenates two (sparse + dense gives dense).
Dense tensor ops do not take sparse operands: call `to_dense()`.
"""

from __future__ import annotations

import builtins

from . import dtypes as _dt
from .device import as_device
from .tensor import Size, Tensor, _wrap

__all__ = ["sparse_coo_tensor", "layout", "strided", "sparse_coo", "SparseTensor"]


class layout:
    """A tensor's memory layout (`torch.layout`): `strided` (dense) or `sparse_coo`."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"arraygrad.{self.name}"

    def __reduce__(self):
        return self.name


strided = layout("strided")
sparse_coo = layout("sparse_coo")

# every dense Tensor answers these (the sparse subclass overrides them)
Tensor.is_sparse = property(lambda self: False, doc="False: a dense (strided) tensor.")
Tensor.layout = property(lambda self: strided, doc="`arraygrad.strided` for a dense tensor.")

_new = object.__new__


def _coo(indices, values, size, dev, coalesced: bool = False) -> SparseTensor:
    """A sparse tensor over raw backend arrays (no checks): what backward formulas build."""
    t = _new(SparseTensor)
    t._data = t
    t._dev = dev
    t.grad_fn = None
    t._rg = False
    t.grad = None
    t._vc = None
    t._oi = 0
    t._hooks = None
    t._retain = False
    t._idx = indices
    t._val = values
    t._size = Size(size)
    t._coalesced = coalesced or indices.shape[1] < 2  # PyTorch: nnz < 2 is coalesced
    return t


def _prod(xs) -> int:
    n = 1
    for x in xs:
        n *= builtins.int(x)
    return n


class SparseTensor(Tensor):
    """A sparse COO tensor (`layout=arraygrad.sparse_coo`): values at listed indices, zero
    elsewhere. Supports what gradients and optimizers need; other ops take `to_dense()`."""

    __slots__ = ("_idx", "_val", "_size", "_coalesced")

    def __new__(cls, *args, **kwargs):
        raise TypeError("SparseTensor: build one with arraygrad.sparse_coo_tensor(indices, "
                        "values, size)")

    # ---- what it is ---------------------------------------------------------------------------
    @property
    def is_sparse(self) -> bool:
        return True

    @property
    def layout(self) -> layout:
        return sparse_coo

    @property
    def shape(self) -> Size:
        return self._size

    def size(self, dim: int | None = None):
        """The dense shape (or one dimension of it), as `Tensor.size`."""
        if dim is None:
            return self._size
        return self._size[dim]

    @property
    def dtype(self) -> _dt.dtype:
        return self._dev.to_ag[self._val.dtype]

    @property
    def ndim(self) -> int:
        return len(self._size)

    def dim(self) -> int:
        """Number of dimensions of the dense shape."""
        return len(self._size)

    def numel(self) -> int:
        """Elements of the dense shape, as PyTorch counts them for sparse tensors."""
        return _prod(self._size)

    def sparse_dim(self) -> int:
        """How many leading dimensions the indices address."""
        return self._idx.shape[0]

    def dense_dim(self) -> int:
        """How many trailing dimensions each value holds."""
        return len(self._size) - self._idx.shape[0]

    def _nnz(self) -> int:
        """Number of stored (index, value) entries, duplicates included."""
        return self._idx.shape[1]

    def is_coalesced(self) -> bool:
        """Whether the indices are known to be sorted and unique."""
        return self._coalesced

    def _indices(self) -> Tensor:
        """The stored indices, (sparse_dim, nnz), uncoalesced as they are."""
        return _wrap(self._idx, self._dev)

    def _values(self) -> Tensor:
        """The stored values, (nnz, *dense_dims), uncoalesced as they are."""
        return _wrap(self._val, self._dev)

    def indices(self) -> Tensor:
        """The indices of a coalesced tensor (PyTorch raises otherwise: call coalesce())."""
        self._need_coalesced("indices")
        return self._indices()

    def values(self) -> Tensor:
        """The values of a coalesced tensor (PyTorch raises otherwise: call coalesce())."""
        self._need_coalesced("values")
        return self._values()

    def _need_coalesced(self, op: str) -> None:
        if not self._coalesced:
            raise RuntimeError(f"Cannot get {op} on an uncoalesced tensor, please call "
                               ".coalesce() first")

    # ---- conversion ---------------------------------------------------------------------------
    def _flat(self):
        """Row-major linear index of each entry over the sparse dimensions (raw, (nnz,))."""
        idx, k = self._idx, self._idx.shape[0]
        flat = idx[k - 1, :]
        stride = 1
        for d in range(k - 2, -1, -1):
            stride *= self._size[d + 1]
            flat = flat + idx[d, :] * stride
        return flat

    def _dense(self):
        """The dense raw array."""
        xp, dev = self._dev.xp, self._dev
        k = self._idx.shape[0]
        rows = _prod(self._size[:k])
        target = xp.zeros((rows, *self._size[k:]), dtype=self._val.dtype, device=dev.native)
        if self._idx.shape[1]:
            target = dev.K.index_add(target, 0, self._flat(), self._val)
        return xp.reshape(target, tuple(self._size))

    def to_dense(self, dtype=None) -> Tensor:
        """The dense tensor (duplicates summed)."""
        out = _wrap(self._dense(), self._dev)
        return out if dtype is None else out.to(dtype)

    def coalesce(self) -> SparseTensor:
        """Sorted, unique indices with duplicate values summed (a stable argsort of the linear
        index, then a segment sum); the new nnz needs one host read, as in any COO library."""
        if self._coalesced:
            return self
        dev, xp = self._dev, self._dev.xp
        k, nnz = self._idx.shape
        itype = self._idx.dtype
        if nnz == 0:
            return _coo(self._idx, self._val, self._size, dev, True)
        flat = self._flat()
        order = xp.argsort(flat, stable=True)
        sf = xp.take(flat, order)
        sv = xp.take(self._val, order, axis=0)
        first = xp.ones((1,), dtype=xp.bool, device=dev.native)
        head = xp.astype(xp.concat([first, sf[1:] != sf[:-1]]), itype)
        seg = xp.cumulative_sum(head) - 1
        n = builtins.int(xp.sum(head))  # data-dependent size: one host read
        dense = tuple(self._size[k:])
        vals = dev.K.index_add(xp.zeros((n, *dense), dtype=sv.dtype, device=dev.native), 0, seg,
                               sv)
        uflat = dev.K.index_add(xp.zeros((n,), dtype=itype, device=dev.native), 0, seg,
                                xp.where(head == 1, sf, xp.zeros_like(sf)))
        rows = []
        for d in range(k - 1, -1, -1):
            s = self._size[d]
            rows.append(uflat % s)
            uflat = uflat // s
        idx = xp.stack(rows[::-1], axis=0)
        return _coo(idx, vals, self._size, dev, True)

    def clone(self) -> SparseTensor:
        """A copy that shares no arrays."""
        xp = self._dev.xp
        return _coo(xp.asarray(self._idx, copy=True), xp.asarray(self._val, copy=True),
                    self._size, self._dev, self._coalesced)

    @property
    def data(self) -> SparseTensor:
        """The same sparse tensor (it carries no history)."""
        return self.detach()

    def detach(self) -> SparseTensor:
        """The same sparse tensor (it carries no history)."""
        return _coo(self._idx, self._val, self._size, self._dev, self._coalesced)

    def to(self, *args, **kwargs) -> SparseTensor:
        """Casts the values (`.to(dtype)`) or moves indices and values (`.to(device)`)."""
        dt, dev = kwargs.pop("dtype", None), kwargs.pop("device", None)
        for a in args:
            if isinstance(a, _dt.dtype):
                dt = a
            elif a is not None:
                dev = a
        vals, idx = self._values(), self._indices()
        if dev is not None:
            vals, idx = vals.to(dev), idx.to(dev)
        if dt is not None:
            vals = vals.to(dt)
        return _coo(idx._data, vals._data, self._size, vals._dev, self._coalesced)

    def numpy(self, *, force: bool = False):
        raise RuntimeError("numpy(): a sparse tensor has no dense NumPy form; call to_dense() "
                           "first")

    def __array__(self, dtype=None, copy=None):
        raise TypeError("a sparse tensor cannot be converted to a dense array implicitly; call "
                        "to_dense() first")

    def __repr__(self) -> str:
        return (f"tensor(indices={self._indices()!r},\n       values={self._values()!r},\n"
                f"       size={tuple(self._size)}, nnz={self._nnz()}, layout=arraygrad.sparse_coo)")

    __str__ = __repr__

    def requires_grad_(self, requires_grad: bool = True) -> SparseTensor:
        if requires_grad:
            raise RuntimeError("requires_grad_(): arraygrad's sparse tensors carry gradients; "
                               "they do not take part in autograd themselves")
        return self

    # ---- arithmetic -----------------------------------------------------------------------------
    def _scaled(self, s) -> SparseTensor:
        return _coo(self._idx, self._val * s, self._size, self._dev, self._coalesced)

    def mul(self, other) -> SparseTensor:
        """Sparse times a Python scalar (or a 0-d tensor): values scaled, indices kept."""
        if isinstance(other, Tensor):
            if other.is_sparse or other.ndim != 0:
                raise RuntimeError(f"mul(): a sparse tensor multiplies a scalar or 0-d tensor "
                                   f"here, got a tensor of shape {tuple(other.shape)}")
            other = other._data
        return self._scaled(other)

    __mul__ = __rmul__ = mul

    def mul_(self, other) -> SparseTensor:
        """In-place `mul`: the values are replaced (in place where the backend allows)."""
        new = self.mul(other)
        self._val = new._val
        self._bump()
        return self

    def div(self, other) -> SparseTensor:
        """Sparse divided by a Python scalar."""
        return self._scaled(1.0 / other)

    __truediv__ = div

    def __neg__(self) -> SparseTensor:
        return self._scaled(-1)

    neg = __neg__

    def zero_(self) -> SparseTensor:
        """Drops every entry (nnz becomes 0), as PyTorch's zero_() on a sparse tensor."""
        xp = self._dev.xp
        k = self._idx.shape[0]
        self._idx = xp.zeros((k, 0), dtype=self._idx.dtype, device=self._dev.native)
        self._val = xp.zeros((0, *self._size[k:]), dtype=self._val.dtype, device=self._dev.native)
        self._coalesced = True
        self._bump()
        return self

    def add(self, other, *, alpha=1):
        """sparse + sparse: indices and values concatenated (uncoalesced, as PyTorch);
        sparse + dense: a dense tensor. A raw backend array (inside the engine) gives raw."""
        if alpha != 1:
            other = other * alpha
        if isinstance(other, SparseTensor):
            self._check_same(other)
            xp = self._dev.xp
            val = other._val
            if val.dtype != self._val.dtype:
                rt = xp.result_type(val.dtype, self._val.dtype)
                val = xp.astype(val, rt)
                return _coo(xp.concat([self._idx, other._idx], axis=1),
                            xp.concat([xp.astype(self._val, rt), val], axis=0), self._size,
                            self._dev)
            return _coo(xp.concat([self._idx, other._idx], axis=1),
                        xp.concat([self._val, val], axis=0), self._size, self._dev)
        if isinstance(other, Tensor):
            if tuple(other.shape) != tuple(self._size):
                raise RuntimeError(f"add(): sparse tensor of size {tuple(self._size)} and dense "
                                   f"tensor of shape {tuple(other.shape)} differ")
            return self.to_dense() + other
        return self._dense() + other  # raw array (engine accumulation)

    __add__ = add

    def __radd__(self, other):
        return self.add(other)

    def sub(self, other, *, alpha=1):
        """self - alpha * other (see `add`)."""
        return self.add(-other if alpha == 1 else other * -alpha)

    __sub__ = sub

    def _check_same(self, other: SparseTensor) -> None:
        if tuple(other._size) != tuple(self._size) or other.sparse_dim() != self.sparse_dim():
            raise RuntimeError(f"add(): sparse tensors of size {tuple(self._size)} (sparse_dim "
                               f"{self.sparse_dim()}) and {tuple(other._size)} (sparse_dim "
                               f"{other.sparse_dim()}) cannot be added")
        if other._dev is not self._dev:
            raise RuntimeError(f"add(): sparse tensors on {self._dev} and {other._dev}")


def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None,
                      requires_grad=False, check_invariants=None, is_coalesced=None
                      ) -> SparseTensor:
    """A sparse COO tensor (`torch.sparse_coo_tensor`): `indices` (sparse_dim, nnz) integers,
    `values` (nnz, *dense_dims); `size` is inferred from the indices when omitted. arraygrad's
    sparse tensors hold gradients: `requires_grad=True` is not supported."""
    from .creation import as_tensor

    if requires_grad:
        raise NotImplementedError("sparse_coo_tensor(): requires_grad=True is not supported; "
                                  "arraygrad's sparse tensors carry gradients only")
    values = as_tensor(values, dtype=dtype, device=device)
    dev = values._dev if device is None else as_device(device)
    indices = as_tensor(indices, device=dev)
    if indices.dtype.kind != _dt._INT:
        raise RuntimeError(f"sparse_coo_tensor(): indices must be an int64 tensor, got "
                           f"{indices.dtype}")
    if indices.ndim != 2:
        raise RuntimeError(f"sparse_coo_tensor(): indices must be sparse_dim x nnz, but got: "
                           f"{list(indices.shape)}")
    if values.ndim < 1:
        raise RuntimeError("sparse_coo_tensor(): values must have at least one dimension (nnz), "
                           "got a 0-d tensor")
    k, nnz = indices.shape
    if values.shape[0] != nnz:
        raise RuntimeError(f"sparse_coo_tensor(): indices and values must have same nnz, but got "
                           f"nnz from indices: {nnz}, nnz from values: {values.shape[0]}")
    dense = tuple(values.shape[1:])
    if size is None:
        xp = dev.xp
        if nnz:
            top = dev.backend.to_numpy(dev.backend.computed(xp.max(indices._data, axis=1)))
            size = tuple(builtins.int(x) + 1 for x in top.tolist()) + dense
        else:
            size = (0,) * k + dense
    size = tuple(builtins.int(s) for s in size)
    if len(size) != k + len(dense):
        raise RuntimeError(f"sparse_coo_tensor(): number of dimensions must be sparse_dim ({k}) "
                           f"+ dense_dim ({len(dense)}), but got {len(size)}")
    if tuple(size[k:]) != dense:
        raise RuntimeError(f"sparse_coo_tensor(): values has size {list(values.shape)} but the "
                           f"dense dimensions of size {list(size)} are {list(size[k:])}")
    idx = indices._data
    if idx.dtype != dev.native_dtype(dev.default_int):
        idx = dev.xp.astype(idx, dev.native_dtype(dev.default_int))
    return _coo(idx, values._data, size, dev, builtins.bool(is_coalesced))


def _accumulate_sparse(t: Tensor, g):
    """t.grad after adding gradient g where one of them is sparse (the engine's AccumulateGrad):
    sparse + sparse concatenates, sparse + dense gives dense; g arrives raw or as a Tensor."""
    cur = t.grad
    if isinstance(g, Tensor) and not isinstance(g, SparseTensor):
        g = g._data
    if isinstance(g, SparseTensor):
        if tuple(g._size) != tuple(t.shape):
            raise RuntimeError(f"backward(): invalid gradient for a tensor of shape "
                               f"{tuple(t.shape)}: got a sparse gradient of size "
                               f"{tuple(g._size)}")
        if g.dtype is not t.dtype:
            g = g.to(t.dtype)
        if cur is None:
            return g
        if isinstance(cur, SparseTensor):
            return cur.add(g)
        if cur._rg:
            return _wrap(cur._data + g._dense(), cur._dev)
        cur._data = cur._data + g._dense()
        cur._bump()
        return cur
    # cur is sparse, g dense: the sum is dense
    if g.dtype != t._data.dtype:
        g = t._dev.xp.astype(g, t._data.dtype)
    return _wrap(cur._dense() + g, t._dev)
