"""Dropout: the drop rate and 1/(1-p) scaling, whole-channel masks, the gradient through the
mask, eval mode and p=0/1, the same mask on every backend for the same seed, alpha dropout's
preserved statistics, errors."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.nn.functional as F
from tests._gradients import to_numpy


def test_dropout_rate_scaling_and_gradient(device):
    x = ag.ones(200, 100, device=device, requires_grad=True)
    y = F.dropout(x, 0.3)
    y.sum().backward()
    got = to_numpy(y)
    assert abs((got == 0).mean() - 0.3) < 0.02
    np.testing.assert_allclose(np.unique(got), [0.0, 1 / 0.7], rtol=1e-6)
    np.testing.assert_array_equal(to_numpy(x.grad), got)


def test_dropout_masks_are_the_same_on_every_backend(device):
    ag.manual_seed(3)
    got = to_numpy(F.dropout(ag.ones(50, device=device), 0.5))
    ag.manual_seed(3)
    np.testing.assert_array_equal(got, to_numpy(F.dropout(ag.ones(50), 0.5)))


@pytest.mark.parametrize("fn,shape,lead", [(F.dropout1d, (4, 50, 3), 2),
                                           (F.dropout2d, (4, 50, 3, 3), 2),
                                           (F.dropout3d, (50, 2, 3, 3), 1)])  # unbatched
def test_feature_dropout_drops_whole_channels(fn, shape, lead):
    got = to_numpy(fn(ag.ones(*shape), 0.5))
    per_channel = got.reshape(shape[:lead] + (-1,))
    assert (per_channel.std(axis=-1) == 0).all()
    assert 0 < (per_channel[..., 0] == 0).mean() < 1


def test_eval_mode_and_extreme_probabilities():
    x = ag.randn(5, 4)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    np.testing.assert_array_equal(to_numpy(F.dropout(x, 1.0)), np.zeros((5, 4)))
    y = x.clone()
    assert F.dropout(y, 0.5, inplace=True) is y


def test_alpha_dropout_keeps_mean_and_variance():
    z = to_numpy(F.alpha_dropout(ag.randn(40000), 0.2, True))
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03
    z = to_numpy(F.feature_alpha_dropout(ag.randn(400, 100, 4), 0.2, True))
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.05


def test_dropout_rejects_bad_probability():
    with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
        F.dropout(ag.ones(3), 1.5)
    with pytest.raises(RuntimeError, match=r"dropout2d\(\): expected 3-D"):
        F.dropout2d(ag.ones(3, 4), 0.5)


@pytest.mark.parity
@pytest.mark.parametrize("name,shape", [("Dropout", (8, 9)), ("Dropout1d", (8, 3, 4)),
                                        ("Dropout2d", (8, 3, 4, 4)),
                                        ("Dropout3d", (8, 3, 4, 4, 4)), ("AlphaDropout", (8, 9)),
                                        ("FeatureAlphaDropout", (8, 3, 4))])
def test_dropout_modules_repr_and_eval_mode(torch, name, shape):
    tm, am = getattr(torch.nn, name)(0.2), getattr(ag.nn, name)(0.2)
    assert repr(am) == repr(tm)
    x = ag.randn(*shape)
    assert am.eval()(x) is x
    y = to_numpy(am.train()(x))
    assert y.shape == shape and not np.array_equal(y, to_numpy(x))
    with pytest.raises(ValueError, match="between 0 and 1"):
        getattr(ag.nn, name)(-0.1)
