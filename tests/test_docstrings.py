"""Every public function, class and Tensor method has a docstring (one line of what, the PyTorch
name it mirrors, where arraygrad differs): a porter reads them with help()."""

from __future__ import annotations

import importlib
import inspect
import types

import pytest

import arraygrad as ag

NAMESPACES = ["arraygrad", "arraygrad.autograd", "arraygrad.nn", "arraygrad.nn.functional",
              "arraygrad.nn.init", "arraygrad.nn.utils", "arraygrad.optim",
              "arraygrad.optim.lr_scheduler", "arraygrad.data", "arraygrad.backends",
              "arraygrad.array_api", "arraygrad.jit"]


def _documented(obj) -> bool:
    doc = inspect.getdoc(obj) if not isinstance(obj, property) else obj.__doc__
    if isinstance(obj, type) and obj.__doc__ is None:
        return False
    return bool((doc or "").strip())


def _public(modname: str):
    try:
        mod = importlib.import_module(modname)
    except ImportError:
        return []
    names = getattr(mod, "__all__", None) or [n for n in dir(mod) if not n.startswith("_")]
    out = []
    for n in names:
        v = getattr(mod, n, None)
        if v is None or isinstance(v, types.ModuleType) or not callable(v):
            continue
        if isinstance(v, type) and issubclass(v, BaseException):
            continue
        if type(v).__module__ == "builtins" and not inspect.isfunction(v):
            continue  # re-exported builtins and dtype objects
        out.append((f"{modname}.{n}", v))
    return out


@pytest.mark.parametrize("modname", NAMESPACES)
def test_public_functions_and_classes_have_docstrings(modname):
    missing = sorted(name for name, v in _public(modname) if not _documented(v))
    assert not missing, f"{len(missing)} public names without a docstring: {missing}"


def test_tensor_methods_have_docstrings():
    missing = []
    for n in dir(ag.Tensor):
        if n.startswith("_"):
            continue
        attr = inspect.getattr_static(ag.Tensor, n)
        if isinstance(attr, (staticmethod, classmethod)):
            attr = attr.__func__
        if callable(attr) or isinstance(attr, property):
            if not _documented(attr):
                missing.append(n)
    assert not missing, f"{len(missing)} Tensor methods without a docstring: {missing}"
