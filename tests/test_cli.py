"""The `arraygrad` command and every example describe themselves in full with --help."""

from __future__ import annotations

import importlib.util
import pathlib

import pytest

from arraygrad import cli

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def test_arraygrad_help_shows_every_command_in_full(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert "arraygrad quickstart" in out and "arraygrad conformance" in out
    assert "Run `arraygrad COMMAND --help`" in out


@pytest.mark.parametrize("path", sorted(p for p in EXAMPLES.glob("*.py")
                                        if not p.name.startswith("_")), ids=lambda p: p.stem)
def test_example_help_shows_its_defaults(path, capsys):
    spec = importlib.util.spec_from_file_location(f"_help_{path.stem}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with pytest.raises(SystemExit) as e:
        mod.main(["--help"])
    assert e.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    device_help = out.split("--device DEVICE", 2)[-1].split(" --", 1)[0]
    assert "(default: " in device_help, "--device's help should say its default"
    assert " ".join(mod.__doc__.split()) in out, "the description should be the whole docstring"
