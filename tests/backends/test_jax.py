"""The jax backend (device "jax"): dtypes with and without x64, immutable arrays through the
functional in-place path, XLA scatter-add, moves, and training steps that match the NumPy
backend's from the same seed. Skips where JAX is not installed."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")

pytestmark = pytest.mark.skipif(jax.config.jax_enable_x64,
                                reason="these tests state the default (x64 off) dtype tables")


def test_zeros_on_jax_device_is_a_float32_jax_array():
    x = ag.zeros(3, device="jax")
    assert x.device == ag.device("jax") and x.device.type == "jax"
    assert x.dtype == ag.float32
    assert isinstance(x._data, jax.Array)
    assert "device='jax'" in repr(x)


def test_without_x64_the_default_int_is_int32_and_float64_is_refused():
    dev = ag.device("jax")
    assert dev.default_int == ag.int32
    assert ag.arange(4, device="jax").dtype == ag.int32
    assert ag.float64 not in dev.to_native and ag.int64 not in dev.to_native
    with pytest.raises(TypeError, match="float64"):
        ag.zeros(2, dtype=ag.float64, device="jax")
    assert ag.tensor(np.zeros(2), device="jax").dtype == ag.float32  # as jnp.asarray does


def test_with_x64_the_tables_have_float64_and_int64_and_float32_stays_default():
    be = ag.device("jax").backend
    native = be.default_native_device()
    jax.config.update("jax_enable_x64", True)
    try:
        to_native, _ = be.dtype_table(native)
        defaults = be.default_dtypes(native)
        host = be.from_numpy(np.arange(3.0))
    finally:
        jax.config.update("jax_enable_x64", False)
    assert ag.float64 in to_native and ag.int64 in to_native and ag.complex128 in to_native
    assert defaults["real floating"] == jnp.float32 and defaults["integral"] == jnp.int64
    assert host.dtype == jnp.float64
    assert ag.float64 not in be.dtype_table(native)[0]  # the table follows the flag


def test_inplace_on_a_view_writes_back_into_the_base():
    base = ag.arange(6, dtype=ag.float32, device="jax").reshape(2, 3)
    row = base[1]
    row.mul_(10)
    base[0, 1:] += 1
    np.testing.assert_array_equal(base.numpy(), [[0, 2, 3], [30, 40, 50]])
    np.testing.assert_array_equal(row.numpy(), [30, 40, 50])


def test_scatter_add_kernels_accumulate_duplicates_like_numpy():
    be = ag.device("jax").backend
    ref = ag.device("cpu").backend
    t = np.arange(12, dtype=np.float32).reshape(3, 4)
    idx = np.array([0, 2, 0, 0], dtype=np.int32)
    src = np.ones((4, 4), dtype=np.float32)
    got = be.index_add(jnp.asarray(t), 0, jnp.asarray(idx), jnp.asarray(src))
    np.testing.assert_array_equal(np.asarray(got), ref.index_add(t, 0, idx, src))
    sidx = np.array([[0, 0, 1, 1], [2, 2, 2, 2]], dtype=np.int32)
    got = be.scatter_add(jnp.asarray(t), 1, jnp.asarray(sidx), jnp.asarray(src[:2]))
    np.testing.assert_array_equal(np.asarray(got), ref.scatter_add(t, 1, sidx, src[:2]))


def test_embedding_backward_matches_numpy():
    grads = []
    for dev in ("cpu", "jax"):
        ag.manual_seed(1)
        emb = ag.nn.Embedding(5, 3).to(dev)
        idx = ag.tensor([0, 4, 0, 2], device=dev)
        (emb(idx) ** 2).sum().backward()
        grads.append(emb.weight.grad.numpy())
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-6)


def test_moves_between_cpu_and_jax_keep_values():
    x = ag.randn(2, 3)
    y = x.to("jax")
    assert y.device.type == "jax"
    np.testing.assert_array_equal(y.cpu().numpy(), x.numpy())
    np.testing.assert_array_equal(ag.from_dlpack(y._data).cpu().numpy(), x.numpy())


def test_as_tensor_keeps_a_jax_array_and_a_tracer_on_jax():
    assert ag.as_tensor(jnp.ones(2)).device.type == "jax"

    def f(a):
        t = ag.as_tensor(a)
        assert t.device.type == "jax"
        return (t * 2).sum()._data

    assert float(jax.jit(f)(jnp.ones(3))) == 6.0


def test_random_draws_match_the_numpy_backend_for_a_seed():
    ag.manual_seed(3)
    a = ag.randn(4, device="jax")
    ag.manual_seed(3)
    b = ag.randn(4)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_mlp_adam_steps_match_numpy():
    losses = {}
    for dev in ("cpu", "jax"):
        ag.manual_seed(0)
        model = ag.nn.Sequential(ag.nn.Linear(4, 8), ag.nn.ReLU(), ag.nn.Linear(8, 3)).to(dev)
        opt = ag.optim.Adam(model.parameters(), lr=0.01)
        x = ag.randn(16, 4, device=dev)
        y = ag.randint(0, 3, (16,), device=dev)
        out = []
        for _ in range(2):
            loss = ag.nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            out.append(loss.item())
        losses[dev] = (out, model[0].weight.detach().cpu().numpy())
    np.testing.assert_allclose(losses["jax"][0], losses["cpu"][0], rtol=1e-5)
    np.testing.assert_allclose(losses["jax"][1], losses["cpu"][1], rtol=1e-5, atol=1e-6)


def test_host_reads_of_a_tracer_raise_a_clear_error():
    def f(a):
        return ag.as_tensor(a).sum().item()

    with pytest.raises(RuntimeError, match="traced"):
        jax.jit(f)(jnp.ones(2))


def test_lstm_through_lax_scan_matches_numpy_both_directions():
    res = {}
    for dev in ("cpu", "jax"):
        ag.manual_seed(0)
        lstm = ag.nn.LSTM(3, 4, batch_first=True, bidirectional=True).to(dev)
        x = ag.randn(2, 5, 3, device=dev, requires_grad=True)
        out, (h, c) = lstm(x)
        (out.pow(2).sum() + h.sum() + (c * 2).sum()).backward()
        res[dev] = [out.detach().numpy(), x.grad.numpy()] + [p.grad.numpy()
                                                             for p in lstm.parameters()]
    for a, b in zip(res["jax"], res["cpu"], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
