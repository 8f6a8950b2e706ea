"""Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict (tests for
arraygrad/nn/modules/container.py), plus Flatten/Unflatten/Identity (modules/flatten.py)."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from tests._gradients import to_numpy


def _seq():
    return nn.Sequential(nn.Linear(2, 3), nn.Identity(), nn.Linear(3, 1))


def test_sequential_runs_modules_in_order(device):
    seq = _seq().to(device)
    x = ag.randn(4, 2, device=device)
    expected = seq[2](seq[0](x))
    np.testing.assert_allclose(to_numpy(seq(x)), to_numpy(expected), rtol=1e-6)


def test_sequential_indexing_slicing_and_len():
    seq = _seq()
    assert len(seq) == 3
    assert isinstance(seq[0], nn.Linear) and seq[-1] is seq[2]
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and len(sub) == 2 and sub[1] is seq[2]
    assert list(sub._modules) == ["1", "2"]  # slices keep the original keys, as PyTorch's
    with pytest.raises(IndexError, match="out of range"):
        seq[3]
    assert list(iter(seq)) == [seq[0], seq[1], seq[2]]


def test_sequential_from_ordered_dict_keeps_names():
    seq = nn.Sequential(OrderedDict(first=nn.Linear(2, 2), act=nn.Identity()))
    assert [k for k, _ in seq.named_children()] == ["first", "act"]
    assert list(seq.state_dict()) == ["first.weight", "first.bias"]


def test_sequential_append_insert_extend_pop_del_renumber():
    a, b, c, d = (nn.Identity() for _ in range(4))
    seq = nn.Sequential(a)
    seq.append(c).insert(1, b)
    seq.extend([d])
    assert list(seq) == [a, b, c, d] and list(seq._modules) == ["0", "1", "2", "3"]
    assert seq.pop(1) is b
    del seq[0]
    assert list(seq) == [c, d] and list(seq._modules) == ["0", "1"]
    seq[0] = a
    assert seq[0] is a
    del seq[:]
    assert len(seq) == 0


def test_sequential_add_and_iadd():
    s1, s2 = nn.Sequential(nn.Identity()), nn.Sequential(nn.Identity(), nn.Identity())
    assert len(s1 + s2) == 3
    s1 += s2
    assert len(s1) == 3
    with pytest.raises(ValueError, match="only objects of Sequential"):
        s1 + nn.Identity()


def test_module_list_indexing_and_mutation():
    ml = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    assert len(ml) == 3 and isinstance(ml[1:], nn.ModuleList) and len(ml[1:]) == 2
    ml.append(nn.Identity())
    ml.insert(0, nn.Identity())
    ml.extend([nn.Identity()])
    ml += [nn.Identity()]
    assert len(ml) == 7 and isinstance(ml[0], nn.Identity)
    del ml[0]
    assert list(ml._modules) == [str(i) for i in range(6)]
    assert isinstance(ml.pop(0), nn.Linear)
    assert len(list(ml.parameters())) == 4
    with pytest.raises(IndexError):
        ml[10]
    with pytest.raises(TypeError, match="iterable"):
        ml.extend(nn.Linear(1, 1))
    assert len(ml + nn.ModuleList([nn.Identity()])) == len(ml) + 1


def test_module_list_repr_compresses_repeats_as_pytorch(torch):
    ours = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.Identity(), nn.Linear(2, 2)])
    theirs = torch.nn.ModuleList([torch.nn.Linear(2, 2), torch.nn.Linear(2, 2),
                                  torch.nn.Identity(), torch.nn.Linear(2, 2)])
    assert repr(ours) == repr(theirs)
    assert repr(nn.ModuleList()) == repr(torch.nn.ModuleList())


def test_module_dict():
    md = nn.ModuleDict({"b": nn.Linear(1, 1), "a": nn.Identity()})
    assert list(md.keys()) == ["b", "a"] and "a" in md and len(md) == 2
    md["c"] = nn.Identity()
    md.update([("d", nn.Identity())])
    assert list(md) == ["b", "a", "c", "d"]
    assert isinstance(md.pop("b"), nn.Linear) and "b" not in md
    del md["a"]
    assert [k for k, _ in md.items()] == ["c", "d"] and len(list(md.values())) == 2
    md.clear()
    assert len(md) == 0
    with pytest.raises(ValueError, match="length 1; 2 is required"):
        md.update([("x",)])


def test_parameter_list_wraps_tensors_and_registers_them(device):
    pl = nn.ParameterList([ag.zeros(2, device=device), nn.Parameter(ag.ones(3, device=device))])
    assert all(isinstance(p, nn.Parameter) for p in pl)
    pl.append(ag.zeros(1, device=device))
    pl.extend([ag.zeros(4, device=device)])
    assert len(pl) == 4 and list(pl.state_dict()) == ["0", "1", "2", "3"]
    assert len(list(pl.parameters())) == 4 and len(pl[1:3]) == 2
    pl[0] = ag.full((2,), 5.0, device=device)
    assert float(pl[0].sum()) == 10.0 and isinstance(pl[0], nn.Parameter)
    with pytest.raises(RuntimeError, match="should not be called"):
        pl(1)


def test_parameter_list_and_dict_repr_as_pytorch(torch):
    for ours, theirs in [
        (nn.ParameterList([ag.zeros(2, 3)]), torch.nn.ParameterList([torch.zeros(2, 3)])),
        (nn.ParameterList([ag.zeros(2), ag.zeros(1, 4)]),
         torch.nn.ParameterList([torch.zeros(2), torch.zeros(1, 4)])),
    ]:
        assert repr(ours) == repr(theirs).replace("torch.", "arraygrad.")
    ours = nn.ParameterDict({"w": ag.zeros(4), "v": ag.zeros(2, 2, dtype=ag.float64)})
    theirs = torch.nn.ParameterDict({"w": torch.zeros(4),
                                     "v": torch.zeros(2, 2, dtype=torch.float64)})
    assert repr(ours) == repr(theirs).replace("torch.", "arraygrad.")


def test_parameter_dict():
    pd = nn.ParameterDict({"b": ag.zeros(1), "a": ag.ones(1)})
    assert list(pd) == ["a", "b"]  # a plain dict's items are sorted, as PyTorch does
    pd["c"] = nn.Parameter(ag.zeros(2))
    assert "c" in pd and len(pd) == 3 and pd.get("zz") is None
    assert list(pd.state_dict()) == ["a", "b", "c"]
    assert isinstance(pd.pop("a"), nn.Parameter) and "a" not in pd
    k, v = pd.popitem()
    assert k == "c" and tuple(v.shape) == (2,)
    assert pd.setdefault("d", ag.zeros(3)).shape == (3,)
    merged = pd | nn.ParameterDict({"e": ag.zeros(1)})
    assert list(merged) == ["b", "d", "e"] and len(pd.copy()) == 2
    pd.clear()
    assert len(pd) == 0
    with pytest.raises(TypeError, match="not a string"):
        pd[1] = ag.zeros(1)


def test_flatten_and_unflatten(device):
    x = ag.randn(2, 3, 4, 5, device=device)
    assert tuple(nn.Flatten()(x).shape) == (2, 60)
    assert tuple(nn.Flatten(0, 2)(x).shape) == (24, 5)
    y = nn.Unflatten(1, (3, 20))(nn.Flatten()(x))
    assert tuple(y.shape) == (2, 3, 20)
    assert tuple(nn.Unflatten(-1, (-1, 2))(ag.zeros(3, 8, device=device)).shape) == (3, 4, 2)
    assert nn.Identity(1, k=2)(x) is x


def test_unflatten_argument_errors():
    with pytest.raises(TypeError, match="tuple of ints"):
        nn.Unflatten(1, 3)
    with pytest.raises(TypeError, match="element of type float"):
        nn.Unflatten(1, (2, 1.5))
