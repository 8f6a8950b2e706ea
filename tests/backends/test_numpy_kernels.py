"""NumPy's pooling and relu-backward kernels against the generic array-API forms they replace:
max_pool against argmax/max over the windows (NaN, infinities, ties, overlapping and dilated
windows, either memory order of batch and channels), max_pool_backward against NumPy's fold of
the one-hot windows,
threshold_backward bit for bit against where(out <= 0, 0, g)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from arraygrad.backends.numpy import NumpyBackend
from arraygrad.nn.functional import _conv

NP = NumpyBackend()


def _generic(x, ks, st, dl, outs):
    """(max, PyTorch's argmax) over the generic windows (N, prod(ks), C, *outs)."""
    w = _conv._unfold(NP.K, x, ks, st, dl, outs).copy()  # the fast unfold's view, copied
    w = w.reshape((x.shape[0], math.prod(ks), x.shape[1]) + tuple(outs))
    idx = w.argmax(axis=1)
    nan = np.isnan(w)  # PyTorch's rule: a window with NaNs points at its last NaN
    last = w.shape[1] - 1 - np.flip(nan, axis=1).argmax(axis=1)
    return w.max(axis=1), np.where(nan.any(axis=1), last, idx)


def _special_input(shape, dtype, seed):
    """Rounded normals (ties in most windows) with NaNs, +-inf and signed zeros sprinkled in."""
    rng = np.random.default_rng(seed)
    x = np.round(rng.standard_normal(shape))
    flat = x.reshape(-1)
    pos = rng.permutation(flat.size)
    flat[pos[:6]] = np.nan
    flat[pos[6:10]] = np.inf
    flat[pos[10:14]] = -np.inf
    flat[pos[14:20]] = -0.0
    return x.astype(dtype)


GEOMETRIES = [  # (spatial, ks, st, dl)
    ((8, 6), (2, 2), (2, 2), (1, 1)),  # tiling
    ((7, 9), (2, 3), (2, 3), (1, 1)),  # tiling with a remainder
    ((7, 9), (3, 2), (2, 1), (1, 1)),  # overlapping
    ((9, 8), (2, 2), (1, 2), (2, 1)),  # dilated
    ((10,), (3,), (2,), (1,)),
    ((4, 5, 6), (2, 2, 3), (2, 1, 3), (1, 1, 1)),
    ((13, 12), (12, 11), (1, 1), (1, 1)),  # 132 offsets: int64 offsets
]


@pytest.mark.parametrize("geom", GEOMETRIES, ids=lambda g: f"{g[0]}-{g[1]}-{g[2]}-{g[3]}")
@pytest.mark.parametrize("channels_outer", [False, True])
def test_max_pool_kernel_matches_argmax_and_max(geom, channels_outer):
    sp, ks, st, dl = geom
    outs = tuple((L - d * (k - 1) - 1) // s + 1 for L, k, s, d in zip(sp, ks, st, dl, strict=True))
    x = _special_input((3, 4) + sp, np.float64, seed=len(sp) + ks[0])
    if channels_outer:  # a convolution's output: (N, C) viewed over (C, N) memory
        x = np.ascontiguousarray(np.swapaxes(x, 0, 1)).swapaxes(0, 1)
    val, idx = NP.max_pool(x, ks, st, dl, outs)
    want_val, want_idx = _generic(x, ks, st, dl, outs)
    assert idx.dtype == (np.int8 if math.prod(ks) < 128 else np.int64)
    np.testing.assert_array_equal(idx, want_idx)
    np.testing.assert_array_equal(val, want_val)  # NaN == NaN here; -0.0 == 0.0
    g = np.random.default_rng(5).standard_normal(val.shape)
    got = NP.max_pool_backward(idx, g, ks, st, dl, sp)
    onehot = (np.expand_dims(want_idx, 1) == np.arange(math.prod(ks)).reshape(
        (1, -1) + (1,) * (len(ks) + 1)))
    cols = (onehot * np.expand_dims(g, 1)).reshape((3,) + ks + (4,) + outs)
    # NumPy's fold (what the pooling backward used) sums overlaps in the same order
    np.testing.assert_array_equal(got, NP.conv_fold(cols, ks, st, dl, sp))


def test_max_pool_kernel_float32_all_ties_pick_the_first_offset():
    x = np.zeros((2, 3, 4, 4), np.float32)
    val, idx = NP.max_pool(x, (2, 2), (2, 2), (1, 1), (2, 2))
    assert val.dtype == np.float32 and not idx.any()


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_threshold_backward_is_where_bit_for_bit(dtype):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 5, 7)).astype(dtype)
    x.reshape(-1)[:8] = [np.nan, -0.0, 0.0, np.inf, -np.inf, np.nan, 0.0, -1.0]
    out = np.maximum(x, 0).transpose(1, 0, 2)  # a transposed layout, as after a convolution
    g = rng.standard_normal(out.shape).astype(dtype)
    g.reshape(-1)[:8] = [1.0, np.inf, np.nan, -np.inf, np.nan, -2.0, -0.0, 3.0]
    want = np.where(out <= 0, np.zeros_like(g), g)
    got = NP.threshold_backward(g, out)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got.view(f"u{got.itemsize}"), want.view(f"u{got.itemsize}"))
    assert NP.threshold_backward(g[0, 0, 0, ...], out[0, 0, 0, ...]).shape == ()  # 0-d arrays
