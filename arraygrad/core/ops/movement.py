"""Moving tensors between devices and backends (differentiable: the gradient moves back)."""

from __future__ import annotations

from ..graph import record
from ..tensor import Tensor

__all__ = ["to_device", "transfer"]


def transfer(arr, src, dst):
    """arr (on device src) as an array on device dst: the backend's own move within a backend,
    DLPack between backends that support it, else through a NumPy array on the host."""
    sb, db = src.backend, dst.backend
    if sb is db:
        return sb.move(arr, dst.native)
    arr = sb.computed(arr)
    if sb.dlpack_out and db.dlpack_in:
        try:
            out = db.xp.from_dlpack(arr)
            if db.device_of(out) != dst.native:
                out = db.move(out, dst.native)
            return out
        except Exception:
            pass
    return db.from_numpy(sb.to_numpy(arr), dst.native)


def _to_bw(K, n, s, g):
    src = n.ctx
    if isinstance(g, Tensor):
        return (to_device(g, src),)
    return (transfer(g, n.dev, src),)


def to_device(t: Tensor, dev) -> Tensor:
    if t._dev is dev:
        return t
    return record(dev, transfer(t._data, t._dev, dev), "ToCopyBackward0", _to_bw, (t,), (), t._dev)
