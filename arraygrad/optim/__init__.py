"""`arraygrad.optim` (`torch.optim`): optimizers over any iterable of tensors or parameter-group
dicts, and `lr_scheduler`. See docs/optim.md."""

from __future__ import annotations

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD
from .sparse_adam import SparseAdam

__all__ = ["Optimizer", "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "SparseAdam", "Adamax",
           "ASGD", "LBFGS", "NAdam", "RAdam", "RMSprop", "Rprop", "lr_scheduler"]
