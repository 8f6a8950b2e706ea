"""Per-op overheads on the NumPy backend: microseconds per call of small ops in arraygrad, PyTorch
CPU and plain NumPy, so that the cost arraygrad adds to each op (promotion, recording a node,
wrapping the result) is visible on its own.

Usage (from the repository root): PYTHONPATH=. python benchmarks/micro.py [--n 8]
"""

from __future__ import annotations

import argparse
import math
import timeit

import numpy as np

import arraygrad as ag


def per_call_us(fn, number: int = 2000, repeat: int = 7) -> float:
    """Best of `repeat` runs, microseconds per call."""
    fn()
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number * 1e6


def cases(lib, n: int):
    """(name, fn) pairs for one library: 'ag', 'torch' or 'numpy'."""
    if lib == "numpy":
        x = np.ones(n, np.float32)
        big = np.linspace(-math.pi, math.pi, 2000, dtype=np.float32)
        p = np.ones((), np.float32)
        return [
            ("x * 1.0001", lambda: x * 1.0001),
            ("x + 0.5", lambda: x + 0.5),
            ("x * x", lambda: x * x),
            ("big ** 3", lambda: big ** 3),
            ("big * big * big", lambda: big * big * big),
            ("big.sum()", lambda: big.sum()),
            ("p -= 1e-6 * p", lambda: p.__isub__(1e-6 * p)),
            ("float(p)", lambda: float(p)),
        ]
    mod = ag if lib == "ag" else __import__("torch")
    x = mod.ones(n)
    xg = mod.ones(n, requires_grad=True)
    big = mod.linspace(-math.pi, math.pi, 2000)
    p = mod.ones(())
    pg = mod.ones((), requires_grad=True)

    def backward_chain():
        y = xg
        for _ in range(10):
            y = y * 1.0001
        y.sum().backward()
        xg.grad = None

    def inplace_no_grad():
        with mod.no_grad():
            pg.sub_(1e-6 * pg)

    return [
        ("x * 1.0001", lambda: x * 1.0001),
        ("x + 0.5", lambda: x + 0.5),
        ("x * x", lambda: x * x),
        ("big ** 3", lambda: big ** 3),
        ("big * big * big", lambda: big * big * big),
        ("big.sum()", lambda: big.sum()),
        ("p -= 1e-6 * p", lambda: p.sub_(1e-6 * p)),
        ("float(p)", lambda: p.item()),
        ("xg * 1.0001 (records)", lambda: xg * 1.0001),
        ("10 muls + backward", backward_chain),
        ("no_grad: pg -= 1e-6 * pg", inplace_no_grad),
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=8, help="elements of the small tensors")
    args = parser.parse_args(argv)
    libs = ["ag", "numpy"]
    try:
        import torch

        torch.set_num_threads(2)
        libs.insert(1, "torch")
    except ImportError:
        pass
    table: dict = {}
    for lib in libs:
        for name, fn in cases(lib, args.n):
            table.setdefault(name, {})[lib] = per_call_us(fn)
    head = " ".join(f"{lib + ' us':>10}" for lib in libs)
    print(f"{'op':<26} {head} {'ag/torch':>9}")
    for name, row in table.items():
        cells = " ".join(f"{row[lib]:10.2f}" if lib in row else f"{'-':>10}" for lib in libs)
        ratio = f"{row['ag'] / row['torch']:9.2f}" if "torch" in row else f"{'-':>9}"
        print(f"{name:<26} {cells} {ratio}")


if __name__ == "__main__":
    main()
