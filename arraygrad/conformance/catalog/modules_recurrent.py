"""The 'modules' feature, recurrent and attention part: RNN, LSTM, GRU and their cells,
Embedding, EmbeddingBag, MultiheadAttention, TransformerEncoderLayer and TransformerEncoder, each
against a NumPy float64 reference written from PyTorch's formulas."""

from __future__ import annotations

import numpy as np

from arraygrad import nn

from ..modules import ModuleInfo, ModuleSample
from ..table import register


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


# ---- recurrent cells and layers ------------------------------------------------------------------
def _cell(mode, x, h, c, w_ih, w_hh, b_ih, b_hh):
    """One step of mode (RNN_TANH, LSTM, GRU): (h', c')."""
    gx = x @ w_ih.T + (0 if b_ih is None else b_ih)
    gh = h @ w_hh.T + (0 if b_hh is None else b_hh)
    if mode == "LSTM":
        i, f, g, o = np.split(gx + gh, 4, axis=-1)
        c = _sig(f) * c + _sig(i) * np.tanh(g)
        return _sig(o) * np.tanh(c), c
    if mode == "GRU":
        rx, zx, nx = np.split(gx, 3, axis=-1)
        rh, zh, nh = np.split(gh, 3, axis=-1)
        r, z = _sig(rx + rh), _sig(zx + zh)
        n = np.tanh(nx + r * nh)
        return (1 - z) * n + z * h, None
    return np.tanh(gx + gh), None


def _layer_ref(mode):
    def ref(state, init, x):
        hidden, layers = init["hidden_size"], init.get("num_layers", 1)
        dirs = 2 if init.get("bidirectional") else 1
        if init.get("batch_first"):
            x = x.transpose(1, 0, 2)
        hs, cs = [], []
        for layer in range(layers):
            outs = []
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                w = [state.get(f"{n}{sfx}") for n in ("weight_ih", "weight_hh", "bias_ih",
                                                      "bias_hh")]
                h = np.zeros((x.shape[1], hidden))
                c = np.zeros_like(h)
                out = [None] * x.shape[0]
                for t in (range(x.shape[0] - 1, -1, -1) if d else range(x.shape[0])):
                    h, c = _cell(mode, x[t], h, c, *w)
                    out[t] = h
                outs.append(np.stack(out))
                hs.append(h)
                cs.append(c)
            x = np.concatenate(outs, axis=-1)
        out = x.transpose(1, 0, 2) if init.get("batch_first") else x
        return (out, np.stack(hs), np.stack(cs)) if mode == "LSTM" else (out, np.stack(hs))
    return ref


def _layer_samples(rng):
    # one small sample: on Dask every parameter, output and gradient is one graph computation
    # (tests/nn/test_rnn.py covers stacked layers against torch)
    yield ModuleSample({"input_size": 2, "hidden_size": 2, "bidirectional": True,
                        "batch_first": True}, (rng.standard_normal((2, 3, 2)),),
                       desc="bidirectional, batch_first (2, 3, 2)")


def _cell_ref(mode):
    def ref(state, init, x, h=None):
        hz = np.zeros((x.shape[0], init["hidden_size"]))
        w = [state.get(n) for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        h2, c2 = _cell(mode, x, hz if h is None else h, hz, *w)
        return (h2, c2) if mode == "LSTM" else h2
    return ref


def _cell_samples(rng):
    yield ModuleSample({"input_size": 3, "hidden_size": 2}, (rng.standard_normal((2, 3)),),
                       desc="(2, 3) input, zero state")


def _rnn_cell_samples(rng):
    yield ModuleSample({"input_size": 3, "hidden_size": 2},
                       (rng.standard_normal((2, 3)), rng.standard_normal((2, 2))),
                       desc="(2, 3) input, given state")


# ---- embedding -----------------------------------------------------------------------------------
def _embedding_samples(rng):
    yield ModuleSample({"num_embeddings": 5, "embedding_dim": 2},
                       (rng.integers(0, 5, (2, 3)),), desc="(2, 3) indices")
    # the padding row gets no gradient by definition, which finite differences cannot confirm
    yield ModuleSample({"num_embeddings": 5, "embedding_dim": 2, "padding_idx": 1},
                       (np.array([1, 3, 1, 0]),), desc="padding_idx=1", grad=False)


# ---- attention -----------------------------------------------------------------------------------
def _softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _ln(x, w, b, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _mha(state, prefix, heads, q, k, v, kpm=None):
    """Multi-head attention over time-major (L, N, E) inputs: (output, head-averaged weights)."""
    e = q.shape[-1]
    w, b = state[prefix + "in_proj_weight"], state[prefix + "in_proj_bias"]
    qp, kp, vp = q @ w[:e].T + b[:e], k @ w[e:2 * e].T + b[e:2 * e], v @ w[2 * e:].T + b[2 * e:]
    lq, n, hd = q.shape[0], q.shape[1], e // heads

    def split(t):
        return t.reshape(t.shape[0], n, heads, hd).transpose(1, 2, 0, 3)  # (N, H, L, hd)

    s = split(qp) @ split(kp).transpose(0, 1, 3, 2) / np.sqrt(hd)
    if kpm is not None:
        s = s + np.where(kpm, -np.inf, 0.0)[:, None, None, :]
    p = _softmax(s)
    o = (p @ split(vp)).transpose(2, 0, 1, 3).reshape(lq, n, e)
    o = o @ state[prefix + "out_proj.weight"].T + state[prefix + "out_proj.bias"]
    return o, p.mean(1)


def _mha_ref(state, init, q, k, v, key_padding_mask=None):
    if init.get("batch_first"):
        q, k, v = (t.transpose(1, 0, 2) for t in (q, k, v))
    o, p = _mha(state, "", init["num_heads"], q, k, v, key_padding_mask)
    return (o.transpose(1, 0, 2) if init.get("batch_first") else o), p


def _mha_samples(rng):
    yield ModuleSample({"embed_dim": 4, "num_heads": 2},
                       (rng.standard_normal((3, 2, 4)), rng.standard_normal((2, 2, 4)),
                        rng.standard_normal((2, 2, 4))), desc="cross-attention (3, 2, 4)")
    yield ModuleSample({"embed_dim": 4, "num_heads": 2, "batch_first": True},
                       tuple(rng.standard_normal((2, 3, 4)) for _ in range(3)),
                       desc="batch_first (2, 3, 4)")


def _encoder_layer(state, prefix, x, heads):
    sa = _mha(state, prefix + "self_attn.", heads, x, x, x)[0]
    x = _ln(x + sa, state[prefix + "norm1.weight"], state[prefix + "norm1.bias"])
    h = np.maximum(x @ state[prefix + "linear1.weight"].T + state[prefix + "linear1.bias"], 0)
    ff = h @ state[prefix + "linear2.weight"].T + state[prefix + "linear2.bias"]
    return _ln(x + ff, state[prefix + "norm2.weight"], state[prefix + "norm2.bias"])


def _encoder_layer_ref(state, init, x):
    return _encoder_layer(state, "", x, init["nhead"])


def _layer_kwargs():
    return {"d_model": 4, "nhead": 2, "dim_feedforward": 3, "dropout": 0.0}


def _encoder(**kw):
    return nn.TransformerEncoder(nn.TransformerEncoderLayer(**_layer_kwargs()), 2)


def _encoder_ref(state, init, x):
    for i in range(2):
        x = _encoder_layer(state, f"layers.{i}.", x, 2)
    return x


register(
    ModuleInfo("RNN", nn.RNN, _layer_samples, _layer_ref("RNN_TANH")),
    ModuleInfo("LSTM", nn.LSTM, _layer_samples, _layer_ref("LSTM")),
    ModuleInfo("GRU", nn.GRU, _layer_samples, _layer_ref("GRU")),
    ModuleInfo("RNNCell", nn.RNNCell, _rnn_cell_samples, _cell_ref("RNN_TANH")),
    ModuleInfo("LSTMCell", nn.LSTMCell, _cell_samples, _cell_ref("LSTM")),
    ModuleInfo("GRUCell", nn.GRUCell, _cell_samples, _cell_ref("GRU")),
    ModuleInfo("Embedding", nn.Embedding, _embedding_samples,
               lambda state, init, idx: state["weight"][idx]),
    ModuleInfo("EmbeddingBag", nn.EmbeddingBag,
               lambda rng: [ModuleSample({"num_embeddings": 5, "embedding_dim": 2, "mode": "mean"},
                                         (rng.integers(0, 5, (2, 3)),), desc="(2, 3) bags, mean")],
               lambda state, init, idx: state["weight"][idx].mean(1)),
    ModuleInfo("MultiheadAttention", nn.MultiheadAttention, _mha_samples, _mha_ref),
    ModuleInfo("TransformerEncoderLayer", nn.TransformerEncoderLayer,
               lambda rng: [ModuleSample(_layer_kwargs(), (rng.standard_normal((3, 2, 4)),),
                                         desc="(3, 2, 4), relu, post-norm")],
               _encoder_layer_ref),
    # the layer's entry checks its gradients; the stack of two is checked forward and across
    # backends (finite differences over twice the parameters add nothing)
    ModuleInfo("TransformerEncoder", _encoder,
               lambda rng: [ModuleSample({}, (rng.standard_normal((3, 2, 4)),),
                                         desc="2 layers, (3, 2, 4)")],
               _encoder_ref, grad=False),
)
