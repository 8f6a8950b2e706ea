"""The 'modules' entry kind (arraygrad/conformance/modules.py): its checks catch a wrong
reference, a wrong backward and a backend that computes something else."""

from __future__ import annotations

import numpy as np

import arraygrad as ag
from arraygrad import conformance, nn
from arraygrad.conformance.modules import ModuleInfo, ModuleSample


class _Scaled(nn.Module):
    """x * w with a deliberately wrong backward for w (scaled by 1.01) when `wrong` is set."""

    def __init__(self, wrong_grad=False, device_bias=0.0):
        super().__init__()
        self.w = nn.Parameter(ag.randn(3))
        self.wrong_grad, self.device_bias = wrong_grad, device_bias

    def forward(self, x):
        w = self.w
        if self.wrong_grad:
            w = w * 1.01 - (w * 0.01).detach()  # value of w, gradient 1.01x
        out = x * w
        if str(x.device) == "array_api_strict:device1":
            out = out + self.device_bias
        return out


def _samples(**init):
    return lambda rng: [ModuleSample(init, (rng.standard_normal((2, 3)),), desc="(2, 3)")]


def _run(entry, device):
    dev = ag.device(device)
    target = conformance.Target(dev, conformance.load_expectations(dev.backend.name))
    return {(r.check, r.dtype): r for r in conformance.run_entry(entry, target, memo={})}


def _ref(state, init, x):
    return x * state["w"]


def test_correct_module_passes_everywhere():
    entry = ModuleInfo("Scaled", _Scaled, _samples(), _ref)
    for device in ["cpu", "array_api_strict"]:
        res = _run(entry, device)
        assert {r.status for r in res.values()} == {"pass"}, res
    assert ("grad", "float64") in _run(entry, "cpu")
    assert ("cross_backend", "float32") in _run(entry, "array_api_strict")


def test_wrong_reference_fails_forward():
    entry = ModuleInfo("Scaled", _Scaled, _samples(), lambda s, i, x: x * s["w"] + 1e-3)
    res = _run(entry, "cpu")
    assert res[("forward", "float64")].status == "fail"
    assert "output 0 against NumPy float64" in res[("forward", "float64")].reason
    assert "reproduce('Scaled', 0, 'cpu', 'float64')" in res[("forward", "float64")].snippet


def test_wrong_backward_fails_finite_differences():
    res = _run(ModuleInfo("Scaled", _Scaled, _samples(wrong_grad=True), _ref), "cpu")
    assert res[("grad", "float64")].status == "fail"
    assert "gradient of w against finite differences" in res[("grad", "float64")].reason


def test_backend_that_differs_fails_cross_backend():
    entry = ModuleInfo("Scaled", _Scaled, _samples(device_bias=1e-3), None)
    res = _run(entry, "array_api_strict:device1")
    assert res[("cross_backend", "float64")].status == "fail"
    assert res[("forward", "float64")].status == "skip"


def test_catalog_lists_the_core_modules():
    names = {e.name for e in conformance.entries(["modules"])}
    assert {"Linear", "Bilinear", "Identity", "Flatten", "Unflatten", "Sequential"} <= names
    assert np.all([isinstance(e, ModuleInfo) for e in conformance.entries(["modules"])
                   if e.name in {"Linear", "Sequential"}])
