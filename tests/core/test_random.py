"""Random numbers: the same values on every backend for a seed, repeatable streams, Generators."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag

_DRAWS = {
    "randn": lambda dev: ag.randn(3, 4, device=dev),
    "rand": lambda dev: ag.rand(7, dtype=ag.float64, device=dev),
    "randint": lambda dev: ag.randint(-5, 50, (9,), dtype=ag.int32, device=dev),
    "randperm": lambda dev: ag.randperm(12, dtype=ag.int32, device=dev),
    "normal": lambda dev: ag.normal(1.0, 3.0, (5,), device=dev),
    "bernoulli": lambda dev: ag.bernoulli(ag.full((8,), 0.5, device=dev)),
}


@pytest.mark.parametrize("draw", sorted(_DRAWS))
def test_same_seed_gives_identical_values_on_every_backend(device, draw):
    ag.manual_seed(1234)
    ref = _DRAWS[draw]("cpu").numpy()
    ag.manual_seed(1234)
    out = _DRAWS[draw](device)
    assert out.device == device
    np.testing.assert_array_equal(out.numpy(), ref)  # bit for bit


def test_manual_seed_repeats_the_sequence(device):
    ag.manual_seed(7)
    first = [ag.randn(3, device=device).numpy() for _ in range(3)]
    ag.manual_seed(7)
    second = [ag.randn(3, device=device).numpy() for _ in range(3)]
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], first[1])


def test_different_seeds_differ():
    ag.manual_seed(1)
    a = ag.rand(8).numpy()
    ag.manual_seed(2)
    assert not np.array_equal(a, ag.rand(8).numpy())


def test_initial_seed_reports_the_seed():
    ag.manual_seed(99)
    assert ag.initial_seed() == 99


def test_seed_reseeds_nondeterministically():
    s = ag.seed()
    assert ag.initial_seed() == s


def test_uniform_draws_lie_in_unit_interval():
    v = ag.rand(10_000, dtype=ag.float64).numpy()
    assert v.min() >= 0.0 and v.max() < 1.0 and abs(v.mean() - 0.5) < 0.02


def test_normal_draws_have_unit_variance():
    v = ag.randn(20_000, dtype=ag.float64).numpy()
    assert abs(v.mean()) < 0.03 and abs(v.std() - 1.0) < 0.03


def test_generator_is_independent_of_the_default():
    ag.manual_seed(5)
    expected = ag.randn(4).numpy()
    ag.manual_seed(5)
    g = ag.Generator().manual_seed(123)
    ag.randn(3, generator=g)
    np.testing.assert_array_equal(ag.randn(4).numpy(), expected)


def test_generators_with_the_same_seed_agree(device):
    g1, g2 = ag.Generator().manual_seed(42), ag.Generator().manual_seed(42)
    np.testing.assert_array_equal(ag.randn(5, generator=g1, device=device).numpy(),
                                  ag.randn(5, generator=g2).numpy())
    assert g1.initial_seed() == 42


def test_generator_seeded_like_default_gives_the_default_stream():
    ag.manual_seed(17)
    a = ag.rand(6).numpy()
    g = ag.Generator().manual_seed(17)
    np.testing.assert_array_equal(ag.rand(6, generator=g).numpy(), a)


def test_rng_state_roundtrip_replays_draws(device):
    ag.manual_seed(3)
    ag.randn(5)  # move away from the seed's start
    state = ag.get_rng_state()
    a = ag.randn(7, device=device).numpy()
    ag.randn(3)
    ag.set_rng_state(state)
    np.testing.assert_array_equal(ag.randn(7, device=device).numpy(), a)


def test_rng_state_is_a_uint8_tensor():
    s = ag.get_rng_state()
    assert isinstance(s, ag.Tensor) and s.dtype is ag.uint8 and s.ndim == 1


def test_rng_state_restores_mid_buffer_state():
    ag.manual_seed(8)
    ag.randint(0, 10, (3,))  # leaves part of Philox's buffer used
    g_state = ag.get_rng_state()
    a = ag.randint(0, 1000, (5,)).tolist()
    ag.set_rng_state(g_state)
    assert ag.randint(0, 1000, (5,)).tolist() == a


def test_generator_state_roundtrip():
    g = ag.Generator().manual_seed(10)
    st = g.get_state()
    a = ag.rand(4, generator=g).numpy()
    g.set_state(st)
    np.testing.assert_array_equal(ag.rand(4, generator=g).numpy(), a)


def test_set_rng_state_rejects_wrong_size():
    with pytest.raises(RuntimeError, match="expected a state of 120 bytes"):
        ag.set_rng_state(ag.tensor([1, 2, 3], dtype=ag.uint8))


def test_set_rng_state_rejects_non_uint8():
    with pytest.raises(TypeError, match="uint8"):
        ag.set_rng_state(ag.get_rng_state().to(ag.int64))


def test_random_float64_and_float32_come_from_the_same_stream():
    ag.manual_seed(21)
    a = ag.randn(5, dtype=ag.float64).numpy()
    ag.manual_seed(21)
    np.testing.assert_array_equal(ag.randn(5).numpy(), a.astype(np.float32))
