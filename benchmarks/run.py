"""Runs the common yardstick (benchmarks/ratios.py) on the `ops100` and `poly` workloads and
prints one table of times and ratios: arraygrad (NumPy backend) against PyTorch CPU and NumPy.
With `--device jax --compile` arraygrad's step runs compiled on the JAX backend (ag.compile;
issue 11's targets), and a `first step` column gives the time to the first compiled step.

Usage (from the repository root): python benchmarks/run.py [WORKLOAD ...] [--repeat N]
[--ratios PATH] [--unset-openblas]. ratios.py imports arraygrad, so the repository root goes on
PYTHONPATH. With --repeat N each workload runs N times and the table shows the medians and the
range of the ratio to PyTorch: on a shared 2-core machine one run can be off by 20%.
"""

from __future__ import annotations

import argparse
import datetime
import os
import pathlib
import platform
import re
import statistics
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_RATIOS = ROOT / "benchmarks" / "ratios.py"  # the common yardstick
# the targets of the speed issue: arraygrad's time over PyTorch CPU's
TARGETS = {"ops100": 1.0, "poly": 1.25, "cnn": 1.5, "mlp": 1.0, "lstm": 2.0}
# issue 11's targets for the step compiled by ag.compile on the jax backend
COMPILE_TARGETS = {"poly": 0.3, "ops100": 0.1, "mlp": 0.8, "cnn": 1.0, "lstm": 1.0}
# seconds from building the workload to the end of its first compiled step (a host sync)
_FIRST_STEP = """
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("ratios", sys.argv[1])
R = importlib.util.module_from_spec(spec)
spec.loader.exec_module(R)
import arraygrad as ag
step, p = R.run_framework(ag, "arraygrad", sys.argv[2], sys.argv[3])
t = time.perf_counter()
ag.compile(step)()
float(p.detach().sum().item())
print(f"first step s: {time.perf_counter() - t:.3f}")
"""
_OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
# runs ratios.py as __main__ with its own arguments
_SHIM = """
import runpy, sys
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def machine() -> str:
    """CPU model and core count, as `lscpu` and os.cpu_count() give them."""
    model = platform.processor() or "unknown CPU"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        found = re.search(r"Model name:\s*(.+)", out)
        if found:
            model = found.group(1).strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return f"{model}, {os.cpu_count()} cores"


def _env(unset_openblas: bool) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    if unset_openblas:
        for v in _OPENBLAS_VARS:
            env.pop(v, None)
    return env


def run_workload(ratios: pathlib.Path, workload: str, unset_openblas: bool,
                 extra: tuple = ()) -> dict:
    """One ratios.py run: {"arraygrad": ms, "torch": ms, "numpy": ms (if any)}; `extra` are
    ratios.py's options (--device jax --compile)."""
    env = _env(unset_openblas)
    proc = subprocess.run([sys.executable, "-c", _SHIM, str(ratios), workload, *extra], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"ratios.py {workload} failed (exit {proc.returncode}):\n{proc.stderr}")
    times = re.search(r"times ms: (.+)", proc.stdout)
    if times is None:
        raise SystemExit(f"ratios.py {workload} printed no times:\n{proc.stdout}")
    return {k: float(v) for k, v in (kv.split("=") for kv in times.group(1).split())}


def first_step(ratios: pathlib.Path, workload: str, device: str, unset_openblas: bool) -> float:
    """Seconds to the end of the first compiled step of `workload` on `device`, in a fresh
    process (tracing, XLA compilation, or an eager first call where an optimizer needs one)."""
    proc = subprocess.run([sys.executable, "-c", _FIRST_STEP, str(ratios), workload, device],
                          cwd=ROOT, env=_env(unset_openblas), capture_output=True, text=True)
    found = re.search(r"first step s: (\S+)", proc.stdout)
    if proc.returncode != 0 or found is None:
        raise SystemExit(f"first step of {workload} failed (exit {proc.returncode}):\n"
                         f"{proc.stderr}")
    return float(found.group(1))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="*", default=list(TARGETS))
    parser.add_argument("--device", default="cpu", help="arraygrad's device (e.g. jax)")
    parser.add_argument("--compile", action="store_true",
                        help="wrap arraygrad's step in ag.compile (timed in blocks of 10 steps)")
    parser.add_argument("--ratios", type=pathlib.Path, default=DEFAULT_RATIOS,
                        help="path of the yardstick ratios.py (default: benchmarks/ratios.py)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of ratios.py per workload")
    parser.add_argument("--unset-openblas", action="store_true",
                        help="drop OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for the measured runs")
    args = parser.parse_args(argv)
    if not args.ratios.exists():
        raise SystemExit(f"run.py: no ratios.py at {args.ratios}; pass --ratios PATH")

    extra = (("--device", args.device) if args.device != "cpu" else ()) + (
        ("--compile",) if args.compile else ())
    targets = COMPILE_TARGETS if args.compile else TARGETS
    print(f"# {datetime.date.today().isoformat()}  {machine()}  Python {platform.python_version()}"
          + ("  (OPENBLAS_CORETYPE/L2_SIZE unset)" if args.unset_openblas else "")
          + (f"  {' '.join(extra)}" if extra else "")
          + f"  load {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(f"| {'workload':<9}| {'arraygrad ms':>12} | {'torch ms':>9} | {'numpy ms':>9} "
          f"| {'ag/torch':>8} | {'range':>11} | {'ag/numpy':>8} | {'target':>9} |"
          + (" first step |" if args.compile else ""))
    print("|" + "|".join("-" * w for w in (10, 14, 11, 11, 10, 13, 10, 11)
                         + ((12,) if args.compile else ())) + "|")
    missed = 0
    for w in args.workloads:
        runs = [run_workload(args.ratios, w, args.unset_openblas, extra)
                for _ in range(args.repeat)]
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        ratios_t = [r["arraygrad"] / r["torch"] for r in runs]
        r_t = statistics.median(ratios_t)
        spread = f"{min(ratios_t):.2f}-{max(ratios_t):.2f}"
        r_n = (f"{statistics.median(r['arraygrad'] / r['numpy'] for r in runs):8.2f}"
               if "numpy" in med else f"{'-':>8}")
        np_ms = f"{med['numpy']:9.3f}" if "numpy" in med else f"{'-':>9}"
        target = targets.get(w)
        mark = "" if target is None else ("ok" if r_t <= target else "MISS")
        missed += mark == "MISS"
        goal = f"{target:.2f} {mark}" if target else "-"
        first = (f" {first_step(args.ratios, w, args.device, args.unset_openblas):8.2f} s |"
                 if args.compile else "")
        print(f"| {w:<9}| {med['arraygrad']:12.3f} | {med['torch']:9.3f} | {np_ms} | {r_t:8.2f} "
              f"| {spread:>11} | {r_n} | {goal:>9} |{first}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
