"""Every entry of the conformance table on every selected backend device, with the backend's
expectation file applied: an unexpected failure fails the test and prints its reproduction."""

from __future__ import annotations

import arraygrad as ag
from arraygrad import conformance


def _target(device: str) -> conformance.Target:
    dev = ag.device(device)
    return conformance.Target(dev, conformance.load_expectations(dev.backend.name))


def test_entry_conforms_on_device(conformance_entry, device, conformance_memo):
    target = _target(device)
    # CI runs a representative subset where the expectation file says so (Dask: 2 samples)
    # and, where it says so (Dask), skips finite differences: cross_backend compares gradients
    results = conformance.run_entry(
        conformance_entry, target, max_examples=target.expectations.ci_max_examples,
        memo=conformance_memo, finite_differences=target.expectations.ci_finite_differences)
    fails = [r for r in results if r.status == "fail"]
    assert not fails, "\n\n".join(
        f"{r.check} {r.dtype} [{r.sample}]: {r.reason}\n{r.snippet}" for r in fails)
    assert any(r.status in ("pass", "xfail", "xpass") for r in results), \
        f"every case was skipped: {[r.reason for r in results]}"
