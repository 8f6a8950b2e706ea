"""The 'modules' feature, core part: Linear, Bilinear, Identity, Flatten, Unflatten and a
Sequential of them (the other nn families add their own catalog files; see
arraygrad/conformance/modules.py for how)."""

from __future__ import annotations

import numpy as np

from arraygrad import nn

from ..modules import ModuleInfo, ModuleSample
from ..table import register


def _linear_ref(state, init, x):
    out = x @ state["weight"].T
    return out + state["bias"] if "bias" in state else out


def _linear_samples(rng):
    yield ModuleSample({"in_features": 3, "out_features": 2}, (rng.standard_normal((4, 3)),),
                       desc="(4, 3) input")
    yield ModuleSample({"in_features": 3, "out_features": 2, "bias": False},
                       (rng.standard_normal((2, 2, 3)),), desc="(2, 2, 3) input, no bias")
    yield ModuleSample({"in_features": 2, "out_features": 3}, (rng.standard_normal(2),),
                       desc="unbatched (2,) input")


def _bilinear_ref(state, init, x1, x2):
    return np.einsum("ni,kij,nj->nk", x1, state["weight"], x2) + state["bias"]


def _bilinear_samples(rng):
    yield ModuleSample({"in1_features": 2, "in2_features": 3, "out_features": 2},
                       (rng.standard_normal((3, 2)), rng.standard_normal((3, 3))),
                       desc="(3, 2) and (3, 3) inputs")


def _flatten_samples(rng):
    yield ModuleSample({}, (rng.standard_normal((2, 3, 2)),), desc="default dims")
    yield ModuleSample({"start_dim": 0, "end_dim": 1}, (rng.standard_normal((2, 3, 2)),),
                       desc="dims 0..1")


def _flatten_ref(state, init, x):
    start, end = init.get("start_dim", 1), init.get("end_dim", -1) % x.ndim
    return x.reshape(x.shape[:start] + (-1,) + x.shape[end + 1:])


def _unflatten_samples(rng):
    yield ModuleSample({"dim": 1, "unflattened_size": (2, 3)}, (rng.standard_normal((2, 6)),),
                       desc="(2, 6) -> (2, 2, 3)")


def _sequential(**kw):
    return nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.Identity(), nn.Linear(3, 2),
                         nn.Unflatten(1, (2, 1)))


def _sequential_ref(state, init, x):
    h = x.reshape(x.shape[0], -1) @ state["1.weight"].T + state["1.bias"]
    return (h @ state["3.weight"].T + state["3.bias"]).reshape(-1, 2, 1)


register(
    ModuleInfo("Linear", nn.Linear, _linear_samples, _linear_ref),
    ModuleInfo("Bilinear", nn.Bilinear, _bilinear_samples, _bilinear_ref),
    ModuleInfo("Identity", nn.Identity,
               lambda rng: [ModuleSample({}, (rng.standard_normal((2, 3)),))],
               lambda state, init, x: x),
    ModuleInfo("Flatten", nn.Flatten, _flatten_samples, _flatten_ref),
    ModuleInfo("Unflatten", nn.Unflatten, _unflatten_samples,
               lambda state, init, x: x.reshape(2, 2, 3)),
    ModuleInfo("Sequential", _sequential,
               lambda rng: [ModuleSample({}, (rng.standard_normal((3, 2, 2)),), desc="(3, 2, 2)")],
               _sequential_ref),
)
