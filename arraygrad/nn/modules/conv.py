"""`Conv1d`, `Conv2d`, `Conv3d` (PyTorch's torch.nn conv layers): weight (out, in/groups,
*kernel) and bias initialised as PyTorch's reset_parameters, padding_mode 'zeros' through the
convolution's own padding, 'reflect'/'replicate'/'circular' through `F.pad` first."""

from __future__ import annotations

import math

from ...core.creation import empty
from ...core.tensor import Tensor
from .. import init
from ..functional._conv import _conv, _conv_padding, _conv_t, _tuple
from ..functional._padding import pad
from ..parameter import Parameter
from .module import Module

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
           "ConvTranspose3d"]

_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """The shared part of Conv1d/2d/3d (PyTorch's _ConvNd)."""

    _nd = 0
    _transposed = False
    __constants__ = ["stride", "padding", "dilation", "groups", "padding_mode", "output_padding",
                     "in_channels", "out_channels", "kernel_size"]

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None, output_padding=0) -> None:
        super().__init__()
        n, op = self._nd, type(self).__name__
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in _MODES:
            raise ValueError(f"padding_mode must be one of {list(_MODES)}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _tuple(kernel_size, n, "kernel_size", op)
        self.stride = _tuple(stride, n, "stride", op)
        self.dilation = _tuple(dilation, n, "dilation", op)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of "
                                 "{'valid', 'same'}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = _tuple(padding, n, "padding", op)
        self.transposed = self._transposed
        self.output_padding = _tuple(output_padding, n, "output_padding", op)
        self.groups = groups
        self.padding_mode = padding_mode
        pads = _conv_padding(op, self.padding, n, self.kernel_size, self.stride, self.dilation)
        # F.pad's order: the last axis first, (before, after) each
        self._reversed_padding_repeated_twice = tuple(v for b, a in reversed(pads)
                                                      for v in (b, a))
        shape = ((in_channels, out_channels // groups) if self._transposed
                 else (out_channels, in_channels // groups))
        self.weight = Parameter(empty(shape + self.kernel_size, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's initialisation: kaiming_uniform_(weight, a=sqrt(5)); bias
        U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def _conv_forward(self, input: Tensor, weight: Tensor, bias) -> Tensor:
        op = f"conv{self._nd}d"
        if self.padding_mode != "zeros":
            input = pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return _conv(op, self._nd, input, weight, bias, self.stride, 0, self.dilation,
                         self.groups)
        return _conv(op, self._nd, input, weight, bias, self.stride, self.padding,
                     self.dilation, self.groups)

    def forward(self, input: Tensor) -> Tensor:
        """The convolution of input with this layer's weight and bias."""
        return self._conv_forward(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        """The settings inside this layer's repr, worded as PyTorch's."""
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-D convolution over (N, C_in, L) input (torch.nn.Conv1d)."""

    _nd = 1


class Conv2d(_ConvNd):
    """2-D convolution over (N, C_in, H, W) input (torch.nn.Conv2d)."""

    _nd = 2


class Conv3d(_ConvNd):
    """3-D convolution over (N, C_in, D, H, W) input (torch.nn.Conv3d)."""

    _nd = 3


class _ConvTransposeNd(_ConvNd):
    """The shared part of ConvTranspose1d/2d/3d: weight (in, out/groups, *kernel), padding
    'zeros' only; forward(input, output_size=None) as PyTorch's."""

    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f"{type(self).__name__}")
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__} does not take string padding "
                             f"({padding!r})")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype, output_padding)

    def _output_padding(self, input: Tensor, output_size) -> tuple:
        """output_padding, or the one that gives output_size (PyTorch's _output_padding)."""
        if output_size is None:
            return self.output_padding
        n = self._nd
        want = tuple(output_size)[-n:]
        if len(want) != n:
            raise ValueError(f"ConvTranspose{n}D: output_size must have {n} or {n + 2} "
                             f"elements (got {len(tuple(output_size))})")
        res = []
        for L, w, k, s, p, d in zip(input.shape[-n:], want, self.kernel_size, self.stride,
                                    self.padding, self.dilation, strict=True):
            low = (L - 1) * s - 2 * p + d * (k - 1) + 1
            if not low <= w <= low + s - 1:
                raise ValueError(f"requested an output size of {want}, but valid sizes range "
                                 f"from {low} to {low + s - 1} (for an input of "
                                 f"{tuple(input.shape[-n:])})")
            res.append(w - low)
        return tuple(res)

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        """The transposed convolution of input (the adjoint of the matching convolution)."""
        return _conv_t(f"conv_transpose{self._nd}d", self._nd, input, self.weight, self.bias,
                       self.stride, self.padding, self._output_padding(input, output_size),
                       self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """1-D transposed convolution (torch.nn.ConvTranspose1d)."""

    _nd = 1


class ConvTranspose2d(_ConvTransposeNd):
    """2-D transposed convolution (torch.nn.ConvTranspose2d)."""

    _nd = 2


class ConvTranspose3d(_ConvTransposeNd):
    """3-D transposed convolution (torch.nn.ConvTranspose3d)."""

    _nd = 3
