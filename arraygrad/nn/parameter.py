"""`Parameter`: a Tensor that a Module registers as one of its parameters (PyTorch's
`torch.nn.Parameter`); `Buffer` marks a tensor to register as a buffer."""

from __future__ import annotations

from ..core.creation import empty
from ..core.tensor import Tensor, _wrap

__all__ = ["Parameter", "Buffer"]


_SLOTS = tuple(s for s in Tensor.__slots__ if s != "__weakref__")


def _alias(cls, data: Tensor):
    """A new leaf of type cls holding data's array (so, where the backend mutates in place, the
    same memory: NumPy and CuPy), outside any graph and not a view, with its own version."""
    out = object.__new__(cls)
    for slot in _SLOTS:
        try:
            object.__setattr__(out, slot, getattr(data, slot))
        except AttributeError:
            pass
    # its own leaf: an in-place update (an optimizer step) then writes this tensor directly
    # instead of going through the view machinery of data's base
    out.grad_fn, out._rg, out.grad, out._vc, out._oi = None, False, None, None, 0
    out._hooks, out._retain = None, False
    if "_view" in _SLOTS:
        out._view = None
    return out


class Parameter(Tensor):
    """A leaf Tensor that requires grad by default; assigning one to a Module attribute registers
    it. It holds the array of the tensor it was made from (shared memory on NumPy and CuPy; on
    functional backends a later in-place change of either is not seen by the other)."""

    __slots__ = ()

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): expected a Tensor as data, got {type(data).__name__}")
        p = _alias(cls, data)
        p.requires_grad_(requires_grad)
        return p

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True):
        pass

    def __repr__(self) -> str:
        t = self.detach()
        t._rg = self._rg
        return "Parameter containing:\n" + repr(t)

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        # a plain tensor over the same array (a detach() view carries weak references)
        return (_rebuild_parameter, (_wrap(self._data, self._dev), self._rg))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        p = Parameter(self.detach().clone(), self._rg)
        if self.grad is not None:
            p.grad = self.grad.clone()
        memo[id(self)] = p
        return p


def _rebuild_parameter(data: Tensor, requires_grad: bool) -> Parameter:
    return Parameter(data, requires_grad)


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a Module attribute
    (PyTorch's `torch.nn.Buffer`); the module stores the plain tensor."""

    __slots__ = ("persistent",)

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        if data is None:
            data = empty(0)
        b = _alias(cls, data)
        b.persistent = persistent
        return b

    def __init__(self, data: Tensor | None = None, *, persistent: bool = True):
        pass
