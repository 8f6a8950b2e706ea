"""NumPy as the host library: the counter-based random stream behind `arraygrad.Generator`
(Philox, drawn on the host so that every backend gets the same numbers for a seed), the
torch-like formatting of tensor values for `repr`, and the safetensors encoding of checkpoints."""

from __future__ import annotations

import numpy as np

__all__ = ["HostRandom", "set_printoptions", "get_printoptions", "format_values", "add_suffixes",
           "to_host", "pack_safetensors", "unpack_safetensors", "digest_array"]

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
        if len(raw) != 14 * 8:
            raise RuntimeError(f"set_state(): expected a state of {14 * 8} bytes (from "
                               f"get_state()), got {len(raw)}")
        v = np.frombuffer(raw, dtype=np.uint64)
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

    def bernoulli(self, p, dtype: str, shape=None):
        """1 with probability p (broadcast to shape, when given), else 0."""
        p = np.asarray(p, dtype=np.float64)
        if shape is not None:
            p = np.broadcast_to(p, shape)
        return (self._gen.random(p.shape) < p).astype(dtype)


# ---- printing: PyTorch's torch/_tensor_str.py rules, on host values ----------------------------
_PROFILES = {"default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
             "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
             "full": dict(precision=4, threshold=float("inf"), edgeitems=3, linewidth=80)}
_OPT = dict(_PROFILES["default"], sci_mode=None)


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None) -> None:
    """How tensors print (torch.set_printoptions): digits after the point, the element count
    above which a print is summarised, the items shown at each edge, the line width, a profile
    ("default", "short", "full") to start from, and sci_mode (True/False, None: automatic)."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions(): profile must be one of {sorted(_PROFILES)}, "
                             f"got {profile!r}")
        _OPT.update(_PROFILES[profile])
    for k, v in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                 ("linewidth", linewidth)):
        if v is not None:
            _OPT[k] = v
    _OPT['sci_mode'] = sci_mode


def get_printoptions() -> dict:
    """The current print options, as set_printoptions takes them."""
    return dict(_OPT)


class _Formatter:
    """Chooses integer, fixed or scientific notation and one column width for all elements."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.max_width = True, False, 1
        flat = values.reshape(-1)
        if not self.floating:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(f"{v}"))
            return
        flat = flat.astype(np.float64)
        vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return
        lo, hi = np.abs(vals).min(), np.abs(vals).max()
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        self.sci_mode = (bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
                         if _OPT['sci_mode'] is None else bool(_OPT['sci_mode']))
        for v in vals.tolist():
            if self.sci_mode:
                w = len(f"{v:.{_OPT['precision']}e}")
            elif self.int_mode:
                w = len(f"{v:.0f}") + 1
            else:
                w = len(f"{v:.{_OPT['precision']}f}")
            self.max_width = max(self.max_width, w)

    def format(self, v) -> str:
        if self.floating:
            if self.sci_mode:
                ret = f"{v:{self.max_width}.{_OPT['precision']}e}"
            elif self.int_mode:
                ret = f"{v:.0f}" + ("" if np.isinf(v) or np.isnan(v) else ".")
            else:
                ret = f"{v:.{_OPT['precision']}f}"
        else:
            ret = f"{v}"
        return (self.max_width - len(ret)) * " " + ret


def _element(v, f1: _Formatter, f2: _Formatter | None) -> str:
    if f2 is None:
        return f1.format(v)
    re, im = f1.format(v.real), (f2.format(v.imag) + "j").lstrip()
    return re + im if im[0] in "+-" else re + "+" + im


def _vector(a: np.ndarray, indent: int, summarize: bool, f1, f2) -> str:
    width = f1.max_width + 2 + (f2.max_width + 1 if f2 is not None else 0)
    per_line = max(1, (_OPT['linewidth'] - indent) // width)
    if summarize and a.shape[0] > 2 * _OPT['edgeitems']:
        data = ([_element(v, f1, f2) for v in a[:_OPT['edgeitems']].tolist()] + [" ..."]
                + [_element(v, f1, f2) for v in a[-_OPT['edgeitems']:].tolist()])
    else:
        data = [_element(v, f1, f2) for v in a.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(a: np.ndarray, indent: int, summarize: bool, f1, f2) -> str:
    if a.ndim == 0:
        return _element(a.item(), f1, f2)
    if a.ndim == 1:
        return _vector(a, indent, summarize, f1, f2)
    n = a.shape[0]
    rows = (list(range(_OPT['edgeitems'])) + [None] + list(range(n - _OPT['edgeitems'], n))
            if summarize and n > 2 * _OPT['edgeitems'] else list(range(n)))
    parts = ["..." if i is None else _nested(a[i], indent + 1, summarize, f1, f2) for i in rows]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _summarized(a: np.ndarray) -> np.ndarray:
    """The elements a summarized print shows (what the column width is chosen from)."""
    if a.ndim == 0:
        return a
    if a.shape[0] > 2 * _OPT['edgeitems']:
        a = np.concatenate([a[:_OPT['edgeitems']], a[-_OPT['edgeitems']:]])
    if a.ndim == 1:
        return a
    return np.stack([_summarized(x) for x in a])


def format_values(values: np.ndarray, indent: int = len("tensor(")) -> str:
    """Values as PyTorch prints them inside `tensor(...)` (the text after the prefix)."""
    a = np.asarray(values)
    if a.size == 0:
        return "[]"
    summarize = a.size > _OPT['threshold']
    shown = _summarized(a) if summarize else a
    if a.dtype.kind == "c":
        f1, f2 = _Formatter(shown.real), _Formatter(shown.imag)
    else:
        f1, f2 = _Formatter(shown), None
    return _nested(a, indent, summarize, f1, f2)


def add_suffixes(text: str, suffixes: list, indent: int) -> str:
    """text + ", suffix" for each, wrapped at PyTorch's line width, closed with ')'."""
    out = [text]
    last = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if last + len(s) + 2 > _OPT['linewidth']:
            out.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            out.append(", " + s)
            last += len(s) + 2
    return "".join(out) + ")"


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
