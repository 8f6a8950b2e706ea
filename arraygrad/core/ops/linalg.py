"""Matrix products (`mm`, `matmul`, `bmm`, `dot`, ...), `tensordot` and `einsum`.

`mm`/`matmul` are every model's hot path: one `record` call over `xp.matmul`, operands saved
only when the other side needs a gradient. `einsum` parses its subscripts into diagonals,
permutes, reshapes and batched matmuls; its backward is again an einsum (`_contract`), written
against K so that it also runs on Tensors under create_graph.
"""

from __future__ import annotations

from .. import dtypes as _dt
from ..graph import record
from ..tensor import Tensor
from ._common import binary_operands, devices_differ, method, unbroadcast
from .complex import holomorphic, is_complex

__all__ = ["mm", "mv", "bmm", "matmul", "dot", "vdot", "outer", "ger", "inner", "tensordot",
           "einsum", "addmm", "addmv", "baddbmm", "trace", "kron"]

# PyTorch's C++ type names, for messages that quote PyTorch ("float != double")
_CNAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
           "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
           "bool": "bool", "complex64": "c10::complex<float>",
           "complex128": "c10::complex<double>"}


def _check(op: str, a, b):
    """The device both tensors share, after PyTorch's checks (same device, same dtype, numeric)."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        bad = b if isinstance(a, Tensor) else a
        raise TypeError(f"{op}(): expected Tensors, got {type(bad).__name__}")
    dev = a._dev
    if dev is not b._dev:
        raise devices_differ(op, a, b)
    if a._data.dtype != b._data.dtype:
        da, db = a.dtype, b.dtype
        raise RuntimeError(
            f"{op}(): expected m1 and m2 to have the same dtype, but got: "
            f"{_CNAMES.get(da.name, da.name)} != {_CNAMES.get(db.name, db.name)} "
            f"(shapes {tuple(a.shape)} and {tuple(b.shape)})")
    if dev.to_ag[a._data.dtype] is _dt.bool:
        raise NotImplementedError(f"{op}(): not implemented for 'Bool' tensors")
    return dev


def _shape_str(s) -> str:
    return "x".join(str(d) for d in s)


def _saved(a: Tensor, b: Tensor) -> tuple:
    return (b if a._rg else None, a if b._rg else None)


def _ctx(a: Tensor, b: Tensor):
    return (a._data.shape, b._data.shape, a.dtype.kind == _dt._COMPLEX)


# ---- matmul and its fixed-rank forms ------------------------------------------------------------
def _matmul_bw(K, n, s, g):
    """d(a @ b): g @ b^H and a^H @ g, with PyTorch's 1-D rules undone and batch dims summed."""
    b, a = s
    sa, sb, cplx = n.ctx
    if cplx:
        a = K.conj(a) if a is not None else None
        b = K.conj(b) if b is not None else None
    la, lb = len(sa), len(sb)
    ga = gb = None
    if la == 1 and lb == 1:
        return (g * b if n.needs[0] else None, g * a if n.needs[1] else None)
    if la == 1:  # (k,) @ (..., k, m) -> (..., m)
        if n.needs[0]:
            ga = K.reshape(unbroadcast(K, K.matmul(b, K.expand_dims(g, axis=-1)), (sa[0], 1)), sa)
        if n.needs[1]:
            gb = unbroadcast(K, K.expand_dims(a, axis=-1) * K.expand_dims(g, axis=-2), sb)
        return ga, gb
    if lb == 1:  # (..., n, k) @ (k,) -> (..., n)
        if n.needs[0]:
            ga = K.expand_dims(g, axis=-1) * b
        if n.needs[1]:
            gcol = K.matmul(K.matrix_transpose(a), K.expand_dims(g, axis=-1))
            gb = K.reshape(unbroadcast(K, gcol, (sb[0], 1)), sb)
        return ga, gb
    if n.needs[0]:
        ga = unbroadcast(K, K.matmul(g, K.matrix_transpose(b)), sa)
    if n.needs[1]:
        if lb == 2 and la > 2:  # (B.., n, k) @ (k, m): one (k, B*n) @ (B*n, m) product
            k, m = sb
            gb = K.matmul(K.matrix_transpose(K.reshape(a, (-1, k))), K.reshape(g, (-1, m)))
        else:
            gb = unbroadcast(K, K.matmul(K.matrix_transpose(a), g), sb)
    return ga, gb


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """The matrix product of two 2-D tensors (no broadcasting)."""
    dev = _check("mm", input, mat2)
    sa, sb = input._data.shape, mat2._data.shape
    if len(sa) != 2:
        raise RuntimeError(f"mm(): self must be a matrix, got a {len(sa)}-D tensor of shape "
                           f"{tuple(sa)}")
    if len(sb) != 2:
        raise RuntimeError(f"mm(): mat2 must be a matrix, got a {len(sb)}-D tensor of shape "
                           f"{tuple(sb)}")
    if sa[1] != sb[0]:
        raise RuntimeError(f"mm(): mat1 and mat2 shapes cannot be multiplied "
                           f"({_shape_str(sa)} and {_shape_str(sb)})")
    return record(dev, dev.xp.matmul(input._data, mat2._data), "MmBackward0", _matmul_bw,
                  (input, mat2), _saved(input, mat2), _ctx(input, mat2))


def _batch_shape(op: str, sa, sb):
    """The broadcast of two batch shapes, or an error naming both full shapes."""
    ba, bb = sa[:-2] if len(sa) > 2 else (), sb[:-2] if len(sb) > 2 else ()
    out = []
    for i in range(1, max(len(ba), len(bb)) + 1):
        x = ba[-i] if i <= len(ba) else 1
        y = bb[-i] if i <= len(bb) else 1
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"{op}(): the batch dimensions of shapes {tuple(sa)} and "
                               f"{tuple(sb)} cannot be broadcast together ({x} vs {y})")
        out.append(max(x, y))
    return tuple(reversed(out))


_MATMUL_NAMES = {(1, 1): "DotBackward0", (2, 1): "MvBackward0", (2, 2): "MmBackward0"}


def matmul(input: Tensor, other: Tensor) -> Tensor:
    """PyTorch's matmul: 1-D operands become a row/column and are dropped after; batch dims
    broadcast (gradients are summed back to each input's own batch shape)."""
    dev = _check("matmul", input, other)
    sa, sb = input._data.shape, other._data.shape
    la, lb = len(sa), len(sb)
    if not la or not lb:
        raise RuntimeError(f"matmul(): both arguments to matmul need to be at least 1D, but they "
                           f"are {la}D and {lb}D")
    ka, kb = sa[-1], sb[-2] if lb > 1 else sb[0]
    if ka != kb:
        ra = _shape_str(sa) if la > 1 else f"1x{sa[0]}"
        raise RuntimeError(f"matmul(): mat1 and mat2 shapes cannot be multiplied ({ra} and "
                           f"{_shape_str(sb)}): input has shape {tuple(sa)}, other {tuple(sb)}")
    if la > 2 and lb > 2 and sa[:-2] != sb[:-2]:
        _batch_shape("matmul", sa, sb)
    return record(dev, dev.xp.matmul(input._data, other._data),
                  _MATMUL_NAMES.get((la, lb), "MatmulBackward0"), _matmul_bw, (input, other),
                  _saved(input, other), _ctx(input, other))


def _rmatmul(self: Tensor, other) -> Tensor:
    return matmul(other, self)


def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix (n, m) times vector (m,)."""
    dev = _check("mv", input, vec)
    sa, sb = input._data.shape, vec._data.shape
    if len(sa) != 2 or len(sb) != 1:
        raise RuntimeError(f"mv(): vector + matrix @ vector expected, got a {len(sa)}-D input of "
                           f"shape {tuple(sa)} and a {len(sb)}-D vec of shape {tuple(sb)}")
    if sa[1] != sb[0]:
        raise RuntimeError(f"mv(): size mismatch, got input ({sa[0]}), mat ({_shape_str(sa)}), "
                           f"vec ({sb[0]})")
    return record(dev, dev.xp.matmul(input._data, vec._data), "MvBackward0", _matmul_bw,
                  (input, vec), _saved(input, vec), _ctx(input, vec))


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product of (b, n, k) and (b, k, m) tensors (no broadcasting)."""
    dev = _check("bmm", input, mat2)
    sa, sb = input._data.shape, mat2._data.shape
    if len(sa) != 3:
        raise RuntimeError(f"bmm(): batch1 must be a 3D tensor, got shape {tuple(sa)}")
    if len(sb) != 3:
        raise RuntimeError(f"bmm(): batch2 must be a 3D tensor, got shape {tuple(sb)}")
    if sb[0] != sa[0] or sb[1] != sa[2]:
        raise RuntimeError(f"bmm(): Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{sa[0]}, {sa[2]}] but got: [{sb[0]}, {sb[1]}] (shapes {tuple(sa)} "
                           f"and {tuple(sb)})")
    return record(dev, dev.xp.matmul(input._data, mat2._data), "BmmBackward0", _matmul_bw,
                  (input, mat2), _saved(input, mat2), _ctx(input, mat2))


def _check_vectors(op: str, a, b):
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"{op}(): expected Tensors, got {type(a).__name__} and {type(b).__name__}")
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"{op}(): 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"{op}(): expected both vectors to have same dtype, but found "
                           f"{a.dtype} and {b.dtype}")
    n, m = a._data.shape[0], b._data.shape[0]
    if n != m:
        raise RuntimeError(f"{op}(): inconsistent tensor size, expected tensor [{n}] and src [{m}] "
                           f"to have the same number of elements, but got {n} and {m} elements "
                           "respectively")
    return _check(op, a, b)


def dot(input: Tensor, tensor: Tensor) -> Tensor:
    """The inner product of two 1-D tensors of the same size and dtype."""
    dev = _check_vectors("dot", input, tensor)
    return record(dev, dev.xp.matmul(input._data, tensor._data), "DotBackward0", _matmul_bw,
                  (input, tensor), _saved(input, tensor), _ctx(input, tensor))


def _vdot_bw(K, n, s, g):
    b, a = s
    return (K.conj(g) * b if n.needs[0] else None, g * a if n.needs[1] else None)


def vdot(input: Tensor, other: Tensor) -> Tensor:
    """sum(conj(input) * other) over two 1-D tensors (dot for real dtypes)."""
    dev = _check_vectors("vdot", input, other)
    if input.dtype.kind != _dt._COMPLEX:
        return dot(input, other)
    xp = dev.xp
    return record(dev, xp.sum(xp.conj(input._data) * other._data), "VdotBackward0", _vdot_bw,
                  (input, other), _saved(input, other))


def _promoted(op: str, a, b):
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"{op}(): expected Tensors, got {type(a).__name__} and {type(b).__name__}")
    return binary_operands(op, a, b)[1:]


def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """The outer product of two 1-D tensors (dtypes promoted as PyTorch does)."""
    a, b = _promoted("outer", input, vec2)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"outer(): expected 1-D tensors, got shapes {tuple(a.shape)} and "
                           f"{tuple(b.shape)}")
    return _einsum_call("outer", ["i", "j"], "ij", (a, b))


ger = outer


def inner(input: Tensor, other: Tensor) -> Tensor:
    """Sum over the last dimension of both (a product when either is 0-d)."""
    if isinstance(input, Tensor) and isinstance(other, Tensor) and 0 in (input.ndim, other.ndim):
        return input * other
    _check("inner", input, other)
    sa, sb = tuple(input.shape), tuple(other.shape)
    if sa[-1] != sb[-1]:
        raise RuntimeError(f"inner(): the last dimension must match on both input tensors but got "
                           f"shapes {list(sa)} and {list(sb)}")
    return tensordot(input, other, dims=([input.ndim - 1], [other.ndim - 1]))


def tensordot(a: Tensor, b: Tensor, dims=2, out=None) -> Tensor:
    """Contracts a's dims[0] with b's dims[1] (an int n: a's last n with b's first n)."""
    if out is not None:
        from ._out import write_out

        return write_out("tensordot", out, tensordot(a, b, dims))
    _check("tensordot", a, b)
    na, nb = a.ndim, b.ndim
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot(): expects dims >= 0, but got dims={dims}")
        if dims > min(na, nb):
            raise RuntimeError(f"tensordot(): dims={dims} exceeds the number of dimensions of "
                               f"shapes {tuple(a.shape)} and {tuple(b.shape)}")
        da, db = list(range(na - dims, na)), list(range(dims))
    else:
        if len(dims) != 2:
            raise RuntimeError(f"tensordot(): dims must be an int or a pair of lists, got {dims!r}")
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
        if len(da) != len(db):
            raise RuntimeError(f"tensordot(): both dimension lists should have same length, got "
                               f"{da} and {db}")
    from ..tensor import _dim

    da = [_dim(d, na, "tensordot") for d in da]
    db = [_dim(d, nb, "tensordot") for d in db]
    sa, sb = a.shape, b.shape
    for x, y in zip(da, db, strict=True):
        if sa[x] != sb[y]:
            raise RuntimeError(f"tensordot(): contracted dimensions need to match, but first has "
                               f"size {sa[x]} in dim {x} and second has size {sb[y]} in dim {y} "
                               f"(shapes {tuple(sa)} and {tuple(sb)})")
    letters = iter(_LETTERS)
    la = [next(letters) for _ in range(na)]
    lb = [next(letters) for _ in range(nb)]
    for x, y in zip(da, db, strict=True):
        lb[y] = la[x]
    outl = ([c for i, c in enumerate(la) if i not in da]
            + [c for i, c in enumerate(lb) if i not in db])
    return _einsum_call("tensordot", ["".join(la), "".join(lb)], "".join(outl), (a, b))


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2); with beta == 0, input is ignored (nan included)."""
    return _scaled_sum(input, mm(mat1, mat2), beta, alpha)


def addmv(input: Tensor, mat: Tensor, vec: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat @ vec)."""
    return _scaled_sum(input, mv(mat, vec), beta, alpha)


def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * bmm(batch1, batch2)."""
    return _scaled_sum(input, bmm(batch1, batch2), beta, alpha)


def _scaled_sum(input, prod: Tensor, beta, alpha) -> Tensor:
    if alpha != 1:
        prod = prod * alpha
    from .elementwise import _check_shapes

    _check_shapes("addmm", input, prod)
    pairs = zip(reversed(input.shape), reversed(prod.shape), strict=False)
    if input.ndim > prod.ndim or any(x not in (1, y) for x, y in pairs):
        raise RuntimeError(f"addmm(): the input of shape {tuple(input.shape)} cannot be broadcast "
                           f"to the product's shape {tuple(prod.shape)}")
    if beta == 0:  # PyTorch ignores input here, so nan and inf in it do not propagate
        return prod
    return prod + (input if beta == 1 else input * beta)


def _trace_bw(K, n, s, g):
    (eye,) = s
    return (g * eye,)


def trace(input: Tensor) -> Tensor:
    """The sum of a 2-D tensor's main diagonal (integer inputs sum to int64, as in PyTorch)."""
    if input.ndim != 2:
        raise RuntimeError(f"trace(): expected a matrix, but got tensor with dim {input.ndim} "
                           f"(shape {tuple(input.shape)})")
    dev = input._dev
    xp = dev.xp
    r, c = input._data.shape
    x = input
    if x.dtype.kind <= _dt._INT:
        x = x.to(dev.default_int)
    d = x._data
    k = min(r, c)
    diag = xp.reshape(d, (-1,))[:(k - 1) * (c + 1) + 1:c + 1] if k else xp.reshape(d, (-1,))[:0]
    eye = dev.K.eye(r, c, dtype=d.dtype, device=dev.native)
    return record(dev, xp.sum(diag), "TraceBackward0", _trace_bw, (x,), (eye,))


def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: out[i*p + k, j*q + l] = a[i, j] * b[k, l] (any number of dims)."""
    from .shape import reshape

    a, b = _promoted("kron", input, other)
    nd = max(a.ndim, b.ndim)
    sa = (1,) * (nd - a.ndim) + tuple(a.shape)
    sb = (1,) * (nd - b.ndim) + tuple(b.shape)
    if sa != tuple(a.shape):
        a = reshape(a, sa)
    if sb != tuple(b.shape):
        b = reshape(b, sb)
    la, lb = _LETTERS[:nd], _LETTERS[nd:2 * nd]
    outl = "".join(x + y for x, y in zip(la, lb, strict=True))
    out = _einsum_call("kron", [la, lb], outl, (a, b))
    return reshape(out, tuple(x * y for x, y in zip(sa, sb, strict=True)))


# ---- einsum -------------------------------------------------------------------------------------
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _permute(K, x, labels: list, order: list):
    perm = tuple(labels.index(c) for c in order)
    return x if perm == tuple(range(len(perm))) else K.permute_dims(x, perm)


def _reshape(K, x, shape: tuple):
    return x if tuple(x.shape) == shape else K.reshape(x, shape)


def _prod(xs) -> int:
    p = 1
    for x in xs:
        p *= x
    return p


def _sum_labels(K, x, labels: list, drop: list):
    """x summed over the axes whose labels are in drop; returns (array, remaining labels)."""
    if not drop:
        return x, labels
    axes = tuple(labels.index(c) for c in drop)
    return K.sum(x, axis=axes), [c for c in labels if c not in drop]


def _pair(K, a, la: list, b, lb: list, needed: set):
    """a and b (unique labels each) contracted over shared labels not needed later: one batched
    matmul after permuting to (batch, free, contracted) and (batch, contracted, free)."""
    batch = [c for c in la if c in lb and c in needed]
    contr = [c for c in la if c in lb and c not in needed]
    fa = [c for c in la if c not in lb]
    fb = [c for c in lb if c not in la]
    sa = dict(zip(la, a.shape, strict=True))
    sb = dict(zip(lb, b.shape, strict=True))
    size = {c: max(sa[c], sb[c]) for c in batch + contr}
    if any(sa[c] != size[c] for c in batch + contr):
        a = K.broadcast_to(a, tuple(size.get(c, sa[c]) for c in la))
    if any(sb[c] != size[c] for c in batch + contr):
        b = K.broadcast_to(b, tuple(size.get(c, sb[c]) for c in lb))
    bs, m, k, n = ([size[c] for c in batch], _prod(sa[c] for c in fa),
                   _prod(size[c] for c in contr), _prod(sb[c] for c in fb))
    lead = (_prod(bs),) if batch else ()
    a2 = _reshape(K, _permute(K, a, la, batch + fa + contr), (*lead, m, k))
    b2 = _reshape(K, _permute(K, b, lb, batch + contr + fb), (*lead, k, n))
    out = K.matmul(a2, b2)
    shape = tuple(bs) + tuple(sa[c] for c in fa) + tuple(sb[c] for c in fb)
    return _reshape(K, out, shape), batch + fa + fb


def _contract(K, subs: list, arrays: list, out: str):
    """The einsum of arrays (each with unique labels subs[i]) into labels `out`, pairwise left to
    right; size-1 dimensions broadcast against their label's size elsewhere."""
    ops = [(x, list(s)) for x, s in zip(arrays, subs, strict=True)]
    outl = list(out)
    while True:
        if len(ops) == 1:
            x, lx = ops[0]
            x, lx = _sum_labels(K, x, lx, [c for c in lx if c not in outl])
            full = [c for c in outl]
            return _permute(K, x, lx, full)
        rest = set(outl)
        for _, lr in ops[2:]:
            rest.update(lr)
        (a, la), (b, lb) = ops[0], ops[1]
        a, la = _sum_labels(K, a, la, [c for c in la if c not in rest and c not in lb])
        b, lb = _sum_labels(K, b, lb, [c for c in lb if c not in rest and c not in la])
        ops[:2] = [_pair(K, a, la, b, lb, rest)]


def _diag_bw(K, n, s, g):
    (perm, n_, shape) = n.ctx
    lead = tuple(g.shape[:-1])
    z = K.broadcast_to(K.expand_dims(K.zeros_like(g), axis=-1), lead + (n_, n_))
    wide = K.concat([K.expand_dims(g, axis=-1), z], axis=-1)  # (..., n, n+1): g lands on i*(n+1)
    full = K.reshape(K.reshape(wide, lead + (n_ * (n_ + 1),))[..., :n_ * n_], lead + (n_, n_))
    inv = tuple(perm.index(i) for i in range(len(perm)))
    return (K.permute_dims(full, inv),)


def _diagonal(x: Tensor, labels: list):
    """x with one pair of repeated labels reduced to its diagonal (label moved last)."""
    for i, c in enumerate(labels):
        j = labels.index(c, i + 1) if labels.count(c) > 1 else -1
        if j >= 0:
            break
    s = x._data.shape
    if s[i] != s[j]:
        raise RuntimeError(f"einsum(): subscript {c} is repeated for an operand but the sizes "
                           f"don't match, {s[i]} != {s[j]}")
    perm = tuple(k for k in range(len(s)) if k not in (i, j)) + (i, j)
    dev = x._dev
    xp = dev.xp
    nn = s[i]
    lead = tuple(s[k] for k in perm[:-2])
    d = xp.reshape(xp.permute_dims(x._data, perm), lead + (nn * nn,))[..., ::nn + 1]
    new = [labels[k] for k in perm[:-2]] + [c]
    return record(dev, d, "DiagonalBackward0", _diag_bw, (x,), (), (perm, nn, s)), new


def _einsum_bw(K, n, s, g):
    subs, out, shapes = n.ctx
    grads = []
    for i, sub in enumerate(subs):
        if not n.needs[i]:
            grads.append(None)
            continue
        others = [s[j] for j in range(len(subs)) if j != i]
        osubs = [subs[j] for j in range(len(subs)) if j != i]
        seen = set(out).union(*osubs) if osubs else set(out)
        keep = "".join(c for c in sub if c in seen)
        gi = _contract(K, [out] + osubs, [g] + others, keep)
        lab = list(keep)
        missing = [c for c in sub if c not in seen]
        if missing:  # labels summed away in forward: the gradient is constant along them
            for c in missing:
                gi = K.expand_dims(gi, axis=len(lab))
                lab.append(c)
            gi = _permute(K, gi, lab, list(sub))
            gi = K.broadcast_to(gi, shapes[i])
        else:
            gi = _permute(K, gi, lab, list(sub))
        grads.append(unbroadcast(K, gi, shapes[i]))
    return tuple(grads)


_einsum_bw_c = holomorphic(_einsum_bw)


def _einsum_call(op: str, subs: list, out: str, operands: tuple) -> Tensor:
    """The contraction primitive: operands with unique labels each (diagonals taken already)."""
    dev = operands[0]._dev
    arrays = [t._data for t in operands]
    data = _contract(dev.K, subs, arrays, out)
    shapes = tuple(t._data.shape for t in operands)
    bw = _einsum_bw_c if any(is_complex(t) for t in operands) else _einsum_bw
    return record(dev, data, "EinsumBackward0" if op == "einsum" else op.capitalize() + "Backward0",
                  bw, tuple(operands), tuple(operands), (tuple(subs), out, shapes))


def _sublist_to_str(args) -> tuple:
    """einsum(op1, [0, 1], op2, [1, 2], [0, 2]) as ("ab,bc->ac", [op1, op2])."""
    def conv(lst):
        out = ""
        for v in lst:
            if v is Ellipsis:
                out += "..."
            elif isinstance(v, int) and 0 <= v < 52:
                out += _LETTERS[v]
            else:
                raise ValueError(f"einsum(): subscript in a sublist must be an int in [0, 52) or "
                                 f"Ellipsis, got {v!r}")
        return out
    ops, terms = list(args[0::2]), [conv(s) for s in args[1::2]]
    out = None
    if len(args) % 2 == 1:
        out, ops = conv(args[-1]), ops[:-1]
    eq = ",".join(terms) + ("->" + out if out is not None else "")
    return eq, ops


def _parse(eq: str, shapes: list) -> tuple:
    """Subscripts (ellipses expanded to spare letters) and the output labels of an equation."""
    eq = eq.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise RuntimeError(f"einsum(): the equation {eq!r} has {len(terms)} operand subscripts "
                           f"but {len(shapes)} operands were given")
    for t in terms + [rhs]:
        bad = set(t.replace("...", "")) - set(_LETTERS)
        if bad or t.count("...") > 1 or "." in t.replace("...", ""):
            raise RuntimeError(f"einsum(): invalid subscript {t!r} in {eq!r}: subscripts are "
                               "letters [a-zA-Z] with at most one ellipsis")
    spare = [c for c in _LETTERS if c not in eq]
    ell_n = 0
    for t, s in zip(terms, shapes, strict=True):
        k = len(t.replace("...", ""))
        if "..." in t:
            if len(s) < k:
                raise RuntimeError(f"einsum(): the subscript {t!r} needs at least {k} dimensions, "
                                   f"but the operand has shape {tuple(s)}")
            ell_n = max(ell_n, len(s) - k)
        elif len(s) != k:
            raise RuntimeError(f"einsum(): the number of subscripts in {t!r} ({k}) does not match "
                               f"the number of dimensions of the operand, shape {tuple(s)}")
    ell = "".join(spare[:ell_n])
    subs = []
    for t, s in zip(terms, shapes, strict=True):
        if "..." in t:
            e = len(s) - len(t.replace("...", ""))
            t = t.replace("...", ell[ell_n - e:])
        subs.append(t)
    if arrow:
        if "..." not in rhs and ell_n and eq.count("...") > 0:
            raise RuntimeError(f"einsum(): output subscript {rhs!r} must contain '...' because the "
                               f"operands in {eq!r} have broadcast dimensions")
        out = rhs.replace("...", ell)
        for c in out:
            if out.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in "
                                   f"{eq!r}")
            if not any(c in t for t in subs):
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   f"equation for any input operand ({eq!r})")
    else:
        alls = "".join(t.replace("...", "") for t in terms)
        out = ell + "".join(sorted(c for c in set(alls) if alls.count(c) == 1))
    sizes: dict = {}
    for i, (t, s) in enumerate(zip(subs, shapes, strict=True)):
        for c, d in zip(t, s, strict=True):
            p = sizes.get(c)
            if p is None or p == 1:
                sizes[c] = d
            elif d != p and d != 1:
                raise RuntimeError(f"einsum(): subscript {c} has size {d} for operand {i} which "
                                   f"does not broadcast with previously seen size {p}")
    return subs, out


def einsum(*args) -> Tensor:
    """Einstein summation, PyTorch's forms: einsum("bij,bjk->bik", a, b), einsum("ij", [a]) and
    the sublist form einsum(a, [0, 1], b, [1, 2], [0, 2])."""
    if not args:
        raise TypeError("einsum(): must specify the equation string and at least one operand, "
                        "or at least one operand and its subscripts list")
    if isinstance(args[0], str):
        eq, ops = args[0], list(args[1:])
        if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
            ops = list(ops[0])
    else:
        eq, ops = _sublist_to_str(args)
    if not ops:
        raise RuntimeError("einsum(): must provide at least one operand")
    for t in ops:
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum(): expected Tensor operands, got {type(t).__name__}")
    for t in ops[1:]:
        _check("einsum", ops[0], t)
    subs, out = _parse(eq, [t.shape for t in ops])
    ops = list(ops)
    for i, s in enumerate(subs):
        labels = list(s)
        while len(set(labels)) != len(labels):
            ops[i], labels = _diagonal(ops[i], labels)
        subs[i] = "".join(labels)
    if len(ops) == 1 and subs[0] == out:
        return ops[0]
    return _einsum_call("einsum", subs, out, tuple(ops))


# ---- Tensor methods ------------------------------------------------------------------------------
for _fn in (mm, mv, bmm, matmul, dot, vdot, outer, ger, inner, addmm, addmv, baddbmm, trace, kron):
    method(_fn.__name__)(_fn)
method("__matmul__")(matmul)
method("__rmatmul__")(_rmatmul)
