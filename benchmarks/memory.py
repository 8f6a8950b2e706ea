"""Peak memory of one training step above its parameters and batch: arraygrad (NumPy backend)
against the hand-written NumPy program of benchmarks/ratios.py, both counted by tracemalloc
(NumPy reports its buffers to it), plus the same step under no_grad (inference).

Usage (from the repository root): PYTHONPATH=. python benchmarks/memory.py [WORKLOAD ...]
[--ratios PATH]. A workload is any of ratios.py's (mlp, cnn, lstm); the NumPy column needs a
NumPy program in ratios.py (mlp has one). Tracing starts after two warm-up steps and a
zero_grad, so parameters, the batch and optimizer state are not counted; what is counted is
everything the step allocates and holds at its peak (activations, saved values, gradients).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import pathlib
import sys
import tracemalloc

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_RATIOS = ROOT / "benchmarks" / "ratios.py"  # the common yardstick


def _load_ratios(path: pathlib.Path):
    spec = importlib.util.spec_from_file_location("ratios", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def traced_peak(fn) -> int:
    """Bytes allocated by fn() and alive at its peak (allocations made before are not traced)."""
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def measure(ratios, workload: str) -> dict:
    """{"arraygrad": train-step peak, "arraygrad_no_grad": forward peak, "numpy": ...} bytes."""
    import arraygrad as ag

    step, param = ratios.run_framework(ag, "arraygrad", workload)
    for _ in range(2):
        step()
    for p in _params_of(step):  # the last step's gradients: not part of the traced step
        p.grad = None
    out = {"arraygrad": traced_peak(step)}
    forward = _forward_of(ratios, ag, workload, step)
    if forward is not None:
        with ag.no_grad():
            forward()  # warm-up
            out["arraygrad_no_grad"] = traced_peak(forward)
    np_step = ratios.run_numpy(workload)
    if np_step is not None:
        np_step()
        out["numpy"] = traced_peak(np_step)
    return out


def _closure_values(fn) -> list:
    return [c.cell_contents for c in (fn.__closure__ or ())]


def _params_of(step) -> list:
    import arraygrad as ag

    out = []
    for v in _closure_values(step):
        if isinstance(v, ag.nn.Module):
            out += list(v.parameters())
        elif hasattr(v, "param_groups"):
            out += [p for g in v.param_groups for p in g["params"]]
    return out


def _forward_of(ratios, ag, workload, step):
    """The model's forward on the step's batch (mlp/cnn), for the no_grad figure: the model is
    the step's Module with the most parameters, the batch its floating tensor."""
    vals = _closure_values(step)
    models = [v for v in vals if isinstance(v, ag.nn.Module)]
    xs = [v for v in vals if isinstance(v, ag.Tensor) and v.is_floating_point()]
    if workload not in ("mlp", "cnn") or not models or not xs:
        return None
    model = max(models, key=lambda m: sum(p.numel() for p in m.parameters()))
    x = xs[0]
    return lambda: model(x)


def main(argv=None) -> int:
    """Prints one table row per workload."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="*", default=["mlp"])
    parser.add_argument("--ratios", type=pathlib.Path, default=DEFAULT_RATIOS)
    args = parser.parse_args(argv)
    ratios = _load_ratios(args.ratios)
    print(f"| {'workload':<9}| {'arraygrad MB':>12} | {'numpy MB':>9} | {'ag/numpy':>8} "
          f"| {'no_grad forward MB':>18} |")
    print("|" + "|".join("-" * w for w in (10, 14, 11, 10, 20)) + "|")
    for w in args.workloads:
        m = measure(ratios, w)
        mb = {k: v / 2**20 for k, v in m.items()}
        np_mb = f"{mb['numpy']:9.2f}" if "numpy" in mb else f"{'-':>9}"
        ratio = f"{m['arraygrad'] / m['numpy']:8.2f}" if "numpy" in m else f"{'-':>8}"
        ng = f"{mb['arraygrad_no_grad']:18.2f}" if "arraygrad_no_grad" in mb else f"{'-':>18}"
        print(f"| {w:<9}| {mb['arraygrad']:12.2f} | {np_mb} | {ratio} | {ng} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
