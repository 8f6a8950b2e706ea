"""ag.set_printoptions changes how tensors print, as torch.set_printoptions does."""

from __future__ import annotations

import pytest

import arraygrad as ag


@pytest.fixture(autouse=True)
def _restore():
    yield
    ag.set_printoptions(profile="default")


def test_precision_and_profile():
    ag.set_printoptions(precision=2)
    assert repr(ag.tensor([1.2345, 2.0])) == "tensor([1.23, 2.00])"
    ag.set_printoptions(profile="default")
    assert repr(ag.tensor([1.2345, 2.0])) == "tensor([1.2345, 2.0000])"
    assert ag.get_printoptions()["precision"] == 4


def test_threshold_and_edgeitems_summarise():
    ag.set_printoptions(threshold=5, edgeitems=1)
    assert repr(ag.arange(10)) == "tensor([0,  ..., 9])"  # two spaces, as PyTorch
    ag.set_printoptions(profile="full")
    assert "..." not in repr(ag.arange(2000))


def test_unknown_profile_raises():
    with pytest.raises(ValueError, match="profile"):
        ag.set_printoptions(profile="tiny")


@pytest.mark.parity
@pytest.mark.parametrize("opts", [dict(precision=2), dict(sci_mode=True),
                                  dict(threshold=5, edgeitems=2), dict(linewidth=30)])
def test_prints_as_pytorch(torch, opts):
    vals = [[0.001234, 12.5, -3.0, 7.25, 100.0, 1.5, 2.5, 3.5]]
    torch.set_printoptions(**opts)
    ag.set_printoptions(**opts)
    try:
        assert repr(ag.tensor(vals)) == repr(torch.tensor(vals))
    finally:
        torch.set_printoptions(profile="default")
