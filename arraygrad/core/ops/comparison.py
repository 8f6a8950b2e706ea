"""Comparisons, logical and bitwise ops, float classification, `where`, `clamp` and closeness.

Comparisons and logical/bitwise ops give tensors with no gradient; `where`, `clamp` and
`nan_to_num` are differentiable in their tensor inputs.
"""

from __future__ import annotations

import math

from .. import dtypes as _dt
from ..graph import record
from ..grad_mode import STATE
from ..tensor import Tensor, _wrap
from ._common import binary_operands, devices_differ, method, scalar_for, unbroadcast
from .complex import no_complex_grad

__all__ = [
    "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
    "not_equal", "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and",
    "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift",
    "isnan", "isinf", "isfinite", "isposinf", "isneginf", "isreal", "signbit", "where", "clamp",
    "clip", "clamp_min", "clamp_max", "isclose", "allclose", "equal", "nan_to_num", "heaviside",
]

_NUMBERS = (bool, int, float, complex)


def _operands(op: str, a, b):
    """(device, a, b) as raw arrays or Python scalars, promoted by PyTorch's rules; nothing is
    recorded (these ops have no gradient)."""
    prev = STATE.enabled
    STATE.enabled = False
    try:
        dev, a, b = binary_operands(op, a, b)
    finally:
        STATE.enabled = prev
    return (dev, a._data if isinstance(a, Tensor) else a, b._data if isinstance(b, Tensor) else b)


def _tensor_arg(op: str, x) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be a Tensor, not {type(x).__name__}")
    return x


def _bool_native(dev):
    return dev.native_dtype(_dt.bool)


def _const(dev, shape, value: bool):
    return dev.xp.full(shape, value, dtype=_bool_native(dev), device=dev.native)


def _scalar_array(dev, value, like):
    """A Python number as a 0-d array of like's dtype (for functions the standard gives arrays)."""
    return dev.xp.full((), value, dtype=like.dtype, device=dev.native)


def _broadcast_shape(op: str, *shapes) -> tuple:
    nd = max(len(s) for s in shapes)
    out = []
    for i in range(-nd, 0):
        sizes = {s[i] for s in shapes if len(s) >= -i and s[i] != 1}
        if len(sizes) > 1:
            raise RuntimeError(f"{op}(): the shapes {', '.join(str(tuple(s)) for s in shapes)} "
                               f"cannot be broadcast together (sizes {sorted(sizes)} at dimension "
                               f"{nd + i})")
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


# ---- comparisons ---------------------------------------------------------------------------------
def _comparison(op: str, f, ordered: bool):
    def fn(input, other) -> Tensor:
        dev, a, b = _operands(op, input, other)
        if ordered and dev.to_ag[(a if hasattr(a, "dtype") else b).dtype] is _dt.bool:
            # the standard orders numbers only; False < True as uint8
            u8 = dev.native_dtype(_dt.uint8)
            a = dev.xp.astype(a, u8) if hasattr(a, "dtype") else int(a)
            b = dev.xp.astype(b, u8) if hasattr(b, "dtype") else int(b)
        if hasattr(a, "shape") and hasattr(b, "shape"):
            _broadcast_shape(op, a.shape, b.shape)
        return _wrap(f(a, b), dev)
    fn.__name__ = op
    fn.__doc__ = f"Elementwise `{op}` with broadcasting and type promotion; a bool tensor."
    return fn


eq = _comparison("eq", lambda a, b: a == b, False)
ne = not_equal = _comparison("ne", lambda a, b: a != b, False)
lt = less = _comparison("lt", lambda a, b: a < b, True)
le = less_equal = _comparison("le", lambda a, b: a <= b, True)
gt = greater = _comparison("gt", lambda a, b: a > b, True)
ge = greater_equal = _comparison("ge", lambda a, b: a >= b, True)


def _operator(fn):
    """A comparison operator: NotImplemented for operands that are neither Tensors nor numbers,
    so Python falls back (`t == None` is False)."""
    def op(self, other):
        if not isinstance(other, (Tensor,) + _NUMBERS):
            return NotImplemented
        return fn(self, other)
    op.__name__ = fn.__name__
    return op


# ---- logical and bitwise -------------------------------------------------------------------------
def _truth(dev, x):
    """x as a bool array (non-zero is true); Python scalars as Python bools."""
    if not hasattr(x, "dtype"):
        return bool(x)
    return x if dev.to_ag[x.dtype] is _dt.bool else x != 0


def _logical(op: str, f):
    def fn(input, other) -> Tensor:
        dev, a, b = _operands(op, input, other)
        a, b = _truth(dev, a), _truth(dev, b)
        if not hasattr(a, "dtype"):
            a = _const(dev, (), a)
        if not hasattr(b, "dtype"):
            b = _const(dev, (), b)
        _broadcast_shape(op, a.shape, b.shape)
        return _wrap(f(dev.xp, a, b), dev)
    fn.__name__ = op
    fn.__doc__ = f"Elementwise `{op}` of the operands' truth values; a bool tensor."
    return fn


logical_and = _logical("logical_and", lambda xp, a, b: xp.logical_and(a, b))
logical_or = _logical("logical_or", lambda xp, a, b: xp.logical_or(a, b))
logical_xor = _logical("logical_xor", lambda xp, a, b: xp.logical_xor(a, b))


def logical_not(input: Tensor) -> Tensor:
    """Elementwise not of the truth values; a bool tensor."""
    x = _tensor_arg("logical_not", input)
    return _wrap(x._dev.xp.logical_not(_truth(x._dev, x._data)), x._dev)


def _integral_check(op: str, dev, x, error=NotImplementedError) -> None:
    """Bitwise ops take integers and bools only (PyTorch: NotImplementedError for floats)."""
    if not hasattr(x, "dtype"):
        if isinstance(x, (float, complex)):
            raise error(f"{op}(): not implemented for a {type(x).__name__} operand ({x!r}); "
                        "expected integer or bool tensors and scalars")
        return
    d = dev.to_ag[x.dtype]
    if d.kind > _dt._INT:
        raise error(f"{op}(): not implemented for dtype {d} (shape {tuple(x.shape)}); expected "
                    "integer or bool tensors")


def _bitwise(op: str, f, shifts: bool = False):
    def fn(input, other) -> Tensor:
        for x in (input, other):
            if isinstance(x, Tensor):
                _integral_check(op, x._dev, x._data)
            else:
                _integral_check(op, None, x)
        dev, a, b = _operands(op, input, other)
        if shifts and dev.to_ag[(a if hasattr(a, "dtype") else b).dtype] is _dt.bool:
            raise NotImplementedError(f"{op}(): not implemented for two bool operands; shift "
                                      "integer tensors")
        if not hasattr(a, "dtype"):
            a = _scalar_array(dev, a, b)
        if not hasattr(b, "dtype"):
            b = _scalar_array(dev, b, a)
        _broadcast_shape(op, a.shape, b.shape)
        return _wrap(f(a, b), dev)
    fn.__name__ = op
    fn.__doc__ = f"Elementwise `{op}` of integer or bool tensors."
    return fn


bitwise_and = _bitwise("bitwise_and", lambda a, b: a & b)
bitwise_or = _bitwise("bitwise_or", lambda a, b: a | b)
bitwise_xor = _bitwise("bitwise_xor", lambda a, b: a ^ b)
bitwise_left_shift = _bitwise("bitwise_left_shift", lambda a, b: a << b, True)
bitwise_right_shift = _bitwise("bitwise_right_shift", lambda a, b: a >> b, True)


def bitwise_not(input: Tensor) -> Tensor:
    """Elementwise bitwise not (logical not for bool tensors)."""
    x = _tensor_arg("bitwise_not", input)
    _integral_check("bitwise_not", x._dev, x._data, TypeError)
    return _wrap(~x._data, x._dev)


# ---- classification of values --------------------------------------------------------------------
def _classify(op: str, f, for_integers: bool):
    """An elementwise test of floating values; integers and bools answer `for_integers` (they
    hold no NaN or infinity)."""
    def fn(input: Tensor) -> Tensor:
        x = _tensor_arg(op, input)
        dev, d = x._dev, x._data
        if dev.to_ag[d.dtype].kind < _dt._FLOAT:
            return _wrap(_const(dev, d.shape, for_integers), dev)
        return _wrap(f(dev.xp, d), dev)
    fn.__name__ = op
    return fn


isnan = _classify("isnan", lambda xp, d: xp.isnan(d), False)
isinf = _classify("isinf", lambda xp, d: xp.isinf(d), False)
isfinite = _classify("isfinite", lambda xp, d: xp.isfinite(d), True)
isposinf = _classify("isposinf", lambda xp, d: xp.isinf(d) & (d > 0), False)
isneginf = _classify("isneginf", lambda xp, d: xp.isinf(d) & (d < 0), False)


def isreal(input: Tensor) -> Tensor:
    """True where the imaginary part is 0 (everywhere for real dtypes)."""
    x = _tensor_arg("isreal", input)
    dev, d = x._dev, x._data
    if dev.to_ag[d.dtype].kind < _dt._COMPLEX:
        return _wrap(_const(dev, d.shape, True), dev)
    return _wrap(dev.xp.imag(d) == 0, dev)


def signbit(input: Tensor) -> Tensor:
    """True where the sign bit is set (negative numbers, -0.0, NaNs with the bit set)."""
    x = _tensor_arg("signbit", input)
    dev, d = x._dev, x._data
    dt = dev.to_ag[d.dtype]
    if dt.kind >= _dt._FLOAT:
        return _wrap(dev.xp.signbit(d), dev)
    if dt.kind == _dt._BOOL or not dt.is_signed:
        return _wrap(_const(dev, d.shape, False), dev)
    return _wrap(d < 0, dev)


# ---- where ---------------------------------------------------------------------------------------
def _where_bw(K, n, s, g):
    (c,) = s
    sa, sb = n.ctx
    z = K.zeros_like(g)
    return (unbroadcast(K, K.where(c, g, z), sa) if n.needs[0] else None,
            unbroadcast(K, K.where(c, z, g), sb) if n.needs[1] else None)


def where(condition, input=None, other=None):
    """input where condition holds, else other (broadcast together; either may be a Python
    number); differentiable in input and other. `where(condition)` is `nonzero(as_tuple=True)`."""
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): argument 'condition' must be a Tensor, not "
                        f"{type(condition).__name__}")
    if input is None and other is None:
        return _nonzero_tuple(condition)
    if input is None or other is None:
        raise TypeError("where(): expected both input and other, or neither")
    cdev, c = condition._dev, condition._data
    if cdev.to_ag[c.dtype] is not _dt.bool:
        raise RuntimeError(f"where(): expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {condition.dtype} (shape {tuple(condition.shape)})")
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        from ..creation import scalar_tensor

        input = scalar_tensor(input, dtype=_dt.result_type(input, other), device=cdev)
    dev, a, b = binary_operands("where", input, other)
    if dev is not cdev:
        t = a if isinstance(a, Tensor) else b
        if condition.ndim == 0 and cdev.type == "cpu":
            c = condition.to(dev)._data
        else:
            raise devices_differ("where", condition, t)
    xa = a._data if isinstance(a, Tensor) else None
    xb = b._data if isinstance(b, Tensor) else None
    if xa is None:
        xa = _scalar_array(dev, a, xb)
    if xb is None:
        xb = _scalar_array(dev, b, xa)
    _broadcast_shape("where", c.shape, xa.shape, xb.shape)
    out = dev.xp.where(c, xa, xb)
    ins = (a if isinstance(a, Tensor) else None, b if isinstance(b, Tensor) else None)
    return record(dev, out, "WhereBackward0", _where_bw, ins, (c,), (xa.shape, xb.shape))


def _nonzero_tuple(condition: Tensor) -> tuple:
    from .reduction import _index_array

    dev = condition._dev
    idx = dev.xp.nonzero(_truth(dev, condition._data))
    return tuple(_wrap(_index_array(dev, _known_shape(dev, i)), dev) for i in idx)


def _known_shape(dev, arr):
    """arr with a known shape: a lazy backend (Dask) gives NaN sizes for data-dependent results
    (nonzero, unique), which break every later reshape, so those are computed on the host here."""
    if all(isinstance(s, int) for s in arr.shape):
        return arr
    return dev.backend.from_numpy(dev.backend.to_numpy(arr), dev.native)


# ---- clamp ---------------------------------------------------------------------------------------
def _clamp_bw(K, n, s, g):
    x, lo, hi = s
    sx, slo, shi = n.ctx
    z = K.zeros_like(g)
    if lo is not None and hi is not None:
        inside = (x >= lo) & (x <= hi)
    else:
        inside = (x >= lo) if lo is not None else (x <= hi)
    gx = unbroadcast(K, K.where(inside, g, z), sx) if n.needs[0] else None
    glo = ghi = None
    if n.needs[1]:
        below = (x < lo) & (lo < hi) if hi is not None else x < lo
        glo = unbroadcast(K, K.where(below, g, z), slo)
    if n.needs[2]:
        above = (x > hi) | (hi < lo) if lo is not None else x > hi
        ghi = unbroadcast(K, K.where(above, g, z), shi)
    return gx, glo, ghi


def clamp(input: Tensor, min=None, max=None) -> Tensor:  # noqa: A002
    """min(max(input, min), max) with numbers or tensors as bounds (either may be None); the
    gradient is 1 where min <= input <= max (bounds included, as PyTorch) and 0 elsewhere."""
    x = _tensor_arg("clamp", input)
    no_complex_grad("clamp", x)
    if min is None and max is None:
        raise RuntimeError("clamp(): At least one of 'min' or 'max' must not be None")
    from .elementwise import _cast

    bounds = [v for v in (min, max) if v is not None]
    for v in bounds:
        if not isinstance(v, (Tensor,) + _NUMBERS):
            raise TypeError(f"clamp(): min and max must be Tensors or numbers, got "
                            f"{type(v).__name__}")
    rt = _dt.result_type(x, *bounds)
    x = _cast(x, rt, "clamp")
    dev, xp = x._dev, x._dev.xp
    kind = rt.kind

    def prep(v):
        if v is None:
            return None, None
        if isinstance(v, Tensor):
            if v._dev is not dev:
                if v.ndim == 0 and v._dev.type == "cpu":
                    v = v.to(dev)
                else:
                    raise devices_differ("clamp", x, v)
            v = _cast(v, rt, "clamp")
            return v, v._data
        return scalar_for(v, kind), None

    lo, lo_arr = prep(min)
    hi, hi_arr = prep(max)
    out = x._data
    shapes = [out.shape] + [a.shape for a in (lo_arr, hi_arr) if a is not None]
    _broadcast_shape("clamp", *shapes)
    if lo is not None:
        out = xp.maximum(out, lo_arr if lo_arr is not None else _scalar_array(dev, lo, out))
    if hi is not None:
        out = xp.minimum(out, hi_arr if hi_arr is not None else _scalar_array(dev, hi, out))
    ins = (x, lo if lo_arr is not None else None, hi if hi_arr is not None else None)
    return record(dev, out, "ClampBackward1", _clamp_bw, ins, (x, lo, hi),
                  (x._data.shape, () if lo_arr is None else lo_arr.shape,
                   () if hi_arr is None else hi_arr.shape))


clip = clamp


def clamp_min(input: Tensor, min) -> Tensor:  # noqa: A002
    """clamp(input, min=min)."""
    return clamp(input, min=min)


def clamp_max(input: Tensor, max) -> Tensor:  # noqa: A002
    """clamp(input, max=max)."""
    return clamp(input, max=max)


# ---- closeness -----------------------------------------------------------------------------------
def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol * |other| elementwise (equal infinities are close)."""
    a, b = _tensor_arg("isclose", input), _tensor_arg("isclose", other)
    if a.dtype is not b.dtype:
        raise RuntimeError(f"isclose(): expected both tensors to have the same dtype, got "
                           f"{a.dtype} and {b.dtype}")
    if rtol < 0 or atol < 0:
        raise RuntimeError(f"isclose(): rtol and atol must be non-negative, got rtol={rtol} and "
                           f"atol={atol}")
    dev, xa, xb = _operands("isclose", a, b)
    _broadcast_shape("isclose", xa.shape, xb.shape)
    xp = dev.xp
    kind = a.dtype.kind
    if kind == _dt._BOOL:
        return _wrap(xa == xb, dev)
    if kind == _dt._INT:  # differences of integers can overflow: compare as floats
        fd = dev.native_dtype(_dt.float64 if _dt.float64 in dev.to_native else _dt.float32)
        xa, xb = xp.astype(xa, fd), xp.astype(xb, fd)
    err = xp.abs(xa - xb)
    close = (xa == xb) | (xp.isfinite(err) & (err <= atol + rtol * xp.abs(xb)))
    if equal_nan:
        close = close | (xp.isnan(xa) & xp.isnan(xb))
    return _wrap(close, dev)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether isclose holds everywhere (a Python bool)."""
    c = isclose(input, other, rtol, atol, equal_nan)
    return bool(c._dev.xp.all(c._data))


def equal(input: Tensor, other: Tensor) -> bool:
    """Whether the two tensors have the same shape and the same values (a Python bool)."""
    a, b = _tensor_arg("equal", input), _tensor_arg("equal", other)
    if tuple(a.shape) != tuple(b.shape):
        return False
    dev, xa, xb = _operands("equal", a, b)
    return bool(dev.xp.all(xa == xb))


# ---- nan_to_num and heaviside --------------------------------------------------------------------
def _nan_to_num_bw(K, n, s, g):
    (finite,) = s
    return (K.where(finite, g, K.zeros_like(g)),)


def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """NaN, +inf and -inf replaced by nan, posinf and neginf (default: the dtype's largest and
    smallest finite values); the gradient flows only through finite elements."""
    x = _tensor_arg("nan_to_num", input)
    dev, d = x._dev, x._data
    xp = dev.xp
    if dev.to_ag[d.dtype].kind < _dt._FLOAT:
        return _wrap(xp.asarray(d, copy=True), dev)
    if dev.to_ag[d.dtype].kind == _dt._COMPLEX:
        raise RuntimeError("nan_to_num(): complex tensors are not supported yet (got "
                           f"{x.dtype}); apply it to .real and .imag")
    fi = xp.finfo(d.dtype)
    posinf = float(fi.max) if posinf is None else posinf
    neginf = float(fi.min) if neginf is None else neginf
    out = xp.where(xp.isnan(d), _scalar_array(dev, nan, d), d)
    out = xp.where(d == math.inf, _scalar_array(dev, posinf, d), out)
    out = xp.where(d == -math.inf, _scalar_array(dev, neginf, d), out)
    return record(dev, out, "NanToNumBackward0", _nan_to_num_bw, (x,), (xp.isfinite(d),))


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """0 where input < 0, values where input == 0, 1 where input > 0 (no gradient, as PyTorch)."""
    x, v = _tensor_arg("heaviside", input), _tensor_arg("heaviside", values)
    if x.dtype is not v.dtype:
        raise RuntimeError(f"heaviside(): is not yet implemented for tensors with different dtypes "
                           f"(got {x.dtype} and {v.dtype})")
    if x.dtype.kind == _dt._COMPLEX:
        raise RuntimeError("heaviside(): is not yet implemented for complex tensors.")
    dev, a, b = _operands("heaviside", x, v)
    _broadcast_shape("heaviside", a.shape, b.shape)
    xp = dev.xp
    pos = xp.astype(a > 0, a.dtype) if dev.to_ag[a.dtype] is not _dt.bool else a
    return _wrap(xp.where(a == 0, b, pos), dev)


# ---- Tensor methods and operators ----------------------------------------------------------------
def _reflected(fn):
    def r(self, other):
        if not isinstance(other, (Tensor,) + _NUMBERS):
            return NotImplemented
        return fn(other, self)
    return r


def _forward(fn):
    def f(self, other):
        if not isinstance(other, (Tensor,) + _NUMBERS):
            return NotImplemented
        return fn(self, other)
    return f


for _name, _fn in {
    "__eq__": _operator(eq), "__ne__": _operator(ne), "__lt__": _operator(lt),
    "__le__": _operator(le), "__gt__": _operator(gt), "__ge__": _operator(ge),
    "__and__": _forward(bitwise_and), "__or__": _forward(bitwise_or),
    "__xor__": _forward(bitwise_xor), "__rand__": _reflected(bitwise_and),
    "__ror__": _reflected(bitwise_or), "__rxor__": _reflected(bitwise_xor),
    "__lshift__": _forward(bitwise_left_shift), "__rshift__": _forward(bitwise_right_shift),
    "__rlshift__": _reflected(bitwise_left_shift), "__rrshift__": _reflected(bitwise_right_shift),
    "__invert__": bitwise_not,
}.items():
    setattr(Tensor, _name, _fn)

for _fn in (eq, ne, lt, le, gt, ge, logical_and, logical_or, logical_xor, logical_not, bitwise_and,
            bitwise_or, bitwise_xor, bitwise_not, bitwise_left_shift, bitwise_right_shift, isnan,
            isinf, isfinite, isposinf, isneginf, isreal, signbit, clamp, clamp_min, clamp_max,
            isclose, allclose, equal, nan_to_num, heaviside):
    method(_fn.__name__)(_fn)
method("greater")(gt)
method("greater_equal")(ge)
method("less")(lt)
method("less_equal")(le)
method("not_equal")(ne)
method("clip")(clamp)


def _tensor_where(self: Tensor, condition, y) -> Tensor:
    """Tensor.where(condition, y): self where condition holds, else y."""
    return where(condition, self, y)


method("where")(_tensor_where)
