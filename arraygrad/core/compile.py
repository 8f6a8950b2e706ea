"""`ag.compile` (torch.compile): a function or module compiled where its backend can compile
(JAX: `jax.jit` over the same engine), run eagerly elsewhere with the same results.

How a call compiles (docs/compile.md): each call discovers the state the function reaches
(tensors and modules in its closure, the globals it names, its arguments; optimizers'
per-parameter state); the first call runs eagerly where an optimizer has no state yet. Calls
trace the function once per input signature with that state's arrays (values, `.grad`,
optimizer step counters) as inputs; the program returns their new values, which are written
back after each call, so the script around it is unchanged.
An op that needs a concrete value (`.item()`, `bool(t)`, `.numpy()`, data-dependent shapes), a host
random draw, a change to Python state, or an output carrying autograd history breaks the graph:
`fullgraph=True` raises `GraphBreak`; otherwise that signature runs eagerly, with one warning.
"""

from __future__ import annotations

import dis
import functools
import os
import random
import traceback
import types
import warnings

from . import grad_mode as _gm
from .random import Generator, default_generator
from .tensor import Tensor, _wrap

__all__ = ["compile", "GraphBreak"]

_EAGER = object()  # a cache entry: this signature runs eagerly
_MAX_SIGNATURES = 8  # like torch._dynamo's recompile limit: beyond it, run eagerly
_PKG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_SCALARS = (bool, int, float, str, type(None))
_SKIP = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType,
         types.MethodType, types.CodeType, str, bytes, int, float, bool, complex, type(None))
_TRACED_GROUP_KEYS = ("lr",)  # param_group numbers that are program inputs, not signature
# attributes set as a record for Python code outside (an optimizer's "step() was called"),
# which no program reads: neither signature nor a graph break when a trace sets them
_UNREAD_FLAGS = ("_opt_called",)


class GraphBreak(RuntimeError):
    """What stops ag.compile from compiling a function whole (torch._dynamo's Unsupported)."""


def compile(model=None, *, fullgraph: bool = False, dynamic=None, backend=None, mode=None,
            options=None, disable: bool = False):
    """torch.compile: `model` (a function or a module) compiled on backends that compile (JAX),
    run eagerly elsewhere; used bare, with options, or as a decorator (`@ag.compile`)."""
    if model is None:
        return functools.partial(compile, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                 mode=mode, options=options, disable=disable)
    if not callable(model):
        raise TypeError(f"compile(): expected a function or a module, got "
                        f"{type(model).__name__}")
    fn = _CompiledFunction(model, fullgraph=fullgraph, disable=disable)
    if hasattr(model, "forward") and hasattr(model, "parameters"):
        return _CompiledModule(model, fn)
    functools.update_wrapper(fn, model)
    return fn


class _CompiledModule:
    """A compiled module (torch's OptimizedModule): calling it calls the compiled module;
    every attribute (parameters(), train(), state_dict(), ...) is the module's own."""

    def __init__(self, mod, fn):
        object.__setattr__(self, "_orig_mod", mod)
        object.__setattr__(self, "_compiled", fn)

    def __call__(self, *args, **kwargs):
        """The module's forward (through __call__, so hooks run), compiled where possible."""
        return self._compiled(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._orig_mod, name)

    def __setattr__(self, name, value):
        setattr(self._orig_mod, name, value)

    def __repr__(self) -> str:
        return f"Compiled({self._orig_mod!r})"


class _Entry:
    """One compiled signature: the jitted program and what its outputs write back into."""

    __slots__ = ("program", "escaped", "escaped_slots", "out_tree", "mutated", "same")

    def __init__(self, program):
        self.program, self.escaped, self.escaped_slots, self.out_tree = program, None, None, None
        self.mutated = None  # the arguments (positions, keywords) it updates in place
        self.same = None  # per state tensor: (value unchanged, .grad unchanged) by the program


class _CompiledFunction:
    """The wrapper ag.compile returns for a function (see the module docstring)."""

    def __init__(self, fn, *, fullgraph: bool, disable: bool):
        self._fn, self._fullgraph, self._disable = fn, fullgraph, disable
        self._ran = False
        self._cache: dict = {}
        self._warned = False
        self._last = None  # the state the last call discovered, reused while its guards hold
        self.compiled_signatures = 0  # how many signatures compiled (tests, docs)

    def __call__(self, *args, **kwargs):
        if self._disable:
            return self._fn(*args, **kwargs)
        state = self._last
        if state is None or not state.still_valid(self._fn, args, kwargs):
            state = self._last = _State(self._fn, args, kwargs)
        be = state.backend()
        if be is None:  # nothing here can compile (the guards still spare the next call a walk)
            return self._fn(*args, **kwargs)
        if not self._ran and any(not o.state and _fills_state(o) for o in state.optims):
            # an optimizer's first step fills per-parameter state (moments, step counters) that
            # the steady program takes as inputs: running it eagerly saves compiling twice
            self._ran = True
            return self._eager(args, kwargs)
        try:
            key = state.key(args, kwargs)
        except TypeError:  # an unhashable non-tensor argument: no signature to cache by
            return self._eager(args, kwargs)
        entry = self._cache.get(key)
        if entry is None:
            if len(self._cache) >= _MAX_SIGNATURES:
                self._break(f"more than {_MAX_SIGNATURES} input signatures (shapes, dtypes, "
                            "flags) were seen", key)
                return self._eager(args, kwargs)
            entry = self._cache[key] = _Entry(be.jit(functools.partial(_traced, self, state)))
        if entry is _EAGER:
            return self._eager(args, kwargs)
        return self._run(entry, state, args, kwargs, key)

    def _eager(self, args, kwargs):
        """The function run as it is; whatever it changes, the next call discovers anew."""
        self._last = None
        return self._fn(*args, **kwargs)

    def _run(self, entry, state, args, kwargs, key):
        inputs = state.inputs(args, kwargs)
        try:
            outs = entry.program(inputs)
        except GraphBreak as e:
            if not self._ran:
                # the first call may create state (optimizer moments, flags) in ways a trace
                # cannot: it runs eagerly, and the next call traces with that state
                self._ran = True
                del self._cache[key]
                return self._eager(args, kwargs)
            self._break(str(e), key)
            return self._eager(args, kwargs)
        self._ran = True
        if entry.escaped is None:  # filled in by the trace (this call traced)
            self._last = None  # a trace may have created state (moments, counters)
            entry.escaped, entry.out_tree = state.trace_escaped, state.trace_out_tree
            entry.escaped_slots, entry.mutated = state.trace_escaped_slots, state.trace_mutated
            entry.same = state.trace_same
            self.compiled_signatures += 1
        out = state.write_back(outs, entry)
        state.refresh_guards()
        return out

    def _break(self, why: str, key) -> None:
        if self._fullgraph:
            raise GraphBreak(why)
        self._cache[key] = _EAGER
        if not self._warned:
            self._warned = True
            name = getattr(self._fn, "__qualname__", type(self._fn).__name__)
            warnings.warn(f"ag.compile: {name} runs eagerly: {why}", UserWarning, stacklevel=4)


def _traced(owner: _CompiledFunction, state: _State, inputs):
    """The pure function jax.jit traces: installs the traced arrays in the state, runs the user's
    function, and returns the state's new arrays and the result's."""
    # Python's random: the module's stream and the random.Random instances the function reaches
    py_rngs = [random] + [o for o in state.objects if isinstance(o, random.Random)]
    rng, py_rng = _rng_state(), [r.getstate() for r in py_rngs]
    # and the host streams of the arraygrad Generators it reaches (generator=g)
    host_gens = [(g, g._host.get_state()) for g in state.reached_gens
                 if g is not default_generator]
    before = state.python_state()
    state.install(inputs)
    ok = False
    try:
        try:
            result = owner._fn(*state.traced_args, **state.traced_kwargs)
        except state.break_errors as e:
            raise GraphBreak(_where(e)) from None
        if _rng_state() != rng or any(g._host.get_state() != h for g, h in host_gens):
            raise GraphBreak("it draws random numbers from the host generator (dropout, randn, "
                             "...), which a compiled program would replay unchanged")
        if [r.getstate() for r in py_rngs] != py_rng:
            raise GraphBreak("it draws from Python's random module (random.randint, ...), whose "
                             "value the compiled program would keep from its first trace: draw "
                             "outside and pass the value as an argument (one program per value)")
        changed = state.python_changes(before) or state.traced_group_changes()
        if changed:
            raise GraphBreak(f"it changes Python state a compiled program cannot update: "
                             f"{changed}")
        out = state.outputs(result)
        ok = True
        return out
    finally:
        state.restore(failed=not ok)
        if not ok:  # the eager rerun of a broken trace draws what an eager call would have
            default_generator._host.set_state(rng)
            for g, h in host_gens:
                g._host.set_state(h)
            for r, s in zip(py_rngs, py_rng, strict=True):
                r.setstate(s)


def _rng_state() -> bytes:
    return default_generator._host.get_state()


def _where(e: BaseException) -> str:
    """'<op> needs a concrete value (file:line: code)' from a tracing error's traceback."""
    frames = traceback.extract_tb(e.__traceback__)
    op, user = None, None
    for i, fr in enumerate(frames):
        inside = os.path.abspath(fr.filename).startswith(_PKG)
        if inside and i > 0 and not os.path.abspath(frames[i - 1].filename).startswith(_PKG):
            op, user = fr.name, frames[i - 1]
    if op is None:
        return f"an op needs a concrete value ({type(e).__name__})"
    op = {"__bool__": "bool(tensor)", "__float__": "float(tensor)", "__int__": "int(tensor)",
          "__index__": "operator.index(tensor)"}.get(op, f"{op}()")
    return (f"{op} needs a concrete value, which a traced tensor does not have "
            f"({user.filename}:{user.lineno}: {user.line})")


class _State:
    """What one call of a compiled function reads and writes: state tensors (leaves reached from
    its closure, the globals it names and its arguments), optimizer step counters, arguments."""

    def __init__(self, fn, args, kwargs):
        base = _base_roots(fn)
        self._base, self._base_ids = base, list(map(id, base))
        self._arg_ids = {id(a) for a in list(args) + list(kwargs.values())
                         if isinstance(a, Tensor)}
        self._arg_guard = _arg_guard(args, kwargs)
        roots = base + list(args) + list(kwargs.values())
        self.tensors, self.slots, self.objects, self.optims, self.gens = [], [], [], [], []
        self.free = []  # the Python scalars its functions read: (name, cell or dict, key)
        self.guards = []  # (container, its values (held), their ids): see still_valid
        _walk(roots, self)
        # the function itself is guarded by _base_roots (what its closure and code name)
        self.guards = [g for g in self.guards if g[0] is not fn]
        self.roots = roots
        self._guard_at = {id(c): i for i, (c, _, _) in enumerate(self.guards)}
        self._tensor_ids = {id(t) for t in self.tensors}
        self._pkey = None
        self.reached_gens = list(self.gens)
        self._choose_backend()
        be = self._backend
        self.native_random = bool(getattr(be, "native_random_enabled", False))
        if self.native_random and default_generator not in self.gens:
            self.gens.insert(0, default_generator)
        elif not self.native_random:
            self.gens = []
        # param_group numbers that are inputs of the program (a scheduler changes them between
        # calls without a recompile); a Tensor lr is state of its own (walked as a tensor)
        self.group_slots = [(g, k) for o in self.optims for g in o.param_groups
                            for k in _TRACED_GROUP_KEYS if type(g.get(k)) in (int, float)]
        self._group_ids = {(id(g), k) for g, k in self.group_slots}

    # ---- reuse across calls (dynamo's guards, by identity) ------------------------------------
    def still_valid(self, fn, args, kwargs) -> bool:
        """Whether a new call reaches exactly what this state discovered: the same objects in
        the function's closure and globals, the same non-tensor arguments, and every container
        the walk went through (dicts, lists, objects' attributes, helpers' closures) holding the
        same objects. The state holds those objects, so equal ids mean the same objects (and the
        same Python numbers: a changed learning rate or flag is a new object)."""
        if list(map(id, _base_roots(fn))) != self._base_ids:
            return False
        if _arg_guard(args, kwargs) != self._arg_guard:
            return False
        ids = self._tensor_ids
        if any(isinstance(a, Tensor) and id(a) in ids for a in (*args, *kwargs.values())):
            return False
        for c, _, was in self.guards:
            if tuple(map(id, _contents(c))) != was:
                return False
        self._arg_ids = {id(a) for a in (*args, *kwargs.values()) if isinstance(a, Tensor)}
        self.roots = self._base + list(args) + list(kwargs.values())
        return True

    def refresh_guards(self) -> None:
        """After the write-back: the optimizer-state dicts whose step counters it set."""
        for d in {id(d): d for d, _ in self.slots}.values():
            i = self._guard_at.get(id(d))
            if i is not None:
                vals = tuple(_contents(d))
                self.guards[i] = (d, vals, tuple(map(id, vals)))

    # ---- signature -------------------------------------------------------------------------
    def backend(self):
        """The backend that compiles this call's tensors, or None (run eagerly)."""
        return self._backend

    def _choose_backend(self) -> None:
        # the one compiling backend among the tensors reached; tensors elsewhere stay constants
        bes = {t._dev.backend for t in self.tensors if hasattr(t._dev.backend, "jit")}
        self._backend = bes.pop() if len(bes) == 1 else None
        if self._backend is not None:
            self.tensors = [t for t in self.tensors if t._dev.backend is self._backend]

    def key(self, args, kwargs):
        tens = tuple((t._data.shape, t._data.dtype, t._rg, t.grad is None) for t in self.tensors)
        if self._pkey is None:  # unchanged while the guards hold (the same objects)
            self._pkey = self.python_state(for_key=True)
        return (tens, _sig(args), _sig(tuple(sorted(kwargs.items()))), len(self.slots),
                self._pkey, _gm.is_grad_enabled(), len(self.gens), self.native_random)

    def python_state(self, for_key: bool = False) -> tuple:
        """The Python scalars of the objects reached (module flags, hyperparameters): the
        compiled program bakes them in, so they are part of its signature. An lr scheduler's
        counters are not (the program reads the learning rates it sets as inputs), but a
        change to them inside the function is still seen (for_key=False)."""
        out = []
        for o in self.objects:
            if for_key and _is_scheduler(o):
                out.append(())
                continue
            out.append(tuple((k, v) for k, v in vars(o).items()
                             if type(v) in _SCALARS and not k.startswith("__")
                             and k not in _UNREAD_FLAGS))
        for opt in self.optims:
            for g in opt.param_groups:
                out.append(tuple((k, _sig(v)) for k, v in g.items()
                                 if k != "params" and (id(g), k) not in self._group_ids))
        out.append(tuple((n, _free_value(h, k)) for n, h, k in self.free))  # python_changes
        return tuple(out)

    def python_changes(self, before) -> str:
        after = self.python_state()
        for o, b, a in zip(self.objects, before, after, strict=False):
            if a != b and _is_scheduler(o):
                return (f"{type(o).__name__}.step() (an lr scheduler stepped inside the compiled "
                        "function: step it outside, between calls)")
            if a != b:
                diff = sorted(set(a) - set(b))
                return f"{type(o).__name__}.{diff[0][0] if diff else '?'}"
        changed = [n for (n, b), (_, a) in zip(before[-1], after[-1], strict=True)
                   if a is not b and a != b]
        if changed:
            return f"the variable {changed[0]!r} it reads from its closure or globals"
        return "" if after == before else "an optimizer's param_groups"

    def traced_group_changes(self) -> str:
        """Which traced param_group number the function set (a scheduler's step() inside it)."""
        for (g, k), x in zip(self.group_slots, self._group_in, strict=True):
            if g[k] is not x:
                return (f"param_groups[...]['{k}'] (an lr scheduler stepped inside the compiled "
                        "function: step it outside, between calls)")
        return ""

    # ---- the traced side ---------------------------------------------------------------------
    @property
    def break_errors(self):
        return tuple(getattr(self.backend(), "graph_break_errors", ()))

    def inputs(self, args, kwargs):
        xs = [t._data for t in self.tensors]
        gs = [None if t.grad is None else t.grad._data for t in self.tensors]
        be = self.backend()
        sl = be.xp.asarray([float(d[k]) for d, k in self.slots], dtype=be.xp.float32) \
            if self.slots else None
        self._args, self._kwargs = args, kwargs
        targs = [a._data if isinstance(a, Tensor) else None for a in args]
        tkw = {k: v._data for k, v in kwargs.items() if isinstance(v, Tensor)}
        # Python floats: jax.jit takes them as weakly typed traced scalars (no recompile when
        # they change, and `lr * g` keeps g's dtype)
        grp = [float(g[k]) for g, k in self.group_slots]
        rng = [be.xp.asarray(g._native, dtype=be.xp.uint32) if type(g._native) is int
               else g._native for g in self.gens]
        return [xs, gs, sl, targs, tkw, grp, rng]

    def install(self, inputs) -> None:
        xs, gs, sl, targs, tkw, grp, rng = inputs
        self._in_x, self._in_g = xs, gs
        self._saved = [(t._data, t.grad) for t in self.tensors]
        self._saved_slots = [d[k] for d, k in self.slots]
        self._saved_groups = [g[k] for g, k in self.group_slots]
        self._saved_attrs = [(o, dict(vars(o))) for o in self.objects]
        self._saved_gens = [g._native for g in self.gens]
        self._saved_free = [_free_value(h, k) for _, h, k in self.free]
        for (g, k), x in zip(self.group_slots, grp, strict=True):
            g[k] = x
        self._group_in = grp
        for g, x in zip(self.gens, rng, strict=True):
            g._native = x
        self._opt_keys = [(o.state, {k: set(v) if isinstance(v, dict) else None
                                     for k, v in o.state.items()}) for o in self.optims]
        for t, x, g in zip(self.tensors, xs, gs, strict=True):
            t._data = x
            t.grad = None if g is None else _wrap(g, t._dev)
        for i, (d, k) in enumerate(self.slots):
            d[k] = sl[i]
        self.traced_args = [_as_arg(a, x) for a, x in zip(self._args, targs, strict=True)]
        self.traced_kwargs = {k: _as_arg(v, tkw.get(k)) for k, v in self._kwargs.items()}
        self._arg_in = {**dict(enumerate(targs)), **tkw}

    def outputs(self, result):
        be = self.backend()
        if _carries_history(result):
            raise GraphBreak("its result carries autograd history (backward() would follow it "
                             "out of the compiled program): compile the whole training step "
                             "(forward, backward and optimizer step), or call it under no_grad")
        # state the function left as it was is no output (no copy, nothing to write back)
        self.trace_same = [(t._data is x, g is not None and t.grad is not None
                            and t.grad._data is g)
                           for t, x, g in zip(self.tensors, self._in_x, self._in_g, strict=True)]
        xs = [None if sx else t._data for t, (sx, _) in zip(self.tensors, self.trace_same,
                                                             strict=True)]
        gs = [None if sg or t.grad is None else t.grad._data
              for t, (_, sg) in zip(self.tensors, self.trace_same, strict=True)]
        sl = be.xp.stack([be.xp.asarray(d[k], dtype=be.xp.float32) for d, k in self.slots]) \
            if self.slots else None
        seen = {id(t) for t in self.tensors}
        escaped = []
        probe = _State.__new__(_State)
        probe.tensors, probe.slots, probe.objects, probe.optims, probe.gens = [], [], [], [], []
        probe.free = []
        probe._arg_ids = set()
        _walk(self.roots, probe, leaves_only=False)
        for t in probe.tensors:
            if id(t) not in seen and be.is_traced(t._data):
                escaped.append(t)
        self.trace_escaped = escaped
        # Python numbers the trace stored into optimizer state (a first step's counters)
        known = {(id(d), k) for d, k in self.slots}
        self.trace_escaped_slots = [(d, k) for o in self.optims for d in o.state.values()
                                    if isinstance(d, dict) for k, v in d.items()
                                    if (id(d), k) not in known and be.is_traced(v)]
        esl = [d[k] for d, k in self.trace_escaped_slots]
        leaves, self.trace_out_tree = _flatten(result)
        # arguments updated in place (x.sub_(mean)): their new values are written back too
        args = {**dict(enumerate(self.traced_args)), **self.traced_kwargs}
        self.trace_mutated = [k for k, a in args.items()
                              if isinstance(a, Tensor) and a._data is not self._arg_in[k]]
        return [xs, gs, sl, [t._data for t in escaped], esl, leaves, [g._native for g in self.gens],
                [args[k]._data for k in self.trace_mutated]]

    def restore(self, failed: bool = False) -> None:
        for t, (x, g) in zip(self.tensors, self._saved, strict=True):
            t._data, t.grad = x, g
        for (d, k), v in zip(self.slots, self._saved_slots, strict=True):
            d[k] = v
        for (g, k), v in zip(self.group_slots, self._saved_groups, strict=True):
            g[k] = v
        for g, v in zip(self.gens, self._saved_gens, strict=True):
            g._native = v
        if failed:  # undo the closure and global variables a failed trace set
            for (_, h, k), v in zip(self.free, self._saved_free, strict=True):
                if _free_value(h, k) is not v:
                    if k is None:
                        h.cell_contents = v
                    else:
                        h[k] = v
        if failed:  # undo the attributes a failed trace set (a scheduler's counters, say)
            for o, before in self._saved_attrs:
                d = vars(o)
                for k in [k for k in d if k not in before]:
                    del d[k]
                for k, v in before.items():
                    if d.get(k) is not v:
                        d[k] = v
        if failed:  # undo the optimizer state a failed trace created (it holds tracers)
            for state, before in self._opt_keys:
                for k in [k for k in state if k not in before]:
                    del state[k]
                for k, keys in before.items():
                    if keys is not None:
                        for extra in [e for e in state[k] if e not in keys]:
                            del state[k][extra]

    # ---- after the call ----------------------------------------------------------------------
    def write_back(self, outs, entry):
        xs, gs, sl, esc, esl, leaves, rng, muts = outs
        with _gm.no_grad():  # through copy_, so a view's base sees the update as in eager
            for k, x in zip(entry.mutated, muts, strict=True):
                a = self._args[k] if isinstance(k, int) else self._kwargs[k]
                a.copy_(_wrap(x, a._dev))
        for g, n in zip(self.gens, rng, strict=True):
            g._native = n
        for t, x, g, (sx, sg) in zip(self.tensors, xs, gs, entry.same, strict=True):
            if not sx:
                t._data = x
            if sg:
                continue
            if g is None:
                t.grad = None
            elif t.grad is not None and t.grad._data.shape == g.shape:
                t.grad._data = g
            else:
                t.grad = _wrap(g, t._dev)
        if sl is not None:
            for (d, k), v in zip(self.slots, sl.tolist(), strict=True):
                d[k] = type(d[k])(v)
        for t, x in zip(entry.escaped, esc, strict=True):
            t._data = x
        for (d, k), v in zip(entry.escaped_slots, esl, strict=True):
            d[k] = v.item()
        return _unflatten(entry.out_tree, leaves, self.tensors[0]._dev)


def _fills_state(opt) -> bool:
    """Whether an optimizer's first step fills per-parameter state: Adam's moments and step
    counter (its class defines `_init_state`), SGD's momentum buffers; plain SGD's does not
    (by attributes: core does not import optim)."""
    return (any("_init_state" in vars(c) for c in type(opt).__mro__[:-2])
            or any(g.get("momentum") for g in opt.param_groups))


def _is_scheduler(o) -> bool:
    """An lr scheduler (optim.lr_scheduler's classes, by their attributes: core does not
    import optim)."""
    return hasattr(o, "last_epoch") and hasattr(o, "optimizer")


def _base_roots(fn) -> list:
    """What a compiled function reaches before its arguments: itself, its bound object, its
    closure's contents and the globals its code names."""
    f = getattr(fn, "__func__", fn)
    roots = [fn, getattr(fn, "__self__", None)]
    for c in getattr(f, "__closure__", None) or ():
        try:
            roots.append(c.cell_contents)
        except ValueError:
            pass
    glb = getattr(f, "__globals__", {})
    code = getattr(f, "__code__", None)
    return roots + [glb[n] for n in (_names(code) if code is not None else ()) if n in glb]


def _arg_guard(args, kwargs) -> tuple:
    """The arguments as a state's guard sees them: tensors by kind, anything else by identity."""
    return (tuple(None if isinstance(a, Tensor) else id(a) for a in args),
            tuple((k, None if isinstance(v, Tensor) else id(v)) for k, v in kwargs.items()))


def _contents(c):
    """What a container the walk went through holds now."""
    if isinstance(c, dict):
        return c.values()
    if isinstance(c, (types.FunctionType, types.MethodType)):
        return _reached_by(c, [])
    return c


@functools.lru_cache(maxsize=1024)
def _names(code) -> tuple:
    """The global names a code object (and the functions nested in it) may read."""
    if code is None:
        return ()
    out = list(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            out += _names(c)
    return tuple(out)


@functools.lru_cache(maxsize=1024)
def _global_names(code) -> tuple:
    """The names a code object (and the functions nested in it) reads or sets as globals."""
    out = {i.argval for i in dis.get_instructions(code)
           if i.opname in ("LOAD_GLOBAL", "STORE_GLOBAL", "LOAD_NAME")}
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            out.update(_global_names(c))
    return tuple(sorted(out))


def _reached_by(fn, free: list) -> list:
    """What a function the compiled one can call reaches: a bound method's object, and for a
    user's function (a helper, a lambda) its closure's contents and the globals its code names.
    The Python scalars among those (a learning rate, a depth) go to `free` (_free_value):
    the program bakes their values in, so they are part of its signature."""
    f = getattr(fn, "__func__", fn)
    out = [getattr(fn, "__self__", None)]
    code = getattr(f, "__code__", None)
    if code is None or os.path.abspath(code.co_filename).startswith(_PKG):
        return out  # arraygrad's own functions reach no user state
    for name, c in zip(code.co_freevars, getattr(f, "__closure__", None) or (), strict=True):
        try:
            out.append(c.cell_contents)
        except ValueError:  # a cell not yet assigned
            continue
        if type(out[-1]) in _SCALARS:
            free.append((name, c, None))
    glb = getattr(f, "__globals__", {})
    free += [(n, glb, n) for n in _global_names(code) if type(glb.get(n, glb)) in _SCALARS]
    return out + [glb[n] for n in _names(code) if n in glb]


def _free_value(holder, key):
    """A variable's value: a closure cell's (key None) or a globals dict's entry."""
    if key is not None:
        return holder.get(key)
    try:
        return holder.cell_contents
    except ValueError:  # a cell emptied since
        return None


def _walk(roots, st: _State, leaves_only: bool = True) -> None:
    """Collects the tensors, objects, optimizers and optimizer step counters reachable."""
    stack, seen = list(reversed(roots)), set()
    while stack:
        o = stack.pop()
        if isinstance(o, (types.FunctionType, types.MethodType)) and id(o) not in seen:
            seen.add(id(o))  # a helper it calls (loss_fn = lambda ...: model(x)): its state too
            reached = _reached_by(o, st.free)
            _guard(st, o, reached)
            stack.extend(reached)
            continue
        if id(o) in seen or isinstance(o, _SKIP) or o is None:
            continue
        seen.add(id(o))
        if isinstance(o, Tensor):
            if id(o) not in st._arg_ids and (o.grad_fn is None or not leaves_only):
                st.tensors.append(o)
            continue
        if isinstance(o, dict):
            _guard(st, o, o.values())
            stack.extend(reversed(list(o.values())))
            stack.extend(k for k in o if isinstance(k, Tensor))
            continue
        if isinstance(o, (list, tuple, set, frozenset)):
            if isinstance(o, (list, set)):  # (tuples cannot change)
                _guard(st, o, o)
            stack.extend(reversed(list(o)))
            continue
        if type(o).__module__.split(".")[0] in ("jax", "jaxlib", "numpy"):
            continue
        if isinstance(o, Generator):
            st.gens.append(o)
            continue
        d = getattr(o, "__dict__", None)
        if d is None:
            continue
        st.objects.append(o)
        _guard(st, d, d.values())
        fwd = getattr(type(o), "forward", None)
        if isinstance(fwd, types.FunctionType):  # a user's module: what its forward's code reads
            stack.append(fwd)
        if isinstance(d.get("param_groups"), list) and isinstance(d.get("state"), dict):
            st.optims.append(o)
            for s in d["state"].values():
                if isinstance(s, dict):
                    st.slots += [(s, k) for k, v in s.items()
                                 if type(v) in (int, float)]
        stack.extend(reversed(list(d.values())))


def _guard(st, container, values) -> None:
    """Records what a container holds, for _State.still_valid (the probe walk records none)."""
    guards = getattr(st, "guards", None)
    if guards is not None:
        vals = tuple(values)
        guards.append((container, vals, tuple(map(id, vals))))


def _sig(v):
    """A hashable signature of a non-tensor value (tensors: shape, dtype, requires_grad)."""
    if isinstance(v, Tensor):
        return ("T", tuple(v.shape), v.dtype, v._rg)
    if isinstance(v, (list, tuple)):
        return (type(v).__name__,) + tuple(_sig(x) for x in v)
    hash(v)  # TypeError for an unhashable value: the caller runs it eagerly
    return v


def _as_arg(a, x):
    if not isinstance(a, Tensor):
        return a
    t = _wrap(x, a._dev)
    t._rg = a._rg
    return t


def _carries_history(result) -> bool:
    if isinstance(result, Tensor):
        return result.grad_fn is not None
    if isinstance(result, (list, tuple)):
        return any(_carries_history(x) for x in result)
    if isinstance(result, dict):
        return any(_carries_history(x) for x in result.values())
    return False


def _flatten(result):
    """(the result's tensors' arrays, a structure to rebuild the result from)."""
    leaves = []

    def go(v):
        if isinstance(v, Tensor):
            leaves.append(v._data)
            return ("T", len(leaves) - 1)
        if isinstance(v, (list, tuple)):
            return (type(v), [go(x) for x in v])
        if isinstance(v, dict):
            return (dict, {k: go(x) for k, x in v.items()})
        if type(v) in _SCALARS:
            return ("C", v)
        raise GraphBreak(f"it returns a {type(v).__name__}, which a compiled program cannot "
                         "return (return tensors, or lists, tuples and dicts of them)")

    tree = go(result)
    return leaves, tree


def _unflatten(tree, leaves, dev):
    tag, v = tree
    if tag == "T":
        return _wrap(leaves[v], dev)
    if tag == "C":
        return v
    if tag is dict:
        return {k: _unflatten(x, leaves, dev) for k, x in v.items()}
    return tag(_unflatten(x, leaves, dev) for x in v)

