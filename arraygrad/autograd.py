"""`arraygrad.autograd`: PyTorch's `torch.autograd` names."""

from .core.autograd import backward, grad
from .core.grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode"]
