"""nn.init (tests for arraygrad/nn/init.py): PyTorch's gains, fans, bounds and errors; in-place
fills that give the same values on every backend from one seed; distributions by moments."""

from __future__ import annotations

import math

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.nn import init
from tests._gradients import to_numpy

FILLS = [
    lambda t: init.uniform_(t, -0.5, 2.0),
    lambda t: init.normal_(t, 1.0, 0.1),
    lambda t: init.trunc_normal_(t, 0.0, 1.0, -1.0, 1.5),
    lambda t: init.xavier_uniform_(t, gain=2.0),
    lambda t: init.xavier_normal_(t),
    lambda t: init.kaiming_uniform_(t, a=math.sqrt(5)),
    lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"),
    lambda t: init.orthogonal_(t, gain=0.5),
]


@pytest.mark.parametrize("k", range(len(FILLS)))
def test_random_fills_are_in_place_and_equal_on_every_backend(device, k):
    ag.manual_seed(3)
    t = ag.zeros(6, 4, device=device, requires_grad=True)
    assert FILLS[k](t) is t and t.requires_grad and t.grad_fn is None
    ag.manual_seed(3)
    ref = FILLS[k](ag.zeros(6, 4))
    np.testing.assert_allclose(to_numpy(t), to_numpy(ref), rtol=1e-6, atol=1e-7)


def test_distribution_moments():
    ag.manual_seed(0)
    t = ag.empty(200, 100)
    fan_in, fan_out = 100, 200
    x = to_numpy(init.kaiming_uniform_(t, a=0, nonlinearity="relu"))
    bound = math.sqrt(2.0) * math.sqrt(3.0 / fan_in)
    assert np.abs(x).max() <= bound and abs(x.std() - bound / math.sqrt(3)) < 0.02 * bound
    x = to_numpy(init.kaiming_normal_(t, nonlinearity="relu"))
    assert abs(x.std() - math.sqrt(2.0 / fan_in)) < 0.02 * math.sqrt(2.0 / fan_in)
    x = to_numpy(init.xavier_uniform_(t))
    assert np.abs(x).max() <= math.sqrt(6.0 / (fan_in + fan_out))
    x = to_numpy(init.trunc_normal_(t, mean=0.5, std=1.0, a=-0.5, b=1.0))
    assert x.min() >= -0.5 and x.max() <= 1.0 and abs(x.mean() - 0.3) < 0.05
    x = to_numpy(init.normal_(t, 2.0, 0.5))
    assert abs(x.mean() - 2.0) < 0.01 and abs(x.std() - 0.5) < 0.01


def test_trunc_normal_matches_scipy_moments():
    ag.manual_seed(1)
    x = to_numpy(init.trunc_normal_(ag.empty(100_000, dtype=ag.float64)))
    # N(0, 1) truncated to [-2, 2]: variance 1 - 4 phi(2) / (2 Phi(2) - 1)
    phi2 = math.exp(-2.0) / math.sqrt(2 * math.pi)
    var = 1 - 4 * phi2 / math.erf(2 / math.sqrt(2))
    assert abs(x.var() - var) < 0.01 and abs(x.mean()) < 0.01


def test_orthogonal_rows_or_columns_are_orthonormal(device):
    for shape in [(5, 3), (3, 5), (4, 2, 3)]:
        w = to_numpy(init.orthogonal_(ag.empty(*shape, device=device))).reshape(shape[0], -1)
        small = w.T @ w if w.shape[0] >= w.shape[1] else w @ w.T
        np.testing.assert_allclose(small, np.eye(small.shape[0]), atol=1e-5)


def test_constant_ones_zeros_eye_dirac(device):
    t = ag.empty(3, 4, device=device)
    assert float(init.constant_(t, 0.25).sum()) == 3.0
    assert float(init.ones_(t).sum()) == 12.0 and float(init.zeros_(t).abs().sum()) == 0.0
    np.testing.assert_array_equal(to_numpy(init.eye_(t)), np.eye(3, 4))
    w = to_numpy(init.dirac_(ag.full((4, 2, 3, 3), float("nan"), device=device), groups=2))
    expected = np.zeros((4, 2, 3, 3))
    for g in range(2):
        for d in range(2):
            expected[g * 2 + d, d, 1, 1] = 1
    np.testing.assert_array_equal(w, expected)


def test_eye_overwrites_non_finite_values():
    t = ag.full((2, 2), float("inf"))
    np.testing.assert_array_equal(to_numpy(init.eye_(t)), np.eye(2))


def test_calculate_gain_and_fans_match_pytorch(torch):
    for name in ["linear", "conv2d", "sigmoid", "tanh", "relu", "selu", "leaky_relu"]:
        assert init.calculate_gain(name) == pytest.approx(torch.nn.init.calculate_gain(name))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(
        torch.nn.init.calculate_gain("leaky_relu", 0.2))
    for shape in [(4, 3), (8, 4, 3, 3), (2, 5, 7)]:
        assert init._calculate_fan_in_and_fan_out(ag.empty(*shape)) == \
            torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))


def test_errors_as_pytorch():
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        init.calculate_gain("foo")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(ag.empty(3))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(ag.empty(3, 3), mode="fan_avg")
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions"):
        init.eye_(ag.empty(2, 2, 2))
    with pytest.raises(ValueError, match="3, 4, or 5 dimensions"):
        init.dirac_(ag.empty(2, 2))
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(ag.empty(3))
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_uniform_(ag.empty(0, 3))
    with pytest.warns(UserWarning, match="more than 2 std"):
        init.trunc_normal_(ag.empty(3), mean=10.0)
