"""The conformance table: what each entry is (an op, a scenario, later a module, an optimizer, a
loader), in the spirit of PyTorch's OpInfo. What a backend cannot do lives in expectation files.

Every entry has a `name` and a `feature` (the matrix row: "ops", "autograd", "saving", and later
"modules", "optim", "data") and yields `Case`s: one check of one dtype, run by the runner on one
device. A new kind of entry (a module with a reference function, an optimizer step sequence, a
loader batch sequence) subclasses `Entry` and implements `cases`; the runner needs nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

__all__ = ["Entry", "Case", "OpInfo", "Scenario", "Sample", "View", "OtherDevice", "ErrorInput",
           "CheckFailure", "SkipCase", "TABLE", "register", "entries", "FEATURES"]

# the matrix rows, in the order they are printed
FEATURES = ("ops", "autograd", "saving", "modules", "optim", "data")


class CheckFailure(AssertionError):
    """A check found a difference: the message says what was expected and what came back."""


class SkipCase(Exception):
    """A case that does not apply here (the device has no such dtype, say); the message says why."""


@dataclass
class Sample:
    """One set of inputs. `args` hold host values: NumPy arrays (become tensors of their dtype),
    `View`s (become views of tensors), `OtherDevice`s, or Python scalars (passed as they are)."""

    args: tuple
    kwargs: dict = field(default_factory=dict)
    desc: str = ""
    grad: bool = True  # False: forward only (ties, kinks or poles make finite differences wrong)
    # PyTorch's gradient of the sum of the outputs, one array per leaf (floating array), stated
    # where finite differences cannot judge: ties, NaNs, zeros (checked by "grad_ref")
    grad_ref: tuple | None = None


@dataclass
class View:
    """A non-contiguous view: the tensor of `base`, then `how` ("mT": the transpose of the last two
    dimensions; "step": every other element of the last dimension)."""

    base: object
    how: str


@dataclass
class OtherDevice:
    """A tensor placed on a device other than the one under test (device-mixing error inputs)."""

    value: object


@dataclass
class ErrorInput:
    """Inputs an op must reject, with PyTorch's exception type and a regex its message matches."""

    sample: Sample
    exc: type = RuntimeError
    match: str = ""


@dataclass
class Case:
    """One check of one entry for one dtype; `run(device)` raises CheckFailure or SkipCase."""

    entry: Entry
    check: str
    dtype: str
    run: Callable

    @property
    def key(self) -> str:
        return f"{self.entry.feature}/{self.entry.name}/{self.check}/{self.dtype}"


class Entry:
    """A row of the table; subclasses say which checks it has."""

    name: str     # every subclass sets these two (dataclass fields)
    feature: str

    def cases(self, ctx) -> Iterator[Case]:
        raise NotImplementedError


# how an op's output dtype follows from its inputs, by PyTorch's rules (see checks.expected_dtype)
DTYPE_RULES = ("same", "float", "promote", "promote_float", "bool", "index", "int_or_same")


@dataclass(eq=False)
class OpInfo(Entry):
    """An op of the core.

    name: how it is reported (and, unless `call` says otherwise, `arraygrad.<name>`).
    ref: the NumPy reference, called with host arrays (floating ones as float64) and the kwargs;
      returns an array (or a tuple for several outputs).
    samples(rng, dtype): yields Samples whose arrays have that dtype (and, for promotion, others).
    dtypes: the arraygrad dtype names the op takes.
    out_dtype: a rule name from DTYPE_RULES or a callable(sample_dtypes, sample) -> dtype name.
    grad: 0 (not differentiable), 1 (first derivatives), 2 (and second derivatives).
    errors(): yields ErrorInputs.
    call: a template for the call, e.g. "{0}.mT" or "ag.sum({args})"; default "ag.<name>({args})".
    grad_outputs: for ops with several outputs, which ones carry gradients (None: all floating).
    """

    name: str
    ref: Callable
    samples: Callable[..., Iterable[Sample]]
    dtypes: tuple = ("float32", "float64")
    out_dtype: object = "same"
    grad: int = 1
    errors: Callable[[], Iterable[ErrorInput]] | None = None
    call: str | None = None
    grad_outputs: tuple | None = None
    feature: str = "ops"
    atol: dict = field(default_factory=dict)  # per dtype name, overriding the defaults (stated why)
    rtol: dict = field(default_factory=dict)

    def cases(self, ctx) -> Iterator[Case]:
        from . import checks

        yield from checks.op_cases(self, ctx)


@dataclass(eq=False)
class Scenario(Entry):
    """A composition checked as a whole (a few training steps, a save/load round trip).

    run(device, dtype) returns named host results (NumPy arrays or numbers) and raises
    CheckFailure when something it checks inline goes wrong; reference(results) gives the
    expected values of some of them from NumPy float64; every result is also compared with the
    numpy backend's ("cross_backend").
    """

    name: str
    run: Callable
    feature: str = "autograd"
    reference: Callable | None = None
    dtypes: tuple = ("float64",)
    atol: float = 1e-10
    rtol: float = 1e-10
    doc: str = ""

    def cases(self, ctx) -> Iterator[Case]:
        from . import checks

        yield from checks.scenario_cases(self, ctx)


TABLE: list[Entry] = []


def register(*new: Entry) -> None:
    """Adds entries to the table (the nn, optim and data issues add theirs the same way)."""
    names = {(e.feature, e.name) for e in TABLE}
    for e in new:
        if (e.feature, e.name) in names:
            raise ValueError(f"conformance table: entry {e.feature}/{e.name} is defined twice")
        names.add((e.feature, e.name))
        TABLE.append(e)


def entries(features: Iterable[str] | None = None,
            names: Iterable[str] | None = None) -> list[Entry]:
    """The table's entries, optionally only some features and names (fnmatch patterns)."""
    from fnmatch import fnmatchcase

    from . import catalog  # noqa: F401  (fills TABLE)

    feats = set(features) if features else None
    pats = list(names) if names else None
    return [e for e in TABLE if (feats is None or e.feature in feats)
            and (pats is None or any(fnmatchcase(e.name, p) for p in pats))]
