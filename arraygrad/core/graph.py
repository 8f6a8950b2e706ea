"""The recorded graph: `Node` (one op's backward formula, edges to its inputs, what it saved)
and `record`, which every differentiable op calls to put its output on the graph.

An op records one `Node` holding its backward formula `bw(K, node, saved, grad) -> grads`;
core/autograd.py runs the formulas backwards. Saved tensors keep the version they had, so an
in-place change before backward is caught.
"""

from __future__ import annotations

import traceback

from .grad_mode import STATE
from .tensor import Tensor, _wrap

__all__ = ["Node", "record", "record_multi", "OUT"]

OUT = object()  # in `saved`: the op's output (kept as data, rebuilt with its node for create_graph)
_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward.")


class Node:
    """One recorded op: its backward formula, the edges to its inputs, and what it saved."""

    __slots__ = ("_name", "bw", "next", "needs", "saved", "saved_t", "versions", "ctx", "nout",
                 "dev", "out_hooks", "hooks", "pre_hooks", "trace", "meta", "__weakref__")

    def __init__(self, name, bw, next_, needs, dev, ctx=None, nout=1):
        self._name = name
        self.bw = bw
        self.next = next_
        self.needs = needs
        self.saved = ()
        self.saved_t = None
        self.versions = None
        self.ctx = ctx
        self.nout = nout
        self.dev = dev
        self.out_hooks = None
        self.hooks = None
        self.pre_hooks = None
        self.meta = None
        self.trace = traceback.format_stack()[:-3] if STATE.anomaly else None

    def name(self) -> str:
        return self._name

    @property
    def next_functions(self) -> tuple:
        out = []
        for e in self.next:
            if e is None:
                out.append((None, 0))
            elif type(e) is Node:
                out.append((e, 0))
            elif type(e) is tuple:
                out.append(e)
            else:
                out.append((_AccumulateGrad(e), 0))
        return tuple(out)

    @property
    def metadata(self) -> dict:
        if self.meta is None:
            self.meta = {}
        return self.meta

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) after this node ran; may return new grad_inputs."""
        if self.hooks is None:
            self.hooks = []
        self.hooks.append(fn)
        return _RemovableHandle(self.hooks, fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) before this node runs; may return new grad_outputs."""
        if self.pre_hooks is None:
            self.pre_hooks = []
        self.pre_hooks.append(fn)
        return _RemovableHandle(self.pre_hooks, fn)

    def __repr__(self) -> str:
        return f"<{self._name} object at {hex(id(self))}>"


class _AccumulateGrad:
    """What `next_functions` shows for a leaf: the node that accumulates into `variable.grad`."""

    def __init__(self, variable):
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"


class _RemovableHandle:
    def __init__(self, hooks: list, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        try:
            self._hooks.remove(self._hook)
        except ValueError:
            pass


def _edge(t: Tensor):
    n = t.grad_fn
    if n is None:
        return t
    return n if t._oi == 0 else (n, t._oi)


def _save(node: Node, saved: tuple, out: Tensor | None) -> None:
    raw, versions = [], []
    for s in saved:
        if isinstance(s, Tensor):
            raw.append(s._data)
            vc = s._vc
            if vc is None:
                vc = s._vc = [0]
            versions.append((vc, vc[0], s))
        elif s is OUT:
            raw.append(out._data)
            vc = out._vc = [0]
            versions.append((vc, 0, None))
        else:
            raw.append(s)
    node.saved = tuple(raw)
    node.saved_t = saved
    node.versions = tuple(versions) if versions else None


def record(dev, data, name: str, bw, inputs: tuple, saved: tuple = (), ctx=None) -> Tensor:
    """The Tensor over `data`, output of op `name` on `inputs`; records a Node when any input
    requires grad and grad mode is on. `saved`: Tensors, `OUT`, or constants for `bw`."""
    if STATE.enabled:
        if len(inputs) == 1:  # the common case, without generator overhead
            t = inputs[0]
            if t is None or not t._rg:
                return _wrap(data, dev)
            n = t.grad_fn
            node = Node(name, bw, (t if n is None else n if t._oi == 0 else (n, t._oi),),
                        _NEEDS1, dev, ctx)
        else:
            needs = tuple(t is not None and t._rg for t in inputs)
            if True not in needs:
                return _wrap(data, dev)
            edges = tuple(_edge(t) if r else None for t, r in zip(inputs, needs, strict=True))
            node = Node(name, bw, edges, needs, dev, ctx)
        out = _wrap(data, dev, node)
        if saved:
            _save(node, saved, out)
        return out
    return _wrap(data, dev)



_NEEDS1 = (True,)


def record_multi(dev, datas, name: str, bw, inputs: tuple, saved: tuple = (), ctx=None,
                 differentiable=None) -> tuple:
    """Like `record` for an op with several outputs; bw gets a list of grads (None if unused).
    `differentiable`: which outputs carry gradient (default: all)."""
    outs = None
    if STATE.enabled:
        needs = tuple(t is not None and t._rg for t in inputs)
        if True in needs:
            edges = tuple(_edge(t) if r else None for t, r in zip(inputs, needs, strict=True))
            node = Node(name, bw, edges, needs, dev, ctx, len(datas))
            node.meta = None
            outs = tuple(
                _wrap(d, dev, node, i) if differentiable is None or differentiable[i]
                else _wrap(d, dev) for i, d in enumerate(datas))
            if saved:
                _save(node, saved, None)
    if outs is None:
        outs = tuple(_wrap(d, dev) for d in datas)
    return outs


def _add_output_hook(t: Tensor, hook):
    """A hook on non-leaf t's gradient (hook None: retain_grad)."""
    node = t.grad_fn
    if node.out_hooks is None:
        node.out_hooks = {}
    hooks = node.out_hooks.setdefault(t._oi, [])
    entry = (hook, t) if hook is None else hook
    hooks.append(entry)
    return _RemovableHandle(hooks, entry)
