"""The backends' scatter-add and index-add kernels (base.py's generic segment sum, Dask's
block-wise kernel, NumPy's add.at) against np.add.at, and the generic one's memory bound."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import arraygrad as ag


def _on(device, a):
    dev = ag.device(device)
    return dev.backend.from_numpy(np.asarray(a), dev.native)


@pytest.mark.parametrize("shape,axis", [((7, 3), 0), ((7, 3), 1), ((4, 5, 2), 1), ((6,), 0)])
def test_index_add_matches_numpy_add_at(device, shape, axis):
    rng = np.random.default_rng(1)
    t = rng.standard_normal(shape)
    idx = rng.integers(0, shape[axis], 9)
    idx[:3] = idx[0]  # repeats accumulate
    src = rng.standard_normal(shape[:axis] + (9,) + shape[axis + 1:])
    expect = t.copy()
    np.add.at(np.moveaxis(expect, axis, 0), idx, np.moveaxis(src, axis, 0))
    dev = ag.device(device)
    out = dev.K.index_add(_on(device, t), axis, _on(device, idx), _on(device, src))
    np.testing.assert_allclose(dev.backend.to_numpy(out), expect, rtol=1e-12)


def test_index_add_with_no_indices_returns_target(device):
    dev = ag.device(device)
    t = np.arange(6.0).reshape(3, 2)
    out = dev.K.index_add(_on(device, t), 0, _on(device, np.zeros(0, np.int64)),
                          _on(device, np.zeros((0, 2))))
    np.testing.assert_array_equal(dev.backend.to_numpy(out), t)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_scatter_add_matches_numpy_add_at(device, axis):
    rng = np.random.default_rng(2)
    t = rng.standard_normal((4, 5, 3))
    ishape = [3, 4, 2]
    ishape[axis] = 6
    index = rng.integers(0, t.shape[axis], ishape)
    src = rng.standard_normal([s + 1 for s in ishape])  # larger than index: only its part is read
    expect = t.copy()
    grids = list(np.indices(index.shape, sparse=True))
    grids[axis] = index
    np.add.at(expect, tuple(grids), src[tuple(slice(0, s) for s in ishape)])
    dev = ag.device(device)
    out = dev.K.scatter_add(_on(device, t), axis, _on(device, index), _on(device, src))
    np.testing.assert_allclose(dev.backend.to_numpy(out), expect, rtol=1e-12)


@pytest.mark.parametrize("device_name", ["array_api_strict", "dask"])
def test_index_backward_memory_is_proportional_to_the_data(device_name):
    # x 40,000 x 4 float32 (0.64 MB), 2,000 indices: the one-hot fallback took 400 MB here
    if device_name not in ag.backends.available():
        pytest.skip(f"{device_name} is not installed")
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((40_000, 4)).astype(np.float32), device=device_name,
                  requires_grad=True)
    idx_host = rng.integers(0, 40_000, 2_000)
    idx = ag.tensor(idx_host, device=device_name)
    tracemalloc.start()
    x[idx].sum().backward()
    grad = x.grad.cpu().numpy()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    expect = np.zeros((40_000, 4), np.float32)
    np.add.at(expect, idx_host, 1.0)
    np.testing.assert_array_equal(grad, expect)
    assert peak < 20e6, f"peak {peak / 1e6:.1f} MB"
