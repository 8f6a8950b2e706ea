"""The autograd engine: the iterative backward pass over the graph of `Node`s (core/graph.py),
`backward` and `grad`.

Normally the engine hands `bw` raw backend arrays and the backend's kernel namespace K (fast);
with `create_graph=True` it hands it arraygrad Tensors and the differentiable namespace, so the
same formula records a graph of its own: higher-order gradients need no second set of formulas.
"""

from __future__ import annotations

import warnings

from .grad_mode import STATE
from .graph import _FREED_MSG, OUT, Node, record
from .sparse import SparseTensor, _accumulate_sparse
from .tensor import Tensor, _wrap
from .views import NO_GRAD_MODE as _NO_GRAD_VIEW

__all__ = ["backward", "grad"]


def _diff_namespace():
    from .ops import _kernels

    return _kernels.DIFF


def _check_versions(node: Node) -> None:
    for vc, v, t in node.versions:
        if vc[0] != v:
            what = (f"a tensor of shape {list(t.shape)} and dtype {t.dtype}" if t is not None
                    else f"output 0 of {node._name}")
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: {what}, saved by {node._name}, is at version {vc[0]}; "
                f"expected version {v} instead. Hint: enable anomaly detection to find the "
                "operation that failed to compute its gradient, with "
                "arraygrad.autograd.set_detect_anomaly(True).")


def _resolve_saved(node: Node, create: bool):
    if node.versions is not None:
        _check_versions(node)
    if not create:
        return node.saved
    out = []
    for raw, s in zip(node.saved, node.saved_t, strict=False):
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


def _copy(g, dev, create: bool):
    """A gradient no one else holds: raw arrays are copied, Tensors cloned differentiably."""
    if create:
        return record(dev, dev.xp.asarray(g._data, copy=True), "CloneBackward0", _clone_bw, (g,))
    return dev.xp.asarray(g, copy=True)


def _clone_bw(K, n, s, g):
    return (g,)


def _call_hooks(hooks, g, dev, create):
    """Runs a tensor's gradient hooks (a returned tensor replaces the gradient); the retain_grad
    entry runs last, as in PyTorch, and sees the final gradient."""
    gt = _as_tensor(g, dev)
    retained = None
    for h in list(hooks):
        if type(h) is tuple:  # retain_grad
            retained = h[1]
            continue
        r = h(gt)
        if r is not None:
            if not isinstance(r, Tensor):
                raise TypeError(f"a gradient hook must return a Tensor or None, got "
                                f"{type(r).__name__}")
            if r.shape != gt.shape:
                raise RuntimeError(f"hook {getattr(h, '__name__', h)!s} returned a gradient of "
                                   f"shape {tuple(r.shape)}, but the gradient it was given has "
                                   f"shape {tuple(gt.shape)}")
            gt = r
    if retained is not None:
        cur = retained.grad
        if cur is None:
            retained.grad = _copy(gt, dev, True) if create else _wrap(_copy(gt._data, dev, False),
                                                                       dev)
        elif create or cur._rg:
            retained.grad = cur + gt
        else:
            cur._data = cur._data + gt._data
            cur._bump()
    return gt if create else gt._data


def _accumulate(t: Tensor, g, create: bool, stolen: set, hooks: bool = True) -> None:
    """Adds g into leaf t's .grad (AccumulateGrad); the first gradient is stored without a copy
    only when no one else holds it, so two leaves never share a .grad."""
    v = t._view
    if v is not None and v.meta == _NO_GRAD_VIEW:
        return  # a no_grad view of a tensor that requires grad: PyTorch gives it no accumulator
    if hooks and t._hooks:
        g = _call_hooks(t._hooks, g, t._dev, create)
    dev = t._dev
    data = t._data
    if g.__class__ is SparseTensor or t.grad.__class__ is SparseTensor:  # Embedding(sparse=True)
        t.grad = _accumulate_sparse(t, g)
        return
    if tuple(g.shape) != tuple(data.shape):
        raise RuntimeError(f"backward(): invalid gradient for a tensor of shape "
                           f"{tuple(data.shape)}: got a gradient of shape {tuple(g.shape)}")
    cur = t.grad
    if create:
        if g._data.dtype != data.dtype:
            g = g.to(t.dtype)
        t.grad = _copy(g, dev, True) if cur is None else cur + g
        return
    if g.dtype != data.dtype:
        g = dev.xp.astype(g, data.dtype)
    if cur is None:
        if id(g) in stolen or not dev.backend.owns(g):
            g = dev.xp.asarray(g, copy=True)
        stolen.add(id(g))
        t.grad = _wrap(g, dev)
    elif cur._rg:  # a grad with history (from create_graph): replaced, out of place
        t.grad = _wrap(cur._data + g, cur._dev)
    else:
        cur._data = cur._data + g
        cur._bump()


def _add(bufs: dict, node: Node, idx: int, g) -> None:
    if node.nout == 1:
        cur = bufs.get(node)
        bufs[node] = g if cur is None else (cur if g is None else cur + g)
    else:
        lst = bufs.get(node)
        if lst is None:
            lst = bufs[node] = [None] * node.nout
        cur = lst[idx]
        lst[idx] = g if cur is None else (cur if g is None else cur + g)


def _call_bw_anomaly(n: Node, K, saved, g):
    """n's backward under anomaly detection: a failure (or a nan, with check_nan) shows the
    traceback of the forward call that made n."""
    try:
        grads = n.bw(K, n, saved, g)
        if STATE.check_nan:
            for i, gi in enumerate(grads):
                if gi is None:
                    continue
                x = gi._data if isinstance(gi, Tensor) else gi
                if bool(n.dev.xp.any(n.dev.xp.isnan(x))):
                    raise RuntimeError(
                        f"Function '{n._name}' returned nan values in its {i}th output.")
        return grads
    except Exception:
        if n.trace:
            warnings.warn(f"Error detected in {n._name}. Traceback of forward call that caused "
                          "the error:\n" + "".join(n.trace), stacklevel=3)
        raise


class _Capture:
    """What `autograd.grad` asks for: leaf tensors (id -> grad) and non-leaf outputs
    (node -> {output index: grad}); captured gradients are returned, not accumulated."""

    __slots__ = ("leaves", "nodes")

    def __init__(self, tensors):
        self.leaves, self.nodes = {}, {}
        for t in tensors:
            if t.grad_fn is None:
                self.leaves[t] = None
            else:
                self.nodes.setdefault(t.grad_fn, {})[t._oi] = None

    def get(self, t):
        if t.grad_fn is None:
            return self.leaves[t]
        return self.nodes[t.grad_fn][t._oi]


def _reaching(starts: list, cap: _Capture) -> set:
    """The nodes from which a captured tensor can be reached: only these run in autograd.grad
    (a gradient penalty does not pay for the rest of the graph)."""
    parents: dict = {}
    seen = set(starts)
    stack = list(starts)
    targets = []
    leaves, cnodes = cap.leaves, cap.nodes
    while stack:
        n = stack.pop()
        hit = n in cnodes
        for e in n.next:
            if e is None:
                continue
            te = type(e)
            if te is tuple:
                e = e[0]
            elif te is not Node:
                if e in leaves:
                    hit = True
                continue
            p = parents.get(e)
            if p is None:
                parents[e] = [n]
            else:
                p.append(n)
            if e not in seen:
                seen.add(e)
                stack.append(e)
        if hit:
            targets.append(n)
    keep = set(targets)
    while targets:
        for p in parents.get(targets.pop(), ()):
            if p not in keep:
                keep.add(p)
                targets.append(p)
    return keep


def _edge_node(e):
    """The Node an edge leads to (None for a leaf edge)."""
    te = type(e)
    if te is Node:
        return e
    if te is tuple:
        return e[0]
    return None


def _run(roots, root_grads, retain: bool, create: bool, cap: _Capture | None) -> None:
    """Propagates root_grads from roots down the graph, in topological order, without recursion.

    cap (autograd.grad, backward(inputs=)): only nodes that lead to a captured tensor run, and
    captured gradients are stored in cap instead of being accumulated into `.grad`.
    """
    bufs: dict = {}
    deps: dict = {}
    leaf_grads: dict = {}  # leaf -> summed gradient: its hooks see the total, as in PyTorch
    stack = []
    stolen: set = set()
    for t, g in zip(roots, root_grads, strict=False):
        stolen.add(id(g))
        n = t.grad_fn
        if n is None:
            if g is not None:
                cur = leaf_grads.get(t)
                leaf_grads[t] = g if cur is None else cur + g
            continue
        _add(bufs, n, t._oi, g)
        if n not in deps:
            deps[n] = 0
            stack.append(n)
    keep = None
    if cap is not None:
        keep = _reaching(stack, cap)
        stack = [n for n in stack if n in keep]
        for n in list(deps):
            if n not in keep:
                del deps[n]
    starts = list(stack)
    prune = keep is not None
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
            if prune and e not in keep:
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
            mask = None
            if prune:
                slots = cap.nodes.get(n)
                if slots is not None:
                    for oi in slots:
                        slots[oi] = g if n.nout == 1 else (g[oi] if g is not None else None)
                mask = tuple(e is not None and (_edge_node(e) in keep if _edge_node(e) is not None
                                                else e in cap.leaves) for e in n.next)
                if True not in mask:
                    continue
            if n.pre_hooks:
                for h in n.pre_hooks:
                    r = h(g if n.nout > 1 else (g,))
                    if r is not None:
                        g = r if n.nout > 1 else r[0]
            if g is None or (n.nout > 1 and not any(x is not None for x in g)):
                grads = (None,) * len(n.next)
            else:
                K = _diff_namespace() if create else n.dev.K
                saved = n.saved
                if saved:
                    saved = _resolve_saved(n, create)
                elif saved is None:
                    raise RuntimeError(_FREED_MSG)
                if prune and mask != n.needs:
                    needs = n.needs
                    n.needs = tuple(a and b for a, b in zip(needs, mask, strict=True))
                    try:
                        grads = (_call_bw_anomaly(n, K, saved, g) if STATE.anomaly
                                 else n.bw(K, n, saved, g))
                    finally:
                        n.needs = needs
                else:
                    grads = (_call_bw_anomaly(n, K, saved, g) if STATE.anomaly
                             else n.bw(K, n, saved, g))
                if n.hooks:
                    for h in n.hooks:
                        r = h(grads, g)
                        if r is not None:
                            grads = r
                if not retain and n.saved:
                    n.saved = None
                    n.saved_t = None
                    n.versions = None  # it holds the saved input tensors: free them too
            for e, gi in zip(n.next, grads):  # noqa: B905  (hot loop: no keyword call)
                if e is None:
                    continue
                te = type(e)
                if te is Node or te is tuple:
                    node, idx = (e, 0) if te is Node else e
                    if prune and node not in keep:
                        continue
                    if gi is not None:
                        if node.nout == 1:  # _add, inlined: the hot path
                            cur = bufs.get(node)
                            bufs[node] = gi if cur is None else cur + gi
                        else:
                            _add(bufs, node, idx, gi)
                    c = deps[node] - 1
                    deps[node] = c
                    if c == 0:
                        ready.append(node)
                elif gi is not None and (not prune or e in cap.leaves):
                    cur = leaf_grads.get(e)
                    leaf_grads[e] = (gi if cur is None else gi + cur  # sparse first: it adds dense
                                     if gi.__class__ is SparseTensor else cur + gi)
        for t, g in leaf_grads.items():
            if cap is None:
                _accumulate(t, g, create, stolen)
            elif t in cap.leaves:
                cap.leaves[t] = _call_hooks(t._hooks, g, t._dev, create) if t._hooks else g
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
    if grad_outputs is not None and len(grad_outputs) != len(outputs):
        raise RuntimeError(f"{op}(): got {len(grad_outputs)} gradients for {len(outputs)} "
                           "tensors; pass one gradient (or None) per tensor")
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
                    f"output of shape {tuple(t.shape)}); pass a gradient of that shape")
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


def _grad_list(grad_tensors):
    if grad_tensors is None:
        return None
    if isinstance(grad_tensors, Tensor) or not isinstance(grad_tensors, (list, tuple)):
        return [grad_tensors]
    return list(grad_tensors)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             inputs=None) -> None:
    """Accumulates d(tensors)/d(leaf) into each leaf's `.grad` (only into `inputs`' .grad when
    given, leaves or not)."""
    roots = _tensors(tensors, "backward")
    if retain_graph is None:
        retain_graph = create_graph
    grads = _root_grads(roots, _grad_list(grad_tensors), create_graph, "backward")
    if inputs is None:
        _run(roots, grads, retain_graph, create_graph, None)
        return
    ins = _tensors(inputs, "backward(inputs=)")
    if not ins:
        raise RuntimeError("backward(): 'inputs' argument to backward() cannot be empty.")
    for i, t in enumerate(ins):
        if not t._rg:
            raise RuntimeError(f"backward(): input {i} (shape {tuple(t.shape)}) does not require "
                               "grad; every tensor in inputs= must require grad")
    cap = _Capture(ins)
    _run(roots, grads, retain_graph, create_graph, cap)
    stolen: set = set(id(g) for g in grads)
    done: set = set()
    for t in ins:
        if id(t) in done:
            continue
        done.add(id(t))
        g = cap.get(t)
        if g is not None:
            _accumulate(t, g, create_graph, stolen, hooks=False)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False, is_grads_batched=False):
    """The gradients of outputs with respect to inputs, returned (not accumulated into .grad);
    only the part of the graph that leads to `inputs` runs."""
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads="
                         "True, but got: allow_unused=False.")
    outs = _tensors(outputs, "grad(outputs)")
    ins = _tensors(inputs, "grad(inputs)")
    if not ins:
        raise RuntimeError("grad(): 'inputs' must contain at least one tensor")
    if retain_graph is None:
        retain_graph = create_graph
    if is_grads_batched:
        return _grad_batched(outs, ins, _grad_list(grad_outputs), retain_graph, create_graph,
                             allow_unused, materialize_grads)
    for i, t in enumerate(ins):
        if not t._rg:
            raise RuntimeError(f"grad(): One of the differentiated Tensors does not require grad "
                               f"(input {i}, shape {tuple(t.shape)})")
    grads = _root_grads(outs, _grad_list(grad_outputs), create_graph, "grad")
    cap = _Capture(ins)
    _run(outs, grads, retain_graph, create_graph, cap)
    res = []
    seen: set = set(id(g) for g in grads)
    for i, t in enumerate(ins):
        g = cap.get(t)
        if g is None:
            if materialize_grads:
                from .creation import zeros_like

                res.append(zeros_like(t))
                continue
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior.")
            res.append(None)
        elif create_graph:
            res.append(g)
        else:
            dev = t._dev
            if id(g) in seen or not dev.backend.owns(g):
                g = dev.xp.asarray(g, copy=True)  # results never alias each other or grad_outputs
            seen.add(id(g))
            res.append(_wrap(g, dev))
    return tuple(res)


def _grad_batched(outs, ins, grad_outputs, retain_graph, create_graph, allow_unused,
                  materialize_grads):
    """`grad(..., is_grads_batched=True)`: one backward per slice along the first dimension of
    every grad_output, results stacked along a new first dimension."""
    if grad_outputs is None or any(g is None for g in grad_outputs):
        raise RuntimeError("grad(): is_grads_batched=True needs a batched grad_output for every "
                           "output")
    b = grad_outputs[0].shape[0]

    def part(go, k):  # slice k of a batched grad_output (differentiably under create_graph)
        return go[k] if create_graph else _wrap(go._data[k, ...], go._dev)

    per = [grad(outs, ins, [part(go, k) for go in grad_outputs], retain_graph=True,
                create_graph=create_graph, allow_unused=allow_unused,
                materialize_grads=materialize_grads) for k in range(b)]
    res = []
    for j, t in enumerate(ins):
        col = [p[j] for p in per]
        if any(c is None for c in col):
            res.append(None)
            continue
        if create_graph:
            from .ops.joining import stack

            res.append(stack(col))
        else:
            res.append(_wrap(t._dev.xp.stack([c._data for c in col]), t._dev))
    return tuple(res)
