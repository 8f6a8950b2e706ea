"""`arraygrad conformance`: the matrix, JSON, exit codes, and namespaces that no one registered."""

from __future__ import annotations

import json

import numpy as np
import pytest

from arraygrad import backends, cli, conformance
from arraygrad.conformance import table
from arraygrad.conformance.catalog._samples import unary

_FEW = ["--op", "exp", "--op", "add", "--op", "sum", "--feature", "ops", "--max-examples", "2",
        "-q"]


def test_backend_subset_passes_and_writes_json(tmp_path, capsys):
    out = tmp_path / "report.json"
    assert cli.main(["conformance", "--backend", "numpy", "--json", str(out), *_FEW]) == 0
    text = capsys.readouterr().out
    assert "feature" in text and "cpu" in text and "passed:" in text
    rep = json.loads(out.read_text())
    assert rep["unexpected_failures"] == 0
    assert rep["matrix"]["ops"]["cpu"]["pass"] > 0
    assert {r["op"] for r in rep["results"]} == {"exp", "add", "sum"}


def test_array_api_strict_runs_on_both_of_its_devices(capsys):
    assert cli.main(["conformance", "--backend", "array_api_strict", *_FEW]) == 0
    header = capsys.readouterr().out.splitlines()[1]
    assert "array_api_strict" in header and "array_api_strict:device1" in header


def test_a_device_named_twice_is_run_once(capsys):
    argv = ["conformance", "--backend", "array_api_strict", "--backend", "array_api_strict:device1"]
    assert cli.main(argv + _FEW) == 0
    header = capsys.readouterr().out.splitlines()[1]
    assert header.count("array_api_strict:device1") == 1


def test_unexpected_failure_exits_1_with_reason_and_snippet(monkeypatch, capsys):
    bad = conformance.OpInfo("bad_exp", np.sin, unary(), dtypes=("float64",), grad=0,
                             call="ag.exp({args})")
    monkeypatch.setattr(table, "TABLE", [bad])
    assert cli.main(["conformance", "--backend", "numpy", "-q"]) == 1
    text = capsys.readouterr().out
    assert "Unexpected failures" in text and "bad_exp forward float64" in text
    assert "reproduce:" in text and "out = ag.exp(x0)" in text


@pytest.mark.parametrize("namespace, name", [("array_api_strict", "strict_again"),
                                             ("array_api_compat.numpy", None)])
def test_namespace_not_registered_anywhere_runs(namespace, name, capsys):
    args = ["conformance", "--namespace", namespace, *_FEW]
    if name:
        args += ["--backend", name]
    assert cli.main(args) == 0
    registered = name or namespace.replace(".", "_")
    assert registered in backends.names()
    assert registered in capsys.readouterr().out


def test_unknown_backend_exits_2_naming_it(capsys):
    assert cli.main(["conformance", "--backend", "no_such_library", "-q"]) == 2
    assert "no_such_library" in capsys.readouterr().err


def test_list_prints_every_entry(capsys):
    assert cli.main(["conformance", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(conformance.entries())
    assert any(ln.split() == ["autograd", "mlp_training"] for ln in lines)


def test_backend_from_an_entry_point_runs_by_name(tmp_path, monkeypatch, capsys):
    import importlib

    dist = tmp_path / "fakelib-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: fakelib\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[arraygrad.backends]\nfakelib = array_api_strict\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    monkeypatch.setattr(backends, "_entry_points_read", False)
    assert cli.main(["conformance", "--backend", "fakelib", *_FEW]) == 0
    assert "fakelib" in capsys.readouterr().out


def test_namespace_of_a_builtin_backend_keeps_its_adapter(capsys):
    """`--namespace array_api_strict` (the example in --help) runs the built-in adapter, with
    its devices, instead of swapping in a generic one."""
    assert cli.main(["conformance", "--namespace", "array_api_strict", *_FEW]) == 0
    assert "array_api_strict:device1" in capsys.readouterr().out
    assert type(backends.get("array_api_strict")).__name__ != "Backend"


def test_namespace_under_a_taken_name_exits_2_in_one_line(capsys):
    argv = ["conformance", "--namespace", "array_api_compat.numpy", "--backend", "dask", "-q"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "already the name of a backend" in err and len(err.strip().splitlines()) == 1


def test_namespace_is_found_in_the_current_directory(tmp_path, monkeypatch, capsys):
    (tmp_path / "mylib_here.py").write_text("from array_api_compat.numpy import *  # noqa\n"
                                            "from array_api_compat.numpy import "
                                            "__array_namespace_info__  # noqa\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.path", [p for p in __import__("sys").path if p not in ("", ".")])
    assert cli.main(["conformance", "--namespace", "mylib_here", "--op", "exp", "--feature",
                     "ops", "--max-examples", "1", "-q"]) == 0
    assert "mylib_here" in capsys.readouterr().out


def test_an_error_inside_a_run_exits_2_with_one_line(monkeypatch, capsys):
    def boom(*a, **k):
        raise ValueError("the table\nis broken")

    monkeypatch.setattr(conformance, "run", boom)
    assert cli.main(["conformance", "--backend", "numpy", "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "arraygrad conformance: ValueError: the table is broken"


def test_progress_counts_entries_with_elapsed_time(capsys):
    assert cli.main(["conformance", "--backend", "numpy", "--op", "exp", "--op", "sin",
                     "--feature", "ops", "--max-examples", "1"]) == 0
    err = capsys.readouterr().err
    assert "ops on cpu: 2/2 entries" in err and "s elapsed" in err


def test_matrix_explains_why_case_counts_differ(capsys):
    assert cli.main(["conformance", "--backend", "numpy", "--backend", "dask", *_FEW]) == 0
    assert "Case counts differ between columns" in capsys.readouterr().out
