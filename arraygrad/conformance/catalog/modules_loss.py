"""The 'modules' feature, losses: every loss layer of arraygrad.nn against NumPy float64
references (see arraygrad/conformance/modules.py). Samples use reduction='none' where the loss
has one (the per-element values and their gradients say the most; the tests check the
reductions against PyTorch)."""

from __future__ import annotations

import numpy as np

import arraygrad as ag
from arraygrad import nn

from ..modules import ModuleInfo, ModuleSample
from ..table import register

_W = (0.5, 2.0, 1.0, 1.5)


def _log_softmax(x, axis):
    s = x - x.max(axis=axis, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=axis, keepdims=True))


def _log_sigmoid(x):
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def _labels(rng, n, c, ignore=None):
    y = rng.integers(0, c, n)
    if ignore is not None:
        y[1] = ignore
    return y


def _signs(rng, shape):
    return np.where(rng.random(shape) > 0.5, 1.0, -1.0)


def _ce_ref(state, init, x, y):
    c = x.shape[1]
    w = state.get("weight", np.ones(c))
    ii, eps = init.get("ignore_index", -100), init.get("label_smoothing", 0.0)
    logp = _log_softmax(x, 1)
    keep = y != ii
    ys = np.where(keep, y, 0)
    nll = -w[ys] * keep * logp[np.arange(len(y)), ys]
    smooth = -(logp * w).sum(1) * keep
    return (1 - eps) * nll + eps / c * smooth


def _nll_ref(state, init, x, y):
    w = state.get("weight", np.ones(x.shape[1]))
    keep = y != init.get("ignore_index", -100)
    ys = np.where(keep, y, 0)
    return -w[ys] * keep * x[np.arange(len(y)), ys]


def _bce_ref(state, init, x, t):
    return -state["weight"] * (t * np.maximum(np.log(x), -100)
                               + (1 - t) * np.maximum(np.log1p(-x), -100))


def _bce_logits_ref(state, init, x, t):
    lw = 1 + (state["pos_weight"] - 1) * t
    return state["weight"] * ((1 - t) * x - lw * _log_sigmoid(x))


def _smooth_l1_ref(state, init, x, y):
    d, b = np.abs(x - y), init.get("beta", 1.0)
    return np.where(d < b, 0.5 * d * d / b, d - 0.5 * b)


def _huber_ref(state, init, x, y):
    d, k = np.abs(x - y), init.get("delta", 1.0)
    return np.where(d <= k, 0.5 * d * d, k * (d - 0.5 * k))


def _poisson_ref(state, init, x, t):
    out = x - t * np.log(x + 1e-8)
    safe = np.where(t > 1, t, 2.0)
    return out + np.where(t > 1, safe * np.log(safe) - safe + 0.5 * np.log(2 * np.pi * safe), 0)


def _multilabel_margin_ref(state, init, x, y):
    out = np.zeros(len(x))
    for n in range(len(x)):
        tg = []
        for j in y[n]:
            if j < 0:
                break
            tg.append(j)
        for j in tg:
            for i in range(x.shape[1]):
                if i not in tg:
                    out[n] += max(0.0, 1 - (x[n, j] - x[n, i]))
    return out / x.shape[1]


def _multi_margin_ref(state, init, x, y):
    w, m = state["weight"], init.get("margin", 1.0)
    z = np.maximum(0.0, m - x[np.arange(len(y)), y][:, None] + x) ** init.get("p", 1)
    z[np.arange(len(y)), y] = 0
    return (z * w[y][:, None]).sum(1) / x.shape[1]


def _cosine_ref(state, init, a, b, y):
    cos = (a * b).sum(1) / np.sqrt(((a * a).sum(1) + 1e-12) * ((b * b).sum(1) + 1e-12))
    return np.where(y == 1, 1 - cos, np.maximum(0.0, cos - init.get("margin", 0.0)))


def _triplet_ref(state, init, a, p, n):
    q = init.get("p", 2.0)

    def d(u, v):
        return (np.abs(u - v + 1e-6) ** q).sum(-1) ** (1 / q)
    dn = d(a, n)
    if init.get("swap", False):
        dn = np.minimum(dn, d(p, n))
    return np.maximum(0.0, init.get("margin", 1.0) + d(a, p) - dn)


def _ctc_ref(state, init, lp, targets, il, tl):
    blank, out = init.get("blank", 0), []
    for n in range(lp.shape[1]):
        ext = [blank]
        for lab in targets[n, :tl[n]]:
            ext += [int(lab), blank]
        a = np.full(len(ext), -np.inf)
        a[0] = lp[0, n, ext[0]]
        if len(ext) > 1:
            a[1] = lp[0, n, ext[1]]
        for t in range(1, il[n]):
            prev = a.copy()
            for s in range(len(ext)):
                terms = [prev[s]] + ([prev[s - 1]] if s else [])
                if s > 1 and ext[s] != blank and ext[s] != ext[s - 2]:
                    terms.append(prev[s - 2])
                a[s] = np.logaddexp.reduce(terms) + lp[t, n, ext[s]]
        out.append(-np.logaddexp.reduce(a[-2:] if len(ext) > 1 else a[-1:]))
    return np.asarray(out)


def _s(init, *inputs, desc=""):
    return ModuleSample({"reduction": "none", **init} if "reduction" not in init else init,
                        tuple(inputs), desc=desc)


def _w(values=_W):
    return ag.tensor(np.asarray(values))


def _cases():
    """name: (sample maker, reference)."""
    return {
        "L1Loss": (lambda r: [_s({}, r.standard_normal((3, 4)), r.standard_normal((3, 4)))],
                   lambda s, i, x, y: np.abs(x - y)),
        "MSELoss": (lambda r: [_s({}, r.standard_normal((3, 4)), r.standard_normal((3, 4)))],
                    lambda s, i, x, y: (x - y) ** 2),
        "SmoothL1Loss": (lambda r: [_s({"beta": 0.5}, r.standard_normal((3, 4)),
                                       r.standard_normal((3, 4)))], _smooth_l1_ref),
        "HuberLoss": (lambda r: [_s({"delta": 0.7}, r.standard_normal((3, 4)),
                                    r.standard_normal((3, 4)))], _huber_ref),
        "CrossEntropyLoss": (lambda r: [
            _s({"weight": _w(), "label_smoothing": 0.2}, r.standard_normal((5, 4)),
               _labels(r, 5, 4, ignore=-100), desc="weight, ignore_index, label smoothing")],
            _ce_ref),
        "NLLLoss": (lambda r: [_s({"weight": _w(), "ignore_index": 2}, r.standard_normal((5, 4)),
                                  _labels(r, 5, 4, ignore=2))], _nll_ref),
        "BCELoss": (lambda r: [_s({"weight": _w()}, r.uniform(0.05, 0.95, (3, 4)),
                                  r.uniform(0, 1, (3, 4)))], _bce_ref),
        "BCEWithLogitsLoss": (lambda r: [_s({"weight": _w(), "pos_weight": _w((2, 1, 3, 0.5))},
                                            r.standard_normal((3, 4)) * 5,
                                            r.uniform(0, 1, (3, 4)))], _bce_logits_ref),
        "KLDivLoss": (lambda r: [_s({}, np.log(r.uniform(0.1, 1, (3, 4))),
                                    r.uniform(0.1, 1, (3, 4)))],
                      lambda s, i, x, t: t * (np.log(t) - x)),
        "PoissonNLLLoss": (lambda r: [_s({"log_input": False, "full": True},
                                         r.uniform(0.5, 3, (3, 4)), r.uniform(0, 4, (3, 4)))],
                           _poisson_ref),
        "GaussianNLLLoss": (lambda r: [_s({}, r.standard_normal((3, 4)),
                                          r.standard_normal((3, 4)), r.uniform(0.2, 2, (3, 4)))],
                            lambda s, i, x, y, v: 0.5 * (np.log(v) + (x - y) ** 2 / v)),
        "SoftMarginLoss": (lambda r: [_s({}, r.standard_normal((3, 4)), _signs(r, (3, 4)))],
                           lambda s, i, x, y: -_log_sigmoid(y * x)),
        "MultiLabelSoftMarginLoss": (lambda r: [_s({"weight": _w()}, r.standard_normal((3, 4)),
                                                   (r.random((3, 4)) > 0.5) * 1.0)],
                                     lambda s, i, x, y: -(s["weight"] * (
                                         y * _log_sigmoid(x) + (1 - y) * _log_sigmoid(-x))
                                     ).mean(1)),
        "MarginRankingLoss": (lambda r: [_s({"margin": 0.3}, r.standard_normal(5),
                                            r.standard_normal(5), _signs(r, 5))],
                              lambda s, i, a, b, y: np.maximum(0.0, -y * (a - b) + 0.3)),
        "HingeEmbeddingLoss": (lambda r: [_s({"margin": 0.5}, r.standard_normal((3, 4)),
                                             _signs(r, (3, 4)))],
                               lambda s, i, x, y: np.where(y == 1, x, np.maximum(0.0, 0.5 - x))),
        "MultiLabelMarginLoss": (lambda r: [_s({}, r.standard_normal((3, 4)),
                                               np.array([[3, 0, -1, 1], [1, 2, 3, 0],
                                                         [-1, 0, 0, 0]]))],
                                 _multilabel_margin_ref),
        "CosineEmbeddingLoss": (lambda r: [_s({"margin": 0.1}, r.standard_normal((4, 3)),
                                              r.standard_normal((4, 3)), _signs(r, 4))],
                                _cosine_ref),
        "MultiMarginLoss": (lambda r: [_s({"margin": 0.7, "weight": _w(), "p": 2},
                                          r.standard_normal((5, 4)), _labels(r, 5, 4))],
                            _multi_margin_ref),
        "TripletMarginLoss": (lambda r: [_s({"p": 1, "swap": True}, r.standard_normal((4, 3)),
                                            r.standard_normal((4, 3)),
                                            r.standard_normal((4, 3)))], _triplet_ref),
        "TripletMarginWithDistanceLoss": (lambda r: [_s({"swap": True}, r.standard_normal((4, 3)),
                                                        r.standard_normal((4, 3)),
                                                        r.standard_normal((4, 3)))],
                                          _triplet_ref),
        "CTCLoss": (lambda r: [_s({}, _log_softmax(r.standard_normal((4, 2, 3)), 2),
                                  np.array([[1, 2], [2, 2]]), [4, 4], [2, 1])], _ctc_ref),
    }


# float32 too for the losses most models train with; the rest in float64 (same code paths; a
# Dask evaluation costs tenths of a second, and the tests check float32 against float64)
_BOTH = ("CrossEntropyLoss", "MSELoss", "BCEWithLogitsLoss")
register(*[ModuleInfo(name, getattr(nn, name), make, ref,
                      dtypes=("float32", "float64") if name in _BOTH else ("float64",))
           for name, (make, ref) in _cases().items()])
