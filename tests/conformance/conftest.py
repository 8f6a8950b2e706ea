"""The conformance table as pytest cases: `conformance_entry` runs over every entry of the table,
and the root conftest's `device` fixture over every selected backend device (`--backend NAME`)."""

from __future__ import annotations

import pytest

from arraygrad import conformance


def pytest_generate_tests(metafunc):
    if "conformance_entry" in metafunc.fixturenames:
        es = conformance.entries()
        metafunc.parametrize("conformance_entry", es, ids=[f"{e.feature}/{e.name}" for e in es])


@pytest.fixture(scope="session")
def conformance_memo() -> dict:
    """Results shared across tests (the numpy backend's, which every other device compares with)."""
    return {}
