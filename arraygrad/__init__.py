"""arraygrad: PyTorch's programming model on any array library that follows the array API."""

from __future__ import annotations

from . import backends
from .core.device import device, get_default_device, set_default_device
from .core.dtypes import *  # noqa: F403
from .core.dtypes import (bool, cdouble, cfloat, complex64, complex128, double, dtype, float,  # noqa: A004
                          float16, float32, float64, get_default_dtype, half, int, int8, int16,
                          int32, int64, long, promote_types, result_type, can_cast,
                          set_default_dtype, short, uint8, uint16, uint32, uint64,
                          is_floating_point, is_complex)
from .core.grad_mode import (enable_grad, inference_mode, is_grad_enabled,
                             is_inference_mode_enabled, no_grad, set_grad_enabled)
from .core.random import (Generator, default_generator, get_rng_state, initial_seed, manual_seed,
                          seed, set_rng_state)
from .core.tensor import Size, Tensor
from .core.creation import *  # noqa: F403
from .core.serialization import save, load
from .core.compile import compile  # noqa: A004  (torch.compile)
from .core.queries import is_nonzero, is_tensor, numel
from .backends.host import get_printoptions, set_printoptions
from .core.sparse import layout, sparse_coo, sparse_coo_tensor, strided
from .core.ops.elementwise import *  # noqa: F403
from .core.ops.elementwise import abs, pow, round  # noqa: A004
from .core.ops.reduction import *  # noqa: F403
from .core.ops.reduction import sum  # noqa: A004
from .core.ops.comparison import *  # noqa: F403
from .core.ops.shape import *  # noqa: F403
from .core.ops.joining import *  # noqa: F403
from .core.ops.rearranging import *  # noqa: F403
from .core.ops.indexing import *  # noqa: F403
from .core.ops.scatter import *  # noqa: F403
from .core.ops.masking import *  # noqa: F403
from .core.ops.linalg import *  # noqa: F403
from .core.ops.sorting import *  # noqa: F403
from .core.ops.complex import *  # noqa: F403
from .core.ops.complex import complex  # noqa: A004
from .core.ops.repeat_interleave import repeat_interleave
from .core.standard._creation import from_dlpack  # torch.from_dlpack
from . import fft  # noqa: E402  (torch.fft)
from . import linalg  # noqa: E402  (torch.linalg)
from .core.ops import inplace as _inplace  # noqa: F401  (attaches the in-place methods)
from . import autograd, cuda  # noqa: E402
from . import data, utils  # noqa: E402
from . import nn  # noqa: E402
from . import optim  # noqa: E402
from . import jit  # noqa: E402  (torch.jit: trace, save, load)
from .nn.functional._activation import log_softmax, softmax  # noqa: E402

from .core import _docs  # noqa: E402

_docs.attach(__import__(__name__), Tensor)

__version__ = "0.1.0"
