"""PyTorch's `torch.utils` path: `arraygrad.utils.data` is `arraygrad.data`, so ported imports
(`from arraygrad.utils.data import DataLoader`) work unchanged."""

from __future__ import annotations

import sys

from .. import data

sys.modules[__name__ + ".data"] = data

__all__ = ["data"]
