"""The stated gradients of the conformance catalog (`Sample.grad_ref`, at ties, NaNs and zeros)
are PyTorch's, and the `grad_ref` check notices a gradient that differs from them."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import conformance
from arraygrad.conformance import checks
from arraygrad.conformance.catalog._samples import with_edges
from arraygrad.conformance.table import entries


def _stated():
    """(entry, sample) for every catalog sample that states a reference gradient."""
    out = []
    for e in entries(["ops"]):
        if not isinstance(e, conformance.OpInfo) or "float64" not in e.dtypes:
            continue
        rng = np.random.default_rng(0)
        out += [(e, s) for s in e.samples(rng, "float64") if s.grad_ref is not None]
    return out


_STATED = _stated()


def test_the_catalog_states_gradients_at_ties_nans_and_zeros():
    names = {e.name for e, _ in _STATED}
    assert {"maximum", "fmax", "pow", "xlogy", "std", "amax", "max", "median", "prod",
            "norm", "clamp"} <= names


@pytest.mark.parity
@pytest.mark.parametrize("entry,sample", _STATED, ids=[f"{e.name}-{s.desc}" for e, s in _STATED])
def test_stated_gradient_is_pytorchs(torch, entry, sample):
    leaves = [torch.tensor(h, dtype=torch.float64, requires_grad=True)
              for h in checks.leaves_of(sample)]
    it = iter(leaves)
    args = [next(it) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
            for a in sample.args]
    env = {"ag": torch, **{f"x{i}": a for i, a in enumerate(args)}}
    out = eval(checks._call_src(entry, sample), env)  # noqa: S307  (the catalog's expression)
    keep = entry.grad_outputs
    outs = [o for k, o in enumerate(out if isinstance(out, tuple) else (out,))
            if o.dtype.is_floating_point and (keep is None or k in keep)]
    grads = torch.autograd.grad(outs, leaves, [torch.ones_like(o) for o in outs],
                                allow_unused=True)
    for g, t, want in zip(grads, leaves, sample.grad_ref, strict=True):
        got = np.zeros(tuple(t.shape)) if g is None else g.numpy()
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, equal_nan=True)


def test_grad_ref_check_fails_on_a_gradient_that_differs():
    # abs at 0 has gradient 0 in PyTorch; stating 1 must fail the check, and stating 0 pass it
    def entry(ref_at_zero):
        gen = with_edges(lambda rng, dt: iter(()),
                         (([0.0, 2.0],), ([ref_at_zero, 1.0],), "zero"))
        return conformance.OpInfo("abs", np.abs, gen, dtypes=("float64",), grad=1)

    exp = conformance.load_expectations("none-such")
    for ref, status in ((1.0, "fail"), (0.0, "pass")):
        results = conformance.run_entry(entry(ref), conformance.Target(ag.device("cpu"), exp))
        assert {r.status for r in results if r.check == "grad_ref"} == {status}
