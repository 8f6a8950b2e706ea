"""default_collate / default_convert: what each kind of sample becomes, and the errors."""

from collections import namedtuple

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.data import default_collate, default_convert


def test_tensors_stack_on_their_device(device):
    batch = [ag.full((2,), float(i), device=device) for i in range(3)]
    out = default_collate(batch)
    assert out.shape == (3, 2) and out.device == ag.device(device)
    assert out.tolist() == [[0, 0], [1, 1], [2, 2]]


def test_numbers_arrays_strings():
    assert default_collate([1, 2]).dtype is ag.int64
    assert default_collate([1.5, 2.0]).dtype is ag.float64
    assert default_collate(["a", "b"]) == ["a", "b"]
    arr = default_collate([np.zeros((2, 2), np.uint8), np.ones((2, 2), np.uint8)])
    assert arr.dtype is ag.uint8 and arr.shape == (2, 2, 2)
    sc = default_collate([np.float32(1), np.float32(2)])
    assert sc.dtype is ag.float32 and sc.tolist() == [1.0, 2.0]


def test_tuples_become_lists_dicts_and_namedtuples_keep_their_type():
    Pair = namedtuple("Pair", "x y")
    out = default_collate([(ag.zeros(2), 0), (ag.ones(2), 1)])
    assert isinstance(out, list) and out[0].shape == (2, 2) and out[1].tolist() == [0, 1]
    d = default_collate([{"a": 1, "b": [1.0, 2.0]}, {"a": 2, "b": [3.0, 4.0]}])
    assert d["a"].tolist() == [1, 2] and [t.tolist() for t in d["b"]] == [[1, 3], [2, 4]]
    p = default_collate([Pair(1, 2), Pair(3, 4)])
    assert isinstance(p, Pair) and p.x.tolist() == [1, 3]


def test_shape_mismatch_names_the_field_and_shapes():
    batch = [{"image": ag.zeros(3, 4), "label": 0}, {"image": ag.zeros(3, 5), "label": 1}]
    with pytest.raises(RuntimeError, match=r"field \['image'\].*sample 0 has shape \(3, 4\) and "
                                           r"sample 1 has shape \(3, 5\)"):
        default_collate(batch)
    with pytest.raises(RuntimeError, match=r"field \[1\]"):
        default_collate([(0, ag.zeros(2)), (1, ag.zeros(3))])


def test_uncollatable_types_and_unequal_lengths():
    with pytest.raises(TypeError, match="found <class 'object'>"):
        default_collate([object(), object()])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="found <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])


def test_default_convert_converts_arrays_only():
    out = default_convert({"a": np.arange(3), "b": "s", "c": (np.float64(2.0), 1)})
    assert isinstance(out["a"], ag.Tensor) and out["b"] == "s"
    assert out["c"][0].dtype is ag.float64 and out["c"][0].shape == () and out["c"][1] == 1


def test_matches_pytorch_structure(torch):
    import torch.utils.data as tud

    samples = [{"x": np.full(2, i, np.float32), "y": (i, float(i))} for i in range(3)]
    ours, theirs = default_collate(samples), tud.default_collate(samples)
    assert ours["x"].tolist() == theirs["x"].tolist()
    assert type(ours["y"]) is type(theirs["y"]) and ours["y"][1].dtype.name == "float64"
    assert str(theirs["y"][1].dtype) == "torch.float64"
