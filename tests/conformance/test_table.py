"""The table itself: every op of the core has an entry, names are unique, and entries are well
formed (dtypes known, references given, features from the matrix's rows)."""

from __future__ import annotations

import re

import pytest

import arraygrad as ag
from arraygrad import conformance
from arraygrad.conformance.table import DTYPE_RULES

_FAMILIES = ["elementwise", "reduction", "comparison", "shape", "indexing", "linalg", "sorting"]


def _covered() -> set:
    ids = set()
    for e in conformance.entries(["ops"]):
        for n in re.findall(r"ag\.([A-Za-z_]\w*)", e.call or f"ag.{e.name}("):
            ids.add(id(getattr(ag, n)))
    return ids


@pytest.mark.parametrize("family", _FAMILIES)
def test_every_op_of_the_family_has_an_entry(family):
    mod = __import__(f"arraygrad.core.ops.{family}", fromlist=["__all__"])
    covered = _covered()
    missing = [n for n in mod.__all__ if id(getattr(mod, n)) not in covered]
    assert not missing, f"ops of {family} without a conformance entry: {missing}"


def test_every_creation_function_has_an_entry():
    covered = _covered()
    host_only = {"from_numpy", "as_tensor", "asarray", "frombuffer_uint8"}  # no device argument
    missing = [n for n in ag.core.creation.__all__
               if n not in host_only and id(getattr(ag, n)) not in covered]
    assert not missing, f"creation functions without a conformance entry: {missing}"


def test_entry_names_are_unique_per_feature():
    keys = [(e.feature, e.name) for e in conformance.entries()]
    assert len(keys) == len(set(keys))


def test_entries_are_well_formed():
    for e in conformance.entries():
        assert e.feature in conformance.FEATURES, e.name
        for d in e.dtypes:
            assert isinstance(getattr(ag, d), ag.dtype), (e.name, d)
        if isinstance(e, conformance.OpInfo):
            rules = e.out_dtype if isinstance(e.out_dtype, tuple) else (e.out_dtype,)
            assert all(callable(r) or r in DTYPE_RULES for r in rules), e.name
            assert e.grad in (0, 1, 2), e.name


def test_register_refuses_a_second_entry_of_the_same_name():
    e = conformance.entries(names=["exp"])[0]
    with pytest.raises(ValueError, match="defined twice"):
        conformance.register(e)


def test_features_include_room_for_modules_optim_and_data():
    assert {"ops", "autograd", "saving", "modules", "optim", "data"} <= set(conformance.FEATURES)
