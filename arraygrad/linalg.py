"""`arraygrad.linalg`: torch.linalg's names over arraygrad's differentiable ops. Present so far:
inv, solve, det, slogdet, cholesky (primitives with torch.linalg's backward formulas, in
core/ops/linalg_ext.py), vector_norm, vecdot, cross, matrix_power, multi_dot and diagonal
(composed). The other factorizations (qr, eigh, svd) and the norms and functions built on them
are not here yet.

On a backend whose array library has no `linalg` extension, each primitive raises a RuntimeError
naming the function and the backend."""

from __future__ import annotations

import math

import arraygrad as _ag

from .core.ops.linalg_ext import _cholesky, _det, _eigh, _inv, _slogdet, _solve, _square
from .core.tensor import Tensor

__all__ = ["inv", "solve", "det", "slogdet", "cholesky", "eigh", "eigvalsh", "vector_norm",
           "vecdot", "cross",
           "matrix_power", "multi_dot", "diagonal"]


def inv(A: Tensor) -> Tensor:
    """torch.linalg.inv: the inverse of each square matrix of A."""
    _square("inv", A)
    return _inv(A)


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """torch.linalg.solve: X with A X = B (B a matrix, or a vector when B.ndim == 1 or B's shape
    is A's without the last dimension); left=False solves X A = B."""
    _square("solve", A)
    if not isinstance(B, Tensor):
        raise TypeError(f"linalg.solve(): argument 'B' must be a Tensor, not {type(B).__name__}")
    if not left:
        return solve(A.mT, B.mT).mT
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    b = B.unsqueeze(-1) if vector else B
    if b.shape[-2] != A.shape[-1]:
        raise RuntimeError(f"linalg.solve(): incompatible shapes of A {tuple(A.shape)} and B "
                           f"{tuple(B.shape)}")
    d = _ag.promote_types(A.dtype, B.dtype)
    x = _solve(A.to(d), b.to(d))
    return x.squeeze(-1) if vector else x


def det(A: Tensor) -> Tensor:
    """torch.linalg.det: the determinant of each square matrix of A (gradient A nonsingular)."""
    _square("det", A)
    return _det(A)


def slogdet(A: Tensor):
    """torch.linalg.slogdet: (sign, log|det|) of each square matrix of A (real A for gradients)."""
    _square("slogdet", A)
    return _slogdet(A)


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """torch.linalg.cholesky: the lower (or upper) Cholesky factor of each Hermitian
    positive-definite matrix of A; its gradient is Hermitian, as PyTorch's."""
    _square("cholesky", A)
    out = _cholesky(A)
    return _ag.conj(out.mT) if upper else out


def eigh(A: Tensor, UPLO: str = "L"):
    """torch.linalg.eigh: (eigenvalues ascending, eigenvectors) of each Hermitian matrix of A.
    Gradients need distinct eigenvalues and a loss that ignores the eigenvectors' phase."""
    _square("eigh", A)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"linalg.eigh(): UPLO must be 'L' or 'U', got {UPLO!r}")
    if UPLO == "U":
        A = _ag.conj(A.mT)
    return _eigh(A)


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """torch.linalg.eigvalsh: the eigenvalues (ascending) of each Hermitian matrix of A."""
    return eigh(A, UPLO)[0]


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """torch.linalg.vector_norm: the ord-norm over dim (all elements by default)."""
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm(): ord must be a number, got {ord!r}")
    if dtype is not None:
        x = x.to(dtype)
    return _ag.norm(x, p=float(ord) if ord not in (math.inf, -math.inf) else ord, dim=dim,
                    keepdim=keepdim)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """torch.linalg.vecdot: sum(conj(x) * y) over dim, the other dimensions broadcast."""
    if x.shape[dim] != y.shape[dim]:
        raise RuntimeError(f"linalg.vecdot(): x and y must have the same size along dim {dim}, "
                           f"got {tuple(x.shape)} and {tuple(y.shape)}")
    return (_ag.conj(x) * y).sum(dim)


def cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """torch.linalg.cross: the cross product of 3-vectors along dim (broadcast)."""
    if input.shape[dim] != 3 or other.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross(): inputs dimension {dim} must have length 3, got "
                           f"{tuple(input.shape)} and {tuple(other.shape)}")
    a = [input.select(dim, i) for i in range(3)]
    b = [other.select(dim, i) for i in range(3)]
    parts = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
    return _ag.stack(parts, dim=dim if dim >= 0 else dim + max(input.ndim, other.ndim))


def matrix_power(A: Tensor, n: int) -> Tensor:
    """torch.linalg.matrix_power: A to the integer power n (by squaring; n < 0 inverts A)."""
    _square("matrix_power", A)
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"linalg.matrix_power(): n must be an int, got {type(n).__name__}")
    if n == 0:
        eye = _ag.eye(A.shape[-1], dtype=A.dtype, device=A.device)
        return _ag.zeros_like(A) + eye
    if n < 0:
        A, n = inv(A), -n
    out, base = None, A
    while n:
        if n & 1:
            out = base if out is None else out @ base
        n >>= 1
        if n:
            base = base @ base
    return out


def multi_dot(tensors) -> Tensor:
    """torch.linalg.multi_dot: the product of a chain of matrices (first and last may be 1-D),
    multiplied left to right."""
    ts = list(tensors)
    if len(ts) < 2:
        raise RuntimeError(f"linalg.multi_dot(): expected at least 2 tensors but got {len(ts)}")
    out = ts[0]
    for t in ts[1:]:
        out = out @ t
    return out


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """torch.linalg.diagonal: the diagonals of the matrices in dims dim1, dim2 (a view)."""
    return _ag.diagonal(A, offset, dim1, dim2)
