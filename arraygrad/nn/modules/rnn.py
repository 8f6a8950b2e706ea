"""Recurrent layers (PyTorch's `torch.nn.modules.rnn`): `RNN`, `LSTM`, `GRU` over whole
sequences and `RNNCell`, `LSTMCell`, `GRUCell` for one step.

Parameter names, shapes, order and initialisation (U(-1/sqrt(hidden), 1/sqrt(hidden))) are
PyTorch's, so a converted torch state_dict loads unchanged. A layer and direction projects every
time step's input in one matmul. An LSTM over full batches (padded input, no proj_size) then runs
the whole sequence as one fused node; otherwise the projection is cut into per-step pieces by one
node and each step is one fused cell node (nn/functional/_recurrent.py). Packed sequences run the
per-step loop with a batch that shrinks (forward) or grows (reverse) as sequences end.
"""

from __future__ import annotations

import math
import numbers
import warnings

from ...core.creation import empty, zeros
from ...core.grad_mode import no_grad
from ...core.ops.joining import cat, stack
from ...core.ops.linalg import matmul
from ...core.tensor import Tensor
from ..functional import _recurrent as _R
from ..functional._dropout import dropout
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module
from ...core.ops.complex import no_complex_grad

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the parameters of every layer and direction, the checks
    on inputs and hidden states, and the loop over layers and directions."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__()
        if (not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1
                or isinstance(dropout, bool)):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        if not isinstance(hidden_size, int) or isinstance(hidden_size, bool):
            raise TypeError(f"hidden_size should be of type int, got: "
                            f"{type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        self.mode = mode
        self.input_size, self.hidden_size = input_size, hidden_size
        self.num_layers, self.bias = num_layers, bias
        self.batch_first, self.dropout = batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        dirs = 2 if bidirectional else 1
        gate = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for d in range(dirs):
                in_size = input_size if layer == 0 else real_hidden * dirs
                sfx = "_reverse" if d == 1 else ""
                shapes = [("weight_ih", (gate, in_size)), ("weight_hh", (gate, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate,)), ("bias_hh", (gate,))]
                if proj_size > 0:
                    shapes += [("weight_hr", (proj_size, hidden_size))]
                names = []
                for base, shape in shapes:
                    name = f"{base}_l{layer}{sfx}"
                    setattr(self, name, Parameter(empty(shape, device=device, dtype=dtype)))
                    names.append(name)
                self._flat_weights_names += names
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        with no_grad():
            for w in self.parameters():
                w.uniform_(-stdv, stdv)

    @property
    def all_weights(self) -> list:
        """The parameters per layer and direction, as lists in PyTorch's order."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, n) for n in self._flat_weights_names]

    def flatten_parameters(self) -> None:
        """Nothing to do: arraygrad keeps no fused weight buffer (PyTorch's cuDNN one)."""

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ---- checks ----------------------------------------------------------------------------------
    def _name(self) -> str:
        return type(self).__name__

    def _check_input(self, x: Tensor, packed: bool) -> None:
        expected = 2 if packed else 3
        if not packed and x.ndim not in (2, 3):
            raise ValueError(f"{self._name()}: Expected input to be 2D or 3D, got {x.ndim}D input "
                             f"instead")
        if packed and x.ndim != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {x.ndim}")
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {x.shape[-1]}")
        w = self.weight_ih_l0
        if x.dtype != w.dtype:
            raise RuntimeError(f"{self._name()}: input must have the type {w.dtype}, got type "
                               f"{x.dtype}")
        if x.device != w.device:
            raise RuntimeError(f"{self._name()}: input is on device {x.device}, but the layer's "
                               f"parameters are on {w.device}")

    def _check_hidden(self, h: Tensor, expected: tuple, what: str = "hidden") -> None:
        if tuple(h.shape) != expected:
            raise RuntimeError(f"Expected {what} size {expected}, got {list(h.shape)}")

    def _state_sizes(self) -> list:
        """Sizes of the state tensors' last dimension: (h,) or, for LSTM, (h, c)."""
        real = self.proj_size if self.proj_size > 0 else self.hidden_size
        return [real, self.hidden_size] if self.mode == "LSTM" else [real]

    # ---- the loop --------------------------------------------------------------------------------
    def _step(self, w: dict, xg: Tensor, state: list) -> list:
        """One cell node: the new state list from projected input gates xg and the old state."""
        mode = self.mode
        if mode == "LSTM":
            h, c = _R._lstm_step(xg, state[0], state[1], w["weight_hh"])
            if "weight_hr" in w:
                h = matmul(h, w["weight_hr"].T)
            return [h, c]
        if mode == "GRU":
            return [_R._gru_step(xg, state[0], w["weight_hh"], w.get("bias_hh"))]
        return [_R._rnn_step(xg, state[0], w["weight_hh"], mode == "RNN_RELU")]

    def _direction(self, w: dict, x: Tensor, sizes: list, init: list, reverse: bool) -> tuple:
        """(output rows (N, H), final states) of one layer and direction over packed rows x with
        per-step batch sizes `sizes`; init: the initial states (B, *) of this layer."""
        lstm_or_rnn = self.mode != "GRU"
        xg = _R._input_projection(x, w["weight_ih"], w.get("bias_ih"),
                                  w.get("bias_hh") if lstm_or_rnn else None)
        if self.mode == "LSTM" and "weight_hr" not in w and min(sizes) == sizes[0]:
            # a full batch at every step: the whole sequence is one fused node
            steps, batch = len(sizes), sizes[0]
            out, h, c = _R._lstm_sequence(xg.reshape((steps, batch, xg.shape[-1])), init[0],
                                          init[1], w["weight_hh"], reverse)
            return out.reshape((steps * batch, out.shape[-1])), [h, c]
        pieces = _R._split_rows(xg, sizes) if len(sizes) > 1 else (xg,)
        outs = [None] * len(sizes)
        if not reverse:
            state, cur, finals = list(init), sizes[0], []
            for t, bs in enumerate(sizes):
                if bs < cur:  # sequences that ended: their last states are final
                    finals.append([s[bs:cur] for s in state])
                    state, cur = [s[:bs] for s in state], bs
                state = self._step(w, pieces[t], state)
                outs[t] = state[0]
            finals.append(state)
            finals.reverse()
            final = [f[0] if len(finals) == 1 else cat(list(f), 0)
                     for f in zip(*finals, strict=True)]
        else:
            cur = sizes[-1]
            state = [s[:cur] for s in init] if cur < sizes[0] else list(init)
            for t in range(len(sizes) - 1, -1, -1):
                bs = sizes[t]
                if bs > cur:  # sequences that start here (in reverse) join with their h0
                    state = [cat([s, s0[cur:bs]], 0) for s, s0 in zip(state, init, strict=True)]
                    cur = bs
                state = self._step(w, pieces[t], state)
                outs[t] = state[0]
            final = state
        return (cat(outs, 0) if len(outs) > 1 else outs[0]), final

    def _run(self, x: Tensor, sizes: list, hx: list) -> tuple:
        """(output rows, [h_n] or [h_n, c_n]) over all layers and directions; hx: the initial
        states (layers * dirs, B, *) or None."""
        dirs = 2 if self.bidirectional else 1
        batch = sizes[0]
        finals = [[] for _ in self._state_sizes()]
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                k = layer * dirs + d
                names = self._all_weights[k]
                w = {n.rsplit("_l", 1)[0]: getattr(self, n) for n in names}
                if hx is None:
                    init = [zeros((batch, n), dtype=x.dtype, device=x.device)
                            for n in self._state_sizes()]
                else:
                    init = [h[k] for h in hx]
                out, final = self._direction(w, x, sizes, init, d == 1)
                outs.append(out)
                for acc, f in zip(finals, final, strict=True):
                    acc.append(f)
            x = outs[0] if dirs == 1 else cat(outs, 1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = dropout(x, self.dropout, True)
        return x, [stack(f, 0) for f in finals]

    def forward(self, input, hx=None):
        """(output, h_n) (LSTM: (output, (h_n, c_n))) for a padded batch (T, B, I) ((B, T, I) with
        batch_first), an unbatched sequence (T, I) or a PackedSequence."""
        packed = isinstance(input, PackedSequence)
        name = self._name()
        no_complex_grad(name, *self.parameters())  # the fused cells' backward is real-only
        dirs = 2 if self.bidirectional else 1
        states = self._state_sizes()
        hxs = None if hx is None else (list(hx) if self.mode == "LSTM" else [hx])
        if self.mode == "LSTM" and hx is not None and len(hxs) != 2:
            raise RuntimeError(f"{name}: hx must be a tuple (h_0, c_0) of two tensors")
        if packed:
            data, bsz = input.data, input.batch_sizes
            self._check_input(data, True)
            sizes = [int(v) for v in bsz.tolist()]
            batch, batched = sizes[0], True
            if hxs is not None and input.sorted_indices is not None:
                hxs = [h.index_select(1, input.sorted_indices) for h in hxs]
            x = data
        else:
            self._check_input(input, False)
            batched = input.ndim == 3
            for h in hxs or ():
                if h.ndim != input.ndim:
                    kind = "batched 3-D" if batched else "unbatched 2-D"
                    raise RuntimeError(f"For {kind} input, hx should also be {input.ndim}-D but "
                                       f"got {h.ndim}-D tensor")
            x = input
            if not batched:
                x = x.unsqueeze(1)
                hxs = None if hxs is None else [h.unsqueeze(1) for h in hxs]
            elif self.batch_first:
                x = x.transpose(0, 1)
            steps, batch = x.shape[0], x.shape[1]
            sizes = [batch] * steps
            x = x.reshape((steps * batch, self.input_size))
        if hxs is not None:
            for i, (h, n) in enumerate(zip(hxs, states, strict=True)):
                what = "hidden" if len(states) == 1 else f"hidden[{i}]"
                self._check_hidden(h, (self.num_layers * dirs, batch, n), what)
        out, finals = self._run(x, sizes, hxs)
        if packed:
            if input.unsorted_indices is not None:
                finals = [f.index_select(1, input.unsorted_indices) for f in finals]
            output = PackedSequence(out, input.batch_sizes, input.sorted_indices,
                                    input.unsorted_indices)
        else:
            output = out.reshape((len(sizes), batch, out.shape[-1]))
            if not batched:
                output = output.squeeze(1)
                finals = [f.squeeze(1) for f in finals]
            elif self.batch_first:
                output = output.transpose(0, 1)
        return output, (tuple(finals) if self.mode == "LSTM" else finals[0])


class RNN(RNNBase):
    """Elman RNN h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu), stacked
    num_layers deep, optionally bidirectional (PyTorch's `torch.nn.RNN`)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device=None,
                 dtype=None) -> None:
        if nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or "
                             f"'relu'.")
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory layer, gates i, f, g, o (PyTorch's `torch.nn.LSTM`); proj_size > 0
    adds the projection h_t = W_hr (o * tanh(c_t))."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device, dtype)


class GRU(RNNBase):
    """Gated recurrent unit layer, gates r, z, n (PyTorch's `torch.nn.GRU`)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype)


# ---- cells ---------------------------------------------------------------------------------------
class RNNCellBase(Module):
    """What the cells share: weight_ih (chunks*H, I), weight_hh (chunks*H, H), the biases, and
    PyTorch's initialisation U(-1/sqrt(H), 1/sqrt(H))."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        gate = num_chunks * hidden_size
        self.weight_ih = Parameter(empty((gate, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(empty((gate, hidden_size), device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty((gate,), device=device, dtype=dtype))
            self.bias_hh = Parameter(empty((gate,), device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        with no_grad():
            for w in self.parameters():
                w.uniform_(-stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nl = getattr(self, "nonlinearity", "tanh")
        if nl != "tanh":
            s += f", nonlinearity={nl}"
        return s

    def _prepare(self, input: Tensor, hx, n_states: int) -> tuple:
        """(batched input, batched states, whether the input was batched), after the checks."""
        name = type(self).__name__
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D input "
                             f"instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input has inconsistent input_size: got "
                               f"{input.shape[-1]} expected {self.input_size}")
        if input.dtype != self.weight_ih.dtype:
            raise RuntimeError(f"{name}: input must have the type {self.weight_ih.dtype}, got "
                               f"type {input.dtype}")
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            states = [zeros((x.shape[0], self.hidden_size), dtype=x.dtype, device=x.device)
                      for _ in range(n_states)]
        else:
            states = list(hx) if n_states == 2 else [hx]
            for h in states:
                if h.ndim != input.ndim:
                    raise RuntimeError(f"{name}: Expected hidden to be {input.ndim}D for "
                                       f"{input.ndim}D input, got {h.ndim}D instead")
            if not batched:
                states = [h.unsqueeze(0) for h in states]
            for h in states:
                if tuple(h.shape) != (x.shape[0], self.hidden_size):
                    raise RuntimeError(f"{name}: hidden state has shape {tuple(h.shape)}, "
                                       f"expected {(x.shape[0], self.hidden_size)}")
        return x, states, batched


class RNNCell(RNNCellBase):
    """One Elman RNN step h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu) (PyTorch's
    `torch.nn.RNNCell`)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """h' for input (B, I) or (I,) and hidden hx (zeros if None)."""
        x, (h,), batched = self._prepare(input, hx, 1)
        cell = _R.rnn_tanh_cell if self.nonlinearity == "tanh" else _R.rnn_relu_cell
        out = cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step (h', c') (PyTorch's `torch.nn.LSTMCell`), one fused graph node."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:
        """(h', c') for input (B, I) or (I,) and hx = (h, c) (zeros if None)."""
        x, (h, c), batched = self._prepare(input, hx, 2)
        hy, cy = _R.lstm_cell(x, (h, c), self.weight_ih, self.weight_hh, self.bias_ih,
                              self.bias_hh)
        return (hy, cy) if batched else (hy.squeeze(0), cy.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step h' (PyTorch's `torch.nn.GRUCell`), one fused graph node."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        """h' for input (B, I) or (I,) and hidden hx (zeros if None)."""
        x, (h,), batched = self._prepare(input, hx, 1)
        out = _R.gru_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return out if batched else out.squeeze(0)

