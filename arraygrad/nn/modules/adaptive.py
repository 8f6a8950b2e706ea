"""`AdaptiveLogSoftmaxWithLoss` (PyTorch's): the efficient softmax approximation of Grave et
al. for large vocabularies. A head scores the frequent classes plus one entry per tail cluster;
each cluster has a low-rank projection to its rarer classes.

As in PyTorch, the forward pass selects the rows whose target falls in each cluster (a
data-dependent selection, which reads the targets on the host), so a cluster only costs its
own rows.
"""

from __future__ import annotations

from collections import namedtuple

from ...core.creation import zeros
from ...core.ops.joining import cat
from ...core.ops.masking import nonzero
from ...core.ops.reduction import argmax
from ...core.ops.scatter import gather, index_copy, index_select
from ...core.ops.comparison import where
from ...core.tensor import Tensor
from ..functional._activation import log_softmax
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """Adaptive softmax: `forward(input, target)` returns (output, loss), output the target
    log-probabilities (N,) and loss their negated mean; `log_prob` gives every class's
    log-probability, `predict` the most likely class."""

    def __init__(self, in_features: int, n_classes: int, cutoffs, div_value: float = 4.0,
                 head_bias: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted "
                             "in an increasing order, where each value is between 1 and "
                             "n_classes-1")
        kw = {"device": device, "dtype": dtype}
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, **kw)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hsz, bias=False, **kw),
                                        Linear(hsz, osz, bias=False, **kw)))

    def reset_parameters(self) -> None:
        """Re-initialises the head and every cluster projection as Linear does."""
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        """(output, loss): each row's target log-probability and the mean negative of them."""
        td = target_.ndim
        if td == 1:
            if input_.shape[0] != target_.shape[0]:
                raise RuntimeError("AdaptiveLogSoftmaxWithLoss: Input and target should have the "
                                   f"same size in the batch dimension (input {tuple(input_.shape)}"
                                   f", target {tuple(target_.shape)}).")
            if input_.ndim != 2:
                raise RuntimeError("AdaptiveLogSoftmaxWithLoss: 1D target tensor expects 2D "
                                   f"input tensors, but found inputs with size "
                                   f"{tuple(input_.shape)}")
        elif td == 0:
            if input_.ndim != 1:
                raise RuntimeError("AdaptiveLogSoftmaxWithLoss: 0D target tensor expects 1D "
                                   f"input tensors, but found inputs with size "
                                   f"{tuple(input_.shape)}")
        else:
            raise RuntimeError("AdaptiveLogSoftmaxWithLoss: 0D or 1D target tensor expected, "
                               "multi-target not supported")
        batched = td > 0
        input = input_ if batched else input_.unsqueeze(0)
        target = target_ if batched else target_.unsqueeze(0)
        n = target.shape[0]
        output = zeros(n, dtype=input.dtype, device=input.device)
        gather_inds = target
        used = 0
        bounds = [0] + self.cutoffs
        for i in range(len(bounds) - 1):
            lo, hi = bounds[i], bounds[i + 1]
            mask = (target >= lo) & (target < hi)
            rows = nonzero(mask).reshape(-1)
            k = rows.shape[0]
            if k == 0:
                continue
            used += k
            if i == 0:
                continue
            rel = index_select(target, 0, rows) - lo
            cluster = log_softmax(self.tail[i - 1](index_select(input, 0, rows)), 1)
            local = gather(cluster, 1, rel.unsqueeze(1)).squeeze(1)
            output = index_copy(output, 0, rows, local)
            gather_inds = where(mask, self.shortlist_size + i - 1, gather_inds)
        if used != n:
            lo_v, hi_v = int(target.min()), int(target.max())
            raise RuntimeError(f"AdaptiveLogSoftmaxWithLoss: Target values should be in [0, "
                               f"{self.n_classes - 1}], but values in range [{lo_v}, {hi_v}] "
                               "were found. ")
        head = log_softmax(self.head(input), 1)
        output = output + gather(head, 1, gather_inds.unsqueeze(1)).squeeze(1)
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _full_log_prob(self, input: Tensor, head_output: Tensor) -> Tensor:
        head = log_softmax(head_output, 1)
        parts = [head[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster = log_softmax(self.tail[i](input), 1)
            parts.append(cluster + head[:, self.shortlist_size + i].unsqueeze(1))
        return cat(parts, 1)

    def log_prob(self, input: Tensor) -> Tensor:
        """The log-probability of every class, (N, n_classes) (or (n_classes,) unbatched)."""
        batched = input.ndim > 1
        x = input if batched else input.unsqueeze(0)
        out = self._full_log_prob(x, self.head(x))
        return out if batched else out.squeeze(0)

    def predict(self, input: Tensor) -> Tensor:
        """The most likely class of each row: the head's argmax when it names a shortlist
        class, else the argmax of the full log-probabilities."""
        batched = input.ndim > 1
        x = input if batched else input.unsqueeze(0)
        head_output = self.head(x)
        out = argmax(head_output, dim=1)
        full = argmax(self._full_log_prob(x, head_output), dim=1)
        # the full log-probabilities agree with the head on shortlist rows; computing them for
        # every row keeps predict free of data-dependent branches
        out = where(out >= self.shortlist_size, full, out)
        return out if batched else out.squeeze(0)
