"""The standard's linalg extension (2024.12), exposed as `arraygrad.array_api.linalg`: the 23
functions with the standard's signatures over `arraygrad.linalg` (torch.linalg's names,
differentiable with torch.linalg's formulas). Results of eigh, qr, slogdet and svd are named
tuples, as the standard asks."""

from __future__ import annotations

from collections import namedtuple

from . import _torch as _ag

from .. import linalg as _l
from ..ops.linalg_ext import _solve, _square
from ..tensor import Tensor
from ._linalg import matmul, matrix_transpose, tensordot, vecdot
from ._statistical import sum as _sum

__all__ = ["cholesky", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "matmul",
           "matrix_norm", "matrix_power", "matrix_rank", "matrix_transpose", "outer", "pinv", "qr",
           "slogdet", "solve", "svd", "svdvals", "tensordot", "trace", "vecdot", "vector_norm"]

EighResult = namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
QRResult = namedtuple("QRResult", ["Q", "R"])
SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])
SVDResult = namedtuple("SVDResult", ["U", "S", "Vh"])


def cholesky(x: Tensor, /, *, upper: bool = False) -> Tensor:
    """The Cholesky factor of each Hermitian positive-definite matrix (linalg.cholesky)."""
    return _l.cholesky(x, upper=upper)


def cross(x1: Tensor, x2: Tensor, /, *, axis: int = -1) -> Tensor:
    """The cross product of 3-vectors along axis (linalg.cross)."""
    return _l.cross(x1, x2, dim=axis)


def det(x: Tensor, /) -> Tensor:
    """The determinant of each square matrix (linalg.det)."""
    return _l.det(x)


def diagonal(x: Tensor, /, *, offset: int = 0) -> Tensor:
    """The diagonals of the matrices in the last two dimensions (linalg.diagonal)."""
    return _l.diagonal(x, offset=offset)


def eigh(x: Tensor, /) -> EighResult:
    """(eigenvalues ascending, eigenvectors) of each Hermitian matrix (linalg.eigh)."""
    return EighResult(*_l.eigh(x))


def eigvalsh(x: Tensor, /) -> Tensor:
    """The eigenvalues (ascending) of each Hermitian matrix (linalg.eigvalsh)."""
    return _l.eigvalsh(x)


def inv(x: Tensor, /) -> Tensor:
    """The inverse of each square matrix (linalg.inv)."""
    return _l.inv(x)


def matrix_norm(x: Tensor, /, *, keepdims: bool = False, ord="fro") -> Tensor:
    """The matrix norm of the last two dimensions (linalg.matrix_norm)."""
    return _l.matrix_norm(x, ord, (-2, -1), keepdims)


def matrix_power(x: Tensor, n: int, /) -> Tensor:
    """Each square matrix to the integer power n (linalg.matrix_power)."""
    return _l.matrix_power(x, n)


def matrix_rank(x: Tensor, /, *, rtol=None) -> Tensor:
    """The number of singular values above rtol times the largest (linalg.matrix_rank)."""
    return _l.matrix_rank(x, rtol=rtol)


def outer(x1: Tensor, x2: Tensor, /) -> Tensor:
    """The outer product of two vectors (linalg.outer)."""
    return _ag.outer(x1, x2)


def pinv(x: Tensor, /, *, rtol=None) -> Tensor:
    """The pseudo-inverse of each matrix (linalg.pinv)."""
    return _l.pinv(x, rtol=rtol)


def qr(x: Tensor, /, *, mode: str = "reduced") -> QRResult:
    """(Q, R) of each matrix, mode 'reduced' or 'complete' (linalg.qr)."""
    return QRResult(*_l.qr(x, mode))


def slogdet(x: Tensor, /) -> SlogdetResult:
    """(sign, log|det|) of each square matrix (linalg.slogdet)."""
    return SlogdetResult(*_l.slogdet(x))


def solve(x1: Tensor, x2: Tensor, /) -> Tensor:
    """X with x1 X = x2; x2 is a vector only when it is 1-D (linalg.solve)."""
    if x2.ndim == 1:
        return _l.solve(x1, x2)
    _square("solve", x1)
    d = _ag.promote_types(x1.dtype, x2.dtype)
    return _solve(x1.to(d), x2.to(d))


def svd(x: Tensor, /, *, full_matrices: bool = True) -> SVDResult:
    """(U, S, Vh) of each matrix (linalg.svd)."""
    return SVDResult(*_l.svd(x, full_matrices))


def svdvals(x: Tensor, /) -> Tensor:
    """The singular values (descending) of each matrix (linalg.svdvals)."""
    return _l.svdvals(x)


def trace(x: Tensor, /, *, offset: int = 0, dtype=None) -> Tensor:
    """The sum of each matrix's diagonal offset, in sum's dtype (linalg.trace)."""
    return _sum(_ag.diagonal(x, offset, -2, -1), axis=-1, dtype=dtype)


def vector_norm(x: Tensor, /, *, axis=None, keepdims: bool = False, ord=2) -> Tensor:
    """The ord-norm over axis (all elements by default) (linalg.vector_norm)."""
    return _l.vector_norm(x, ord, axis, keepdims)
