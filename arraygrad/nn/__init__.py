"""`arraygrad.nn` (PyTorch's `torch.nn`): `Module`, `Parameter`, the layers, `functional`,
`init` and `utils`.

Layers come from `nn/modules/` (one import line per family in modules/__init__.py, re-exported
here by the star import)."""

from . import functional, init, utils  # noqa: F401
from .modules import *  # noqa: F403
from .modules import Module  # noqa: F401
from .parameter import Buffer, Parameter  # noqa: F401
