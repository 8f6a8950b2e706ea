"""`arraygrad.jit` (torch.jit's tracing half): `trace` records the array-API calls a module or
function makes on example inputs and returns a `TracedModule` that replays them without the
Python code, on any backend (one compiled program on JAX, eager elsewhere, differentiable when
gradients are needed); `save`/`load` move it as safetensors weights plus a JSON graph.
`torch.jit.script` (compiling Python source) has no counterpart. See docs/jit.md."""

from __future__ import annotations

from ._io import load, save
from ._module import TracedModule
from ._record import TracerWarning
from ._trace import TracingCheckError, trace

ScriptModule = TracedModule  # torch.jit.ScriptModule: what trace and load return

__all__ = ["trace", "save", "load", "TracedModule", "ScriptModule", "TracerWarning",
           "TracingCheckError"]
