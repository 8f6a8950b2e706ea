"""`arraygrad.nn.utils` (PyTorch's `torch.nn.utils`): gradient clipping, parameter vectors and,
in `rnn`, variable-length sequence packing."""

from .clip_grad import (clip_grad_norm, clip_grad_norm_, clip_grad_value_,  # noqa: F401
                        clip_grads_with_norm_, get_total_norm, parameters_to_vector,
                        vector_to_parameters)
from . import rnn  # noqa: F401
