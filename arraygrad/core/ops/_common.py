"""Helpers every op family uses: operand promotion, device checks, gradient unbroadcasting and
attaching Tensor methods."""

from __future__ import annotations

from .. import dtypes as _dt
from ..tensor import Tensor

_FLOATISH = (float, int, bool, complex)


def method(*names):
    """Attaches the decorated function to Tensor under each name (default: its own)."""
    def deco(fn):
        for n in names or (fn.__name__,):
            setattr(Tensor, n, fn)
        return fn
    return deco


def devices_differ(op: str, a: Tensor, b: Tensor):
    return RuntimeError(
        f"{op}(): expected all tensors to be on the same device, but found at least two devices, "
        f"{a._dev} and {b._dev} (shapes {tuple(a.shape)} and {tuple(b.shape)})")


def scalar_for(x, kind: int):
    """A Python scalar ready to meet an array of `kind` (strict backends refuse bools there)."""
    if type(x) is bool and kind > _dt._BOOL:
        return int(x)
    return x


def binary_operands(op: str, a, b):
    """(device, a, b) promoted by PyTorch's rules: Tensors cast (differentiably) to the result
    dtype; Python scalars stay scalars when the tensor's kind can take them, so float32 * 2.0
    stays float32 with no cast."""
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta and tb:
        dev = a._dev
        if dev is not b._dev:
            if b.ndim == 0 and b._dev.type == "cpu":
                b = b.to(dev)
            elif a.ndim == 0 and a._dev.type == "cpu":
                a = a.to(b._dev)
                dev = b._dev
            else:
                raise devices_differ(op, a, b)
        if a._data.dtype == b._data.dtype:
            return dev, a, b
        rt = _dt.result_type(a, b)
        return dev, _cast(a, rt, op), _cast(b, rt, op)
    if ta:
        t, s, tfirst = a, b, True
    elif tb:
        t, s, tfirst = b, a, False
    else:
        raise TypeError(f"{op}(): expected at least one Tensor, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    if not isinstance(s, _FLOATISH):
        if hasattr(s, "__array_namespace__") or hasattr(s, "__dlpack__") or hasattr(s, "shape"):
            raise TypeError(f"{op}(): expected a Tensor or a Python number, got "
                            f"{type(s).__module__}.{type(s).__name__}; "
                            "wrap it with arraygrad.tensor()")
        raise TypeError(f"{op}(): unsupported operand type {type(s).__name__}")
    dev = t._dev
    kind = dev.to_ag[t._data.dtype].kind
    sk = _dt._scalar_kind(s)
    if sk > kind:
        t = _cast(t, _dt.result_type(t, s), op)
    else:
        s = scalar_for(s, kind)
    return (dev, t, s) if tfirst else (dev, s, t)


def _cast(t, d, op=""):
    from .elementwise import _cast as cast

    return cast(t, d, op)


def unbroadcast(K, g, shape):
    """g summed down to `shape` (the reverse of broadcasting)."""
    gs = g.shape
    if tuple(gs) == tuple(shape):
        return g
    lead = len(gs) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and gs[i + lead] != 1)
    if axes:
        g = K.sum(g, axis=axes, keepdims=True)
    if lead:
        g = K.reshape(g, tuple(shape))
    return g
