"""The "modules" entry kind (PyTorch's ModuleInfo, in the spirit of OpInfo): a module built from a
seed, checked on every backend.

Checks of a `ModuleInfo`, per dtype (float32, float64 unless the entry says otherwise):
- `forward`: the module's outputs (and the buffers it updates, if `ref` states them) against a
  NumPy float64 reference function, called with the module's own initial parameters; outputs on
  the device, in the case's dtype. Tolerances: checks.FORWARD_TOL (or the entry's atol/rtol).
- `grad` (float64, on the numpy backend only): the gradients of sum(v * outputs) with respect to
  the floating inputs and every parameter against central finite differences (full Jacobian;
  checks.GRAD_TOL). Small shapes keep this cheap.
- `cross_backend` (every other device): outputs, updated state and the same gradients equal to
  the numpy backend's from the same seed (float64 to 1e-10, float32 to its forward tolerance) —
  as strong as finite differences there, and far cheaper on Dask.

How to add a module (the nn engineers: one catalog file per family, e.g.
`arraygrad/conformance/catalog/modules_conv.py`, imported by one line in catalog/__init__.py):

    from ..modules import ModuleInfo, ModuleSample
    from ..table import register

    def _linear_ref(state, init, x):          # state: {state_dict key: float64 array}
        return x @ state["weight"].T + state["bias"]   # init: the sample's constructor kwargs

    def _linear_samples(rng):                 # a np.random.Generator seeded from the name
        yield ModuleSample(init={"in_features": 3, "out_features": 2},
                           inputs=(rng.standard_normal((4, 3)),), desc="2-D input")

    register(ModuleInfo("Linear", nn.Linear, _linear_samples, _linear_ref))

- `cls(**sample.init)` builds the module right after `ag.manual_seed(entry.seed)`, then it is
  moved to the device and its floating parameters and buffers cast to the case's dtype;
  `sample.train` picks train() or eval().
- `inputs`: NumPy arrays (floating ones become tensors of the case's dtype, integer and bool
  ones keep theirs) or Python values; `kwargs` go to forward as they are. Forward runs right
  after `ag.manual_seed(entry.seed + 1)`, so random modules (Dropout) draw the same numbers on
  every backend.
- `ref(state, init, *inputs, **kwargs)` gets float64 copies of the state dict before the forward,
  the constructor kwargs, and float64 copies of the inputs (rounded to the case's dtype first);
  it returns the output (an array or a tuple of arrays, nested tuples flattened in order),
  or a dict {"out": outputs, "<state key>": its expected value after forward} for modules that
  update buffers (BatchNorm's running statistics). `ref=None`: no forward check (the
  cross-backend check still runs).
- Outputs that are not floating (indices, lengths) are compared but not differentiated.
  `sample.grad=False` skips gradient checks for a sample (kinks, ties, or eval-only paths);
  `entry.grad=False` for the whole entry.
- A backend's expectation file lists what it cannot do as `modules/<Name>/<check>/<dtype>`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

import arraygrad as ag

from .checks import CROSS_TOL_F64, FORWARD_TOL, GRAD_EPS, GRAD_TOL, _seed, assert_close
from .table import Case, CheckFailure, Entry, SkipCase

__all__ = ["ModuleInfo", "ModuleSample", "reproduce"]


@dataclass
class ModuleSample:
    """One configuration: constructor kwargs, forward inputs (host arrays) and forward kwargs."""

    init: dict
    inputs: tuple
    kwargs: dict = field(default_factory=dict)
    desc: str = ""
    grad: bool = True
    train: bool = True


@dataclass(eq=False)
class ModuleInfo(Entry):
    """A module class with its samples and NumPy float64 reference (see the module docstring)."""

    name: str
    cls: Callable
    samples: Callable[[np.random.Generator], Iterable[ModuleSample]]
    ref: Callable | None = None
    feature: str = "modules"
    dtypes: tuple = ("float32", "float64")
    grad: bool = True
    seed: int = 0
    atol: dict = field(default_factory=dict)  # per dtype name, overriding the defaults
    rtol: dict = field(default_factory=dict)
    doc: str = ""

    def cases(self, ctx) -> Iterator[Case]:
        """forward and cross_backend per dtype; grad (float64) on the numpy backend."""
        dev = ctx.device
        for dt in self.dtypes:
            yield Case(self, "forward", dt, _per_sample(self, ctx, dt, "forward", _forward))
            if not ctx.is_reference:
                yield Case(self, "cross_backend", dt,
                           _per_sample(self, ctx, dt, "cross_backend", _cross))
        if self.grad and "float64" in self.dtypes and dev is ctx.ref_device:
            yield Case(self, "grad", "float64",
                       _per_sample(self, ctx, "float64", "grad", _grad, grad_only=True))


# ---- running a module ---------------------------------------------------------------------------
def _flatten(out) -> list:
    if isinstance(out, ag.Tensor):
        return [out]
    if isinstance(out, tuple | list):
        return [t for o in out for t in _flatten(o)]
    if out is None:
        return []
    raise CheckFailure(f"forward returned {type(out).__name__}, expected Tensors")


def _is_float(a) -> bool:
    return isinstance(a, np.ndarray) and a.dtype.kind == "f"


def _host(t) -> np.ndarray:
    return np.asarray(t.detach().cpu().numpy())


def _build(entry, sample, dev, dtype: str):
    ag.manual_seed(entry.seed)
    m = entry.cls(**sample.init)
    m.to(dev)
    m.to(getattr(ag, dtype))
    m.train(sample.train)
    return m


def _inputs(sample, dev, dtype: str, requires_grad: bool) -> list:
    out = []
    for a in sample.inputs:
        if _is_float(a):
            out.append(ag.tensor(a, dtype=getattr(ag, dtype), device=dev,
                                 requires_grad=requires_grad))
        elif isinstance(a, np.ndarray):
            out.append(ag.tensor(a, device=dev))
        else:
            out.append(a)
    return out


def _forward_call(entry, m, args, sample):
    ag.manual_seed(entry.seed + 1)
    return _flatten(m(*args, **sample.kwargs))


def _cotangents(outs, seed) -> list:
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.5, 1.5, tuple(o.shape)) * rng.choice([-1.0, 1.0], tuple(o.shape))
            for o in outs]


def _run(entry, sample, i, dev, dtype: str, grads: bool) -> dict:
    """Named host results of one forward (and backward): out<k>, state/<key> after forward,
    grad/input<k> and grad/<parameter name>; plus the state and inputs before, for `ref`."""
    m = _build(entry, sample, dev, dtype)
    before = {k: _host(v).astype(np.float64) if v.is_floating_point() else _host(v)
              for k, v in m.state_dict().items()}
    args = _inputs(sample, dev, dtype, requires_grad=grads)
    outs = _forward_call(entry, m, args, sample)
    res: dict = {"before": before}
    for k, o in enumerate(outs):
        if o.device is not dev:
            raise CheckFailure(f"output {k} is on {o.device}, expected {dev}")
        if o.is_floating_point() and o.dtype is not getattr(ag, dtype):
            raise CheckFailure(f"output {k} is {o.dtype}, expected {dtype}")
        res[f"out{k}"] = _host(o)
    for k, v in m.state_dict().items():
        res[f"state/{k}"] = _host(v)
    if grads:
        leaves = [(f"input{k}", a) for k, a in enumerate(args)
                  if isinstance(a, ag.Tensor) and a.requires_grad]
        leaves += [(n, p) for n, p in m.named_parameters() if p.requires_grad]
        fl = [o for o in outs if o.is_floating_point()]
        live = [(o, v) for o, v in zip(fl, _cotangents(fl, _seed(entry.name, i)), strict=True)
                if o.requires_grad]
        if live and leaves:
            gv = [ag.tensor(v, dtype=o.dtype, device=dev) for o, v in live]
            gs = ag.autograd.grad([o for o, _ in live], [t for _, t in leaves], gv,
                                  allow_unused=True)
            for (n, t), g in zip(leaves, gs, strict=True):
                res[f"grad/{n}"] = np.zeros(tuple(t.shape)) if g is None else _host(g)
    return res


def _memo_run(entry, sample, i, dev, dtype, ctx, grads: bool) -> dict:
    def make():
        try:
            return _run(entry, sample, i, dev, dtype, grads)
        except (CheckFailure, SkipCase) as e:
            return e
        except Exception as e:
            return CheckFailure(f"raised {type(e).__name__}: {e}")
    r = ctx.cached(("module", entry.name, i, str(dev), dtype, grads), make)
    if isinstance(r, Exception):
        raise r
    return r


# ---- the checks ---------------------------------------------------------------------------------
def _tols(entry, dtype: str) -> tuple:
    rtol, atol = FORWARD_TOL.get(dtype, (0.0, 0.0))
    return entry.rtol.get(dtype, rtol), entry.atol.get(dtype, atol)


def _forward(entry, sample, i, ctx, dtype: str) -> None:
    if entry.ref is None:
        raise SkipCase("no NumPy reference for this module")
    r = _memo_run(entry, sample, i, ctx.device, dtype, ctx, entry.grad and sample.grad)
    ins = [a.astype(getattr(np, dtype)).astype(np.float64) if _is_float(a) else a
           for a in sample.inputs]
    want = entry.ref(r["before"], sample.init, *ins, **sample.kwargs)
    if isinstance(want, dict):
        want = dict(want)
        outs = want.pop("out")
    else:
        outs, want = want, {}
    outs = [np.asarray(o) for o in (outs if isinstance(outs, tuple | list) else (outs,))]
    n_got = len([k for k in r if k.startswith("out")])
    if len(outs) != n_got:
        raise CheckFailure(f"{n_got} outputs, the reference has {len(outs)}")
    rtol, atol = _tols(entry, dtype)
    for k, o in enumerate(outs):
        assert_close(r[f"out{k}"], o, rtol, atol, f"output {k} against NumPy float64")
    for key, w in want.items():
        assert_close(r[f"state/{key}"], np.asarray(w), rtol, atol,
                     f"{key} after forward against NumPy float64")


def _cross(entry, sample, i, ctx, dtype: str) -> None:
    grads = entry.grad and sample.grad
    got = _memo_run(entry, sample, i, ctx.device, dtype, ctx, grads)
    try:
        want = _memo_run(entry, sample, i, ctx.ref_device, dtype, ctx, grads)
    except CheckFailure as e:
        raise SkipCase(f"the numpy backend fails it too: {e}") from e
    rtol, atol = CROSS_TOL_F64 if dtype == "float64" else _tols(entry, dtype)
    for k, w in want.items():
        if k == "before":
            continue
        if k not in got:
            raise CheckFailure(f"{k} is missing (the numpy backend has it)")
        assert_close(got[k], w, rtol, atol, f"{k} against the numpy backend's")


def _grad(entry, sample, i, ctx, dtype: str) -> None:
    dev = ctx.device
    r = _memo_run(entry, sample, i, dev, "float64", ctx, grads=True)
    m = _build(entry, sample, dev, "float64")
    pnames = [n for n, p in m.named_parameters() if p.requires_grad]
    in_idx = [k for k, a in enumerate(sample.inputs) if _is_float(a)]
    names = [f"input{k}" for k in in_idx] + pnames
    hosts = [np.array(sample.inputs[k], dtype=np.float64) for k in in_idx]
    hosts += [_host(dict(m.named_parameters())[n]).astype(np.float64) for n in pnames]
    n_out = len([k for k in r if k.startswith("out")])
    vs = _cotangents([o for o in (r[f"out{k}"] for k in range(n_out)) if o.dtype.kind == "f"],
                     _seed(entry.name, i))

    def phi(vals) -> float:
        mm = _build(entry, sample, dev, "float64")
        params = dict(mm.named_parameters())
        with ag.no_grad():
            for n, v in zip(pnames, vals[len(in_idx):], strict=True):
                params[n].copy_(ag.tensor(v, dtype=ag.float64, device=dev))
        args = list(sample.inputs)
        for k, v in zip(in_idx, vals[:len(in_idx)], strict=True):
            args[k] = v
        fake = ModuleSample(sample.init, tuple(args), sample.kwargs, sample.desc, sample.grad,
                            sample.train)
        with ag.no_grad():
            outs = _forward_call(entry, mm, _inputs(fake, dev, "float64", False), sample)
        fl = [o for o in outs if o.is_floating_point()]
        return math.fsum(float(np.sum(_host(o) * v)) for o, v in zip(fl, vs, strict=True))

    rtol, atol = GRAD_TOL
    for k, (name, h) in enumerate(zip(names, hosts, strict=True)):
        num = np.zeros(h.shape)
        flat = num.reshape(-1)
        for j in range(h.size):
            plus, minus = [x.copy() for x in hosts], [x.copy() for x in hosts]
            plus[k].reshape(-1)[j] += GRAD_EPS
            minus[k].reshape(-1)[j] -= GRAD_EPS
            flat[j] = (phi(plus) - phi(minus)) / (2 * GRAD_EPS)
        got = r.get(f"grad/{name}", np.zeros(h.shape))
        assert_close(got, num, rtol, atol,
                     f"gradient of {name} against finite differences (eps={GRAD_EPS:g})")


def _samples(entry, ctx) -> list:
    def make():
        rng = np.random.default_rng(_seed(entry.feature, entry.name))
        out = []
        for s in entry.samples(rng):
            out.append(s)
            if ctx.max_examples is not None and len(out) >= ctx.max_examples:
                break
        return out
    return ctx.cached(("module_samples", entry.name, ctx.max_examples), make)


def _per_sample(entry, ctx, dtype: str, check: str, fn, grad_only: bool = False):
    def run():
        dev = ctx.device
        if getattr(ag, dtype) not in dev.to_native:
            raise SkipCase(f"device {dev} has no {dtype}")
        ran = 0
        for i, s in enumerate(_samples(entry, ctx)):
            if grad_only and not s.grad:
                continue
            try:
                fn(entry, s, i, ctx, dtype)
            except SkipCase:
                raise
            except Exception as e:
                f = e if isinstance(e, CheckFailure) else CheckFailure(
                    f"raised {type(e).__name__}: {e}")
                f.sample = s.desc
                f.snippet = (f"from arraygrad.conformance.modules import reproduce\n"
                             f"reproduce({entry.name!r}, {i}, {str(dev)!r}, {dtype!r})")
                if f is e:
                    raise
                raise f from e
            ran += 1
        if not ran:
            raise SkipCase("no sample applies")
    return run


def reproduce(name: str, index: int, device: str, dtype: str) -> dict:
    """Reruns sample `index` of module entry `name` on device and prints what it computed
    (outputs, state after forward, gradients): the snippet a failure report shows."""
    from .table import entries

    (entry,) = [e for e in entries(["modules"], [name]) if isinstance(e, ModuleInfo)]
    sample = list(entry.samples(np.random.default_rng(_seed(entry.feature, entry.name))))[index]
    res = _run(entry, sample, index, ag.device(device), dtype, entry.grad and sample.grad)
    for k, v in res.items():
        if k != "before":
            print(k, v)
    return res
