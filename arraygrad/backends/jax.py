"""JAX backend (device "jax"): `jax.numpy`, which implements the array API itself.

JAX arrays are immutable, so in-place updates take the functional path of the views engine (as on
Dask and array-api-strict). float64 and int64 exist only when `jax_enable_x64` is on before the
backend loads (the dtype tables say so; the default integer is int32 otherwise, as on
array-api-strict's `no_x64` device). Random numbers come from the shared host stream, so a seed
gives the same values as on every other backend; with `native_random = True` (this module's flag,
as `torch.backends.cudnn.benchmark` is torch's) they are drawn with `jax.random` from the
generator's seed and a counter of native draws instead: other values than NumPy's, no host
round trip, and inside `ag.compile` the counter is traced state, so dropout compiles.
Scatter-add is XLA's `.at[].add`. Inside `jax.jit` the arrays are tracers: `ag.compile` runs the
same engine over them (arraygrad/compile.py).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..core import dtypes as _dt
from .base import Backend

# draw random numbers with jax.random (True) or from the shared host stream (False, the default)
native_random = False


def use_native_random(enabled: bool = True) -> None:
    """Switches the JAX backend's random numbers to `jax.random` (True) or back to the shared
    host stream (False); the same as setting `arraygrad.backends.jax.native_random`."""
    global native_random
    native_random = bool(enabled)


class TracedValueError(RuntimeError):
    """A host read (`.item()`, `bool(t)`, `.numpy()`, printing) of an array that `jax.jit` is
    tracing: it has no value yet (ag.compile reports it as a graph break)."""


class JaxBackend(Backend):
    device_type = "jax"
    inplace = False
    array_type = jax.Array

    def __init__(self):
        super().__init__("jax", jnp, "jax")
        self._keys: dict = {}  # seed -> its base key (jax.random)

    # ---- dtypes: what this process's x64 flag allows ------------------------------------------
    @staticmethod
    def x64() -> bool:
        """Whether `jax_enable_x64` is on (float64, int64, complex128 exist only then)."""
        return bool(jax.config.jax_enable_x64)

    def dtype_table(self, native_device):
        key = (native_device, self.x64())
        hit = self._dtype_cache.get(key)
        if hit is not None:
            return hit
        names = set(self._info.dtypes(device=native_device))
        to_native, to_ag = {}, {}
        for d in _dt.ALL:
            if d.name in names:
                nd = jnp.dtype(d.name)
                to_native[d], to_ag[nd] = nd, d
        # the standard's list has no float16, but XLA has it and PyTorch users expect `half()`
        to_native.setdefault(_dt.float16, jnp.dtype("float16"))
        to_ag.setdefault(jnp.dtype("float16"), _dt.float16)
        self._dtype_cache[key] = (to_native, to_ag)
        return to_native, to_ag

    def default_dtypes(self, native_device) -> dict:
        # PyTorch's float32 default even when x64 is on (JAX's own default then is float64)
        d = dict(self._info.default_dtypes(device=native_device))
        d["real floating"], d["complex floating"] = jnp.dtype("float32"), jnp.dtype("complex64")
        return d

    # ---- devices -------------------------------------------------------------------------------
    def default_native_device(self):
        return jax.devices()[0]

    def native_devices(self):
        return list(jax.devices())

    def native_device(self, index):
        devs = self.native_devices()
        if index is None:
            return devs[0]
        if isinstance(index, int) and 0 <= index < len(devs):
            return devs[index]
        raise RuntimeError(f"jax has no device {index!r}; its devices are "
                           f"{list(range(len(devs)))} ({[str(d) for d in devs]})")

    def index_of(self, native):
        devs = self.native_devices()
        return None if len(devs) <= 1 else devs.index(native)

    def device_of(self, arr):
        if isinstance(arr, jax.core.Tracer):
            return self.default_native_device()  # a tracer has no committed device
        try:
            return next(iter(arr.devices()))
        except Exception:
            return self.default_native_device()

    def move(self, arr, native):
        return jax.device_put(arr, native)

    # ---- data in and out -----------------------------------------------------------------------
    def fix(self, arr):
        return arr if isinstance(arr, jax.Array) else jnp.asarray(arr)

    def asarray(self, obj, dtype=None, native_device=None):
        arr = jnp.asarray(obj, dtype=dtype)
        return arr if native_device is None else jax.device_put(arr, native_device)

    def from_numpy(self, host, native_device=None):
        """Host data as a JAX array; without x64, 64-bit data becomes 32-bit, as `jnp.asarray`
        makes it (the caller's requested dtype, float32 by default, decides the rest)."""
        host = np.asarray(host)
        if not self.x64() and host.dtype.itemsize == 8 and host.dtype.kind in "fiu":
            host = host.astype(host.dtype.kind + "4")
        elif not self.x64() and host.dtype == np.complex128:
            host = host.astype(np.complex64)
        return jax.device_put(host, native_device or self.default_native_device())

    def to_numpy(self, arr):
        if isinstance(arr, jax.core.Tracer):
            raise _concrete_error("to_numpy")
        return np.asarray(arr)

    # ---- random numbers: jax.random keyed by the generator's seed and native counter ------------
    @property
    def native_random_enabled(self) -> bool:
        """Whether draws for this backend use jax.random (the module's `native_random` flag)."""
        return native_random

    def random(self, gen, kind: str, args: tuple, native_device=None):
        """One draw of `kind` (Generator._draw's kinds and arguments) from jax.random: key =
        fold_in(key(seed), counter), counter += 1, so a seed and a counter define every draw and
        the counter can be a traced input of a compiled program."""
        seed = gen.initial_seed()
        base = self._keys.get(seed)
        if base is None:
            base = jax.random.fold_in(jax.random.key(seed & 0xFFFFFFFF), seed >> 32)
            self._keys[seed] = base
        n = gen._native
        gen._native = n + 1
        out = _DRAWS[kind](base, n, *args)
        return out if native_device is None or self.is_traced(out) else \
            jax.device_put(out, native_device)

    # ---- compiling (ag.compile, arraygrad/core/compile.py) --------------------------------------
    def jit(self, fn):
        """fn (a pure function of nested lists of arrays) compiled by `jax.jit`."""
        return jax.jit(fn)

    def is_traced(self, arr) -> bool:
        """Whether arr is a tracer of a function being compiled (it has no value yet)."""
        return isinstance(arr, jax.core.Tracer)

    # errors that mean "this op needs a concrete value": a graph break for ag.compile
    graph_break_errors = (jax.errors.ConcretizationTypeError,
                          jax.errors.TracerArrayConversionError,
                          jax.errors.TracerIntegerConversionError,
                          jax.errors.NonConcreteBooleanIndexError, TracedValueError)

    def owns(self, arr) -> bool:
        return True  # immutable: nobody can change an array another tensor holds

    # ---- kernels: XLA's scatter for the scatter-add family ------------------------------------
    def scatter_add(self, target, axis, index, src):
        src = src[tuple(slice(0, s) for s in index.shape)]
        grids = list(jnp.indices(index.shape, sparse=True))
        grids[axis] = index
        return target.at[tuple(grids)].add(src.astype(target.dtype))

    def index_add(self, target, axis, index, src):
        moved = jnp.moveaxis(target, axis, 0)
        out = moved.at[index].add(jnp.moveaxis(src, axis, 0).astype(target.dtype))
        return jnp.moveaxis(out, 0, axis)

    def erf(self, x):
        return jax.scipy.special.erf(x)

    def scan(self, body, carry, xs, reverse: bool = False):
        """`jax.lax.scan`: body(carry, x) -> (carry, y) over xs' leading axis, ys stacked (in
        xs' order when reverse); recurrent layers loop through it, so XLA compiles one step
        instead of the unrolled sequence."""
        return jax.lax.scan(body, carry, xs, reverse=reverse)


def _dtype(name: str):
    """The JAX dtype a draw of dtype `name` gets (64-bit types narrowed when x64 is off, as
    `from_numpy` narrows host data)."""
    d = jnp.dtype(name)
    if not jax.config.jax_enable_x64 and d.itemsize == 8 and d.kind in "fiu":
        return jnp.dtype(d.kind + "4")
    if not jax.config.jax_enable_x64 and d == jnp.complex128:
        return jnp.dtype("complex64")
    return d


def _normal(key, shape, dtype, mean=0.0, std=1.0):
    return (jax.random.normal(key, shape, _dtype(dtype)) * std + mean).astype(_dtype(dtype))


def _uniform(key, shape, dtype, low=0.0, high=1.0):
    return jax.random.uniform(key, shape, _dtype(dtype), minval=low, maxval=high)


def _integers(key, low, high, shape, dtype):
    d = _dtype(dtype)
    wide = d if d.kind in "iu" and d.itemsize >= 4 else jnp.dtype("int32")
    return jax.random.randint(key, shape, low, high, wide).astype(d)


def _permutation(key, n, dtype):
    return jax.random.permutation(key, n).astype(_dtype(dtype))


def _exponential(key, shape, dtype, lambd=1.0):
    return (jax.random.exponential(key, shape, _dtype(dtype)) / lambd).astype(_dtype(dtype))


def _bernoulli(key, p, dtype, shape=None):
    p = jnp.asarray(p)
    shape = p.shape if shape is None else shape
    u = jax.random.uniform(key, shape, p.dtype if p.dtype.kind == "f" else jnp.float32)
    return (u < p).astype(_dtype(dtype))


def _keyed(draw, static: tuple):
    """draw(key, *args) as one jitted program of (base key, counter, *args): fold_in and the
    draw compile together once per shape and dtype (eager JAX would compile each op)."""
    def fn(base, n, *args):
        return draw(jax.random.fold_in(base, n), *args)

    return jax.jit(fn, static_argnums=tuple(i + 2 for i in static))


_DRAWS = {"normal": _keyed(_normal, (0, 1)), "uniform": _keyed(_uniform, (0, 1)),
          "integers": _keyed(_integers, (2, 3)), "permutation": _keyed(_permutation, (0, 1)),
          "exponential": _keyed(_exponential, (0, 1)), "bernoulli": _keyed(_bernoulli, (1, 2))}


def _concrete_error(op: str) -> Exception:
    return TracedValueError(f"{op}() needs concrete values, but this tensor is being traced by "
                            "ag.compile (jax.jit): move the read out of the compiled function, "
                            "or compile with fullgraph=False to run such a step eagerly")


def load() -> JaxBackend:
    return JaxBackend()


__all__ = ["JaxBackend", "TracedValueError", "native_random", "use_native_random"]
