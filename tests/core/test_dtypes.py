"""dtypes: PyTorch's aliases, the default dtype, and PyTorch's promotion rules."""

from __future__ import annotations

import itertools

import pytest

import arraygrad as ag

_COMMON = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
           "complex64", "complex128"]


def test_aliases_are_the_same_objects():
    assert ag.float is ag.float32 and ag.double is ag.float64 and ag.half is ag.float16
    assert ag.long is ag.int64 and ag.int is ag.int32 and ag.short is ag.int16
    assert ag.cfloat is ag.complex64 and ag.cdouble is ag.complex128


def test_dtype_properties():
    assert ag.float32.is_floating_point and not ag.int64.is_floating_point
    assert ag.complex64.is_complex and not ag.float64.is_complex
    assert ag.int8.is_signed and not ag.uint8.is_signed
    assert ag.float64.itemsize == 8 and ag.bool.itemsize == 1


def test_dtype_repr():
    assert repr(ag.float32) == "arraygrad.float32"
    assert str(ag.int64) == "arraygrad.int64"


def test_dtypes_pickle_to_the_same_object():
    import pickle

    assert pickle.loads(pickle.dumps(ag.float64)) is ag.float64


def test_default_dtype_is_float32():
    assert ag.get_default_dtype() is ag.float32


def test_set_default_dtype_float64_changes_float_creation():
    ag.set_default_dtype(ag.float64)
    assert ag.tensor([1.5]).dtype is ag.float64
    assert ag.zeros(2).dtype is ag.float64
    assert ag.tensor([1 + 1j]).dtype is ag.complex128
    assert ag.tensor([1]).dtype is ag.int64


def test_set_default_dtype_rejects_non_float():
    with pytest.raises(TypeError, match="floating"):
        ag.set_default_dtype(ag.int64)


def test_is_floating_point_and_is_complex_functions():
    assert ag.is_floating_point(ag.ones(1))
    assert not ag.is_floating_point(ag.tensor([1]))
    assert ag.is_complex(ag.tensor([1j]))


def test_float32_plus_0d_float64_stays_float32():
    assert ag.result_type(ag.ones(2), ag.tensor(1.0, dtype=ag.float64)) is ag.float32


def test_int_tensor_times_python_float_is_default_float():
    assert ag.result_type(ag.tensor([1, 2]), 1.5) is ag.float32
    ag.set_default_dtype(ag.float64)
    assert ag.result_type(ag.tensor([1, 2]), 1.5) is ag.float64


def test_0d_float_lifts_int_tensor_to_its_own_dtype():
    assert ag.result_type(ag.tensor([1, 2]), ag.tensor(1.0, dtype=ag.float64)) is ag.float64


def test_python_int_does_not_upcast_int8():
    assert ag.result_type(ag.tensor([1], dtype=ag.int8), 1000) is ag.int8


def test_result_type_without_operands_raises():
    with pytest.raises(TypeError):
        ag.result_type()


def test_can_cast_forbids_lowering_the_kind():
    assert ag.can_cast(ag.int64, ag.float32)
    assert not ag.can_cast(ag.float32, ag.int64)


def _name(torch_dtype) -> str:
    return str(torch_dtype).split(".")[1]


@pytest.mark.parametrize("kind", ["promote_types", "dim_dim", "dim_0d", "0d_dim", "0d_0d"])
@pytest.mark.parity
def test_promotion_of_every_pair_matches_torch(torch, kind):
    wrong = []
    for a, b in itertools.product(_COMMON, repeat=2):
        if "float16" in (a, b) and "complex" in a + b and kind != "promote_types":
            continue  # PyTorch gives complex32 here, a dtype arraygrad does not have
        if kind == "promote_types":
            got = ag.promote_types(getattr(ag, a), getattr(ag, b))
            want = torch.promote_types(getattr(torch, a), getattr(torch, b))
        else:
            sa, sb = [(2,) if s == "dim" else () for s in kind.split("_")]
            got = ag.result_type(ag.ones(sa, dtype=getattr(ag, a)),
                                 ag.ones(sb, dtype=getattr(ag, b)))
            want = torch.result_type(torch.ones(sa, dtype=getattr(torch, a)),
                                     torch.ones(sb, dtype=getattr(torch, b)))
        if got.name != _name(want):
            wrong.append((a, b, got.name, _name(want)))
    assert not wrong


@pytest.mark.parametrize("default", ["float32", "float64"])
@pytest.mark.parametrize("ndim", [0, 1])
@pytest.mark.parity
def test_python_scalar_promotion_matches_torch(torch, default, ndim):
    shape = (2,) * ndim
    ag.set_default_dtype(getattr(ag, default))
    old = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, default))
    wrong = []
    try:
        for a in _COMMON:
            for scalar in (True, 3, 2.5, 1 + 2j):
                if a == "float16" and isinstance(scalar, complex):
                    continue  # complex32 in PyTorch
                want = torch.result_type(torch.ones(shape, dtype=getattr(torch, a)), scalar)
                got = ag.result_type(ag.ones(shape, dtype=getattr(ag, a)), scalar)
                if got.name != _name(want):
                    wrong.append((a, scalar, got.name, _name(want)))
    finally:
        torch.set_default_dtype(old)
    assert not wrong


@pytest.mark.parity
def test_operator_results_follow_the_rules(torch):
    cases = [
        (lambda m: m.ones(2) + m.tensor(1.0, dtype=m.float64)),
        (lambda m: m.tensor([1, 2]) * 1.5),
        (lambda m: m.tensor([1, 2]) / m.tensor([3, 4])),
        (lambda m: m.tensor([1, 2], dtype=m.int32) + m.tensor([1], dtype=m.int64)),
        (lambda m: m.tensor([True]) + 1),
        (lambda m: m.ones(2, dtype=m.float64) * m.ones(2)),
    ]
    for f in cases:
        assert f(ag).dtype.name == _name(f(torch).dtype)
