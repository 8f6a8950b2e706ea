"""`arraygrad.linalg`: torch.linalg's names over arraygrad's differentiable ops. Primitives with
torch.linalg's backward formulas (core/ops/linalg_ext.py): inv, solve, det, slogdet, cholesky,
eigh, svd, qr; composed from them: eigvalsh, svdvals, pinv, matrix_rank, matrix_norm, norm,
vector_norm, vecdot, cross, matrix_power, multi_dot, diagonal.

On a backend whose array library has no `linalg` extension (or not that function, or not those
shapes: Dask's takes 2-D arrays), each primitive raises a RuntimeError naming the function and
the backend."""

from __future__ import annotations

import math

from .standard import _torch as _ag

from .ops.linalg_ext import (_cholesky, _det, _eigh, _inv, _qr, _slogdet, _solve, _square,
                                  _svd)
from .tensor import Tensor

__all__ = ["inv", "solve", "det", "slogdet", "cholesky", "qr", "eigh", "eigvalsh", "svd", "svdvals",
           "pinv", "matrix_rank", "matrix_norm", "norm", "vector_norm", "vecdot", "cross",
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


def qr(A: Tensor, mode: str = "reduced"):
    """torch.linalg.qr: (Q, R) of each matrix of A; mode 'reduced', 'complete' or 'r' (Q empty).
    Gradients as PyTorch's (not for 'r', nor 'complete' with more rows than columns)."""
    if not isinstance(A, Tensor) or A.ndim < 2:
        raise RuntimeError("linalg.qr(): A must be a Tensor of at least 2 dimensions")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"linalg.qr(): qr received unrecognized mode {mode!r} but expected "
                           "one of 'reduced' (default), 'r', or 'complete'")
    tall = A.shape[-2] > A.shape[-1]
    if mode == "reduced" or (mode == "complete" and not tall):
        return _qr(A)
    if A.requires_grad and _ag.is_grad_enabled():
        raise RuntimeError(f"linalg.qr(): the derivative of mode={mode!r} is not implemented "
                           f"for A of shape {tuple(A.shape)} (as in PyTorch)")
    from .tensor import _wrap

    if mode == "r":
        r = qr(A.detach())[1]
        return _ag.empty(0, dtype=A.dtype, device=A.device), r
    q, r = A._dev.xp.linalg.qr(A._data, mode="complete")
    return _wrap(q, A._dev), _wrap(r, A._dev)


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


def svd(A: Tensor, full_matrices: bool = True):
    """torch.linalg.svd: (U, S, Vh) of each matrix of A. Gradients need distinct nonzero singular
    values, a gauge-invariant loss and full_matrices=False (or square A), as PyTorch's."""
    if not isinstance(A, Tensor) or A.ndim < 2:
        raise RuntimeError("linalg.svd(): A must be a Tensor of at least 2 dimensions")
    if full_matrices and A.shape[-1] != A.shape[-2]:
        if A.requires_grad and _ag.is_grad_enabled():
            raise RuntimeError("linalg.svd(): gradients need full_matrices=False for a "
                               f"non-square A (shape {tuple(A.shape)}), as in PyTorch")
        u, s, vh = A._dev.xp.linalg.svd(A._data, full_matrices=True)
        from .tensor import _wrap
        return _wrap(u, A._dev), _wrap(s, A._dev), _wrap(vh, A._dev)
    return _svd(A)


def svdvals(A: Tensor) -> Tensor:
    """torch.linalg.svdvals: the singular values (descending) of each matrix of A."""
    return svd(A, full_matrices=False)[1]


def _rtol(A: Tensor, s: Tensor, atol, rtol):
    """max(atol, rtol * the largest singular value), per matrix; tensor tolerances broadcast
    against A's batch shape, as in PyTorch."""
    eps = 2.220446049250313e-16 if s.dtype is _ag.float64 else 1.1920928955078125e-07
    if rtol is None:
        rtol = 0.0 if atol not in (None, 0) else max(A.shape[-2:]) * eps
    if isinstance(rtol, Tensor):
        rtol = rtol.unsqueeze(-1)
    tol = rtol * s.amax(-1, keepdim=True)
    if atol is None:
        return tol
    atol = atol.unsqueeze(-1) if isinstance(atol, Tensor) else atol
    return _ag.maximum(tol, _ag.as_tensor(atol, dtype=s.dtype, device=s.device))


def pinv(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """torch.linalg.pinv: the pseudo-inverse, singular values at or below max(atol, rtol * the
    largest) treated as zero."""
    if 0 in A.shape[-2:]:  # no singular values: the (n, m) zero matrix
        return A.mT * 0
    u, s, vh = svd(A, full_matrices=False)
    keep = s > _rtol(A, s, atol, rtol)
    sinv = _ag.where(keep, 1 / _ag.where(keep, s, _ag.ones_like(s)), _ag.zeros_like(s))
    return _ag.conj(vh.mT) @ (sinv.unsqueeze(-1).to(u.dtype) * _ag.conj(u.mT))


def matrix_rank(A: Tensor, *, atol=None, rtol=None, hermitian: bool = False) -> Tensor:
    """torch.linalg.matrix_rank: the number of singular values above the tolerance."""
    with _ag.no_grad():
        s = svdvals(A)
        if s.shape[-1] == 0:  # no singular values: rank 0 (a sum over the empty axis)
            return (s > 0).sum(-1)
        return (s > _rtol(A, s, atol, rtol)).sum(-1)


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *,
                dtype=None) -> Tensor:
    """torch.linalg.matrix_norm: 'fro', 'nuc', 2, -2 (singular values), 1, -1, inf, -inf (column
    and row sums of absolute values) over the two dims."""
    if dtype is not None:
        A = A.to(dtype)
    d0, d1 = (d % A.ndim for d in dim)
    if ord == "fro":
        return _ag.norm(A, p="fro", dim=(d0, d1), keepdim=keepdim)
    if ord in ("nuc", 2, -2):
        s = svdvals(_ag.movedim(A, (d0, d1), (-2, -1)))
        out = s.sum(-1) if ord == "nuc" else s.amax(-1) if ord == 2 else s.amin(-1)
    elif ord in (1, -1, math.inf, -math.inf):
        summed, other = (d0, d1) if ord in (1, -1) else (d1, d0)
        sums = A.abs().sum(summed, keepdim=True)
        red = sums.amax(other, keepdim=True) if ord > 0 else sums.amin(other, keepdim=True)
        out = red.squeeze((d0, d1))
        return red if keepdim else out
    else:
        raise RuntimeError(f"linalg.matrix_norm(): order {ord!r} not supported")
    if keepdim:
        out = out.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1))
    return out


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """torch.linalg.norm: a vector norm (1-D, or one dim) or a matrix norm (2-D, or two dims);
    ord=None is the 2-norm of the flattened input."""
    if ord is None and dim is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    dims = tuple(range(A.ndim)) if dim is None else (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) == 2:
        return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)


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
