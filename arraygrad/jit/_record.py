"""Recording while tracing: arrays that carry their concrete value and a node number, and the
namespace, kernel namespace and backend adapter whose every call computes the real result and
appends it to a tape.

`ag.jit.trace` puts these in place of the traced device's `xp`, `K` and `backend` while the
module runs once, so arraygrad's own ops (which reach arrays only through those three) are
recorded at the level they are written: array-API calls. The tape is plain data (names and
JSON-able arguments) that any backend's namespace can replay.
"""

from __future__ import annotations

import math
import os
import sys
import types
import warnings

from ..core import dtypes as _dt
from ..core.tensor import Tensor

_PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_DTYPE_NAMES = {d.name for d in _dt.ALL}


class TracerWarning(Warning):
    """A trace may not generalise to other inputs (torch.jit.TracerWarning): a tensor's value was
    read as a Python value (frozen into the trace), or random numbers were drawn."""


def _is_array(v) -> bool:
    return (hasattr(v, "shape") and hasattr(v, "dtype") and not isinstance(v, (type, Tensor))
            and not isinstance(v, _P))


def _user_frame():
    """(filename, lineno, module globals) of the innermost caller outside arraygrad."""
    f = sys._getframe(1)
    while f is not None and os.path.abspath(f.f_code.co_filename).startswith(_PKG):
        f = f.f_back
    if f is None:
        return "<unknown>", 0, {}
    return f.f_code.co_filename, f.f_lineno, f.f_globals


def warn_at_user(message: str) -> None:
    """A TracerWarning attributed to the user's line (as PyTorch's points at the model code)."""
    filename, lineno, glb = _user_frame()
    warnings.warn_explicit(message, TracerWarning, filename, lineno,
                           module=glb.get("__name__", "arraygrad.jit"),
                           registry=glb.setdefault("__warningregistry__", {}))


_READS = {"__bool__": "boolean", "__float__": "float", "__int__": "integer", "__index__": "index",
          "__complex__": "complex", "item": "number", "tolist": "list", "numpy": "NumPy array",
          "__array__": "NumPy array", "__repr__": "string", "__format__": "string"}


def _read_kind() -> str:
    """What a Tensor is being converted to ("boolean" for bool(t)), from the outermost Tensor
    method on the stack inside arraygrad."""
    f, kind = sys._getframe(2), "NumPy array"
    while f is not None and os.path.abspath(f.f_code.co_filename).startswith(_PKG):
        kind = _READS.get(f.f_code.co_name, kind)
        f = f.f_back
    return kind


def functional_setitem(xp, x, key, value):
    """x with x[key] = value, as a new array (JAX's `.at[].set`; others copy, then write)."""
    at = getattr(x, "at", None)
    if at is not None and not isinstance(x, Tensor):
        return at[key].set(value)
    if isinstance(x, Tensor):
        out = x.clone()
    else:
        out = xp.asarray(x, copy=True)
    out[key] = value
    return out


class Tape:
    """What one trace records: node metadata, the ops, and the constant arrays they use."""

    def __init__(self, dev):
        self.dev = dev
        self.rb = dev.backend  # the real adapter, namespace and kernels
        self.rxp, self.rK = dev.xp, dev.K
        self.nodes: list = []    # per node id: [shape, dtype name]
        self.ops: list = []      # [kind, name, args, kwargs, out]
        self.consts: list = []   # concrete arrays (op "k" makes node from one)
        self._raw: dict = {}     # id(plain array) -> its node
        self._made: dict = {}    # id(large array from a factory call) -> (name, args, array)
        self.reads: list = []    # what host reads happened (for check_trace's comparison)
        self.backend = TracingBackend(self)
        self.xp = RecordingNamespace(self, self.rxp, "")
        self.K = RecordingNamespace(self, self.rK, "", kernels=True)

    # ---- nodes --------------------------------------------------------------------------------
    def new(self, value) -> _P:
        dt = self.dev.to_ag.get(value.dtype) if not isinstance(value.dtype, str) else None
        self.nodes.append([list(value.shape), dt.name if dt is not None else str(value.dtype)])
        return _P(value, len(self.nodes) - 1, self)

    def const(self, value) -> _P:
        """The node for an array that does not depend on the traced inputs, made where a traced
        op first uses it: a large array from a factory call (zeros, full, ...) as that call,
        anything else as a constant of the trace (stored with it)."""
        p = self._raw.get(id(value))
        if p is not None and p.v is value:
            return p
        made = self._made.get(id(value))
        p = self.new(value)
        if made is not None and made[2] is value:
            self.ops.append(["x", made[0], made[1][0], made[1][1], p.id])
        else:
            self.consts.append(value)
            self.ops.append(["k", "const", [len(self.consts) - 1], {}, p.id])
        self._raw[id(value)] = p
        return p

    # ---- recording ------------------------------------------------------------------------------
    def record(self, kind: str, name: str, fn, args: tuple, kwargs: dict):
        """Calls fn on the concrete values; an array result becomes a node and the call an op.
        A call on no traced array is computed, not recorded (constant folding): its result is
        a plain array, so a cache that keeps it (nn's LSTM gate vectors) never holds a traced
        array, and the array enters the trace where a traced op uses it."""
        if not _has_proxy(args) and not _has_proxy(kwargs):
            res = fn(*args, **kwargs)
            if (kind == "x" and _is_array(res) and _size(res) > _FOLD_LIMIT
                    and not _has_array(args) and not _has_array(kwargs)):
                self._made[id(res)] = (name, self._encode_call(args, kwargs), res)
            return res
        res = fn(*_concrete(args), **{k: _concrete(v) for k, v in kwargs.items()})
        if res is NotImplemented:
            return res
        if _is_array(res):
            enc = self._encode_call(args, kwargs)
            p = self.new(res)
            self.ops.append([kind, name, enc[0], enc[1], p.id])
            return p
        if isinstance(res, (tuple, list)) and any(_is_array(r) for r in res):
            enc = self._encode_call(args, kwargs)
            ps = [self.new(r) if _is_array(r) else r for r in res]
            self.ops.append([kind, name, enc[0], enc[1],
                             [p.id if isinstance(p, _P) else None for p in ps]])
            if hasattr(res, "_fields"):  # a named tuple (unique_all, ...)
                return type(res)(*ps)
            return type(res)(ps)
        return res  # not an array (a dtype, a Python number): the trace needs no node

    def _encode_call(self, args, kwargs):
        return ([self.encode(a) for a in args],
                {k: self.encode(v, device=(k == "device")) for k, v in kwargs.items()})

    def encode(self, v, device: bool = False):
        """A JSON-able description of an argument (tagged objects for what JSON lacks)."""
        if isinstance(v, _P):
            return {"r": v.id}
        if device and v is not None:
            return {"device": 0}
        if v is None or type(v) in (bool, int, str):
            return v
        if type(v) is float:
            return v if math.isfinite(v) else {"f": repr(v)}
        if type(v) is complex:
            return {"c": [self.encode(v.real), self.encode(v.imag)]}
        if type(v) is tuple:
            return {"t": [self.encode(x) for x in v]}
        if type(v) is list:
            return [self.encode(x) for x in v]
        if type(v) is slice:
            return {"s": [self.encode(v.start), self.encode(v.stop), self.encode(v.step)]}
        if v is Ellipsis:
            return {"e": 0}
        if isinstance(v, _dt.dtype):
            return {"ad": v.name}
        if isinstance(v, Tensor):
            raise TypeError("jit.trace(): an arraygrad Tensor reached the array namespace while "
                            "tracing; only backend arrays can be recorded")
        if _is_array(v):
            return {"r": self.const(v).id}
        try:
            ag = self.dev.to_ag.get(v)
        except TypeError:
            ag = None
        if ag is not None:
            return {"d": ag.name}
        if type(v).__module__ == "builtins" and isinstance(v, (int, float)):  # bool/int subclasses
            return self.encode(type(v).__mro__[1](v))
        raise TypeError(f"jit.trace(): cannot record an argument of type {type(v).__name__} "
                        f"({v!r}) in the trace")

    def read(self, p: _P, what: str):
        """A host read of a traced value: the value is frozen into the trace (a warning says so)."""
        self.reads.append((p.id, what))
        warn_at_user(f"Converting a tensor to a Python {what} might cause the trace to be "
                     "incorrect. We can't record the data flow of Python values, so this value "
                     "will be treated as a constant in the future. This means that the trace "
                     "might not generalize to other inputs!")
        return p.v


_FOLD_LIMIT = 4096  # elements: a larger constant from a factory call is recorded as the call


def _size(a) -> int:
    return math.prod(a.shape) if all(isinstance(s, int) for s in a.shape) else 0


def _has_proxy(v) -> bool:
    t = type(v)
    if t is _P:
        return True
    if t is tuple or t is list:
        return any(_has_proxy(x) for x in v)
    if t is dict:
        return any(_has_proxy(x) for x in v.values())
    if t is slice:
        return _has_proxy((v.start, v.stop, v.step))
    return False


def _has_array(v) -> bool:
    if type(v) in (tuple, list):
        return any(_has_array(x) for x in v)
    if type(v) is dict:
        return any(_has_array(x) for x in v.values())
    return _is_array(v)


def _concrete(v):
    if isinstance(v, _P):
        return v.v
    t = type(v)
    if t is tuple or t is list:
        return t(_concrete(x) for x in v)
    if t is slice:
        return slice(_concrete(v.start), _concrete(v.stop), _concrete(v.step))
    return v


class _P:
    """A traced array: its concrete value `v` (so shapes, dtypes and values are those of eager),
    the node `id` that computes it in the tape, and the tape."""

    __slots__ = ("v", "id", "tape")
    __array_ufunc__ = None  # NumPy defers to our reflected operators (no host conversion)
    __array_priority__ = 1000

    def __init__(self, v, i, tape):
        self.v, self.id, self.tape = v, i, tape

    shape = property(lambda self: self.v.shape)
    dtype = property(lambda self: self.v.dtype)
    ndim = property(lambda self: self.v.ndim)
    size = property(lambda self: self.v.size)
    device = property(lambda self: self.v.device)

    @property
    def T(self):  # noqa: N802 (the array API's name)
        return self.tape.record("a", "T", lambda x: x.T, (self,), {})

    @property
    def mT(self):  # noqa: N802
        return self.tape.record("a", "mT", lambda x: x.mT, (self,), {})

    def __array_namespace__(self, api_version=None):
        return self.tape.xp

    def to_device(self, device, stream=None):
        if device == self.tape.rb.device_of(self.v):
            return self
        raise RuntimeError("jit.trace(): moving an array to another device inside a traced "
                           "function cannot be recorded; trace on one device, then move the "
                           "traced module with .to(device)")

    def __setitem__(self, key, value):
        xp = self.tape.rxp
        new = self.tape.record("s", "setitem", lambda x, k, v: functional_setitem(xp, x, k, v),
                               (self, key, value), {})
        self.v, self.id = new.v, new.id

    def __len__(self) -> int:
        return self.v.shape[0]

    def __iter__(self):
        return (self[i] for i in range(self.v.shape[0]))

    def __bool__(self):
        return bool(self.tape.read(self, "boolean"))

    def __int__(self):
        return int(self.tape.read(self, "integer"))

    def __float__(self):
        return float(self.tape.read(self, "float"))

    def __complex__(self):
        return complex(self.tape.read(self, "complex"))

    def __index__(self):
        return int(self.tape.read(self, "index"))

    def __array__(self, dtype=None, copy=None):
        host = self.tape.rb.to_numpy(self.tape.read(self, "NumPy array"))
        return host if dtype is None else host.astype(dtype)

    def __dlpack__(self, *args, **kwargs):
        return self.tape.read(self, "DLPack capsule").__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self.v.__dlpack_device__()

    def __getattr__(self, name):
        if name.startswith("__"):  # no __array_interface__ & co: NumPy must go through __array__
            raise AttributeError(name)
        attr = getattr(self.v, name)  # a library's own method (not the standard's): recorded
        if not callable(attr):
            return attr
        return lambda *a, **k: self.tape.record("m", name, _method(name), (self,) + a, k)

    def __repr__(self) -> str:
        return f"<traced array %{self.id}: {self.tape.nodes[self.id]}>"


def _method(name):
    return lambda x, *a, **k: getattr(x, name)(*a, **k)


_OPERATORS = """__abs__ __add__ __and__ __eq__ __floordiv__ __ge__ __getitem__ __gt__ __invert__
__le__ __lshift__ __lt__ __matmul__ __mod__ __mul__ __ne__ __neg__ __or__ __pos__ __pow__
__rshift__ __sub__ __truediv__ __xor__ __radd__ __rand__ __rfloordiv__ __rlshift__ __rmatmul__
__rmod__ __rmul__ __ror__ __rpow__ __rrshift__ __rsub__ __rtruediv__ __rxor__""".split()


def _operator(name):
    fn = _method(name)

    def op(self, *args):
        return self.tape.record("m", name, fn, (self,) + args, {})

    op.__name__ = name
    return op


for _name in _OPERATORS:
    setattr(_P, _name, _operator(_name))
_P.__hash__ = object.__hash__


class RecordingNamespace:
    """The backend's namespace (or kernel namespace) with every function call recorded; dtypes,
    constants and sub-namespaces (`linalg`, `fft`) pass through."""

    def __init__(self, tape: Tape, real, prefix: str, kernels: bool = False):
        self._tape, self._real, self._prefix, self._kernels = tape, real, prefix, kernels

    def __getattr__(self, name):
        if name.startswith("__") and name != "__array_namespace_info__":
            return getattr(self._real, name)
        if self._kernels and name == "backend":
            return self._tape.backend
        v = getattr(self._real, name)
        if name in _DTYPE_NAMES or isinstance(v, type) or not callable(v):
            if isinstance(v, types.ModuleType) or (
                    self._prefix == "" and name in ("linalg", "fft")):
                out = RecordingNamespace(self._tape, v, f"{self._prefix}{name}.")
                self.__dict__[name] = out
                return out
            return v
        full = self._prefix + name
        tape = self._tape

        def call(*args, **kwargs):
            return tape.record("x", full, v, args, kwargs)

        call.__name__ = name
        self.__dict__[name] = call
        return call


class TracingBackend:
    """The backend adapter seen while tracing: the real one's dtype and device answers, no
    in-place updates or host checks (every update takes the functional path, which any
    backend can replay), host data as constants, and none of the optional fast kernels (so the
    tape holds the portable array-API form of every op)."""

    inplace = False
    cheap_checks = False
    host_eager = False  # nn's data checks (class targets, embedding rows) would read values
    dlpack_out = dlpack_in = False
    array_type = _P

    def __init__(self, tape: Tape):
        rb = tape.rb
        self._tape, self._rb = tape, rb
        self.name, self.device_type = rb.name, rb.device_type

    @property
    def xp(self):
        return self._tape.xp

    @property
    def K(self):  # noqa: N802
        return self._tape.K

    # dtypes and devices: the real adapter's answers
    def native_dtype(self, d, like=None):
        return self._rb.native_dtype(d, _concrete(like))

    def dtype_table(self, native_device):
        return self._rb.dtype_table(native_device)

    def default_dtypes(self, native_device):
        return self._rb.default_dtypes(native_device)

    def default_native_device(self):
        return self._rb.default_native_device()

    def native_devices(self):
        return self._rb.native_devices()

    def native_device(self, index):
        return self._rb.native_device(index)

    def index_of(self, native):
        return self._rb.index_of(native)

    def device_of(self, arr):
        return self._rb.device_of(_concrete(arr))

    def move(self, arr, native):
        if native == self.device_of(arr):
            return arr
        return _P.to_device(arr, native) if isinstance(arr, _P) else self._rb.move(arr, native)

    # data in and out
    def fix(self, arr):
        if isinstance(arr, _P):
            arr.v = self._rb.fix(arr.v)
            return arr
        return self._rb.fix(arr)

    def asarray(self, obj, dtype=None, native_device=None):
        if isinstance(obj, _P) or (isinstance(obj, (list, tuple))
                                   and any(isinstance(o, _P) for o in obj)):
            return self._tape.record("x", "asarray", self._tape.rxp.asarray, (obj,),
                                     {"dtype": dtype, "device": native_device})
        return self._rb.asarray(obj, dtype, native_device)

    def from_numpy(self, host, native_device=None):
        return self._rb.from_numpy(host, native_device)

    def to_numpy(self, arr):
        if isinstance(arr, _P):
            return self._rb.to_numpy(self._tape.read(arr, _read_kind()))
        return self._rb.to_numpy(arr)

    def materialize(self, arr):
        return arr

    def computed(self, arr):
        return arr

    def deferred_check(self, arr, bad, error):
        return arr

    def strided_view(self, arr, shape, strides, offset):
        return None

    def aliases(self, view, base) -> bool:
        return view is base

    def writable(self, arr) -> bool:
        return False

    def owns(self, arr) -> bool:
        return True

    # the extra kernels, recorded as one op each (the replaying backend picks its own)
    def scatter_add(self, target, axis, index, src):
        return self._tape.K.scatter_add(target, axis, index, src)

    def index_add(self, target, axis, index, src):
        return self._tape.K.index_add(target, axis, index, src)

    def gather(self, x, axis, index):
        return self._tape.K.gather(x, axis, index)

    def erf(self, x):
        return self._tape.K.erf(x)

    def to_dtype(self, x, d):
        return self._tape.K.to_dtype(x, d)


class patched:
    """Context manager: device `dev` answers with the tape's namespace, kernels and adapter."""

    def __init__(self, dev, tape: Tape):
        self.dev, self.tape = dev, tape

    def __enter__(self):
        d = self.dev
        self.saved = (d.backend, d.xp, d.K)
        d.backend, d.xp, d.K = self.tape.backend, self.tape.xp, self.tape.K
        return self

    def __exit__(self, *exc):
        self.dev.backend, self.dev.xp, self.dev.K = self.saved
