"""`arraygrad.autograd`: PyTorch's `torch.autograd` names."""

from .core.anomaly import detect_anomaly, set_detect_anomaly
from .core.autograd import backward, grad
from .core.function import Function, FunctionCtx, once_differentiable
from .core.gradcheck import GradcheckError, gradcheck, gradgradcheck
from .core.grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled
from .core import autograd as graph  # Node, hooks: the graph's objects

__all__ = ["backward", "grad", "Function", "FunctionCtx", "once_differentiable", "gradcheck",
           "gradgradcheck", "GradcheckError", "detect_anomaly", "set_detect_anomaly", "no_grad",
           "enable_grad", "set_grad_enabled", "inference_mode", "graph"]
