"""Views that alias their base, as in PyTorch, on every backend (docs/views.md explains the model).

A view (`x[1:]`, `x.T`, `x.view(6)`, `x.diagonal()`, `x.detach()` ...) keeps a `ViewInfo`: its root
base, the replayable steps that take the base's array to the view's, its strides and offset in
the base (to tell PyTorch's view/copy cases apart and find overlapping elements), and how it was
made (PyTorch's CreationMeta). An in-place op on a view writes into the base: through the shared
buffer where the backend mutates and the view's array aliases the base's (NumPy, CuPy),
functionally elsewhere (each step's adjoint puts the values back, as functionalization and JAX's
`.at[]` do). The base's history is rewritten as PyTorch's `CopySlices` does, the shared version
counter moves, and every live view of the base re-derives its data and gradient function.
"""

from __future__ import annotations

import math
import weakref

from . import dtypes as _dt
from .grad_mode import STATE
from .graph import record
from .tensor import Tensor, _wrap

__all__ = ["ViewInfo", "make_view", "mark_multi_output", "write", "refresh", "sync"]

# how a step writes a view's values back into its parent: PAD (its adjoint pads with zeros), BIJ
# (one-to-one), SUM (its adjoint sums copies: expand, as_strided)
PAD, BIJ, SUM = 0, 1, 2
EXPAND = SUM
# PyTorch's CreationMeta
DEFAULT, NO_GRAD_MODE, MULTI_OUTPUT = 0, 1, 2

_LEAF_VIEW = ("a view of a leaf Variable that requires grad is being used in an in-place "
              "operation.")
_NO_GRAD_VIEW = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. "
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your "
    "code by moving both the view and the inplace either both inside the no_grad block (if you "
    "don't want the inplace to be tracked) or both outside (if you want the inplace to be "
    "tracked).")
_MULTI_VIEW = (
    "Output {i} of {name} is a view and is being modified inplace. This view is the output of a "
    "function that returns multiple views. Such functions do not allow the output views to be "
    "modified inplace. You should replace the inplace operation by an out-of-place one.")
_OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation.")
# in-place ops that PyTorch allows on a view whose elements overlap (they write one value)
_OVERLAP_OK = frozenset(("fill_", "zero_"))


class Step:
    """One view op, replayable: `fwd(K, parent) -> view`; `bw` is the op's backward formula, called
    as `bw(K, step, (), g)` (the step stands in for the Node: it has `ctx`, `dev`, `needs`)."""

    __slots__ = ("fwd", "bw", "ctx", "dev", "kind", "name")
    needs = (True,)

    def __init__(self, fwd, bw, ctx, dev, kind, name):
        self.fwd, self.bw, self.ctx, self.dev, self.kind, self.name = fwd, bw, ctx, dev, kind, name


class ViewInfo:
    """What a view remembers: its root `base`, the `steps` from the base's array to its own, its
    `strides`/`offset` in the base (elements), PyTorch's creation `meta`, whether it is
    differentiable (`detach()` gives a view that is not), whether its array `aliased` the base's
    buffer, and the base `version` and array (`src`) its data was derived from."""

    __slots__ = ("base", "steps", "strides", "offset", "meta", "diff", "aliased", "version",
                 "src", "__weakref__")


def contiguous_strides(shape) -> tuple:
    """Row-major strides (elements) of a tensor of this shape."""
    st = _CONTIGUOUS.get(shape)
    if st is None:
        out, s = [], 1
        for n in reversed(shape):
            out.append(s)
            s *= max(n, 1)
        st = tuple(reversed(out))
        if len(_CONTIGUOUS) < 4096:
            _CONTIGUOUS[shape] = st
    return st


_CONTIGUOUS: dict = {}


def geometry(t: Tensor) -> tuple:
    """(strides, offset) of t in its base's elements (a base is contiguous)."""
    v = t._view
    if v is None:
        return contiguous_strides(t._data.shape), 0
    return v.strides, v.offset


# ---- geometry of each kind of view (PyTorch's strides) -------------------------------------------
def key_geometry(shape, strides, offset, key):
    """Strides and offset after a normalised basic key (ints, slices with positive steps, None)."""
    out, d = [], 0
    for e in key:
        if e is None:
            out.append(1)
            continue
        if isinstance(e, int):
            offset += e * strides[d]
        else:
            offset += e.start * strides[d] if len(range(e.start, e.stop, e.step)) else 0
            out.append(strides[d] * e.step)
        d += 1
    return tuple(out) + tuple(strides[d:]), offset


def reshape_strides(shape, strides, new_shape):
    """PyTorch's computeStride: the strides that view `new_shape` over (shape, strides), or None
    when a view cannot express it (reshape then copies, view() raises)."""
    if not shape:
        return tuple(1 for _ in new_shape)
    numel = math.prod(shape)
    if numel == 0:
        return contiguous_strides(new_shape)
    new = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk = strides[-1]
    tensor_numel = view_numel = 1
    for td in range(len(shape) - 1, -1, -1):
        tensor_numel *= shape[td]
        if td == 0 or (shape[td - 1] != 1 and strides[td - 1] != tensor_numel * chunk):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new[view_d] = view_numel * chunk
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if td > 0:
                chunk = strides[td - 1]
                tensor_numel = view_numel = 1
    if view_d != -1:
        return None
    return tuple(new)


def expand_strides(shape, strides, new_shape):
    lead = len(new_shape) - len(shape)
    return (0,) * lead + tuple(st if s == n else 0 for s, st, n in
                               zip(shape, strides, new_shape[lead:], strict=True))


def diagonal_geometry(shape, strides, offset, off: int, a: int, b: int, length: int):
    rest = tuple(st for i, st in enumerate(strides) if i not in (a, b))
    if length:
        offset += off * strides[b] if off >= 0 else -off * strides[a]
    return rest + (strides[a] + strides[b],), offset


# ---- making views --------------------------------------------------------------------------------
def make_view(out: Tensor, x: Tensor, step: Step, strides, offset, diff: bool = True) -> Tensor:
    """Marks out (just computed from x) as a view of x's base, one `step` further than x."""
    vc = x._vc
    if vc is None:
        vc = x._vc = [0]
    out._vc = vc
    info = ViewInfo()
    pv = x._view
    if pv is None:
        info.base, info.steps, info.meta = x, (step,), DEFAULT
    else:
        info.base, info.steps, info.meta = pv.base, pv.steps + (step,), pv.meta
        if type(pv.meta) is tuple:  # a view of a multi-output piece: PyTorch names its own op
            info.meta = (MULTI_OUTPUT, None, 0)
        diff = diff and pv.diff
    info.aliased = x._dev.backend.aliases(out._data, info.base._data)
    if info.meta == DEFAULT and not STATE.enabled:
        info.meta = NO_GRAD_MODE
        if diff and x._rg:  # PyTorch: a no_grad view of a tensor that requires grad does too
            out._rg = True
    info.strides, info.offset, info.diff, info.version = strides, offset, diff, vc[0]
    info.src = info.base._data
    out._view = info
    if len(vc) == 1:
        vc.append(weakref.WeakSet())
    vc[1].add(out)
    return out


def mark_multi_output(pieces: tuple, name: str) -> tuple:
    """The views returned by a multi-output op (unbind, split, chunk): PyTorch forbids in-place
    ops on them while autograd records."""
    for i, p in enumerate(pieces):
        v = p._view
        if v is not None and v.meta == DEFAULT:
            v.meta = (MULTI_OUTPUT, name, i)
    return pieces


def _identity_bw(K, n, s, g):
    return (g,)


def _identity(K, a):
    return a


def detached(t: Tensor) -> Tensor:
    """t's values as a view that autograd does not follow (`detach()`, `.data`)."""
    out = _wrap(t._data, t._dev)
    strides, offset = geometry(t)
    step = Step(_identity, _identity_bw, None, t._dev, BIJ, "Alias")
    return make_view(out, t, step, strides, offset, diff=False)


# ---- replaying and writing back ------------------------------------------------------------------
def replay(K, arr, steps):
    """The view's array from its base's (raw arrays with K = dev.K, or Tensors with DIFF)."""
    for s in steps:
        arr = s.fwd(K, arr)
    return arr


def _adjoint(K, g, steps):
    """The gradient for the base from the view's gradient g (each step's backward, in reverse)."""
    for s in reversed(steps):
        g = s.bw(K, s, (), g)[0]
    return g


def _int(dev):
    return dev.native_dtype(dev.default_int)


def _put_step(K, s: Step, parent, val, mask):
    """parent with val (s's view of it) written where mask says the view was written."""
    if s.kind == BIJ:
        return _adjoint(K, val, (s,)), _adjoint(K, mask, (s,))
    if s.kind == PAD:
        m = _adjoint(K, mask, (s,))
        return K.where(m, _adjoint(K, val, (s,)), parent), m
    # expand, as_strided: each parent element takes the value written into its copies: one copy
    # unless the view overlaps, and then the copies' mean (they agree after fill_/zero_)
    it = _int(s.dev)
    cnt = _adjoint(K, K.astype(mask, it), (s,))
    m = cnt > 0
    if val.dtype == mask.dtype:  # bool values
        picked = _adjoint(K, K.astype(K.logical_and(mask, val), it), (s,)) > 0
    else:
        total = _adjoint(K, K.where(mask, val, K.zeros_like(val)), (s,))
        one = K.where(m, cnt, K.ones_like(cnt))  # x / 1 is exact: one copy keeps its value
        kind = s.dev.to_ag[val.dtype].kind
        total = total // one if kind <= _dt._INT else total / K.astype(one, total.dtype)
        picked = K.astype(total, val.dtype) if total.dtype != val.dtype else total
    return K.where(m, picked, parent), m


def put(dev, base_arr, steps, val):
    """The base's new array: base_arr with val written into the view `steps` take (functional)."""
    K = dev.K
    parents = [base_arr]
    for s in steps[:-1]:
        parents.append(s.fwd(K, parents[-1]))
    mask = K.ones(tuple(val.shape), dtype=dev.native_dtype(_dt.bool), device=dev.native)
    for s, p in zip(reversed(steps), reversed(parents), strict=True):
        val, mask = _put_step(K, s, p, val, mask)
    return val


def _base_mask(dev, steps, shape):
    """Where in the base the view's elements live (a bool array of the base's shape)."""
    K = dev.K
    m = K.ones(tuple(shape), dtype=dev.native_dtype(_dt.bool), device=dev.native)
    for s in reversed(steps):
        if s.kind == SUM:
            m = _adjoint(K, K.astype(m, _int(dev)), (s,)) > 0
        else:
            m = _adjoint(K, m, (s,))
    return m


# ---- autograd: CopySlices and the regenerated view functions -------------------------------------
def _copy_slices_bw(K, n, s, g):
    """The base's old history gets g outside the written view; the written values get g's view."""
    steps, shape = n.ctx
    gb = gr = None
    if n.needs[0]:
        m = _base_mask(n.dev, steps, shape)
        if isinstance(g, Tensor):
            m = _wrap(m, n.dev)
        gb = K.where(m, K.zeros_like(g), g)
    if n.needs[1]:
        gr = replay(K, g, steps)
    return gb, gr


def _view_bw(K, n, s, g):
    return (_adjoint(K, g, n.ctx),)


def _regenerate(view: Tensor, base: Tensor) -> None:
    """view's gradient function rebuilt from base's current history (PyTorch's AsStridedBackward0
    when a view's base changed in place)."""
    t = record(base._dev, view._data, "AsStridedBackward0", _view_bw, (base,), (),
               view._view.steps)
    view.grad_fn, view._oi, view._rg = t.grad_fn, 0, t._rg


# ---- in-place writes -----------------------------------------------------------------------------
def overlaps(t: Tensor) -> bool:
    """Whether two elements of t are one element of its base (an expanded view)."""
    v = t._view
    if v is None:
        return False
    return any(n > 1 and st == 0 for n, st in zip(t._data.shape, v.strides, strict=True))


def check(self: Tensor, op: str, recording: bool) -> None:
    """PyTorch's errors for an in-place op on a view (check_inplace / handle_view_on_rebase)."""
    info = self._view
    if op not in _OVERLAP_OK and overlaps(self):
        raise RuntimeError(_OVERLAP)
    if not info.diff or not STATE.enabled:
        return
    base = info.base
    if not (recording or (info.meta == NO_GRAD_MODE and base._rg)):
        return
    meta = info.meta
    if meta == NO_GRAD_MODE:
        raise RuntimeError(_NO_GRAD_VIEW)
    if meta != DEFAULT:
        _, name, i = meta
        if name is None:
            name = info.steps[-1].name.rstrip("0123456789").removesuffix("Backward")
        raise RuntimeError(_MULTI_VIEW.format(i=i, name=name))
    if self._rg and base._rg and base.grad_fn is None:
        raise RuntimeError(_LEAF_VIEW)


def write(self: Tensor, result: Tensor, op: str) -> None:
    """Writes result (self's shape and dtype) into self, a view, and so into its base."""
    info = self._view
    recorded = result.grad_fn is not None
    check(self, op, recorded)
    base = info.base
    dev = self._dev
    b = dev.backend
    if writes_through(self):
        self._data[...] = result._data
    else:
        new = put(dev, base._data, info.steps, result._data)
        if b.writable(base._data):
            base._data[...] = new
        else:  # lazy: no compute here (a Dask graph is persisted where a step ends, not per write)
            base._data = new
    if recorded and info.diff:
        old = _wrap(base._data, dev, base.grad_fn, base._oi)  # the base's history so far
        old._rg = base._rg
        t = record(dev, base._data, "CopySlices", _copy_slices_bw, (old, result), (),
                   (info.steps, tuple(self._data.shape)))
        base.grad_fn, base._oi, base._rg = t.grad_fn, 0, True
    elif recorded:  # a detached view: it takes the result's history, its base keeps its own
        self.grad_fn, self._oi, self._rg = result.grad_fn, result._oi, True
    base._bump()  # the shared version moves; every view re-derives its data
    if recorded and info.diff:
        refresh(base, True)


def refresh(base: Tensor, regen: bool = False) -> None:
    """Every live view of base re-derives its data (unless it still aliases base's buffer, which
    was written in place) and, after a recorded write (regen), its gradient function from base's
    new history. `Tensor._bump` calls it, so any code that changes a tensor and bumps its version
    keeps the views right."""
    vc = base._vc
    if vc is None or len(vc) < 2:
        return
    for u in list(vc[1]):
        info = u._view
        if info is None or info.base is not base:
            continue
        _derive(u, info, vc[0])
        if regen and info.diff and base._rg:
            _regenerate(u, base)


def _derive(u: Tensor, info: ViewInfo, version: int) -> None:
    base = info.base
    if base._data is not info.src or (info.version != version and not info.aliased):
        u._data = replay(base._dev.K, base._data, info.steps)
        if base._data is not info.src:
            info.src = base._data
            info.aliased = base._dev.backend.aliases(u._data, base._data)
    info.version = version


def writes_through(t: Tensor) -> bool:
    """Whether a write into view t's array lands in its base (the arrays share a buffer)."""
    info = t._view
    return info.aliased and info.base._data is info.src and t._dev.backend.writable(t._data)


def has_views(t: Tensor) -> bool:
    vc = t._vc
    return vc is not None and len(vc) > 1 and len(vc[1]) > 0


def sync(t: Tensor) -> None:
    """t (a view) re-derived from its base if the base changed since (a safety net for code that
    replaced the base's array without bumping its version)."""
    _derive(t, t._view, t._vc[0])
