"""nn.utils gradient clipping and parameter vectors (tests for arraygrad/nn/utils/clip_grad.py)
against a NumPy reference and PyTorch."""

from __future__ import annotations

import math

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from tests._gradients import random_array, to_numpy


def _params(device, scale=1.0):
    ps = []
    for i, shape in enumerate([(3, 2), (4,), (2, 2)]):
        p = nn.Parameter(ag.tensor(random_array(*shape, seed=i), dtype=ag.float64,
                                   device=device))
        p.grad = ag.tensor(random_array(*shape, seed=10 + i) * scale, dtype=ag.float64,
                           device=device)
        ps.append(p)
    return ps


def _np_grads():
    return [random_array(*s, seed=10 + i) for i, s in enumerate([(3, 2), (4,), (2, 2)])]


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
def test_clip_grad_norm_scales_by_total_norm(device, norm_type):
    ps = _params(device)
    flat = np.concatenate([g.ravel() for g in _np_grads()])
    total = (np.abs(flat).max() if norm_type == math.inf
             else (np.abs(flat) ** norm_type).sum() ** (1 / norm_type))
    got = nn.utils.clip_grad_norm_(ps, max_norm=0.5, norm_type=norm_type)
    assert got.ndim == 0 and got.device == ag.device(device)
    np.testing.assert_allclose(float(got), total, rtol=1e-10)
    coef = min(1.0, 0.5 / (total + 1e-6))
    for p, g in zip(ps, _np_grads(), strict=True):
        np.testing.assert_allclose(to_numpy(p.grad), g * coef, rtol=1e-10)


def test_clip_grad_norm_leaves_small_gradients_unchanged():
    ps = _params("cpu", scale=1e-3)
    nn.utils.clip_grad_norm_(ps, 10.0)
    for p, g in zip(ps, _np_grads(), strict=True):
        np.testing.assert_allclose(to_numpy(p.grad), g * 1e-3, rtol=1e-12)


def test_clip_grad_norm_single_tensor_none_grads_and_empty():
    p = nn.Parameter(ag.ones(4))
    assert float(nn.utils.clip_grad_norm_(p, 1.0)) == 0.0
    p.grad = ag.full((4,), 3.0)
    assert float(nn.utils.clip_grad_norm_(p, 1.0)) == pytest.approx(6.0)
    assert float(p.grad.norm()) == pytest.approx(1.0, rel=1e-5)
    assert float(nn.utils.clip_grad_norm_([], 1.0)) == 0.0


def test_clip_grad_norm_non_finite():
    p = nn.Parameter(ag.ones(2))
    p.grad = ag.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert math.isnan(float(nn.utils.clip_grad_norm_([p], 1.0)))


def test_clip_grad_norm_matches_pytorch(torch):
    ps = _params("cpu")
    tps = [torch.nn.Parameter(torch.tensor(to_numpy(p))) for p in ps]
    for tp, g in zip(tps, _np_grads(), strict=True):
        tp.grad = torch.tensor(g)
    for nt in (2.0, math.inf, 0.5):
        ours = float(nn.utils.clip_grad_norm_(ps, 0.7, nt))
        theirs = float(torch.nn.utils.clip_grad_norm_(tps, 0.7, nt))
        assert ours == pytest.approx(theirs, rel=1e-10)
        for p, tp in zip(ps, tps, strict=True):
            np.testing.assert_allclose(to_numpy(p.grad), tp.grad.numpy(), rtol=1e-10)


def test_clip_grad_value(device):
    ps = _params(device)
    nn.utils.clip_grad_value_(ps, 0.3)
    for p, g in zip(ps, _np_grads(), strict=True):
        np.testing.assert_allclose(to_numpy(p.grad), np.clip(g, -0.3, 0.3))


def test_parameters_to_vector_round_trip(device):
    ps = _params(device)
    vec = nn.utils.parameters_to_vector(ps)
    assert tuple(vec.shape) == (14,)
    np.testing.assert_allclose(to_numpy(vec), np.concatenate(
        [random_array(*s, seed=i).ravel() for i, s in enumerate([(3, 2), (4,), (2, 2)])]))
    nn.utils.vector_to_parameters(vec * 2, ps)
    np.testing.assert_allclose(to_numpy(ps[0]), random_array(3, 2, seed=0) * 2)
    with pytest.raises(RuntimeError, match="hold 14 elements"):
        nn.utils.vector_to_parameters(vec[:3], ps)
    with pytest.raises(TypeError, match="expected torch.Tensor"):
        nn.utils.vector_to_parameters([1.0], ps)


def test_parameters_on_two_devices_raise():
    with pytest.raises(TypeError, match="different devices"):
        nn.utils.parameters_to_vector([nn.Parameter(ag.zeros(1)),
                                       nn.Parameter(ag.zeros(1, device="dask"))])
