"""Expectation files: parsed strictly, matched by pattern, and an entry that matches no failure
is reported as out of date."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import conformance
from arraygrad.conformance import expectations
from arraygrad.conformance.catalog._samples import unary

_GOOD = """
[suite]
devices = ["CPU_DEVICE"]
gradcheck = "fast"
ci_max_examples = 3

[[expect]]
status = "xfail"
op = "exp"
check = "forward"
reason = "the library has no exp"
"""


def test_parse_reads_suite_settings_and_entries():
    e = expectations.parse(_GOOD)
    assert e.devices == ["CPU_DEVICE"] and e.gradcheck == "fast" and e.ci_max_examples == 3
    assert e.entries[0].op == "exp" and e.entries[0].dtype == "*"


@pytest.mark.parametrize("text, match", [
    ('[[expect]]\nstatus = "xfail"\nop = "exp"\n', "needs a reason"),
    ('[[expect]]\nstatus = "maybe"\nreason = "x"\n', "status"),
    ('[[expect]]\nstatus = "skip"\nreason = "x"\nopp = "exp"\n', "unknown keys"),
    ('[suite]\ngradcheck = "quick"\n', "gradcheck"),
    ('[suites]\n', "unknown top-level"),
])
def test_malformed_file_raises_naming_the_problem(text, match):
    with pytest.raises(ValueError, match=match):
        expectations.parse(text, "mine.toml")


def test_patterns_match_cases():
    e = expectations.parse(_GOOD).entries[0]
    assert e.matches("ops", "exp", "forward", "float32", "cpu")
    assert not e.matches("ops", "exp2", "forward", "float32", "cpu")
    assert not e.matches("ops", "exp", "grad", "float64", "cpu")


def test_shipped_files_parse():
    for name in ("numpy", "array_api_strict", "dask"):
        exp = expectations.load(name)
        assert exp.source.endswith(f"{name}.toml")
        assert all(x.reason for x in exp.entries)


def _run(entry, text):
    exp = expectations.parse(text)
    return exp, conformance.run_entry(entry, conformance.Target(ag.device("cpu"), exp))


def test_failure_matched_by_expectation_is_xfail_with_reason():
    wrong = conformance.OpInfo("exp", np.sin, unary(), dtypes=("float64",), grad=0)
    exp, rs = _run(wrong, _GOOD)
    fwd = [r for r in rs if r.check == "forward"][0]
    assert fwd.status == "xfail" and "the library has no exp" in fwd.reason
    assert exp.stale() == []


def test_expectation_on_passing_case_is_xpass_and_stale():
    right = conformance.OpInfo("exp", np.exp, unary(), dtypes=("float64",), grad=0)
    exp, rs = _run(right, _GOOD)
    assert [r.status for r in rs if r.check == "forward"] == ["xpass"]
    assert exp.stale() == exp.entries


def test_expectation_matching_nothing_is_stale():
    right = conformance.OpInfo("exp", np.exp, unary(), dtypes=("float64",), grad=0)
    exp, _ = _run(right, _GOOD.replace('op = "exp"', 'op = "no_such_op"'))
    assert exp.stale() == exp.entries and exp.entries[0].matched == 0


def test_skip_expectation_does_not_run_the_case():
    boom = conformance.OpInfo("exp", lambda x: 1 / 0, unary(), dtypes=("float64",), grad=0)
    text = _GOOD.replace('status = "xfail"', 'status = "skip"')
    _, rs = _run(boom, text)
    fwd = [r for r in rs if r.check == "forward"][0]
    assert fwd.status == "skip" and "expected: the library has no exp" in fwd.reason
