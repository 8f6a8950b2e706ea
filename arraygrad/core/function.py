"""Custom differentiable operations: subclass `Function` with static `forward` and `backward`
(PyTorch's `torch.autograd.Function`); `apply` records one graph node for the call."""

from __future__ import annotations

import functools
import inspect
import weakref

from . import dtypes as _dt
from .graph import _FREED_MSG, Node, _edge, record
from .grad_mode import STATE
from .tensor import Tensor, _wrap

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class _SavedIn:
    """A saved tensor that is not an output of the node (an input or a forward intermediate)."""

    __slots__ = ("t", "vc", "version")

    def __init__(self, t: Tensor):
        self.t, self.vc = t, t._shared_vc()
        self.version = self.vc[0]


class _SavedOut:
    """A saved output, kept as data and rebuilt on use: holding the Tensor itself would make a
    Tensor -> Node -> ctx -> Tensor reference cycle."""

    __slots__ = ("data", "oi", "vc", "version")

    def __init__(self, t: Tensor, oi: int):
        self.data, self.oi, self.vc = t._data, oi, t._shared_vc()
        self.version = self.vc[0]


class FunctionCtx:
    """The `ctx` a Function's forward/setup_context fills and its backward reads."""

    def __init__(self):
        self.needs_input_grad: tuple = ()
        self.materialize_grads = True
        self._to_save: tuple = ()
        self._dirty: tuple = ()
        self._non_diff: tuple = ()
        self._node = None

    def save_for_backward(self, *tensors) -> None:
        """Keeps tensors for backward; read them back with `ctx.saved_tensors`."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} is "
                                f"of type {type(t).__name__}")
        self._to_save = tensors

    def mark_dirty(self, *tensors) -> None:
        """Declares the inputs that forward modified in place (they must be returned)."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        """Declares outputs that carry no gradient (backward still gets a grad for them)."""
        self._non_diff = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """False: backward gets None (not zeros) for outputs that received no gradient."""
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self) -> tuple:
        node = self._node() if self._node is not None else None
        if node is None:  # not recorded (grad mode off, or nothing requires grad)
            return tuple(self._to_save)
        packed = node.saved
        if packed is None:
            raise RuntimeError(_FREED_MSG)
        return tuple(_unpack(node, p, i) for i, p in enumerate(packed))


def _unpack(node: Node, p, i: int):
    if p is None:
        return None
    if p.vc[0] != p.version:
        if type(p) is _SavedOut:
            what = f"output {p.oi} of {node._name}"
        else:
            what = f"a tensor of shape {list(p.t.shape)} and dtype {p.t.dtype}"
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: {what} (saved tensor {i}) is at version {p.vc[0]}; expected "
            f"version {p.version} instead. Hint: enable anomaly detection to find the operation "
            "that failed to compute its gradient, with "
            "arraygrad.autograd.set_detect_anomaly(True).")
    if type(p) is _SavedIn:
        return p.t
    t = _wrap(p.data, node.dev, node, p.oi)
    t._vc = p.vc
    return t


class Function:
    """Base class of custom differentiable operations (use the class, call `Cls.apply(...)`).

    forward(ctx, *args) -> outputs   (or forward(*args) plus setup_context(ctx, inputs, output))
    backward(ctx, *grad_outputs) -> one gradient (or None) per forward argument
    """

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your "
                                  "custom autograd.Function to use it with backward mode AD.")

    @staticmethod
    def vjp(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your "
                                  "custom autograd.Function to use it with backward mode AD.")

    def __call__(self, *args, **kwargs):
        raise RuntimeError(f"{type(self).__name__}: legacy autograd functions (called on an "
                           f"instance) are not supported; call {type(self).__name__}.apply(...) "
                           "with static forward and backward methods.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Runs forward with grad disabled and, when an input requires grad, records a node
        whose backward is `cls.backward`."""
        new_style = cls.setup_context is not Function.setup_context
        if kwargs:
            args = _bind(cls, new_style, args, kwargs)
        ctx = FunctionCtx()
        needs = tuple(isinstance(a, Tensor) and a._rg for a in args)
        ctx.needs_input_grad = needs
        recording = STATE.enabled and True in needs
        edges = (tuple(_edge(a) if r else None for a, r in zip(args, needs, strict=True))
                 if recording else None)
        prev = STATE.enabled
        STATE.enabled = False
        try:
            if new_style:
                out = cls.forward(*args)
                cls.setup_context(ctx, args, out)
            else:
                out = cls.forward(ctx, *args)
        finally:
            STATE.enabled = prev
        if not recording:
            return out
        return _connect(cls, ctx, args, needs, edges, out)


def _bind(cls, new_style: bool, args: tuple, kwargs: dict) -> tuple:
    """Keyword arguments of apply() as positional ones, by forward's signature."""
    params = list(inspect.signature(cls.forward).parameters.values())
    if not new_style:
        params = params[1:]
    ba = inspect.Signature(params).bind(*args, **kwargs)
    ba.apply_defaults()
    return tuple(ba.args)


def _connect(cls, ctx: FunctionCtx, args: tuple, needs: tuple, edges: tuple, out):
    """Records the node for a Function call and makes forward's outputs its outputs."""
    is_tuple = isinstance(out, tuple)
    outs = list(out) if is_tuple else [out]
    name = cls.__name__ + "Backward"
    dev = next(a._dev for a, r in zip(args, needs, strict=False) if r)
    input_ids = {id(a) for a in args if isinstance(a, Tensor)}
    out_ids = {id(o) for o in outs if isinstance(o, Tensor)}
    dirty = {id(t) for t in ctx._dirty}
    for t in ctx._dirty:
        if not isinstance(t, Tensor) or id(t) not in input_ids:
            raise RuntimeError(f"{cls.__name__}.forward: mark_dirty() takes the input tensors "
                               "that forward modified in place")
        if id(t) not in out_ids:
            raise RuntimeError("Some elements marked as dirty during the forward method were not "
                               "returned as output. The inputs that are modified inplace must all "
                               "be outputs of the Function.")
        if t._rg and t.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad has been used in an in-place "
                               f"operation ({cls.__name__}.forward marked it dirty).")
    non_diff = {id(t) for t in ctx._non_diff}
    node = Node(name, _function_bw, edges, needs, dev, ctx, len(outs))
    final, out_meta, seen = [], [], set()
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            final.append(o)
            out_meta.append(None)
            continue
        if o._dev is not dev:
            raise RuntimeError(f"{cls.__name__}.forward returned output {i} on {o._dev}, but its "
                               f"inputs are on {dev}")
        out_meta.append((o._data.shape, o._data.dtype))
        diff = id(o) not in non_diff and o.dtype.kind >= _dt._FLOAT
        if (id(o) in input_ids and id(o) not in dirty) or id(o) in seen:
            # an input (or one tensor twice) returned as is: a new tensor over the same data
            t = _wrap(o._data, dev, node if diff else None, i)
            t._vc = o._shared_vc()
        else:
            t = o
            if diff:
                t.grad_fn, t._oi, t._rg = node, i, True
            elif t.grad_fn is None:
                t._rg = False
        seen.add(id(o))
        final.append(t)
    ctx._in_meta = tuple((a._data.shape, a.dtype) if isinstance(a, Tensor) else None for a in args)
    ctx._out_meta = tuple(out_meta)
    ctx._cls = cls
    ctx._node = weakref.ref(node)
    if ctx._to_save:
        index = {id(t): i for i, t in enumerate(final)
                 if isinstance(t, Tensor) and t.grad_fn is node}
        packed = tuple(None if t is None else _SavedOut(t, index[id(t)]) if id(t) in index
                       else _SavedIn(t) for t in ctx._to_save)
        node.saved = packed
        node.saved_t = packed
    ctx._to_save = ctx._dirty = ctx._non_diff = ()  # they may hold outputs: no cycles via ctx
    return tuple(final) if is_tuple else final[0]


def _function_bw(K, n: Node, saved, g):
    """The engine's backward formula for a Function node: calls the user's backward on Tensors
    and checks what it returns (count, shapes, dtypes)."""
    ctx = n.ctx
    cls = ctx._cls
    create = STATE.enabled
    dev = n.dev
    grads = []
    for i, gi in enumerate([g] if n.nout == 1 else g):
        meta = ctx._out_meta[i]
        if gi is None:
            if meta is not None and ctx.materialize_grads:
                gi = _wrap(dev.xp.zeros(meta[0], dtype=meta[1], device=dev.native), dev)
        elif not isinstance(gi, Tensor):
            gi = _wrap(gi, dev)
        grads.append(gi)
    bw = cls.backward
    if bw is Function.backward and cls.vjp is not Function.vjp:
        bw = cls.vjp
    res = bw(ctx, *grads)
    if not isinstance(res, tuple):
        res = (res,)
    ninp = len(n.next)
    if len(res) != ninp:
        if len(res) > ninp and all(r is None for r in res[ninp:]):
            res = res[:ninp]
        else:
            raise RuntimeError(f"function {n._name} returned an incorrect number of gradients "
                               f"(expected {ninp}, got {len(res)})")
    out = []
    for i, (r, e) in enumerate(zip(res, n.next, strict=False)):
        meta = ctx._in_meta[i]
        if r is None:
            out.append(None)
            continue
        if meta is None:
            raise RuntimeError(f"function {n._name} returned a gradient different than None at "
                               f"position {i + 1}, but the corresponding forward input was not a "
                               "Variable")
        if not isinstance(r, Tensor):
            raise TypeError(f"function {n._name} returned a {type(r).__name__} as gradient {i}; "
                            "expected a Tensor or None")
        if e is None:  # that input does not require grad: its gradient is dropped
            out.append(None)
            continue
        shape, dtype = meta
        if r._dev is not dev:
            raise RuntimeError(f"Function {n._name} returned an invalid gradient at index {i} - "
                               f"expected device {dev} but got {r._dev}")
        if tuple(r.shape) != tuple(shape):
            if not _expandable(shape, r.shape):
                raise RuntimeError(f"Function {n._name} returned an invalid gradient at index {i}"
                                   f" - got {list(r.shape)} but expected shape compatible with "
                                   f"{list(shape)}")
            from .ops._common import unbroadcast

            r = (unbroadcast(K, r, tuple(shape)) if create
                 else _wrap(unbroadcast(K, r._data, tuple(shape)), dev))
        if r.dtype is not dtype:
            r = r.to(dtype)
        out.append(r if create else r._data)
    return tuple(out)


def _expandable(shape, to) -> bool:
    """Whether `shape` broadcasts to `to` (a gradient of shape `to` sums down to `shape`)."""
    if len(shape) > len(to):
        return False
    return all(s == t or s == 1 for s, t in zip(reversed(shape), reversed(to), strict=False))


def _twice_bw(K, n, s, g):
    raise RuntimeError("trying to differentiate twice a function that was marked with "
                       "@once_differentiable")


def once_differentiable(fn):
    """Decorates a Function's backward that is not itself differentiable: it runs without
    recording, and differentiating its result (double backward) raises."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        prev = STATE.enabled
        STATE.enabled = False
        try:
            outputs = fn(ctx, *args)
        finally:
            STATE.enabled = prev
        if not prev:
            return outputs
        req = tuple(a for a in args if isinstance(a, Tensor) and a._rg)
        if not req:
            return outputs
        tup = isinstance(outputs, tuple)
        wrapped = tuple(record(o._dev, o._data, "DelayedError", _twice_bw, req)
                        if isinstance(o, Tensor) else o for o in (outputs if tup else (outputs,)))
        return wrapped if tup else wrapped[0]
    return wrapper
