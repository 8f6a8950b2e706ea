"""Padding layers (PyTorch's torch.nn padding modules): ZeroPad, ConstantPad, ReflectionPad,
ReplicationPad and CircularPad in 1-D, 2-D and 3-D, over `F.pad`."""

from __future__ import annotations

from ...core.tensor import Tensor
from ..functional._padding import pad
from .module import Module

__all__ = [f"{kind}Pad{n}d" for kind in ("Zero", "Constant", "Reflection", "Replication",
                                          "Circular") for n in (1, 2, 3)]


def _ntuple(padding, n: int) -> tuple:
    if isinstance(padding, int):
        return (padding,) * n
    padding = tuple(padding)
    if len(padding) != n:
        raise ValueError(f"expected padding to be an int or a tuple of {n} ints, got {padding}")
    return padding


class _PadNd(Module):
    __constants__ = ["padding", "mode"]
    _nd, _mode = 0, "constant"

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _ntuple(padding, 2 * self._nd)

    def forward(self, input: Tensor) -> Tensor:
        """F.pad(input, padding, mode)."""
        return pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        """The settings inside this layer's repr, worded as PyTorch's."""
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    __constants__ = ["padding", "value"]

    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        """F.pad(input, padding, 'constant', value)."""
        return pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        """The settings inside this layer's repr, worded as PyTorch's."""
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        """The settings inside this layer's repr, worded as PyTorch's."""
        return f"{self.padding}"


def _make(kind: str, base: type, mode: str, n: int) -> type:
    name = f"{kind}Pad{n}d"
    doc = f"Pads the last {n} dim(s) of the input ({mode} mode; torch.nn.{name})."
    return type(name, (base,), {"_nd": n, "_mode": mode, "__doc__": doc,
                                "__module__": __name__, "__qualname__": name})


for _n in (1, 2, 3):
    for _kind, _base, _mode in (("Zero", _ZeroPadNd, "constant"),
                                ("Constant", _ConstantPadNd, "constant"),
                                ("Reflection", _PadNd, "reflect"),
                                ("Replication", _PadNd, "replicate"),
                                ("Circular", _PadNd, "circular")):
        globals()[f"{_kind}Pad{_n}d"] = _make(_kind, _base, _mode, _n)
