"""`Tensor`: a backend array plus what autograd needs (requires_grad, grad, grad_fn, a version).

The class holds the object protocol (properties, conversion, printing, moving between devices);
the ops modules attach the math as methods, each family from its own file.
"""

from __future__ import annotations

import builtins

from . import dtypes as _dt
from .device import as_device, device
from .grad_mode import STATE

__all__ = ["Tensor"]

_new = object.__new__


class Tensor:
    """A multi-dimensional array on one device, with define-by-run autograd."""

    __slots__ = ("_data", "_dev", "grad_fn", "_rg", "grad", "_vc", "_oi", "_hooks", "_retain",
                 "_view", "__weakref__")

    def __new__(cls, *args, **kwargs):
        # Tensor(data) / Tensor(2, 3): PyTorch's legacy constructor, default float dtype
        from .creation import _legacy_new

        return _legacy_new(cls, *args, **kwargs)

    # ---- autograd state -----------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach().")
        if requires_grad and self.dtype.kind < _dt._FLOAT:
            raise RuntimeError(
                f"only Tensors of floating point and complex dtype can require gradients "
                f"(got {self.dtype})")
        self._rg = builtins.bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def retains_grad(self) -> bool:
        return self._retain

    @property
    def _version(self) -> int:
        return 0 if self._vc is None else self._vc[0]

    @property
    def data(self) -> Tensor:
        """The same values, detached from the graph (shares memory)."""
        return self.detach()

    @data.setter
    def data(self, other: Tensor) -> None:
        if not isinstance(other, Tensor):
            raise TypeError(f"data: expected a Tensor, got {type(other).__name__}")
        self._data, self._dev = other._data, other._dev
        # new storage: old views of self keep the old values, as in PyTorch
        self._view = None
        if self._vc is not None and len(self._vc) > 1:
            self._vc = [self._vc[0]]

    def detach(self) -> Tensor:
        """The same values, outside the graph: a view that shares memory and version counter (an
        in-place change through either shows in the other, on every backend)."""
        return _views().detached(self)

    # ---- views -----------------------------------------------------------------------------------
    @property
    def _base(self) -> Tensor | None:
        """The tensor this one is a view of (None unless it is a differentiable view)."""
        v = self._view
        return v.base if v is not None and v.diff else None

    def _is_view(self) -> bool:
        """Whether this tensor is a differentiable view of another (PyTorch's `_is_view`)."""
        return self._base is not None

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._rg = False
        return self

    def _shared_vc(self) -> list:
        vc = self._vc
        if vc is None:
            vc = self._vc = [0]
        return vc

    def _bump(self) -> None:
        """Moves the version counter after an in-place change; the views of the same base
        re-derive their data (core/views.py)."""
        vc = self._vc
        if vc is None:
            self._vc = [1]
        else:
            vc[0] += 1
            if len(vc) > 1:
                v = self._view
                _views().refresh(self if v is None else v.base)

    def retain_grad(self) -> None:
        if not self._rg:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None and not self._retain:
            self._retain = True
            from .graph import _add_output_hook

            _add_output_hook(self, None)

    def register_hook(self, hook):
        """Calls hook(grad) when this tensor's gradient is computed; a returned tensor replaces
        it."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        from .graph import _add_output_hook, _RemovableHandle

        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            self._hooks.append(hook)
            return _RemovableHandle(self._hooks, hook)
        return _add_output_hook(self, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        from .autograd import backward

        backward([self], None if gradient is None else [gradient], retain_graph, create_graph,
                 inputs=inputs)

    # ---- array attributes -----------------------------------------------------------------------
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        s = self._data.shape
        if dim is None:
            return Size(s)
        return s[_dim(dim, len(s), "size")]

    @property
    def dtype(self) -> _dt.dtype:
        return self._dev.to_ag[self._data.dtype]

    @property
    def device(self) -> device:
        return self._dev

    @property
    def ndim(self) -> int:
        return len(self._data.shape)

    def dim(self) -> int:
        return len(self._data.shape)

    ndimension = dim

    def numel(self) -> int:
        n = 1
        for s in self._data.shape:
            n *= s
        return n

    nelement = numel

    def element_size(self) -> int:
        return self.dtype.itemsize

    def is_floating_point(self) -> bool:
        return self.dtype.kind == _dt._FLOAT

    def is_complex(self) -> bool:
        return self.dtype.kind == _dt._COMPLEX

    @property
    def is_cuda(self) -> bool:
        return self._dev.type == "cuda"

    def is_contiguous(self) -> bool:
        """Whether the elements lie in row-major order in memory (a transposed or strided view's do
        not), as PyTorch's strides say."""
        v = self._view
        if v is None:
            return True
        expected = 1
        for n, st in zip(reversed(self._data.shape), reversed(v.strides), strict=True):
            if n == 0:
                return True
            if n != 1:
                if st != expected:
                    return False
                expected *= n
        return True

    def contiguous(self) -> Tensor:
        """self when contiguous, else a row-major copy (differentiable)."""
        return self if self.is_contiguous() else self.clone()

    def stride(self, dim: int | None = None):
        """The step in elements between neighbours along each dimension (PyTorch's strides)."""
        from .views import geometry

        st = geometry(self)[0]
        return st if dim is None else st[_dim(dim, len(st), "stride")]

    def storage_offset(self) -> int:
        """Where this tensor's first element sits among its base's elements (0 for a base)."""
        from .views import geometry

        return geometry(self)[1]

    def get_device(self) -> int:
        return self._dev.index if self._dev.type == "cuda" else -1

    def __len__(self) -> int:
        if not self._data.shape:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if not self._data.shape:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __hash__(self) -> int:
        return id(self)

    # ---- values on the host -------------------------------------------------------------------
    def _computed(self):
        """The backend array with its values computed (kept, so a lazy backend computes once)."""
        if self._view is not None:
            _views().sync(self)
        d = self._dev.backend.computed(self._data)
        if d is not self._data:
            self._data = d
        return d

    def numpy(self, *, force: bool = False):
        if self._rg and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. "
                "Use tensor.detach().numpy() instead.")
        return self._dev.backend.to_numpy(self._computed())

    # NumPy defers to Tensor's reflected operators (np_array + t raises our clear TypeError)
    __array_ufunc__ = None

    def __array__(self, dtype=None, copy=None):
        a = self._dev.backend.to_numpy(self._computed())
        return a if dtype is None else a.astype(dtype)

    def item(self):
        if self.numel() != 1:
            raise RuntimeError(
                f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        return self._dev.backend.to_numpy(self._computed()).reshape(()).item()

    def tolist(self):
        return self._dev.backend.to_numpy(self._computed()).tolist()

    def _scalar(self, what: str):
        if self.numel() != 1:
            raise ValueError(f"only one element tensors can be converted to Python scalars "
                             f"({what}() of a tensor of shape {tuple(self.shape)})")
        return self.item()

    def __float__(self) -> float:
        return builtins.float(self._scalar("float"))

    def __int__(self) -> int:
        return builtins.int(self._scalar("int"))

    def __index__(self) -> int:
        if self.dtype.kind not in (_dt._INT, _dt._BOOL) or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self.item())

    def __bool__(self) -> bool:
        n = self.numel()
        if n != 1:
            many = "no values" if n == 0 else "more than one value"
            raise RuntimeError(
                f"Boolean value of Tensor with {many} is ambiguous (shape {tuple(self.shape)})")
        return builtins.bool(self.item())

    def __complex__(self) -> complex:
        return complex(self._scalar("complex"))

    def __repr__(self) -> str:
        """PyTorch's format: aligned columns, then device=, dtype= (when not a default dtype),
        grad_fn= or requires_grad=True."""
        from ..backends.host import add_suffixes, format_values
        from .device import get_default_device

        prefix = "tensor(" if type(self) is Tensor else f"{type(self).__name__}("
        indent = len(prefix)
        suffixes = []
        if self._dev != get_default_device():
            suffixes.append(f"device='{self._dev}'")
        d, default = self.dtype, _dt.get_default_dtype()
        if self.numel() == 0:
            body = "[]"
            if self.ndim != 1:
                suffixes.append(f"size={tuple(self.shape)}")
            if d is not default:
                suffixes.append(f"dtype={d!r}")
        else:
            body = format_values(self._dev.backend.to_numpy(self._computed()), indent)
            if d not in (default, _dt._complex_of(default), _dt.int64, _dt.bool):
                suffixes.append(f"dtype={d!r}")
        if self.grad_fn is not None:
            suffixes.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self._rg:
            suffixes.append("requires_grad=True")
        return add_suffixes(prefix + body, suffixes, indent)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if self.ndim == 0:
            return format(self.item(), spec)
        return repr(self)

    # ---- the array API's array object -----------------------------------------------------------
    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """The standard's DLPack export of the backend array (only the keywords given are passed
        on, so libraries that predate DLPack 1.0 still export)."""
        kw = {k: v for k, v in (("stream", stream), ("max_version", max_version),
                                ("dl_device", dl_device), ("copy", copy)) if v is not None}
        return self._computed().__dlpack__(**kw)

    def __dlpack_device__(self):
        return self._computed().__dlpack_device__()

    def __array_namespace__(self, api_version: str | None = None):
        from .. import array_api

        if api_version not in (None, "2023.12", "2024.12"):
            raise ValueError(
                f"arraygrad.array_api implements the 2024.12 standard, not {api_version}")
        return array_api

    def to_device(self, device, /, *, stream=None) -> Tensor:
        return self.to(device)

    # ---- moving and casting -------------------------------------------------------------------
    def to(self, *args, **kwargs) -> Tensor:
        """`.to(device)`, `.to(dtype)`, `.to(device, dtype)` or `.to(other_tensor)`;
        differentiable (the gradient moves back)."""
        dev = kwargs.pop("device", None)
        dt = kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        copy = kwargs.pop("copy", False)
        if kwargs:
            raise TypeError(f"to() got unexpected arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, _dt.dtype):
                dt = a
            elif isinstance(a, Tensor):
                dev, dt = a._dev, a.dtype
            elif a is not None:
                dev = a
        out = self
        if dev is not None:
            from .ops.movement import to_device

            out = to_device(out, as_device(dev))
        if dt is not None and dt is not out.dtype:
            from .ops.elementwise import _cast

            out = _cast(out, dt)
        if copy and out is self:
            out = self.clone()
        return out

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self, device=None) -> Tensor:
        return self.to(as_device(device if device is not None else "cuda"))

    def type(self, dtype=None):
        if dtype is None:
            return f"arraygrad.{_TYPE_NAMES.get(self.dtype.name, self.dtype.name)}"
        if isinstance(dtype, str):
            name = dtype.rsplit(".", 1)[-1]
            dtype = _TYPE_FROM_NAME.get(name) or _dt.from_name(name)
        return self.to(dtype)

    def float(self) -> Tensor:
        return self.to(_dt.float32)

    def double(self) -> Tensor:
        return self.to(_dt.float64)

    def half(self) -> Tensor:
        return self.to(_dt.float16)

    def long(self) -> Tensor:
        return self.to(_dt.int64)

    def int(self) -> Tensor:
        return self.to(_dt.int32)

    def short(self) -> Tensor:
        return self.to(_dt.int16)

    def bool(self) -> Tensor:
        return self.to(_dt.bool)

    def byte(self) -> Tensor:
        return self.to(_dt.uint8)

    def char(self) -> Tensor:
        return self.to(_dt.int8)


_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
               "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}
_TYPE_FROM_NAME = {v: _dt.from_name(k) for k, v in _TYPE_NAMES.items()}


class Size(tuple):
    """`Tensor.size()`: a tuple of ints, printed as PyTorch does."""

    def __repr__(self) -> str:
        return f"arraygrad.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


def _dim(d: int, ndim: int, op: str) -> int:
    """d as a non-negative dimension of an ndim-dimensional tensor, or an IndexError naming op."""
    n = ndim if ndim else 1
    if not -n <= d < n:
        raise IndexError(f"{op}(): dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {d})")
    return d + n if d < 0 else d


def _wrap(data, dev: device, node=None, oi: int = 0) -> Tensor:
    """A Tensor over a backend array; with a node, the tensor is that node's output number oi."""
    at = dev.backend.array_type
    if at is not None and type(data) is not at:
        data = dev.backend.fix(data)
    t = _new(Tensor)
    t._data = data
    t._dev = dev
    t.grad_fn = node
    t._rg = node is not None
    t.grad = None
    t._vc = None
    t._oi = oi
    t._hooks = None
    t._retain = False
    t._view = None
    return t


def _views():
    """core/views.py (it imports this module, so it is looked up on first use)."""
    global _VIEWS
    if _VIEWS is None:
        from . import views

        _VIEWS = views
    return _VIEWS


_VIEWS = None


def _grad_mode_enabled() -> bool:
    return STATE.enabled
