"""The command line every example shares: its whole docstring as the description, defaults shown,
and a --device option that says what each device needs and how long Dask takes."""

from __future__ import annotations

import argparse

DEVICE_HELP = ("where the tensors live: cpu (NumPy, the default), array_api_strict, dask (Dask "
               "arrays; expect roughly 50-70 ms a step on a laptop-class CPU, so about two "
               "minutes for 2,000 steps) or cuda (CuPy, with an NVIDIA GPU)")


class _Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Keeps the description's paragraphs and appends each option's default."""


def parser(doc: str, *, steps: int | None = None, steps_help: str = "training steps",
           device: str = "cpu") -> argparse.ArgumentParser:
    """An ArgumentParser for an example: `doc` (its module docstring) as the description, and
    --device and (when `steps` is given) --steps."""
    p = argparse.ArgumentParser(description=doc, formatter_class=_Formatter)
    p.add_argument("--device", default=device, help=DEVICE_HELP)
    if steps is not None:
        p.add_argument("--steps", type=int, default=steps, help=steps_help)
    return p
