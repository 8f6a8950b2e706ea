"""`ag.jit.trace` (torch.jit.trace): run a module or function once on recording arrays and keep
the tape of array-API calls it made, as a `TracedModule` that replays it without the Python
code (control flow frozen at the path the example took)."""

from __future__ import annotations

import warnings

from ..core.device import get_default_device
from ..core.grad_mode import no_grad
from ..core.ops.comparison import allclose
from ..core.random import default_generator
from ..core.tensor import Tensor, _wrap
from ..nn.modules.module import Module
from ._record import Tape, TracerWarning, _P, patched, warn_at_user

__all__ = ["trace", "TracingCheckError"]


class TracingCheckError(Exception):
    """check_trace found that tracing the same inputs again recorded a different graph
    (torch.jit.TracingCheckError)."""


def trace(func, example_inputs=None, optimize=None, check_trace: bool = True,
          check_inputs=None, check_tolerance: float = 1e-5, strict: bool = True,
          _force_outplace: bool = False, _module_class=None, _compilation_unit=None,
          example_kwarg_inputs=None, _store_inputs: bool = True):
    """torch.jit.trace: runs `func` (a Module or a function) on `example_inputs` (a Tensor or a
    tuple of Tensors) and returns a TracedModule replaying the array-API calls it made, with
    shapes and control flow frozen as the example ran them. check_trace traces again and
    compares (TracingCheckError if the graphs differ, TracerWarning if outputs do)."""
    from ._module import TracedModule

    if example_kwarg_inputs is not None:
        raise NotImplementedError("jit.trace(): example_kwarg_inputs is not supported; pass the "
                                  "inputs positionally in example_inputs")
    if isinstance(func, TracedModule):
        return func
    if not callable(func):
        raise TypeError(f"jit.trace(): expected a Module or a function, got "
                        f"{type(func).__name__}")
    inputs = _as_inputs(example_inputs)
    state = _state(func)
    graph, consts, _ = _record(func, inputs, state, strict)
    traced = TracedModule._from_trace(func, graph, consts, state)
    if check_trace:
        for check in ([inputs] if check_inputs is None else
                      [_as_inputs(c) for c in check_inputs]):
            _check(func, traced, graph, check, state, strict, check_tolerance)
    return traced


def _as_inputs(example_inputs) -> tuple:
    inputs = example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            raise TypeError(f"jit.trace(): example input {i} is a {type(x).__name__}: only "
                            "Tensors can be traced (as in torch.jit.trace, pass a tuple of "
                            "Tensors)")
    return inputs


def _owner(func):
    """The module whose parameters and buffers are the trace's named inputs: func itself, or the
    module of a bound method (`model.encode`); None for a plain function."""
    if isinstance(func, Module):
        return func
    owner = getattr(func, "__self__", None)
    return owner if isinstance(owner, Module) else None


def _state(func) -> list:
    """(name, tensor, kind) for every parameter then every buffer of the owning module (none for
    a function: tensors it closes over become constants of the trace)."""
    func = _owner(func)
    if func is None:
        return []
    out = [(n, p, "parameter") for n, p in func.named_parameters()]
    for n, b in func.named_buffers():
        *path, leaf = n.split(".")
        owner = func.get_submodule(".".join(path)) if path else func
        kept = leaf not in owner._non_persistent_buffers_set
        out.append((n, b, "buffer" if kept else "buffer_np"))
    return out


def _record(func, inputs: tuple, state: list, strict: bool):
    """Runs func once on recording arrays: (graph description, constant tensors, the run's
    outputs as eager would give them)."""
    devs = {t._dev for t in inputs} | {t._dev for _, t, _ in state}
    if len(devs) > 1:
        raise RuntimeError(f"jit.trace(): the inputs and parameters are on several devices "
                           f"({sorted(str(d) for d in devs)}); trace on one device, then move "
                           "the traced module with .to(device)")
    dev = devs.pop() if devs else get_default_device()
    tape = Tape(dev)
    before = [t._data for _, t, _ in state]
    rng = default_generator.get_state().numpy().tobytes()
    ok = False
    try:
        with patched(dev, tape), no_grad():
            args = [_wrap(tape.new(x._computed()), dev) for x in inputs]
            starts = []
            for _, t, _ in state:
                p = t._data = tape.new(t._computed())
                starts.append(p)
            result = func(*args)
            outputs = _encode_output(tape, result, strict, "output")
            updates, after = [], []
            for (name, t, _), p in zip(state, starts, strict=True):
                now = t._computed()
                if now is not p:
                    if not isinstance(now, _P):
                        now = tape.const(now)
                    updates.append([name, now.id])
                after.append(now.v if isinstance(now, _P) else now)
            ok = True
    finally:
        for (_, t, _), d in zip(state, after if ok else before, strict=True):
            t._data = d  # as eager: the state the run left (running statistics) stays
    if default_generator.get_state().numpy().tobytes() != rng:
        warn_at_user("random numbers were drawn while tracing (dropout, randn, ...): the values "
                     "drawn are constants of the trace, which replays them unchanged")
    owner = _owner(func)
    graph = {
        "name": type(func).__name__ if isinstance(func, Module) else
        getattr(func, "__qualname__", type(func).__name__),
        "training": bool(getattr(owner, "training", False)),
        "inputs": [[list(x.shape), x.dtype.name] for x in inputs],
        "state": [[n, k] for n, _, k in state],
        "modules": [[n, type(m).__name__] for n, m in owner.named_modules() if n]
        if owner is not None else [],
        "nodes": tape.nodes,
        "ops": tape.ops,
        "outputs": outputs,
        "updates": updates,
        "device": str(dev),
    }
    return graph, [_wrap(c, dev) for c in tape.consts], _concrete_outputs(result)


def _encode_output(tape: Tape, v, strict: bool, where: str):
    """The output structure as JSON: {"r": node} for tensors, tagged tuples and dicts."""
    if isinstance(v, Tensor):
        d = v._computed()
        return {"r": (d if isinstance(d, _P) else tape.const(d)).id}
    if isinstance(v, tuple):
        return {"t": [_encode_output(tape, x, strict, f"{where}[{i}]") for i, x in enumerate(v)]}
    if isinstance(v, (list, dict)) and strict:
        raise RuntimeError(
            f"jit.trace(): the {where} is a {type(v).__name__}, a mutable container; as in "
            "torch.jit.trace, pass strict=False to trace it (or return a tuple)")
    if isinstance(v, list):
        return [_encode_output(tape, x, strict, f"{where}[{i}]") for i, x in enumerate(v)]
    if isinstance(v, dict):
        if not all(isinstance(k, str) for k in v):
            raise TypeError(f"jit.trace(): the {where} is a dict with non-string keys")
        return {"dict": [[k, _encode_output(tape, x, strict, f"{where}[{k!r}]")]
                         for k, x in v.items()]}
    if v is None or type(v) in (bool, int, float, str):
        return tape.encode(v)
    raise TypeError(f"jit.trace(): the {where} is a {type(v).__name__}; a traced function "
                    "returns Tensors, or tuples (lists and dicts with strict=False) of them")


def _concrete_outputs(v):
    """The traced run's outputs as plain Tensors over their concrete arrays."""
    if isinstance(v, Tensor):
        d = v._data
        return _wrap(d.v if isinstance(d, _P) else d, v._dev)
    if isinstance(v, (tuple, list)):
        return type(v)(_concrete_outputs(x) for x in v)
    if isinstance(v, dict):
        return {k: _concrete_outputs(x) for k, x in v.items()}
    return v


def _check(func, traced, graph, inputs, state, strict, tol) -> None:
    """torch's check_trace: trace `inputs` again (the graph must be the same) and compare the
    replayed outputs with the eager outputs of that run."""
    before = [t._data for _, t, _ in state]
    try:
        with warnings.catch_warnings():  # the first trace warned already
            warnings.simplefilter("ignore", TracerWarning)
            again, _, eager = _record(func, inputs, state, strict)
    finally:
        for (_, t, _), d in zip(state, before, strict=True):
            t._data = d
    if [o[:4] for o in again["ops"]] != [o[:4] for o in graph["ops"]]:
        raise TracingCheckError(
            "Graphs differed across invocations! Tracing the same inputs again recorded "
            f"different operations ({len(graph['ops'])} ops, then {len(again['ops'])}): the "
            "traced function's control flow or shapes depend on something other than its "
            "inputs' shapes")
    try:
        with no_grad():
            replayed = traced._replay(list(inputs), raw=True)
    finally:
        for (_, t, _), d in zip(state, before, strict=True):
            t._data = d
    for i, (a, b) in enumerate(zip(_leaves(replayed), _leaves(eager), strict=True)):
        if not isinstance(a, Tensor):
            continue
        if a.shape != b.shape or a.dtype != b.dtype or not allclose(
                a.to("cpu"), b.to("cpu"), rtol=tol, atol=tol, equal_nan=True):
            warn_at_user(f"Output nr {i + 1}. of the traced function does not match the "
                         "corresponding output of the Python function (the trace had "
                         "nondeterministic nodes, or reads that froze values).")


def _leaves(v) -> list:
    if isinstance(v, (tuple, list)):
        return [x for e in v for x in _leaves(e)]
    if isinstance(v, dict):
        return [x for e in v.values() for x in _leaves(e)]
    return [v]
