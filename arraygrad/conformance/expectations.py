"""Per-backend expectations: what a backend library itself lacks, with the reason, as data.

One TOML file per backend (`expectations/<backend>.toml`, or any file given with
`--expectations`):

    [suite]                       # how the suite runs on this backend (all optional)
    devices = ["CPU_DEVICE", "device1"]   # device indices to run on (default: the default one)
    gradcheck = "fast"            # "full" Jacobians (default) or one random projection ("fast")
    ci_max_examples = 2           # samples per op and dtype in the project's own CI (pytest)
    ci_finite_differences = false # CI skips finite-difference checks here: the cross_backend
                                  # check compares gradients with the numpy backend's instead

    [[expect]]                    # one per thing the library lacks
    status = "xfail"              # or "skip" (not run at all: it would hang or crash)
    feature = "ops"               # fnmatch patterns, "*" when left out
    op = "linalg.*"
    check = "*"                   # forward, dtype, device, cross_backend, grad, grad_float32,
    dtype = "*"                   # gradgrad, errors, run
    device = "*"
    reason = "Dask has no linalg.inv without SciPy"

An entry that matches no case, or whose cases all pass, is reported: it is out of date.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from importlib import resources
from pathlib import Path

__all__ = ["Expectation", "Expectations", "load", "parse"]

_FIELDS = ("feature", "op", "check", "dtype", "device")
_SUITE = {"devices": list, "gradcheck": str, "ci_max_examples": int,
          "ci_finite_differences": bool}


def _toml():
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib


@dataclass
class Expectation:
    status: str
    reason: str
    feature: str = "*"
    op: str = "*"
    check: str = "*"
    dtype: str = "*"
    device: str = "*"
    matched: int = 0  # cases it matched in this run
    failed: int = 0   # of those, how many failed (an xfail entry with none is out of date)

    def matches(self, feature: str, op: str, check: str, dtype: str, device: str) -> bool:
        return all(fnmatchcase(v, getattr(self, k)) for k, v in
                   zip(_FIELDS, (feature, op, check, dtype, device), strict=False))

    def describe(self) -> str:
        where = ", ".join(f"{k}={getattr(self, k)!r}" for k in _FIELDS if getattr(self, k) != "*")
        return f"{self.status} [{where or 'everything'}]: {self.reason}"


@dataclass
class Expectations:
    """A backend's expectation entries and suite settings, read from one file."""

    source: str = "(none)"
    entries: list[Expectation] = field(default_factory=list)
    devices: list[str] | None = None
    gradcheck: str = "full"
    ci_max_examples: int | None = None
    ci_finite_differences: bool = True

    def lookup(self, feature, op, check, dtype, device) -> Expectation | None:
        """The first entry matching a case (and counts the match)."""
        for e in self.entries:
            if e.matches(feature, op, check, dtype, device):
                e.matched += 1
                return e
        return None

    def stale(self) -> list[Expectation]:
        """Entries this run never needed: no case matched, or every xfail case passed."""
        return [e for e in self.entries
                if e.matched == 0 or (e.status == "xfail" and e.failed == 0)]

    def reset(self) -> None:
        for e in self.entries:
            e.matched = e.failed = 0


def parse(text: str, source: str = "<string>") -> Expectations:
    """Expectations from TOML text; a malformed entry raises ValueError naming the file."""
    data = _toml().loads(text)
    unknown = set(data) - {"suite", "expect", "backend"}
    if unknown:
        raise ValueError(f"{source}: unknown top-level keys {sorted(unknown)}; expected "
                         "[suite] and [[expect]] entries")
    out = Expectations(source=source)
    for k, v in data.get("suite", {}).items():
        if k not in _SUITE or not isinstance(v, _SUITE[k]):
            raise ValueError(f"{source}: [suite] {k} = {v!r} is not one of "
                             f"{ {n: t.__name__ for n, t in _SUITE.items()} }")
        setattr(out, k, v)
    if out.gradcheck not in ("full", "fast"):
        raise ValueError(f"{source}: [suite] gradcheck must be 'full' or 'fast', got "
                         f"{out.gradcheck!r}")
    for i, e in enumerate(data.get("expect", [])):
        extra = set(e) - set(_FIELDS) - {"status", "reason"}
        if extra:
            raise ValueError(f"{source}: [[expect]] number {i + 1} has unknown keys "
                             f"{sorted(extra)}")
        if e.get("status") not in ("xfail", "skip"):
            raise ValueError(f"{source}: [[expect]] number {i + 1} needs status 'xfail' or "
                             f"'skip', got {e.get('status')!r}")
        if not str(e.get("reason", "")).strip():
            raise ValueError(f"{source}: [[expect]] number {i + 1} needs a reason (what the "
                             "backend library lacks)")
        out.entries.append(Expectation(**{k: str(v) for k, v in e.items()}))
    return out


def load(backend: str, path: str | Path | None = None) -> Expectations:
    """The expectations of a backend: from `path` if given, else the file shipped with arraygrad
    for it (`expectations/<backend>.toml`), else none."""
    if path is not None:
        p = Path(path)
        return parse(p.read_text(encoding="utf-8"), str(p))
    res = resources.files(__package__).joinpath("expectations", f"{backend}.toml")
    if res.is_file():
        return parse(res.read_text(encoding="utf-8"),
                     f"arraygrad/conformance/expectations/{backend}.toml")
    return Expectations()
