"""The array API standard (2024.12) over arraygrad Tensors: `x.__array_namespace__()`.

Generic array-API code runs on arraygrad tensors through this namespace and is differentiable:
each function is built on arraygrad's own ops (PyTorch-named, looked up in `arraygrad` when
called, so the op families can live in any module). Type promotion here is the standard's
(int8 + uint8 -> int16; float32 + 0-d float64 -> float64), not PyTorch's. Functions whose
results carry no gradient (comparisons, logical and bitwise ops, set functions, searching) call
the backend's namespace directly. The create_graph kernel namespace (`core/ops/_kernels.py`) is
built from `__all__`, so backward formulas rely on every name here.
"""

from __future__ import annotations

import builtins
import math

import arraygrad as _ag

from .core import dtypes as _dt
from .core.autograd import OUT, record
from .core.device import as_device, get_default_device
from .core.ops import linalg as _la
from .core.ops._common import devices_differ, unbroadcast
from .core.ops.elementwise import _cast
from .core.tensor import Tensor, _wrap

__array_api_version__ = "2024.12"

_PY = (builtins.bool, builtins.int, builtins.float, complex)

# ---- constants and dtypes ------------------------------------------------------------------------
e, inf, nan, pi, newaxis = math.e, math.inf, math.nan, math.pi, None

bool = _dt.bool  # noqa: A001
int8, int16, int32, int64 = _dt.int8, _dt.int16, _dt.int32, _dt.int64
uint8, uint16, uint32, uint64 = _dt.uint8, _dt.uint16, _dt.uint32, _dt.uint64
float32, float64, complex64, complex128 = _dt.float32, _dt.float64, _dt.complex64, _dt.complex128


def _dtype(d, dev=None):
    """An arraygrad dtype from an arraygrad dtype or a backend's native dtype (what backward
    formulas pass when they run on raw arrays)."""
    if d is None or isinstance(d, _dt.dtype):
        return d
    if dev is not None and d in dev.to_ag:
        return dev.to_ag[d]
    return _dt.from_name(getattr(d, "name", None) or str(d).rsplit(".", 1)[-1])


def _dev(device):
    return get_default_device() if device is None else as_device(device)


# ---- the standard's type promotion ---------------------------------------------------------------
def _promote2(a: _dt.dtype, b: _dt.dtype) -> _dt.dtype:
    """Two dtypes promoted by the standard's lattice; mixed kinds (which it leaves unspecified)
    take the higher kind's dtype, as PyTorch does (int64 array + float32 array -> float32)."""
    if a is b:
        return a
    if a.kind != b.kind:
        hi, lo = (a, b) if a.kind > b.kind else (b, a)
        if hi.kind == _dt._COMPLEX and lo is _dt.float64:
            return _dt.complex128
        return hi
    if a.kind == _dt._INT and a.is_signed != b.is_signed:
        s, u = (a, b) if a.is_signed else (b, a)
        if s.itemsize > u.itemsize:
            return s
        if u.itemsize == 8:
            raise TypeError(f"result_type(): {a} and {b} have no common integer dtype in the array "
                            "API standard's promotion rules")
        return {1: _dt.int16, 2: _dt.int32, 4: _dt.int64}[u.itemsize]
    return a if a.itemsize >= b.itemsize else b


def _scalar_dtype(s, against: _dt.dtype | None) -> _dt.dtype:
    """The dtype a Python scalar takes beside an array of dtype `against`."""
    k = _dt._scalar_kind(s)
    if against is not None:
        if k <= against.kind:
            return against
        if k == _dt._COMPLEX and against.kind == _dt._FLOAT:
            return _dt._complex_of(against)
    return {_dt._BOOL: _dt.bool, _dt._INT: _dt.int64, _dt._FLOAT: _dt.get_default_dtype(),
            _dt._COMPLEX: _dt._complex_of(_dt.get_default_dtype())}[k]


def result_type(*arrays_and_dtypes) -> _dt.dtype:
    """The standard's result dtype: arrays (0-d included) and dtypes promote by the lattice;
    Python scalars take the arrays' dtype when their kind allows."""
    res = None
    scalars = []
    for x in arrays_and_dtypes:
        if isinstance(x, _dt.dtype):
            d = x
        elif isinstance(x, Tensor):
            d = x.dtype
        elif isinstance(x, _PY):
            scalars.append(x)
            continue
        else:
            raise TypeError(f"result_type(): expected arrays, dtypes or Python scalars, got "
                            f"{type(x).__name__}")
        res = d if res is None else _promote2(res, d)
    for s in scalars:
        res = _scalar_dtype(s, res) if res is not None else _scalar_dtype(s, None)
    if res is None:
        raise ValueError("result_type(): at least one array or dtype is required")
    return res


def can_cast(from_, to, /) -> builtins.bool:
    """Whether the standard's promotion of from_ (a dtype or array) and `to` gives `to`."""
    f = from_.dtype if isinstance(from_, Tensor) else from_
    if f.kind != to.kind and not (f.kind == _dt._FLOAT and to.kind == _dt._COMPLEX):
        return False
    try:
        return _promote2(f, to) is to
    except TypeError:
        return False


class _finfo:
    __slots__ = ("bits", "eps", "max", "min", "smallest_normal", "dtype")

    def __init__(self, bits, eps, mx, tiny, dtype):
        self.bits, self.eps, self.max, self.min = bits, eps, mx, -mx
        self.smallest_normal, self.dtype = tiny, dtype

    def __repr__(self) -> str:
        return (f"finfo(bits={self.bits}, eps={self.eps}, max={self.max}, min={self.min}, "
                f"smallest_normal={self.smallest_normal}, dtype={self.dtype.name})")


class _iinfo:
    __slots__ = ("bits", "max", "min", "dtype")

    def __init__(self, bits, lo, hi, dtype):
        self.bits, self.min, self.max, self.dtype = bits, lo, hi, dtype

    def __repr__(self) -> str:
        return f"iinfo(bits={self.bits}, min={self.min}, max={self.max}, dtype={self.dtype.name})"


_FINFO = {  # bits, eps, max, smallest normal
    "float16": (16, 2.0 ** -10, 65504.0, 2.0 ** -14),
    "float32": (32, 2.0 ** -23, (2 - 2.0 ** -23) * 2.0 ** 127, 2.0 ** -126),
    "float64": (64, 2.0 ** -52, (2 - 2.0 ** -52) * 2.0 ** 1023, 2.0 ** -1022),
}


def finfo(type, /) -> _finfo:  # noqa: A002
    """Machine limits of a floating dtype (of the real part's dtype for a complex one)."""
    d = type.dtype if isinstance(type, Tensor) else type
    if d.kind == _dt._COMPLEX:
        real = _dt.float64 if d is _dt.complex128 else _dt.float32
        return _finfo(*_FINFO[real.name], real)
    if d.kind != _dt._FLOAT:
        raise TypeError(f"finfo(): expected a floating-point or complex dtype, got {d}")
    return _finfo(*_FINFO[d.name], d)


def iinfo(type, /) -> _iinfo:  # noqa: A002
    """Machine limits of an integer dtype."""
    d = type.dtype if isinstance(type, Tensor) else type
    if d.kind != _dt._INT:
        raise TypeError(f"iinfo(): expected an integer dtype, got {d}")
    bits = d.itemsize * 8
    if d.is_signed:
        return _iinfo(bits, -(2 ** (bits - 1)), 2 ** (bits - 1) - 1, d)
    return _iinfo(bits, 0, 2 ** bits - 1, d)


_KINDS = {
    "bool": lambda d: d.kind == _dt._BOOL,
    "signed integer": lambda d: d.kind == _dt._INT and d.is_signed,
    "unsigned integer": lambda d: d.kind == _dt._INT and not d.is_signed,
    "integral": lambda d: d.kind == _dt._INT,
    "real floating": lambda d: d.kind == _dt._FLOAT,
    "complex floating": lambda d: d.kind == _dt._COMPLEX,
    "numeric": lambda d: d.kind != _dt._BOOL,
}


def isdtype(dtype, kind) -> builtins.bool:
    """Whether dtype is of `kind`: a dtype, one of the standard's kind names, or a tuple of them."""
    if isinstance(kind, tuple):
        return builtins.any(isdtype(dtype, k) for k in kind)
    if isinstance(kind, _dt.dtype):
        return dtype is kind
    if kind not in _KINDS:
        raise ValueError(f"isdtype(): unknown kind {kind!r}; expected a dtype or one of "
                         f"{sorted(_KINDS)}")
    return _KINDS[kind](dtype)


def astype(x: Tensor, dtype, /, *, copy: builtins.bool = True, device=None) -> Tensor:
    """x as dtype (differentiable between floating dtypes); copy=False may return x itself."""
    d = _dtype(dtype, x._dev)
    out = x if device is None else x.to(_dev(device))
    if d is not out.dtype:
        return _cast(out, d, "astype")
    return _copy(out) if copy and out is x else out


def _copy_bw(K, n, s, g):
    return (g,)


def _copy(x: Tensor) -> Tensor:
    return record(x._dev, x._dev.xp.asarray(x._data, copy=True), "CloneBackward0", _copy_bw, (x,))


# ---- creation ------------------------------------------------------------------------------------
def _native(d, dev, op):
    return dev.native_dtype(d, op)


def _default_for(value, dev) -> _dt.dtype:
    if isinstance(value, builtins.bool):
        return _dt.bool
    if isinstance(value, builtins.int):
        return dev.default_int
    if isinstance(value, complex):
        return _dt._complex_of(_dt.get_default_dtype())
    return _dt.get_default_dtype()


def arange(start, /, stop=None, step=1, *, dtype=None, device=None) -> Tensor:
    dev = _dev(device)
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        dtype = dev.default_int if builtins.all(
            isinstance(v, builtins.int) for v in (start, stop, step)) else _dt.get_default_dtype()
    return _ag.arange(start, stop, step, dtype=_dtype(dtype, dev), device=dev)


def asarray(obj, /, *, dtype=None, device=None, copy=None) -> Tensor:
    """obj as a Tensor (a Tensor given is returned as is unless a copy, dtype or device says
    otherwise); Python floats take the default float dtype."""
    if isinstance(obj, Tensor):
        out = obj if device is None else obj.to(_dev(device))
        if dtype is not None and _dtype(dtype, out._dev) is not out.dtype:
            if copy is False:
                raise ValueError("asarray(): copy=False but a cast to another dtype needs a copy")
            return _cast(out, _dtype(dtype, out._dev), "asarray")
        if copy and out is obj:
            return _copy(obj)
        return out
    if copy is False and not hasattr(obj, "__dlpack__"):
        raise ValueError("asarray(): copy=False is impossible for a Python object; its values "
                         "must be copied into a new array")
    return _ag.asarray(obj, dtype=_dtype(dtype), device=device, copy=copy)


def empty(shape, *, dtype=None, device=None) -> Tensor:
    return zeros(shape, dtype=dtype, device=device)


def empty_like(x: Tensor, /, *, dtype=None, device=None) -> Tensor:
    return zeros_like(x, dtype=dtype, device=device)


def eye(n_rows: int, n_cols: int | None = None, /, *, k: int = 0, dtype=None,
        device=None) -> Tensor:
    # built from two aranges rather than xp.eye: Dask's eye fails when n_cols > n_rows
    dev = _dev(device)
    xp = dev.xp
    d = _native(_dtype(dtype, dev) or _dt.get_default_dtype(), dev, "eye")
    i = _native(dev.default_int, dev, "eye")
    rows = xp.arange(n_rows, dtype=i, device=dev.native)[:, None] + k
    cols = xp.arange(n_rows if n_cols is None else n_cols, dtype=i, device=dev.native)[None, :]
    return _wrap(xp.astype(rows == cols, d), dev)


def from_dlpack(x, /, *, device=None, copy=None) -> Tensor:
    """An array from any object with __dlpack__ (another library's array, or a Tensor)."""
    if isinstance(x, Tensor):
        return asarray(x, device=device, copy=copy)
    if not hasattr(x, "__dlpack__"):
        raise TypeError(f"from_dlpack(): {type(x).__name__} does not implement __dlpack__")
    return _ag.asarray(x, device=device, copy=copy)


def _shape(shape) -> tuple:
    return (shape,) if isinstance(shape, builtins.int) else tuple(shape)


def full(shape, fill_value, *, dtype=None, device=None) -> Tensor:
    dev = _dev(device)
    d = _dtype(dtype, dev) or _default_for(fill_value, dev)
    return _wrap(dev.xp.full(_shape(shape), fill_value, dtype=_native(d, dev, "full"),
                             device=dev.native), dev)


def full_like(x: Tensor, /, fill_value, *, dtype=None, device=None) -> Tensor:
    dev = x._dev if device is None else _dev(device)
    return full(x.shape, fill_value, dtype=_dtype(dtype, dev) or x.dtype, device=dev)


def linspace(start, stop, /, num: int, *, dtype=None, device=None,
             endpoint: builtins.bool = True) -> Tensor:
    dev = _dev(device)
    d = _dtype(dtype, dev) or (_dt._complex_of(_dt.get_default_dtype())
                               if isinstance(start, complex) or isinstance(stop, complex)
                               else _dt.get_default_dtype())
    return _wrap(dev.xp.linspace(start, stop, num, dtype=_native(d, dev, "linspace"),
                                 device=dev.native, endpoint=endpoint), dev)


def meshgrid(*arrays: Tensor, indexing: str = "xy") -> list:
    """Coordinate grids from 1-D arrays (differentiable: reshapes and broadcasts)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid(): indexing must be 'xy' or 'ij', got {indexing!r}")
    n = len(arrays)
    if not n:
        return []
    sizes = [a.shape[0] if a.ndim else 1 for a in arrays]
    if indexing == "xy" and n > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, a in enumerate(arrays):
        pos = i
        if indexing == "xy" and n > 1 and i < 2:
            pos = 1 - i
        shape = [1] * n
        shape[pos] = sizes[pos]
        out.append(broadcast_to(reshape(a, tuple(shape)), tuple(sizes)))
    return out


def ones(shape, *, dtype=None, device=None) -> Tensor:
    dev = _dev(device)
    d = _dtype(dtype, dev) or _dt.get_default_dtype()
    return _wrap(dev.xp.ones(_shape(shape), dtype=_native(d, dev, "ones"), device=dev.native), dev)


def ones_like(x: Tensor, /, *, dtype=None, device=None) -> Tensor:
    dev = x._dev if device is None else _dev(device)
    return ones(x.shape, dtype=_dtype(dtype, dev) or x.dtype, device=dev)


def zeros(shape, *, dtype=None, device=None) -> Tensor:
    dev = _dev(device)
    d = _native(_dtype(dtype, dev) or _dt.get_default_dtype(), dev, "zeros")
    return _wrap(dev.xp.zeros(_shape(shape), dtype=d, device=dev.native), dev)


def zeros_like(x: Tensor, /, *, dtype=None, device=None) -> Tensor:
    dev = x._dev if device is None else _dev(device)
    return zeros(x.shape, dtype=_dtype(dtype, dev) or x.dtype, device=dev)


def _tri_bw(K, n, s, g):
    lower, k = n.ctx
    return ((K.tril if lower else K.triu)(g, k=k),)


def tril(x: Tensor, /, *, k: int = 0) -> Tensor:
    out = x._dev.xp.tril(x._data, k=k)
    return record(x._dev, out, "TrilBackward0", _tri_bw, (x,), (), (True, k))


def triu(x: Tensor, /, *, k: int = 0) -> Tensor:
    out = x._dev.xp.triu(x._data, k=k)
    return record(x._dev, out, "TriuBackward0", _tri_bw, (x,), (), (False, k))


# ---- elementwise ---------------------------------------------------------------------------------
def _operands(op: str, x1, x2):
    """x1 and x2 cast (differentiably) to the standard's result dtype; Python scalars stay
    scalars (converted to the result's kind)."""
    if not isinstance(x1, Tensor) and not isinstance(x2, Tensor):
        raise TypeError(f"{op}(): expected at least one array, got {type(x1).__name__} and "
                        f"{type(x2).__name__}")
    d = result_type(x1, x2)
    out = []
    for x in (x1, x2):
        if isinstance(x, Tensor):
            out.append(_cast(x, d, op) if x.dtype is not d else x)
        elif isinstance(x, _PY):
            out.append(complex(x) if d.kind == _dt._COMPLEX else builtins.float(x)
                       if d.kind == _dt._FLOAT else builtins.int(x) if d.kind == _dt._INT else x)
        else:
            raise TypeError(f"{op}(): expected an array or a Python scalar, got {type(x).__name__}")
    return out


def _diff_binary(name: str, fn):
    def f(x1, x2, /) -> Tensor:
        a, b = _operands(name, x1, x2)
        return fn(a, b)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"The standard's {name}: operands promoted by the standard's rules, differentiable."
    return f


add = _diff_binary("add", lambda a, b: _ag.add(a, b))
subtract = _diff_binary("subtract", lambda a, b: _ag.sub(a, b))
multiply = _diff_binary("multiply", lambda a, b: _ag.mul(a, b))
divide = _diff_binary("divide", lambda a, b: _ag.div(a, b))
pow = _diff_binary("pow", lambda a, b: _ag.pow(a, b))  # noqa: A001
atan2 = _diff_binary("atan2", lambda a, b: _ag.atan2(a, b))
hypot = _diff_binary("hypot", lambda a, b: _ag.hypot(a, b))
logaddexp = _diff_binary("logaddexp", lambda a, b: _ag.logaddexp(a, b))
maximum = _diff_binary("maximum", lambda a, b: _ag.maximum(a, b))
minimum = _diff_binary("minimum", lambda a, b: _ag.minimum(a, b))
remainder = _diff_binary("remainder", lambda a, b: _ag.remainder(a, b))
floor_divide = _diff_binary("floor_divide", lambda a, b: _ag.floor_divide(a, b))


def _copysign_bw(K, n, s, g):
    x1, out = s
    return (g * K.sign(x1) * K.sign(out) if n.needs[0] else None,
            K.zeros_like(g) if n.needs[1] else None)


def copysign(x1, x2, /) -> Tensor:
    """|x1| with the sign of x2; the gradient flows to x1 (the sign carries none)."""
    a, b = _operands("copysign", x1, x2)
    a = a if isinstance(a, Tensor) else full_like(b, a)
    b = b if isinstance(b, Tensor) else full_like(a, b)
    dev = _same_device("copysign", a, b)
    return record(dev, dev.xp.copysign(a._data, b._data), "CopysignBackward0", _copysign_bw,
                  (a, b), (a, OUT))


def _same_device(op: str, a: Tensor, b: Tensor):
    if a._dev is not b._dev:
        raise devices_differ(op, a, b)
    return a._dev


def _unary_diff(name: str, torch_name: str | None = None):
    tn = torch_name or name

    def f(x: Tensor, /) -> Tensor:
        return getattr(_ag, tn)(x)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"The standard's {name} (arraygrad.{tn}), differentiable."
    return f


abs = _unary_diff("abs")  # noqa: A001
acos, acosh, asin, asinh = (_unary_diff(n) for n in ("acos", "acosh", "asin", "asinh"))
atan, atanh, cos, cosh = (_unary_diff(n) for n in ("atan", "atanh", "cos", "cosh"))
exp, expm1, log, log1p = (_unary_diff(n) for n in ("exp", "expm1", "log", "log1p"))
log2, log10, negative = _unary_diff("log2"), _unary_diff("log10"), _unary_diff("negative", "neg")
positive, reciprocal = _unary_diff("positive"), _unary_diff("reciprocal")
sin, sinh, sqrt, square = (_unary_diff(n) for n in ("sin", "sinh", "sqrt", "square"))
tan, tanh = _unary_diff("tan"), _unary_diff("tanh")


def _keep_int(name: str):
    """ceil/floor/round/trunc/sign: integer inputs are returned with their own dtype."""
    def f(x: Tensor, /) -> Tensor:
        if x.dtype.kind <= _dt._INT and name != "sign":
            return _wrap(x._data, x._dev)
        return getattr(_ag, name)(x)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"The standard's {name} (zero gradient almost everywhere)."
    return f


ceil, floor, round, trunc = (_keep_int(n) for n in ("ceil", "floor", "round", "trunc"))  # noqa: A001
sign = _keep_int("sign")


def _conj_bw(K, n, s, g):
    return (K.conj(g),)


def conj(x: Tensor, /) -> Tensor:
    """The complex conjugate (x itself for real dtypes)."""
    if x.dtype.kind != _dt._COMPLEX:
        return x
    return record(x._dev, x._dev.xp.conj(x._data), "ConjBackward0", _conj_bw, (x,))


def _real_bw(K, n, s, g):
    return (g,)


def _imag_bw(K, n, s, g):
    return (g * 1j,)


def real(x: Tensor, /) -> Tensor:
    """The real part (x itself for real dtypes)."""
    if x.dtype.kind != _dt._COMPLEX:
        return x
    xp = x._dev.xp
    return record(x._dev, xp.real(x._data), "RealBackward0", _real_bw, (x,))


def imag(x: Tensor, /) -> Tensor:
    """The imaginary part of a complex array."""
    if x.dtype.kind != _dt._COMPLEX:
        raise TypeError(f"imag(): expected a complex array, got {x.dtype}")
    return record(x._dev, x._dev.xp.imag(x._data), "ImagBackward0", _imag_bw, (x,))


def _clip_bw(K, n, s, g):
    keep, below, above = s
    return (g * keep if n.needs[0] else None,
            unbroadcast(K, g * below, n.ctx[0]) if n.needs[1] else None,
            unbroadcast(K, g * above, n.ctx[1]) if n.needs[2] else None)


def clip(x: Tensor, /, min=None, max=None) -> Tensor:  # noqa: A002
    """x limited to [min, max] (scalars or arrays, cast to x's dtype); the gradient goes to x
    inside the interval and to the bound that was taken outside it."""
    dev = x._dev
    xp = dev.xp
    d = x._data
    fd = d.dtype if x.dtype.kind >= _dt._FLOAT else _native(_dt.get_default_dtype(), dev, "clip")
    out, masks, ins, shapes = d, [], [x], []
    for b, take in ((min, xp.less), (max, xp.greater)):
        if b is None:
            masks.append(None)
            ins.append(None)
            shapes.append(())
            continue
        if isinstance(b, Tensor):
            _same_device("clip", x, b)
            b = _cast(b, x.dtype, "clip") if b.dtype is not x.dtype else b
            raw = b._data
        else:
            kind = x.dtype.kind
            raw = xp.full((), builtins.int(b) if kind <= _dt._INT and builtins.float(b).is_integer()
                          else b, dtype=d.dtype, device=dev.native)
        m = take(out, raw)
        out = xp.where(m, xp.broadcast_to(raw, out.shape), out)
        masks.append(xp.astype(m, fd))
        ins.append(b if isinstance(b, Tensor) else None)
        shapes.append(raw.shape)
    below, above = masks
    zero = xp.zeros(d.shape, dtype=fd, device=dev.native)
    if below is None:
        below = zero
    if above is None:
        above = zero
    elif masks[0] is not None:
        below = below * (1 - above)  # min > max: the standard takes max
    keep = 1 - below - above
    return record(dev, out, "ClampBackward1", _clip_bw, tuple(ins), (keep, below, above),
                  tuple(shapes))


def _raw_unary(name: str):
    def f(x: Tensor, /) -> Tensor:
        return _wrap(getattr(x._dev.xp, name)(x._data), x._dev)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"The standard's {name} (no gradient: its result is boolean or integer)."
    return f


def _raw_binary(name: str, promote: builtins.bool = True):
    def f(x1, x2, /) -> Tensor:
        a, b = _operands(name, x1, x2) if promote else (x1, x2)
        ta = a if isinstance(a, Tensor) else None
        tb = b if isinstance(b, Tensor) else None
        if ta is not None and tb is not None:
            _same_device(name, ta, tb)
        dev = (ta if ta is not None else tb)._dev
        return _wrap(getattr(dev.xp, name)(ta._data if ta is not None else a,
                                           tb._data if tb is not None else b), dev)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"The standard's {name} (no gradient)."
    return f


bitwise_invert, logical_not = _raw_unary("bitwise_invert"), _raw_unary("logical_not")
isfinite, isinf, isnan, signbit = (_raw_unary(n) for n in ("isfinite", "isinf", "isnan", "signbit"))
bitwise_and, bitwise_or, bitwise_xor = (_raw_binary(n) for n in ("bitwise_and", "bitwise_or",
                                                                 "bitwise_xor"))
bitwise_left_shift = _raw_binary("bitwise_left_shift")
bitwise_right_shift = _raw_binary("bitwise_right_shift")
equal, not_equal, greater, greater_equal, less, less_equal = (_raw_binary(n) for n in (
    "equal", "not_equal", "greater", "greater_equal", "less", "less_equal"))
logical_and, logical_or, logical_xor = (_raw_binary(n) for n in ("logical_and", "logical_or",
                                                                 "logical_xor"))
nextafter = _raw_binary("nextafter")


# ---- statistical ---------------------------------------------------------------------------------
def _axis_tuple(axis, ndim: int):
    if axis is None:
        return None
    return (axis,) if isinstance(axis, builtins.int) else tuple(axis)


def _sum_dtype(x: Tensor, dtype):
    """The standard's accumulation dtype: integers narrower than the default integer dtype
    widen to it (unsigned ones to the unsigned dtype of that width); floats keep theirs."""
    dev = x._dev
    if dtype is not None:
        return _dtype(dtype, dev)
    d, di = x.dtype, dev.default_int
    if d.kind == _dt._BOOL:
        return di
    if d.kind == _dt._INT and d.itemsize < di.itemsize:
        if d.is_signed:
            return di
        u = {4: _dt.uint32, 8: _dt.uint64}[di.itemsize]
        return u if u in dev.to_native else d
    return d


def sum(x: Tensor, /, *, axis=None, dtype=None, keepdims: builtins.bool = False) -> Tensor:  # noqa: A001
    """Sum over axis (all when None; none when ()); integers sum in the default integer dtype."""
    d = _sum_dtype(x, dtype)
    if d is not x.dtype:
        x = _cast(x, d, "sum")
    axes = _axis_tuple(axis, x.ndim)
    if axes == ():
        return _copy(x)
    return _ag.sum(x, axes, keepdims, dtype=d)


def prod(x: Tensor, /, *, axis=None, dtype=None, keepdims: builtins.bool = False) -> Tensor:
    d = _sum_dtype(x, dtype)
    if d is not x.dtype:
        x = _cast(x, d, "prod")
    axes = _axis_tuple(axis, x.ndim)
    if axes == ():
        return _copy(x)
    if axes is None:
        out = _ag.prod(reshape(x, (-1,)), 0)
        return reshape(out, (1,) * x.ndim) if keepdims else out
    for a in sorted((a % x.ndim for a in axes), reverse=True):
        x = _ag.prod(x, a, keepdim=keepdims)
    return x


def mean(x: Tensor, /, *, axis=None, keepdims: builtins.bool = False) -> Tensor:
    axes = _axis_tuple(axis, x.ndim)
    if axes == ():
        return _copy(x)
    return _ag.mean(x, axes, keepdims)


def _minmax(name: str, torch_name: str):
    def f(x: Tensor, /, *, axis=None, keepdims: builtins.bool = False) -> Tensor:
        axes = _axis_tuple(axis, x.ndim)
        if axes == ():
            return _copy(x)
        if axes is None:
            axes = tuple(range(x.ndim))
            if not axes:
                return _copy(x)
        return getattr(_ag, torch_name)(x, axes, keepdims)
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"The standard's {name} over axis (gradient to the extreme elements)."
    return f


max = _minmax("max", "amax")  # noqa: A001
min = _minmax("min", "amin")  # noqa: A001


def var(x: Tensor, /, *, axis=None, correction=0.0, keepdims: builtins.bool = False) -> Tensor:
    axes = _axis_tuple(axis, x.ndim)
    return _ag.var(x, axes, correction=correction, keepdim=keepdims)


def std(x: Tensor, /, *, axis=None, correction=0.0, keepdims: builtins.bool = False) -> Tensor:
    axes = _axis_tuple(axis, x.ndim)
    return _ag.std(x, axes, correction=correction, keepdim=keepdims)


def _cumulative(name: str, torch_name: str, initial):
    def f(x: Tensor, /, *, axis=None, dtype=None, include_initial: builtins.bool = False) -> Tensor:
        if axis is None:
            if x.ndim > 1:
                raise ValueError(f"{name}(): axis is required for a {x.ndim}-D array")
            axis = 0
        d = _sum_dtype(x, dtype)
        if d is not x.dtype:
            x = _cast(x, d, name)
        out = getattr(_ag, torch_name)(x, axis) if x.ndim else x
        if include_initial:
            shape = list(x.shape)
            shape[axis] = 1
            out = concat([full(tuple(shape), initial, dtype=out.dtype, device=x._dev), out],
                         axis=axis)
        return out
    f.__name__ = f.__qualname__ = name
    return f


cumulative_sum = _cumulative("cumulative_sum", "cumsum", 0)
cumulative_prod = _cumulative("cumulative_prod", "cumprod", 1)


# ---- manipulation --------------------------------------------------------------------------------
def broadcast_arrays(*arrays: Tensor) -> list:
    shape = _broadcast_shapes(*(a.shape for a in arrays))
    return [broadcast_to(a, shape) for a in arrays]


def _broadcast_shapes(*shapes) -> tuple:
    n = builtins.max((len(s) for s in shapes), default=0)
    out = [1] * n
    for s in shapes:
        for i, d in enumerate(s, n - len(s)):
            if d != out[i] and out[i] != 1 and d != 1:
                raise ValueError(f"broadcast_arrays(): shapes {[tuple(t) for t in shapes]} cannot "
                                 "be broadcast together")
            if out[i] == 1:
                out[i] = d
    return tuple(out)


def broadcast_to(x: Tensor, /, shape) -> Tensor:
    shape = tuple(shape)
    if tuple(x.shape) == shape:
        return x
    return _ag.broadcast_to(x, shape)


def concat(arrays, /, *, axis: int | None = 0) -> Tensor:
    arrays = list(arrays)
    if axis is None:
        arrays, axis = [reshape(a, (-1,)) for a in arrays], 0
    d = result_type(*arrays)
    arrays = [a if a.dtype is d else _cast(a, d, "concat") for a in arrays]
    return _ag.cat(arrays, axis)


def expand_dims(x: Tensor, /, *, axis: int = 0) -> Tensor:
    n = x.ndim + 1
    if not -n <= axis < n:
        raise IndexError(f"expand_dims(): axis {axis} is out of range for a {x.ndim}-D array")
    return _ag.unsqueeze(x, axis)


def flip(x: Tensor, /, *, axis=None) -> Tensor:
    axes = tuple(range(x.ndim)) if axis is None else _axis_tuple(axis, x.ndim)
    return _ag.flip(x, axes)


def moveaxis(x: Tensor, source, destination, /) -> Tensor:
    return _ag.movedim(x, source, destination)


def permute_dims(x: Tensor, /, axes) -> Tensor:
    axes = tuple(axes)
    if axes == tuple(range(x.ndim)):
        return x
    return _ag.permute(x, axes)


def repeat(x: Tensor, repeats, /, *, axis: int | None = None) -> Tensor:
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    return _ag.repeat_interleave(x, repeats, axis)


def reshape(x: Tensor, /, shape, *, copy: builtins.bool | None = None) -> Tensor:
    shape = tuple(shape)
    if tuple(x.shape) == shape and not copy:
        return x
    out = _ag.reshape(x, shape)
    return _copy(out) if copy else out


def roll(x: Tensor, /, shift, *, axis=None) -> Tensor:
    if axis is None:
        return reshape(_ag.roll(reshape(x, (-1,)), shift, 0), x.shape)
    return _ag.roll(x, shift, axis)


def squeeze(x: Tensor, /, axis) -> Tensor:
    axes = _axis_tuple(axis, x.ndim)
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"squeeze(): axis {a} of an array of shape {tuple(x.shape)} has size "
                             f"{x.shape[a]}, not 1")
    return _ag.squeeze(x, axes)


def stack(arrays, /, *, axis: int = 0) -> Tensor:
    arrays = list(arrays)
    d = result_type(*arrays)
    return _ag.stack([a if a.dtype is d else _cast(a, d, "stack") for a in arrays], axis)


def tile(x: Tensor, repetitions, /) -> Tensor:
    return _ag.tile(x, tuple(repetitions))


def unstack(x: Tensor, /, *, axis: int = 0) -> tuple:
    return tuple(_ag.unbind(x, axis))


# ---- searching, sorting, sets --------------------------------------------------------------------
def argmax(x: Tensor, /, *, axis: int | None = None, keepdims: builtins.bool = False) -> Tensor:
    return _wrap(x._dev.xp.argmax(x._data, axis=axis, keepdims=keepdims), x._dev)


def argmin(x: Tensor, /, *, axis: int | None = None, keepdims: builtins.bool = False) -> Tensor:
    return _wrap(x._dev.xp.argmin(x._data, axis=axis, keepdims=keepdims), x._dev)


def count_nonzero(x: Tensor, /, *, axis=None, keepdims: builtins.bool = False) -> Tensor:
    xp = x._dev.xp
    nz = xp.astype(x._data != 0, _native(x._dev.default_int, x._dev, "count_nonzero"))
    return _wrap(xp.sum(nz, axis=_axis_tuple(axis, x.ndim), keepdims=keepdims), x._dev)


def nonzero(x: Tensor, /) -> tuple:
    if x.ndim == 0:
        raise ValueError("nonzero(): a 0-d array has no indices; use a 1-D array")
    return tuple(_wrap(i, x._dev) for i in x._dev.xp.nonzero(x._data))


def searchsorted(x1: Tensor, x2: Tensor, /, *, side: str = "left", sorter=None) -> Tensor:
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted(): side must be 'left' or 'right', got {side!r}")
    dev = _same_device("searchsorted", x1, x2)
    return _wrap(dev.xp.searchsorted(x1._data, x2._data, side=side,
                                     sorter=None if sorter is None else sorter._data), dev)


def where(condition: Tensor, x1, x2, /) -> Tensor:
    """x1 where condition else x2 (the standard's promotion of x1 and x2), differentiable."""
    a, b = _operands("where", x1, x2)
    like = a if isinstance(a, Tensor) else b
    a = a if isinstance(a, Tensor) else full((), a, dtype=like.dtype, device=like._dev)
    b = b if isinstance(b, Tensor) else full((), b, dtype=like.dtype, device=like._dev)
    return _ag.where(condition, a, b)


def argsort(x: Tensor, /, *, axis: int = -1, descending: builtins.bool = False,
            stable: builtins.bool = True) -> Tensor:
    out = x._dev.xp.argsort(x._data, axis=axis, descending=descending, stable=stable)
    return _wrap(out, x._dev)


def sort(x: Tensor, /, *, axis: int = -1, descending: builtins.bool = False,
         stable: builtins.bool = True) -> Tensor:
    """The sorted values only (the standard's sort); differentiable through the permutation."""
    return _ag.sort(x, dim=axis, descending=descending, stable=stable)[0]


def _set(name: str, fields: tuple):
    from collections import namedtuple

    cls = name.title().replace("_", "") + "Result"
    result = namedtuple(cls, fields) if len(fields) > 1 else None

    def f(x: Tensor, /):
        out = getattr(x._dev.xp, name)(x._data)
        if result is None:
            return _wrap(out, x._dev)
        return result(*(_wrap(o, x._dev) for o in out))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"The standard's {name} (no gradient)."
    return f


unique_all = _set("unique_all", ("values", "indices", "inverse_indices", "counts"))
unique_counts = _set("unique_counts", ("values", "counts"))
unique_inverse = _set("unique_inverse", ("values", "inverse_indices"))
unique_values = _set("unique_values", ("values",))


# ---- utility -------------------------------------------------------------------------------------
def all(x: Tensor, /, *, axis=None, keepdims: builtins.bool = False) -> Tensor:  # noqa: A001
    return _wrap(x._dev.xp.all(x._data, axis=_axis_tuple(axis, x.ndim), keepdims=keepdims), x._dev)


def any(x: Tensor, /, *, axis=None, keepdims: builtins.bool = False) -> Tensor:  # noqa: A001
    return _wrap(x._dev.xp.any(x._data, axis=_axis_tuple(axis, x.ndim), keepdims=keepdims), x._dev)


def diff(x: Tensor, /, *, axis: int = -1, n: int = 1, prepend=None, append=None) -> Tensor:
    """n-th forward differences along axis (differentiable: slices and a subtraction)."""
    parts = [p for p in (prepend, x, append) if p is not None]
    if len(parts) > 1:
        x = concat(parts, axis=axis)
    ax = axis % x.ndim
    for _ in range(n):
        m = x.shape[ax]
        hi = tuple(slice(1, m) if i == ax else slice(None) for i in range(x.ndim))
        lo = tuple(slice(0, m - 1) if i == ax else slice(None) for i in range(x.ndim))
        x = x[hi] - x[lo]
    return x


# ---- linear algebra in the main namespace --------------------------------------------------------
def matmul(x1: Tensor, x2: Tensor, /) -> Tensor:
    """x1 @ x2 (operands promoted by the standard's rules first)."""
    if isinstance(x1, Tensor) and isinstance(x2, Tensor) and x1._data.dtype != x2._data.dtype:
        x1, x2 = _operands("matmul", x1, x2)
    return _la.matmul(x1, x2)


def matrix_transpose(x: Tensor, /) -> Tensor:
    if x.ndim < 2:
        raise ValueError(f"matrix_transpose(): expected at least 2 dimensions, got shape "
                         f"{tuple(x.shape)}")
    n = x.ndim
    return permute_dims(x, tuple(range(n - 2)) + (n - 1, n - 2))


def tensordot(x1: Tensor, x2: Tensor, /, *, axes=2) -> Tensor:
    if x1._data.dtype != x2._data.dtype:
        x1, x2 = _operands("tensordot", x1, x2)
    return _la.tensordot(x1, x2, dims=axes)


def vecdot(x1: Tensor, x2: Tensor, /, *, axis: int = -1) -> Tensor:
    """sum(conj(x1) * x2) over axis, the other dimensions broadcast."""
    a, b = _operands("vecdot", x1, x2)
    if a.shape[axis] != b.shape[axis]:
        raise ValueError(f"vecdot(): axis {axis} has size {a.shape[axis]} in x1 (shape "
                         f"{tuple(a.shape)}) but {b.shape[axis]} in x2 (shape {tuple(b.shape)})")
    return sum(multiply(conj(a), b), axis=axis)


# ---- indexing ------------------------------------------------------------------------------------
def take(x: Tensor, indices: Tensor, /, *, axis: int | None = None) -> Tensor:
    if axis is None:
        if x.ndim != 1:
            raise ValueError(f"take(): axis is required for a {x.ndim}-D array")
        axis = 0
    return _ag.index_select(x, axis, indices)


def take_along_axis(x: Tensor, indices: Tensor, /, *, axis: int = -1) -> Tensor:
    return _ag.take_along_dim(x, indices, axis)


# ---- inspection ----------------------------------------------------------------------------------
class _Info:
    """`__array_namespace_info__()`: what this namespace supports, per device."""

    def capabilities(self) -> dict:
        return {"boolean indexing": True, "data-dependent shapes": True, "max dimensions": 64}

    def default_device(self):
        return get_default_device()

    def default_dtypes(self, *, device=None) -> dict:
        dev = _dev(device)
        f = _dt.get_default_dtype()
        return {"real floating": f, "complex floating": _dt._complex_of(f),
                "integral": dev.default_int, "indexing": dev.default_int}

    def devices(self) -> list:
        from .backends import available
        from .core.device import device as _device

        out = []
        for name in available():
            b = _ag.backends.get(name)
            for nd in b.native_devices():
                idx = b.index_of(nd)
                try:
                    out.append(_device(b.device_type if idx is None else f"{b.device_type}:{idx}"))
                except Exception:  # a backend whose devices cannot be opened here (no GPU)
                    continue
        return list(dict.fromkeys(out))

    def dtypes(self, *, device=None, kind=None) -> dict:
        dev = _dev(device)
        ds = [d for d in _dt.ALL if d in dev.to_native and d is not _dt.float16]
        if kind is not None:
            ds = [d for d in ds if isdtype(d, kind)]
        return {d.name: d for d in ds}


def __array_namespace_info__() -> _Info:
    return _Info()


__all__ = [
    "__array_api_version__", "__array_namespace_info__",
    # constants and dtypes
    "e", "inf", "nan", "newaxis", "pi", "bool", "int8", "int16", "int32", "int64", "uint8",
    "uint16", "uint32", "uint64", "float32", "float64", "complex64", "complex128",
    # creation
    "arange", "asarray", "empty", "empty_like", "eye", "from_dlpack", "full", "full_like",
    "linspace", "meshgrid", "ones", "ones_like", "tril", "triu", "zeros", "zeros_like",
    # data types
    "astype", "can_cast", "finfo", "iinfo", "isdtype", "result_type",
    # elementwise
    "abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh", "bitwise_and",
    "bitwise_left_shift", "bitwise_invert", "bitwise_or", "bitwise_right_shift", "bitwise_xor",
    "ceil", "clip", "conj", "copysign", "cos", "cosh", "divide", "equal", "exp", "expm1", "floor",
    "floor_divide", "greater", "greater_equal", "hypot", "imag", "isfinite", "isinf", "isnan",
    "less", "less_equal", "log", "log1p", "log2", "log10", "logaddexp", "logical_and",
    "logical_not", "logical_or", "logical_xor", "maximum", "minimum", "multiply", "negative",
    "nextafter", "not_equal", "positive", "pow", "real", "reciprocal", "remainder", "round",
    "sign", "signbit", "sin", "sinh", "square", "sqrt", "subtract", "tan", "tanh", "trunc",
    # statistical
    "cumulative_sum", "cumulative_prod", "max", "mean", "min", "prod", "std", "sum", "var",
    # manipulation
    "broadcast_arrays", "broadcast_to", "concat", "expand_dims", "flip", "moveaxis",
    "permute_dims", "repeat", "reshape", "roll", "squeeze", "stack", "tile", "unstack",
    # searching, sorting, sets
    "argmax", "argmin", "count_nonzero", "nonzero", "searchsorted", "where", "argsort", "sort",
    "unique_all", "unique_counts", "unique_inverse", "unique_values",
    # utility, linear algebra, indexing
    "all", "any", "diff", "matmul", "matrix_transpose", "tensordot", "vecdot", "take",
    "take_along_axis",
]
