"""`ag.jit.save` / `ag.jit.load` (torch.jit.save / torch.jit.load): a traced module in one file,
written by `ag.save` (safetensors for the weights and constants, a tagged-JSON structure, a
sha256 over everything, written atomically; never pickle) with the graph as a JSON string."""

from __future__ import annotations

import json

from ..core.serialization import load as _load
from ..core.serialization import save as _save
from ..core.tensor import Tensor

__all__ = ["save", "load"]

_FORMAT = "arraygrad.jit.trace"
_VERSION = 1
_GRAPH_KEYS = ("name", "training", "inputs", "state", "nodes", "ops", "outputs", "updates")


def save(m, f, _extra_files=None) -> None:
    """torch.jit.save: writes traced module `m` to path `f` (a failed save leaves the old file)."""
    from ._module import TracedModule

    if not isinstance(m, TracedModule):
        raise TypeError(f"jit.save(): expected a traced module (from ag.jit.trace), got "
                        f"{type(m).__name__}; save a plain module's weights with "
                        "ag.save(model.state_dict(), path)")
    if _extra_files:
        raise NotImplementedError("jit.save(): _extra_files is not supported")
    state = m._state()
    _save({
        "format": _FORMAT,
        "version": _VERSION,
        "graph": json.dumps(m._graph, separators=(",", ":"), allow_nan=False),
        "state": {n: t.detach() for (n, _), t in zip(m._graph["state"], state, strict=True)},
        "requires_grad": [t.requires_grad for t in state],
        "constants": list(m._consts),
    }, f)


def load(f, map_location=None, _extra_files=None):
    """torch.jit.load: the traced module saved in `f`, usable without its original class; its
    tensors go to `map_location` (a device or string) or to the device they were saved from."""
    from ._module import TracedModule

    obj = _load(f, map_location=map_location)
    name = getattr(f, "name", f)
    if not isinstance(obj, dict) or obj.get("format") != _FORMAT:
        raise RuntimeError(f"jit.load(): {name!s} is an arraygrad checkpoint but not a traced "
                           "module (ag.jit.save writes those; ag.load reads other checkpoints)")
    if obj.get("version") != _VERSION:
        raise RuntimeError(f"jit.load(): {name!s} holds a traced module of format version "
                           f"{obj.get('version')!r}; this arraygrad reads version {_VERSION}")
    try:
        graph = json.loads(obj["graph"])
        if not all(k in graph for k in _GRAPH_KEYS):
            raise ValueError("missing keys")
        names = [n for n, _ in graph["state"]]
        state = [obj["state"][n] for n in names]
        flags = obj["requires_grad"]
        consts = obj["constants"]
        if len(flags) != len(state) or not all(isinstance(t, Tensor) for t in state + consts):
            raise ValueError("state does not match the graph")
    except (KeyError, TypeError, ValueError) as e:
        raise RuntimeError(f"jit.load(): {name!s} holds a malformed traced module ({e})") from None
    for t, rg in zip(state, flags, strict=True):
        t.requires_grad_(rg)
    return TracedModule(graph, consts, state)
