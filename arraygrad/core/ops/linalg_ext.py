"""Differentiable linear-algebra primitives over the backend's `linalg` extension: inv, solve,
det, slogdet and cholesky, with torch.linalg's backward formulas (for real and complex inputs):

- inv: X = A^-1, dA = -X^H g X^H.
- solve: X = A^-1 B, dB = solve(A^H, g), dA = -dB X^H (batch dimensions broadcast and summed).
- det: dA = g conj(det A) A^-H, which is 0 where det A is 0 (PyTorch's first derivative there);
  under create_graph dA = g conj(cofactors of A) through the SVD, right at a singular A too and
  differentiable (PyTorch's formula when it records a graph).
- slogdet: d logabsdet = A^-H (real inputs; the sign has no gradient).
- cholesky: dA = L^-H Phi(L^H g) L^-1 with Phi the lower triangle made Hermitian (half diagonal).
- eigh: dA = V (diag(gw) + skew(V^H gV) / (w_j - w_i)) V^H (distinct eigenvalues: a repeated
  eigenvalue divides by zero, and the eigenvectors' phase (gauge) must not enter the loss).

Backward formulas call `_inv`/`_solve` on Tensors under create_graph (so second derivatives
work) and the backend's own functions on raw arrays otherwise.
"""

from __future__ import annotations

from .. import dtypes as _dt
from ..graph import OUT, record, record_multi
from ..tensor import Tensor, _wrap
from ._common import unbroadcast
from .complex import no_complex_grad


def _xla(dev, op: str):
    """The backend's linalg extension (a clear error where the library has none)."""
    la = getattr(dev.xp, "linalg", None)
    if la is None or not hasattr(la, op.rsplit(".", 1)[-1]):
        raise RuntimeError(f"linalg.{op}(): backend {dev.backend.name!r} ({dev.xp.__name__}) has "
                           f"no linalg.{op}")
    return la


def _call(dev, op: str, *args):
    """The backend's linalg.op on raw arrays; a library's refusal (Dask's linalg takes 2-D
    arrays only) is re-raised naming the function and the backend."""
    f = getattr(_xla(dev, op), op)
    try:
        if op == "svd":  # the reduced SVD (full_matrices=False)
            return f(args[0], full_matrices=False)
        if op == "qr":
            return f(args[0], mode="reduced")
        return f(*args)
    except (ValueError, NotImplementedError, TypeError) as e:
        shapes = [tuple(a.shape) for a in args if hasattr(a, "shape")]
        raise RuntimeError(f"linalg.{op}(): backend {dev.backend.name!r} cannot compute it for "
                           f"shapes {shapes}: {e}") from e


def _square(op: str, a):
    if not isinstance(a, Tensor):
        raise TypeError(f"linalg.{op}(): argument 'A' must be a Tensor, not {type(a).__name__}")
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"linalg.{op}(): A must be batches of square matrices, but they are "
                           f"{a.shape[-2] if a.ndim >= 2 else a.ndim} by "
                           f"{a.shape[-1] if a.ndim else 0} matrices (shape {tuple(a.shape)})")
    if a.dtype.kind < _dt._FLOAT:
        raise RuntimeError(f"linalg.{op}(): expected a floating point or complex tensor as "
                           f"input, got {a.dtype}")


def _h(K, x, cplx: bool):
    """The conjugate transpose of the last two dimensions."""
    t = K.matrix_transpose(x)
    return K.conj(t) if cplx else t


def _inv_bw(K, n, s, g):
    (x,) = s
    xh = _h(K, x, n.ctx)
    return (-K.matmul(K.matmul(xh, g), xh),)


def _inv(a: Tensor) -> Tensor:
    dev = a._dev
    out = _call(dev, "inv", a._data)
    return record(dev, out, "LinalgInvExBackward0", _inv_bw, (a,), (OUT,),
                  a.dtype.kind == _dt._COMPLEX)


def _solve_raw_or_tensor(K, n, a, b):
    if isinstance(b, Tensor):
        return _solve(a, b)
    return _call(n.dev, "solve", a, b)


def _solve_bw(K, n, s, g):
    a, x = s
    sa, sb, cplx = n.ctx
    gb = _solve_raw_or_tensor(K, n, _h(K, a, cplx), g)
    ga = None
    if n.needs[0]:
        ga = unbroadcast(K, -K.matmul(gb, _h(K, x, cplx)), sa)
    return ga, (unbroadcast(K, gb, sb) if n.needs[1] else None)


def _solve(a: Tensor, b: Tensor) -> Tensor:
    """A^-1 B for matrices B (..., n, k); batch dimensions broadcast."""
    dev = a._dev
    out = _call(dev, "solve", a._data, b._data)
    cplx = a.dtype.kind == _dt._COMPLEX or b.dtype.kind == _dt._COMPLEX
    return record(dev, out, "LinalgSolveExBackward0", _solve_bw, (a, b), (a, OUT),
                  (tuple(a.shape), tuple(b.shape), cplx))


def _det_bw(K, n, s, g):
    a, d = s
    cplx = n.ctx
    if isinstance(a, Tensor):  # create_graph: the cofactors, exact at a singular A too
        return (K.expand_dims(K.expand_dims(g, axis=-1), axis=-1) * _cofactors_conj(a, cplx),)
    # g conj(det) A^-H; where det is 0 that is 0 (PyTorch's first derivative there), so a
    # singular A is swapped for I before inverting: no error, no host read
    singular = K.expand_dims(K.expand_dims(d == 0, axis=-1), axis=-1)
    eye = K.eye(a.shape[-1], dtype=a.dtype, device=n.dev.native)
    inv_h = _h(K, _call(n.dev, "inv", K.where(singular, eye, a)), cplx)
    gd = g * (K.conj(d) if cplx else d)
    return (K.expand_dims(K.expand_dims(gd, axis=-1), axis=-1) * inv_h,)


def _cofactors_conj(a: Tensor, cplx: bool) -> Tensor:
    """conj(cofactor matrix of A) = conj(det U det V^H) U diag(prod_{j != i} s_j) V^H from the
    SVD A = U S V^H: differentiable, and right where A is singular (PyTorch's formula for det's
    gradient when it records a graph)."""
    u, sv, vh = _svd(a)
    alpha = _det(u) * _det(vh)
    if cplx:
        alpha = alpha.conj()
    eye = _eye_like(sv, sv.shape[-1])
    others = (sv.unsqueeze(-2) * (1 - eye) + eye).prod(-1)  # prod_{j != i} s_j
    cof = (u * others.unsqueeze(-2).to(u.dtype)) @ vh
    return alpha.unsqueeze(-1).unsqueeze(-1) * cof


def _eye_like(t: Tensor, m: int) -> Tensor:
    dev = t._dev
    return _wrap(dev.xp.eye(m, dtype=t._data.dtype, device=dev.native), dev)


def _det(a: Tensor) -> Tensor:
    dev = a._dev
    out = _call(dev, "det", a._data)
    return record(dev, out, "LinalgDetBackward0", _det_bw, (a,), (a, OUT),
                  a.dtype.kind == _dt._COMPLEX)


def _slogdet_bw(K, n, s, gs):
    (a,) = s
    g = gs[1]
    inv_t = K.matrix_transpose(_inv(a) if isinstance(a, Tensor) else _call(n.dev, "inv", a))
    return (K.expand_dims(K.expand_dims(g, axis=-1), axis=-1) * inv_t,)


def _slogdet(a: Tensor):
    no_complex_grad("linalg.slogdet", a)
    dev = a._dev
    sign, logabs = _call(dev, "slogdet", a._data)
    return record_multi(dev, (sign, logabs), "LinalgSlogdetBackward0", _slogdet_bw, (a,), (a,),
                        differentiable=(False, True))


# ---- factorizations ------------------------------------------------------------------------------
def _right_inv(K, n, y, l, cplx):
    """y L^-1, as solve(L^H, y^H)^H."""
    return _h(K, _solve_raw_or_tensor(K, n, _h(K, l, cplx), _h(K, y, cplx)), cplx)


def _cholesky_bw(K, n, s, g):
    (l,) = s
    cplx = n.ctx
    t = K.tril(K.matmul(_h(K, l, cplx), g))
    t = 0.5 * (t + _h(K, K.tril(t, k=-1), cplx))
    return (_right_inv(K, n, _solve_raw_or_tensor(K, n, _h(K, l, cplx), t), l, cplx),)


def _cholesky(a: Tensor) -> Tensor:
    dev = a._dev
    out = _call(dev, "cholesky", a._data)
    return record(dev, out, "LinalgCholeskyExBackward0", _cholesky_bw, (a,), (OUT,),
                  a.dtype.kind == _dt._COMPLEX)


def _const(g, native, dev):
    """A forward-time constant (native array) in the form the backward works in."""
    return _wrap(native, dev) if isinstance(g, Tensor) else native


def _eigh_bw(K, n, s, gs):
    (a,) = s
    cplx, eye = n.ctx
    gw, gv = gs
    # the factors again, from the saved input: differentiable under create_graph
    w, v = _eigh(a) if isinstance(a, Tensor) else _call(n.dev, "eigh", a)
    eye = _const(a, eye, n.dev)
    mid = 0 * eye if gv is None else K.matmul(_h(K, v, cplx), gv)
    if gv is not None:
        mid = 0.5 * (mid - _h(K, mid, cplx))  # the skew-Hermitian part (V stays unitary)
        e = K.expand_dims(w, axis=-2) - K.expand_dims(w, axis=-1) + eye  # w_j - w_i, 1 on diag
        mid = mid / e * (1 - eye)
    if gw is not None:
        mid = mid + K.expand_dims(gw, axis=-1) * eye
    return (K.matmul(K.matmul(v, mid), _h(K, v, cplx)),)


def _eigh(a: Tensor):
    dev = a._dev
    w, v = _call(dev, "eigh", a._data)
    eye = dev.xp.eye(a.shape[-1], dtype=w.dtype, device=dev.native)
    return record_multi(dev, (w, v), "LinalgEighBackward0", _eigh_bw, (a,), (a,),
                        (a.dtype.kind == _dt._COMPLEX, eye))


def _svd_bw(K, n, s, gs):
    """torch's svd_backward (reduced SVD, distinct nonzero singular values)."""
    (a,) = s
    cplx, eye, m, k = n.ctx
    gu, gs_, gvh = gs
    u, sv, vh = _svd(a) if isinstance(a, Tensor) else _call(n.dev, "svd", a, False)
    eye = _const(a, eye, n.dev)
    nn = vh.shape[-1]
    if gu is None and gvh is None:
        return (K.matmul(u, K.expand_dims(gs_, axis=-1) * vh),)
    row, col = K.expand_dims(sv, axis=-2), K.expand_dims(sv, axis=-1)
    s2 = sv * sv
    e = K.expand_dims(s2, axis=-2) - K.expand_dims(s2, axis=-1) + eye  # 1 on the diagonal
    uhgu = vhgv = None
    if gu is not None:
        x = K.matmul(_h(K, u, cplx), gu)
        uhgu = x - _h(K, x, cplx)
    if gvh is not None:
        x = K.matmul(vh, _h(K, gvh, cplx))
        vhgv = x - _h(K, x, cplx)
    if uhgu is not None and vhgv is not None:
        ga = (uhgu * row + col * vhgv) / e
    elif uhgu is not None:
        ga = (uhgu / e) * row
    else:
        ga = col * (vhgv / e)
    if gs_ is not None:
        ga = ga + K.expand_dims(gs_, axis=-1) * eye
    if cplx and uhgu is not None:
        diag = K.sum(uhgu * eye, axis=-1)
        ga = ga + K.expand_dims(diag / (2 * sv), axis=-1) * eye
    if m > k and gu is not None:
        ga = K.matmul(u, ga)
        gusinv = gu / row
        ga = ga + gusinv - K.matmul(u, K.matmul(_h(K, u, cplx), gusinv))
        return (K.matmul(ga, vh),)
    if nn > k and gvh is not None:
        ga = K.matmul(ga, vh)
        sinvgvh = gvh / col
        ga = ga + sinvgvh - K.matmul(K.matmul(sinvgvh, _h(K, vh, cplx)), vh)
        return (K.matmul(u, ga),)
    return (K.matmul(u, K.matmul(ga, vh)),)


def _svd(a: Tensor):
    """The reduced SVD (U, S, Vh) of each matrix of a."""
    dev = a._dev
    u, sv, vh = _call(dev, "svd", a._data, False)
    m, nn = a.shape[-2], a.shape[-1]
    k = min(m, nn)
    eye = dev.xp.eye(k, dtype=sv.dtype, device=dev.native)
    return record_multi(dev, (u, sv, vh), "LinalgSvdBackward0", _svd_bw, (a,), (a,),
                        (a.dtype.kind == _dt._COMPLEX, eye, m, k))


def _qr_square_bw(K, n, q, r, gq, gr, cplx):
    """m >= n: (gQ + Q copyltu(M)) R^-H with M = R gR^H - gQ^H Q (Walter and Lehmann)."""
    mm = K.matmul(r, _h(K, gr, cplx)) - K.matmul(_h(K, gq, cplx), q)
    strict_low = K.tril(mm, k=-1)
    sym = strict_low + _h(K, strict_low, cplx)
    diag = K.real(mm) if cplx else mm  # R's diagonal is real: its imaginary part is gauge
    sym = sym + K.tril(K.triu(diag))  # + the (real part of the) diagonal of M
    b = gq + K.matmul(q, sym)
    return _right_inv(K, n, b, _h(K, r, cplx), cplx)  # b R^-H


def _qr_bw(K, n, s, gs):
    (a,) = s
    cplx, m, nn = n.ctx
    q, r = _qr(a) if isinstance(a, Tensor) else _call(n.dev, "qr", a)
    gq, gr = gs
    gq = K.zeros_like(q) if gq is None else gq
    gr = K.zeros_like(r) if gr is None else gr
    if m >= nn:
        return (_qr_square_bw(K, n, q, r, gq, gr, cplx),)
    # m < n: A = Q [R1 R2] with X = A[:, :m] = Q R1 square, Y = A[:, m:] = Q R2
    r1, r2 = r[..., :, :m], r[..., :, m:]
    gr1, gr2 = gr[..., :, :m], gr[..., :, m:]
    y = K.matmul(q, r2)
    gx = _qr_square_bw(K, n, q, r1, gq + K.matmul(y, _h(K, gr2, cplx)), gr1, cplx)
    return (K.concat([gx, K.matmul(q, gr2)], axis=-1),)


def _qr(a: Tensor):
    """The reduced QR factorization (Q, R) of each matrix of a."""
    dev = a._dev
    q, r = _call(dev, "qr", a._data)
    return record_multi(dev, (q, r), "LinalgQrBackward0", _qr_bw, (a,), (a,),
                        (a.dtype.kind == _dt._COMPLEX, a.shape[-2], a.shape[-1]))
