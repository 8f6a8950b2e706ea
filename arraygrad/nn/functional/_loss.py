"""Loss functions (PyTorch's `torch.nn.functional` losses) and `one_hot`.

`cross_entropy` with class indices is the training hot path: one fused node (log-softmax by the
max shift, the pick of each target, weights, ignore_index, label smoothing, the reduction) whose
backward is `(softmax * sum(q) - q) * grad`, q the weighted target distribution. The other losses
are compositions of differentiable primitives in their numerically stable forms.

Target values (class indices out of range) are checked only where reading them costs no device
sync (host-resident eager backends: NumPy, array-api-strict), or anywhere under
`arraygrad.autograd.detect_anomaly()`; elsewhere (Dask, CuPy) forward never waits on data.
"""

from __future__ import annotations

import math
import warnings

from ...core import dtypes as _dt
from ...core.graph import record
from ...core.creation import full_like, ones_like
from ...core.grad_mode import STATE
from ...core.ops import elementwise as _E
from ...core.ops.comparison import clamp as _clamp
from ...core.ops.comparison import where as _where
from ...core.tensor import Tensor, _wrap
from ._activation import log_softmax, logsigmoid

__all__ = [
    "l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "nll_loss", "cross_entropy",
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div", "poisson_nll_loss",
    "gaussian_nll_loss", "soft_margin_loss", "multilabel_soft_margin_loss", "one_hot",
]

_REDUCTIONS = ("none", "mean", "sum")
_HOST_EAGER = ("cpu", "array_api_strict")  # device types whose data can be read without a sync


# ---- shared helpers ------------------------------------------------------------------------------
def _legacy_reduction(size_average, reduce, reduction: str) -> str:
    """PyTorch's mapping of the deprecated size_average/reduce arguments onto `reduction`."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use "
                  "reduction='{}' instead.".format(
                      "none" if reduce is False else "mean" if size_average is not False
                      else "sum"), stacklevel=3)
    if reduce is False:
        return "none"
    return "mean" if size_average is not False else "sum"


def _check_reduction(reduction: str) -> str:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _tensor(op: str, name: str, x) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{name}' must be a Tensor, not {type(x).__name__}")
    return x


def _checks_on(dev) -> bool:
    """Whether data checks run: free where arrays live on the host and compute eagerly (the
    backend may say so with a `host_eager` attribute), and always under detect_anomaly."""
    if STATE.anomaly:
        return True
    free = getattr(dev.backend, "host_eager", None)
    return dev.type in _HOST_EAGER if free is None else bool(free)


def _same_size_warning(op: str, input: Tensor, target: Tensor) -> None:
    if tuple(input.shape) != tuple(target.shape):
        warnings.warn(f"{op}(): Using a target size ({target.shape}) that is different to the "
                      f"input size ({input.shape}). This will likely lead to incorrect results "
                      "due to broadcasting. Please ensure they have the same size.", stacklevel=3)


# ---- regression losses ---------------------------------------------------------------------------
def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
            reduction: str = "mean") -> Tensor:
    """|input - target|, reduced (PyTorch's L1Loss); the gradient at a tie is 0."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    _same_size_warning("l1_loss", input, target)
    return _reduce(_E.abs(input - target), reduction)


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
             reduction: str = "mean", weight=None) -> Tensor:
    """(input - target)^2, reduced (PyTorch's MSELoss)."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    _same_size_warning("mse_loss", input, target)
    d = input - target
    loss = d * d
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target)."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    if beta < 0:
        raise RuntimeError("smooth_l1_loss(): smooth_l1_loss does not support negative values "
                           f"for beta, got {beta}.")
    _same_size_warning("smooth_l1_loss", input, target)
    d = input - target
    ad = _E.abs(d)
    if beta == 0:
        return _reduce(ad, reduction)
    return _reduce(_where(ad < beta, 0.5 * d * d / beta, ad - 0.5 * beta), reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight=None) -> Tensor:
    """0.5 d^2 where |d| <= delta, else delta (|d| - 0.5 delta) (d = input - target)."""
    reduction = _check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError(f"huber_loss(): huber_loss does not support non-positive values for "
                           f"delta, got {delta}.")
    _same_size_warning("huber_loss", input, target)
    d = input - target
    ad = _E.abs(d)
    loss = _where(ad <= delta, 0.5 * d * d, delta * (ad - 0.5 * delta))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def _same_shape(op: str, input: Tensor, target: Tensor, exc=ValueError) -> None:
    if tuple(input.shape) != tuple(target.shape):
        raise exc(f"{op}(): Using a target size ({target.shape}) that is different to the input "
                  f"size ({input.shape}) is deprecated. Please ensure they have the same size.")


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """exp(input) - target * input (log_input) or input - target * log(input + eps); `full` adds
    Stirling's term target * log(target) - target + 0.5 log(2 pi target) where target > 1."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    if log_input:
        loss = _E.exp(input) - target * input
    else:
        loss = input - target * _E.log(input + eps)
    if full:
        safe = _where(target > 1, target, ones_like(target))
        stirling = safe * _E.log(safe) - safe + 0.5 * _E.log(2 * math.pi * safe)
        loss = loss + _where(target > 1, stirling, stirling * 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var, full: bool = False,
                      eps: float = 1e-6, reduction: str = "mean") -> Tensor:
    """0.5 (log(var) + (input - target)^2 / var) (+ 0.5 log(2 pi) when full); var is clamped to
    eps without stopping its gradient, as PyTorch does."""
    reduction = _check_reduction(reduction)
    if not isinstance(var, Tensor):
        var = full_like(input, float(var))
    vs, xs = tuple(var.shape), tuple(input.shape)
    if vs != xs:
        if xs[:-1] == vs:
            var = var.unsqueeze(-1)
        elif not (xs[:-1] == vs[:-1] and vs[-1:] == (1,)):
            raise ValueError(f"gaussian_nll_loss(): var is of incorrect size (input shape {xs}, "
                             f"var shape {vs})")
    if eps < 0:
        raise ValueError("gaussian_nll_loss(): eps must be non-negative")
    if _checks_on(var._dev) and bool((var.detach() < 0).any()):
        raise ValueError("gaussian_nll_loss(): var has negative entry/entries")
    vd = var.detach()
    var = var + (_clamp(vd, min=eps) - vd)
    d = input - target
    loss = 0.5 * (_E.log(var) + d * d / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# ---- binary classification -----------------------------------------------------------------------
def _bce_fwd(K, x, y, w):
    lx = K.clip(K.log(x), -100.0, None)
    l1x = K.clip(K.log1p(-x), -100.0, None)
    loss = -(y * lx + (1 - y) * l1x)
    return loss if w is None else loss * w


def _bce_bw(K, n, s, g):
    x, y, w = s
    gx = gy = None
    if n.needs[0]:
        gx = g * (x - y) / K.clip((1 - x) * x, 1e-12, None)
        if w is not None:
            gx = gx * w
    if n.needs[1]:
        gy = g * (K.log1p(-x) - K.log(x))  # unclamped, as PyTorch
        if w is not None:
            gy = gy * w
    return (gx, gy)


def binary_cross_entropy(input: Tensor, target: Tensor, weight=None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:
    """-w (t log x + (1 - t) log(1 - x)) with each log clamped at -100, as PyTorch (so x = 0 or 1
    gives a finite loss); the gradient is w (x - t) / max(x (1 - x), 1e-12)."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    x, y = _tensor("binary_cross_entropy", "input", input), _tensor(
        "binary_cross_entropy", "target", target)
    _same_shape("binary_cross_entropy", x, y)
    if y.dtype is not x.dtype:
        y = y.to(x.dtype)
    dev = x._dev
    if _checks_on(dev) and bool(((x.detach() < 0) | (x.detach() > 1)).any()):
        raise RuntimeError("binary_cross_entropy(): all elements of input should be between 0 "
                           "and 1")
    wd = None
    if weight is not None:
        wd = weight.expand(tuple(x.shape)).to(x.dtype)._data
    loss = record(dev, _bce_fwd(dev.K, x._data, y._data, wd), "BinaryCrossEntropyBackward0",
                  _bce_bw, (x, y), (x, y, wd))
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight=None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight=None) -> Tensor:
    """(1 - t) x - (1 + (pos_weight - 1) t) logsigmoid(x), times weight: BCE of sigmoid(x),
    stable for any logit."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    x = _tensor("binary_cross_entropy_with_logits", "input", input)
    t = _tensor("binary_cross_entropy_with_logits", "target", target)
    if tuple(t.shape) != tuple(x.shape):
        raise ValueError(f"binary_cross_entropy_with_logits(): Target size ({t.shape}) must be "
                         f"the same as input size ({x.shape})")
    ls = logsigmoid(x)
    if pos_weight is not None:
        loss = (1 - t) * x - (1 + (pos_weight - 1) * t) * ls
    else:
        loss = (1 - t) * x - ls
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """log(1 + exp(-target * input)), computed as -logsigmoid(target * input)."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    return _reduce(-logsigmoid(target * input), reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight=None, size_average=None,
                                reduce=None, reduction: str = "mean") -> Tensor:
    """-(t logsigmoid(x) + (1 - t) logsigmoid(-x)), times weight, averaged over classes."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    c = input.shape[-1] if input.ndim else 1
    loss = loss.sum(dim=input.ndim - 1) / c if input.ndim else loss
    return _reduce(loss, reduction)


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """target * (log(target) - input) pointwise (input holds log-probabilities; the target too
    when log_target); reduction 'batchmean' divides the sum by the batch size."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                      "support size.'batchmean' divides only by the batch size, and aligns with "
                      "the KL div math definition.'mean' will be changed to behave the same as "
                      "'batchmean' in the next major release.", stacklevel=2)
    if log_target:
        loss = _E.exp(target) * (target - input)
    else:
        loss = _E.xlogy(target, target) - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(loss, reduction)


# ---- class-index targets: nll_loss and cross_entropy ---------------------------------------------
def _class_targets(op: str, x: Tensor, target, weight, ignore_index: int):
    """Checks shapes and dtypes; returns (x as (N, C, ...), target as (N, ...), weight data or
    None, unbatched)."""
    x = _tensor(op, "input", x)
    target = _tensor(op, "target", target)
    if x.ndim < 1:
        raise ValueError(f"{op}(): Expected 1 or more dimensions for the input (got 0)")
    if target.dtype.kind != _dt._INT:
        raise RuntimeError(f"{op}(): expected scalar type Long but found {target.dtype} for the "
                           f"class-index target (shape {tuple(target.shape)})")
    if x.dtype.kind != _dt._FLOAT:
        raise RuntimeError(f"{op}(): expected a floating-point input, got {x.dtype}")
    if target._dev is not x._dev:
        raise RuntimeError(f"{op}(): expected input and target on the same device, got "
                           f"{x._dev} and {target._dev}")
    unbatched = x.ndim == 1
    if unbatched:
        if target.ndim != 0:
            raise RuntimeError(f"{op}(): 1D input (shape {tuple(x.shape)}) expects a 0D target, "
                               f"got shape {tuple(target.shape)}")
        x, target = x.unsqueeze(0), target.unsqueeze(0)
    elif x.shape[0] != (target.shape[0] if target.ndim else -1):
        raise ValueError(f"{op}(): Expected input batch_size ({x.shape[0]}) to match target "
                         f"batch_size ({target.shape[0] if target.ndim else 0}).")
    want = (x.shape[0],) + tuple(x.shape[2:])
    if tuple(target.shape) != want:
        raise RuntimeError(f"{op}(): Expected target size {list(want)}, got "
                           f"{list(target.shape)}")
    C = x.shape[1]
    wd = None
    if weight is not None:
        weight = _tensor(op, "weight", weight)
        if weight.ndim != 1 or weight.shape[0] != C:
            raise RuntimeError(f"{op}(): weight tensor should be defined either for all {C} "
                               f"classes or no classes but got weight tensor of shape: "
                               f"{list(weight.shape)}")
        wd = weight.detach().to(x.dtype)._data
    y = target._data
    dev = x._dev
    if _checks_on(dev) and y.size:
        xp = dev.xp
        bad = (y != ignore_index) & ((y < 0) | (y >= C))
        if bool(xp.any(bad)):
            vals = dev.backend.to_numpy(y).reshape(-1)
            badv = dev.backend.to_numpy(bad).reshape(-1)
            raise IndexError(f"{op}(): Target {int(vals[badv][0])} is out of bounds (the input "
                             f"has {C} classes, target shape {tuple(target.shape)}).")
    return x, y, wd, unbatched


def _target_parts(K, y, ii, w, like):
    """(index with ignored positions at 0, 0/1 mask, per-position weight) as like's dtype."""
    keep = y != ii
    ysafe = K.where(keep, y, K.zeros_like(y))
    m = K.astype(keep, like.dtype)
    wy = m if w is None else K.take(w, K.reshape(ysafe, (-1,)), axis=0)
    if w is not None:
        wy = K.reshape(wy, tuple(y.shape)) * m
    return ysafe, m, wy


def _bshape(ndim: int, c: int) -> tuple:
    return (1, c) + (1,) * (ndim - 2)


def _grad_scale(K, g, red, denom):
    """The output gradient as one factor per (N, 1, ...) position."""
    if red == "none":
        return K.expand_dims(g, axis=1)
    return g / denom if red == "mean" else g


def _nll_bw(K, n, s, g):
    ysafe, wy, denom = s
    red, shape = n.ctx
    gs = _grad_scale(K, g, red, denom)
    src = -(K.expand_dims(wy, axis=1) * gs)
    zeros = K.broadcast_to(K.zeros_like(src), shape)
    return (K.scatter_add(zeros, 1, K.expand_dims(ysafe, axis=1), src),)


def nll_loss(input: Tensor, target: Tensor, weight=None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:
    """-w[t] * input[t] for log-probabilities `input` (N, C, ...) and class indices t (N, ...);
    'mean' divides by the summed weights of the non-ignored targets (nan if all are ignored)."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    x, y, wd, unbatched = _class_targets("nll_loss", input, target, weight, ignore_index)
    dev = x._dev
    K = dev.K
    ysafe, m, wy = _target_parts(K, y, ignore_index, wd, x._data)
    picked = K.squeeze(K.gather(x._data, 1, K.expand_dims(ysafe, axis=1)), axis=1)
    loss = -(wy * picked)
    denom = K.sum(wy)
    out = loss if reduction == "none" else K.sum(loss)
    if reduction == "mean":
        out = out / denom
    res = record(dev, out, "NllLossBackward0", _nll_bw, (x,), (ysafe, wy, denom),
                 (reduction, tuple(x.shape)))
    return res.squeeze(0) if unbatched and reduction == "none" else res


def _ce_bw(K, n, s, g):
    x, shift, ysafe, m, wy, w, denom = s
    red, eps, c = n.ctx
    e = K.exp(x - shift)  # the softmax again: one exp, as PyTorch's log_softmax backward takes
    p = e / K.sum(e, axis=1, keepdims=True)
    gs = _grad_scale(K, g, red, denom)
    wsum = c if w is None else K.sum(w)
    qsum = wy * (1 - eps) + m * (eps / c * wsum) if eps else wy
    grad = p * (K.expand_dims(qsum, axis=1) * gs)
    if eps:
        wb = 1.0 if w is None else K.reshape(w, _bshape(x.ndim, c))
        grad = grad - wb * (K.expand_dims(m, axis=1) * gs) * (eps / c)
    src = -(K.expand_dims(wy, axis=1) * gs) * (1 - eps)
    return (K.scatter_add(grad, 1, K.expand_dims(ysafe, axis=1), src),)


def _cross_entropy_indices(x, y, wd, ii, reduction, eps):
    """The fused log_softmax + nll (+ label smoothing) node for class-index targets."""
    dev = x._dev
    K = dev.K
    d = x._data
    c = d.shape[1]
    ysafe, m, wy = _target_parts(K, y, ii, wd, d)
    if c == 0 or d.size == 0:
        shift = K.zeros_like(K.sum(d, axis=1, keepdims=True))
        lse = shift
    else:
        shift = K.max(d, axis=1, keepdims=True)
        lse = K.log(K.sum(K.exp(d - shift), axis=1, keepdims=True))
    norm = K.squeeze(shift + lse, axis=1)  # logp = x - norm
    picked = K.squeeze(K.gather(d, 1, K.expand_dims(ysafe, axis=1)), axis=1) - norm
    loss = -(wy * picked)
    if eps:
        if wd is None:
            smooth = K.sum(d, axis=1) - norm * c
        else:
            smooth = K.sum(d * K.reshape(wd, _bshape(d.ndim, c)), axis=1) - norm * K.sum(wd)
        loss = loss * (1 - eps) - smooth * m * (eps / c)
    denom = K.sum(wy)
    out = loss if reduction == "none" else K.sum(loss)
    if reduction == "mean":
        out = out / denom
    return record(dev, out, "NllLossBackward0", _ce_bw, (x,), (x, shift, ysafe, m, wy, wd, denom),
                  (reduction, eps, c))


def cross_entropy(input: Tensor, target: Tensor, weight=None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """nll_loss(log_softmax(input, 1), target) for class indices (one fused node), or
    -sum(w * target * log_softmax(input, 1)) for class probabilities (target shaped as input);
    label_smoothing mixes the target with the uniform distribution, as PyTorch."""
    reduction = _check_reduction(_legacy_reduction(size_average, reduce, reduction))
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"cross_entropy(): label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing}")
    x = _tensor("cross_entropy", "input", input)
    t = _tensor("cross_entropy", "target", target)
    if t.dtype.kind == _dt._FLOAT or (tuple(t.shape) == tuple(x.shape) and x.ndim > 0
                                      and t.dtype.kind != _dt._INT):
        return _cross_entropy_probs(x, t, weight, reduction, label_smoothing)
    x, y, wd, unbatched = _class_targets("cross_entropy", x, t, weight, ignore_index)
    out = _cross_entropy_indices(x, y, wd, ignore_index, reduction, float(label_smoothing))
    return out.squeeze(0) if unbatched and reduction == "none" else out


def _cross_entropy_probs(x, t, weight, reduction, eps):
    if tuple(t.shape) != tuple(x.shape):
        raise RuntimeError(f"cross_entropy(): Expected input batch_size ({x.shape[0]}) to match "
                           f"target batch_size ({t.shape[0] if t.ndim else 0}) (probability "
                           f"targets must have the input's shape {tuple(x.shape)}, got "
                           f"{tuple(t.shape)})")
    if t.dtype.kind != _dt._FLOAT:
        raise RuntimeError(f"cross_entropy(): expected a floating-point probability target, "
                           f"got {t.dtype}")
    cdim = 0 if x.ndim == 1 else 1
    c = x.shape[cdim]
    if eps:
        t = t * (1 - eps) + eps / c
    logp = log_softmax(x, cdim)
    prod = logp * t
    if weight is not None:
        if weight.ndim != 1 or weight.shape[0] != c:
            raise RuntimeError(f"cross_entropy(): weight tensor should be defined either for all "
                               f"{c} classes or no classes but got weight tensor of shape: "
                               f"{list(weight.shape)}")
        prod = prod * weight.reshape((c,) + (1,) * (x.ndim - cdim - 1))
    loss = -prod.sum(dim=cdim)
    if reduction == "mean":
        n = loss.numel()
        return loss.sum() / n if n else loss.sum() / 0.0
    return _reduce(loss, reduction)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 tensor of shape (*tensor.shape, num_classes) with a 1 at each index; num_classes=-1
    infers max + 1 (a data-dependent shape, so it reads the data, as in PyTorch)."""
    t = _tensor("one_hot", "tensor", tensor)
    if t.dtype.kind != _dt._INT or t.dtype is _dt.bool:
        raise RuntimeError("one_hot(): one_hot is only applicable to index tensor of type "
                           f"LongTensor, got {t.dtype}")
    dev = t._dev
    xp, d = dev.xp, t._data
    if num_classes == -1:
        if d.size == 0:
            raise RuntimeError("one_hot(): Can not infer total number of classes from empty "
                               "tensor.")
        num_classes = int(dev.backend.to_numpy(xp.max(d))) + 1
    if (_checks_on(dev) or num_classes == -1) and d.size:
        if bool(xp.any(d < 0)):
            raise RuntimeError("one_hot(): Class values must be non-negative.")
        if bool(xp.any(d >= num_classes)):
            raise RuntimeError(f"one_hot(): Class values must be smaller than num_classes "
                               f"({num_classes}).")
    it = dev.native_dtype(dev.default_int)
    classes = xp.arange(num_classes, dtype=d.dtype, device=dev.native)
    out = xp.astype(xp.expand_dims(d, axis=-1) == classes, it)
    return _wrap(out, dev)
