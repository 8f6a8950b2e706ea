"""The 'saving' feature: a state-dict-like structure saved from a device loads back with the same
values, dtypes, devices and structure, on its own device and onto the host (map_location)."""

from __future__ import annotations

import os
import tempfile

import numpy as np

import arraygrad as ag

from ..table import CheckFailure, Scenario, register


def save_load_roundtrip(dev, dtype: str) -> dict:
    """ag.save then ag.load of nested dicts, lists and tuples of tensors and Python values."""
    d = getattr(ag, dtype)
    ag.manual_seed(7)
    w = ag.randn(3, 2, dtype=d, device=dev)
    state = {"model": {"weight": w, "bias": ag.zeros(2, dtype=d, device=dev),
                       "steps": ag.tensor([1, 2, 3], device=dev)},
             "optim": {"lr": 0.1, "eps": float("inf"), "betas": (0.9, 0.999), "name": "sgd",
                       "nesterov": False, "momentum": None, 0: [w, 5]}}
    fd, path = tempfile.mkstemp(suffix=".safetensors")
    os.close(fd)
    try:
        ag.save(state, path)
        back = ag.load(path)
        host = ag.load(path, map_location="cpu")
    finally:
        os.remove(path)
    m, o = back["model"], back["optim"]
    for name in ("weight", "bias", "steps"):
        a, b = m[name], state["model"][name]
        if a.dtype is not b.dtype or a.device is not dev or tuple(a.shape) != tuple(b.shape):
            raise CheckFailure(f"loaded {name} is {a.dtype} {tuple(a.shape)} on {a.device}; saved "
                               f"{b.dtype} {tuple(b.shape)} on {dev}")
        if host["model"][name].device is not ag.device("cpu"):
            raise CheckFailure(f"map_location='cpu' gave {name} on {host['model'][name].device}")
    plain = {k: v for k, v in o.items() if k != 0}
    want = {k: v for k, v in state["optim"].items() if k != 0}
    if plain != want or o[0][1] != 5 or not isinstance(o["betas"], tuple):
        raise CheckFailure(f"loaded optimizer state {o!r}, saved {state['optim']!r}")
    return {"weight": m["weight"].numpy(), "bias": m["bias"].numpy(), "steps": m["steps"].numpy(),
            "weight_again": o[0][0].numpy(), "weight_host": host["model"]["weight"].numpy(),
            "saved_weight": w.numpy()}


def _reference(r, dtype):
    return {"weight": r["saved_weight"], "weight_again": r["saved_weight"],
            "weight_host": r["saved_weight"], "bias": np.zeros(2), "steps": np.array([1, 2, 3])}


register(Scenario("save_load_roundtrip", save_load_roundtrip, feature="saving",
                  reference=_reference, dtypes=("float64", "float32")))
