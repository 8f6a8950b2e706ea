"""Reductions over dimensions (`sum`, `prod`, `max`, `var`, `norm`, `median`, ...) and cumulative
ops, with `dim` and `keepdim` as in PyTorch.

Value-selecting reductions (`max(dim=)`, `median(dim=)`) send the gradient to the selected index
through a scatter; whole-tensor `max()`, `amax` and `median()` split it evenly among ties, as
PyTorch does.
"""

from __future__ import annotations

import builtins
import math
import warnings
from collections import namedtuple

from .. import dtypes as _dt
from ..graph import OUT, record, record_multi
from ..tensor import Tensor, _dim, _wrap
from ._common import method
from .complex import holomorphic, is_complex, no_complex_grad

__all__ = [
    "sum", "mean", "prod", "max", "min", "amax", "amin", "aminmax", "argmax", "argmin", "var",
    "std", "var_mean", "std_mean", "logsumexp", "norm", "cumsum", "cumprod", "all", "any",
    "count_nonzero", "median", "nanmedian", "nansum", "nanmean",
]


def _return_type(name: str, fields: tuple):
    """A named tuple printed like torch.return_types.<name>."""
    base = namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self, strict=True))
        return f"arraygrad.return_types.{name}(\n{body})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__,
                                "__module__": "arraygrad.return_types"})


_max_rt = _return_type("max", ("values", "indices"))
_min_rt = _return_type("min", ("values", "indices"))
_median_rt = _return_type("median", ("values", "indices"))
_nanmedian_rt = _return_type("nanmedian", ("values", "indices"))
_aminmax_rt = _return_type("aminmax", ("min", "max"))


def _axes(dim, ndim: int, op: str):
    """dim (None, an int or a sequence) as a tuple of non-negative axes, or None for all."""
    if dim is None:
        return None
    if isinstance(dim, int):
        return (_dim(dim, ndim, op),) if ndim else ()
    axes = tuple(_dim(d, ndim, op) for d in dim)
    if len(set(axes)) != len(axes):
        raise RuntimeError(f"{op}(): dim {tuple(dim)} appears multiple times in the list of dims")
    return axes if axes else None


def _keep_shape(in_shape, axes) -> tuple:
    """in_shape with the reduced axes (None: all) set to 1."""
    shape = list(in_shape)
    for a in (axes if axes is not None else range(len(in_shape))):
        shape[a] = 1
    return tuple(shape)


def _out_shape(in_shape, axes, keepdim: bool) -> tuple:
    if keepdim:
        return _keep_shape(in_shape, axes)
    if axes is None:
        return ()
    return tuple(s for i, s in enumerate(in_shape) if i not in axes)


def _keep(K, a, in_shape, axes, keepdim: bool):
    """a (a reduced result) reshaped to keepdim form, ready to broadcast against the input."""
    return a if keepdim else K.reshape(a, _keep_shape(in_shape, axes))


def _expand_back(K, g, in_shape, axes, keepdim: bool):
    """g (a reduced gradient) broadcast back to in_shape."""
    return K.broadcast_to(_keep(K, g, in_shape, axes, keepdim), tuple(in_shape))


def _numel(shape, axes=None) -> int:
    n = 1
    for a in (axes if axes is not None else range(len(shape))):
        n *= shape[a]
    return n


def _index_array(dev, idx):
    """An index array in the device's default integer dtype (int64, or int32 under no_x64)."""
    nd = dev.native_dtype(dev.default_int)
    return idx if idx.dtype == nd else dev.xp.astype(idx, nd)


def _orderable(dev, d):
    """d in a dtype the standard can order (bool as uint8), and the dtype to cast results back
    to (None: none needed)."""
    if dev.to_ag[d.dtype] is _dt.bool:
        return dev.xp.astype(d, dev.native_dtype(_dt.uint8)), d.dtype
    return d, None


def _back(dev, r, back):
    return r if back is None else dev.xp.astype(r, back)


def _scatter_back(K, g, idx, in_shape, axis: int, keepdim: bool):
    """The gradient of picking `idx` along axis: g scattered into zeros of in_shape."""
    if not in_shape:
        return g
    if not keepdim:
        g = K.expand_dims(g, axis=axis)
        idx = K.expand_dims(idx, axis=axis)
    zeros = K.broadcast_to(K.zeros_like(K.sum(g, axis=axis, keepdims=True)), tuple(in_shape))
    return K.scatter_add(zeros, axis, idx, g)


def _amax_bw(K, n, s, g):
    """amax/amin: split among the elements equal to the result, as PyTorch's
    scale_grad_by_count (a NaN result matches nothing: 0 / 0, NaN gradients, as PyTorch)."""
    x, out = s
    in_shape, axes, keepdim = n.ctx
    out = _keep(K, out, in_shape, axes, keepdim)
    g = _keep(K, g, in_shape, axes, keepdim)
    mask = K.astype(x == out, g.dtype)
    return (g / K.sum(mask, axis=axes, keepdims=True) * mask,)


def _even_bw(K, n, s, g):
    """The gradient of a reduction that picks a value (max, amax, median): split among ties."""
    x, out = s
    in_shape, axes, keepdim = n.ctx
    out = _keep(K, out, in_shape, axes, keepdim)
    g = _keep(K, g, in_shape, axes, keepdim)
    mask = (x == out) | (K.isnan(x) & K.isnan(out))
    mask = K.astype(mask, g.dtype)
    return (g * mask / K.sum(mask, axis=axes, keepdims=True),)


# ---- sums and products ---------------------------------------------------------------------------
def _sum_bw(K, n, s, g):
    in_shape, axes, keepdim = n.ctx
    return (_expand_back(K, g, in_shape, axes, keepdim),)


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:  # noqa: A001
    x = input
    if dtype is not None:
        x = x.to(dtype)
    elif x.dtype.kind <= _dt._INT:
        x = x.to(x._dev.default_int)
    d = x._data
    axes = _axes(dim, d.ndim, "sum")
    out = x._dev.xp.sum(d, axis=axes, keepdims=keepdim)
    return record(x._dev, out, "SumBackward0" if axes is None else "SumBackward1", _sum_bw, (x,),
                  (), (d.shape, axes, keepdim))


def _mean_bw(K, n, s, g):
    in_shape, axes, keepdim, count = n.ctx
    return (_expand_back(K, g / count, in_shape, axes, keepdim),)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    x = input if dtype is None else input.to(dtype)
    if x.dtype.kind < _dt._FLOAT:
        raise RuntimeError(
            f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {x.dtype}")
    d = x._data
    axes = _axes(dim, d.ndim, "mean")
    count = 1
    for a in (axes if axes is not None else range(d.ndim)):
        count *= d.shape[a]
    out = x._dev.xp.mean(d, axis=axes, keepdims=keepdim)
    return record(x._dev, out, "MeanBackward0" if axes is None else "MeanBackward1", _mean_bw, (x,),
                  (), (d.shape, axes, keepdim, count))


def _int_to_default(x: Tensor, dtype) -> Tensor:
    """sum/prod/cumsum's dtype rule: bool and integers accumulate in int64 unless dtype= says."""
    if dtype is not None:
        return x.to(dtype)
    if x.dtype.kind <= _dt._INT:
        return x.to(x._dev.default_int)
    return x


def _first_zero(K, x, axis: int):
    """(zero mask, mask of the first zero along axis, mask of the places before the first zero)."""
    zero = x == 0
    count = K.cumulative_sum(K.astype(zero, x.dtype), axis=axis)
    return zero, zero & (count == 1), count == 0


def _exclusive_cumprod(K, x, axis: int):
    """prod_{k<i} x_k along axis (1 at the first place), by a cumprod of x shifted by one."""
    ones = K.ones_like(x)
    first = K.cumulative_sum(ones, axis=axis) == 1
    return K.cumulative_prod(K.where(first, ones, K.roll(x, 1, axis=axis)), axis=axis)


def _prod_bw(K, n, s, g):
    # d prod / d x_i = prod_{k<i} x_k * prod_{k>i} x_k: no division, so it is exact with zeros
    # and stays a polynomial in x (right second derivatives under create_graph)
    (x,) = s
    in_shape, axis, keepdim = n.ctx
    if axis is None:
        xf, ax, g = K.reshape(x, (-1,)), 0, K.reshape(g, (1,))
    else:
        xf, ax, g = x, axis, _keep(K, g, in_shape, (axis,), keepdim)
    left = _exclusive_cumprod(K, xf, ax)
    right = K.flip(_exclusive_cumprod(K, K.flip(xf, axis=ax), ax), axis=ax)
    gx = g * (left * right)
    return (K.reshape(gx, tuple(in_shape)) if axis is None else gx,)


_prod_bw_c = holomorphic(_prod_bw)


def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The product of all elements, or along one dim; integers accumulate in int64."""
    x = _int_to_default(input, dtype)
    d, xp = x._data, x._dev.xp
    bw = _prod_bw_c if is_complex(x) else _prod_bw
    if dim is None:
        return record(x._dev, xp.prod(d), "ProdBackward0", bw, (x,), (x,), (d.shape, None, False))
    if not isinstance(dim, int):
        raise TypeError(f"prod(): dim must be an int, got {type(dim).__name__}")
    ax = _dim(dim, d.ndim, "prod")
    if d.ndim == 0:
        return record(x._dev, d, "ProdBackward1", lambda K, n, s, g: (g,), (x,))
    out = xp.prod(d, axis=ax, keepdims=keepdim)
    return record(x._dev, out, "ProdBackward1", bw, (x,), (x,), (d.shape, ax, keepdim))


def _flip_cumsum(K, a, axis):
    return K.flip(K.cumulative_sum(K.flip(a, axis=axis), axis=axis), axis=axis)


def _cumsum_bw(K, n, s, g):
    return (_flip_cumsum(K, g, n.ctx),)


def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running sums along dim; integers accumulate in int64."""
    x = _int_to_default(input, dtype)
    d = x._data
    ax = _dim(dim, d.ndim, "cumsum")
    if d.ndim == 0:
        return record(x._dev, d, "CumsumBackward0", lambda K, n, s, g: (g,), (x,))
    out = x._dev.xp.cumulative_sum(d, axis=ax)
    return record(x._dev, out, "CumsumBackward0", _cumsum_bw, (x,), (), ax)


def _cumprod_bw(K, n, s, g):
    # d out_j / d x_i = prod_{k<=j, k!=i} x_k. Before the first zero: reverse-cumsum(g*out) / x;
    # at the first zero: reverse-cumsum(g * cumprod(x with that zero taken as 1)); after it: 0.
    x, out = s
    ax = n.ctx
    if isinstance(g, Tensor):
        return (_cumprod_bw_polynomial(K, x, g, ax),)
    zero, first, before = _first_zero(K, x, ax)
    ones, zeros = K.ones_like(x), K.zeros_like(x)
    a = _flip_cumsum(K, g * out, ax) / K.where(zero, ones, x)
    b = _flip_cumsum(K, g * K.cumulative_prod(K.where(first, ones, x), axis=ax), ax)
    return (K.where(before, a, K.where(first, b, zeros)),)


def _cumprod_bw_polynomial(K, x, g, ax: int):
    """The cumprod gradient as a polynomial in x, for create_graph: the fast formula above is
    exact in value but constant in x after the first zero, which would lose second derivatives.
    grad_i = prod_{k<i} x_k * sum_{j>=i} g_j prod_{i<k<=j} x_k, with (n, n) masks per row."""
    xm, gm = K.moveaxis(x, ax, -1), K.moveaxis(g, ax, -1)
    pos = K.cumulative_sum(K.ones_like(xm), axis=-1)
    pi, pk = K.expand_dims(pos, axis=-1), K.expand_dims(pos, axis=-2)  # row i, column k
    xk = K.expand_dims(xm, axis=-2)
    after = K.astype(pk > pi, xm.dtype)
    c = K.cumulative_prod(after * xk + (1 - after), axis=-1)  # c[i, j] = prod_{i<k<=j} x_k
    upper = K.astype(pk >= pi, xm.dtype)
    s = K.sum(upper * c * K.expand_dims(gm, axis=-2), axis=-1)
    before = K.astype(pk < pi, xm.dtype)
    left = K.prod(before * xk + (1 - before), axis=-1)
    return K.moveaxis(left * s, -1, ax)


_cumprod_bw_c = holomorphic(_cumprod_bw)


def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running products along dim; the gradient is exact with zeros in the input."""
    x = _int_to_default(input, dtype)
    d = x._data
    ax = _dim(dim, d.ndim, "cumprod")
    if d.ndim == 0:
        return record(x._dev, d, "CumprodBackward0", lambda K, n, s, g: (g,), (x,))
    out = x._dev.xp.cumulative_prod(d, axis=ax)
    return record(x._dev, out, "CumprodBackward0", _cumprod_bw_c if is_complex(x) else _cumprod_bw,
                  (x,), (x, OUT), ax)


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """sum treating NaN as zero (NaN places get no gradient)."""
    if input.dtype.kind >= _dt._FLOAT:
        from .comparison import isnan, where

        input = where(isnan(input), 0.0, input)
    return sum(input, dim, keepdim, dtype=dtype)


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """mean over the non-NaN elements."""
    from .comparison import isnan

    x = input if dtype is None else input.to(dtype)
    if x.dtype.kind < _dt._FLOAT:
        raise RuntimeError(f"nanmean(): expected a floating point or complex input, got {x.dtype}")
    count = sum(~isnan(x), dim, keepdim)
    return nansum(x, dim, keepdim) / count.to(x.dtype)


# ---- max, min and friends ------------------------------------------------------------------------
def _empty_check(x: Tensor, op: str) -> None:
    if x.numel() == 0:
        raise RuntimeError(
            f"{op}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
            "reduction dim with the 'dim' argument.")


def _whole(x: Tensor, op: str, f, name: str) -> Tensor:
    """max()/min() of every element: the value, gradient split evenly among ties."""
    _empty_check(x, op)
    no_complex_grad(op, x)
    dev = x._dev
    d, back = _orderable(dev, x._data)
    out = _back(dev, f(d), back)
    return record(dev, out, name, _even_bw, (x,), (x, OUT), (x._data.shape, None, False))


def _select_bw(K, n, s, g):
    (idx,) = s
    in_shape, axis, keepdim = n.ctx
    return (_scatter_back(K, g[0], idx, in_shape, axis, keepdim),)


def _with_dim(x: Tensor, dim, keepdim: bool, op: str, fv, fi, name: str, rt):
    """(values, indices) of max/min along dim; the gradient goes to the selected index."""
    dev = x._dev
    d = x._data
    no_complex_grad(op, x)
    ax = _dim(dim, d.ndim, op)
    if d.shape and d.shape[ax] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {ax} to have non-zero size (input shape "
                         f"{tuple(d.shape)})")
    o, back = _orderable(dev, d)
    if d.ndim == 0:
        o, ax_c, keep_c = dev.xp.reshape(o, (1,)), 0, False
    else:
        ax_c, keep_c = ax, keepdim
    vals = _back(dev, fv(o, axis=ax_c, keepdims=keep_c), back)
    idx = _index_array(dev, fi(o, axis=ax_c, keepdims=keep_c))
    v, i = record_multi(dev, (vals, idx), name, _select_bw, (x,), (idx,),
                        (d.shape, ax, keepdim), differentiable=(True, False))
    return rt(v, i)


def max(input: Tensor, dim=None, keepdim: bool = False, *, other=None, out=None):  # noqa: A001
    """max(input): the largest value; max(input, dim): (values, indices); max(input, other):
    the elementwise maximum."""
    if out is not None:
        from ._out import write_out

        return write_out("max", out, max(input, dim, keepdim, other=other))
    if isinstance(dim, Tensor) or other is not None:
        from .elementwise import maximum

        return maximum(input, dim if other is None else other)
    if dim is None:
        return _whole(input, "max", input._dev.xp.max, "MaxBackward1")
    xp = input._dev.xp
    return _with_dim(input, dim, keepdim, "max", xp.max, xp.argmax, "MaxBackward0", _max_rt)


def min(input: Tensor, dim=None, keepdim: bool = False, *, other=None, out=None):  # noqa: A001
    """min(input): the smallest value; min(input, dim): (values, indices); min(input, other):
    the elementwise minimum."""
    if out is not None:
        from ._out import write_out

        return write_out("min", out, min(input, dim, keepdim, other=other))
    if isinstance(dim, Tensor) or other is not None:
        from .elementwise import minimum

        return minimum(input, dim if other is None else other)
    if dim is None:
        return _whole(input, "min", input._dev.xp.min, "MinBackward1")
    xp = input._dev.xp
    return _with_dim(input, dim, keepdim, "min", xp.min, xp.argmin, "MinBackward0", _min_rt)


def _amaxmin(op: str, name: str, which: str, bw=_amax_bw):
    def fn(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
        dev = input._dev
        d = input._data
        no_complex_grad(op, input)
        axes = _axes(dim, d.ndim, op)
        if axes is None:
            _empty_check(input, op)
        elif builtins.any(d.shape[a] == 0 for a in axes):
            raise IndexError(f"{op}(): Expected reduction dim to have non-zero size (input shape "
                             f"{tuple(d.shape)}, dim {dim})")
        o, back = _orderable(dev, d)
        out = _back(dev, getattr(dev.xp, which)(o, axis=axes, keepdims=keepdim), back)
        return record(dev, out, name, bw, (input,), (input, OUT), (d.shape, axes, keepdim))
    fn.__name__ = op
    fn.__doc__ = f"The {which}imum over dim (default: all); the gradient is split among ties."
    return fn


amax = _amaxmin("amax", "AmaxBackward0", "max")
amin = _amaxmin("amin", "AminBackward0", "min")
# norm(p=+-inf) splits among the maxima of |x| and NaNs (PyTorch's norm_backward respects NaNs)
_amax_nan = _amaxmin("norm", "NormBackward1", "max", _even_bw)
_amin_nan = _amaxmin("norm", "NormBackward1", "min", _even_bw)


def aminmax(input: Tensor, *, dim=None, keepdim: bool = False):
    """(min, max) over dim (default: all), each differentiable like amin/amax."""
    d = () if dim is None else dim
    return _aminmax_rt(amin(input, d, keepdim), amax(input, d, keepdim))


def _argmaxmin(op: str, which: str):
    def fn(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
        dev = input._dev
        d, _ = _orderable(dev, input._data)
        f = getattr(dev.xp, which)
        if dim is None:
            _empty_check(input, op)
            idx = f(dev.xp.reshape(d, (-1,)))
            if keepdim:
                idx = dev.xp.reshape(idx, (1,) * d.ndim)
            return _wrap(_index_array(dev, idx), dev)
        ax = _dim(dim, d.ndim, op)
        if d.ndim == 0:
            return _wrap(_index_array(dev, f(dev.xp.reshape(d, (1,)))), dev)
        if d.shape[ax] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {ax} to have non-zero size (input "
                             f"shape {tuple(d.shape)})")
        return _wrap(_index_array(dev, f(d, axis=ax, keepdims=keepdim)), dev)
    fn.__name__ = op
    fn.__doc__ = f"The index of the {which[3:]}imum (first one among ties), flattened or along dim."
    return fn


argmax = _argmaxmin("argmax", "argmax")
argmin = _argmaxmin("argmin", "argmin")


# ---- statistics ----------------------------------------------------------------------------------
def _correction(op: str, dim, unbiased, correction):
    """(dim, correction) from PyTorch's overloads: var(x, unbiased), var(x, dim, unbiased, ...)."""
    if isinstance(dim, bool):
        if unbiased is not None:
            raise TypeError(f"{op}(): unbiased given twice")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise RuntimeError(f"{op}(): cannot specify both unbiased and correction")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return dim, correction


def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *,
        correction=None) -> Tensor:
    """sum((x - mean)^2) / (N - correction); correction=1 (Bessel) by default."""
    dim, correction = _correction("var", dim, unbiased, correction)
    if input.dtype.kind < _dt._FLOAT:
        raise RuntimeError(f"var(): std and var only support floating point and complex dtypes "
                           f"(got {input.dtype})")
    axes = _axes(dim, input.ndim, "var")
    dof = _numel(input.shape, axes) - correction
    if dof <= 0:
        warnings.warn("var(): degrees of freedom is <= 0. Correction should be strictly less than "
                      "the reduction factor (input numel divided by output numel).", stacklevel=2)
    return _var_std(input, axes, keepdim, builtins.max(dof, 0), False)


def _centered(K, x, axes):
    return x - K.mean(x, axis=axes, keepdims=True)


def _var_std_bw(K, n, s, g):
    # PyTorch's var_backward, 2 g (x - mean) / dof (conj-Wirtinger for complex x), and
    # std_backward, var's with g / (2 std), 0 where std is 0 (not 0 / 0)
    x, out = s
    in_shape, axes, keepdim, dof, root = n.ctx
    g = _keep(K, g, in_shape, axes, keepdim)
    if root:
        out = _keep(K, out, in_shape, axes, keepdim)
        zero = out == 0
        g = K.where(zero, K.zeros_like(g), g / K.where(zero, K.ones_like(out), out))
    else:
        g = 2 * g
    return (g * _centered(K, x, axes) / dof,)


def _var_std(x: Tensor, axes, keepdim: bool, dof: int, root: bool) -> Tensor:
    """sum(|x - mean|^2) / dof over axes (a real result for complex x), its root if `root`."""
    dev, d = x._dev, x._data
    xp = dev.xp
    c = _centered(dev.K, d, axes)
    sq = xp.real(c * xp.conj(c)) if x.dtype.kind == _dt._COMPLEX else c * c
    out = xp.sum(sq, axis=axes, keepdims=keepdim) / dof  # dof 0: inf or nan, as PyTorch
    if root:
        out = xp.sqrt(out)
    name = ("StdBackward0" if root else "VarBackward0")
    return record(dev, out, name, _var_std_bw, (x,), (x, OUT), (d.shape, axes, keepdim, dof, root))


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *,
        correction=None) -> Tensor:
    """The square root of var (same arguments); the gradient is 0 where the result is 0."""
    dim, correction = _correction("std", dim, unbiased, correction)
    if input.dtype.kind < _dt._FLOAT:
        raise RuntimeError(f"std(): std and var only support floating point and complex dtypes "
                           f"(got {input.dtype})")
    axes = _axes(dim, input.ndim, "std")
    dof = _numel(input.shape, axes) - correction
    if dof <= 0:
        warnings.warn("std(): degrees of freedom is <= 0. Correction should be strictly less than "
                      "the reduction factor (input numel divided by output numel).", stacklevel=2)
    return _var_std(input, axes, keepdim, builtins.max(dof, 0), True)


def var_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """(var, mean) over the same dims."""
    dim, c = _correction("var_mean", dim, unbiased, correction)
    axes = _axes(dim, input.ndim, "var_mean")
    return var(input, dim, keepdim=keepdim, correction=c), mean(input, axes, keepdim)


def std_mean(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """(std, mean) over the same dims."""
    dim, c = _correction("std_mean", dim, unbiased, correction)
    axes = _axes(dim, input.ndim, "std_mean")
    return std(input, dim, keepdim=keepdim, correction=c), mean(input, axes, keepdim)


def _logsumexp_bw(K, n, s, g):
    x, out = s
    in_shape, axes, keepdim = n.ctx
    out = _keep(K, out, in_shape, axes, keepdim)
    return (_keep(K, g, in_shape, axes, keepdim) * K.exp(x - out),)


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over dim, computed around the maximum so it neither overflows nor
    underflows; integers give the default float dtype."""
    x = input
    no_complex_grad("logsumexp", x)
    if x.dtype.kind < _dt._FLOAT:
        from .elementwise import _cast

        x = _cast(x, _dt.get_default_dtype(), "logsumexp")
    dev, d = x._dev, x._data
    xp = dev.xp
    axes = _axes(dim, d.ndim, "logsumexp")
    if _numel(d.shape, axes) == 0:
        out = xp.log(xp.sum(xp.exp(d), axis=axes, keepdims=keepdim))
    else:
        m = xp.max(d, axis=axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))  # rows of -inf (or inf) stay exact
        out = xp.log(xp.sum(xp.exp(d - m), axis=axes, keepdims=True)) + m
        if not keepdim:
            out = xp.reshape(out, _out_shape(d.shape, axes, False))
    return record(dev, out, "LogsumexpBackward0", _logsumexp_bw, (x,), (x, OUT),
                  (d.shape, axes, keepdim))


def _norm2_bw(K, n, s, g):
    x, out = s
    in_shape, axes, keepdim = n.ctx
    out = _keep(K, out, in_shape, axes, keepdim)
    g = _keep(K, g, in_shape, axes, keepdim)
    zero = out == 0  # PyTorch's subgradient at the zero vector: 0
    return (K.where(zero, K.zeros_like(x), x * (g / K.where(zero, K.ones_like(out), out))),)


def _norm2(x: Tensor, axes, keepdim: bool) -> Tensor:
    dev, d = x._dev, x._data
    out = dev.xp.sqrt(dev.xp.sum(d * d, axis=axes, keepdims=keepdim))
    return record(dev, out, "NormBackward1", _norm2_bw, (x,), (x, OUT), (d.shape, axes, keepdim))


def _normp_bw(K, n, s, g):
    # PyTorch's formulas: sign(x)|x|^(p-1) * g / out^(p-1), 0 where out == 0 (and where x == 0
    # for p < 1, where |x|^(p-1) is infinite)
    x, out = s
    in_shape, axes, keepdim, p = n.ctx
    out = _keep(K, out, in_shape, axes, keepdim)
    g = _keep(K, g, in_shape, axes, keepdim)
    ax = K.abs(x)
    zx = ax == 0
    scaled = K.sign(x) * K.pow(K.where(zx, K.ones_like(ax), ax), p - 1)
    if p < 1:
        scaled = K.where(zx, K.zeros_like(scaled), scaled)
    zero = out == 0
    scale = K.where(zero, K.zeros_like(out), g / K.pow(K.where(zero, K.ones_like(out), out), p - 1))
    return (scaled * scale,)


def _normp(x: Tensor, p: float, axes, keepdim: bool) -> Tensor:
    dev, d = x._dev, x._data
    xp = dev.xp
    out = xp.sum(xp.abs(d) ** p, axis=axes, keepdims=keepdim) ** (1.0 / p)
    return record(dev, out, "NormBackward1", _normp_bw, (x,), (x, OUT), (d.shape, axes, keepdim, p))


def _zero_bw(K, n, s, g):
    in_shape, axes, keepdim = n.ctx
    return (K.zeros_like(_expand_back(K, g, in_shape, axes, keepdim)),)


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None) -> Tensor:
    """The vector p-norm over dim (default: every element): p = 2 / 'fro' (default), 1, inf,
    -inf, 0 or any other number; the gradient at the zero vector is 0 for p = 2, as PyTorch."""
    if out is not None:
        from ._out import write_out

        return write_out("norm", out, norm(input, p, dim, keepdim, dtype=dtype))
    x = input if dtype is None else input.to(dtype)
    if x.dtype.kind < _dt._FLOAT:
        raise RuntimeError(f"norm(): Expected a floating point or complex tensor as input. Got "
                           f"{x.dtype}")
    if p == "nuc":
        raise RuntimeError("norm(): p='nuc' is a matrix norm (sum of singular values); use "
                           "arraygrad.linalg.matrix_norm(input, 'nuc')")
    if isinstance(p, str) and p != "fro":
        raise RuntimeError(f"norm(): p must be a number, 'fro' or 'nuc', got {p!r}")
    axes = _axes(dim, x.ndim, "norm")
    if p is None or p == "fro" or p == 2:
        if x.dtype.kind == _dt._COMPLEX:
            a = x.abs()
            return sum(a * a, axes, keepdim).sqrt()
        return _norm2(x, axes, keepdim)
    if p not in (math.inf, -math.inf, 0, 1) and x.dtype.kind == _dt._FLOAT:
        return _normp(x, float(p), axes, keepdim)
    a = x.abs()
    if p == math.inf:
        return _amax_nan(a, () if axes is None else axes, keepdim)
    if p == -math.inf:
        return _amin_nan(a, () if axes is None else axes, keepdim)
    if p == 0:
        dev = a._dev
        nz = dev.xp.astype(a._data != 0, a._data.dtype)
        res = dev.xp.sum(nz, axis=axes, keepdims=keepdim)
        return record(dev, res, "NormBackward1", _zero_bw, (a,), (), (a._data.shape, axes, keepdim))
    if p == 1:
        return sum(a, axes, keepdim)
    return sum(a ** p, axes, keepdim) ** (1.0 / p)


# ---- truth reductions ----------------------------------------------------------------------------
def _truth(dev, d):
    return d if dev.to_ag[d.dtype] is _dt.bool else d != 0


def _allany(op: str, which: str):
    def fn(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
        dev = input._dev
        d = input._data
        axes = _axes(dim, d.ndim, op)
        out = getattr(dev.xp, which)(_truth(dev, d), axis=axes, keepdims=keepdim)
        if input.dtype is _dt.uint8:  # PyTorch keeps uint8 for uint8 input
            out = dev.xp.astype(out, d.dtype)
        return _wrap(out, dev)
    fn.__name__ = op
    fn.__doc__ = f"Whether {which} element (over dim, default all) is true; a bool tensor."
    return fn


all = _allany("all", "all")  # noqa: A001
any = _allany("any", "any")  # noqa: A001


def count_nonzero(input: Tensor, dim=None) -> Tensor:
    """The number of non-zero elements (over dim, default all), as int64."""
    dev = input._dev
    d = input._data
    axes = _axes(dim, d.ndim, "count_nonzero")
    nz = dev.xp.astype(_truth(dev, d), dev.native_dtype(dev.default_int))
    return _wrap(dev.xp.sum(nz, axis=axes), dev)


# ---- medians -------------------------------------------------------------------------------------
def _median_pick(dev, d, axis: int, ignore_nan: bool):
    """The index (keepdims) of the lower median along axis: a stable sort puts NaNs last, so
    median takes the first NaN of a row that has one and nanmedian the middle of the others."""
    xp = dev.xp
    order = _index_array(dev, xp.argsort(d, axis=axis, stable=True))
    n = d.shape[axis]
    nan = xp.astype(xp.isnan(d), order.dtype) if dev.to_ag[d.dtype].kind >= _dt._FLOAT else None
    if nan is None:
        pos = xp.full(_keep_shape(d.shape, (axis,)), (n - 1) // 2, dtype=order.dtype,
                      device=dev.native)
    else:
        nnan = xp.sum(nan, axis=axis, keepdims=True)
        if ignore_nan:
            valid = n - nnan
            pos = xp.where(valid > 0, (valid - 1) // 2, xp.zeros_like(valid))
        else:
            pos = xp.where(nnan > 0, n - nnan, xp.full_like(nnan, (n - 1) // 2))
    return dev.K.gather(order, axis, pos)


def _median(op: str, name_all: str, name_dim: str, ignore_nan: bool, rt):
    def fn(input: Tensor, dim=None, keepdim: bool = False):
        dev = input._dev
        no_complex_grad(op, input)
        d, back = _orderable(dev, input._data)
        if dim is None:
            _empty_check(input, op)
            flat = dev.xp.reshape(d, (-1,))
            idx = _median_pick(dev, flat, 0, ignore_nan)
            val = _back(dev, dev.xp.reshape(dev.K.gather(flat, 0, idx), ()), back)
            return record(dev, val, name_all, _even_bw, (input,), (input, OUT),
                          (d.shape, None, False))
        ax = _dim(dim, d.ndim, op)
        src = dev.xp.reshape(d, (1,)) if d.ndim == 0 else d
        a = 0 if d.ndim == 0 else ax
        if src.shape[a] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {ax} to have non-zero size (input "
                             f"shape {tuple(d.shape)})")
        idx = _median_pick(dev, src, a, ignore_nan)
        val = _back(dev, dev.K.gather(src, a, idx), back)
        if d.ndim == 0 or not keepdim:
            shape = _out_shape(src.shape, (a,), False)
            idx, val = dev.xp.reshape(idx, shape), dev.xp.reshape(val, shape)
        v, i = record_multi(dev, (val, idx), name_dim, _select_bw, (input,), (idx,),
                            (d.shape, ax, keepdim), differentiable=(True, False))
        return rt(v, i)
    fn.__name__ = op
    return fn


median = _median("median", "MedianBackward0", "MedianBackward1", False, _median_rt)
median.__doc__ = ("The lower median (NaN if any element is NaN): the value, or (values, indices) "
                  "along dim.")
nanmedian = _median("nanmedian", "NanmedianBackward0", "NanmedianBackward1", True, _nanmedian_rt)
nanmedian.__doc__ = "median ignoring NaNs (NaN only where every element is NaN)."


for _fn in (sum, mean, prod, max, min, amax, amin, aminmax, argmax, argmin, var, std, logsumexp,
            norm, cumsum, cumprod, all, any, count_nonzero, median, nanmedian, nansum, nanmean):
    method(_fn.__name__)(_fn)
