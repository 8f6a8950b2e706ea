"""Scatter-add cost: `x[idx].sum().backward()` (an index-add of the gradient into x's rows, what an
Embedding backward does) with x 40,000 x 4 and 2,000 random indices, and an `F.embedding`
backward (a 50,000 x 64 table, 2,240 tokens), on each backend: seconds per step and peak
Python-heap memory (tracemalloc, which sees NumPy's buffers).

Usage (from the repository root): PYTHONPATH=. python benchmarks/scatter.py [--rows 40000]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

import arraygrad as ag

DEVICES = ("cpu", "array_api_strict", "dask")


def measure(device: str, rows: int, cols: int, n_idx: int, repeat: int) -> tuple[float, float]:
    """(best seconds, peak MB) of one forward + backward of x[idx].sum() on `device`."""
    rng = np.random.default_rng(0)
    x_host = rng.standard_normal((rows, cols)).astype(np.float32)
    idx_host = rng.integers(0, rows, n_idx)

    def step():
        x = ag.tensor(x_host, device=device, requires_grad=True)
        idx = ag.tensor(idx_host, device=device)
        x[idx].sum().backward()
        return x.grad.cpu().numpy()

    expect = np.zeros_like(x_host)
    np.add.at(expect, idx_host, 1.0)
    np.testing.assert_allclose(step(), expect)  # warm-up, and the figures are for right answers
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return best, peak / 1e6


def measure_embedding(device: str, rows: int, dim: int, tokens: int,
                      repeat: int) -> tuple[float, float]:
    """(best seconds, peak MB) of F.embedding(idx, W).sum().backward() on `device`."""
    from arraygrad.nn import functional as F

    rng = np.random.default_rng(1)
    w_host = rng.standard_normal((rows, dim)).astype(np.float32)
    idx_host = rng.integers(0, rows, tokens)

    def step():
        w = ag.tensor(w_host, device=device, requires_grad=True)
        F.embedding(ag.tensor(idx_host, device=device), w).sum().backward()
        return w.grad.cpu().numpy()

    expect = np.zeros_like(w_host)
    np.add.at(expect, idx_host, 1.0)
    np.testing.assert_allclose(step(), expect)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return best, peak / 1e6


def main() -> None:
    """Prints one row per backend."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=40_000)
    ap.add_argument("--cols", type=int, default=4)
    ap.add_argument("--indices", type=int, default=2_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    print(f"x[idx].sum().backward(), x {a.rows} x {a.cols}, {a.indices} indices")
    print(f"{'backend':<20}{'seconds':>10}{'peak MB':>10}")
    for dev in DEVICES:
        t, mb = measure(dev, a.rows, a.cols, a.indices, a.repeat)
        print(f"{dev:<20}{t:>10.4f}{mb:>10.1f}")
    print("\nF.embedding(idx, W).sum().backward(), W 50000 x 64, 2240 tokens")
    print(f"{'backend':<20}{'seconds':>10}{'peak MB':>10}")
    for dev in DEVICES:
        t, mb = measure_embedding(dev, 50_000, 64, 2_240, a.repeat)
        print(f"{dev:<20}{t:>10.4f}{mb:>10.1f}")


if __name__ == "__main__":
    main()
