"""The `arraygrad` command. `arraygrad conformance --backend NAME` runs the conformance suite on a
backend (built in, registered by entry point, or any array-API namespace given with --namespace)
and prints the feature × device matrix; it exits 1 on an unexpected failure. `arraygrad quickstart`
runs the Learn-the-Basics training workflow (arraygrad/quickstart.py)."""

from __future__ import annotations

import argparse
import importlib
import sys

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="arraygrad", description=__doc__.splitlines()[0])
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


def _backends(args) -> list[str]:
    from . import backends

    names = list(args.backend or [])
    if args.namespace:
        if len(names) > 1:
            raise SystemExit("arraygrad conformance: --namespace takes at most one --backend "
                             "(the name to register it under)")
        name = names[0] if names else args.namespace.replace(".", "_")
        try:
            module = importlib.import_module(args.namespace)
        except ImportError as e:
            raise SystemExit(f"arraygrad conformance: cannot import namespace "
                             f"{args.namespace!r} ({e})") from e
        backends.register(name, module)
        return [name]
    if not names:
        raise SystemExit("arraygrad conformance: give --backend NAME (available here: "
                         f"{', '.join(backends.available())}) or --namespace MODULE")
    return names


def _conformance(args) -> int:
    from . import backends, conformance

    if args.list:
        for e in conformance.entries(args.feature, args.op):
            print(f"{e.feature:9} {e.name}")
        return 0
    names = _backends(args)
    progress = None
    if not args.quiet:
        seen = set()

        def progress(dev, entry):
            if (dev, entry.feature) not in seen:
                seen.add((dev, entry.feature))
                print(f"running {entry.feature} on {dev} ...", file=sys.stderr, flush=True)
    try:
        rep = conformance.run(names, features=args.feature, ops=args.op,
                              max_examples=args.max_examples, expectations_path=args.expectations,
                              progress=progress)
    except backends.BackendUnavailable as e:
        print(f"arraygrad conformance: {e}", file=sys.stderr)
        return 2
    print(rep.format(snippets=not args.no_snippets))
    if args.json:
        rep.write_json(args.json)
    return 1 if rep.unexpected else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "conformance":
        return _conformance(args)
    if args.command == "quickstart":
        return _quickstart(args)
    return 2  # pragma: no cover  (argparse rejects unknown commands)


if __name__ == "__main__":
    sys.exit(main())
