"""The 'modules' feature, convolution family: Conv1d/2d/3d, ConvTranspose2d, pooling,
BatchNorm/InstanceNorm/LayerNorm/GroupNorm, dropout, padding and upsampling layers, each against
a direct NumPy float64 reference (loops over kernel offsets and windows, np.pad; no im2col, so it
checks the kernels rather than restating them)."""

from __future__ import annotations

import math

import numpy as np

from arraygrad import nn

from ..modules import ModuleInfo, ModuleSample
from ..table import register

_NP_MODE = {"zeros": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def _nt(v, n: int) -> tuple:
    return (v,) * n if isinstance(v, int) else tuple(v)


def _offsets(ks):
    return list(np.ndindex(*ks))


def _window(xp, off, dl, st, outs):
    """xp[..., off*d + o*s] for every output position o (the spatial axes last)."""
    sl = tuple(slice(k * d, k * d + (o - 1) * s + 1, s)
               for k, d, o, s in zip(off, dl, outs, st, strict=True))
    return xp[(Ellipsis,) + sl]


# ---- convolution --------------------------------------------------------------------------------
def _conv_ref(nd):
    def ref(state, init, x):
        w, b = state["weight"], state.get("bias")
        ks, G = w.shape[2:], init.get("groups", 1)
        st, dl = _nt(init.get("stride", 1), nd), _nt(init.get("dilation", 1), nd)
        pad = init.get("padding", 0)
        if pad == "same":
            pads = [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(ks, dl,
                                                                                      strict=True)]
        else:
            pads = [(p, p) for p in _nt(0 if pad == "valid" else pad, nd)]
        xp = np.pad(x, [(0, 0)] * (x.ndim - nd) + pads,
                    mode=_NP_MODE[init.get("padding_mode", "zeros")])
        outs = [(L - d * (k - 1) - 1) // s + 1
                for L, k, d, s in zip(xp.shape[-nd:], ks, dl, st, strict=True)]
        O, Cg = w.shape[0], w.shape[1]
        Og = O // G
        out = np.zeros(x.shape[:-nd - 1] + (O,) + tuple(outs))
        for off in _offsets(ks):
            patch = _window(xp, off, dl, st, outs)
            for g in range(G):
                sp = (slice(None),) * nd
                out[(Ellipsis, slice(g * Og, (g + 1) * Og)) + sp] += np.einsum(
                    "...c" + "xyz"[:nd] + ",oc->...o" + "xyz"[:nd],
                    patch[(Ellipsis, slice(g * Cg, (g + 1) * Cg)) + sp],
                    w[(slice(g * Og, (g + 1) * Og), slice(None)) + off])
        if b is not None:
            out += b.reshape((O,) + (1,) * nd)
        return out
    return ref


def _conv_samples(nd):
    def samples(rng):
        sp = ((6,), (4, 3), (3, 3, 2))[nd - 1]
        yield ModuleSample({"in_channels": 2, "out_channels": 2, "kernel_size": 3 if nd < 3
                            else 2, "padding": 1}, (rng.standard_normal((1, 2) + sp),),
                           desc=f"(1, 2, {sp}) padding 1")
        if nd == 2:
            yield ModuleSample({"in_channels": 4, "out_channels": 2, "kernel_size": (3, 2),
                                "stride": (2, 1), "dilation": (1, 2), "groups": 2,
                                "bias": False}, (rng.standard_normal((1, 4, 5, 4)),),
                               desc="strided, dilated, 2 groups, no bias")
            yield ModuleSample({"in_channels": 2, "out_channels": 2, "kernel_size": 3,
                                "padding": "same", "padding_mode": "reflect"},
                               (rng.standard_normal((2, 4, 3)),),
                               desc="unbatched, 'same' reflect padding")
    return samples


def _conv_t_ref(state, init, x):
    """out[n, o, i*s + k - p] += x[n, c, i] * w[c, o, k] (2-D, one group, no dilation)."""
    w, b = state["weight"], state.get("bias")
    s, p, op = (_nt(init.get(k, d), 2) for k, d in (("stride", 1), ("padding", 0),
                                                     ("output_padding", 0)))
    ks = w.shape[2:]
    full = [(L - 1) * st + k + o for L, st, k, o in zip(x.shape[-2:], s, ks, op, strict=True)]
    out = np.zeros(x.shape[:-3] + (w.shape[1],) + tuple(full))
    for i, j in _offsets(ks):
        contrib = np.einsum("...chw,co->...ohw", x, w[:, :, i, j])
        out[..., i:i + (x.shape[-2] - 1) * s[0] + 1:s[0],
            j:j + (x.shape[-1] - 1) * s[1] + 1:s[1]] += contrib
    out = out[..., p[0]:full[0] - p[0], p[1]:full[1] - p[1]]
    return out + b.reshape(-1, 1, 1) if b is not None else out


# ---- pooling ------------------------------------------------------------------------------------
def _pool_geometry(x, nd, ks, st, pd, dl, ceil):
    outs, extra = [], []
    for L, k, s, p, d in zip(x.shape[-nd:], ks, st, pd, dl, strict=True):
        num = L + 2 * p - d * (k - 1) - 1
        o = (-(-num // s) if ceil else num // s) + 1
        if ceil and (o - 1) * s >= L + p:
            o -= 1
        outs.append(o)
        extra.append(max((o - 1) * s + d * (k - 1) + 1 - L - 2 * p, 0))
    return outs, extra


def _max_pool_ref(nd):
    def ref(state, init, x):
        ks = _nt(init["kernel_size"], nd)
        st = _nt(init.get("stride") or init["kernel_size"], nd)
        pd, dl = _nt(init.get("padding", 0), nd), _nt(init.get("dilation", 1), nd)
        outs, extra = _pool_geometry(x, nd, ks, st, pd, dl, init.get("ceil_mode", False))
        xp = np.pad(x, [(0, 0)] * (x.ndim - nd) + [(p, p + e) for p, e in zip(pd, extra,
                                                                               strict=True)],
                    constant_values=-np.inf)
        return np.maximum.reduce([_window(xp, off, dl, st, outs) for off in _offsets(ks)])
    return ref


def _avg_pool_ref(nd):
    def ref(state, init, x):
        ks = _nt(init["kernel_size"], nd)
        st = _nt(init.get("stride") or init["kernel_size"], nd)
        pd = _nt(init.get("padding", 0), nd)
        outs, extra = _pool_geometry(x, nd, ks, st, pd, (1,) * nd, init.get("ceil_mode", False))
        xp = np.pad(x, [(0, 0)] * (x.ndim - nd) + [(p, p + e) for p, e in zip(pd, extra,
                                                                               strict=True)])
        total = sum(_window(xp, off, (1,) * nd, st, outs) for off in _offsets(ks))
        if init.get("divisor_override"):
            return total / init["divisor_override"]
        div = np.ones(outs)
        for i, (L, k, s, p, o) in enumerate(zip(x.shape[-nd:], ks, st, pd, outs, strict=True)):
            counts = []
            for j in range(o):
                start, end = j * s - p, min(j * s - p + k, L + p)
                counts.append(end - start if init.get("count_include_pad", True)
                              else min(end, L) - max(start, 0))
            div = div * np.asarray(counts, float).reshape([-1 if a == i else 1
                                                           for a in range(nd)])
        return total / div
    return ref


def _adaptive_ref(nd, reduce="mean"):
    def ref(state, init, x):
        sizes = _nt(init["output_size"], nd)
        for i, o in enumerate(sizes):  # max and mean are separable over the axes' windows
            ax = x.ndim - nd + i
            L = x.shape[ax]
            x = np.stack([getattr(np.take(x, range(j * L // o, -(-(j + 1) * L // o)), axis=ax),
                                  reduce)(ax) for j in range(o)], axis=ax)
        return x
    return ref


def _pool_samples(kind, nd):
    def samples(rng):
        sp = ((7,), (5, 4), (4, 3, 3))[nd - 1]
        x = rng.standard_normal((1, 2) + sp)
        if kind == "adaptive":
            yield ModuleSample({"output_size": (3, 2, 2)[:nd]}, (x,), desc=f"to {(3, 2, 2)[:nd]}")
            return
        yield ModuleSample({"kernel_size": 2}, (x,), desc="kernel 2")
        extra = {"dilation": 2} if kind == "max" else {"count_include_pad": False}
        yield ModuleSample({"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
                            **extra}, (x,), desc=f"kernel 3, stride 2, padding 1, ceil, {extra}")
    return samples


# ---- normalization ------------------------------------------------------------------------------
def _normalize(x, axes, eps=1e-5):
    m = x.mean(axes, keepdims=True)
    v = x.var(axes, keepdims=True)
    return (x - m) / np.sqrt(v + eps), m, v


def _batch_norm_ref(state, init, x, training=True):
    C = x.shape[1]
    shape = (1, C) + (1,) * (x.ndim - 2)
    if not training:
        y = (x - state["running_mean"].reshape(shape)) / np.sqrt(
            state["running_var"].reshape(shape) + 1e-5)
        out = {}
    else:
        axes = (0,) + tuple(range(2, x.ndim))
        y, m, v = _normalize(x, axes)
        n = x.size // C
        out = {"running_mean": 0.9 * state["running_mean"] + 0.1 * m.reshape(C),
               "running_var": 0.9 * state["running_var"] + 0.1 * v.reshape(C) * n / (n - 1),
               "num_batches_tracked": np.asarray(1)}  # a fresh module has counted 0
    if "weight" in state:
        y = y * state["weight"].reshape(shape) + state["bias"].reshape(shape)
    out["out"] = y
    return out


def _bn_samples(nd):
    def samples(rng):
        x = rng.standard_normal((3, 2) + (3, 2, 2)[:nd])
        yield ModuleSample({"num_features": 2}, (x,), desc="training, running statistics")
        yield ModuleSample({"num_features": 2, "affine": False}, (x,), desc="no affine")
    return samples


def _bn_eval_samples(rng):
    yield ModuleSample({"num_features": 3}, (rng.standard_normal((4, 3, 2, 2)),),
                       desc="eval: running statistics", train=False)


def _bn_eval_ref(state, init, x):
    return _batch_norm_ref(state, init, x, training=False)


def _layer_norm_ref(state, init, x):
    k = 1 if isinstance(init["normalized_shape"], int) else len(init["normalized_shape"])
    y = _normalize(x, tuple(range(x.ndim - k, x.ndim)))[0]
    return y * state["weight"] + state["bias"] if "weight" in state else y


def _group_norm_ref(state, init, x):
    G = init["num_groups"]
    y = _normalize(x.reshape(x.shape[0], G, -1), (2,))[0].reshape(x.shape)
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    return y * state["weight"].reshape(shape) + state["bias"].reshape(shape)


def _instance_norm_ref(state, init, x):
    return _normalize(x, tuple(range(2, x.ndim)))[0]


# ---- padding and upsampling ---------------------------------------------------------------------
def _pad_ref(mode, nd):
    def ref(state, init, x):
        p = _nt(init["padding"], 2 * nd)
        pairs = [(p[2 * i], p[2 * i + 1]) for i in range(len(p) // 2)][::-1]
        kw = {"constant_values": init.get("value", 0.0)} if mode == "constant" else {}
        return np.pad(x, [(0, 0)] * (x.ndim - len(pairs)) + pairs, mode=mode, **kw)
    return ref


def _upsample_ref(state, init, x):
    for i, o in enumerate(_nt(init["size"], x.ndim - 2)):
        ax, L = 2 + i, x.shape[2 + i]
        if init.get("mode", "nearest") == "nearest":
            x = np.take(x, [min(math.floor(j * L / o), L - 1) for j in range(o)], axis=ax)
            continue
        src = np.maximum((np.arange(o) + 0.5) * L / o - 0.5, 0)
        i0 = np.minimum(np.floor(src).astype(int), L - 1)
        i1 = np.minimum(i0 + 1, L - 1)
        lam = (src - i0).reshape([-1 if a == ax else 1 for a in range(x.ndim)])
        x = np.take(x, i0, axis=ax) * (1 - lam) + np.take(x, i1, axis=ax) * lam
    return x


def _dtypes(nd: int) -> tuple:
    return ("float64",) if nd == 3 else ("float32", "float64")


def _x(*shape):
    return lambda rng: [ModuleSample({}, (rng.standard_normal(shape),))]


register(
    # 3-D entries run in float64 only (float32 is covered by 1-D and 2-D): Dask's lazy graphs
    # of 3-D windows are the slowest cases of the family
    *[ModuleInfo(f"Conv{n}d", getattr(nn, f"Conv{n}d"), _conv_samples(n), _conv_ref(n),
                 dtypes=_dtypes(n)) for n in (1, 2, 3)],
    ModuleInfo("ConvTranspose2d", nn.ConvTranspose2d,
               lambda rng: [ModuleSample({"in_channels": 2, "out_channels": 3, "kernel_size": 3,
                                          "stride": 2, "padding": 1, "output_padding": 1},
                                         (rng.standard_normal((1, 2, 3, 2)),),
                                         desc="stride 2, padding 1, output_padding 1")],
               _conv_t_ref),
    *[ModuleInfo(f"MaxPool{n}d", getattr(nn, f"MaxPool{n}d"), _pool_samples("max", n),
                 _max_pool_ref(n), dtypes=_dtypes(n)) for n in (1, 2, 3)],
    *[ModuleInfo(f"AvgPool{n}d", getattr(nn, f"AvgPool{n}d"), _pool_samples("avg", n),
                 _avg_pool_ref(n), dtypes=_dtypes(n)) for n in (1, 2, 3)],
    *[ModuleInfo(f"AdaptiveAvgPool{n}d", getattr(nn, f"AdaptiveAvgPool{n}d"),
                 _pool_samples("adaptive", n), _adaptive_ref(n)) for n in (1, 2, 3)],
    *[ModuleInfo(f"AdaptiveMaxPool{n}d", getattr(nn, f"AdaptiveMaxPool{n}d"),
                 _pool_samples("adaptive", n), _adaptive_ref(n, "max")) for n in (1, 2)],
    *[ModuleInfo(f"BatchNorm{n}d", getattr(nn, f"BatchNorm{n}d"), _bn_samples(n),
                 _batch_norm_ref) for n in (1, 2, 3)],
    ModuleInfo("BatchNorm2dEval", nn.BatchNorm2d, _bn_eval_samples, _bn_eval_ref),
    ModuleInfo("InstanceNorm2d", nn.InstanceNorm2d,
               lambda rng: [ModuleSample({"num_features": 3},
                                         (rng.standard_normal((2, 3, 3, 2)),))],
               _instance_norm_ref),
    ModuleInfo("LayerNorm", nn.LayerNorm,
               lambda rng: [ModuleSample({"normalized_shape": (3, 4)},
                                         (rng.standard_normal((2, 3, 4)),), desc="(3, 4)")],
               _layer_norm_ref),
    ModuleInfo("GroupNorm", nn.GroupNorm,
               lambda rng: [ModuleSample({"num_groups": 2, "num_channels": 4},
                                         (rng.standard_normal((2, 4, 3)),))],
               _group_norm_ref),
    ModuleInfo("Dropout", nn.Dropout, _x(3, 4), None),
    ModuleInfo("Dropout2d", nn.Dropout2d, _x(2, 4, 2, 2), None),
    ModuleInfo("AlphaDropout", nn.AlphaDropout, _x(3, 4), None),
    ModuleInfo("ZeroPad2d", nn.ZeroPad2d,
               lambda rng: [ModuleSample({"padding": (1, 0, 2, 1)},
                                         (rng.standard_normal((1, 2, 3, 3)),))],
               _pad_ref("constant", 2)),
    ModuleInfo("ReflectionPad1d", nn.ReflectionPad1d,
               lambda rng: [ModuleSample({"padding": 2}, (rng.standard_normal((2, 3, 4)),))],
               _pad_ref("reflect", 1)),
    ModuleInfo("ReplicationPad2d", nn.ReplicationPad2d,
               lambda rng: [ModuleSample({"padding": (1, 2, 0, 1)},
                                         (rng.standard_normal((1, 2, 3, 3)),))],
               _pad_ref("edge", 2)),
    ModuleInfo("CircularPad2d", nn.CircularPad2d,
               lambda rng: [ModuleSample({"padding": 1}, (rng.standard_normal((1, 2, 3, 3)),))],
               _pad_ref("wrap", 2)),
    ModuleInfo("Upsample", nn.Upsample,
               lambda rng: [ModuleSample({"size": (5, 3)}, (rng.standard_normal((1, 2, 3, 2)),),
                                         desc="nearest"),
                            ModuleSample({"size": (5, 3), "mode": "bilinear"},
                                         (rng.standard_normal((1, 2, 3, 2)),), desc="bilinear")],
               _upsample_ref),
)
