"""is_tensor, numel, is_nonzero and the Tensor.new_* / type_as names a porter reaches for first."""

from __future__ import annotations

import pytest

import arraygrad as ag


def test_is_tensor_and_numel():
    x = ag.zeros(2, 3)
    assert ag.is_tensor(x) and not ag.is_tensor([1]) and ag.numel(x) == 6
    with pytest.raises(TypeError, match="numel"):
        ag.numel([1, 2])


def test_is_nonzero_follows_pytorch():
    assert ag.is_nonzero(ag.tensor([1.5])) and not ag.is_nonzero(ag.tensor(0))
    with pytest.raises(RuntimeError, match="more than one value"):
        ag.is_nonzero(ag.ones(2))


def test_new_factories_take_self_dtype_and_device(device):
    x = ag.ones(2, dtype=ag.float64, device=device)
    for t in (x.new_zeros(3), x.new_ones((3,)), x.new_empty(3), x.new_full((3,), 2.0),
              x.new_tensor([1, 2, 3])):
        assert t.dtype == ag.float64 and t.device == x.device and t.shape == (3,)
    assert x.new_full((2,), 7).tolist() == [7.0, 7.0]
    assert x.new_zeros(2, dtype=ag.int32).dtype == ag.int32
    assert x.new_ones(2, requires_grad=True).requires_grad


def test_new_tensor_copies_and_detaches():
    w = ag.ones(2, requires_grad=True)
    c = w.new_tensor(w)
    assert not c.requires_grad and c.is_leaf


def test_type_as(device):
    a = ag.tensor([1, 2], device=device)
    b = ag.zeros(1, dtype=ag.float64, device=device)
    assert a.type_as(b).dtype == ag.float64 and b.type_as(b) is b


@pytest.mark.parity
def test_new_full_dtype_matches_pytorch(torch):
    t = torch.ones(2, dtype=torch.int32).new_full((2,), 7)
    a = ag.ones(2, dtype=ag.int32).new_full((2,), 7)
    assert str(t.dtype).split(".")[1] == a.dtype.name
