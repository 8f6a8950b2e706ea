"""Activation layers (PyTorch's `torch.nn` activations): each holds its options and calls its
functional form; names, defaults and reprs are PyTorch's."""

from __future__ import annotations

from ...core.creation import empty
from ...core.tensor import Tensor
from .. import init
from ..functional import _activation as F
from ..parameter import Parameter
from .module import Module

__all__ = [
    "ReLU", "ReLU6", "ELU", "SELU", "CELU", "LeakyReLU", "PReLU", "RReLU", "GELU", "Threshold",
    "Hardshrink", "Hardtanh", "Hardsigmoid", "Hardswish", "SiLU", "Mish", "Sigmoid", "LogSigmoid",
    "Softplus", "Softshrink", "Softsign", "Tanh", "Tanhshrink", "Softmin", "Softmax", "Softmax2d",
    "LogSoftmax", "GLU",
]


def _inplace(flag: bool, lead: str = "") -> str:
    return f"{lead}inplace=True" if flag else ""


class _Inplace(Module):
    """An activation whose only option is `inplace`."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return _inplace(self.inplace)


class ReLU(_Inplace):
    """max(x, 0) elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        """F.relu(input, inplace)."""
        return F.relu(input, inplace=self.inplace)


class SELU(_Inplace):
    """scale * elu(x, alpha) with the self-normalising constants."""

    def forward(self, input: Tensor) -> Tensor:
        """F.selu(input, inplace)."""
        return F.selu(input, self.inplace)


class SiLU(_Inplace):
    """x * sigmoid(x)."""

    def forward(self, input: Tensor) -> Tensor:
        """F.silu(input, inplace)."""
        return F.silu(input, inplace=self.inplace)


class Mish(_Inplace):
    """x * tanh(softplus(x))."""

    def forward(self, input: Tensor) -> Tensor:
        """F.mish(input, inplace)."""
        return F.mish(input, inplace=self.inplace)


class Hardsigmoid(_Inplace):
    """clip(x / 6 + 1/2, 0, 1)."""

    def forward(self, input: Tensor) -> Tensor:
        """F.hardsigmoid(input, inplace)."""
        return F.hardsigmoid(input, self.inplace)

    def extra_repr(self) -> str:
        return ""


class Hardswish(_Inplace):
    """x * hardsigmoid(x)."""

    def forward(self, input: Tensor) -> Tensor:
        """F.hardswish(input, inplace)."""
        return F.hardswish(input, self.inplace)

    def extra_repr(self) -> str:
        return ""


class Hardtanh(Module):
    """clip(x, min_val, max_val)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False,
                 min_value: float | None = None, max_value: float | None = None) -> None:
        super().__init__()
        if min_value is not None or max_value is not None:
            import warnings

            warnings.warn("keyword argument `min_value` and `max_value` are deprecated and will "
                          "be removed in a future release; use `min_val` and `max_val` "
                          "instead", stacklevel=2)
            min_val = min_val if min_value is None else min_value
            max_val = max_val if max_value is None else max_value
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace
        if self.max_val <= self.min_val:
            raise ValueError(f"Hardtanh(): max_val ({max_val}) must be greater than min_val "
                             f"({min_val})")

    def forward(self, input: Tensor) -> Tensor:
        """F.hardtanh(input, min_val, max_val, inplace)."""
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace(self.inplace, ', ')}"


class ReLU6(Hardtanh):
    """min(max(x, 0), 6)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return _inplace(self.inplace)


class _Alpha(Module):
    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace(self.inplace, ', ')}"


class ELU(_Alpha):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""

    def forward(self, input: Tensor) -> Tensor:
        """F.elu(input, alpha, inplace)."""
        return F.elu(input, self.alpha, self.inplace)


class CELU(_Alpha):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""

    def forward(self, input: Tensor) -> Tensor:
        """F.celu(input, alpha, inplace)."""
        return F.celu(input, self.alpha, self.inplace)


class LeakyReLU(Module):
    """x for x > 0, negative_slope * x otherwise."""

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Tensor) -> Tensor:
        """F.leaky_relu(input, negative_slope, inplace)."""
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace(self.inplace, ', ')}"


class PReLU(Module):
    """leaky_relu with a learnt slope: one shared, or one per channel (num_parameters), each
    initialised to `init`."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(empty(num_parameters, device=device, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Fills the slopes with `init`."""
        init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        """F.prelu(input, weight)."""
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Randomized leaky ReLU: random slopes in [lower, upper] in training, their mean in eval."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3,
                 inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input: Tensor) -> Tensor:
        """F.rrelu(input, lower, upper, training, inplace)."""
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}{_inplace(self.inplace, ', ')}"


class GELU(Module):
    """x * Phi(x): exact (approximate='none') or its tanh approximation."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        """F.gelu(input, approximate)."""
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Threshold(Module):
    """x where x > threshold, else value."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input: Tensor) -> Tensor:
        """F.threshold(input, threshold, value, inplace)."""
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self) -> str:
        return (f"threshold={self.threshold}, value={self.value}"
                f"{_inplace(self.inplace, ', ')}")


class Hardshrink(Module):
    """x where |x| > lambd, else 0."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        """F.hardshrink(input, lambd)."""
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""

    def forward(self, input: Tensor) -> Tensor:
        """F.softshrink(input, lambd)."""
        return F.softshrink(input, self.lambd)


class Softplus(Module):
    """log(1 + exp(beta * x)) / beta, linear above threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        """F.softplus(input, beta, threshold)."""
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class _Plain(Module):
    """An activation without options (PyTorch's accept and ignore constructor arguments)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()


class Sigmoid(_Plain):
    """1 / (1 + exp(-x))."""

    def forward(self, input: Tensor) -> Tensor:
        """F.sigmoid(input)."""
        return F.sigmoid(input)


class Tanh(_Plain):
    """Hyperbolic tangent."""

    def forward(self, input: Tensor) -> Tensor:
        """F.tanh(input)."""
        return F.tanh(input)


class LogSigmoid(_Plain):
    """log(sigmoid(x)), stable."""

    def forward(self, input: Tensor) -> Tensor:
        """F.logsigmoid(input)."""
        return F.logsigmoid(input)


class Softsign(_Plain):
    """x / (1 + |x|)."""

    def forward(self, input: Tensor) -> Tensor:
        """F.softsign(input)."""
        return F.softsign(input)


class Tanhshrink(_Plain):
    """x - tanh(x)."""

    def forward(self, input: Tensor) -> Tensor:
        """F.tanhshrink(input)."""
        return F.tanhshrink(input)


class _Dim(Module):
    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_Dim):
    """exp(x) / sum(exp(x)) along dim."""

    def forward(self, input: Tensor) -> Tensor:
        """F.softmax(input, dim)."""
        return F.softmax(input, self.dim, _stacklevel=5)


class Softmin(_Dim):
    """softmax(-x) along dim."""

    def forward(self, input: Tensor) -> Tensor:
        """F.softmin(input, dim)."""
        return F.softmin(input, self.dim, _stacklevel=5)


class LogSoftmax(_Dim):
    """log(softmax(x)) along dim, computed stably."""

    def forward(self, input: Tensor) -> Tensor:
        """F.log_softmax(input, dim)."""
        return F.log_softmax(input, self.dim, _stacklevel=5)


class Softmax2d(_Plain):
    """softmax over the channels (dim -3) at each position of a (N, C, H, W) or (C, H, W) input."""

    def forward(self, input: Tensor) -> Tensor:
        """F.softmax(input, -3) of a 3-D or 4-D input."""
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d(): expected input to be 3D or 4D, got {input.ndim}D "
                             f"instead (shape {tuple(input.shape)})")
        return F.softmax(input, -3, _stacklevel=5)


class GLU(Module):
    """a * sigmoid(b) of the two halves of the input along dim."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        """F.glu(input, dim)."""
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
