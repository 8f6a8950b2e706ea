"""Sample-input generators shared by the op families: seeded host arrays of each dtype, covering
the general case first (so `--max-examples 2` keeps it), then 0-d, empty, broadcasting,
Python scalars, mixed dtypes (promotion) and non-contiguous views."""

from __future__ import annotations

import numpy as np

from ..table import ErrorInput, OtherDevice, Sample, View

FLOATS = ("float32", "float64")
FLOAT_INT = ("float32", "float64", "int64")
NUMERIC = ("float32", "float64", "int64", "int32")


def values(rng, shape, dtype: str, domain=(-2.0, 2.0), int_domain=(-4, 5)):
    """Host values of a dtype: floats uniform in `domain` (or domain(rng, shape)), integers in
    [int_domain[0], int_domain[1]), bools at random."""
    shape = tuple(shape)
    if dtype == "bool":
        return np.asarray(rng.random(shape) < 0.5)
    if dtype.startswith(("int", "uint")):
        if callable(int_domain):
            return np.asarray(int_domain(rng, shape), dtype=dtype)
        return np.asarray(rng.integers(int_domain[0], int_domain[1], shape), dtype=dtype)
    if callable(domain):
        return np.asarray(domain(rng, shape), dtype=dtype)
    return np.asarray(rng.uniform(domain[0], domain[1], shape), dtype=dtype)


def nonzero(lo=0.5, hi=2.0):
    """A domain of magnitudes in [lo, hi) with random signs (divisors)."""
    return lambda rng, shape: rng.uniform(lo, hi, shape) * rng.choice([-1.0, 1.0], shape)


def int_nonzero(hi=5):
    return lambda rng, shape: rng.integers(1, hi, shape) * rng.choice([-1, 1], shape)


def _scalar(rng, dtype, domain, int_domain):
    v = values(rng, (), dtype, domain, int_domain)
    return bool(v) if dtype == "bool" else int(v) if v.dtype.kind in "iu" else float(v)


def _can_view(how: str) -> bool:
    # views need Tensor.mT (shape family) or Tensor.__getitem__ (indexing family); a view sample
    # is left out while its family does not exist yet, rather than failing every op
    import arraygrad as ag

    return hasattr(ag.Tensor, "mT" if how == "mT" else "__getitem__")


def unary(domain=(-2.0, 2.0), int_domain=(-4, 5), views=True):
    """Samples of an elementwise op of one tensor."""
    def gen(rng, dtype):
        v = lambda shape: values(rng, shape, dtype, domain, int_domain)
        yield Sample((v((2, 3)),), desc="2-D")
        yield Sample((v(()),), desc="0-d")
        yield Sample((v((5,)),), desc="1-D")
        yield Sample((v((0, 3)),), desc="empty")
        if views and _can_view("mT"):
            yield Sample((View(v((3, 2)), "mT"),), desc="transposed view")
        if views and _can_view("step"):
            yield Sample((View(v((2, 6)), "step"),), desc="strided view")
    return gen


def _other_float(dtype):
    return "float64" if dtype == "float32" else "float32"


def binary(domain_a=(-2.0, 2.0), domain_b=(-2.0, 2.0), int_a=(-4, 5), int_b=(-4, 5),
           scalars=True, promotion=True, views=True):
    """Samples of an elementwise op of two operands (tensors or Python scalars)."""
    def gen(rng, dtype):
        a = lambda shape, dt=dtype: values(rng, shape, dt, domain_a, int_a)
        b = lambda shape, dt=dtype: values(rng, shape, dt, domain_b, int_b)
        yield Sample((a((2, 3)), b((2, 3))), desc="same shape")
        yield Sample((a((2, 3)), b((3,))), desc="broadcast (2, 3) with (3,)")
        yield Sample((a((2, 1)), b((1, 3))), desc="broadcast (2, 1) with (1, 3)")
        yield Sample((a(()), b(())), desc="0-d with 0-d")
        if scalars:
            yield Sample((a((2, 3)), _scalar(rng, dtype, domain_b, int_b)), desc="tensor, scalar")
            yield Sample((_scalar(rng, dtype, domain_a, int_a), b((2, 3))), desc="scalar, tensor")
        yield Sample((a((0, 3)), b((3,))), desc="empty with (3,)")
        if promotion:
            if dtype in FLOATS:
                o = _other_float(dtype)
                yield Sample((a((2, 3)), b((2, 3), o)), desc=f"{dtype} with {o}")
                yield Sample((a((2, 3)), b((), o)), desc=f"{dtype} with 0-d {o}")
            else:
                yield Sample((a((2, 3)), b((2, 3), "float32")), desc=f"{dtype} with float32")
                if scalars:
                    yield Sample((a((2, 3)), float(values(rng, (), "float64", domain_b))),
                                 desc=f"{dtype} with a Python float")
        if views and _can_view("mT"):
            yield Sample((View(a((3, 2)), "mT"), b((2, 3))), desc="transposed view")
        if views and _can_view("step"):
            yield Sample((a((2, 3)), View(b((2, 6)), "step")), desc="strided view")
    return gen


def _edges(dtype: str, *specs):
    """Samples at points finite differences cannot judge (ties, NaNs, zeros), each stating
    PyTorch's gradient of sum(outputs): specs are (args, grad_ref[, kwargs], desc); floats only."""
    if dtype not in FLOATS:
        return
    for spec in specs:
        args, refs, desc = spec[0], spec[1], spec[-1]
        kwargs = spec[2] if len(spec) == 4 else {}
        yield Sample(tuple(np.asarray(a, dtype=dtype) if isinstance(a, list) else a
                           for a in args), dict(kwargs), desc, grad=False,
                     grad_ref=tuple(np.asarray(r, dtype=np.float64) for r in refs))


def with_edges(gen, *specs):
    """gen's samples, then the `_edges` samples of specs."""
    def out(rng, dtype):
        yield from gen(rng, dtype)
        yield from _edges(dtype, *specs)
    return out


def unary_errors():
    yield ErrorInput(Sample(([1.0, 2.0],), desc="a Python list"), TypeError, "Tensor")


def binary_errors(domain=(0.5, 2.0)):
    def gen():
        a = np.linspace(domain[0], domain[1], 6).reshape(2, 3)
        b = np.linspace(domain[0], domain[1], 4)
        yield ErrorInput(Sample((a, b), desc="shapes (2, 3) and (4,)"), RuntimeError,
                         r"\(2, 3\).*\(4,\)")
        yield ErrorInput(Sample((a, "x"), desc="a string operand"), TypeError, "")
        yield ErrorInput(Sample((a, OtherDevice(a.copy())), desc="tensors on two devices"),
                         RuntimeError, "device")
    return gen


class Idx:
    """In `fixed` specs: an int64 index array of `shape` with values in [low, high)."""

    def __init__(self, shape, high, low=0, unique=False):
        self.shape, self.high, self.low, self.unique = tuple(shape), high, low, unique


class Mask:
    """In `fixed` specs: a random bool array of `shape`."""

    def __init__(self, shape):
        self.shape = tuple(shape)


def fixed(*specs, domain=(-2.0, 2.0), int_domain=(-4, 5)):
    """Samples from specs `(args, kwargs, desc[, grad])`: a tuple in args becomes an array of the
    dtype under test (a `View` of such a tuple a view), Idx and Mask index arrays and masks, and
    anything else is passed as it is."""
    def gen(rng, dtype):
        def make(a):
            if isinstance(a, tuple):
                return values(rng, a, dtype, domain, int_domain)
            if isinstance(a, View):
                return View(make(a.base), a.how)
            if isinstance(a, Idx):
                if a.unique:  # distinct along the last dimension (scatter without races)
                    rows = [rng.permutation(a.high)[:a.shape[-1]]
                            for _ in range(int(np.prod(a.shape[:-1])))]
                    return np.asarray(rows, dtype=np.int64).reshape(a.shape)
                return np.asarray(rng.integers(a.low, a.high, a.shape), dtype=np.int64)
            if isinstance(a, Mask):
                return np.asarray(rng.random(a.shape) < 0.5)
            return a
        for spec in specs:
            args, kwargs, desc = spec[:3]
            if any(isinstance(a, View) and not _can_view(a.how) for a in args):
                continue
            yield Sample(tuple(make(a) for a in args), dict(kwargs), desc,
                         spec[3] if len(spec) > 3 else True)
    return gen


# ---- samples on a namespace with other default dtypes (JAX's 32-bit mode: no int64/float64) ------
def fit_key(dev) -> tuple:
    """What `fit_sample` depends on for a device: the dtypes it lacks and its defaults (devices
    with equal keys see the same samples, so a run may share its memo between them)."""
    import arraygrad as ag

    try:
        return _FIT_KEYS[dev]
    except (KeyError, TypeError):  # TypeError: an unhashable stand-in for a device
        pass
    lacks = tuple(n for n in ("int64", "float64", "int32", "float32")
                  if getattr(ag, n) not in dev.to_native)
    key = lacks, dev.default_int.name, dev.default_float.name
    try:
        _FIT_KEYS[dev] = key
    except TypeError:
        pass
    return key


_FIT_KEYS: dict = {}


def fit_sample(s: Sample, dev, *, cast_floats: bool = False) -> Sample | None:
    """The sample as the device can hold it: integer arrays of a dtype it lacks (index arrays,
    int64 by default) become its default index dtype; a floating array of a dtype it lacks makes
    the sample inapplicable (None), or with `cast_floats` (error inputs, whose dtype is not the
    point) becomes its default floating dtype. Unchanged on a device that has every dtype."""
    lacks, dint, dflt = fit_key(dev)
    if not lacks:
        return s

    def fit(a):
        if isinstance(a, View):
            b = fit(a.base)
            return None if b is None else View(b, a.how)
        if isinstance(a, OtherDevice):  # lives on another backend, which has its dtypes
            return a
        if not isinstance(a, np.ndarray) or a.dtype.name not in lacks:
            return a
        if a.dtype.kind in "iu":
            return a.astype(dint)
        return a.astype(dflt) if cast_floats else None

    args = tuple(fit(a) for a in s.args)
    if any(b is None and a is not None for a, b in zip(s.args, args, strict=True)):
        return None
    if all(a is b for a, b in zip(s.args, args, strict=True)):
        return s
    return Sample(args, s.kwargs, s.desc, s.grad, s.grad_ref)
