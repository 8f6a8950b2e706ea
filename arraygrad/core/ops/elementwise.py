"""Elementwise arithmetic and math: forward and backward side by side, one definition per op.

Backward formulas take (K, node, saved, grad) and use only operators and K's array-API
functions, so they run on raw arrays (normal backward) and on Tensors (create_graph=True).
"""

from __future__ import annotations

import cmath
import math

from .. import dtypes as _dt
from ..graph import OUT, record
from ..tensor import Tensor
from ._common import binary_operands, method, unbroadcast
from .complex import holomorphic, is_complex, no_complex_grad

__all__ = [
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "pow", "float_power", "atan2", "arctan2", "maximum", "minimum", "fmax",
    "fmin", "hypot", "logaddexp", "neg", "negative", "positive", "abs", "absolute", "exp", "exp2",
    "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin", "cos", "tan", "asin", "acos",
    "atan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
    "sigmoid", "relu", "sign", "sgn", "floor", "ceil", "round", "trunc", "fix", "frac",
    "reciprocal", "square", "erf", "lerp", "rad2deg", "deg2rad", "xlogy",
]

_SCALARS = (float, int, bool, complex)


def _cast(t: Tensor, d: _dt.dtype, op: str = "") -> Tensor:
    """t as dtype d; differentiable between floating and complex dtypes."""
    dev = t._dev
    nd = dev.native_dtype(d, op or "to")
    x = t._data
    if x.dtype == nd:
        return t
    out = dev.xp.astype(x, nd)
    if d.kind < _dt._FLOAT:
        return record(dev, out, "ToCopyBackward0", None, ())
    if d.kind == _dt._COMPLEX and dev.to_ag[x.dtype].kind < _dt._COMPLEX:
        return record(dev, out, "ToCopyBackward0", _cast_to_complex_bw, (t,), (), x.dtype)
    return record(dev, out, "ToCopyBackward0", _cast_bw, (t,), (), x.dtype)


def _cast_bw(K, n, s, g):
    if hasattr(g, "_data"):  # create_graph: cast back differentiably
        return (_cast(g, n.dev.to_ag[n.ctx]),)
    return (K.astype(g, n.ctx),)


def _cast_to_complex_bw(K, n, s, g):
    # a real input promoted to complex gets the real part of the gradient (dL/dx), as PyTorch
    return _cast_bw(K, n, s, K.real(g))


# ---- binary arithmetic ---------------------------------------------------------------------------
def _shapes(a, b):
    return (a._data.shape if isinstance(a, Tensor) else (),
            b._data.shape if isinstance(b, Tensor) else ())


def _is_bool(x) -> bool:
    return type(x) is bool or (isinstance(x, Tensor) and x.dtype is _dt.bool)


def _bool_arith(dev, a, b, f, op):
    """bool + bool and bool * bool stay bool (logical or / and), as in PyTorch; the standard has
    no arithmetic on bools, so use its logical functions."""
    xa = a._data if isinstance(a, Tensor) else a
    xb = b._data if isinstance(b, Tensor) else b
    if not isinstance(a, Tensor):
        xa = dev.xp.full((), xa, dtype=xb.dtype, device=dev.native)
    if not isinstance(b, Tensor):
        xb = dev.xp.full((), xb, dtype=xa.dtype, device=dev.native)
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        _check_shapes(op, a, b)
    return record(dev, f(xa, xb), op.capitalize() + "Backward0", None, ())


def _add_bw(K, n, s, g):
    sa, sb, alpha = n.ctx
    return (unbroadcast(K, g, sa) if n.needs[0] else None,
            unbroadcast(K, g * alpha if alpha != 1 else g, sb) if n.needs[1] else None)


def _add_scalar_bw(K, n, s, g):
    return (g,)


def add(input, other, *, alpha=1) -> Tensor:
    dev, a, b = binary_operands("add", input, other)
    if _is_bool(a) and _is_bool(b) and alpha in (1, True):
        return _bool_arith(dev, a, b, dev.xp.logical_or, "add")
    if alpha != 1:
        b = b * alpha
    if type(b) in _SCALARS:
        return record(dev, a._data + b, "AddBackward0", _add_scalar_bw, (a,))
    if type(a) in _SCALARS:
        return record(dev, a + b._data, "AddBackward0", _add_scalar_bw, (b,))
    _check_shapes("add", a, b)
    return record(dev, a._data + b._data, "AddBackward0", _add_bw, (a, b), (),
                  (a._data.shape, b._data.shape, 1))


def _sub_bw(K, n, s, g):
    sa, sb = n.ctx
    return (unbroadcast(K, g, sa) if n.needs[0] else None,
            unbroadcast(K, -g, sb) if n.needs[1] else None)


def _rsub_scalar_bw(K, n, s, g):
    return (-g,)


def sub(input, other, *, alpha=1) -> Tensor:
    if _is_bool(input) or _is_bool(other):
        raise RuntimeError(
            "sub(): Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    dev, a, b = binary_operands("sub", input, other)
    if alpha != 1:
        b = b * alpha
    if type(b) in _SCALARS:
        return record(dev, a._data - b, "SubBackward0", _add_scalar_bw, (a,))
    if type(a) in _SCALARS:
        return record(dev, a - b._data, "RsubBackward1", _rsub_scalar_bw, (b,))
    _check_shapes("sub", a, b)
    return record(dev, a._data - b._data, "SubBackward0", _sub_bw, (a, b), (),
                  (a._data.shape, b._data.shape))


def _mul_bw(K, n, s, g):
    a, b = s
    sa, sb = n.ctx
    return (unbroadcast(K, g * b, sa) if n.needs[0] else None,
            unbroadcast(K, g * a, sb) if n.needs[1] else None)


def _mul_scalar_bw(K, n, s, g):
    return (g * n.ctx,)


_mul_bw_c, _mul_scalar_bw_c = holomorphic(_mul_bw), holomorphic(_mul_scalar_bw)


def mul(input, other) -> Tensor:
    dev, a, b = binary_operands("mul", input, other)
    if _is_bool(a) and _is_bool(b):
        return _bool_arith(dev, a, b, dev.xp.logical_and, "mul")
    if type(b) in _SCALARS:
        return record(dev, a._data * b, "MulBackward0",
                      _mul_scalar_bw_c if is_complex(a) else _mul_scalar_bw, (a,), (), b)
    if type(a) in _SCALARS:
        return record(dev, a * b._data, "MulBackward0",
                      _mul_scalar_bw_c if is_complex(b) else _mul_scalar_bw, (b,), (), a)
    _check_shapes("mul", a, b)
    return record(dev, a._data * b._data, "MulBackward0", _mul_bw_c if is_complex(a) else _mul_bw,
                  (a, b), (a if b._rg else None, b if a._rg else None),
                  (a._data.shape, b._data.shape))


def _to_float(x, op):
    """Integer and bool operands of a true division become the default float dtype."""
    if isinstance(x, Tensor) and x.dtype.kind < _dt._FLOAT:
        return _cast(x, _dt.get_default_dtype(), op)
    return x


def _div_bw(K, n, s, g):
    a, b = s
    sa, sb = n.ctx
    return (unbroadcast(K, g / b, sa) if n.needs[0] else None,
            unbroadcast(K, -g * a / (b * b), sb) if n.needs[1] else None)


def _div_scalar_bw(K, n, s, g):
    return (g / n.ctx,)


def _rdiv_scalar_bw(K, n, s, g):
    (b,) = s
    return (-g * n.ctx / (b * b),)


_div_bw_c, _div_scalar_bw_c, _rdiv_scalar_bw_c = (
    holomorphic(_div_bw), holomorphic(_div_scalar_bw), holomorphic(_rdiv_scalar_bw))


def div(input, other, *, rounding_mode=None) -> Tensor:
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        res_kind = _dt.result_type(*(x for x in (input, other)))
        if res_kind.kind < _dt._FLOAT:
            dev, a, b = binary_operands("div", input, other)
            xb = _check_int_divisor("div", dev, a, b)
            if isinstance(b, Tensor) and xb is not b._data:  # checked when it computes
                from ..tensor import _wrap

                other = _wrap(xb, dev)
        out = trunc(div(input, other))
        return out if res_kind.kind >= _dt._FLOAT else _cast(out, res_kind)
    if rounding_mode is not None:
        raise ValueError(
            f"div(): rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")
    input, other = _to_float(input, "div"), _to_float(other, "div")
    if isinstance(input, Tensor) and type(other) is int:
        other = float(other)
    dev, a, b = binary_operands("div", input, other)
    if type(b) in _SCALARS:
        return record(dev, a._data / b, "DivBackward0",
                      _div_scalar_bw_c if is_complex(a) else _div_scalar_bw, (a,), (), b)
    if type(a) in _SCALARS:
        return record(dev, a / b._data, "DivBackward0",
                      _rdiv_scalar_bw_c if is_complex(b) else _rdiv_scalar_bw, (b,), (b,), a)
    _check_shapes("div", a, b)
    return record(dev, a._data / b._data, "DivBackward0", _div_bw_c if is_complex(a) else _div_bw,
                  (a, b), (a, b), (a._data.shape, b._data.shape))


def _check_int_divisor(op: str, dev, a, b):
    """The divisor to divide by (b's array, or the number b): integer division by zero raises,
    as in PyTorch (NumPy would give 0 silently).

    A tensor divisor's data are read now only where that costs no sync (`backend.cheap_checks`:
    NumPy, array-api-strict) or under `autograd.detect_anomaly()`; elsewhere the backend's
    `deferred_check` takes over (Dask raises when the result computes; CuPy does not check,
    as PyTorch's CUDA kernels do not)."""
    tb = isinstance(b, Tensor)
    like = a if isinstance(a, Tensor) else b
    if dev.to_ag[like._data.dtype].kind > _dt._INT:
        return b._data if tb else b
    if not tb:
        if b == 0:
            raise _zero_division(op)
        return b
    from ..grad_mode import STATE

    bd = b._data
    if dev.backend.cheap_checks or STATE.anomaly:
        if bool(dev.xp.any(bd == 0)):
            raise _zero_division(op)
        return bd
    return dev.backend.deferred_check(bd, bd == 0, lambda: _zero_division(op))


def _zero_division(op: str) -> RuntimeError:
    return RuntimeError(f"{op}(): ZeroDivisionError (an integer divisor is 0)")


def floor_divide(input, other) -> Tensor:
    dev, a, b = binary_operands("floor_divide", input, other)
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        _check_shapes("floor_divide", a, b)
    xb = _check_int_divisor("floor_divide", dev, a, b)
    xa = a._data if isinstance(a, Tensor) else a
    return record(dev, xa // xb, "FloorDivideBackward0", _zero_shaped_bw,
                  tuple(x for x in (a, b) if isinstance(x, Tensor)), (), _shapes_of(a, b))


def _shapes_of(*xs):
    return tuple(x._data.shape for x in xs if isinstance(x, Tensor))


subtract, multiply, divide, true_divide = sub, mul, div, div


def _zero_shaped_bw(K, n, s, g):
    return tuple(K.zeros_like(unbroadcast(K, g, sh)) if need else None
                 for need, sh in zip(n.needs, n.ctx, strict=False))


def _remainder_bw(K, n, s, g):
    a, b = s
    sa, sb, trunc_mode = n.ctx
    q = (K.trunc(a / b) if trunc_mode else K.floor(a / b)) if n.needs[1] else None
    return (unbroadcast(K, g, sa) if n.needs[0] else None,
            unbroadcast(K, -g * q, sb) if n.needs[1] else None)


def _mod(op, name, trunc_mode):
    def fn(input, other) -> Tensor:
        dev, a, b = binary_operands(op, input, other)
        ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
        if ta and tb:
            _check_shapes(op, a, b)
        no_complex_grad(op, a, b)
        xb = _check_int_divisor(op, dev, a, b)
        xa = a._data if ta else a
        xp = dev.xp
        if trunc_mode:
            if not ta:
                xa = xp.full((), xa, dtype=xb.dtype, device=dev.native)
            if not tb:
                xb = xp.full((), xb, dtype=xa.dtype, device=dev.native)
            out = xa - xp.trunc(xa / xb) * xb if dev.to_ag[xa.dtype].kind >= _dt._FLOAT else (
                xa - xp.sign(xa) * (xp.abs(xa) // xp.abs(xb)) * xp.sign(xb) * xb)
        else:
            out = xa % xb
        ins = (a if ta else None, b if tb else None)
        sv = (a if ta else xa, b if tb else xb)
        return record(dev, out, name, _remainder_bw, ins, sv,
                      (xa.shape if ta else (), xb.shape if tb else (), trunc_mode))
    fn.__name__ = op
    return fn


remainder = _mod("remainder", "RemainderBackward0", False)
fmod = _mod("fmod", "FmodBackward0", True)


def _ipow(x, n: int):
    """x ** n for a small non-negative integer n by repeated multiplication (NumPy's general
    power is slow), on arrays or Tensors alike."""
    if n == 0:
        return x * 0 + 1
    r = x
    for _ in range(n - 1):
        r = r * x
    return r


def _pow_scalar_bw(K, n, s, g):
    (x,) = s
    e = n.ctx
    if e == 0:
        return (g * 0,)
    if type(e) is int and 1 <= e <= 5:
        return (g * (e * _ipow(x, e - 1)) if e > 1 else g,)
    return (g * e * K.pow(x, e - 1),)


def _pow_bw(K, n, s, g):
    # PyTorch's pow_backward_self/_exponent: d/dx is 0 where y == 0 (0 ** 0 included); d/dy is
    # out * log(x) (NaN for a negative base), 0 where x == 0 and y >= 0
    x, y, out = s
    sx, sy = n.ctx
    gx = gy = None
    if n.needs[0]:
        gx = K.where(y == 0, K.zeros_like(g), g * y * K.pow(x, y - 1))
        gx = unbroadcast(K, gx, sx)
    if n.needs[1]:
        gy = K.where((x == 0) & (y >= 0), K.zeros_like(g), g * (out * K.log(x)))
        gy = unbroadcast(K, gy, sy)
    return gx, gy


def _rpow_bw(K, n, s, g):
    # base ** y for a Python base: g * out * log(base) (NaN for base < 0); for base 0, 0 where
    # y >= 0 (PyTorch's pow_backward_exponent)
    out, y = s
    base = n.ctx
    if base == 0:
        return (K.where(y >= 0, K.zeros_like(g), g * out * -math.inf),)
    return (g * out * (math.log(base) if base > 0 else math.nan),)


def _pow_bw_complex(K, n, s, g):
    # PyTorch's complex pow_backward_self/_exponent: g * conj(y x^(y-1)) (0 where y == 0) and
    # g * conj(out log x) (0 where x == 0 and y is real and >= 0)
    x, y, out = s
    sx, sy = n.ctx
    gx = gy = None
    if n.needs[0]:
        gx = K.where(y == 0, K.zeros_like(g), g * K.conj(y * K.pow(x, y - 1)))
        gx = unbroadcast(K, gx, sx)
    if n.needs[1]:
        real_nonneg = (K.imag(y) == 0) & (K.real(y) >= 0)
        gy = K.where((x == 0) & real_nonneg, K.zeros_like(g), g * K.conj(out * K.log(x)))
        gy = unbroadcast(K, gy, sy)
    return gx, gy


def _rpow_bw_complex(K, n, s, g):
    out, y = s
    base = n.ctx
    if base == 0:
        real_nonneg = (K.imag(y) == 0) & (K.real(y) >= 0)
        return (K.where(real_nonneg, K.zeros_like(g), g * K.conj(out) * -math.inf),)
    return (g * K.conj(out * cmath.log(base)),)


_pow_scalar_bw_c = holomorphic(_pow_scalar_bw)


def _int_pow(xp, x, e):
    """Integer x ** e with e an integer array: negative exponents give what integer division
    gives (1 for base 1, +-1 for base -1, else 0), as PyTorch, where NumPy raises."""
    neg = e < 0
    p = xp.pow(x, xp.where(neg, xp.zeros_like(e), e))
    one = xp.ones_like(p)
    odd = xp.where(e % 2 == 0, one, -one)
    inv = xp.where(x == 1, one, xp.where(x == -1, odd, xp.zeros_like(p)))
    return xp.where(neg, inv, p)


def pow(input, exponent) -> Tensor:
    if isinstance(exponent, Tensor) and isinstance(input, Tensor) and exponent.ndim == 0 and (
            exponent.dtype.kind < _dt._FLOAT <= input.dtype.kind) and not exponent._rg:
        exponent = exponent.item()
    dev, a, b = binary_operands("pow", input, exponent)
    if type(b) in _SCALARS:
        x = a._data
        kind = dev.to_ag[x.dtype].kind
        if kind <= _dt._INT and type(b) is int and b < 0:
            raise RuntimeError("pow(): Integers to negative integer powers are not allowed.")
        if type(b) is float and kind >= _dt._FLOAT and b.is_integer() and 0.0 <= b <= 5.0:
            b = int(b)  # x ** 3.0 by multiplication too (NumPy's general power is ~30x slower)
        if type(b) is int and 0 <= b <= 5:
            out = _ipow(x, b) if b else dev.xp.ones_like(x)
        elif type(b) is float and b == 0.5 and kind >= _dt._FLOAT:
            out = dev.xp.sqrt(x)
        else:
            out = x ** b
        return record(dev, out, "PowBackward0",
                      _pow_scalar_bw_c if kind == _dt._COMPLEX else _pow_scalar_bw, (a,), (a,), b)
    if type(a) in _SCALARS:
        if type(a) is int and dev.to_ag[b._data.dtype].kind == _dt._INT:
            xa = dev.xp.full((), a, dtype=b._data.dtype, device=dev.native)
            return record(dev, _int_pow(dev.xp, xa, b._data), "PowBackward1", None, ())
        out = a ** b._data
        return record(dev, out, "PowBackward1", _rpow_bw_complex if is_complex(b) else _rpow_bw,
                      (b,), (OUT, b), a)
    _check_shapes("pow", a, b)
    if dev.to_ag[a._data.dtype].kind == _dt._INT:
        return record(dev, _int_pow(dev.xp, a._data, b._data), "PowBackward1", None, ())
    out = dev.xp.pow(a._data, b._data)
    return record(dev, out, "PowBackward1", _pow_bw_complex if is_complex(a) else _pow_bw, (a, b),
                  (a, b, OUT), (a._data.shape, b._data.shape))


def float_power(input, exponent) -> Tensor:
    def up(x):
        if isinstance(x, Tensor):
            return _cast(x, _dt.complex128 if x.dtype.kind == _dt._COMPLEX else _dt.float64)
        return x
    return pow(up(input), up(exponent) if isinstance(exponent, Tensor) else float(exponent))


def _binary_math(op, name, f, bw, floating=True):
    def fn(input, other) -> Tensor:
        if floating:  # integer inputs become the default float (atan2, hypot, logaddexp)
            input, other = _to_float(input, op), _to_float(other, op)
        dev, a, b = binary_operands(op, input, other)
        a = a if isinstance(a, Tensor) else _full_like(a, b)
        b = b if isinstance(b, Tensor) else _full_like(b, a)
        _check_shapes(op, a, b)
        no_complex_grad(op, a, b)
        return record(dev, f(dev.xp, a._data, b._data), name, bw, (a, b), (a, b, OUT),
                      (a._data.shape, b._data.shape))
    fn.__name__ = op
    return fn


def _full_like(value, like: Tensor) -> Tensor:
    from ..creation import scalar_tensor

    return scalar_tensor(value, like)


def _atan2_bw(K, n, s, g):
    # 1 / (a^2 + b^2) is taken as 0 at (0, 0), as PyTorch: both gradients are 0 there
    a, b, _ = s
    den = a * a + b * b
    zero = den == 0
    rec = K.where(zero, K.zeros_like(den), 1 / K.where(zero, K.ones_like(den), den))
    return (unbroadcast(K, g * b * rec, n.ctx[0]) if n.needs[0] else None,
            unbroadcast(K, -g * a * rec, n.ctx[1]) if n.needs[1] else None)


def _minmax_bw(sign):
    """maximum/minimum: the gradient goes to the larger (smaller) operand, half to each at a tie,
    and all of it to both where either is NaN (no comparison holds), as PyTorch."""
    def bw(K, n, s, g):
        a, b, _ = s
        tie = a == b
        half, zero = g * 0.5, K.zeros_like(g)
        lose_a = (a < b) if sign > 0 else (a > b)
        lose_b = (a > b) if sign > 0 else (a < b)
        return (unbroadcast(K, K.where(tie, half, K.where(lose_a, zero, g)), n.ctx[0])
                if n.needs[0] else None,
                unbroadcast(K, K.where(tie, half, K.where(lose_b, zero, g)), n.ctx[1])
                if n.needs[1] else None)
    return bw


def _fminmax_bw(sign):
    """fmax/fmin: the gradient goes to the operand chosen (the non-NaN one); ties go to input."""
    def bw(K, n, s, g):
        a, b, _ = s
        pick_a = ((a >= b) if sign > 0 else (a <= b)) | K.isnan(b)
        zero = K.zeros_like(g)
        return (unbroadcast(K, K.where(pick_a, g, zero), n.ctx[0]) if n.needs[0] else None,
                unbroadcast(K, K.where(pick_a, zero, g), n.ctx[1]) if n.needs[1] else None)
    return bw


def _hypot_bw(K, n, s, g):
    a, b, out = s
    return (unbroadcast(K, g * a / out, n.ctx[0]) if n.needs[0] else None,
            unbroadcast(K, g * b / out, n.ctx[1]) if n.needs[1] else None)


def _logaddexp_bw(K, n, s, g):
    a, b, out = s
    return (unbroadcast(K, g * K.exp(a - out), n.ctx[0]) if n.needs[0] else None,
            unbroadcast(K, g * K.exp(b - out), n.ctx[1]) if n.needs[1] else None)


def _fminmax(f):
    def g(xp, a, b):
        r = f(a, b)
        r = xp.where(xp.isnan(a), b, r)
        return xp.where(xp.isnan(b), a, r)
    return g


atan2 = arctan2 = _binary_math("atan2", "Atan2Backward0", lambda xp, a, b: xp.atan2(a, b),
                               _atan2_bw)
maximum = _binary_math("maximum", "MaximumBackward0", lambda xp, a, b: xp.maximum(a, b),
                       _minmax_bw(1), False)
minimum = _binary_math("minimum", "MinimumBackward0", lambda xp, a, b: xp.minimum(a, b),
                       _minmax_bw(-1), False)
fmax = _binary_math("fmax", "FmaxBackward0", lambda xp, a, b: _fminmax(xp.maximum)(xp, a, b),
                    _fminmax_bw(1), False)
fmin = _binary_math("fmin", "FminBackward0", lambda xp, a, b: _fminmax(xp.minimum)(xp, a, b),
                    _fminmax_bw(-1), False)
hypot = _binary_math("hypot", "HypotBackward0", lambda xp, a, b: xp.hypot(a, b), _hypot_bw)
logaddexp = _binary_math("logaddexp", "LogaddexpBackward0", lambda xp, a, b: xp.logaddexp(a, b),
                         _logaddexp_bw)


def _xlogy_bw(K, n, s, g):
    # PyTorch's formulas: d/dx = xlogy(x != 0, y), d/dy = x / y (NaN at x == y == 0, as PyTorch)
    x, y, _ = s
    gx = gy = None
    if n.needs[0]:
        gx = unbroadcast(K, g * _xlogy(K, K.astype(x != 0, y.dtype), y), n.ctx[0])
    if n.needs[1]:
        gy = unbroadcast(K, g * x / y, n.ctx[1])
    return gx, gy


def _xlogy(K, x, y):
    """x * log(y), 0 where x is 0 and y is not NaN (0 * log(0) would be NaN)."""
    zero = (x == 0) & ~K.isnan(y)
    return K.where(zero, K.zeros_like(x * y), x * K.log(K.where(zero, K.ones_like(y), y)))


def xlogy(input, other) -> Tensor:
    """input * log(other), 0 where input is 0 (PyTorch's xlogy)."""
    if not isinstance(input, Tensor):
        input = _full_like(input, other)
    if not isinstance(other, Tensor):
        other = _full_like(other, input)
    if input._dev is not other._dev:  # a 0-d CPU tensor joins the other's device, as in mul
        if other.ndim == 0 and other._dev.type == "cpu":
            other = other.to(input._dev)
        elif input.ndim == 0 and input._dev.type == "cpu":
            input = input.to(other._dev)
    rt = _dt.result_type(input, other)  # before broadcasting a 0-d operand
    rt = rt if rt.kind >= _dt._FLOAT else _dt.get_default_dtype()
    a, b = _cast(input, rt, "xlogy"), _cast(other, rt, "xlogy")
    _check_shapes("xlogy", a, b)
    no_complex_grad("xlogy", a, b)
    dev = a._dev
    if dev is not b._dev:
        from ._common import devices_differ

        raise devices_differ("xlogy", a, b)
    return record(dev, _xlogy(dev.K, a._data, b._data), "XlogyBackward0", _xlogy_bw, (a, b),
                  (a, b, OUT), (a._data.shape, b._data.shape))


def lerp(input, end, weight) -> Tensor:
    return add(input, mul(weight, sub(end, input)))


def _check_shapes(op: str, a: Tensor, b: Tensor) -> None:
    sa, sb = a._data.shape, b._data.shape
    if sa == sb:
        return
    for x, y in zip(reversed(sa), reversed(sb), strict=False):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"{op}(): the shapes {tuple(sa)} and {tuple(sb)} cannot be broadcast together "
                f"(size {x} vs {y} at a non-singleton dimension)")


# ---- unary math ----------------------------------------------------------------------------------
_HOLO = "holomorphic"


def _unary(op: str, name: str, f, bw, save, floating=True, cbw=_HOLO):
    """An elementwise op of one tensor; `save` is "in", "out" or None (what bw gets in `s`);
    `floating`: integer inputs are first cast to the default float dtype, as PyTorch does.
    `cbw`: the backward for complex inputs (default: bw made holomorphic; None: the op has no
    complex derivative and raises for a complex input that requires grad)."""
    if cbw == _HOLO:
        cbw = holomorphic(bw) if bw is not None else None

    def fn(input) -> Tensor:
        if not isinstance(input, Tensor):
            raise TypeError(f"{op}(): expected a Tensor, got {type(input).__name__}")
        kind = input._dev.to_ag[input._data.dtype].kind
        if floating and kind < _dt._FLOAT:
            input = _cast(input, _dt.get_default_dtype(), op)
        dev = input._dev
        out = f(dev.K, input._data)
        b = bw
        if kind == _dt._COMPLEX:
            if cbw is None:
                no_complex_grad(op, input)
            b = cbw
        if b is None:
            return record(dev, out, name, _zero_like_bw, (input,))
        saved = (input,) if save == "in" else (OUT,) if save == "out" else ()
        return record(dev, out, name, b, (input,), saved)
    fn.__name__ = op
    return fn


def _zero_like_bw(K, n, s, g):
    return (K.zeros_like(g),)


_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _sigmoid(K, x):
    return 1 / (1 + K.exp(-x))


def _relu(K, x):
    # maximum keeps NaN (PyTorch's relu(nan) is nan) and is ~4x faster than where(x > 0, x, 0)
    return K.maximum(x, K.zeros_like(x))


def _relu_bw(K, n, s, g):
    # PyTorch's threshold_backward: g unless out <= 0; a backend kernel may do it branch-free
    fast = getattr(K.backend, "threshold_backward", None)
    if fast is not None:
        return (fast(g, s[0]),)
    return (K.where(s[0] <= 0, K.zeros_like(g), g),)


neg = negative = _unary("neg", "NegBackward0", lambda K, x: -x, lambda K, n, s, g: (-g,), None,
                        False)
positive = _unary("positive", "PositiveBackward0", lambda K, x: x, lambda K, n, s, g: (g,), None,
                  False)
def _abs_bw(K, n, s, g):
    # g * sign(x) with PyTorch's sign: 0 at 0 and at NaN (the standard's sign(NaN) is NaN)
    x = s[0]
    return (K.where(x > 0, g, K.where(x < 0, -g, K.zeros_like(g))),)


def _sign(K, x):
    """sign with sign(NaN) = 0, as PyTorch (the standard gives NaN)."""
    return K.where(K.isnan(x), K.zeros_like(x), K.sign(x))


def _abs_complex_bw(K, n, s, g):
    # g * sgn(z) = g z / |z| (0 at 0): PyTorch's abs_backward for complex z
    z = s[0]
    return (K.astype(g, z.dtype) * K.sign(z),)


def _sgn_bw(K, n, s, g):
    # PyTorch's sgn_backward: (g - sgn^2 conj(g)) / (2 |z|), 0 at z == 0
    z = s[0]
    a = K.abs(z)
    zero = a == 0
    sg = K.sign(z)
    r = (g - sg * sg * K.conj(g)) / K.astype(2 * K.where(zero, K.ones_like(a), a), z.dtype)
    return (K.where(zero, K.zeros_like(r), r),)


abs = absolute = _unary("abs", "AbsBackward0", lambda K, x: K.abs(x), _abs_bw, "in", False,
                        _abs_complex_bw)
exp = _unary("exp", "ExpBackward0", lambda K, x: K.exp(x), lambda K, n, s, g: (g * s[0],), "out")
exp2 = _unary("exp2", "Exp2Backward0", lambda K, x: 2.0 ** x,
              lambda K, n, s, g: (g * s[0] * _LN2,), "out")
expm1 = _unary("expm1", "Expm1Backward0", lambda K, x: K.expm1(x),
               lambda K, n, s, g: (g * (s[0] + 1),), "out")
log = _unary("log", "LogBackward0", lambda K, x: K.log(x), lambda K, n, s, g: (g / s[0],), "in")
log2 = _unary("log2", "Log2Backward0", lambda K, x: K.log2(x),
              lambda K, n, s, g: (g / (s[0] * _LN2),), "in")
log10 = _unary("log10", "Log10Backward0", lambda K, x: K.log10(x),
               lambda K, n, s, g: (g / (s[0] * _LN10),), "in")
log1p = _unary("log1p", "Log1PBackward0", lambda K, x: K.log1p(x),
               lambda K, n, s, g: (g / (s[0] + 1),), "in")
sqrt = _unary("sqrt", "SqrtBackward0", lambda K, x: K.sqrt(x),
              lambda K, n, s, g: (g / (2 * s[0]),), "out")
rsqrt = _unary("rsqrt", "RsqrtBackward0", lambda K, x: 1 / K.sqrt(x),
               lambda K, n, s, g: (-0.5 * g * s[0] * s[0] * s[0],), "out")
sin = _unary("sin", "SinBackward0", lambda K, x: K.sin(x),
             lambda K, n, s, g: (g * K.cos(s[0]),), "in")
cos = _unary("cos", "CosBackward0", lambda K, x: K.cos(x),
             lambda K, n, s, g: (-g * K.sin(s[0]),), "in")
tan = _unary("tan", "TanBackward0", lambda K, x: K.tan(x),
             lambda K, n, s, g: (g * (1 + s[0] * s[0]),), "out")
asin = arcsin = _unary("asin", "AsinBackward0", lambda K, x: K.asin(x),
                       lambda K, n, s, g: (g / K.sqrt(1 - s[0] * s[0]),), "in")
acos = arccos = _unary("acos", "AcosBackward0", lambda K, x: K.acos(x),
                       lambda K, n, s, g: (-g / K.sqrt(1 - s[0] * s[0]),), "in")
atan = arctan = _unary("atan", "AtanBackward0", lambda K, x: K.atan(x),
                       lambda K, n, s, g: (g / (1 + s[0] * s[0]),), "in")
sinh = _unary("sinh", "SinhBackward0", lambda K, x: K.sinh(x),
              lambda K, n, s, g: (g * K.cosh(s[0]),), "in")
cosh = _unary("cosh", "CoshBackward0", lambda K, x: K.cosh(x),
              lambda K, n, s, g: (g * K.sinh(s[0]),), "in")
tanh = _unary("tanh", "TanhBackward0", lambda K, x: K.tanh(x),
              lambda K, n, s, g: (g * (1 - s[0] * s[0]),), "out")
asinh = _unary("asinh", "AsinhBackward0", lambda K, x: K.asinh(x),
               lambda K, n, s, g: (g / K.sqrt(s[0] * s[0] + 1),), "in")
acosh = _unary("acosh", "AcoshBackward0", lambda K, x: K.acosh(x),  # sqrt(z-1) sqrt(z+1): the
               lambda K, n, s, g: (g / (K.sqrt(s[0] - 1) * K.sqrt(s[0] + 1)),), "in")  # branch
atanh = _unary("atanh", "AtanhBackward0", lambda K, x: K.atanh(x),
               lambda K, n, s, g: (g / (1 - s[0] * s[0]),), "in")
sigmoid = _unary("sigmoid", "SigmoidBackward0", _sigmoid,
                 lambda K, n, s, g: (g * s[0] * (1 - s[0]),), "out")
relu = _unary("relu", "ReluBackward0", _relu, _relu_bw, "out", False, None)
sign = sgn = _unary("sign", "SignBackward0", _sign, None, "in", False, _sgn_bw)
floor = _unary("floor", "FloorBackward0", lambda K, x: K.floor(x), None, None, False)
ceil = _unary("ceil", "CeilBackward0", lambda K, x: K.ceil(x), None, None, False)
trunc = fix = _unary("trunc", "TruncBackward0", lambda K, x: K.trunc(x), None, None, False)
frac = _unary("frac", "FracBackward0", lambda K, x: x - K.trunc(x), lambda K, n, s, g: (g,), None,
              cbw=None)
reciprocal = _unary("reciprocal", "ReciprocalBackward0", lambda K, x: 1 / x,
                    lambda K, n, s, g: (-g * s[0] * s[0],), "out")
square = _unary("square", "PowBackward0", lambda K, x: x * x,
                lambda K, n, s, g: (2 * g * s[0],), "in", False)
erf = _unary("erf", "ErfBackward0", lambda K, x: K.erf(x),
             lambda K, n, s, g: (g * _TWO_OVER_SQRT_PI * K.exp(-(s[0] * s[0])),), "in", cbw=None)
rad2deg = _unary("rad2deg", "Rad2DegBackward0", lambda K, x: x * (180.0 / math.pi),
                 lambda K, n, s, g: (g * (180.0 / math.pi),), None, cbw=None)
deg2rad = _unary("deg2rad", "Deg2RadBackward0", lambda K, x: x * (math.pi / 180.0),
                 lambda K, n, s, g: (g * (math.pi / 180.0),), None, cbw=None)


def _round_impl(K, x, decimals=0):
    if decimals == 0:
        return K.round(x)
    f = 10.0 ** decimals
    return K.round(x * f) / f


_round0 = _unary("round", "RoundBackward0", lambda K, x: K.round(x), None, None, False)


def round(input, *, decimals: int = 0) -> Tensor:  # noqa: A001
    if decimals == 0:
        return _round0(input)
    return record(input._dev, _round_impl(input._dev.K, input._data, decimals), "RoundBackward1",
                  _zero_like_bw, (input,))


# ---- Tensor methods and operators ----------------------------------------------------------------
def _rsub(self, other):
    return sub(other, self)


def _rdiv(self, other):
    return div(other, self)


def _rpow(self, other):
    return pow(other, self)


def _rfloordiv(self, other):
    return floor_divide(other, self)


def _rmod(self, other):
    return remainder(other, self)


for _name, _fn in {
    "__add__": add, "__radd__": add, "__sub__": sub, "__rsub__": _rsub, "__mul__": mul,
    "__rmul__": mul, "__truediv__": div, "__rtruediv__": _rdiv, "__pow__": pow, "__rpow__": _rpow,
    "__floordiv__": floor_divide, "__rfloordiv__": _rfloordiv, "__mod__": remainder,
    "__rmod__": _rmod, "__neg__": neg, "__pos__": positive, "__abs__": abs,
    "add": add, "sub": sub, "subtract": sub, "mul": mul, "multiply": mul, "div": div,
    "divide": div, "true_divide": div, "floor_divide": floor_divide, "remainder": remainder,
    "fmod": fmod, "pow": pow, "float_power": float_power, "atan2": atan2, "arctan2": atan2,
    "maximum": maximum, "minimum": minimum, "fmax": fmax, "fmin": fmin, "hypot": hypot,
    "logaddexp": logaddexp, "xlogy": xlogy, "lerp": lerp, "round": round,
}.items():
    setattr(Tensor, _name, _fn)

for _fn in (neg, negative, positive, abs, absolute, exp, exp2, expm1, log, log2, log10, log1p, sqrt,
            rsqrt, sin, cos, tan, asin, acos, atan, arcsin, arccos, arctan, sinh, cosh, tanh, asinh,
            acosh, atanh, sigmoid, relu, sign, sgn, floor, ceil, trunc, fix, frac, reciprocal,
            square, erf, rad2deg, deg2rad):
    method(_fn.__name__)(_fn)
Tensor.negative, Tensor.absolute, Tensor.sgn, Tensor.fix = neg, abs, sign, trunc
Tensor.arcsin, Tensor.arccos, Tensor.arctan = asin, acos, atan
