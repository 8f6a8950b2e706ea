"""`embedding` (PyTorch's `torch.nn.functional.embedding`): rows of a weight matrix picked by
integer indices, one fused node.

Backward adds each output row's gradient into its weight row with the backend's index-add
(repeated indices accumulate), or, with sparse=True, returns a row-sparse COO gradient
(`indices` (1, n), `values` (n, dim)) without touching the other rows. Rows at padding_idx get no
gradient: their values are zero in the sparse form (PyTorch drops those entries; dropping them
here would need a data-dependent shape, which lazy backends cannot give without a sync).
Index bounds are checked where reading indices is free (NumPy, array-api-strict) or under
`detect_anomaly()`, as the losses check their targets.
"""

from __future__ import annotations

from ...core import dtypes as _dt
from ...core.grad_mode import STATE, no_grad
from ...core.graph import record
from ...core.ops._slicing import _zeros
from ...core.sparse import _coo
from ...core.tensor import Tensor, _wrap
from ...core.ops.complex import no_complex_grad

__all__ = ["embedding", "embedding_bag"]

_HOST_EAGER = ("cpu", "array_api_strict")


def _checks_on(dev) -> bool:
    """Whether the index bounds are read: free on host-resident eager backends, or anomaly mode."""
    if STATE.anomaly:
        return True
    free = getattr(dev.backend, "host_eager", None)
    return dev.type in _HOST_EAGER if free is None else bool(free)


def _embedding_bw(K, n, s, g):
    idx, num, pad, by_freq, sparse = n.ctx
    dim = g.shape[-1]
    g2 = K.reshape(g, (-1, dim))
    dev = n.dev
    ix = _wrap(idx, dev) if isinstance(g2, Tensor) else idx
    if pad is not None:
        keep = K.reshape(ix != pad, (-1, 1))
        g2 = K.where(keep, g2, K.zeros_like(g2))
    if by_freq:
        ones = K.ones_like(g2[:, 0])
        counts = K.index_add(_zeros(K, (num,), g2, dev), 0, ix, ones)
        g2 = g2 / K.reshape(K.take(counts, ix, axis=0), (-1, 1))
    if sparse:
        if isinstance(g2, Tensor):
            raise RuntimeError("embedding(): sparse gradients do not support create_graph=True")
        return (_coo(K.reshape(idx, (1, -1)), g2, (num, dim), dev),)
    return (K.index_add(_zeros(K, (num, dim), g2, dev), 0, ix, g2),)


def _renorm_(weight: Tensor, idx, max_norm: float, norm_type: float) -> None:
    """In place, rows of weight that idx references and whose norm exceeds max_norm are scaled
    to norm max_norm (PyTorch's embedding_renorm_); the other rows are multiplied by 1."""
    dev = weight._dev
    xp = dev.xp
    w = weight._data
    num = w.shape[0]
    a = xp.abs(w)
    if norm_type == float("inf"):
        norms = xp.max(a, axis=1)
    else:
        norms = xp.sum(a ** norm_type, axis=1) ** (1.0 / norm_type)
    hit = dev.K.index_add(xp.zeros((num,), dtype=w.dtype, device=dev.native), 0, idx,
                          xp.ones(idx.shape, dtype=w.dtype, device=dev.native))
    scale = xp.where((hit > 0) & (norms > max_norm), max_norm / (norms + 1e-7),
                     xp.ones_like(norms))
    with no_grad():
        weight.mul_(_wrap(xp.reshape(scale, (num, 1)), dev))


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """weight's rows at the integer indices in input: shape input.shape + (embedding_dim,).
    padding_idx's row gets no gradient; max_norm renormalises the rows it reads, in place."""
    no_complex_grad("embedding", weight)
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError("embedding(): input and weight must be Tensors")
    if input.dtype.kind != _dt._INT:
        raise RuntimeError(f"embedding(): Expected tensor for argument #1 'indices' to have one "
                           f"of the following scalar types: Long, Int; but got {input.dtype} "
                           f"instead (while checking arguments for embedding)")
    if weight.ndim != 2:
        raise RuntimeError(f"embedding(): 'weight' must be 2-D, got shape {tuple(weight.shape)}")
    if input._dev is not weight._dev:
        raise RuntimeError(f"embedding(): input is on {input.device}, weight on {weight.device}; "
                           f"expected both on one device")
    num, dim = weight.shape
    if padding_idx is not None:
        if padding_idx < 0:
            if padding_idx < -num:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx += num
        elif padding_idx >= num:
            raise AssertionError("Padding_idx must be within num_embeddings")
    dev = weight._dev
    xp = dev.xp
    idx = xp.reshape(input._data, (-1,))
    if _checks_on(dev) and idx.shape[0] and bool(xp.any((idx < 0) | (idx >= num))):
        bad = [v for v in dev.backend.to_numpy(idx).tolist() if not 0 <= v < num][0]
        raise IndexError(f"embedding(): index {bad} is out of range for an embedding of "
                         f"{num} rows (index out of range in self)")
    if max_norm is not None:
        _renorm_(weight, idx, max_norm, norm_type)
    out = xp.reshape(xp.take(weight._data, idx, axis=0), tuple(input.shape) + (dim,))
    return record(dev, out, "EmbeddingBackward0", _embedding_bw, (weight,), (),
                  (idx, num, padding_idx, scale_grad_by_freq, sparse))


def _bag_positions(input: Tensor, offsets, include_last_offset: bool) -> tuple:
    """(positions (B, Lmax) into the flattened input, N marking an empty slot; bag count B):
    built on the host from offsets, which PyTorch also reads on the host."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences.")
        b, n = input.shape
        return [[i * n + j for j in range(n)] for i in range(b)], b
    if input.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    offs = [int(v) for v in (offsets.tolist() if isinstance(offsets, Tensor) else offsets)]
    total = input.shape[0]
    if offs and offs[0] != 0:
        raise RuntimeError(f"embedding_bag(): offsets[0] has to be 0, i.e., the first sequence "
                           f"in the mini-batch has to start from position 0. However, got "
                           f"{offs[0]}")
    ends = offs[1:] + ([] if include_last_offset else [total])
    starts = offs[:len(ends)]
    rows = [list(range(s, e)) for s, e in zip(starts, ends, strict=True)]
    width = max([len(r) for r in rows] + [1])
    return [r + [total] * (width - len(r)) for r in rows], len(rows)


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """Sums, means or maxima of bags of embedding rows: bags are the rows of a 2-D input, or
    the slices of a 1-D input that offsets start; padding_idx entries are left out of bags and
    an empty bag gives zeros (PyTorch's `F.embedding_bag`)."""
    no_complex_grad("embedding_bag", weight)
    from ...core.creation import full, tensor
    from ...core.ops.joining import cat

    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, got {mode}")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. "
                                      f"per_sample_weights is only supported for mode='sum' "
                                      f"(got mode='{mode}'). Please open a feature request on "
                                      f"GitHub.")
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape})"
                             f" is not None, then it must have the same shape as the input "
                             f"({input.shape})")
    pos, bags = _bag_positions(input, offsets, include_last_offset)
    flat = input.reshape(-1)
    emb = embedding(flat, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse)
    dim = weight.shape[1]
    if per_sample_weights is not None:
        emb = emb * per_sample_weights.reshape(-1, 1)
    fill = float("-inf") if mode == "max" else 0.0
    keep = None
    if padding_idx is not None:
        pad = padding_idx + weight.shape[0] if padding_idx < 0 else padding_idx
        keep = (flat != pad).unsqueeze(1)
        emb = emb.masked_fill(keep.logical_not(), fill)
    ext = cat([emb, full((1, dim), fill, dtype=emb.dtype, device=emb.device)], 0)
    width = len(pos[0]) if pos else 1
    idx = tensor([p for row in pos for p in row], dtype=flat.dtype, device=flat.device)
    grid = ext.index_select(0, idx).reshape(bags, width, dim)
    if mode == "sum":
        return grid.sum(1)
    if mode == "max":
        best = grid.max(1)[0]  # max(dim), not amax: ties send the gradient to one row, as PyTorch
        return best.masked_fill(best == float("-inf"), 0.0)
    valid = (idx != flat.shape[0]).to(emb.dtype).reshape(bags, width)
    if keep is not None:
        kept = cat([keep.reshape(-1).to(emb.dtype),
                    full((1,), 0.0, dtype=emb.dtype, device=emb.device)], 0)
        valid = kept.index_select(0, idx).reshape(bags, width)
    return grid.sum(1) / valid.sum(1, keepdim=True).clamp(min=1.0)
