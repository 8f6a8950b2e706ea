"""Complex gradients under PyTorch's convention (the conjugate Wirtinger derivative: `z.grad` of a
real loss points to steepest ascent), for every op family that takes complex input: values and
gradients against PyTorch (parity), against finite differences on the real and imaginary parts
(the complex gradcheck), and on the other backends against the numpy backend. Ops without a
complex derivative raise instead of returning a wrong gradient."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.autograd import gradcheck

rng = np.random.default_rng(0)


def c(*shape, lo=0.3):
    """Complex values whose real and imaginary parts are in +-[lo, 1.5) (away from branch cuts
    and zeros)."""
    def part():
        return rng.uniform(lo, 1.5, shape) * rng.choice([-1, 1], shape)
    return part() + 1j * part()


def r(*shape):
    return rng.uniform(0.3, 1.5, shape)


CASES = {
 "neg": (lambda L, z: -z, [c(3)]),
 "exp": (lambda L, z: z.exp(), [c(3)]),
 "expm1": (lambda L, z: z.expm1(), [c(3)]),
 "log": (lambda L, z: z.log(), [c(3)]),
 "log2": (lambda L, z: z.log2(), [c(3)]),
 "log10": (lambda L, z: z.log10(), [c(3)]),
 "log1p": (lambda L, z: z.log1p(), [c(3)]),
 "sqrt": (lambda L, z: z.sqrt(), [c(3)]),
 "rsqrt": (lambda L, z: z.rsqrt(), [c(3)]),
 "sin": (lambda L, z: z.sin(), [c(3)]),
 "cos": (lambda L, z: z.cos(), [c(3)]),
 "tan": (lambda L, z: z.tan(), [c(3)]),
 "asin": (lambda L, z: z.asin(), [c(3)]),
 "acos": (lambda L, z: z.acos(), [c(3)]),
 "atan": (lambda L, z: z.atan(), [c(3)]),
 "sinh": (lambda L, z: z.sinh(), [c(3)]),
 "cosh": (lambda L, z: z.cosh(), [c(3)]),
 "tanh": (lambda L, z: z.tanh(), [c(3)]),
 "asinh": (lambda L, z: z.asinh(), [c(3)]),
 "acosh": (lambda L, z: z.acosh(), [c(3)]),
 "atanh": (lambda L, z: z.atanh(), [c(3)]),
 "sigmoid": (lambda L, z: z.sigmoid(), [c(3)]),
 "reciprocal": (lambda L, z: z.reciprocal(), [c(3)]),
 "square": (lambda L, z: z.square(), [c(3)]),
 "abs": (lambda L, z: z.abs(), [c(3)]),
 "sgn": (lambda L, z: z.sgn(), [c(3)]),
 "angle": (lambda L, z: z.angle(), [c(3)]),
 "real": (lambda L, z: L.real(z), [c(3)]),
 "imag": (lambda L, z: L.imag(z), [c(3)]),
 "conj": (lambda L, z: L.conj(z) * 1, [c(3)]),
 "view_as_real": (lambda L, z: L.view_as_real(z), [c(3)]),
 "view_as_complex": (lambda L, x: L.view_as_complex(x), [r(3, 2)]),
 "polar": (lambda L, a, t: L.polar(a, t), [r(3), r(3)]),
 "complex": (lambda L, a, b: L.complex(a, b), [r(3), r(3)]),
 "add": (lambda L, a, b: a + b, [c(3), c(3)]),
 "add_alpha": (lambda L, a, b: L.add(a, b, alpha=2.5), [c(3), c(3)]),
 "sub": (lambda L, a, b: a - b, [c(3), c(3)]),
 "mul": (lambda L, a, b: a * b, [c(2, 3), c(3)]),
 "mul_real_tensor": (lambda L, a, x: a * x, [c(3), r(3)]),
 "mul_scalar": (lambda L, a: a * (2 - 1j), [c(3)]),
 "real_times_complex_scalar": (lambda L, x: x * (2 - 1j), [r(3)]),
 "div": (lambda L, a, b: a / b, [c(3), c(3)]),
 "div_scalar": (lambda L, a: a / (2 - 1j), [c(3)]),
 "rdiv_scalar": (lambda L, a: (2 - 1j) / a, [c(3)]),
 "pow": (lambda L, a, b: a ** b, [c(3), c(3)]),
 "pow_scalar": (lambda L, a: a ** 3, [c(3)]),
 "pow_scalar_float": (lambda L, a: a ** 2.5, [c(3)]),
 "pow_complex_scalar": (lambda L, a: a ** (0.5 + 1j), [c(3)]),
 "rpow": (lambda L, b: 2.0 ** b, [c(3)]),
 "lerp": (lambda L, a, b: L.lerp(a, b, 0.3), [c(3), c(3)]),
 "sum": (lambda L, a: a.sum(), [c(2, 3)]),
 "sum_dim": (lambda L, a: a.sum(1), [c(2, 3)]),
 "mean": (lambda L, a: a.mean(0), [c(2, 3)]),
 "prod": (lambda L, a: a.prod(), [c(4)]),
 "prod_dim": (lambda L, a: a.prod(1), [c(2, 3)]),
 "cumsum": (lambda L, a: a.cumsum(0), [c(4)]),
 "cumprod": (lambda L, a: a.cumprod(0), [c(4)]),
 "var": (lambda L, a: a.var(), [c(4)]),
 "std_dim": (lambda L, a: a.std(1), [c(2, 3)]),
 "norm": (lambda L, a: a.norm(), [c(4)]),
 "norm_p1": (lambda L, a: a.norm(p=1), [c(4)]),
 "norm_p3": (lambda L, a: a.norm(p=3), [c(4)]),
 "matmul": (lambda L, a, b: a @ b, [c(2, 3), c(3, 2)]),
 "matmul_batched": (lambda L, a, b: a @ b, [c(2, 2, 3), c(3, 2)]),
 "mv": (lambda L, a, b: L.mv(a, b), [c(2, 3), c(3)]),
 "dot": (lambda L, a, b: L.dot(a, b), [c(3), c(3)]),
 "vdot": (lambda L, a, b: L.vdot(a, b), [c(3), c(3)]),
 "outer": (lambda L, a, b: L.outer(a, b), [c(3), c(2)]),
 "inner": (lambda L, a, b: L.inner(a, b), [c(2, 3), c(3)]),
 "einsum": (lambda L, a, b: L.einsum("ij,jk->ik", a, b), [c(2, 3), c(3, 2)]),
 "einsum_trace": (lambda L, a: L.einsum("ii->", a), [c(3, 3)]),
 "tensordot": (lambda L, a, b: L.tensordot(a, b, dims=1), [c(2, 3), c(3, 2)]),
 "kron": (lambda L, a, b: L.kron(a, b), [c(2), c(2)]),
 "trace": (lambda L, a: L.trace(a), [c(3, 3)]),
 "diag": (lambda L, a: L.diag(a), [c(3, 3)]),
 "reshape_T": (lambda L, a: a.reshape(3, 2).T, [c(2, 3)]),
 "getitem": (lambda L, a: a[1:, ::2], [c(3, 3)]),
 "cat": (lambda L, a, b: L.cat([a, b]), [c(2), c(3)]),
 "stack": (lambda L, a, b: L.stack([a, b]), [c(2), c(2)]),
 "flip": (lambda L, a: L.flip(a, [0]), [c(3)]),
 "roll": (lambda L, a: L.roll(a, 1), [c(3)]),
 "tril": (lambda L, a: L.tril(a), [c(3, 3)]),
 "where": (lambda L, a, b: L.where(L.tensor([True, False, True]), a, b), [c(3), c(3)]),
 "index_select": (lambda L, a: L.index_select(a, 0, L.tensor([0, 2, 0])), [c(3)]),
 "gather": (lambda L, a: L.gather(a, 0, L.tensor([0, 2, 0])), [c(3)]),
 "expand": (lambda L, a: a.expand(2, 3), [c(3)]),
 "masked_fill": (lambda L, a: a.masked_fill(L.tensor([True, False, True]), 0.0), [c(3)]),
 "to_real_dtype": (lambda L, a: a.abs().to(L.complex128).real, [c(3)]),
 "fancy_index": (lambda L, a: a[L.tensor([0, 0, 2])], [c(3)]),
}


def _run(L, case, device=None, v_seed=1):
    """(value, gradients) of the expression with a random cotangent (complex for complex
    outputs), as NumPy arrays."""
    fn, arrays = case
    kw = {} if device is None else {"device": device}
    ts = [L.tensor(a, dtype=L.complex128 if np.iscomplexobj(a) else L.float64, requires_grad=True,
                   **kw) for a in arrays]
    out = fn(L, *ts)
    g = np.random.default_rng(v_seed)
    shape = tuple(out.shape)
    v = g.standard_normal(shape)
    if out.dtype in (L.complex64, L.complex128):
        v = v + 1j * g.standard_normal(shape)
    out.backward(L.tensor(np.asarray(v), dtype=out.dtype, **kw))
    host = (lambda t: None if t is None else np.asarray(t.detach().resolve_conj().cpu().numpy()))
    return host(out), [host(t.grad) for t in ts]


def _assert_same(got, want, what):
    np.testing.assert_allclose(got[0], want[0], rtol=1e-9, atol=1e-12, err_msg=f"{what}: values")
    for k, (a, b) in enumerate(zip(got[1], want[1], strict=True)):
        assert (a is None) == (b is None), f"{what}: gradient {k} missing on one side"
        if a is not None:
            assert a.dtype.kind == b.dtype.kind, f"{what}: gradient {k} is {a.dtype}, not {b.dtype}"
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=f"{what}: gradient {k}")


@pytest.mark.parity
@pytest.mark.parametrize("name", list(CASES))
def test_complex_gradient_matches_pytorch(torch, name):
    _assert_same(_run(ag, CASES[name]), _run(torch, CASES[name]), name)


@pytest.mark.parametrize("name", list(CASES))
def test_complex_gradcheck(name):
    fn, arrays = CASES[name]
    ts = [ag.tensor(a, dtype=ag.complex128 if np.iscomplexobj(a) else ag.float64,
                    requires_grad=True) for a in arrays]
    assert gradcheck(lambda *xs: fn(ag, *xs), tuple(ts))


# on the other backends one case per family against the numpy backend (Dask: ~0.2 s a case)
_ACROSS = ["exp", "log", "sqrt", "tanh", "acosh", "abs", "sgn", "angle", "real", "imag",
           "view_as_real", "view_as_complex", "mul", "mul_real_tensor", "div", "pow", "rpow",
           "prod_dim", "cumprod", "std_dim", "norm", "matmul", "vdot", "einsum", "getitem",
           "fancy_index"]


@pytest.mark.parametrize("name", _ACROSS)
def test_complex_gradient_matches_numpy_backend(device, name):
    if device == "cpu":
        pytest.skip("the numpy backend is the reference here")
    _assert_same(_run(ag, CASES[name], device), _run(ag, CASES[name], "cpu"), name)


# ops whose forward computes something for complex input but which have no complex derivative
# (atan2, hypot, logaddexp, remainder, floor, frac, erf: NumPy's forward already raises TypeError)
_NO_COMPLEX_DERIVATIVE = {
    "relu": lambda z: ag.relu(z), "maximum": lambda z: ag.maximum(z, z),
    "fmax": lambda z: ag.fmax(z, z), "xlogy": lambda z: ag.xlogy(z, z),
    "clamp": lambda z: ag.clamp(z, 0, 1), "max": lambda z: z.max(), "amax": lambda z: z.amax(),
    "median": lambda z: z.median(), "logsumexp": lambda z: ag.logsumexp(z, 0),
    "sort": lambda z: ag.sort(z), "topk": lambda z: ag.topk(z, 1),
    "kthvalue": lambda z: ag.kthvalue(z, 1), "rad2deg": lambda z: ag.rad2deg(z),
}


@pytest.mark.parametrize("name", list(_NO_COMPLEX_DERIVATIVE))
def test_op_without_complex_derivative_raises_for_complex_requires_grad(name):
    z = ag.tensor([1 + 2j, 3 - 1j], dtype=ag.complex128, requires_grad=True)
    with pytest.raises(RuntimeError, match=f"{name}\\(\\): the derivative for complex input"):
        _NO_COMPLEX_DERIVATIVE[name](z)
    with ag.no_grad():  # forward only: no gradient, no error
        _NO_COMPLEX_DERIVATIVE[name](z)


def test_real_input_promoted_to_complex_gets_a_real_gradient(device):
    x = ag.tensor([0.5, -1.0], dtype=ag.float64, device=device, requires_grad=True)
    w = ag.tensor([1 + 2j, -1j], dtype=ag.complex128, device=device)
    ag.real(x * w).sum().backward()
    assert x.grad.dtype is ag.float64
    np.testing.assert_allclose(x.grad.cpu().numpy(), [1.0, 0.0])


def test_view_as_complex_requires_a_last_dimension_of_2():
    with pytest.raises(RuntimeError, match="last dimension of size 2"):
        ag.view_as_complex(ag.zeros(3, 3, dtype=ag.float64))
    with pytest.raises(RuntimeError, match="only supported for complex"):
        ag.view_as_real(ag.zeros(3))
    with pytest.raises(RuntimeError, match="non-complex"):
        ag.imag(ag.zeros(3))


@pytest.mark.parametrize("name", ["mul", "div", "exp", "abs", "sgn", "angle", "prod", "pow",
                                  "matmul", "std_dim"])
def test_complex_second_derivatives(name):
    from arraygrad.autograd import gradgradcheck

    fn, arrays = CASES[name]
    ts = [ag.tensor(a, dtype=ag.complex128 if np.iscomplexobj(a) else ag.float64,
                    requires_grad=True) for a in arrays]
    assert gradgradcheck(lambda *xs: fn(ag, *xs), tuple(ts))
