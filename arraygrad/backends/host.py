"""NumPy as the host library: the counter-based random stream behind `arraygrad.Generator`
(Philox, drawn on the host so that every backend gets the same numbers for a seed), the
torch-like formatting of tensor values for `repr`, and the safetensors encoding of checkpoints."""

from __future__ import annotations

import numpy as np

__all__ = ["HostRandom", "format_values", "to_host", "pack_safetensors", "unpack_safetensors",
           "digest_array"]

_NP = {"float16": np.float16, "float32": np.float32, "float64": np.float64,
       "complex64": np.complex64, "complex128": np.complex128}


class HostRandom:
    """A Philox stream (counter-based: a seed and a counter fully define it)."""

    def __init__(self, seed: int = 0):
        self.seed(seed)

    def seed(self, seed: int) -> None:
        self._seed = int(seed) & ((1 << 64) - 1)
        self._bitgen = np.random.Philox(self._seed)
        self._gen = np.random.Generator(self._bitgen)

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> bytes:
        st = self._bitgen.state["state"]
        words = [int(w) for w in st["counter"]] + [int(w) for w in st["key"]]
        extra = self._bitgen.state
        vals = words + [int(extra["buffer_pos"]), int(extra["has_uint32"]), int(extra["uinteger"])]
        vals += [int(v) for v in extra["buffer"]]
        return np.asarray(vals + [self._seed], dtype=np.uint64).tobytes()

    def set_state(self, raw: bytes) -> None:
        v = np.frombuffer(raw, dtype=np.uint64)
        if v.size != 4 + 2 + 3 + 4 + 1:
            raise ValueError(f"set_state(): expected a state of {14 * 8} bytes, got {len(raw)}")
        st = self._bitgen.state
        st["state"]["counter"] = v[0:4].copy()
        st["state"]["key"] = v[4:6].copy()
        st["buffer_pos"], st["has_uint32"], st["uinteger"] = int(v[6]), int(v[7]), int(v[8])
        st["buffer"] = v[9:13].copy()
        self._bitgen.state = st
        self._seed = int(v[13])

    def normal(self, shape, dtype: str, mean=0.0, std=1.0):
        if dtype.startswith("complex"):
            re = self._gen.standard_normal(shape) * (std / np.sqrt(2))
            im = self._gen.standard_normal(shape) * (std / np.sqrt(2))
            return (re + 1j * im + mean).astype(_NP[dtype])
        out = self._gen.standard_normal(shape, dtype=np.float64)
        return (out * std + mean).astype(_NP[dtype])

    def uniform(self, shape, dtype: str, low=0.0, high=1.0):
        out = self._gen.random(shape, dtype=np.float64)
        return (out * (high - low) + low).astype(_NP[dtype])

    def integers(self, low: int, high: int, shape, dtype: str):
        return self._gen.integers(low, high, size=shape, dtype=np.int64).astype(dtype)

    def permutation(self, n: int, dtype: str):
        return self._gen.permutation(n).astype(dtype)

    def exponential(self, shape, dtype: str, lambd: float = 1.0):
        return (self._gen.standard_exponential(shape) / lambd).astype(dtype)

    def bernoulli(self, p, dtype: str):
        p = np.asarray(p, dtype=np.float64)
        return (self._gen.random(p.shape) < p).astype(dtype)


def _float_formatter(values: np.ndarray):
    finite = values[np.isfinite(values)] if values.size else values
    if finite.size and np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e8:
        return lambda v: f"{v:.0f}." if np.isfinite(v) else str(v)
    nz = np.abs(finite[finite != 0]) if finite.size else finite
    if nz.size and (nz.max() >= 1e8 or nz.min() < 1e-4):
        return lambda v: f"{v:.4e}"
    return lambda v: f"{v:.4f}" if np.isfinite(v) else str(v)


def format_values(values: np.ndarray, prefix: str = "tensor(") -> str:
    """Values as PyTorch prints them inside `tensor(...)`."""
    values = np.asarray(values)
    if values.dtype.kind == "f":
        fmt = _float_formatter(values.astype(np.float64))
        formatter = {"float_kind": fmt}
    elif values.dtype.kind == "c":
        formatter = {"complex_kind": lambda v: f"{v.real:.4f}{v.imag:+.4f}j"}
    else:
        formatter = None
    if values.ndim == 0:
        return formatter["float_kind"](values.item()) if values.dtype.kind == "f" else (
            formatter["complex_kind"](values.item()) if formatter else repr(values.item()))
    return np.array2string(values, separator=", ", formatter=formatter, threshold=1000,
                           edgeitems=3, prefix=prefix, max_line_width=80)


def to_host(obj, copy: bool = False) -> np.ndarray:
    """Any array-like (NumPy, CuPy, DLPack producers, nested lists) as a NumPy array."""
    if isinstance(obj, np.ndarray):
        return obj.copy() if copy else obj
    if type(obj).__module__.split(".")[0] == "cupy":
        return obj.get()
    if hasattr(obj, "__dlpack__"):
        try:
            out = np.from_dlpack(obj)
            return out.copy() if copy else out
        except Exception:
            pass
    return np.array(obj, copy=True) if copy else np.asarray(obj)


# ---- checkpoints (arraygrad.save / arraygrad.load) ---------------------------------------------
def _storable(arr: np.ndarray) -> np.ndarray:
    """arr as safetensors stores it: contiguous, little-endian; complex as (..., 2) reals, since
    safetensors has no complex128 (and complex64 only in recent versions)."""
    if not arr.flags.c_contiguous:  # (np.ascontiguousarray would make a 0-d array 1-d)
        arr = arr.copy(order="C")
    if arr.dtype.kind == "c":
        real = np.float64 if arr.dtype == np.complex128 else np.float32
        arr = arr.reshape(arr.shape + (1,)).view(real)  # (..., 1) complex -> (..., 2) reals
    return arr.astype(arr.dtype.newbyteorder("<"), copy=False)


def pack_safetensors(arrays: dict, metadata: dict) -> bytes:
    """The safetensors encoding of {name: host array} with string metadata."""
    from safetensors.numpy import save

    return save({k: _storable(v) for k, v in arrays.items()}, metadata=metadata)


def unpack_safetensors(raw: bytes, dtypes: dict) -> dict:
    """{name: writable host array} from safetensors bytes; `dtypes` names each array's dtype as
    saved (complex arrays were stored as pairs of reals). Raises ValueError on a malformed file."""
    from safetensors.numpy import load

    try:
        flat = load(raw)
    except Exception as e:  # SafetensorError is not a public name in every version
        raise ValueError(str(e)) from None
    out = {}
    for k, arr in flat.items():
        want = dtypes.get(k)
        if want is not None and want.startswith("complex"):
            if arr.ndim == 0 or arr.shape[-1] != 2:
                raise ValueError(f"tensor {k!r}: a complex tensor needs a last axis of 2 reals")
            arr = arr.copy(order="C").view(np.dtype(want)).reshape(arr.shape[:-1])
        if not arr.flags.writeable:
            arr = arr.copy()
        out[k] = arr
    return out


def digest_array(h, name: str, dtype: str, arr) -> None:
    """Feeds one tensor's name, dtype, shape and bytes (as saved) into the hash object h."""
    arr = _storable(np.asarray(arr))
    h.update(f"{name}\0{dtype}\0{list(arr.shape)}\0{arr.nbytes}\0".encode())
    h.update(arr.reshape(-1).view(np.uint8))
