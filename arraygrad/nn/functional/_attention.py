"""Attention (PyTorch's `torch.nn.functional.scaled_dot_product_attention` and
`multi_head_attention_forward`).

The core is one fused node: softmax(q k^T * scale + mask) (dropout) @ v, returning the output and
the attention weights, with a hand-written backward (ds = p * (dp - sum(dp * p))). Masks arrive
as one additive float mask (boolean masks become 0 / -inf; is_causal a lower-triangular one).
Fully masked rows give NaN, as PyTorch's math kernel does. Dropout draws its keep-mask from
arraygrad's seeded generator, so a seed gives the same mask on every backend.
"""

from __future__ import annotations

import math

from ...core import dtypes as _dt
from ...core.creation import rand, zeros
from ...core.graph import record_multi
from ...core.ops._common import unbroadcast
from ...core.ops.joining import cat
from ...core.tensor import Tensor, _wrap
from ._linear import linear
from ._complex import no_complex_kernel

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


# ---- the fused kernel --------------------------------------------------------------------------
def _softmax_scores(K, q, k, mask, scale):
    s = K.matmul(q, K.matrix_transpose(k)) * scale
    if mask is not None:
        s = s + mask
    e = K.exp(s - K.max(s, axis=-1, keepdims=True))
    return e / K.sum(e, axis=-1, keepdims=True)


def _attn_bw(K, n, s, grads):
    q, k, v, mask, p, pd, keep = s
    scale, p_drop, mask_shape = n.ctx
    go, gw = grads
    if isinstance(go if go is not None else gw, Tensor):  # create_graph: differentiable recompute
        p = _softmax_scores(K, q, k, mask, scale)
        pd = p if keep is None else p * keep * (1.0 / (1.0 - p_drop))
    dpd = None
    if go is not None:
        dpd = K.matmul(go, K.matrix_transpose(v))
    if gw is not None:
        dpd = gw if dpd is None else dpd + gw
    gv = None
    if n.needs[2] and go is not None:
        gv = K.matmul(K.matrix_transpose(pd), go)
        gv = unbroadcast(K, gv, tuple(v.shape))
    dp = dpd if keep is None else dpd * keep * (1.0 / (1.0 - p_drop))
    ds = p * (dp - K.sum(dp * p, axis=-1, keepdims=True))
    gq = unbroadcast(K, K.matmul(ds, k) * scale, tuple(q.shape)) if n.needs[0] else None
    gk = None
    if n.needs[1]:
        gk = unbroadcast(K, K.matmul(K.matrix_transpose(ds), q) * scale, tuple(k.shape))
    gm = unbroadcast(K, ds, mask_shape) if n.needs[3] else None
    return gq, gk, gv, gm


def _attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None, scale: float,
               dropout_p: float) -> tuple:
    """(softmax(q k^T scale + mask) dropped @ v, the dropped weights): one node."""
    dev = q._dev
    xp = dev.xp
    p = _softmax_scores(xp, q._data, k._data, None if mask is None else mask._data, scale)
    keep = None
    pd = p
    if dropout_p > 0.0:
        keep = xp.astype(rand(tuple(p.shape), dtype=q.dtype, device=q.device)._data >= dropout_p,
                         p.dtype)
        pd = p * keep * (1.0 / (1.0 - dropout_p))
    out = xp.matmul(pd, v._data)
    mask_shape = None if mask is None else tuple(mask.shape)
    return record_multi(dev, (out, pd), "ScaledDotProductAttentionBackward0", _attn_bw,
                        (q, k, v, mask), (q, k, v, mask, p, pd, keep),
                        (scale, dropout_p, mask_shape))


def _float_mask(mask, like: Tensor, op: str):
    """An additive float mask: a bool mask (True = take part) becomes 0 / -inf."""
    if mask is None:
        return None
    if mask.dtype == _dt.bool:
        xp = like._dev.xp
        m = mask._data
        z = xp.zeros(m.shape, dtype=like._data.dtype, device=like._dev.native)
        return _wrap(xp.where(m, z, z - math.inf), like._dev)
    if mask.dtype != like.dtype:
        raise RuntimeError(f"{op}(): Expected attn_mask dtype to be bool or float or to match "
                           f"query dtype, got {mask.dtype} and query {like.dtype}")
    return mask


def _causal(lq: int, lk: int, like: Tensor) -> Tensor:
    xp = like._dev.xp
    nd = like._dev.native
    rows = xp.reshape(xp.arange(lq, device=nd), (lq, 1))
    cols = xp.reshape(xp.arange(lk, device=nd), (1, lk))
    z = xp.zeros((lq, lk), dtype=like._data.dtype, device=nd)
    return _wrap(xp.where(cols <= rows, z, z - math.inf), like._dev)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(q k^T / sqrt(E) + mask) @ v over (..., L, E), (..., S, E), (..., S, Ev); a bool
    attn_mask marks the pairs that take part, a float one is added; is_causal masks the future."""
    no_complex_kernel("scaled_dot_product_attention", query, key, value)
    op = "scaled_dot_product_attention"
    if enable_gqa:
        raise NotImplementedError(f"{op}(): enable_gqa=True is not supported")
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}(): {name} must be a Tensor, not {type(t).__name__}")
    if query.dtype != key.dtype or query.dtype != value.dtype:
        raise RuntimeError(f"{op}(): Expected query, key, and value to have the same dtype, but "
                           f"got query.dtype: {query.dtype} key.dtype: {key.dtype} and "
                           f"value.dtype: {value.dtype} instead.")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"{op}(): shapes do not fit: query {tuple(query.shape)}, key "
                           f"{tuple(key.shape)}, value {tuple(value.shape)} (query and key need "
                           f"one embedding size, key and value one sequence length)")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set "
                           "when is_causal=True")
    mask = _float_mask(attn_mask, query, op)
    if is_causal:
        mask = _causal(query.shape[-2], key.shape[-2], query)
    sc = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    return _attention(query, key, value, mask, sc, float(dropout_p))[0]


# ---- multi-head attention ------------------------------------------------------------------------
def _mha_mask(mask, op: str, what: str, like: Tensor):
    """PyTorch's _canonical_mask: a bool mask (True = masked out) as an additive float mask."""
    if mask is None:
        return None
    if mask.dtype == _dt.bool:
        xp = like._dev.xp
        z = xp.zeros(mask._data.shape, dtype=like._data.dtype, device=like._dev.native)
        return _wrap(xp.where(mask._data, z - math.inf, z), like._dev)
    if mask.dtype.kind != _dt._FLOAT:
        raise AssertionError(f"only bool and floating types of {what} are supported")
    return mask


def _in_projection(query, key, value, w, b, embed_dim):
    """q, k, v = the packed in-projection (one matmul when query is key is value)."""
    if query is key and key is value:
        qkv = linear(query, w, b)
        return (qkv[..., :embed_dim], qkv[..., embed_dim:2 * embed_dim],
                qkv[..., 2 * embed_dim:])
    e = embed_dim
    bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
    return (linear(query, w[:e], bq), linear(key, w[e:2 * e], bk),
            linear(value, w[2 * e:], bv))


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
        out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False) -> tuple:
    """(attn_output, attn_weights or None) of multi-head attention over time-major inputs
    (L, N, E) / (S, N, E) (or unbatched (L, E)), as torch.nn.functional's function."""
    op = "multi_head_attention_forward"
    if static_k is not None or static_v is not None:
        raise NotImplementedError(f"{op}(): static_k/static_v are not supported")
    batched = query.ndim == 3
    if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
        raise AssertionError(f"query, key and value should all be 2-D (unbatched) or 3-D "
                             f"(batched) tensors, got {query.ndim}-D, {key.ndim}-D and "
                             f"{value.ndim}-D")
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    key_padding_mask = _mha_mask(key_padding_mask, op, "key_padding_mask", query)
    attn_mask = _mha_mask(attn_mask, op, "attn_mask", query)
    if use_separate_proj_weight:
        e = embed_dim
        bq, bk, bv = ((None, None, None) if in_proj_bias is None
                      else (in_proj_bias[:e], in_proj_bias[e:2 * e], in_proj_bias[2 * e:]))
        q = linear(query, q_proj_weight, bq)
        k = linear(key, k_proj_weight, bk)
        v = linear(value, v_proj_weight, bv)
    else:
        q, k, v = _in_projection(query, key, value, in_proj_weight, in_proj_bias, embed_dim)
    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, "
                                   f"but should be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, "
                                   f"but should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")
    if bias_k is not None and bias_v is not None:
        k = cat([k, bias_k.expand(1, bsz, embed_dim)], 0)
        v = cat([v, bias_v.expand(1, bsz, embed_dim)], 0)
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    v = v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    if add_zero_attn:
        z = zeros((bsz * num_heads, 1, head_dim), dtype=q.dtype, device=q.device)
        k, v = cat([k, z], 1), cat([v, z], 1)
        attn_mask = _pad_last(attn_mask)
        key_padding_mask = _pad_last(key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but got "
                                 f"{tuple(key_padding_mask.shape)}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(-1, num_heads, -1, -1)
        kpm = kpm.reshape(bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    p = dropout_p if training else 0.0
    out, weights = _attention(q, k, v, attn_mask, 1.0 / math.sqrt(head_dim), p)
    out = out.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, embed_dim)
    if need_weights:
        weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(1)
        if not batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
        return out, weights
    if not batched:
        out = out.squeeze(1)
    return out, None


def _pad_last(mask):
    """mask with one zero column appended (the bias_k / zero-attention key)."""
    if mask is None:
        return None
    z = zeros(tuple(mask.shape[:-1]) + (1,), dtype=mask.dtype, device=mask.device)
    return cat([mask, z], -1)
