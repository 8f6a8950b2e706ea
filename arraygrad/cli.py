"""The `arraygrad` command. `arraygrad conformance --backend NAME` runs the conformance suite on a
backend (built in, registered by entry point, or any array-API namespace given with --namespace)
and prints the feature × device matrix; it exits 1 on an unexpected failure. `arraygrad quickstart`
runs the Learn-the-Basics training workflow (arraygrad/quickstart.py)."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time

__all__ = ["main"]


_DESCRIPTION = """\
arraygrad: PyTorch's programming model on any array library that follows the
Python array API standard (NumPy, CuPy, Dask, array-api-strict, JAX, yours).

  arraygrad quickstart     train PyTorch's Learn-the-Basics network (offline on
                           scikit-learn's digits, or FashionMNIST), save, load,
                           predict and plot the learning curves
  arraygrad conformance    check that a backend (built in, registered, or any
                           array-API namespace) trains a network as NumPy does

Run `arraygrad COMMAND --help` for a command's options."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="arraygrad", description=_DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser(
        "conformance", help="run the conformance suite on a backend",
        description="Runs arraygrad's conformance table (ops against NumPy float64, gradients "
                    "against finite differences, dtype and device rules, errors, agreement with "
                    "the numpy backend, training a tiny MLP, saving) on a backend.")
    c.add_argument("--backend", action="append", metavar="NAME",
                   help="backend name or device string (numpy, array_api_strict, dask, "
                        "array_api_strict:device1, an entry point's name); repeat for several "
                        "columns. With --namespace: the name to register it under")
    c.add_argument("--namespace", metavar="MODULE",
                   help="an importable array-API namespace (e.g. array_api_strict or "
                        "array_api_compat.numpy) to register and test")
    c.add_argument("--expectations", metavar="FILE",
                   help="expectation file (TOML) to use instead of the one shipped for the backend")
    c.add_argument("--json", metavar="FILE", help="also write the full report as JSON")
    c.add_argument("--max-examples", type=int, metavar="N",
                   help="at most N sample inputs per op and dtype (default: all)")
    c.add_argument("--feature", action="append", metavar="F",
                   help="only these features (ops, autograd, saving, ...)")
    c.add_argument("--op", action="append", metavar="PATTERN",
                   help="only entries whose name matches (fnmatch, e.g. 'log*')")
    c.add_argument("--list", action="store_true", help="list the table's entries and exit")
    c.add_argument("--no-snippets", action="store_true",
                   help="leave the reproduction snippets out of the printed report")
    c.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    q = sub.add_parser(
        "quickstart", help="train the Learn-the-Basics model (offline: scikit-learn's digits)",
        description="PyTorch's Learn-the-Basics workflow on arraygrad: train and test loops, "
                    "per-epoch accuracy and loss, ag.save and load, predictions, a plot.")
    q.add_argument("--dataset", choices=["digits", "fashion-mnist"], default="digits",
                   help="digits (offline, scikit-learn's 8x8 images; default) or fashion-mnist "
                        "(28x28, the tutorial's settings)")
    q.add_argument("--device", default="cpu", help="device string (cpu, dask, cuda, ...)")
    q.add_argument("--epochs", type=int, metavar="N", help="epochs (default: 10)")
    q.add_argument("--root", default="data", help="where FashionMNIST's files are (or go)")
    q.add_argument("--download", action="store_true", help="download FashionMNIST if missing")
    q.add_argument("--out", default=".", metavar="DIR",
                   help="where model.pth and quickstart.png are written (default: .)")
    q.add_argument("--no-plot", action="store_true", help="skip the learning-curve plot")
    q.add_argument("-q", "--quiet", action="store_true", help="print only the final accuracy")
    return p


def _quickstart(args) -> int:
    from .quickstart import run

    r = run(args.dataset, device=args.device, epochs=args.epochs, root=args.root,
            download=args.download, out=args.out, plot=not args.no_plot, quiet=args.quiet)
    if args.quiet and r["accuracy"] is not None:
        print(f"test accuracy {100 * r['accuracy']:.1f}%")
    return 0


class _UsageError(Exception):
    """A mistake in the command line: printed as one line, exit status 2."""


def _import_namespace(modname: str):
    """The module, found as `python -m` would: the current directory first."""
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(modname)
    except ImportError as e:
        raise _UsageError(f"cannot import namespace {modname!r} ({e})") from e


def _backends(args) -> list[str]:
    from . import backends

    names = list(args.backend or [])
    if args.namespace:
        if len(names) > 1:
            raise _UsageError("--namespace takes at most one --backend (the name to register "
                              "it under)")
        name = names[0] if names else args.namespace.replace(".", "_")
        module = _import_namespace(args.namespace)
        if backends.known(name):
            # a built-in or registered backend of that name: keep its adapter (it knows the
            # library's devices and fast kernels) when it wraps this very namespace
            try:
                same = backends.get(name).xp is module
            except backends.BackendUnavailable:
                same = False
            if not same:
                raise _UsageError(f"{name!r} is already the name of a backend that wraps another "
                                  f"namespace; pass --backend OTHERNAME to register "
                                  f"{args.namespace} under another name")
            return [name]
        backends.register(name, module)
        return [name]
    if not names:
        raise _UsageError("give --backend NAME (available here: "
                          f"{', '.join(backends.available())}) or --namespace MODULE")
    return names


class _Progress:
    """Per device and feature: entries done out of the table's, and seconds since the start
    (rewritten in place on a terminal, a line per feature and every 10% elsewhere)."""

    def __init__(self, totals: dict):
        self.totals, self.done, self.t0 = totals, {}, time.perf_counter()
        self.tty = sys.stderr.isatty()
        self.last = None

    def __call__(self, dev, entry):
        key = (dev, entry.feature)
        k = self.done[key] = self.done.get(key, 0) + 1
        n = self.totals.get(entry.feature, k)
        msg = (f"{entry.feature} on {dev}: {k}/{n} entries, "
               f"{time.perf_counter() - self.t0:.0f} s elapsed")
        if self.tty:
            end = "\n" if self.last not in (None, key) else ""
            print(end + "\r" + msg.ljust(70), end="", file=sys.stderr, flush=True)
        elif key != self.last or k == n or k % max(1, n // 10) == 0:
            print(msg, file=sys.stderr, flush=True)
        self.last = key

    def close(self):
        if self.tty and self.last is not None:
            print(file=sys.stderr, flush=True)


def _conformance(args) -> int:
    from . import backends, conformance

    if args.list:
        for e in conformance.entries(args.feature, args.op):
            print(f"{e.feature:9} {e.name}")
        return 0
    names = _backends(args)
    progress = None
    if not args.quiet:
        totals: dict = {}
        for e in conformance.entries(args.feature, args.op):
            totals[e.feature] = totals.get(e.feature, 0) + 1
        progress = _Progress(totals)
    try:
        rep = conformance.run(names, features=args.feature, ops=args.op,
                              max_examples=args.max_examples, expectations_path=args.expectations,
                              progress=progress)
    except backends.BackendUnavailable as e:
        raise _UsageError(str(e)) from e
    finally:
        if progress is not None:
            progress.close()
    print(rep.format(snippets=not args.no_snippets))
    if args.json:
        rep.write_json(args.json)
    return 1 if rep.unexpected else 0


def main(argv: list[str] | None = None) -> int:
    """Runs a subcommand; any error reaches the user as one line and exit status 2."""
    args = _parser().parse_args(argv)
    run = {"conformance": _conformance, "quickstart": _quickstart}[args.command]
    try:
        return run(args)
    except KeyboardInterrupt:
        print(f"arraygrad {args.command}: interrupted", file=sys.stderr)
        return 130
    except _UsageError as e:
        print(f"arraygrad {args.command}: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001  (a traceback helps nobody running the command)
        msg = " ".join(str(e).split()) or "(no message)"
        print(f"arraygrad {args.command}: {type(e).__name__}: {msg}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
