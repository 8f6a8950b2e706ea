"""`pad` (PyTorch's torch.nn.functional.pad): constant (negative amounts crop), reflect,
replicate and circular padding, composed from slicing, flip and cat, so autograd needs no
formula of its own."""

from __future__ import annotations

from ...core.creation import full
from ...core.ops.joining import cat
from ...core.tensor import Tensor

__all__ = ["pad"]


def _pairs(op: str, input: Tensor, pad) -> list:
    """[(dim, before, after)], the last dim first, as PyTorch's pad tuple lists them."""
    pad = tuple(pad)
    if len(pad) % 2:
        raise RuntimeError(f"{op}(): padding length must be divisible by 2, got {len(pad)}")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(f"{op}(): padding length {len(pad)} is too large for a "
                           f"{input.ndim}-D input of shape {tuple(input.shape)}")
    return [(input.ndim - 1 - i, int(pad[2 * i]), int(pad[2 * i + 1]))
            for i in range(len(pad) // 2)]


def _constant(x: Tensor, pairs, value) -> Tensor:
    for dim, b, a in pairs:
        n = x.shape[dim]
        if b < 0 or a < 0:  # negative padding crops
            start, stop = max(-b, 0), n - max(-a, 0)
            if stop < start:
                raise RuntimeError(f"pad(): the cropping ({b}, {a}) removes more than the "
                                   f"{n} elements of dim {dim}")
            x = x.narrow(dim, start, stop - start)
        parts = []
        for k in (b, a):
            if k > 0:
                shape = list(x.shape)
                shape[dim] = k
                parts.append(full(tuple(shape), value, dtype=x.dtype, device=x.device))
            else:
                parts.append(None)
        if parts[0] is not None or parts[1] is not None:
            x = cat([p for p in (parts[0], x, parts[1]) if p is not None], dim)
    return x


def _edges(x: Tensor, dim: int, b: int, a: int, mode: str):
    n = x.shape[dim]
    if mode == "reflect":
        if b >= n or a >= n:
            raise RuntimeError(f"pad(): padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({b}, {a}) at dimension "
                               f"{dim} of input {tuple(x.shape)}")
        left = x.narrow(dim, 1, b).flip(dim) if b else None
        right = x.narrow(dim, n - 1 - a, a).flip(dim) if a else None
    elif mode == "replicate":
        def rep(start, k):
            """k copies of the edge element at `start`, as a broadcast view."""
            shape = list(x.shape)
            shape[dim] = k
            return x.narrow(dim, start, 1).expand(*shape)
        left = rep(0, b) if b else None
        right = rep(n - 1, a) if a else None
    else:  # circular
        if b > n or a > n:
            raise RuntimeError(f"pad(): padding value causes wrapping around more than once "
                               f"(padding ({b}, {a}) at dimension {dim} of input "
                               f"{tuple(x.shape)})")
        left = x.narrow(dim, n - b, b) if b else None
        right = x.narrow(dim, 0, a) if a else None
    return left, right


def pad(input: Tensor, pad, mode: str = "constant", value=None) -> Tensor:
    """Pads input's last len(pad)//2 dims by pad = (left, right, top, bottom, ...), as
    torch.nn.functional.pad; mode 'constant' (with value), 'reflect', 'replicate', 'circular'."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): expected a Tensor input, got {type(input).__name__}")
    pairs = _pairs("pad", input, pad)
    if mode == "constant":
        return _constant(input, pairs, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"pad(): unsupported padding mode {mode!r}; expected "
                                  "'constant', 'reflect', 'replicate' or 'circular'")
    if value is not None and value != 0:
        raise ValueError(f"pad(): padding mode {mode!r} doesn't take in value argument")
    if len(pairs) > 3 or input.ndim < len(pairs) + 1:
        raise NotImplementedError(
            f"pad(): {mode} padding pads 1 to 3 trailing dims of a (N, C, *) or (C, *) input; "
            f"got a pad of length {2 * len(pairs)} for input of shape {tuple(input.shape)}")
    x = input
    for dim, b, a in pairs:
        if b < 0 or a < 0:
            if mode != "circular":
                raise RuntimeError(f"pad(): negative padding is only supported by 'constant' "
                                   f"and 'circular' modes (got ({b}, {a}) with {mode!r})")
            x = _constant(x, [(dim, min(b, 0), min(a, 0))], 0)
            b, a = max(b, 0), max(a, 0)
        left, right = _edges(x, dim, b, a, mode)
        if left is not None or right is not None:
            x = cat([p for p in (left, x, right) if p is not None], dim)
    return x
