"""Optimizer step time: `Adam.step()` and `SGD(momentum=0.9).step()` over 100 float32 parameter
tensors holding 5 million floats in all, arraygrad (NumPy backend) against PyTorch CPU with
torch.optim's defaults (foreach as torch picks it), in one interleaved run: the two libraries
alternate, step by step, so a busy machine slows both alike. Reports median seconds per step and
the ratio arraygrad / PyTorch.

Usage (from the repository root): PYTHONPATH=. python benchmarks/optim.py [--steps 30]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import arraygrad as ag


def _shapes(n_tensors: int, total: int) -> list[tuple[int, ...]]:
    """n_tensors shapes (matrices and vectors, as a network's weights and biases) summing to
    about `total` floats."""
    per = total // n_tensors
    out = []
    for i in range(n_tensors):
        if i % 2:
            out.append((per,))
        else:
            rows = max(1, int(per**0.5))
            out.append((rows, per // rows))
    return out


def _pair(name: str, kw: dict, shapes, torch):
    rng = np.random.default_rng(0)
    init = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    ap = [ag.tensor(a, requires_grad=True) for a in init]
    tp = [torch.tensor(a, requires_grad=True) for a in init]
    for p, g in zip(ap, grads, strict=True):
        p.grad = ag.tensor(g)
    for p, g in zip(tp, grads, strict=True):
        p.grad = torch.tensor(g)
    return getattr(ag.optim, name)(ap, **kw), getattr(torch.optim, name)(tp, **kw)


def measure(name: str, kw: dict, shapes, steps: int, torch) -> tuple[float, float]:
    """(median seconds per arraygrad step, median seconds per torch step), interleaved."""
    aopt, topt = _pair(name, kw, shapes, torch)
    for _ in range(3):  # warm-up: state allocation happens on the first step
        aopt.step()
        topt.step()
    ta, tt = [], []
    for _ in range(steps):
        t0 = time.perf_counter()
        aopt.step()
        t1 = time.perf_counter()
        topt.step()
        t2 = time.perf_counter()
        ta.append(t1 - t0)
        tt.append(t2 - t1)
    return statistics.median(ta), statistics.median(tt)


def main() -> None:
    """Prints one row per optimizer."""
    import torch

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--tensors", type=int, default=100)
    ap.add_argument("--floats", type=int, default=5_000_000)
    ap.add_argument("--torch-threads", type=int, default=None,
                    help="torch.set_num_threads (default: torch's own choice)")
    a = ap.parse_args()
    if a.torch_threads:
        torch.set_num_threads(a.torch_threads)
    shapes = _shapes(a.tensors, a.floats)
    total = sum(int(np.prod(s)) for s in shapes)
    print(f"{a.tensors} float32 tensors, {total:,} floats; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; median of {a.steps} interleaved steps")
    print(f"{'optimizer':<30}{'arraygrad ms':>14}{'torch ms':>10}{'ratio':>8}")
    for name, kw in (("Adam", dict(lr=1e-3)), ("SGD", dict(lr=1e-3, momentum=0.9))):
        t_ag, t_torch = measure(name, kw, shapes, a.steps, torch)
        label = f"{name}({', '.join(f'{k}={v}' for k, v in kw.items())})"
        print(f"{label:<30}{t_ag * 1e3:>14.1f}{t_torch * 1e3:>10.1f}{t_ag / t_torch:>8.2f}")


if __name__ == "__main__":
    main()
