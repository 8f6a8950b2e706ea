"""`arraygrad.linalg`: torch.linalg's names and signatures, differentiable with PyTorch's
backward formulas (the functions live in core/linalg.py, beside the primitives they build on)."""

from __future__ import annotations

from .core.linalg import *  # noqa: F403
from .core.linalg import __all__  # noqa: F401
