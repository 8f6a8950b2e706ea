"""`arraygrad.nn.functional` (PyTorch's `torch.nn.functional`): the functional form of every layer,
activation and loss. One private module per family (`_linear.py`, `_activation.py`, `_loss.py`,
`_conv.py`, `_pooling.py`, `_normalization.py`, `_dropout.py`, `_recurrent.py`, `_attention.py`,
`_embedding.py`, ...), each with an `__all__`; add one `from ._<family> import *` line below."""

# ruff: noqa: F403
from ._linear import *
from ._activation import *
from ._loss import *
from ._margin_loss import *
from ._ctc_loss import *
from ._distance import *
from ._embedding import *
from ._conv import *
from ._pooling import *
from ._attention import *
from ._normalization import *
from ._dropout import *
from ._padding import *
from ._upsampling import *
