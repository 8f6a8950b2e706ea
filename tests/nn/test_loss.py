"""Losses (tests for arraygrad/nn/functional/_loss.py, _margin_loss.py, _ctc_loss.py,
_distance.py and nn/modules/loss.py): values and gradients against PyTorch for every loss and
reduction (one table drives them), NumPy float64 references for the classification losses,
finite-difference gradients on NumPy, the same values and gradients on every backend, ignore_index,
label smoothing with weights, K-dimensional inputs, empty batches, large logits, target checks
and PyTorch's shape errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.nn.functional as F
from arraygrad import nn
from tests._gradients import check_grads, make_tensor, random_array, to_numpy


def _rng(seed=0):
    return np.random.default_rng(seed)


def _logits(*shape, seed=0):
    return random_array(*shape, seed=seed) * 2


def _labels(n, c, seed=0, ignore=True):
    y = _rng(seed).integers(0, c, n)
    if ignore:
        y[1] = -100
    return y


def _probs(*shape, seed=0):
    return _rng(seed).uniform(0.05, 0.95, shape)


def _signs(n, seed=0):
    return np.where(_rng(seed).random(n) > 0.5, 1.0, -1.0)


def _triplet():
    return [_logits(4, 3), _logits(4, 3, seed=1), _logits(4, 3, seed=2)]


# name: (functional, kwargs, input maker -> list of arrays, indices of differentiable inputs).
# Integer arrays become int64 tensors, float arrays float64 tensors.
W4 = np.array([0.5, 2.0, 1.0, 1.5])
LOSSES = {
    "l1": ("l1_loss", {}, lambda: [_logits(3, 4), _logits(3, 4, seed=1)], (0, 1)),
    "mse": ("mse_loss", {}, lambda: [_logits(3, 4), _logits(3, 4, seed=1)], (0, 1)),
    "smooth_l1": ("smooth_l1_loss", {"beta": 0.5}, lambda: [_logits(3, 4), _logits(3, 4, seed=1)],
                  (0, 1)),
    "huber": ("huber_loss", {"delta": 0.7}, lambda: [_logits(3, 4), _logits(3, 4, seed=1)], (0, 1)),
    "ce": ("cross_entropy", {}, lambda: [_logits(5, 4), _labels(5, 4)], (0,)),
    "ce_weight_smooth": ("cross_entropy", {"weight": W4, "label_smoothing": 0.2},
                         lambda: [_logits(5, 4), _labels(5, 4)], (0,)),
    "ce_kdim": ("cross_entropy", {"weight": W4[:3], "label_smoothing": 0.1, "ignore_index": 2},
                lambda: [_logits(2, 3, 2, 2), _rng(1).integers(0, 3, (2, 2, 2))], (0,)),
    "ce_unbatched": ("cross_entropy", {}, lambda: [_logits(4), np.array(2)], (0,)),
    "ce_probs": ("cross_entropy", {"weight": W4, "label_smoothing": 0.3},
                 lambda: [_logits(5, 4), _probs(5, 4)], (0, 1)),
    "nll": ("nll_loss", {"weight": W4}, lambda: [_logits(5, 4), _labels(5, 4)], (0,)),
    "nll_kdim": ("nll_loss", {}, lambda: [_logits(2, 3, 4), _rng(2).integers(0, 3, (2, 4))],
                 (0,)),
    "bce": ("binary_cross_entropy", {"weight": W4}, lambda: [_probs(3, 4), _probs(3, 4, seed=1)],
            (0, 1)),
    "bce_logits": ("binary_cross_entropy_with_logits", {"weight": W4, "pos_weight": W4 + 1},
                   lambda: [_logits(3, 4) * 10, _probs(3, 4, seed=1)], (0, 1)),
    "kl_div": ("kl_div", {}, lambda: [np.log(_probs(3, 4)), _probs(3, 4, seed=1)], (0, 1)),
    "kl_div_log_target": ("kl_div", {"log_target": True},
                          lambda: [np.log(_probs(3, 4)), np.log(_probs(3, 4, seed=1))], (0, 1)),
    "poisson_nll": ("poisson_nll_loss", {}, lambda: [_logits(3, 4), _probs(3, 4, seed=1) * 4],
                    (0,)),
    "poisson_nll_full": ("poisson_nll_loss", {"log_input": False, "full": True},
                         lambda: [_probs(3, 4) * 3, _probs(3, 4, seed=1) * 4], (0,)),
    "gaussian_nll": ("gaussian_nll_loss", {"full": True},
                     lambda: [_logits(3, 4), _logits(3, 4, seed=1), _probs(3, 4, seed=2)],
                     (0, 1, 2)),
    "gaussian_nll_homo": ("gaussian_nll_loss", {},
                          lambda: [_logits(3, 4), _logits(3, 4, seed=1), _probs(3, seed=2)],
                          (0, 2)),
    "soft_margin": ("soft_margin_loss", {}, lambda: [_logits(3, 4), _signs(4).reshape(1, 4)
                                                     * np.ones((3, 1))], (0,)),
    "multilabel_soft_margin": ("multilabel_soft_margin_loss", {"weight": W4},
                               lambda: [_logits(3, 4), (_probs(3, 4, seed=1) > 0.5) * 1.0], (0,)),
    "margin_ranking": ("margin_ranking_loss", {"margin": 0.3},
                       lambda: [_logits(5), _logits(5, seed=1), _signs(5)], (0, 1)),
    "hinge_embedding": ("hinge_embedding_loss", {"margin": 0.5},
                        lambda: [_logits(3, 4), _signs(12).reshape(3, 4)], (0,)),
    "multilabel_margin": ("multilabel_margin_loss", {},
                          lambda: [_logits(3, 4), np.array([[3, 0, -1, 1], [1, 2, 3, 0],
                                                            [-1, 0, 0, 0]])], (0,)),
    "cosine_embedding": ("cosine_embedding_loss", {"margin": 0.1},
                         lambda: [_logits(4, 3), _logits(4, 3, seed=1), _signs(4)], (0, 1)),
    "multi_margin": ("multi_margin_loss", {"margin": 0.7, "weight": W4},
                     lambda: [_logits(5, 4), _labels(5, 4, ignore=False)], (0,)),
    "multi_margin_p2": ("multi_margin_loss", {"p": 2},
                        lambda: [_logits(5, 4), _labels(5, 4, ignore=False)], (0,)),
    "triplet": ("triplet_margin_loss", {"p": 1, "swap": True},
                _triplet, (0, 1, 2)),
    "triplet_distance": ("triplet_margin_with_distance_loss", {"swap": True},
                         _triplet, (0, 1, 2)),
}


def _tensors(arrays, device, grads, lib=None):
    """arrays as arraygrad (lib None) or torch tensors; float64 / int64."""
    out = []
    for i, a in enumerate(arrays):
        a = np.asarray(a)
        rg = i in grads
        if lib is None:
            dt = ag.int64 if a.dtype.kind == "i" else ag.float64
            out.append(make_tensor(a, device, dtype=dt, requires_grad=rg))
        else:
            out.append(lib.tensor(a, requires_grad=rg))
    return out


def _kwargs(kwargs, device, lib=None):
    conv = {}
    for k, v in kwargs.items():
        if isinstance(v, np.ndarray):
            v = make_tensor(v, device) if lib is None else lib.tensor(v)
        conv[k] = v
    return conv


def _run(key, reduction, device, lib=None):
    """(loss, [grads of the differentiable inputs]) as NumPy arrays."""
    fname, kwargs, make, grads = LOSSES[key]
    xs = _tensors(make(), device, grads, lib)
    fn = getattr(F if lib is None else lib.nn.functional, fname)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = fn(*xs, **_kwargs(kwargs, device, lib), reduction=reduction)
    w = random_array(*tuple(out.shape), seed=7)
    wt = make_tensor(w, device) if lib is None else lib.tensor(w)
    (out * wt).sum().backward()
    conv = to_numpy if lib is None else (lambda t: t.detach().numpy())
    return conv(out), [conv(xs[i].grad) for i in grads]


@pytest.mark.parity
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("key", list(LOSSES))
def test_values_and_gradients_match_torch(torch, key, reduction):
    got, gg = _run(key, reduction, "cpu")
    want, wg = _run(key, reduction, "cpu", torch)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    for a, b in zip(gg, wg, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("key", list(LOSSES))
def test_gradients_by_finite_differences(key):
    fname, kwargs, make, grads = LOSSES[key]
    arrays = make()
    fixed = {i: a for i, a in enumerate(arrays) if i not in grads}

    def fn(*diff):
        it = iter(diff)
        xs = [make_tensor(fixed[i], "cpu", dtype=ag.int64 if fixed[i].dtype.kind == "i"
                          else ag.float64) if i in fixed else next(it)
              for i in range(len(arrays))]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return getattr(F, fname)(*xs, **_kwargs(kwargs, "cpu"), reduction="none")
    check_grads(fn, [arrays[i] for i in grads], "cpu")


# Dask builds a graph per op (tens of ms each): it checks a representative subset
DASK_LOSSES = ("ce_weight_smooth", "ce_kdim", "nll", "bce", "bce_logits", "kl_div",
               "multilabel_margin", "multi_margin", "triplet", "huber")


def _all_losses(device, keys):
    """The values and gradients of the losses `keys`, flattened into one array (one compute on a
    lazy backend)."""
    parts = []
    for key in keys:
        fname, kwargs, make, grads = LOSSES[key]
        xs = _tensors(make(), device, grads)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = getattr(F, fname)(*xs, **_kwargs(kwargs, device), reduction="sum")
        out.backward()
        parts += [out.detach().reshape(-1)] + [xs[i].grad.reshape(-1) for i in grads]
    return to_numpy(ag.cat(parts))


def test_every_backend_matches_numpy(device):
    """Each loss's value and gradients on this device equal the NumPy backend's."""
    keys = DASK_LOSSES if device == "dask" else list(LOSSES)
    np.testing.assert_allclose(_all_losses(device, keys), _all_losses("cpu", keys), rtol=1e-10,
                               atol=1e-12)


# ---- cross entropy and NLL: NumPy references, edge cases, errors --------------------------------
def _ce_reference(x, y, w, ii, eps):
    """Cross entropy per sample and the mean's denominator, in NumPy float64."""
    c = x.shape[1]
    logp = x - x.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    keep = y != ii
    ys = np.where(keep, y, 0)
    wy = w[ys] * keep
    nll = -wy * logp[np.arange(len(y)), ys]
    smooth = -(logp * w).sum(1) * keep
    return (1 - eps) * nll + eps / c * smooth, wy.sum()


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_cross_entropy_matches_numpy_reference(eager_device, reduction):
    device = eager_device
    x, y = _logits(6, 5), _labels(6, 5)
    w = np.array([1.0, 0.5, 2.0, 1.5, 0.25])
    per, denom = _ce_reference(x, y, w, -100, 0.15)
    want = {"none": per, "sum": per.sum(), "mean": per.sum() / denom}[reduction]
    out = F.cross_entropy(make_tensor(x, device), ag.tensor(y, device=device),
                          weight=make_tensor(w, device), label_smoothing=0.15,
                          reduction=reduction)
    np.testing.assert_allclose(to_numpy(out), want, rtol=1e-12)


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    x, y = _logits(4, 3), np.array([0, 2, 1, 1])
    t = make_tensor(x, "cpu", requires_grad=True)
    F.cross_entropy(t, ag.tensor(y), reduction="sum").backward()
    p = np.exp(x) / np.exp(x).sum(1, keepdims=True)
    np.testing.assert_allclose(to_numpy(t.grad), p - np.eye(3)[y], rtol=1e-12)


def test_cross_entropy_is_one_fused_node():
    t = make_tensor(_logits(4, 3), "cpu", requires_grad=True)
    out = F.cross_entropy(t, ag.tensor([0, 1, 2, 0]))
    assert out.grad_fn.next_functions[0][0].variable is t


def test_cross_entropy_large_logits_stay_finite():
    x = make_tensor([[1e4, -1e4, 0.0], [-3e4, 3e4, 3e4]], "cpu", requires_grad=True)
    out = F.cross_entropy(x, ag.tensor([1, 2]))
    out.backward()
    np.testing.assert_allclose(float(out), (2e4 + np.log(2)) / 2, rtol=1e-12)
    assert np.isfinite(to_numpy(x.grad)).all()


@pytest.mark.parity
def test_all_targets_ignored_and_empty_batches_follow_torch(torch):
    x, y = _logits(3, 4), np.full(3, -100)
    for red in ("mean", "sum", "none"):
        got = F.cross_entropy(make_tensor(x, "cpu"), ag.tensor(y), reduction=red)
        want = torch.nn.functional.cross_entropy(torch.tensor(x), torch.tensor(y), reduction=red)
        np.testing.assert_allclose(to_numpy(got), want.numpy())
        xe, ye = np.zeros((0, 4)), np.zeros(0, dtype=np.int64)
        got = F.cross_entropy(make_tensor(xe, "cpu"), ag.tensor(ye), reduction=red)
        want = torch.nn.functional.cross_entropy(torch.tensor(xe), torch.tensor(ye),
                                                 reduction=red)
        np.testing.assert_allclose(to_numpy(got), want.numpy())
        assert tuple(got.shape) == tuple(want.shape)


def test_cross_entropy_second_derivatives():
    x = make_tensor(_logits(3, 4), "cpu", requires_grad=True)
    y = ag.tensor([0, -100, 3])
    w = make_tensor(W4, "cpu")
    assert ag.autograd.gradgradcheck(
        lambda t: F.cross_entropy(t, y, weight=w, label_smoothing=0.2), (x,))


def test_float32_cross_entropy_agrees_with_float64():
    x, y = _logits(6, 5), ag.tensor(_labels(6, 5))
    grads = []
    for dt in (ag.float64, ag.float32):
        t = make_tensor(x, "cpu", dtype=dt, requires_grad=True)
        F.cross_entropy(t, y, label_smoothing=0.1).backward()
        grads.append(to_numpy(t.grad))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", [F.cross_entropy, F.nll_loss, F.multi_margin_loss])
def test_target_out_of_range_raises(fn):
    with pytest.raises(IndexError, match="out of"):
        fn(ag.zeros(2, 3), ag.tensor([0, 3]))


def test_target_check_runs_on_lazy_backends_only_under_detect_anomaly():
    x, y = ag.zeros(2, 3, device="dask"), ag.tensor([0, 5], device="dask")
    F.cross_entropy(x, y)  # no data check: forward does not compute the lazy graph
    with pytest.warns(UserWarning), ag.autograd.detect_anomaly():
        with pytest.raises(IndexError, match="Target 5 is out of bounds"):
            F.cross_entropy(x, y)


def test_classification_shape_and_dtype_errors():
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target "
                                         r"batch_size \(2\)"):
        F.nll_loss(ag.zeros(3, 4), ag.tensor([0, 1]))
    with pytest.raises(RuntimeError, match=r"Expected target size \[2, 5\], got \[2, 4\]"):
        F.cross_entropy(ag.zeros(2, 3, 5), ag.zeros(2, 4, dtype=ag.int64))
    with pytest.raises(RuntimeError, match="weight tensor should be defined either for all 4"):
        F.cross_entropy(ag.zeros(2, 4), ag.tensor([0, 1]), weight=ag.ones(3))
    with pytest.raises(RuntimeError, match="expected scalar type Long"):
        F.nll_loss(ag.zeros(2, 4), ag.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0"):
        F.cross_entropy(ag.zeros(2, 4), ag.tensor([0, 1]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="is not a valid value for reduction"):
        F.mse_loss(ag.zeros(2), ag.zeros(2), reduction="avg")
    with pytest.raises(ValueError, match="must be the same as input size"):
        F.binary_cross_entropy_with_logits(ag.zeros(2, 3), ag.zeros(3))
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(ag.tensor([1.5]), ag.tensor([1.0]))


def test_bce_clamps_log_at_minus_100():
    out = F.binary_cross_entropy(ag.tensor([0.0, 1.0]), ag.tensor([1.0, 0.0]), reduction="none")
    np.testing.assert_allclose(to_numpy(out), [100.0, 100.0])


def test_kl_div_batchmean_and_mean_warning():
    x, t = make_tensor(np.log(_probs(3, 4)), "cpu"), make_tensor(_probs(3, 4, seed=1), "cpu")
    total = float(F.kl_div(x, t, reduction="sum"))
    np.testing.assert_allclose(float(F.kl_div(x, t, reduction="batchmean")), total / 3)
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(x, t)


def test_size_mismatch_warns():
    with pytest.warns(UserWarning, match="different to the input size"):
        F.mse_loss(ag.zeros(3, 1), ag.zeros(3))


def test_one_hot_infers_classes_and_checks_values(device):
    out = F.one_hot(ag.tensor([[0, 2], [1, 2]], device=device))
    assert out.dtype is ag.int64 and tuple(out.shape) == (2, 2, 3)
    np.testing.assert_array_equal(to_numpy(out), np.eye(3, dtype=np.int64)[[[0, 2], [1, 2]]])
    assert tuple(F.one_hot(ag.tensor([1], device=device), 5).shape) == (1, 5)
    with pytest.raises(RuntimeError, match="LongTensor"):
        F.one_hot(ag.tensor([1.0]))
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(ag.tensor([3]), 2)


def test_normalize_and_pairwise_distance():
    x = random_array(3, 4, seed=3)
    np.testing.assert_allclose(to_numpy(F.normalize(make_tensor(x, "cpu"))),
                               x / np.linalg.norm(x, axis=1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(to_numpy(F.normalize(make_tensor(x, "cpu"), p=1, dim=0)),
                               x / np.abs(x).sum(0, keepdims=True), rtol=1e-12)
    check_grads(lambda t: F.normalize(t, dim=0), [x], "cpu")
    y = random_array(3, 4, seed=4)
    np.testing.assert_allclose(to_numpy(F.pairwise_distance(make_tensor(x, "cpu"),
                                                            make_tensor(y, "cpu"))),
                               np.linalg.norm(x - y + 1e-6, axis=1), rtol=1e-12)


# ---- CTC -----------------------------------------------------------------------------------------
def _ctc_case():
    x = random_array(6, 3, 5, seed=11)
    targets = np.array([[1, 2, 2], [3, 0, 0], [4, 4, 1]])
    return x, targets, [6, 5, 4], [3, 1, 2]


@pytest.mark.parity
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("concatenated", [False, True])
def test_ctc_matches_torch(torch, reduction, concatenated):
    x, tg, il, tl = _ctc_case()
    if concatenated:
        tg = np.concatenate([tg[i, :k] for i, k in enumerate(tl)])
    xa, tx = make_tensor(x, "cpu", requires_grad=True), torch.tensor(x, requires_grad=True)
    # through log_softmax: PyTorch's CTC backward is exact only for normalised log-probabilities
    got = F.ctc_loss(F.log_softmax(xa, 2), ag.tensor(tg), il, tl, reduction=reduction)
    want = torch.nn.functional.ctc_loss(tx.log_softmax(2), torch.tensor(tg), il, tl,
                                        reduction=reduction)
    w = random_array(*tuple(want.shape), seed=1)
    (got * make_tensor(w, "cpu")).sum().backward()
    (want * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(to_numpy(got), want.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(to_numpy(xa.grad), tx.grad.numpy(), rtol=1e-8, atol=1e-12)


@pytest.mark.parity
def test_ctc_impossible_alignment_is_inf_or_zero(torch):
    x, tg, _, _ = _ctc_case()
    il, tl = [6, 5, 2], [3, 1, 3]  # three labels cannot fit in two frames
    for zi in (False, True):
        xa = make_tensor(x, "cpu", requires_grad=True)
        got = F.ctc_loss(F.log_softmax(xa, 2), ag.tensor(tg), il, tl, reduction="none",
                         zero_infinity=zi)
        want = torch.nn.functional.ctc_loss(torch.tensor(x).log_softmax(2), torch.tensor(tg),
                                            il, tl, reduction="none", zero_infinity=zi)
        np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-10)
        if zi:
            got.sum().backward()
            assert np.isfinite(to_numpy(xa.grad)).all()
            np.testing.assert_array_equal(to_numpy(xa.grad)[:, 2], 0.0)


@pytest.mark.parity
def test_ctc_with_minus_inf_log_probabilities_matches_torch(torch):
    x = random_array(5, 2, 4, seed=13)
    x[:, :, 3] = -np.inf  # class 3 can never be emitted: the second sequence is impossible
    lp = torch.tensor(x).log_softmax(2)
    tg = np.array([[1, 2], [2, 3]])
    xa = make_tensor(lp.numpy(), "cpu", requires_grad=True)
    got = F.ctc_loss(xa, ag.tensor(tg), [5, 5], [2, 2], reduction="none", zero_infinity=True)
    want = torch.nn.functional.ctc_loss(lp, torch.tensor(tg), [5, 5], [2, 2], reduction="none",
                                        zero_infinity=True)
    np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-10)
    got.sum().backward()
    assert np.isfinite(to_numpy(xa.grad)).all()


def test_ctc_same_on_every_backend(device):
    x, tg, il, tl = random_array(3, 2, 3, seed=12), np.array([[1], [2]]), [3, 2], [1, 1]

    def run(dev):
        xa = make_tensor(x, dev, requires_grad=True)
        loss = F.ctc_loss(F.log_softmax(xa, 2), ag.tensor(tg, device=dev), il, tl)
        loss.backward()
        return to_numpy(ag.cat([loss.detach().reshape(1), xa.grad.reshape(-1)]))
    np.testing.assert_allclose(run(device), run("cpu"), rtol=1e-10, atol=1e-12)


def test_ctc_gradient_by_finite_differences():
    x, tg, _, _ = _ctc_case()
    check_grads(lambda t: F.ctc_loss(t, ag.tensor(tg[:2]), [4, 3], [3, 1], reduction="sum"),
                [x[:4, :2]], "cpu")


def test_ctc_errors():
    lp = ag.zeros(4, 2, 3)
    with pytest.raises(RuntimeError, match="at most 4"):
        F.ctc_loss(lp, ag.tensor([[1], [2]]), [5, 4], [1, 1])
    with pytest.raises(RuntimeError, match="blank must be in label range"):
        F.ctc_loss(lp, ag.tensor([[1], [2]]), [4, 4], [1, 1], blank=3)


# ---- modules -------------------------------------------------------------------------------------
# class name, constructor kwargs, functional key in LOSSES (inputs and functional kwargs)
MODULES = [
    ("L1Loss", {}, "l1"), ("MSELoss", {"reduction": "sum"}, "mse"),
    ("SmoothL1Loss", {"beta": 0.5}, "smooth_l1"), ("HuberLoss", {"delta": 0.7}, "huber"),
    ("CrossEntropyLoss", {"weight": W4, "label_smoothing": 0.2}, "ce_weight_smooth"),
    ("NLLLoss", {"weight": W4}, "nll"), ("BCELoss", {"weight": W4}, "bce"),
    ("BCEWithLogitsLoss", {"weight": W4, "pos_weight": W4 + 1}, "bce_logits"),
    ("KLDivLoss", {"reduction": "batchmean", "log_target": True}, "kl_div_log_target"),
    ("PoissonNLLLoss", {"log_input": False, "full": True}, "poisson_nll_full"),
    ("GaussianNLLLoss", {"full": True}, "gaussian_nll"), ("SoftMarginLoss", {}, "soft_margin"),
    ("MultiLabelSoftMarginLoss", {"weight": W4}, "multilabel_soft_margin"),
    ("MarginRankingLoss", {"margin": 0.3}, "margin_ranking"),
    ("HingeEmbeddingLoss", {"margin": 0.5}, "hinge_embedding"),
    ("MultiLabelMarginLoss", {}, "multilabel_margin"),
    ("CosineEmbeddingLoss", {"margin": 0.1}, "cosine_embedding"),
    ("MultiMarginLoss", {"margin": 0.7, "weight": W4}, "multi_margin"),
    ("TripletMarginLoss", {"p": 1, "swap": True}, "triplet"),
    ("TripletMarginWithDistanceLoss", {"swap": True}, "triplet_distance"),
]


@pytest.mark.parity
@pytest.mark.parametrize("cls,kwargs,key", MODULES, ids=[m[0] for m in MODULES])
def test_modules_match_torch(torch, cls, kwargs, key):
    m = getattr(nn, cls)(**_kwargs(kwargs, "cpu"))
    tm = getattr(torch.nn, cls)(**_kwargs(kwargs, "cpu", torch))
    assert repr(m) == repr(tm)
    arrays = LOSSES[key][2]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = m(*_tensors(arrays, "cpu", ()))
        want = tm(*_tensors(arrays, "cpu", (), torch))
    np.testing.assert_allclose(to_numpy(got), want.numpy(), rtol=1e-10)
    if "weight" in kwargs:
        assert "weight" in m.state_dict()


def test_ctc_module_and_legacy_reduction_arguments():
    x, tg, il, tl = _ctc_case()
    lp = F.log_softmax(make_tensor(x, "cpu"), 2)
    np.testing.assert_allclose(
        to_numpy(nn.CTCLoss(reduction="sum")(lp, ag.tensor(tg), il, tl)),
        to_numpy(F.ctc_loss(lp, ag.tensor(tg), il, tl, reduction="sum")))
    with pytest.warns(UserWarning, match="size_average and reduce"):
        m = nn.MSELoss(size_average=False)
    assert m.reduction == "sum"
    with pytest.raises(ValueError, match="only p == 1 and p == 2"):
        nn.MultiMarginLoss(p=3)
