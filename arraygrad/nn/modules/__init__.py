"""The layers of `arraygrad.nn`, one family per file (as PyTorch's `torch.nn.modules`).

Each family adds one `from .<family> import ...` line above the `__all__` line, which collects
every public class imported here."""

# ruff: noqa: F401
import types as _types

from .module import Module
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .flatten import Flatten, Unflatten
from .linear import Bilinear, Identity, Linear
from .activation import *  # noqa: F403
from .loss import *  # noqa: F403
from .adaptive import AdaptiveLogSoftmaxWithLoss
from .distance import CosineSimilarity, PairwiseDistance
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .sparse import Embedding, EmbeddingBag
from .attention import MultiheadAttention
from .transformer import TransformerEncoder, TransformerEncoderLayer
from .pooling import *  # noqa: F403
from .batchnorm import *  # noqa: F403
from .normalization import GroupNorm, LayerNorm
from .dropout import *  # noqa: F403
from .padding import *  # noqa: F403
from .upsampling import *  # noqa: F403
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d

__all__ = [_n for _n, _v in list(globals().items())
           if not _n.startswith("_") and not isinstance(_v, _types.ModuleType)]
