"""BatchNorm1d/2d/3d and InstanceNorm1d/2d/3d (PyTorch's torch.nn batchnorm and instancenorm
layers), over one base that holds the affine parameters and the running statistics: buffers
running_mean, running_var and num_batches_tracked, with PyTorch's state_dict keys."""

from __future__ import annotations

from ...core import dtypes as _dt
from ...core.creation import empty, ones, tensor, zeros
from ...core.grad_mode import no_grad
from ...core.tensor import Tensor
from .. import init
from ..functional._normalization import batch_norm, instance_norm
from ..parameter import Parameter
from .module import Module

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d",
           "InstanceNorm3d"]


class _NormBase(Module):
    """Affine parameters (weight 1, bias 0; bias=False drops the bias) and running statistics
    (mean 0, variance 1)."""

    __constants__ = ["track_running_stats", "momentum", "eps", "num_features", "affine"]

    def __init__(self, num_features: int, eps: float = 1e-5, momentum=0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *,
                 bias: bool = True) -> None:
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(empty(num_features, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(empty(num_features, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, device=device, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, device=device, dtype=dtype))
            self.register_buffer("num_batches_tracked",
                                 tensor(0, dtype=_dt.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """Running mean 0, variance 1, no batches tracked."""
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Running statistics reset; weight 1 and bias 0."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

    def extra_repr(self) -> str:
        """The settings inside this layer's repr, worded as PyTorch's."""
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    def forward(self, input: Tensor) -> Tensor:
        """Batch statistics in training (updating the running ones), running ones in eval."""
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative average: reads the count (a host sync)
                factor = 1.0 / float(self.num_batches_tracked)
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        use_stats = not self.training or self.track_running_stats
        return batch_norm(input, self.running_mean if use_stats else None,
                          self.running_var if use_stats else None, self.weight, self.bias,
                          bn_training, factor, self.eps)


def _dim_error(name: str, expected: str, input: Tensor) -> ValueError:
    return ValueError(f"{name}: expected {expected} input (got {input.ndim}D input of shape "
                      f"{tuple(input.shape)})")


class BatchNorm1d(_BatchNorm):
    """Batch normalization over (N, C) or (N, C, L) input (torch.nn.BatchNorm1d)."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim not in (2, 3):
            raise _dim_error("BatchNorm1d", "2D or 3D", input)


class BatchNorm2d(_BatchNorm):
    """Batch normalization over (N, C, H, W) input (torch.nn.BatchNorm2d)."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim != 4:
            raise _dim_error("BatchNorm2d", "4D", input)


class BatchNorm3d(_BatchNorm):
    """Batch normalization over (N, C, D, H, W) input (torch.nn.BatchNorm3d)."""

    def _check_input_dim(self, input: Tensor) -> None:
        if input.ndim != 5:
            raise _dim_error("BatchNorm3d", "5D", input)


class _InstanceNorm(_NormBase):
    _nd = 0

    def __init__(self, num_features: int, eps: float = 1e-5, momentum=0.1, affine: bool = False,
                 track_running_stats: bool = False, device=None, dtype=None, *,
                 bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def forward(self, input: Tensor) -> Tensor:
        """Per-instance statistics (or the running ones in eval with track_running_stats)."""
        nd, name = self._nd, type(self).__name__
        if input.ndim not in (nd + 1, nd + 2):
            raise _dim_error(name, f"{nd + 1}D (unbatched) or {nd + 2}D (batched)", input)
        unbatched = input.ndim == nd + 1
        x = input.unsqueeze(0) if unbatched else input
        if x.shape[1] != self.num_features and self.affine:
            raise ValueError(f"{name}: expected input's size at dim=1 to match num_features "
                             f"({self.num_features}), but got: {x.shape[1]}.")
        out = instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            self.training or not self.track_running_stats,
                            0.0 if self.momentum is None else self.momentum, self.eps)
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization over (N, C, L) or (C, L) input (torch.nn.InstanceNorm1d)."""

    _nd = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization over (N, C, H, W) or (C, H, W) input (torch.nn.InstanceNorm2d)."""

    _nd = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization over 5-D or unbatched 4-D input (torch.nn.InstanceNorm3d)."""

    _nd = 3
