"""arraygrad's dtype objects, PyTorch's aliases, the default dtype and PyTorch's promotion rules."""

from __future__ import annotations

__all__ = [
    "dtype", "bool", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
    "float16", "float32", "float64", "complex64", "complex128", "half", "float", "double",
    "short", "int", "long", "cfloat", "cdouble", "set_default_dtype", "get_default_dtype",
    "promote_types", "result_type", "can_cast", "is_floating_point", "is_complex",
]

_builtin_bool, _builtin_int, _builtin_float = bool, int, float

# kinds ordered by PyTorch's category: bool < integer < floating < complex
_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A data type, named as in the array API standard; backends map it to their own dtype."""

    __slots__ = ("name", "kind", "itemsize", "is_signed")

    def __init__(self, name: str, kind: int, itemsize: int, is_signed: bool):
        self.name, self.kind, self.itemsize, self.is_signed = name, kind, itemsize, is_signed

    @property
    def is_floating_point(self) -> bool:
        return self.kind == _FLOAT

    @property
    def is_complex(self) -> bool:
        return self.kind == _COMPLEX

    def __repr__(self) -> str:
        return f"arraygrad.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


bool = dtype("bool", _BOOL, 1, False)  # noqa: A001
uint8 = dtype("uint8", _INT, 1, False)
uint16 = dtype("uint16", _INT, 2, False)
uint32 = dtype("uint32", _INT, 4, False)
uint64 = dtype("uint64", _INT, 8, False)
int8 = dtype("int8", _INT, 1, True)
int16 = dtype("int16", _INT, 2, True)
int32 = dtype("int32", _INT, 4, True)
int64 = dtype("int64", _INT, 8, True)
float16 = dtype("float16", _FLOAT, 2, True)
float32 = dtype("float32", _FLOAT, 4, True)
float64 = dtype("float64", _FLOAT, 8, True)
complex64 = dtype("complex64", _COMPLEX, 8, True)
complex128 = dtype("complex128", _COMPLEX, 16, True)

half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001
cfloat, cdouble = complex64, complex128

ALL = (bool, uint8, uint16, uint32, uint64, int8, int16, int32, int64,
       float16, float32, float64, complex64, complex128)
_NAMES = {d.name: d for d in ALL}


def _by_name(name: str) -> dtype:
    return _NAMES[name]


def from_name(name) -> dtype:
    """The dtype called `name` ("float32", "float", "long", ...), or `name` itself if a dtype."""
    if isinstance(name, dtype):
        return name
    d = _NAMES.get(name) or globals().get(name)
    if not isinstance(d, dtype):
        raise TypeError(f"unknown dtype {name!r}")
    return d


_default = [float32]


def set_default_dtype(d: dtype) -> None:
    """Sets the dtype of floating tensors created from Python floats (float32 or float64)."""
    if d not in (float16, float32, float64):
        raise TypeError(f"set_default_dtype(): only floating-point types are supported, got {d}")
    _default[0] = d


def get_default_dtype() -> dtype:
    return _default[0]


def is_floating_point(t) -> _builtin_bool:
    return t.dtype.kind == _FLOAT


def is_complex(t) -> _builtin_bool:
    return t.dtype.kind == _COMPLEX


def _complex_of(d: dtype) -> dtype:
    return complex128 if d is float64 else complex64


def _signed_to_hold(d: dtype) -> dtype:
    return {1: int16, 2: int32, 4: int64, 8: int64}[d.itemsize]


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's promotion of two dimensioned operands' dtypes."""
    if a is b:
        return a
    if a.kind != b.kind:
        hi, lo = (a, b) if a.kind > b.kind else (b, a)
        if hi.kind == _COMPLEX and lo.kind == _FLOAT and lo.itemsize * 2 > hi.itemsize:
            return _complex_of(lo)
        return hi
    if a.kind == _INT and a.is_signed != b.is_signed:
        s, u = (a, b) if a.is_signed else (b, a)
        return s if s.itemsize > u.itemsize else _signed_to_hold(u)
    if a.kind == _FLOAT and {a.itemsize, b.itemsize} == {2}:
        return float32
    return a if a.itemsize >= b.itemsize else b


def _scalar_kind(x) -> _builtin_int:
    t = type(x)
    if t is _builtin_bool:
        return _BOOL
    if t is _builtin_int:
        return _INT
    if t is _builtin_float:
        return _FLOAT
    if t is complex:
        return _COMPLEX
    raise TypeError(f"unsupported scalar type {t.__name__}")


def _default_of_kind(kind: _builtin_int) -> dtype:
    if kind == _FLOAT:
        return _default[0]
    if kind == _COMPLEX:
        return _complex_of(_default[0])
    return int64 if kind == _INT else bool


def _combine(higher, lower):
    """PyTorch's combine_categories: a lower-priority operand (0-d tensor, Python scalar) only
    changes the result when it is of a higher kind, and then keeps the higher one's precision."""
    if higher is None:
        return lower
    if lower is None or higher.kind == _COMPLEX:
        return higher
    if lower.kind == _COMPLEX:
        return _complex_of(higher) if higher.kind == _FLOAT else lower
    if higher.kind == _FLOAT:
        return higher
    if higher.kind == _BOOL or lower.kind == _FLOAT:
        return promote_types(higher, lower)
    return higher


def result_type(*operands) -> dtype:
    """PyTorch's result dtype for Tensors (dimensioned, then 0-d) and Python scalars.

    A 0-d tensor or a Python scalar only changes the result when it is of a higher kind than the
    dimensioned operands (float32 tensor + 0-d float64 tensor -> float32; int tensor * 1.5 -> the
    default float dtype).
    """
    dims = zeros = wrapped = None
    for x in operands:
        d = getattr(x, "dtype", None)
        if isinstance(d, dtype):
            if x.ndim:
                dims = d if dims is None else promote_types(dims, d)
            else:
                zeros = d if zeros is None else promote_types(zeros, d)
        else:
            w = _default_of_kind(_scalar_kind(x))
            wrapped = w if wrapped is None else promote_types(wrapped, w)
    res = _combine(dims, _combine(zeros, wrapped))
    if res is None:
        raise TypeError("result_type(): no operands")
    return res


def can_cast(from_: dtype, to: dtype) -> _builtin_bool:
    """PyTorch's rule for in-place results: no cast to a lower kind (float result into an int)."""
    return from_.kind <= to.kind
