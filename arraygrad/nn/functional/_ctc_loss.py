"""CTC loss (PyTorch's `torch.nn.functional.ctc_loss`): the log-space forward algorithm,
vectorised over the batch and the extended label sequence, one step per time frame.

The gradient comes from autograd through the recursion. Impossible states hold a large finite
negative number instead of -inf, so that no 0 * inf reaches a gradient; a loss that stays at that
level is an impossible alignment and reads as inf (0 with zero_infinity), as in PyTorch. The
lengths are read on the host, as PyTorch's kernels do.
"""

from __future__ import annotations

from ...core import dtypes as _dt
from ...core.ops import elementwise as _E
from ...core.ops.comparison import clamp as _clamp
from ...core.ops.comparison import where as _where
from ...core.ops.joining import cat as _cat
from ...core.ops.scatter import _gather_axis
from ...core.tensor import Tensor, _wrap
from ._loss import _check_reduction, _checks_on

__all__ = ["ctc_loss"]

_NEG = -1e30  # "log 0" for impossible states: finite, so gradients through them are exactly 0
_IMPOSSIBLE = -1e29


def _lengths(op: str, name: str, v, n: int) -> list:
    if isinstance(v, Tensor):
        if v.dtype.kind != _dt._INT:
            raise RuntimeError(f"{op}(): {name} must be integral, got {v.dtype}")
        v = v._dev.backend.to_numpy(v._data).reshape(-1).tolist()
    elif isinstance(v, int):
        v = [v]
    v = [int(a) for a in v]
    if len(v) != n:
        raise RuntimeError(f"{op}(): {name} must have one length per batch element ({n}), got "
                           f"{len(v)}")
    return v


def _lse(*xs: Tensor) -> Tensor:
    """log(sum(exp(x))) of same-shaped tensors; the shift is constant (the result does not
    depend on it), so it adds no gradient path."""
    m = xs[0].detach()
    for x in xs[1:]:
        m = _E.maximum(m, x.detach())
    total = None
    for x in xs:
        e = _E.exp(x - m)
        total = e if total is None else total + e
    return _E.log(total) + m


def _padded_targets(op, targets: Tensor, tl: list, n: int, dev):
    """(N, S) target array from padded (N, S) or concatenated (sum(tl),) targets."""
    xp = dev.xp
    t = targets._data
    if targets.dtype.kind != _dt._INT:
        raise RuntimeError(f"{op}(): targets must be integral, got {targets.dtype}")
    s = max(tl) if tl else 0
    if t.ndim == 2:
        if t.shape[0] != n:
            raise RuntimeError(f"{op}(): targets of shape {tuple(t.shape)} do not match the "
                               f"batch size {n}")
        if t.shape[1] < s:
            raise RuntimeError(f"{op}(): Expected tensor to have size at least {s} at dimension "
                               f"1, but got size {t.shape[1]} for argument #2 'targets' (while "
                               f"checking arguments for ctc_loss_cpu)")
        return t[:, :s], s
    if t.ndim != 1 or t.shape[0] < sum(tl):
        raise RuntimeError(f"{op}(): concatenated targets of shape {tuple(t.shape)} hold fewer "
                           f"than sum(target_lengths) = {sum(tl)} labels")
    rows, off = [], 0
    for k in tl:
        row = t[off:off + k]
        if k < s:
            row = xp.concat([row, xp.zeros((s - k,), dtype=t.dtype, device=dev.native)])
        rows.append(row)
        off += k
    return (xp.stack(rows) if rows else xp.zeros((0, s), dtype=t.dtype, device=dev.native)), s


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    """Connectionist temporal classification loss of log_probs (T, N, C) (or (T, C)) against
    targets; 'mean' divides each loss by its target length, then averages over the batch."""
    op = "ctc_loss"
    reduction = _check_reduction(reduction)
    if not isinstance(log_probs, Tensor) or log_probs.dtype.kind != _dt._FLOAT:
        raise RuntimeError(f"{op}(): log_probs must be a floating-point Tensor")
    unbatched = log_probs.ndim == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    if lp.ndim != 3:
        raise RuntimeError(f"{op}(): log_probs must be 3-D (T, N, C) or 2-D (T, C), got shape "
                           f"{tuple(log_probs.shape)}")
    T, N, C = lp.shape
    if not 0 <= blank < C:
        raise RuntimeError(f"{op}(): blank must be in label range (blank={blank}, {C} classes)")
    il = _lengths(op, "input_lengths", input_lengths, N)
    tl = _lengths(op, "target_lengths", target_lengths, N)
    for k in il:
        if not 0 <= k <= T:
            raise RuntimeError(f"{op}(): Expected input_lengths to have value at most {T}, but "
                               f"got value {k}")
    dev = lp._dev
    xp = dev.xp
    tgt = targets.unsqueeze(0) if unbatched and targets.ndim == 1 else targets
    y, S = _padded_targets(op, tgt, tl, N, dev)
    if _checks_on(dev) and y.size and bool(xp.any((y < 0) | (y >= C))):
        raise IndexError(f"{op}(): target values must be in [0, {C}), the classes of log_probs")
    L = 2 * S + 1
    it = y.dtype
    blanks = xp.full((N, S), blank, dtype=it, device=dev.native)
    ext = xp.reshape(xp.stack([blanks, y], axis=2), (N, 2 * S))
    ext = xp.concat([ext, xp.full((N, 1), blank, dtype=it, device=dev.native)], axis=1)  # (N, L)
    lpe = _gather_axis(lp, 2, xp.broadcast_to(xp.expand_dims(ext, axis=0), (T, N, L)))
    lpe = _clamp(lpe, min=_NEG)  # log(0) = -inf inputs become "impossible", not nan
    skip = xp.zeros((N, L), dtype=xp.bool, device=dev.native)
    if L > 2:
        ok = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
        skip = xp.concat([skip[:, :2], ok], axis=1)
    skip = _wrap(skip, dev)
    pos = xp.reshape(xp.arange(L, dtype=it, device=dev.native), (1, L))
    neg = lpe[0] * 0 + _NEG
    alpha = _where(_wrap(pos < 2, dev), lpe[0], neg)
    ilen = xp.reshape(xp.asarray(il, dtype=it, device=dev.native), (N, 1))
    pad2 = neg[:, :2]
    for t in range(1, T):
        a1 = _cat([pad2[:, :1], alpha[:, :-1]], 1)
        a2 = _where(skip, _cat([pad2, alpha[:, :-2]], 1), neg) if L > 2 else neg
        step = _lse(alpha, a1, a2) + lpe[t]
        alpha = _where(_wrap(ilen > t, dev), step, alpha)
    last = xp.reshape(xp.asarray([2 * k for k in tl], dtype=it, device=dev.native), (N, 1))
    prev = xp.where(last > 0, last - 1, last)
    end = _gather_axis(alpha, 1, last)
    before = _where(_wrap(last > 0, dev), _gather_axis(alpha, 1, prev), end * 0 + _NEG)
    loss = -_lse(end, before).reshape((N,))
    no_frames = [k == 0 for k in il]  # nothing to align: loss 0 for an empty target, else inf
    if any(no_frames):
        zero = _wrap(xp.asarray(no_frames, device=dev.native), dev)
        loss = _where(zero, loss * 0 + _wrap(xp.asarray([0.0 if s == 0 else -2 * _NEG for s in tl],
                                                         dtype=lp._data.dtype,
                                                         device=dev.native), dev), loss)
    impossible = loss > -_IMPOSSIBLE
    if zero_infinity:
        loss = _where(impossible, loss * 0, loss)
    else:
        loss = _where(impossible, loss * 0 + float("inf"), loss)
    if reduction == "mean":
        lens = xp.asarray([max(k, 1) for k in tl], dtype=lp._data.dtype, device=dev.native)
        return (loss / _wrap(lens, dev)).mean()
    if reduction == "sum":
        return loss.sum()
    return loss.reshape(()) if unbatched else loss
