"""state_dict / load_state_dict (tests for the state-dict half of arraygrad/nn/modules/module.py):
PyTorch's keys and order, a PyTorch state dict converted to arrays loads and gives PyTorch's
outputs, and PyTorch's error messages for missing, unexpected and mis-shaped entries."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from tests._gradients import to_numpy


def _build(lib):
    class Block(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = lib.nn.Linear(6, 5)
            self.gain = lib.nn.Parameter(lib.ones(5))
            self.register_buffer("shift", lib.zeros(5))
            self.register_buffer("cache", lib.zeros(1), persistent=False)
            self.heads = lib.nn.ModuleList([lib.nn.Linear(5, 3), lib.nn.Linear(5, 3)])
            self.extra = lib.nn.ModuleDict({"out": lib.nn.Linear(3, 2, bias=False)})
            self.scales = lib.nn.ParameterList([lib.ones(2), lib.ones(2)])

        def forward(self, x):
            h = (self.proj(x) + self.shift) * self.gain
            h = self.heads[0](h) + self.heads[1](h)
            return self.extra["out"](h) * self.scales[0] + self.scales[1]

    return lib.nn.Sequential(lib.nn.Flatten(), lib.nn.Linear(6, 6), Block())


@pytest.mark.parity
def test_pytorch_state_dict_loads_and_gives_pytorch_outputs(torch, device):
    torch.manual_seed(0)
    theirs = _build(torch)
    with torch.no_grad():
        theirs[2].shift.normal_()
        theirs[2].scales[1].normal_()
    ours = _build(ag).to(device)
    sd_theirs = theirs.state_dict()
    assert list(ours.state_dict()) == list(sd_theirs)
    converted = {k: ag.tensor(v.numpy(), device=device) for k, v in sd_theirs.items()}
    result = ours.load_state_dict(converted)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    x = np.random.default_rng(0).standard_normal((4, 2, 3)).astype(np.float32)
    expected = theirs(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(to_numpy(ours(ag.tensor(x, device=device))), expected,
                               rtol=1e-5, atol=1e-6)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]


def test_state_dict_values_are_detached_and_share_memory():
    lin = nn.Linear(2, 2)
    sd = lin.state_dict()
    assert not sd["weight"].requires_grad and sd["weight"].grad_fn is None
    with ag.no_grad():
        lin.weight.fill_(3.0)
    assert float(sd["weight"].sum()) == 12.0
    kept = lin.state_dict(keep_vars=True)
    assert kept["weight"] is lin.weight
    assert list(lin.state_dict(prefix="m.")) == ["m.weight", "m.bias"]


def test_load_copies_in_place_keeping_parameter_identity_and_device():
    lin = nn.Linear(2, 2).to("dask")
    w = lin.weight
    lin.load_state_dict({"weight": ag.ones(2, 2, dtype=ag.float64), "bias": ag.zeros(2)})
    assert lin.weight is w and w.device == ag.device("dask") and w.dtype is ag.float32
    assert float(w.sum()) == 4.0 and w.requires_grad


def test_load_with_assign_replaces_parameters():
    lin = nn.Linear(2, 2)
    new_w = ag.ones(2, 2)
    lin.load_state_dict({"weight": new_w, "bias": ag.zeros(2)}, assign=True)
    assert isinstance(lin.weight, nn.Parameter) and lin.weight.requires_grad
    with ag.no_grad():
        new_w.fill_(5.0)
    assert float(lin.weight.sum()) == 20.0


@pytest.mark.parity
def test_errors_list_missing_unexpected_and_mismatched_as_pytorch(torch):
    def load(lib, state):
        net = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Linear(3, 1))
        try:
            net.load_state_dict(state)
        except RuntimeError as e:
            return str(e)
        raise AssertionError("no error")

    def state(lib):
        return {"0.weight": lib.zeros(3, 2), "0.bias": lib.zeros(4), "1.bias": lib.zeros(1),
                "1.scale": lib.zeros(1), "2.weight": lib.zeros(1)}

    ours, theirs = load(ag, state(ag)), load(torch, state(torch))
    assert ours == theirs.replace("torch.Size", "arraygrad.Size")
    assert 'Missing key(s) in state_dict: "1.weight".' in ours
    assert 'Unexpected key(s) in state_dict: "2.weight", "1.scale".' in ours
    assert "size mismatch for 0.bias" in ours


def test_non_strict_load_reports_keys_but_still_raises_on_shapes():
    net = nn.Sequential(nn.Linear(2, 3))
    res = net.load_state_dict({"0.weight": ag.ones(3, 2), "junk": ag.zeros(1)}, strict=False)
    assert res.missing_keys == ["0.bias"] and res.unexpected_keys == ["junk"]
    assert float(net[0].weight.sum()) == 6.0
    with pytest.raises(RuntimeError, match="size mismatch for 0.weight"):
        net.load_state_dict({"0.weight": ag.ones(2, 2)}, strict=False)
    with pytest.raises(RuntimeError, match="expected torch.Tensor"):
        net.load_state_dict({"0.weight": [[1.0]] * 3, "0.bias": ag.zeros(3)})
    with pytest.raises(TypeError, match="dict-like"):
        net.load_state_dict([("0.weight", ag.ones(3, 2))])


def test_load_overwrites_non_finite_parameters():
    lin = nn.Linear(2, 2)
    with ag.no_grad():
        lin.weight.fill_(float("nan"))
    lin.load_state_dict({"weight": ag.ones(2, 2), "bias": ag.zeros(2)})
    assert float(lin.weight.sum()) == 4.0


def test_non_persistent_buffers_and_none_entries_are_skipped():
    m = nn.Module()
    m.register_buffer("a", ag.zeros(1), persistent=False)
    m.register_buffer("b", None)
    m.register_parameter("c", None)
    assert list(m.state_dict()) == []
    assert m.load_state_dict({}).missing_keys == []


def test_state_dict_survives_save_and_load(tmp_path):
    net = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    ag.save(net.state_dict(), tmp_path / "net.ag")
    other = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    other.load_state_dict(ag.load(tmp_path / "net.ag"))
    x = ag.randn(4, 3)
    np.testing.assert_array_equal(to_numpy(other(x)), to_numpy(net(x)))
