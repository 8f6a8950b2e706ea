"""In-place ops (`add_`, `mul_`, `zero_`, `-=`, ...) with PyTorch's semantics.

Recording (grad mode on and something requires grad): the op runs out of place on an alias of
the tensor and the tensor takes the result's data and history; the alias keeps the old values
for the backward pass. Not recording (optimizer steps, `no_grad`): the backend array is updated
in place where the backend allows it, else rebound and materialized (Dask persists it). Either
way the version counter moves, so a saved tensor that changed raises at backward time.

On a view, or a tensor that has live views, the write goes through core/views.py: into the base
(by the backend's setitem where the view's array aliases the base's, functionally elsewhere), with
the base's history rewritten as PyTorch's CopySlices does, and every view of the base re-derived.
"""

from __future__ import annotations

import operator

from .. import dtypes as _dt
from ..graph import record
from ..grad_mode import STATE
from ..random import default_generator
from ..tensor import Tensor, _wrap
from .. import views as V
from . import elementwise as E
from ._common import devices_differ, scalar_for

__all__ = ["apply_inplace"]


def _alias(t: Tensor) -> Tensor:
    a = _wrap(t._data, t._dev, t.grad_fn, t._oi)
    a._rg = t._rg
    return a


def _check_leaf(t: Tensor, op: str) -> None:
    v = t._view
    if STATE.enabled and t._rg and t.grad_fn is None and (v is None or v.meta != V.NO_GRAD_MODE):
        # (a no_grad view that requires grad gets the view's own error, from views.check)
        raise RuntimeError(f"{op}(): a leaf Variable that requires grad is being used in an "
                           "in-place operation (wrap it in arraygrad.no_grad(), or use the "
                           "out-of-place op).")


# PyTorch's scalar type names, which its in-place cast errors print
_TORCH_NAMES = {"float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double",
                "complex64": "ComplexFloat", "complex128": "ComplexDouble", "int8": "Char",
                "int16": "Short", "int32": "Int", "int64": "Long", "uint8": "Byte", "bool": "Bool"}


def _cast_error(op: str, rd: _dt.dtype, sd: _dt.dtype) -> RuntimeError:
    r, s = (_TORCH_NAMES.get(d.name, d.name) for d in (rd, sd))
    return RuntimeError(f"{op}(): result type {r} can't be cast to the desired output type {s}")


def _cast_result(self: Tensor, result: Tensor, op: str) -> Tensor:
    sd, rd = self.dtype, result.dtype
    if rd is not sd:
        if not _dt.can_cast(rd, sd):
            raise _cast_error(op, rd, sd)
        result = E._cast(result, sd)
    if result._data.shape != self._data.shape:
        from .shape import expand

        try:
            result = expand(result, tuple(self.shape))
        except RuntimeError:
            raise RuntimeError(f"{op}(): output with shape {list(self.shape)} doesn't match the "
                               f"broadcast shape {list(result.shape)}") from None
    return result


def _write(self: Tensor, result: Tensor, op: str) -> Tensor:
    result = _cast_result(self, result, op)
    if self._view is not None:
        V.write(self, result, op)
        return self
    b = self._dev.backend
    shared = V.has_views(self)
    if result.grad_fn is not None:
        if shared and b.writable(self._data):  # views alias this buffer: write into it
            self._data[...] = result._data
        else:
            self._data = b.materialize(result._data)
        self.grad_fn, self._oi, self._rg = result.grad_fn, result._oi, True
    elif b.writable(self._data):
        self._data[...] = result._data
    else:
        self._data = b.materialize(result._data)
    self._bump()  # views re-derive their data
    if shared and result.grad_fn is not None:
        V.refresh(self, True)
    return self


def apply_inplace(self: Tensor, fn, op: str) -> Tensor:
    """self updated in place to fn(self): the general in-place mechanism."""
    _check_leaf(self, op)
    if STATE.enabled:
        src = _alias(self)
        if (self._view is not None or V.has_views(self)) and self._dev.backend.writable(self._data):
            # the buffer is written in place below: the op's backward keeps the old values
            src._data = self._dev.xp.asarray(self._data, copy=True)
    else:
        src = self
    return _write(self, fn(src), op)


def _arith(opname: str, out_of_place, iop):
    """An arithmetic in-place op with a fast path when nothing is recorded."""
    def fn(self: Tensor, other, *, alpha=1) -> Tensor:
        if alpha != 1:
            other = other * alpha
        ot = isinstance(other, Tensor)
        v = self._view
        if (not STATE.enabled or (v is None and not (self._rg or (ot and other._rg)))) and (
                v is None or V.writes_through(self)):
            d = self._data
            kind = self._dev.to_ag[d.dtype].kind
            if ot:
                if other._dev is not self._dev:
                    raise devices_differ(opname, self, other)
                od = other._dev.to_ag[other._data.dtype]
                if od.kind > kind or (opname == "div_" and kind < _dt._FLOAT):
                    rd = od if od.kind > kind else _dt.get_default_dtype()
                    raise _cast_error(opname, rd, self.dtype)
                o = other._data if od is self.dtype else self._dev.xp.astype(other._data, d.dtype)
                if len(o.shape) > len(d.shape) or any(
                        x != y and x != 1
                        for x, y in zip(reversed(o.shape), reversed(d.shape), strict=False)):
                    raise RuntimeError(f"{opname}(): output with shape {list(d.shape)} doesn't "
                                       f"match the broadcast shape {_bshape(d.shape, o.shape)}")
            else:
                if isinstance(other, bool):
                    other = int(other)
                if not isinstance(other, (int, float, complex)):
                    raise TypeError(f"{opname}(): expected a Tensor or a number, got "
                                    f"{type(other).__name__}")
                if _dt._scalar_kind(other) > kind or (opname == "div_" and kind < _dt._FLOAT):
                    res = (_dt.result_type(self, other) if opname != "div_"
                           else _dt.get_default_dtype())
                    raise _cast_error(opname, res, self.dtype)
                o = scalar_for(other, kind)
            b = self._dev.backend
            if b.writable(d):
                iop(d, o)
            else:
                self._data = b.materialize(out_of_place(d, o))
            self._bump()
            return self
        return apply_inplace(self, lambda s: getattr(E, opname[:-1])(s, other), opname)
    fn.__name__ = opname
    return fn


def _bshape(a, b) -> list:
    """The broadcast shape of a and b (for error messages; a size mismatch shows the larger)."""
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    return [y if x == 1 else x if y == 1 else max(x, y) for x, y in zip(a, b, strict=True)]


add_ = _arith("add_", operator.add, operator.iadd)
sub_ = _arith("sub_", operator.sub, operator.isub)
mul_ = _arith("mul_", operator.mul, operator.imul)
div_ = _arith("div_", operator.truediv, operator.itruediv)


def _unary_(name: str, fn):
    def method(self: Tensor, *args, **kwargs) -> Tensor:
        return apply_inplace(self, lambda s: fn(s, *args, **kwargs), name)
    method.__name__ = name
    return method


def _zero_bw(K, n, s, g):
    return (K.zeros_like(g),)


def _filled(src: Tensor, value) -> Tensor:
    xp = src._dev.xp
    data = xp.full(src._data.shape, value, dtype=src._data.dtype, device=src._dev.native)
    return record(src._dev, data, "FillBackward0", _zero_bw, (src,))


def zero_(self: Tensor) -> Tensor:
    return apply_inplace(self, lambda s: _filled(s, 0), "zero_")


def fill_(self: Tensor, value) -> Tensor:
    if isinstance(value, Tensor):
        if value._rg:
            return apply_inplace(self, lambda s: value.expand(tuple(s.shape)) + s * 0, "fill_")
        value = value.item()
    return apply_inplace(self, lambda s: _filled(s, value), "fill_")


def _copy_bw(K, n, s, g):
    from ._common import unbroadcast

    return (None, unbroadcast(K, g, n.ctx))


def copy_(self: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Writes src (broadcast, cast and moved as needed) into self; gradient flows to src."""
    if not isinstance(src, Tensor):
        from ..creation import tensor

        src = tensor(src, dtype=self.dtype, device=self._dev)
    src = src.to(self._dev)
    if src.dtype is not self.dtype:
        src = E._cast(src, self.dtype)

    def fn(s):
        # a fresh array of self's shape: src's values only (adding self * 0 kept NaN and inf)
        xp = s._dev.xp
        return record(s._dev, xp.asarray(xp.broadcast_to(src._data, s._data.shape), copy=True),
                      "CopyBackwards", _copy_bw, (s, src), (), src._data.shape)
    return apply_inplace(self, fn, "copy_")


def _random_fill(self: Tensor, gen, kind: str, *args) -> Tensor:
    data = (gen or default_generator)._draw(self._dev, kind, *args)
    return apply_inplace(self, lambda s: record(s._dev, data, "RandomBackward", _zero_bw, (s,)),
                         "random_")


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
    return _random_fill(self, generator, "uniform", tuple(self.shape), self.dtype.name, a, b)


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    return _random_fill(self, generator, "normal", tuple(self.shape), self.dtype.name, mean, std)


def bernoulli_(self: Tensor, p=0.5, *, generator=None) -> Tensor:
    """self filled with 1 (probability p, a number or a tensor broadcast to self) or 0; drawn on
    the host from the seeded generator like every random fill (self's values are not read)."""
    return _random_fill(self, generator, "bernoulli", p, self.dtype.name, tuple(self.shape))


def random_(self: Tensor, low: int = 0, high: int | None = None, *, generator=None) -> Tensor:
    if high is None:
        low, high = 0, low if low else 2 ** 24
    return _random_fill(self, generator, "integers", low, high, tuple(self.shape), self.dtype.name)


def exponential_(self: Tensor, lambd: float = 1.0, *, generator=None) -> Tensor:
    return _random_fill(self, generator, "exponential", tuple(self.shape), self.dtype.name, lambd)


for _n, _f in {"add_": add_, "sub_": sub_, "subtract_": sub_, "mul_": mul_, "multiply_": mul_,
               "div_": div_, "divide_": div_, "true_divide_": div_, "zero_": zero_, "fill_": fill_,
               "copy_": copy_, "uniform_": uniform_, "normal_": normal_, "bernoulli_": bernoulli_,
               "random_": random_, "exponential_": exponential_,
               "__iadd__": add_, "__isub__": sub_, "__imul__": mul_, "__itruediv__": div_}.items():
    setattr(Tensor, _n, _f)

def _lazy_unary_(name: str, module: str, fn_name: str):
    """An in-place method over an op of a family that imports after this module (comparison)."""
    def method(self: Tensor, *args, **kwargs) -> Tensor:
        import importlib

        fn = getattr(importlib.import_module(f"{__package__}.{module}"), fn_name)
        return apply_inplace(self, lambda s: fn(s, *args, **kwargs), name)
    method.__name__ = name
    return method


def _nondiff_(name: str, fn_name: str):
    """An in-place comparison or logical/bitwise op: self takes the result in its own dtype, and
    its history continues through a zero gradient, as in PyTorch."""
    def method(self: Tensor, *args, **kwargs) -> Tensor:
        from . import comparison as C

        def run(s):
            out = getattr(C, fn_name)(s.detach(), *args, **kwargs)
            if out.dtype is not s.dtype:
                if not _dt.can_cast(out.dtype, s.dtype):
                    raise _cast_error(name, out.dtype, s.dtype)
                out = out.to(s.dtype)
            return record(s._dev, out._data, name[:-1].capitalize() + "Backward0", _zero_bw, (s,))
        return apply_inplace(self, run, name)
    method.__name__ = name
    return method


def float_power_(self: Tensor, exponent) -> Tensor:
    """PyTorch computes float_power in double precision and refuses to write it into a narrower
    self rather than rounding silently."""
    want = _dt.complex128 if self.dtype.kind == _dt._COMPLEX else _dt.float64
    if self.dtype is not want:
        raise RuntimeError(f"float_power_(): the base given to float_power_ has dtype "
                           f"{_TORCH_NAMES.get(self.dtype.name, self.dtype.name)} but the "
                           f"operation's result requires dtype {_TORCH_NAMES[want.name]}")
    return apply_inplace(self, lambda s: E.float_power(s, exponent), "float_power_")


for _name in ("neg", "negative", "abs", "absolute", "exp", "exp2", "expm1", "log", "log2",
              "log10", "log1p", "sqrt", "rsqrt", "sin", "cos", "tan", "asin", "acos", "atan",
              "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
              "sigmoid", "relu", "sign", "sgn", "floor", "ceil", "round", "trunc", "fix", "frac",
              "reciprocal", "square", "erf", "rad2deg", "deg2rad", "pow", "remainder", "fmod",
              "floor_divide", "atan2", "arctan2", "lerp", "hypot", "maximum", "minimum", "xlogy"):
    setattr(Tensor, _name + "_", _unary_(_name + "_", getattr(E, _name)))
for _name, _fn_name in {"clamp": "clamp", "clip": "clamp", "clamp_min": "clamp_min",
                        "clamp_max": "clamp_max", "nan_to_num": "nan_to_num"}.items():
    setattr(Tensor, _name + "_", _lazy_unary_(_name + "_", "comparison", _fn_name))
for _name, _fn_name in {"eq": "eq", "ne": "ne", "not_equal": "ne", "lt": "lt", "less": "lt",
                        "le": "le", "less_equal": "le", "gt": "gt", "greater": "gt", "ge": "ge",
                        "greater_equal": "ge", "logical_and": "logical_and",
                        "logical_or": "logical_or", "logical_xor": "logical_xor",
                        "logical_not": "logical_not", "bitwise_and": "bitwise_and",
                        "bitwise_or": "bitwise_or", "bitwise_xor": "bitwise_xor",
                        "bitwise_not": "bitwise_not", "bitwise_left_shift": "bitwise_left_shift",
                        "bitwise_right_shift": "bitwise_right_shift",
                        "heaviside": "heaviside"}.items():
    setattr(Tensor, _name + "_", _nondiff_(_name + "_", _fn_name))
Tensor.float_power_ = float_power_
Tensor.__ipow__ = Tensor.pow_
Tensor.__ifloordiv__ = Tensor.floor_divide_
Tensor.__imod__ = Tensor.remainder_
Tensor.__iand__ = Tensor.bitwise_and_
Tensor.__ior__ = Tensor.bitwise_or_
Tensor.__ixor__ = Tensor.bitwise_xor_
Tensor.__ilshift__ = Tensor.bitwise_left_shift_
Tensor.__irshift__ = Tensor.bitwise_right_shift_
