"""Creating tensors: from data, filled, ranges, identity, random; `*_like` variants."""

from __future__ import annotations

import builtins
import math

from . import dtypes as _dt
from .device import as_device
from .random import default_generator
from .tensor import Size, Tensor, _wrap

__all__ = [
    "tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty", "eye",
    "arange", "linspace", "logspace", "zeros_like", "ones_like", "full_like", "empty_like",
    "randn", "rand", "randint", "randperm", "normal", "bernoulli", "rand_like", "randn_like",
    "randint_like", "scalar_tensor", "tril_indices", "triu_indices",
]

_PY_SCALARS = (bool, int, float, complex)


def _size(args, op: str) -> tuple:
    """A shape from f(2, 3), f((2, 3)), f([2, 3]) or f(Size)."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    out = []
    for s in args:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, int) or isinstance(s, bool):
            raise TypeError(f"{op}(): size must be a sequence of ints, got {args!r}")
        if s < 0:
            raise RuntimeError(
                f"{op}(): trying to create tensor with negative dimension {s}: {args!r}")
        out.append(s)
    return tuple(out)


def _finish(data, dev, requires_grad: bool) -> Tensor:
    t = _wrap(data, dev)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_dtype(dtype, dev, op: str):
    d = dtype if dtype is not None else _dt.get_default_dtype()
    return d, dev.native_dtype(d, op)


def _scan_kind(data) -> int:
    """The highest scalar kind in nested Python data (-1 if none)."""
    if isinstance(data, _PY_SCALARS):
        if type(data) not in _PY_SCALARS and hasattr(data, "dtype"):
            return -2  # a NumPy scalar (np.float64 subclasses float): its dtype decides
        return _dt._scalar_kind(data)
    if isinstance(data, Tensor):
        return data.dtype.kind
    if isinstance(data, (list, tuple)):
        k = -1
        for x in data:
            k = builtins.max(k, _scan_kind(x))
        return k
    return -2  # an array-like object: its own dtype decides


def _plain(data):
    if isinstance(data, Tensor):
        return data.tolist()
    if isinstance(data, (list, tuple)):
        return [_plain(x) for x in data]
    return data


def _default_dtype_of_kind(kind: int, dev) -> _dt.dtype:
    if kind == _dt._INT:
        return dev.default_int
    if kind == _dt._BOOL:
        return _dt.bool
    if kind == _dt._COMPLEX:
        return _dt._complex_of(_dt.get_default_dtype())
    return _dt.get_default_dtype()


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of data (nested Python numbers, an array, or a Tensor)."""
    dev = as_device(device if device is not None else (
        data._dev if isinstance(data, Tensor) else None))
    if isinstance(data, Tensor):
        t = data.detach().to(dev)
        if dtype is not None:
            t = t.to(dtype)
        out = _wrap(dev.xp.asarray(t._data, copy=True), dev)
        return out.requires_grad_(True) if requires_grad else out
    kind = _scan_kind(data)
    b = dev.backend
    if kind >= -1:
        d = dtype if dtype is not None else _default_dtype_of_kind(
            kind if kind >= 0 else _dt._FLOAT, dev)
        plain = _plain(data)
        try:
            arr = b.asarray(plain, dtype=dev.native_dtype(d, "tensor"), native_device=dev.native)
        except ValueError:
            _check_rectangular(plain, 0)
            raise
    else:
        arr = _foreign(data, dev, dtype, copy=True)
    return _finish(arr, dev, requires_grad)


def _check_rectangular(data, dim: int) -> None:
    """Raises PyTorch's ValueError for ragged nested lists ([[1, 2], [3]])."""
    if not isinstance(data, list) or not data:
        return
    subs = [x for x in data if isinstance(x, list)]
    if subs and len(subs) != len(data):
        raise ValueError(f"tensor(): expected a sequence at dim {dim + 1} for every element, "
                         f"got a mix of sequences and scalars")
    if subs:
        n = len(subs[0])
        for x in subs:
            if len(x) != n:
                raise ValueError(f"tensor(): expected sequence of length {n} at dim {dim + 1} "
                                 f"(got {len(x)})")
        for x in subs:
            _check_rectangular(x, dim + 1)


def _foreign(data, dev, dtype, copy: bool):
    """An array of another library (NumPy, CuPy, ...) as dev's array, via DLPack or the host."""
    b = dev.backend
    try:
        arr = b.xp.asarray(data, copy=True if copy else None) if _same_library(data, dev) else None
    except Exception:
        arr = None
    if arr is None:
        from ..backends.host import to_host

        arr = b.from_numpy(to_host(data, copy), dev.native)
    if dtype is not None:
        nd = dev.native_dtype(dtype, "tensor")
        if arr.dtype != nd:
            arr = dev.xp.astype(arr, nd)
    elif arr.dtype not in dev.to_ag:
        raise TypeError(f"tensor(): data of dtype {arr.dtype} has no arraygrad dtype")
    return arr


def _same_library(data, dev) -> bool:
    at = dev.backend.array_type
    return at is not None and isinstance(data, at)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """data as a tensor, sharing memory where the backend and dtype allow."""
    if isinstance(data, Tensor):
        out = data
        if device is not None:
            out = out.to(as_device(device))
        return out.to(dtype) if dtype is not None else out
    dev = as_device(device) if device is not None else _array_device(data)
    if _scan_kind(data) >= -1:
        return tensor(data, dtype=dtype, device=dev)
    return _wrap(_foreign(data, dev, dtype, copy=False), dev)


def _array_device(data):
    """The device of a loaded non-host backend whose array type `data` is (a CuPy array, a JAX
    array or tracer: as_tensor keeps it there, as torch.as_tensor keeps a CUDA array on CUDA);
    otherwise the default device."""
    from .. import backends as _backends
    from .device import device as _device

    for b in list(_backends._loaded.values()):
        at = b.array_type
        if b.device_type != "cpu" and at is not None and isinstance(data, at):
            return _device(b.device_type, b.index_of(b.device_of(data)))
    return as_device(None)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad: bool = False) -> Tensor:
    t = tensor(obj, dtype=dtype, device=device) if copy else as_tensor(obj, dtype, device)
    return t.requires_grad_(True) if requires_grad else t


def from_numpy(ndarray) -> Tensor:
    """A CPU tensor sharing memory with a NumPy array."""
    dev = as_device("cpu")
    if not hasattr(ndarray, "__array_interface__"):
        raise TypeError(f"from_numpy(): expected a numpy.ndarray, got {type(ndarray).__name__}")
    return _wrap(dev.backend.from_numpy(ndarray), dev)


def frombuffer_uint8(raw: bytes) -> Tensor:
    return tensor(list(raw), dtype=_dt.uint8)


def _filled(op, size, value, dtype, device, requires_grad):
    dev = as_device(device)
    if dtype is None:
        dtype = _dt.get_default_dtype() if not isinstance(value, _PY_SCALARS) else (
            _default_dtype_of_kind(_dt._scalar_kind(value), dev))
    nd = dev.native_dtype(dtype, op)
    xp = dev.xp
    if value == 0 and not isinstance(value, bool):
        arr = xp.zeros(size, dtype=nd, device=dev.native)
    elif value == 1 and not isinstance(value, bool):
        arr = xp.ones(size, dtype=nd, device=dev.native)
    else:
        arr = xp.full(size, value, dtype=nd, device=dev.native)
    return _finish(arr, dev, requires_grad)


def _into(op, out, size, value, dtype, device, requires_grad):
    """A filled tensor, or with out= the same written into out (whose dtype and device it takes
    when none is given, as PyTorch's factories do)."""
    if out is None:
        return _filled(op, size, value, dtype, device, requires_grad)
    from .ops._out import write_out

    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    res = _filled(op, size, value, dtype or out.dtype, device or out._dev, False)
    return write_out(op, out, res).requires_grad_(requires_grad)


def zeros(*size, out=None, dtype=None, device=None, requires_grad=False, layout=None) -> Tensor:
    """A tensor of zeros of the given size (torch.zeros); float32 unless dtype says otherwise."""
    return _into("zeros", out, _size(size, "zeros"), 0,
                 dtype or (None if out is not None else _dt.get_default_dtype()), device,
                 requires_grad)


def ones(*size, out=None, dtype=None, device=None, requires_grad=False, layout=None) -> Tensor:
    """A tensor of ones of the given size (torch.ones)."""
    return _into("ones", out, _size(size, "ones"), 1,
                 dtype or (None if out is not None else _dt.get_default_dtype()), device,
                 requires_grad)


def empty(*size, out=None, dtype=None, device=None, requires_grad=False, layout=None,
          memory_format=None) -> Tensor:
    """An uninitialised tensor (torch.empty); arraygrad fills it with zeros, since the standard has
    no uninitialised allocation that every backend shares."""
    return zeros(*size, out=out, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, *, out=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of size filled with fill_value (torch.full); the dtype follows fill_value's kind."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _into("full", out, _size((size,), "full"), fill_value, dtype, device, requires_grad)


def _like(input: Tensor, dtype, device):
    return (dtype if dtype is not None else input.dtype,
            device if device is not None else input._dev)


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, layout=None,
               memory_format=None) -> Tensor:
    d, dev = _like(input, dtype, device)
    return _filled("zeros_like", tuple(input.shape), 0, d, dev, requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, layout=None,
              memory_format=None) -> Tensor:
    d, dev = _like(input, dtype, device)
    return _filled("ones_like", tuple(input.shape), 1, d, dev, requires_grad)


empty_like = zeros_like


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False,
              memory_format=None) -> Tensor:
    d, dev = _like(input, dtype, device)
    return _filled("full_like", tuple(input.shape), fill_value, d, dev, requires_grad)


def scalar_tensor(value, like: Tensor = None, *, dtype=None, device=None) -> Tensor:
    """A 0-d tensor of value; beside `like`, the dtype PyTorch would give the pair."""
    if like is not None:
        dtype = dtype or _dt.result_type(like, value)
        device = like._dev
    elif dtype is None:
        dtype = _dt.get_default_dtype()  # PyTorch: scalar_tensor(3) is float32
    return _filled("scalar_tensor", (), value, dtype, device, False)


def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    dev = as_device(device)
    d = dtype or _dt.get_default_dtype()
    arr = dev.K.eye(n, m if m is not None else n, dtype=dev.native_dtype(d, "eye"),
                    device=dev.native)
    return _finish(arr, dev, requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("arange(): step must be nonzero")
    if (end - start) * step < 0:  # PyTorch refuses a step that walks away from end
        raise RuntimeError(f"arange(): upper bound and lower bound inconsistent with step sign "
                           f"(start={start}, end={end}, step={step})")
    dev = as_device(device)
    if dtype is None:
        all_int = all(isinstance(v, int) for v in vals)
        dtype = dev.default_int if all_int else _dt.get_default_dtype()
    nd = dev.native_dtype(dtype, "arange")
    if dtype.kind >= _dt._FLOAT:
        # PyTorch computes start + i * step in double and rounds once to the result dtype
        n = builtins.max(0, math.ceil((end - start) / step))
        wide = dev.to_native.get(_dt.float64, nd) if dtype.kind == _dt._FLOAT else nd
        arr = dev.xp.arange(n, dtype=wide, device=dev.native) * step + start
        arr = dev.xp.astype(arr, nd) if arr.dtype != nd else arr
    else:
        arr = dev.xp.arange(start, end, step, dtype=nd, device=dev.native)
    return _finish(arr, dev, requires_grad)


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """steps evenly spaced values from start to end (computed in float64 where the device has it,
    then rounded once, so every backend gives the same values)."""
    dev = as_device(device)
    d = dtype or _dt.get_default_dtype()
    start = start.item() if isinstance(start, Tensor) else start
    end = end.item() if isinstance(end, Tensor) else end
    if not isinstance(steps, int) or steps < 0:
        raise RuntimeError(f"linspace(): number of steps must be a non-negative int, got {steps!r}")
    nd = dev.native_dtype(d, "linspace")
    wide = dev.to_native.get(_dt.complex128 if d.kind == _dt._COMPLEX else _dt.float64, nd)
    xp = dev.xp
    if d.kind < _dt._FLOAT:
        arr = xp.linspace(start, end, steps, dtype=wide, device=dev.native)
        arr = xp.astype(xp.trunc(arr) if arr.dtype != nd else arr, nd)
    else:
        arr = xp.linspace(start, end, steps, dtype=wide, device=dev.native)
        arr = xp.astype(arr, nd) if arr.dtype != nd else arr
    return _finish(arr, dev, requires_grad)


def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, device=None,
             requires_grad=False) -> Tensor:
    dev = as_device(device)
    wide = _dt.float64 if _dt.float64 in dev.to_native else _dt.get_default_dtype()
    t = linspace(start, end, steps, dtype=wide, device=dev)
    out = _wrap(base ** t._data, t._dev)
    out = out.to(dtype or _dt.get_default_dtype())
    return out.requires_grad_(True) if requires_grad else out


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None) -> Tensor:
    pairs = [(i, j) for i in range(row) for j in range(col) if j - i <= offset]
    return tensor([[p[0] for p in pairs], [p[1] for p in pairs]], dtype=dtype or _dt.int64,
                  device=device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None) -> Tensor:
    pairs = [(i, j) for i in range(row) for j in range(col) if j - i >= offset]
    return tensor([[p[0] for p in pairs], [p[1] for p in pairs]], dtype=dtype or _dt.int64,
                  device=device)


# ---- random -------------------------------------------------------------------------------------
def _drawn(gen, dev, kind: str, *args, requires_grad=False) -> Tensor:
    """A tensor of gen's draw `kind` for dev (on the host and moved, or native: Generator._draw)."""
    return _finish((gen or default_generator)._draw(dev, kind, *args), dev, requires_grad)


def _float_kind(dtype, op):
    d = dtype or _dt.get_default_dtype()
    if d.kind < _dt._FLOAT:
        raise TypeError(f"{op}(): expected a floating point dtype, got {d}")
    return d


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Standard normal samples (the same on every backend for the same seed)."""
    d, dev = _float_kind(dtype, "randn"), as_device(device)
    dev.native_dtype(d, "randn")
    return _drawn(generator, dev, "normal", _size(size, "randn"), d.name,
                  requires_grad=requires_grad)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uniform samples on [0, 1)."""
    d, dev = _float_kind(dtype, "rand"), as_device(device)
    dev.native_dtype(d, "rand")
    return _drawn(generator, dev, "uniform", _size(size, "rand"), d.name,
                  requires_grad=requires_grad)


def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False) -> Tensor:
    """Integers uniform on [low, high)."""
    if size is None and isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint(): missing the size argument")
    if high <= low:
        raise RuntimeError(f"randint(): expected low < high, got low={low} and high={high}")
    dev = as_device(device)
    d = dtype or dev.default_int
    dev.native_dtype(d, "randint")
    return _drawn(generator, dev, "integers", low, high, _size((size,), "randint"), d.name)


def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    dev = as_device(device)
    d = dtype or dev.default_int
    return _drawn(generator, dev, "permutation", n, d.name)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None) -> Tensor:
    """Normal samples: scalar mean and std with a size, or tensors broadcast together."""
    gen = generator or default_generator
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        like = mean if isinstance(mean, Tensor) else std
        z = _drawn(gen, like._dev, "normal", tuple(like.shape), like.dtype.name)
        return (z * std + mean).detach()
    d, dev = _float_kind(dtype, "normal"), as_device(device)
    return _drawn(gen, dev, "normal", _size((size,), "normal"), d.name, mean, std)


def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:
    """0/1 samples with probabilities `input` (or p everywhere, in input's shape and dtype)."""
    probs = input if p is None else p
    return _drawn(generator, input._dev, "bernoulli", probs, input.dtype.name, tuple(input.shape))


def rand_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    d, dev = _like(input, dtype, device)
    return rand(*input.shape, dtype=d, device=dev, requires_grad=requires_grad)


def randn_like(input, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    d, dev = _like(input, dtype, device)
    return randn(*input.shape, dtype=d, device=dev, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, device=None) -> Tensor:
    d, dev = _like(input, dtype, device)
    return randint(low, high, tuple(input.shape), dtype=d, device=dev)


def _legacy_new(cls, *args, **kwargs):
    """Tensor(2, 3) -> an uninitialised float tensor; Tensor([1, 2]) -> a float tensor of data."""
    device = kwargs.pop("device", None)
    if not args:
        return zeros(0, device=device)
    sizes = all(isinstance(a, int) and not isinstance(a, bool) for a in args)
    if sizes or isinstance(args[0], Size):
        return zeros(*args, device=device)
    return tensor(args[0], dtype=_dt.get_default_dtype(), device=device)


# ---- Tensor.new_* and type_as: a new tensor like self (its dtype and device unless given) ------
def _new_kw(self: Tensor, dtype, device):
    return dict(dtype=dtype if dtype is not None else self.dtype,
                device=device if device is not None else self._dev)


def _new_zeros(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False) -> Tensor:
    """Tensor.new_zeros: zeros of size with self's dtype and device (unless given)."""
    return zeros(*size, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def _new_ones(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
              pin_memory=False) -> Tensor:
    """Tensor.new_ones: ones of size with self's dtype and device (unless given)."""
    return ones(*size, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def _new_empty(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
               pin_memory=False) -> Tensor:
    """Tensor.new_empty: an uninitialised tensor (zeros here) with self's dtype and device."""
    return empty(*size, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False,
              layout=None, pin_memory=False) -> Tensor:
    """Tensor.new_full: fill_value everywhere, with self's dtype and device (unless given)."""
    return full(size, fill_value, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False, layout=None,
                pin_memory=False) -> Tensor:
    """Tensor.new_tensor: a copy of data with self's dtype and device (unless given)."""
    if isinstance(data, Tensor):
        data = data.detach()
    return tensor(data, requires_grad=requires_grad, **_new_kw(self, dtype, device))


def _type_as(self, other: Tensor) -> Tensor:
    """Tensor.type_as: self cast to other's dtype (self itself when it already has it)."""
    return self.to(other.dtype)


for _name, _fn in (("new_zeros", _new_zeros), ("new_ones", _new_ones), ("new_empty", _new_empty),
                   ("new_full", _new_full), ("new_tensor", _new_tensor), ("type_as", _type_as)):
    setattr(Tensor, _name, _fn)
