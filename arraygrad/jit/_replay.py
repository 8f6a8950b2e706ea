"""Replaying a tape on a device: each op's name is looked up once in the device's kernel
namespace (raw arrays: fast, and the whole replay one `jax.jit` program on JAX) or in
arraygrad's differentiable namespace (Tensors: autograd flows through the replay)."""

from __future__ import annotations

import operator

from .. import array_api as _array_api
from ..core import dtypes as _dt
from ..core.ops._kernels import DIFF
from ..core.tensor import Tensor
from ._record import functional_setitem


class _Ref:
    __slots__ = ("i",)

    def __init__(self, i: int):
        self.i = i


def _static(v):
    return lambda env: v


def _getter(tpl, dev, diff: bool):
    """A function env -> value for an encoded argument (references read from env)."""
    if isinstance(tpl, list):
        gs = [_getter(x, dev, diff) for x in tpl]
        return lambda env: [g(env) for g in gs]
    if not isinstance(tpl, dict):
        return _static(tpl)
    (tag, v), = tpl.items()
    if tag == "r":
        return lambda env: env[v]
    if tag == "t":
        gs = [_getter(x, dev, diff) for x in v]
        return lambda env: tuple(g(env) for g in gs)
    if tag == "s":
        a, b, c = (_getter(x, dev, diff) for x in v)
        return lambda env: slice(a(env), b(env), c(env))
    if tag == "e":
        return _static(Ellipsis)
    if tag == "f":
        return _static(float(v))
    if tag == "c":
        re, im = (_getter(x, dev, diff)(None) for x in v)
        return _static(complex(re, im))
    if tag in ("d", "ad"):
        d = _dt._by_name(v)
        if diff or tag == "ad":
            return _static(d)
        return _static(dev.native_dtype(d, "jit"))
    if tag == "device":
        return _static(dev if diff else dev.native)
    raise ValueError(f"jit: unknown tag {tag!r} in a traced graph")


def _resolve(name: str, spaces: tuple, where: str):
    for ns in spaces:
        obj = ns
        for part in name.split("."):
            obj = getattr(obj, part, None)
            if obj is None:
                break
        if obj is not None:
            return obj
    raise RuntimeError(f"jit: the traced graph calls {name}(), which {where} does not have; "
                       "replay it on a backend that has it")


_REFLECTED = {"__radd__": "add", "__rsub__": "sub", "__rmul__": "mul", "__rtruediv__": "truediv",
              "__rfloordiv__": "floordiv", "__rmod__": "mod", "__rpow__": "pow",
              "__rmatmul__": "matmul", "__rand__": "and_", "__ror__": "or_", "__rxor__": "xor",
              "__rlshift__": "lshift", "__rrshift__": "rshift"}


def _method(name: str):
    """x.name(*args) as a plain function (the operator module's where there is one)."""
    if name in _REFLECTED:
        f = getattr(operator, _REFLECTED[name])
        return lambda x, y: f(y, x)
    f = getattr(operator, name, None) if name.startswith("__") else None
    if f is not None:
        return f
    return lambda x, *a, **k: getattr(x, name)(*a, **k)


_R, _C, _G = 0, 1, 2  # an argument read from env, a constant, or built by a getter


def _spec(tpl, dev, diff: bool):
    if isinstance(tpl, dict) and len(tpl) == 1 and "r" in tpl:
        return (_R, tpl["r"])
    g = _getter(tpl, dev, diff)
    if _has_ref(tpl):
        return (_G, g)
    return (_C, g(None))


def _has_ref(tpl) -> bool:
    if isinstance(tpl, list):
        return any(_has_ref(x) for x in tpl)
    if isinstance(tpl, dict):
        (tag, v), = tpl.items()
        return tag == "r" or (isinstance(v, list) and _has_ref(v))
    return False


class Program:
    """A tape bound to one device and one mode: `run(values)` -> the environment of node
    values (raw arrays, or Tensors when `diff`)."""

    def __init__(self, graph: dict, consts: list, dev, diff: bool):
        self.dev, self.diff = dev, diff
        self.n = len(graph["nodes"])
        self.consts = [c.to(dev) for c in consts]
        be = dev.backend
        if diff:
            spaces, where = (DIFF, _array_api), "arraygrad's differentiable namespace"
        else:
            spaces, where = (dev.K, dev.xp), f"backend {be.name!r}"
        xp = dev.xp
        steps = []
        for kind, name, args, kwargs, out in graph["ops"]:
            if kind == "k":
                c = self.consts[args[0]]
                steps.append((None, c if diff else c._data, None, out, None))
                continue
            if kind == "x":
                fn = _resolve(name, spaces, where)
            elif kind == "m":
                fn = _method(name)
            elif kind == "a":
                fn = operator.attrgetter(name)
            elif kind == "s":
                fn = (lambda x, k, v: functional_setitem(xp, x, k, v))
            else:
                raise ValueError(f"jit: unknown op kind {kind!r} in a traced graph")
            spec = tuple(_spec(a, dev, diff) for a in args)
            kw = {k: _spec(v, dev, diff) for k, v in kwargs.items()} or None
            want = None
            if diff and isinstance(out, int):  # Tensor ops promote as PyTorch: keep the trace's
                want = _dt._NAMES.get(graph["nodes"][out][1])
            steps.append((fn, spec, kw, out, want))
        self.steps = steps
        self.fix = None if diff else be.fix

    def run(self, values: list) -> list:
        env = [None] * self.n
        env[:len(values)] = values
        fix = self.fix
        for fn, spec, kw, out, want in self.steps:
            if fn is None:
                env[out] = spec
                continue
            args = [env[v] if k == 0 else v if k == 1 else v(env) for k, v in spec]
            if kw is None:
                res = fn(*args)
            else:
                res = fn(*args, **{n: env[v] if k == 0 else v if k == 1 else v(env)
                                   for n, (k, v) in kw.items()})
            if type(out) is int:
                if fix is not None:
                    res = fix(res)
                elif want is not None and res.dtype is not want:
                    res = res.to(want)
                env[out] = res
            else:
                for i, o in enumerate(out):
                    if o is not None:
                        env[o] = res[i] if fix is None else fix(res[i])
        return env


def build_output(tpl, env, wrap):
    """The output structure with its tensors taken from env (raw arrays through wrap)."""
    if isinstance(tpl, list):
        return [build_output(x, env, wrap) for x in tpl]
    if not isinstance(tpl, dict):
        return tpl
    (tag, v), = tpl.items()
    if tag == "r":
        x = env[v]
        return x if isinstance(x, Tensor) else wrap(x)
    if tag == "t":
        return tuple(build_output(x, env, wrap) for x in v)
    if tag == "dict":
        return {k: build_output(x, env, wrap) for k, x in v}
    if tag == "f":
        return float(v)
    if tag == "c":
        return complex(*v)
    raise ValueError(f"jit: unknown tag {tag!r} in a traced graph's outputs")
