"""Complex numbers: real, imag, conj, angle, view_as_real, view_as_complex, polar and complex,
and the helpers that give every op PyTorch's complex gradient convention.

The convention: the gradient of a real loss L with respect to z = x + iy is dL/dx + i dL/dy (the
conjugate Wirtinger derivative, times 2), so `z.grad` points to steepest ascent. A holomorphic op
w = f(z) then has the vector-Jacobian product g * conj(f'(z)). Every real formula in core is
g * f'(z) (linear in g), so `holomorphic(bw)` computes conj(bw(conj(g))) = g * conj(f'(z)): one
formula serves real and complex inputs. Ops that are not holomorphic (abs, angle, real, imag,
conj, sgn) have their own formulas; ops with no complex derivative in PyTorch raise
(`no_complex_grad`) instead of returning a silently wrong value.
"""

from __future__ import annotations

from .. import dtypes as _dt
from ..graph import record
from ..tensor import Tensor
from ._common import method

__all__ = ["real", "imag", "conj", "conj_physical", "resolve_conj", "angle", "view_as_real",
           "view_as_complex", "polar", "complex"]


def holomorphic(bw):
    """bw (a formula g * f'(z), right for real inputs) made right for complex ones under PyTorch's
    convention: conj(bw(conj(g))) = g * conj(f'(z))."""
    def cbw(K, n, s, g):
        return tuple(None if r is None else K.conj(r) for r in bw(K, n, s, K.conj(g)))
    cbw.__name__ = getattr(bw, "__name__", "bw") + "_complex"
    return cbw


def is_complex(t) -> bool:
    """Whether t is a complex Tensor (a dict lookup: cheap enough for every op's forward)."""
    return isinstance(t, Tensor) and t._dev.to_ag[t._data.dtype].kind == _dt._COMPLEX


def no_complex_grad(op: str, *ts) -> None:
    """Raises for a complex input that requires grad where op has no complex derivative."""
    from ..grad_mode import is_grad_enabled

    for t in ts:
        if isinstance(t, Tensor) and t._rg and is_complex(t) and is_grad_enabled():
            raise RuntimeError(
                f"{op}(): the derivative for complex input ({t.dtype}) is not implemented, as in "
                "PyTorch; use the real and imaginary parts (torch.view_as_real) instead")


# ---- the parts of a complex number ---------------------------------------------------------------
def _real_bw(K, n, s, g):
    return (K.astype(g, n.ctx),)  # g + 0j: d Re(z) gives dL/dx = g, dL/dy = 0


def _imag_bw(K, n, s, g):
    return (K.astype(g, n.ctx) * 1j,)  # dL/dy = g


def _conj_bw(K, n, s, g):
    return (K.conj(g),)


def real(input: Tensor) -> Tensor:
    """The real part (input itself for a real tensor), as torch.real."""
    if not is_complex(input):
        return input
    xp = input._dev.xp
    return record(input._dev, xp.real(input._data), "RealBackward0", _real_bw, (input,), (),
                  input._data.dtype)


def imag(input: Tensor) -> Tensor:
    """The imaginary part of a complex tensor (torch.imag raises for real ones, and so does
    this)."""
    if not is_complex(input):
        raise RuntimeError("imag(): imag is not implemented for tensors with non-complex dtypes "
                           f"(got {input.dtype})")
    xp = input._dev.xp
    return record(input._dev, xp.imag(input._data), "ImagBackward0", _imag_bw, (input,), (),
                  input._data.dtype)


def conj(input: Tensor) -> Tensor:
    """The complex conjugate (input itself for a real tensor). PyTorch returns a lazy view with
    the conjugate bit set; arraygrad computes it (as conj_physical)."""
    if not is_complex(input):
        return input
    return record(input._dev, input._dev.xp.conj(input._data), "ConjBackward0", _conj_bw,
                  (input,))


conj_physical = conj


def resolve_conj(input: Tensor) -> Tensor:
    """input itself: arraygrad has no lazy conjugate bit to resolve."""
    return input


def _angle_bw(K, n, s, g):
    # PyTorch's angle_backward: g * z / |z|^2 * 1j, 0 at z == 0
    (z,) = s
    sq = K.real(z * K.conj(z))
    zero = sq == 0
    ga = K.astype(g, z.dtype) * z * 1j / K.astype(K.where(zero, K.ones_like(sq), sq), z.dtype)
    return (K.where(zero, K.zeros_like(ga), ga),)


def _angle_real_bw(K, n, s, g):
    return (K.zeros_like(g),)


def angle(input: Tensor) -> Tensor:
    """The argument of each element in radians (atan2(imag, real)); for real tensors pi where
    negative, else 0 (NaN stays NaN), as torch.angle; integers give the default float dtype."""
    dev = input._dev
    xp = dev.xp
    x = input._data
    if is_complex(input):
        out = xp.atan2(xp.imag(x), xp.real(x))
        return record(dev, out, "AngleBackward0", _angle_bw, (input,), (input,))
    if input.dtype.kind < _dt._FLOAT:
        from .elementwise import _cast

        input = _cast(input, _dt.get_default_dtype(), "angle")
        x = input._data
    import math

    out = xp.where(x < 0, xp.full_like(x, math.pi), xp.zeros_like(x))
    out = xp.where(xp.isnan(x), x, out)
    return record(dev, out, "AngleBackward0", _angle_real_bw, (input,))


# ---- complex <-> pairs of reals ------------------------------------------------------------------
def _view_as_real_bw(K, n, s, g):
    return (K.astype(g[..., 0], n.ctx) + K.astype(g[..., 1], n.ctx) * 1j,)


def view_as_real(input: Tensor) -> Tensor:
    """A complex tensor as a real one with a last dimension of 2 (real, imaginary). PyTorch
    returns a view sharing memory; arraygrad returns a copy (the array API has no such view)."""
    if not is_complex(input):
        raise RuntimeError(f"view_as_real(): is only supported for complex tensors (got "
                           f"{input.dtype})")
    xp = input._dev.xp
    x = input._data
    out = xp.stack([xp.real(x), xp.imag(x)], axis=-1)
    return record(input._dev, out, "ViewAsRealBackward0", _view_as_real_bw, (input,), (), x.dtype)


def _view_as_complex_bw(K, n, s, g):
    return (K.stack([K.real(g), K.imag(g)], axis=-1),)


_COMPLEX_OF = {"float32": _dt.complex64, "float64": _dt.complex128}


def view_as_complex(input: Tensor) -> Tensor:
    """A real tensor whose last dimension has size 2 as a complex one (a copy in arraygrad, a
    view in PyTorch)."""
    d = input.dtype
    if d.name not in _COMPLEX_OF:
        raise RuntimeError(f"view_as_complex(): is only supported for float32 and float64 tensors, "
                           f"but got a tensor of scalar type: {d}")
    if input.ndim == 0 or input.shape[-1] != 2:
        raise RuntimeError(f"view_as_complex(): Tensor must have a last dimension of size 2 (got "
                           f"shape {tuple(input.shape)})")
    dev = input._dev
    xp = dev.xp
    cd = dev.native_dtype(_COMPLEX_OF[d.name], "view_as_complex")
    x = input._data
    out = xp.astype(x[..., 0], cd) + xp.astype(x[..., 1], cd) * 1j
    return record(dev, out, "ViewAsComplexBackward0", _view_as_complex_bw, (input,))


def complex(real: Tensor, imag: Tensor) -> Tensor:  # noqa: A001
    """real + i imag from two float tensors of one dtype (torch.complex)."""
    from .joining import stack

    if real.dtype is not imag.dtype or real.dtype.name not in _COMPLEX_OF:
        raise RuntimeError(f"complex(): expected both inputs to be float32 or float64 tensors of "
                           f"one dtype, got {real.dtype} and {imag.dtype}")
    re, im = (real, imag) if real.shape == imag.shape else _broadcast(real, imag)
    return view_as_complex(stack([re, im], dim=-1))


def _broadcast(a: Tensor, b: Tensor):
    from .shape import broadcast_tensors

    return broadcast_tensors(a, b)


def polar(abs: Tensor, angle: Tensor) -> Tensor:  # noqa: A002
    """abs * (cos(angle) + i sin(angle)) (torch.polar)."""
    return complex(abs * angle.cos(), abs * angle.sin())


method("conj", "conj_physical")(conj)
method("resolve_conj")(resolve_conj)
method("angle")(angle)
Tensor.real = property(real, doc="The real part (torch.Tensor.real; a copy in arraygrad).")
Tensor.imag = property(imag, doc="The imaginary part (torch.Tensor.imag; a copy in arraygrad).")
