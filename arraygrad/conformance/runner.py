"""Runs the table on backends and reports a feature × device matrix, failures with reproduction
snippets, expected failures with their reasons, and out-of-date expectation entries."""

from __future__ import annotations

import json
import time
import traceback
from collections import Counter
from dataclasses import asdict, dataclass, field

import arraygrad as ag

from . import expectations as _exp
from .catalog._samples import fit_key
from .checks import Context
from .table import FEATURES, CheckFailure, Entry, SkipCase, entries

__all__ = ["Result", "Report", "Target", "targets", "run", "run_entry", "STATUSES"]

STATUSES = ("pass", "fail", "xfail", "xpass", "skip")


@dataclass
class Result:
    device: str
    feature: str
    op: str
    check: str
    dtype: str
    status: str
    reason: str = ""
    sample: str = ""
    snippet: str = ""
    seconds: float = 0.0


@dataclass
class Target:
    """One device to test, with its backend's expectations."""

    device: object
    expectations: _exp.Expectations

    @property
    def name(self) -> str:
        return str(self.device)


def expectation_names(b) -> list[str]:
    """The shipped expectation files that may describe a backend, first found wins: its name,
    then the module of a registered namespace ("array_api_compat.torch", "jax.numpy") and that
    module's top-level package ("jax"), so `--namespace jax.numpy` finds jax.numpy.toml. A
    built-in backend's name is never a fallback: its file describes that adapter (its devices),
    not a generic registration of the same module."""
    names = [b.name]
    mod = getattr(getattr(b, "xp", None), "__name__", "") or ""
    if mod and not mod.startswith("arraygrad"):
        top = mod.partition(".")[0]
        extra = [mod] + ([top] if top != "array_api_compat" else [])  # a wrapper of many
        names += [n for n in extra if n == b.name or not ag.backends.known(n)]
    return list(dict.fromkeys(names))


def _expectations(b, expectations_path) -> _exp.Expectations:
    if expectations_path is not None:
        return _exp.load(b.name, expectations_path)
    for n in expectation_names(b):
        x = _exp.load(n)
        if x.source != _exp.Expectations().source:  # a shipped file of that name
            return x
    return _exp.Expectations()


def targets(backend: str, expectations_path=None) -> list[Target]:
    """The devices to test for a backend name (its expectation file may list several, like
    array_api_strict's CPU_DEVICE and device1) or for one device string ("dask", "name:idx")."""
    name, _, index = backend.partition(":")
    b = ag.backends.get(name)
    exp = _expectations(b, expectations_path)
    if index:
        return [Target(ag.device(backend), exp)]
    idxs = exp.devices or [None]
    return [Target(ag.device(name if i is None else f"{name}:{i}"), exp) for i in idxs]


def _classify(case, target: Target) -> Result:
    e = case.entry
    dev = target.name
    exp = target.expectations.lookup(e.feature, e.name, case.check, case.dtype, dev)
    r = Result(dev, e.feature, e.name, case.check, case.dtype, "pass")
    if exp is not None and exp.status == "skip":
        r.status, r.reason = "skip", f"expected: {exp.reason}"
        return r
    t0 = time.perf_counter()
    try:
        case.run()
    except SkipCase as s:
        r.status, r.reason = "skip", str(s)
    except CheckFailure as f:
        r.status, r.reason = "fail", str(f)
        r.snippet = getattr(f, "snippet", "")
        r.sample = getattr(f, "sample", "")
    except Exception as x:  # a bug in the suite or a crash: still a failure, with the traceback
        r.status = "fail"
        r.reason = f"{type(x).__name__}: {x}\n{traceback.format_exc(limit=-3)}"
    r.seconds = time.perf_counter() - t0
    if exp is not None:
        if r.status == "fail":
            exp.failed += 1
            r.status, r.reason = "xfail", f"{exp.reason} ({r.reason.splitlines()[0][:300]})"
        elif r.status == "pass":
            r.status, r.reason = "xpass", f"expected to fail ({exp.reason}) but passed"
    return r


def run_entry(entry: Entry, target: Target, *, max_examples: int | None = None,
              memo: dict | None = None, finite_differences: bool = True) -> list[Result]:
    """Every case of one entry on one device. With `finite_differences=False` a device other than
    the reference skips the finite-difference checks (grad, grad_float32, gradgrad) and relies on
    cross_backend, which compares its gradients with the reference's (finite-difference-checked)."""
    ctx = Context(target.device, max_examples=max_examples,
                  fast_gradcheck=target.expectations.gradcheck == "fast", memo=memo,
                  finite_differences=finite_differences)
    return [_classify(c, target) for c in entry.cases(ctx)]


@dataclass
class Report:
    devices: list[str]
    results: list[Result] = field(default_factory=list)
    stale: dict = field(default_factory=dict)  # expectation file -> [out-of-date entries]
    seconds: float = 0.0

    @property
    def unexpected(self) -> list[Result]:
        return [r for r in self.results if r.status == "fail"]

    def matrix(self) -> dict:
        """{feature: {device: {status: count}}} over the features that have results."""
        m: dict = {}
        for r in self.results:
            m.setdefault(r.feature, {}).setdefault(r.device, Counter())[r.status] += 1
        order = {f: i for i, f in enumerate(FEATURES)}
        return {f: {d: dict(m[f].get(d, {})) for d in self.devices}
                for f in sorted(m, key=lambda f: order.get(f, len(order)))}

    def format(self, snippets: bool = True) -> str:
        m = self.matrix()
        def cell(c):
            if not c:
                return "-"
            parts = [f"{c[s]} {'FAIL' if s == 'fail' else s}" for s in STATUSES if c.get(s)]
            return ", ".join(parts)
        rows = [["feature"] + self.devices] + [[f] + [cell(m[f][d]) for d in self.devices]
                                                for f in m]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
                 for r in rows]
        lines.insert(1, "-+-".join("-" * w for w in widths))
        out = ["arraygrad conformance matrix (cases: one check of one op for one dtype)", *lines]
        totals = {d: sum(sum(m[f][d].values()) for f in m) for d in self.devices}
        if len(set(totals.values())) > 1:
            out += ["", "Case counts differ between columns: the numpy backend is the reference, "
                        "so it runs no cross_backend checks; a device runs only the dtypes it "
                        "supports (no float64 on some); and an expectation file's [suite] may "
                        "limit samples or use one-projection gradient checks (see "
                        "docs/conformance.md)."]
        fails = self.unexpected
        if fails:
            out += ["", f"Unexpected failures ({len(fails)}):"]
            for r in fails:
                where = f" [{r.sample}]" if r.sample else ""
                out.append(f"- {r.device}: {r.feature}/{r.op} {r.check} {r.dtype}{where}")
                out += ["    " + ln for ln in r.reason.splitlines()]
                if snippets and r.snippet:
                    out.append("    reproduce:")
                    out += ["      " + ln for ln in r.snippet.splitlines()]
        xf = [r for r in self.results if r.status == "xfail"]
        if xf:
            out += ["", f"Expected failures ({len(xf)}):"]
            out += [f"- {r.device}: {r.feature}/{r.op} {r.check} {r.dtype}: {r.reason}" for r in xf]
        xp = [r for r in self.results if r.status == "xpass"]
        if xp:
            out += ["", f"Unexpected passes ({len(xp)}; the expectation may be out of date):"]
            out += [f"- {r.device}: {r.feature}/{r.op} {r.check} {r.dtype}" for r in xp]
        for src, st in self.stale.items():
            if st:
                out += ["", f"Entries of {src} that matched no failure (out of date?):"]
                out += [f"- {s}" for s in st]
        verdict = "FAILED" if fails else "passed"
        out += ["", f"{verdict}: {len(self.results)} cases on {len(self.devices)} device(s) in "
                    f"{self.seconds:.1f} s"]
        return "\n".join(out)

    def to_json(self) -> dict:
        return {"devices": self.devices, "matrix": self.matrix(),
                "unexpected_failures": len(self.unexpected), "seconds": round(self.seconds, 3),
                "stale_expectations": self.stale, "results": [asdict(r) for r in self.results]}

    def write_json(self, path) -> None:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_json(), f, indent=1)


def run(backends, *, features=None, ops=None, max_examples: int | None = None,
        expectations_path=None, progress=None) -> Report:
    """Runs the table (optionally some features or op-name patterns) on every device of the given
    backends (names or device strings) and returns the report."""
    t0 = time.perf_counter()
    tgts, seen = [], set()
    for b in backends:  # "array_api_strict" and "array_api_strict:device1" name device1 twice
        for t in targets(b, expectations_path):
            if t.device not in seen:
                seen.add(t.device)
                tgts.append(t)
    rep = Report([t.name for t in tgts])
    # devices whose samples are alike share a memo (the reference's results are reused); a
    # namespace lacking int64/float64 gets its own samples (`fit_sample`), so its own memo
    memos: dict = {}
    table = entries(features, ops)
    partial = bool(features or ops or max_examples)
    files = {id(t.expectations): t.expectations for t in tgts}
    for x in files.values():
        x.reset()
    for t in tgts:
        for e in table:
            if progress is not None:
                progress(t.name, e)
            memo = memos.setdefault(fit_key(t.device), {})
            rep.results += run_entry(e, t, max_examples=max_examples, memo=memo)
    if not partial:  # a partial run cannot tell which entries are out of date
        for x in files.values():
            rep.stale[x.source] = [s.describe() for s in x.stale()]
    rep.seconds = time.perf_counter() - t0
    return rep
