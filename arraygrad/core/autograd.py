"""The autograd engine: graph nodes, recording an op, and the iterative backward pass.

An op records one `Node` holding its backward formula `bw(K, node, saved, grad) -> grads`.
Normally the engine hands `bw` raw backend arrays and the backend's kernel namespace K (fast);
with `create_graph=True` it hands it arraygrad Tensors and the differentiable namespace, so the
same formula records a graph of its own: higher-order gradients need no second set of formulas.
"""

from __future__ import annotations

import traceback
import warnings

from .grad_mode import STATE
from .tensor import Tensor, _wrap

__all__ = ["Node", "record", "record_multi", "backward", "grad", "OUT"]

OUT = object()  # in `saved`: the op's output (kept as data, rebuilt with its node for create_graph)
_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling backward.")


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
        needs = tuple(t is not None and t._rg for t in inputs)
        if True in needs:
            node = Node(name, bw, tuple(_edge(t) if r else None for t, r in zip(inputs, needs)),
                        needs, dev, ctx)
            out = _wrap(data, dev, node)
            if saved:
                _save(node, saved, out)
            return out
    return _wrap(data, dev)


def record_multi(dev, datas, name: str, bw, inputs: tuple, saved: tuple = (), ctx=None,
                 differentiable=None) -> tuple:
    """Like `record` for an op with several outputs; bw gets a list of grads (None if unused).
    `differentiable`: which outputs carry gradient (default: all)."""
    outs = None
    if STATE.enabled:
        needs = tuple(t is not None and t._rg for t in inputs)
        if True in needs:
            node = Node(name, bw, tuple(_edge(t) if r else None for t, r in zip(inputs, needs)),
                        needs, dev, ctx, len(datas))
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


# ---- the backward pass ---------------------------------------------------------------------------
def _diff_namespace():
    from .. import array_api
    from .ops import _kernels

    return _kernels.DIFF


def _check_versions(node: Node) -> None:
    for i, (vc, v, t) in enumerate(node.versions):
        if vc[0] != v:
            what = f"a {tuple(t.shape)} tensor" if t is not None else f"output 0 of {node._name}"
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: {what} saved by {node._name} is at version {vc[0]}; expected "
                f"version {v} instead. Hint: the backtrace further above can show the operation "
                "that failed; enable anomaly detection with arraygrad.autograd.set_detect_anomaly(True).")


def _resolve_saved(node: Node, create: bool):
    if node.saved is None:
        raise RuntimeError(_FREED_MSG)
    if node.versions is not None:
        _check_versions(node)
    if not create:
        return node.saved
    out = []
    for raw, s in zip(node.saved, node.saved_t):
        if isinstance(s, Tensor):
            out.append(s)
        elif s is OUT:
            out.append(_wrap(raw, node.dev, node))
        elif hasattr(raw, "shape") and hasattr(raw, "dtype"):
            out.append(_wrap(raw, node.dev))
        else:
            out.append(raw)
    return tuple(out)


def _as_tensor(g, dev):
    return g if isinstance(g, Tensor) else _wrap(g, dev)


def _call_hooks(hooks, g, dev, create):
    gt = _as_tensor(g, dev)
    for h in list(hooks):
        if type(h) is tuple:  # retain_grad
            t = h[1]
            t.grad = gt if create else _wrap(gt._data, dev)
            continue
        r = h(gt)
        if r is not None:
            gt = r
    return gt if create else gt._data


def _accumulate(t: Tensor, g, create: bool, stolen: set) -> None:
    if t._hooks:
        g = _call_hooks(t._hooks, g, t._dev, create)
    if create:
        if g.shape != t.shape:
            raise RuntimeError(f"invalid gradient for a {tuple(t.shape)} leaf: got shape {g.shape}")
        t.grad = g if t.grad is None else t.grad + g
        return
    data = t._data
    if g.shape != data.shape:
        raise RuntimeError(
            f"invalid gradient for a leaf of shape {tuple(data.shape)}: got shape {tuple(g.shape)}")
    if g.dtype != data.dtype:
        g = t._dev.xp.astype(g, data.dtype)
    cur = t.grad
    if cur is None:
        b = t._dev.backend
        if id(g) in stolen or not b.owns(g):
            g = t._dev.xp.asarray(g, copy=True)
        stolen.add(id(g))
        t.grad = _wrap(g, t._dev)
    else:
        cur._data = cur._data + g
        cur._bump()


def _add(bufs: dict, node: Node, idx: int, g) -> None:
    if node.nout == 1:
        cur = bufs.get(node)
        bufs[node] = g if cur is None else cur + g
    else:
        lst = bufs.get(node)
        if lst is None:
            lst = bufs[node] = [None] * node.nout
        lst[idx] = g if lst[idx] is None else lst[idx] + g


def _check_nan(node: Node, grads, K) -> None:
    for i, g in enumerate(grads):
        if g is not None and bool(K.any(K.isnan(g._data if isinstance(g, Tensor) else g))):
            msg = f"Function '{node._name}' returned nan values in its {i}th output."
            if node.trace:
                warnings.warn("Traceback of forward call that caused the error:\n"
                              + "".join(node.trace), stacklevel=2)
            raise RuntimeError(msg)


def _run(roots, root_grads, retain: bool, create: bool, capture: dict | None) -> None:
    """Propagates root_grads from roots down the graph, in topological order, without recursion.

    capture (autograd.grad): maps a leaf Tensor or an (node, output) pair to a slot; captured
    gradients are stored there instead of being accumulated into `.grad`.
    """
    bufs: dict = {}
    deps: dict = {}
    stack = []
    stolen: set = set()
    for t, g in zip(roots, root_grads):
        stolen.add(id(g))
        n = t.grad_fn
        if n is None:
            if capture is not None:
                if t in capture:
                    capture[t] = g if capture[t] is None else capture[t] + g
            else:
                _accumulate(t, g, create, stolen)
            continue
        _add(bufs, n, t._oi, g)
        if n not in deps:
            deps[n] = 0
            stack.append(n)
    starts = list(stack)
    while stack:
        n = stack.pop()
        for e in n.next:
            if e is None:
                continue
            te = type(e)
            if te is tuple:
                e = e[0]
            elif te is not Node:
                continue
            c = deps.get(e)
            if c is None:
                deps[e] = 1
                stack.append(e)
            else:
                deps[e] = c + 1
    ready = [n for n in starts if deps[n] == 0]
    prev_enabled = STATE.enabled
    STATE.enabled = create
    try:
        while ready:
            n = ready.pop()
            g = bufs.pop(n, None)
            if n.out_hooks:
                g = _run_out_hooks(n, g, create)
            if capture is not None:
                _capture_node(capture, n, g)
            if n.pre_hooks:
                for h in n.pre_hooks:
                    r = h(g if n.nout > 1 else (g,))
                    if r is not None:
                        g = r if n.nout > 1 else r[0]
            if g is None or (n.nout > 1 and not any(x is not None for x in g)):
                grads = (None,) * len(n.next)
            else:
                K = _diff_namespace() if create else n.dev.K
                saved = _resolve_saved(n, create) if n.saved else n.saved
                grads = n.bw(K, n, saved, g)
                if n.hooks:
                    for h in n.hooks:
                        r = h(grads, g)
                        if r is not None:
                            grads = r
                if STATE.anomaly:
                    _check_nan(n, grads, n.dev.K)
                if not retain and n.saved:
                    n.saved = None
                    n.saved_t = None
            for e, gi in zip(n.next, grads):
                if e is None:
                    continue
                te = type(e)
                if te is Node or te is tuple:
                    node, idx = (e, 0) if te is Node else e
                    if gi is not None:
                        _add(bufs, node, idx, gi)
                    c = deps[node] - 1
                    deps[node] = c
                    if c == 0:
                        ready.append(node)
                elif gi is not None:
                    if capture is not None:
                        if e in capture:
                            capture[e] = gi if capture[e] is None else capture[e] + gi
                    else:
                        _accumulate(e, gi, create, stolen)
    finally:
        STATE.enabled = prev_enabled


def _run_out_hooks(n: Node, g, create: bool):
    if g is None:
        return g
    if n.nout == 1:
        hooks = n.out_hooks.get(0)
        return _call_hooks(hooks, g, n.dev, create) if hooks else g
    g = list(g)
    for i, hooks in n.out_hooks.items():
        if hooks and g[i] is not None:
            g[i] = _call_hooks(hooks, g[i], n.dev, create)
    return g


def _capture_node(capture: dict, n: Node, g) -> None:
    for key in capture.keys():
        if type(key) is tuple and key[0] is n:
            gi = g if n.nout == 1 else (g[key[1]] if g is not None else None)
            if gi is not None:
                capture[key] = gi


def _tensors(x, what: str) -> list:
    if isinstance(x, Tensor):
        return [x]
    if x is None:
        return []
    out = list(x)
    for t in out:
        if not isinstance(t, Tensor):
            raise TypeError(f"{what}: expected Tensors, got {type(t).__name__}")
    return out


def _root_grads(outputs, grad_outputs, create: bool, op: str) -> list:
    grads = []
    for i, t in enumerate(outputs):
        if not t._rg:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a "
                               "grad_fn")
        g = grad_outputs[i] if grad_outputs is not None else None
        if g is None:
            if t.numel() != 1:
                raise RuntimeError(
                    f"{op}(): grad can be implicitly created only for scalar outputs (got an "
                    f"output of shape {tuple(t.shape)}); pass gradient= of that shape")
            xp = t._dev.xp
            g = _wrap(xp.ones(t._data.shape, dtype=t._data.dtype, device=t._dev.native), t._dev)
        elif not isinstance(g, Tensor):
            from .creation import tensor as _tensor

            g = _tensor(g, dtype=t.dtype, device=t._dev)
        if g.shape != t.shape:
            raise RuntimeError(f"{op}(): Mismatch in shape: grad_output[{i}] has a shape of "
                               f"{tuple(g.shape)} and output[{i}] has a shape of {tuple(t.shape)}.")
        if g._dev is not t._dev:
            raise RuntimeError(f"{op}(): grad_output[{i}] is on {g._dev} but output[{i}] is on "
                               f"{t._dev}")
        grads.append(g if create else g._data)
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None) -> None:
    """Accumulates d(tensors)/d(leaf) into each leaf's `.grad` (or only into `inputs`')."""
    roots = _tensors(tensors, "backward")
    if grad_tensors is not None:
        grad_tensors = [grad_tensors] if isinstance(grad_tensors, Tensor) else list(grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    grads = _root_grads(roots, grad_tensors, create_graph, "backward")
    if inputs is not None:
        ins = _tensors(inputs, "backward(inputs=)")
        got = grad(roots, ins, [g if create_graph else _wrap(g, t._dev) for g, t in zip(grads, roots)],
                   retain_graph=retain_graph, create_graph=create_graph, allow_unused=True)
        for t, g in zip(ins, got):
            if g is not None:
                t.grad = g if t.grad is None else t.grad + g
        return
    _run(roots, grads, retain_graph, create_graph, None)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False, is_grads_batched=False):
    """The gradients of outputs with respect to inputs, returned (not accumulated into .grad)."""
    outs = _tensors(outputs, "grad(outputs)")
    ins = _tensors(inputs, "grad(inputs)")
    single = isinstance(inputs, Tensor)
    if grad_outputs is not None:
        grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    for i, t in enumerate(ins):
        if not t._rg:
            raise RuntimeError(f"grad(): input {i} does not require grad")
    grads = _root_grads(outs, grad_outputs, create_graph, "grad")
    keys = [t if t.grad_fn is None else (t.grad_fn, t._oi) for t in ins]
    capture = dict.fromkeys(keys)
    _run(outs, grads, retain_graph, create_graph, capture)
    res = []
    for i, (t, k) in enumerate(zip(ins, keys)):
        g = capture[k]
        if g is None:
            if materialize_grads:
                from .creation import zeros_like

                res.append(zeros_like(t))
                continue
            if not allow_unused:
                raise RuntimeError(
                    f"grad(): one of the differentiated Tensors (input {i}) appears to not have been "
                    "used in the graph. Set allow_unused=True if this is the desired behavior.")
            res.append(None)
        else:
            res.append(g if create_graph else _wrap(g, t._dev))
    return tuple(res) if not single else tuple(res)
