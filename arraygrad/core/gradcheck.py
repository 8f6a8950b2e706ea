"""`gradcheck` and `gradgradcheck`: analytical gradients against central finite differences,
as PyTorch's. The numerical Jacobian uses array-API operations only (a one-hot perturbation from
`arange(n) == k` and `where`), so it runs on every backend; `fast_mode=True` checks one random
projection vᵀJu instead of the whole Jacobian (two evaluations per input: what lazy backends
such as Dask need).

Complex inputs and outputs are checked as PyTorch's gradcheck does: a complex number is its real
and imaginary parts. Input z = x + iy is perturbed along x and along y; output w is seen through
Re(w) and Im(w), whose gradients are backward with grad_output 1 and 1j. PyTorch's convention
(the conjugate Wirtinger derivative) makes backward(v) return dL/dx + i dL/dy for the real
L = sum(Re(conj(v) * w)), so each part compares with one real Jacobian.
"""

from __future__ import annotations

import warnings

from . import dtypes as _dt
from .autograd import _Capture, _run, grad
from .tensor import Tensor, _wrap

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck/gradgradcheck when gradients do not match."""


def _as_tuple(x) -> tuple:
    if isinstance(x, Tensor):
        return (x,)
    if isinstance(x, (list, tuple)):
        return tuple(x)
    return (x,)


def _outputs(func, inputs):
    return [o for o in _as_tuple(func(*inputs))]


def _eval(func, inputs, i: int, data) -> list:
    """func's output arrays (flattened) with input i's values replaced by data; the replaced
    input still requires grad, as func may differentiate inside (gradgradcheck does)."""
    x = inputs[i]
    t = _wrap(data, x._dev)
    t._rg = True
    ins = list(inputs)
    ins[i] = t
    outs = _outputs(func, ins)
    return [o._dev.xp.reshape(o._data, (-1,)) if isinstance(o, Tensor) else None for o in outs]


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _unravel(k: int, shape) -> tuple:
    idx = []
    for s in reversed(shape):
        idx.append(k % s if s else 0)
        k = k // s if s else 0
    return tuple(reversed(idx))


def _check_inputs(inputs) -> list:
    diff = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t._rg]
    if not diff:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of the them have requires_grad=True.")
    for i in diff:
        if inputs[i].dtype not in (_dt.float64, _dt.complex128):
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are "
                          "not of double precision floating point or complex. ", stacklevel=3)
    return diff


def _is_complex(t) -> bool:
    return t.dtype.kind == _dt._COMPLEX


def _numerical_jacobian(func, inputs, i: int, out_devs: list, eps) -> list:
    """d(output j)/d(input i) for every output j, by central differences: (m_j, n_i) arrays
    (eps may be imaginary: the derivative along the imaginary parts of a complex input)."""
    x = inputs[i]
    xp, dev = x._dev.xp, x._dev
    shape = tuple(x._data.shape)
    n = _numel(shape)
    flat = xp.reshape(x._data, (-1,))
    idx = xp.arange(n, device=dev.native)
    n_out = len(out_devs)
    cols: list = [[] for _ in range(n_out)]
    for k in range(n):
        e = idx == k
        fp = _eval(func, inputs, i, xp.reshape(xp.where(e, flat + eps, flat), shape))
        fm = _eval(func, inputs, i, xp.reshape(xp.where(e, flat - eps, flat), shape))
        for j in range(n_out):
            if fp[j] is not None:
                cols[j].append((fp[j] - fm[j]) / (2 * abs(eps)))
    out = []
    for j in range(n_out):
        if not cols[j]:
            out.append(None)
            continue
        out.append(out_devs[j].xp.stack(cols[j], axis=1))
    return out


def _analytical_rows(outs, diff_ts, j: int, nondet: list, scale=1):
    """Rows of d(output j)/d(inputs) by one backward per output element (grad_output `scale`
    there), each run twice to check that backward is reentrant (deterministic). Returns one
    (m_j, n_i) array per input."""
    o = outs[j]
    dev, xp = o._dev, o._dev.xp
    m = o.numel()
    per = [[] for _ in diff_ts]
    idx = xp.arange(m, device=dev.native)
    for r in range(m):
        go = xp.reshape(xp.astype(idx == r, o._data.dtype), tuple(o._data.shape))
        go = _wrap(go * scale if scale != 1 else go, dev)
        g1 = _vjp(o, diff_ts, go)
        g2 = _vjp(o, diff_ts, go)
        for p, a, b in zip(per, g1, g2, strict=False):
            p.append(a)
            nondet.append((a, b))
    res = []
    for p, t in zip(per, diff_ts, strict=False):
        n = t.numel()
        res.append(t._dev.xp.stack(p, axis=0) if m else
                   t._dev.xp.zeros((0, n), dtype=t._data.dtype, device=t._dev.native))
    return res


def _vjp(o: Tensor, diff_ts: list, go: Tensor) -> list:
    """vᵀ J for one output, flattened per input (zeros where the input is not reached)."""
    if o._rg:
        gs = grad([o], diff_ts, [go], retain_graph=True, allow_unused=True)
    else:
        gs = [None] * len(diff_ts)
    res = []
    for g, t in zip(gs, diff_ts, strict=False):
        xp = t._dev.xp
        if g is None:
            res.append(xp.zeros((t.numel(),), dtype=t._data.dtype, device=t._dev.native))
        else:
            res.append(xp.reshape(g._data, (-1,)))
    return res


def _fail(msg: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(msg)
    return False


def _mismatch(a, n, atol: float, rtol: float, xp):
    return xp.abs(a - n) > atol + rtol * xp.abs(n)


def _describe(a, n, atol, rtol, xp, in_shape, out_shape, i: int, j: int) -> str:
    bad = xp.reshape(_mismatch(a, n, atol, rtol, xp), (-1,))
    k = int(xp.argmax(xp.astype(bad, xp.int32)))
    ncols = _numel(in_shape)
    row, col = divmod(k, ncols) if ncols else (0, 0)
    fa, fn = xp.reshape(a, (-1,)), xp.reshape(n, (-1,))
    av, nv = float(fa[k]), float(fn[k])
    return (f"Jacobian mismatch for output {j} with respect to input {i}: d(output {j}"
            f"{list(_unravel(row, out_shape))})/d(input {i}{list(_unravel(col, in_shape))}) is "
            f"{nv!r} numerically but {av!r} analytically (atol={atol}, rtol={rtol}).")


def gradcheck(func, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              check_batched_grad: bool = False, check_batched_forward_grad: bool = False,
              check_forward_ad: bool = False, check_backward_ad: bool = True,
              fast_mode: bool = False, masked: bool | None = None) -> bool:
    """Checks func's gradients with respect to the inputs that require grad against finite
    differences (float64 inputs: the tolerances assume them); True, or a GradcheckError."""
    for flag, name in ((check_batched_grad, "check_batched_grad"),
                       (check_batched_forward_grad, "check_batched_forward_grad"),
                       (check_forward_ad, "check_forward_ad"), (masked, "masked")):
        if flag:
            raise NotImplementedError(f"gradcheck(): {name}=True is not supported (arraygrad has "
                                      "no batched or forward-mode autograd)")
    inputs = _as_tuple(inputs)
    diff = _check_inputs(inputs)
    if not check_backward_ad:
        return True
    outs = _outputs(func, inputs)
    diff_ts = [inputs[i] for i in diff]
    if check_undefined_grad and not _check_undefined(outs, diff_ts, raise_exception):
        return False
    if fast_mode:
        ok = _fast_check(func, inputs, diff, outs, eps, atol, rtol, nondet_tol, raise_exception)
    else:
        ok = _slow_check(func, inputs, diff, outs, eps, atol, rtol, nondet_tol, raise_exception,
                         check_grad_dtypes)
    return ok


def _real_parts(xp, a, complex_: bool) -> list:
    """[Re a, Im a] for a complex array, [a] for a real one."""
    return [xp.real(a), xp.imag(a)] if complex_ else [a]


def _real_numerical(xp, cols: list, out_complex: bool):
    """The real Jacobian of (Re w, Im w) (rows) by (x, y) (columns) from d w/dx and d w/dy."""
    if any(c is None for c in cols):
        return None
    rows = [xp.concat([_real_parts(xp, c, out_complex)[p] for c in cols], axis=1)
            for p in range(2 if out_complex else 1)]
    return xp.concat(rows, axis=0) if len(rows) > 1 else rows[0]


def _real_analytical(xp, per_part: list, in_complex: bool):
    """The same real Jacobian from backward rows with grad_output 1 (and 1j for complex w):
    the real part of a gradient is d/dx, the imaginary part d/dy."""
    rows = [xp.concat(_real_parts(xp, a, in_complex), axis=1) if in_complex else a
            for a in per_part]
    return xp.concat(rows, axis=0) if len(rows) > 1 else rows[0]


def _slow_check(func, inputs, diff, outs, eps, atol, rtol, nondet_tol, raise_exception,
                check_grad_dtypes) -> bool:
    diff_ts = [inputs[i] for i in diff]
    out_devs = [o._dev if isinstance(o, Tensor) else None for o in outs]
    numerical = {}
    for i in diff:
        steps = (eps, eps * 1j) if _is_complex(inputs[i]) else (eps,)
        numerical[i] = [_numerical_jacobian(func, inputs, i, out_devs, s) for s in steps]
    for j, o in enumerate(outs):
        if not isinstance(o, Tensor) or o.dtype.kind < _dt._FLOAT:
            continue
        if check_grad_dtypes and o._rg:
            go = _wrap(o._dev.xp.ones_like(o._data), o._dev)
            for g, t in zip(grad([o], diff_ts, [go], retain_graph=True, allow_unused=True),
                            diff_ts, strict=False):
                if g is not None and g.dtype is not t.dtype:
                    return _fail(f"Gradient has dtype mismatch: the gradient of an input of dtype "
                                 f"{t.dtype} has dtype {g.dtype}", raise_exception)
        nondet: list = []
        xp = o._dev.xp
        out_c = _is_complex(o)
        parts = [_analytical_rows(outs, diff_ts, j, nondet, s)
                 for s in ((1, 1j) if out_c else (1,))]
        for k, i in enumerate(diff):
            in_c = _is_complex(inputs[i])
            n = _real_numerical(xp, [cols[j] for cols in numerical[i]], out_c)
            if n is None:
                continue
            a = _real_analytical(xp, [p[k] for p in parts], in_c)
            if bool(xp.any(_mismatch(a, n, atol, rtol, xp))):
                in_shape, out_shape = tuple(inputs[i].shape), tuple(o.shape)
                if in_c:  # columns: real parts, then imaginary parts
                    in_shape = (2,) + in_shape
                if out_c:
                    out_shape = (2,) + out_shape
                msg = _describe(a, n, atol, rtol, xp, in_shape, out_shape, i, j)
                if in_c or out_c:
                    msg += (" A complex input's index starts with 0 (real part) or 1 (imaginary "
                            "part); a complex output's with 0 (Re) or 1 (Im).")
                if a.shape[0] * a.shape[1] <= 400:
                    msg += (f"\nnumerical:{_wrap(n, o._dev)!r}\nanalytical:{_wrap(a, o._dev)!r}")
                return _fail(msg, raise_exception)
        for a, b in nondet:
            xp = o._dev.xp
            if a.shape[0] and bool(xp.max(xp.abs(a - b)) > nondet_tol):
                return _fail("Backward is not reentrant, i.e., running backward with same input "
                             "and grad_output multiple times gives different values, although "
                             "analytical gradient matches numerical gradient. The tolerance for "
                             f"nondeterminism was {nondet_tol}.", raise_exception)
    return True


def _fast_check(func, inputs, diff, outs, eps, atol, rtol, nondet_tol, raise_exception) -> bool:
    """vᵀ J u for random unit u (per input) and v (per output), numerically by one central
    difference along u and analytically by one backward with grad_output v."""
    from .creation import randn
    from .random import Generator

    gen = Generator().manual_seed(0)
    us = {}
    for i in diff:
        x = inputs[i]
        u = randn(tuple(x.shape), generator=gen, dtype=x.dtype, device=x._dev)._data
        xp = x._dev.xp
        norm = xp.sqrt(xp.sum(xp.real(u * _conj(xp, u)) if _is_complex(x) else u * u))
        us[i] = u / norm if x.numel() else u
    diff_ts = [inputs[i] for i in diff]
    for j, o in enumerate(outs):
        if not isinstance(o, Tensor) or o.dtype.kind < _dt._FLOAT:
            continue
        xp = o._dev.xp
        v = randn(tuple(o.shape), generator=gen, dtype=o.dtype, device=o._dev)._data
        vflat = xp.reshape(v, (-1,))
        g1 = _vjp(o, diff_ts, _wrap(v, o._dev))
        g2 = _vjp(o, diff_ts, _wrap(v, o._dev))
        for i, a1, a2 in zip(diff, g1, g2, strict=False):
            x = inputs[i]
            u = us[i]
            fp = _eval(func, inputs, i, x._data + eps * u)[j]
            fm = _eval(func, inputs, i, x._data - eps * u)[j]
            uflat = x._dev.xp.reshape(u, (-1,))
            # d/dt sum(Re(conj(v) w(z + t u))) numerically, and Re(sum(conj(grad) u))
            # analytically (plain dot products for real tensors)
            n = xp.sum(_conj(xp, vflat) * (fp - fm)) / (2 * eps)
            a = xp.sum(_conj(xp, a1) * uflat)
            a2 = xp.sum(_conj(xp, a2) * uflat)
            if _is_complex(o) or _is_complex(x):
                n, a, a2 = xp.real(n), xp.real(a), xp.real(a2)
            if bool(_mismatch(a, n, atol, rtol, xp)):
                msg = (f"Jacobian mismatch for output {j} with respect to input {i} (fast mode: "
                       f"the projection vᵀJu with random u and v) is {float(n)!r} numerically but "
                       f"{float(a)!r} analytically (atol={atol}, rtol={rtol}).")
                try:  # name the element, as slow mode would
                    _slow_check(func, inputs, [i], outs[:j + 1], eps, atol, rtol, float("inf"),
                                True, False)
                except GradcheckError as e:
                    msg += "\nIn slow mode: " + str(e)
                return _fail(msg, raise_exception)
            if bool(xp.abs(a - a2) > nondet_tol):
                return _fail("Backward is not reentrant, i.e., running backward with same input "
                             "and grad_output multiple times gives different values, although "
                             "analytical gradient matches numerical gradient. The tolerance for "
                             f"nondeterminism was {nondet_tol}.", raise_exception)
    return True


def _conj(xp, a):
    return xp.conj(a) if xp.isdtype(a.dtype, "complex floating") else a


def _check_undefined(outs, diff_ts, raise_exception: bool) -> bool:
    """Backward given no gradient (None) for one output and zeros for the others must give
    zero or no gradients (a Function with set_materialize_grads(False) sees the None)."""
    douts = [o for o in outs if isinstance(o, Tensor) and o._rg]
    if len(douts) < 2:
        return True
    for j in range(len(douts)):
        roots = [o._data if k != j else None for k, o in enumerate(douts)]
        roots = [None if r is None else douts[k]._dev.xp.zeros_like(r)
                 for k, r in enumerate(roots)]
        cap = _Capture(diff_ts)
        try:
            _run(douts, roots, True, False, cap)
        except Exception as e:
            return _fail("Expected backward function to handle undefined output grads (output "
                         f"{j} got None): it raised {type(e).__name__}: {e}", raise_exception)
        for t in diff_ts:
            g = cap.get(t)
            if g is not None and bool(t._dev.xp.any(g != 0)):
                return _fail(f"Expected all input grads to be undefined or zero when output {j}'s "
                             "grad is undefined and the others are zero", raise_exception)
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, gen_non_contig_grad_outputs: bool = False,
                  raise_exception: bool = True, nondet_tol: float = 0.0,
                  check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
                  check_batched_grad: bool = False, check_fwd_over_rev: bool = False,
                  check_rev_over_rev: bool = True, fast_mode: bool = False,
                  masked: bool = False) -> bool:
    """gradcheck of the gradient itself: second derivatives of func (grad_outputs, random when
    not given, are inputs too)."""
    if check_fwd_over_rev:
        raise NotImplementedError("gradgradcheck(): check_fwd_over_rev=True is not supported "
                                  "(arraygrad has no forward-mode autograd)")
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        from .creation import rand
        from .random import Generator

        gen = Generator().manual_seed(1)
        outs = [o for o in _outputs(func, inputs) if isinstance(o, Tensor) and o._rg]
        grad_outputs = tuple(
            (rand(tuple(o.shape), generator=gen, dtype=o.dtype, device=o._dev) * 2 - 1)
            .requires_grad_() for o in outs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def first_grads(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = [o for o in _outputs(func, ins) if isinstance(o, Tensor) and o._rg]
        diff_ts = [t for t in ins if isinstance(t, Tensor) and t._rg]
        gs = grad(outs, diff_ts, list(gos), create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    if not check_rev_over_rev:
        return True
    return gradcheck(first_grads, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, check_batched_grad=check_batched_grad,
                     fast_mode=fast_mode, masked=masked or None)
