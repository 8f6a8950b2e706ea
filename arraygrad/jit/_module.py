"""`TracedModule` (torch.jit's ScriptModule / TopLevelTracedModule): a Module whose forward
replays a traced tape. It holds the traced module's parameters and buffers under their names
(state_dict, load_state_dict, parameters(), to(device), optimizers: as the original's)."""

from __future__ import annotations

from ..core import dtypes as _dt
from ..core.grad_mode import is_grad_enabled
from ..core.tensor import Tensor, _wrap
from ..nn.modules.module import Module
from ..nn.parameter import Parameter
from ._replay import Program, build_output

__all__ = ["TracedModule"]


class _Submodule(Module):
    """A level of the traced module's hierarchy ("layers.0"): it holds parameters and buffers;
    only the whole traced module has a forward."""

    def __init__(self, original_name: str):
        super().__init__()
        self.original_name = original_name

    def _get_name(self) -> str:
        return f"TracedModule[{self.original_name}]"

    def forward(self, *input):
        """Not callable on its own: the trace replays the whole module."""
        raise RuntimeError("a submodule of a traced module cannot be called on its own: the "
                           "trace records the whole forward (trace the submodule instead)")


class TracedModule(Module):
    """The result of `ag.jit.trace` (torch.jit.trace's ScriptModule): calling it replays the
    traced forward (compiled with the backend's `jit` on JAX; eager elsewhere, differentiable
    where gradients are needed); `save(path)` stores it, `ag.jit.load` reads it back without
    the original class."""

    def __init__(self, graph: dict, consts: list, state: list):
        super().__init__()
        object.__setattr__(self, "_graph", graph)
        object.__setattr__(self, "_consts", consts)
        object.__setattr__(self, "_programs", {})
        object.__setattr__(self, "original_name", graph["name"])
        slots = []
        for path, cls in graph.get("modules", []):  # the original's hierarchy and class names
            *up, leaf = path.split(".")
            parent = self.get_submodule(".".join(up)) if up else self
            parent.add_module(leaf, _Submodule(cls))
        for (name, kind), t in zip(graph["state"], state, strict=True):
            *path, leaf = name.split(".")
            owner = self
            for part in path:
                child = owner._modules.get(part)
                if child is None:
                    child = _Submodule("Module")
                    owner.add_module(part, child)
                owner = child
            if kind == "parameter":
                if not isinstance(t, Parameter):
                    t = Parameter(t, t.requires_grad)
                owner.register_parameter(leaf, t)
                slots.append((owner._parameters, leaf))
            else:
                owner.register_buffer(leaf, t, persistent=kind == "buffer")
                slots.append((owner._buffers, leaf))
        object.__setattr__(self, "_slots", slots)
        names = [n for n, _ in graph["state"]]
        object.__setattr__(self, "_outs", _refs(graph["outputs"]))
        object.__setattr__(self, "_ups", [i for _, i in graph["updates"]])
        object.__setattr__(self, "_up_slots", [slots[names.index(n)] for n, _ in graph["updates"]])
        object.__setattr__(self, "_in_sig", [(tuple(s), d) for s, d in graph["inputs"]])
        n_in = len(graph["inputs"])
        object.__setattr__(self, "_state_sig", [(tuple(s), d) for s, d in
                                                graph["nodes"][n_in:n_in + len(slots)]])
        self.train(graph["training"])

    @classmethod
    def _from_trace(cls, func, graph, consts, state) -> TracedModule:
        """The traced module sharing the original's parameter and buffer tensors (as PyTorch's
        does: training one trains the other)."""
        return cls(graph, consts, [t for _, t, _ in state])

    # ---- calling -----------------------------------------------------------------------------
    def forward(self, *inputs):
        """Replays the traced forward on these inputs (the example's shapes and dtypes)."""
        sig = self._in_sig
        if len(inputs) != len(sig):
            raise TypeError(f"forward() of traced {self.original_name}: expected "
                            f"{len(sig)} input(s), got {len(inputs)}")
        for i, (x, (shape, dt)) in enumerate(zip(inputs, sig, strict=True)):
            if not isinstance(x, Tensor):
                raise TypeError(f"forward() of traced {self.original_name}: input {i} is a "
                                f"{type(x).__name__}, expected a Tensor")
            self._check_recorded(f"input {i}", x, shape, dt,
                                 "a trace freezes shapes: trace again with an example of this "
                                 "shape")
        need = is_grad_enabled() and (any(x._rg for x in inputs)
                                      or any(t._rg for t in self._state()))
        return self._replay(list(inputs), raw=not need)

    def _state(self) -> list:
        return [d[k] for d, k in self._slots]

    def _check_recorded(self, what: str, t: Tensor, shape: tuple, dt, hint: str) -> None:
        """A clear error where `t` differs in shape or dtype from what the trace recorded."""
        if t._data.shape != shape or not _dtype_ok(t, dt):
            raise RuntimeError(
                f"forward() of traced {self.original_name}: {what} has shape {tuple(t.shape)} "
                f"and dtype {t.dtype.name}, but the trace recorded shape {shape} and dtype {dt} "
                f"({hint})")

    def _replay(self, inputs: list, raw: bool):
        state = self._state()
        for (name, _), t, (shape, dt) in zip(self._graph["state"], state, self._state_sig,
                                             strict=True):
            self._check_recorded(name, t, shape, dt, "a trace freezes shapes and dtypes: "
                                 "trace the converted module again")
        tensors = inputs + state
        dev = tensors[0]._dev if tensors else self._device_of_consts()
        for i, t in enumerate(tensors):
            if t._dev is not dev:
                what = (f"input {i}" if i < len(inputs)
                        else self._graph["state"][i - len(inputs)][0])
                raise RuntimeError(
                    f"forward() of traced {self.original_name}: {what} is on device "
                    f"'{t._dev}', but {('input 0' if inputs else 'the module')} is on '{dev}': "
                    "move the module with .to(device) and the inputs to the same device")
        outs, ups = self._outs, self._ups
        key = (dev, raw)
        prog = self._programs.get(key)
        if prog is None:
            prog = self._programs[key] = _Runner(self._graph, self._consts, dev, raw, outs + ups)
        vals = prog([t._data for t in tensors] if raw else tensors)
        env = dict(zip(outs + ups, vals, strict=True))
        if ups:
            be = dev.backend
            for (d, k), i in zip(self._up_slots, ups, strict=True):
                t, v = d[k], env[i]
                t._data = be.materialize(v if raw else v._data)
                t._bump()
        return build_output(self._graph["outputs"], env, lambda a: _wrap(a, dev))

    def _device_of_consts(self):
        from ..core.device import get_default_device

        return self._consts[0]._dev if self._consts else get_default_device()

    # ---- what torch's ScriptModule offers -------------------------------------------------------
    @property
    def graph(self) -> str:
        """The traced graph as a readable listing (one line per recorded op)."""
        return _listing(self._graph, code=False)

    @property
    def code(self) -> str:
        """The traced forward as Python-like source over the backend namespace `xp`."""
        return _listing(self._graph, code=True)

    def save(self, f) -> None:
        """Writes this traced module to `f` (ag.jit.save: safetensors weights, JSON graph)."""
        from ._io import save

        save(self, f)

    def _get_name(self) -> str:
        return f"TracedModule[{self.original_name}]"


def _dtype_ok(t: Tensor, name: str) -> bool:
    """Whether t has the dtype the trace recorded, or the closest its device has (int32 for
    int64 on JAX without x64)."""
    return t.dtype.name == name or _dt._NAMES[name] not in t._dev.to_native


def _refs(tpl) -> list:
    """The node ids an output structure reads, in order."""
    if isinstance(tpl, list):
        return [i for x in tpl for i in _refs(x)]
    if isinstance(tpl, dict):
        (tag, v), = tpl.items()
        if tag == "r":
            return [v]
        if tag == "t":
            return [i for x in v for i in _refs(x)]
        if tag == "dict":
            return [i for _, x in v for i in _refs(x)]
    return []


class _Runner:
    """values -> the values of the wanted nodes: a Program, jitted where the backend compiles
    (raw replay on JAX), run eagerly elsewhere."""

    def __init__(self, graph, consts, dev, raw: bool, wanted: list):
        prog = Program(graph, consts, dev, diff=not raw)

        def run(values):
            env = prog.run(values)
            return [env[i] for i in wanted]

        jit = getattr(dev.backend, "jit", None) if raw else None
        self.compiled = jit is not None
        self._fn = jit(run) if jit is not None else run

    def __call__(self, values):
        return self._fn(values)


def _fmt(v, code: bool) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x, code) for x in v) + "]"
    if not isinstance(v, dict):
        return repr(v)
    (tag, x), = v.items()
    if tag == "r":
        return f"v{x}" if code else f"%{x}"
    if tag == "t":
        inner = ", ".join(_fmt(e, code) for e in x)
        return f"({inner},)" if len(x) == 1 else f"({inner})"
    if tag == "s":
        a, b, c = ("" if e is None else _fmt(e, code) for e in x)
        return f"{a}:{b}" + (f":{c}" if c else "")
    if tag == "e":
        return "..."
    if tag in ("d", "ad"):
        return f"xp.{x}" if code else x
    if tag == "device":
        return "device"
    if tag == "f":
        return f"float({x!r})"
    if tag == "c":
        return f"complex({_fmt(x[0], code)}, {_fmt(x[1], code)})"
    if tag == "dict":
        return "{" + ", ".join(f"{k!r}: {_fmt(e, code)}" for k, e in x) + "}"
    return repr(v)


_BINARY = {"add": "+", "sub": "-", "mul": "*", "truediv": "/", "floordiv": "//", "mod": "%",
           "pow": "**", "matmul": "@", "and": "&", "or": "|", "xor": "^", "lshift": "<<",
           "rshift": ">>", "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_UNARY = {"neg": "-", "pos": "+", "invert": "~"}


def _operator_text(name: str, a: list) -> str:
    """`x + y` for x.__add__(y), `y - x` for x.__rsub__(y), `x[k]` for x.__getitem__(k)."""
    core = name.strip("_")
    if name == "__getitem__":
        key = a[1][1:-1] if a[1].startswith("(") and a[1].endswith(")") else a[1]
        return f"{a[0]}[{key.rstrip(',')}]"
    if core in _BINARY and len(a) == 2:
        return f"{a[0]} {_BINARY[core]} {a[1]}"
    if core.startswith("r") and core[1:] in _BINARY and len(a) == 2:
        return f"{a[1]} {_BINARY[core[1:]]} {a[0]}"
    if core in _UNARY and len(a) == 1:
        return f"{_UNARY[core]}{a[0]}"
    if name == "__abs__":
        return f"abs({a[0]})"
    return f"{a[0]}.{name}({', '.join(a[1:])})"


def _listing(graph: dict, code: bool) -> str:
    nodes = graph["nodes"]
    n_in = len(graph["inputs"])
    names = [f"input{i}" for i in range(n_in)] + [n for n, _ in graph["state"]]

    def typ(i):
        shape, dt = nodes[i]
        return f"{dt}[{', '.join(str(s) for s in shape)}]"

    lines = []
    if code:
        lines.append(f"def forward(self, {', '.join(names[:n_in])}):")
        lines += [f"    v{i} = input{i}" for i in range(n_in)]
        for i, (n, kind) in enumerate(graph["state"], n_in):
            get = "get_parameter" if kind == "parameter" else "get_buffer"
            ok = all(p.isidentifier() for p in n.split("."))
            lines.append(f"    v{i} = self.{n}" if ok else f"    v{i} = self.{get}({n!r})")
    else:
        params = [f"%{i} : {typ(i)}" + (f"  # {n}" if i >= n_in else "")
                  for i, n in enumerate(names)]
        lines.append(f"graph({', '.join(params)}):")
    for kind, name, args, kwargs, out in graph["ops"]:
        a = [_fmt(x, code) for x in args] + [f"{k}={_fmt(v, code)}" for k, v in kwargs.items()]
        if kind == "k":
            rhs = f"constants[{args[0]}]"
        elif kind == "x":
            rhs = f"xp.{name}({', '.join(a)})" if code else f"{name}({', '.join(a)})"
        elif kind == "a":
            rhs = f"{a[0]}.{name}"
        elif kind == "s":
            rhs = f"setitem({', '.join(a)})"
        else:
            rhs = _operator_text(name, a)
        outs = [out] if isinstance(out, int) else [o for o in out if o is not None]
        if code:
            lhs = ", ".join(f"v{o}" for o in outs) + ("," if not isinstance(out, int) else "")
            lines.append(f"    {lhs} = {rhs}")
        else:
            lhs = ", ".join(f"%{o} : {typ(o)}" for o in outs)
            lines.append(f"  {lhs} = {rhs}")
    for n, i in graph["updates"]:
        if not code:
            lines.append(f"  {n} <- %{i}")
        elif all(p.isidentifier() for p in n.split(".")):
            lines.append(f"    self.{n}.copy_(v{i})")
        else:
            lines.append(f"    self.get_buffer({n!r}).copy_(v{i})")
    ret = _fmt(graph["outputs"], code)
    lines.append(f"    return {ret}" if code else f"  return {ret}")
    return "\n".join(lines) + "\n"
