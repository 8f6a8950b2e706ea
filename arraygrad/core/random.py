"""Random numbers: `Generator` over a counter-based (Philox) stream drawn on the host, so that a
seed gives the same values on every backend; `manual_seed` seeds the default generator. A backend
with a native generator switched on (the JAX backend's `native_random`) draws on the device
instead, from the seed and a counter of native draws that the generator holds (`_native`)."""

from __future__ import annotations

import time

from ..backends.host import HostRandom

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
           "default_generator"]


_HOST_STATE = 14 * 8  # bytes of the host stream's state (Philox counter, key, buffer, seed)


class Generator:
    """A random stream (PyTorch's `torch.Generator`): `manual_seed`, `get_state`, `set_state`."""

    def __init__(self, device="cpu"):
        self.device = device
        self._host = HostRandom(67280421310721)
        # native draws since the seed: a Python int, or a backend's 0-d array once a compiled
        # program (ag.compile) has advanced it as traced state
        self._native = 0

    def manual_seed(self, seed: int) -> Generator:
        self._host.seed(int(seed))
        self._native = 0
        return self

    def seed(self) -> int:
        s = time.time_ns() & ((1 << 63) - 1)
        self._host.seed(s)
        self._native = 0
        return s

    def initial_seed(self) -> int:
        return self._host.initial_seed()

    def get_state(self):
        """The host stream's state and then the native draw counter (8 bytes, little-endian)."""
        from .creation import frombuffer_uint8

        return frombuffer_uint8(self._host.get_state() + int(self._native).to_bytes(8, "little"))

    def set_state(self, new_state) -> Generator:
        """Restores a state from get_state() (one without the native counter sets it to 0)."""
        from . import dtypes as _dt

        if getattr(new_state, "dtype", None) is not _dt.uint8:
            raise TypeError(f"set_state(): expected a uint8 tensor from get_state(), got "
                            f"{getattr(new_state, 'dtype', type(new_state).__name__)}")
        raw = bytes(new_state.numpy().tobytes())
        host, native = raw, 0
        if len(raw) == _HOST_STATE + 8:
            host, native = raw[:_HOST_STATE], int.from_bytes(raw[_HOST_STATE:], "little")
        elif len(raw) != _HOST_STATE:
            raise RuntimeError(f"set_state(): expected a state of {_HOST_STATE + 8} bytes (from "
                               f"get_state()), got {len(raw)}")
        self._host.set_state(host)
        self._native = native
        return self

    def _draw(self, dev, kind: str, *args):
        """A backend array for device `dev`: `kind` ("normal", "uniform", "integers",
        "permutation", "exponential", "bernoulli") with the `_<kind>` method's arguments, drawn
        natively where the backend's generator is switched on, else on the host and moved."""
        be = dev.backend
        native = getattr(be, "native_random_enabled", False)
        if kind == "bernoulli" and hasattr(args[0], "_dev"):  # probabilities in a Tensor
            p = args[0].detach()
            args = (p._data if native else p.cpu().numpy(),) + args[1:]
        if native:
            return be.random(self, kind, args, dev.native)
        return be.from_numpy(getattr(self, "_" + kind)(*args), dev.native)

    # draws (host arrays; the caller moves them to the device)
    def _normal(self, shape, dtype_name, mean=0.0, std=1.0):
        return self._host.normal(shape, dtype_name, mean, std)

    def _uniform(self, shape, dtype_name, low=0.0, high=1.0):
        return self._host.uniform(shape, dtype_name, low, high)

    def _integers(self, low, high, shape, dtype_name):
        return self._host.integers(low, high, shape, dtype_name)

    def _permutation(self, n, dtype_name):
        return self._host.permutation(n, dtype_name)

    def _exponential(self, shape, dtype_name, lambd):
        return self._host.exponential(shape, dtype_name, lambd)

    def _bernoulli(self, p, dtype_name, shape=None):
        return self._host.bernoulli(p, dtype_name, shape)


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seeds the default generator: the same seed gives the same numbers on every backend."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    default_generator.set_state(new_state)
