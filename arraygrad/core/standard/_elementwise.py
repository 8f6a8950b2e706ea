"""The standard's elementwise functions over arraygrad Tensors.

Arithmetic and transcendental functions are differentiable (arraygrad's own ops after the
standard's promotion); comparisons, logical and bitwise functions, and the isfinite family carry
no gradient and call the backend's namespace directly.
"""

from __future__ import annotations

import builtins
import math

from . import _torch as _ag

from .. import dtypes as _dt
from ..graph import OUT, record
from ..ops._common import unbroadcast
from ..ops.elementwise import _cast
from ..tensor import Tensor, _wrap
from ._common import _native, _same_device
from ._creation import full_like
from ._data_types import _operands


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


def sign(x: Tensor, /) -> Tensor:
    """The standard's sign: NaN where x is NaN (ag.sign gives 0, as PyTorch); complex x/|x|."""
    s = _ag.sign(x)
    if x.dtype.kind <= _dt._INT:
        return s
    nan = complex(math.nan, math.nan) if x.dtype.is_complex else math.nan
    return _ag.where(_ag.isnan(x), _ag.full_like(x, nan), s)


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


