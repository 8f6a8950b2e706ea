"""The standard's constants, data types and type promotion: dtype objects, result_type, can_cast,
finfo, iinfo, isdtype, astype.

Promotion here is the standard's lattice (int8 + uint8 -> int16; float32 + 0-d float64 ->
float64), not PyTorch's; `_operands` applies it to the two operands of a binary function.
"""

from __future__ import annotations

import builtins
import math

from . import _torch as _ag

from .. import dtypes as _dt
from ..ops.elementwise import _cast
from ..tensor import Tensor
from ._common import _PY, _dev, _dtype


# ---- constants and dtypes ------------------------------------------------------------------------
e, inf, nan, pi, newaxis = math.e, math.inf, math.nan, math.pi, None

bool = _dt.bool  # noqa: A001
int8, int16, int32, int64 = _dt.int8, _dt.int16, _dt.int32, _dt.int64
uint8, uint16, uint32, uint64 = _dt.uint8, _dt.uint16, _dt.uint32, _dt.uint64
float32, float64, complex64, complex128 = _dt.float32, _dt.float64, _dt.complex64, _dt.complex128


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
    return _ag.clone(out) if copy and out is x else out


# ---- promoting the operands of a binary function -------------------------------------------------
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


