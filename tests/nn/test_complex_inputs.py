"""nn functions whose fused backward is written for real numbers refuse complex inputs (with
PyTorch's "not implemented for 'ComplexDouble'" where PyTorch has no complex kernel either)
instead of returning a silently wrong gradient; linear, conv and pad differentiate them."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
import arraygrad.nn.functional as F


def _z(*shape):
    rng = np.random.default_rng(0)
    v = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    return ag.tensor(v, dtype=ag.complex128, requires_grad=True)


@pytest.mark.parametrize("call", [
    lambda: F.layer_norm(_z(2, 4), (4,)),
    lambda: F.batch_norm(_z(3, 4), None, None, training=True),
    lambda: F.group_norm(_z(2, 4, 3), 2),
    lambda: F.instance_norm(_z(2, 2, 3)),
    lambda: F.scaled_dot_product_attention(_z(1, 2, 3), _z(1, 2, 3), _z(1, 2, 3)),
    lambda: F.avg_pool1d(_z(1, 1, 4), 2),
    lambda: F.max_pool2d(_z(1, 1, 4, 4), 2),
    lambda: F.adaptive_avg_pool2d(_z(1, 1, 4, 4), 2),
    lambda: F.interpolate(_z(1, 1, 3), scale_factor=2),
], ids=["layer_norm", "batch_norm", "group_norm", "instance_norm", "sdpa", "avg_pool1d",
        "max_pool2d", "adaptive_avg_pool2d", "interpolate"])
def test_no_complex_kernel_raises_pytorchs_error(call):
    with pytest.raises(RuntimeError, match="not implemented for 'ComplexDouble'"):
        call()


@pytest.mark.parametrize("call", [
    lambda: ag.nn.LSTM(3, 2, dtype=ag.complex128)(_z(4, 1, 3)),
    lambda: ag.nn.GRU(3, 2, dtype=ag.complex128)(_z(4, 1, 3)),
    lambda: ag.nn.LSTMCell(3, 2, dtype=ag.complex128)(_z(1, 3)),
    lambda: F.embedding(ag.tensor([0, 1]), _z(3, 2)),
], ids=["LSTM", "GRU", "LSTMCell", "embedding"])
def test_real_only_backward_refuses_complex_grad(call):
    with pytest.raises(RuntimeError, match="derivative for complex input"):
        call()
