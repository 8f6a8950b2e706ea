"""`arraygrad.conformance`: the table of ops and scenarios, the checks, per-backend expectation
files and the runner behind `arraygrad conformance` (see docs/conformance.md)."""

from __future__ import annotations

from .checks import Context, expected_dtype, torch_result_type
from .expectations import Expectations, load as load_expectations
from .runner import Report, Result, Target, run, run_entry, targets
from .table import (FEATURES, TABLE, Case, CheckFailure, Entry, ErrorInput, OpInfo, OtherDevice,
                    Sample, Scenario, SkipCase, View, entries, register)

__all__ = ["run", "run_entry", "targets", "Report", "Result", "Target", "Context", "entries",
           "register", "TABLE", "FEATURES", "Entry", "Case", "OpInfo", "Scenario", "Sample", "View",
           "OtherDevice", "ErrorInput", "CheckFailure", "SkipCase", "Expectations",
           "load_expectations", "expected_dtype", "torch_result_type"]
