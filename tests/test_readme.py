"""README.md stays true: its Python example runs, and its two commands are the ones CI runs."""

from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_python_examples_run_in_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples write files (a saved trace)
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert blocks
    names: dict = {}  # later blocks continue the first one, as a reader runs them
    for code in blocks:
        exec(compile(code, "README.md", "exec"), names)


def test_ci_runs_the_readme_test_command():
    first = re.search(r"```bash\n(.*?)```", README, re.S).group(1).splitlines()
    test_cmd = next(line for line in first if "# the tests" in line).split("#")[0].strip()
    pytest_cmd = test_cmd.split("&&")[-1].strip()
    install = test_cmd.split("&&")[0].strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert pytest_cmd in ci and install.replace("python -m pip install", "").strip() in ci
