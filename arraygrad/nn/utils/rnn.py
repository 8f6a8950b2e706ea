"""Variable-length sequences for the recurrent layers (PyTorch's `torch.nn.utils.rnn`):
`PackedSequence`, `pack_padded_sequence`, `pad_packed_sequence`, `pad_sequence`, `pack_sequence`,
`unpad_sequence`, `unpack_sequence`.

A packed sequence holds the time-major rows of every sequence still running at each step
(`data`, (sum of lengths, *)), how many there are per step (`batch_sizes`, int64 on the CPU) and
the permutation that sorted the batch by decreasing length. Packing and unpacking are one
`index_select` each (differentiable); the row maps are built on the host from the lengths, which
PyTorch also requires to be on the CPU.
"""

from __future__ import annotations

from typing import NamedTuple

from ... import core as _core
from ...core.creation import full, tensor
from ...core.ops.joining import cat, stack
from ...core.tensor import Tensor

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "pack_sequence", "unpad_sequence", "unpack_sequence"]


class PackedSequence(NamedTuple):
    """Packed rows of a batch of variable-length sequences (PyTorch's PackedSequence): data
    (sum(lengths), *), batch_sizes (steps,), and the sort permutation and its inverse."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args, **kwargs) -> PackedSequence:
        """The same packing with `data` (and the index tensors) moved or cast as `Tensor.to`;
        batch_sizes stays on the CPU."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        dev = data.device

        def move(t):
            return None if t is None else t.to(dev)

        return PackedSequence(data, self.batch_sizes, move(self.sorted_indices),
                              move(self.unsorted_indices))

    def cpu(self) -> PackedSequence:
        """The packing with its tensors on the CPU."""
        return self.to("cpu")

    @property
    def is_cuda(self) -> bool:
        """Whether data is on a CUDA device."""
        return self.data.device.type == "cuda"

    def is_pinned(self) -> bool:
        """False: arraygrad has no pinned host memory."""
        return False


def _host_ints(x, what: str) -> list:
    """A list of Python ints from a list, tuple or 1-D integer tensor (lengths live on the host)."""
    if isinstance(x, Tensor):
        if x.ndim != 1:
            raise RuntimeError(f"{what}: expected a 1-D tensor of lengths, got shape "
                               f"{tuple(x.shape)}")
        return [int(v) for v in x.tolist()]
    return [int(v) for v in x]


def _invert(perm: list) -> list:
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return inv


def _index(values: list, dev) -> Tensor:
    return tensor(values, dtype=_core.dtypes.int64, device=dev)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Packs a padded batch (T, B, *) (or (B, T, *) with batch_first) of sequences of the given
    lengths; with enforce_sorted=False the batch is sorted by length first (and unsorted on
    unpacking)."""
    lens = _host_ints(lengths, "pack_padded_sequence()")
    bdim = 0 if batch_first else 1
    if input.ndim < 2:
        raise RuntimeError(f"pack_padded_sequence(): input must have at least 2 dimensions, "
                           f"got shape {tuple(input.shape)}")
    nb = input.shape[bdim]
    if len(lens) != nb:
        raise RuntimeError(f"pack_padded_sequence(): Expected `len(lengths)` to be equal to "
                           f"batch_size, but got {len(lens)} (batch_size={nb})")
    if any(n <= 0 for n in lens):
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element "
                           "in 'lengths' that is <= 0")
    steps = input.shape[1 - bdim]
    if max(lens) > steps:
        raise RuntimeError(f"pack_padded_sequence(): a length of {max(lens)} exceeds the padded "
                           f"sequence length {steps} (input shape {tuple(input.shape)})")
    if enforce_sorted:
        if any(a < b for a, b in zip(lens, lens[1:], strict=False)):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
        order = list(range(nb))
        sorted_idx = unsorted_idx = None
    else:
        order = sorted(range(nb), key=lambda i: -lens[i])  # stable, as torch.sort(descending)
        sorted_idx = _index(order, input.device)
        unsorted_idx = _index(_invert(order), input.device)
    slens = [lens[i] for i in order]
    sizes = [sum(1 for n in slens if n > t) for t in range(slens[0])]
    # row of the flattened (T*B or B*T, *) input for each packed row, time-major
    if batch_first:
        rows = [order[b] * steps + t for t in range(len(sizes)) for b in range(sizes[t])]
    else:
        rows = [t * nb + order[b] for t in range(len(sizes)) for b in range(sizes[t])]
    flat = input.reshape((nb * steps,) + tuple(input.shape[2:]))
    data = flat.index_select(0, _index(rows, input.device))
    return PackedSequence(data, _index(sizes, "cpu"), sorted_idx, unsorted_idx)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None) -> tuple:
    """(padded, lengths): the inverse of pack_padded_sequence, in the batch's original order;
    padded steps hold padding_value; total_length pads to a fixed length."""
    data, bs = sequence.data, _host_ints(sequence.batch_sizes, "pad_packed_sequence()")
    nb, steps = bs[0], len(bs)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {steps}")
        steps = total_length
    lens_sorted = [sum(1 for b in bs if b > i) for i in range(nb)]
    unsorted = (list(range(nb)) if sequence.unsorted_indices is None
                else _host_ints(sequence.unsorted_indices, "pad_packed_sequence()"))
    start = [0]
    for b in bs:
        start.append(start[-1] + b)
    pad_row = start[-1]
    rows = []
    for i in range(steps * nb):
        t, b = (i % steps, i // steps) if batch_first else (i // nb, i % nb)
        s = unsorted[b]
        rows.append(start[t] + s if t < len(bs) and s < bs[t] else pad_row)
    pad = full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    ext = cat([data, pad], 0)
    out = ext.index_select(0, _index(rows, data.device))
    shape = (nb, steps) if batch_first else (steps, nb)
    lengths = _index([lens_sorted[unsorted[b]] for b in range(nb)], "cpu")
    return out.reshape(shape + tuple(data.shape[1:])), lengths


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stacks tensors of shape (L_i, *) into (T, B, *) (or (B, T, *)), padding each to the
    longest with padding_value on the right (or left)."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    seqs = list(sequences)
    if not seqs:
        raise RuntimeError("pad_sequence(): received an empty list of sequences")
    longest = max(s.shape[0] for s in seqs)
    padded = []
    for s in seqs:
        short = longest - s.shape[0]
        if short:
            p = full((short,) + tuple(s.shape[1:]), padding_value, dtype=s.dtype,
                     device=s.device)
            s = cat([s, p] if padding_side == "right" else [p, s], 0)
        padded.append(s)
    return stack(padded, 0 if batch_first else 1)


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Packs a list of tensors of shape (L_i, *) (pad_sequence then pack_padded_sequence)."""
    seqs = list(sequences)
    lengths = [s.shape[0] for s in seqs]
    return pack_padded_sequence(pad_sequence(seqs), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list:
    """The list of unpadded sequences (L_i, *) from a padded batch and its lengths."""
    lens = _host_ints(lengths, "unpad_sequence()")
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[i, :n] for i, n in enumerate(lens)]


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences (L_i, *), in the original order, from a packed sequence."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
