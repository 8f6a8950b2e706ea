"""The 'data' feature: a DataLoader delivers the same batch sequence on every backend, from a
dataset living on the device and from host data moved there with `device=`."""

from __future__ import annotations

import numpy as np

import arraygrad as ag
from arraygrad.data import DataLoader, RandomSampler, TensorDataset
from arraygrad.data.sampler import _seed_from

from ..table import CheckFailure, Scenario, register

_N, _SEED = 10, 3


def _host_data(d):
    ag.manual_seed(11)
    return ag.rand(_N, 2, dtype=d), ag.arange(_N)


def _concat(batches, dev, what: str) -> list:
    cols = []
    for b in batches:
        for t in b:
            if t.device is not dev:
                raise CheckFailure(f"{what}: a batch came on {t.device}, expected {dev}")
        cols.append([t.numpy() for t in b])
    if [len(c[1]) for c in cols] != [4, 4, 2]:
        raise CheckFailure(f"{what}: batch sizes {[len(c[1]) for c in cols]}, expected [4, 4, 2]")
    return [np.concatenate([c[i] for c in cols]) for i in range(2)]


def loader_batches(dev, dtype: str) -> dict:
    """Shuffled batches (generator-seeded) of a TensorDataset on the device, and of host data
    delivered with device=."""
    x, y = _host_data(getattr(ag, dtype))
    on_dev = DataLoader(TensorDataset(x.to(dev), y.to(dev)), batch_size=4, shuffle=True,
                        generator=ag.Generator().manual_seed(_SEED))
    moved = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True, device=dev,
                       generator=ag.Generator().manual_seed(_SEED))
    xs, ys = _concat(on_dev, dev, "dataset on the device")
    mx, my = _concat(moved, dev, "device=")
    return {"x": xs, "y": ys, "moved_x": mx, "moved_y": my, "saved_x": x.numpy()}


def _reference(r, dtype):
    g = ag.Generator().manual_seed(_SEED)
    _seed_from(g)  # as PyTorch, an epoch draws the workers' base seed before the permutation
    order = np.array(list(RandomSampler(range(_N), generator=g)))
    return {"x": r["saved_x"][order], "y": order, "moved_x": r["saved_x"][order],
            "moved_y": order}


register(Scenario("loader_batches", loader_batches, feature="data", reference=_reference,
                  dtypes=("float32", "float64"), atol=0.0, rtol=0.0))
