"""Entries for factory functions (arraygrad/core/creation.py): values, dtype and the device they
are created on (the template's `dev` is the device under test). Random factories are seeded in
the call and have no NumPy reference: the same seed must give the numpy backend's values."""

from __future__ import annotations

import numpy as np

import arraygrad as ag

from ..table import OpInfo, Sample, register
from ._samples import FLOAT_INT, FLOATS, unary


def _dt(sample, dev):
    return sample.kwargs["dtype"].name


def _one(rng, dtype):
    yield Sample((), {"dtype": getattr(ag, dtype)}, dtype)


def _C(name, ref, call, dtypes=FLOAT_INT, samples=_one, out=_dt, grad=0):
    return OpInfo(name, ref, samples, dtypes=dtypes, out_dtype=out, grad=grad, call=call)


def _like(name, ref, call, grad=0):
    return OpInfo(name, ref, unary(views=False), dtypes=FLOAT_INT, out_dtype="same", grad=grad,
                  call=call)


register(
    _C("zeros", lambda dtype: np.zeros((2, 3)), "ag.zeros(2, 3, {kw}, device=dev)"),
    _C("ones", lambda dtype: np.ones((0, 3)), "ag.ones((0, 3), {kw}, device=dev)"),
    _C("full", lambda dtype: np.full((2,), 3), "ag.full((2,), 3, {kw}, device=dev)"),
    _C("empty", lambda dtype: np.ones((2, 2)), "ag.empty(2, 2, {kw}, device=dev).fill_(1)"),
    _C("eye", lambda dtype: np.eye(2, 3), "ag.eye(2, 3, {kw}, device=dev)"),
    _C("arange", lambda dtype: np.arange(1, 7, 2), "ag.arange(1, 7, 2, {kw}, device=dev)"),
    _C("arange_float_step", lambda dtype: np.arange(0, 1, 0.25), dtypes=FLOATS,
       call="ag.arange(0, 1, 0.25, {kw}, device=dev)"),
    _C("linspace", lambda dtype: np.linspace(-1, 1, 5), dtypes=FLOATS,
       call="ag.linspace(-1, 1, 5, {kw}, device=dev)"),
    _C("logspace", lambda dtype: np.logspace(0, 2, 3), dtypes=FLOATS,
       call="ag.logspace(0, 2, 3, {kw}, device=dev)"),
    _C("tensor", lambda dtype: np.array([[1, 2], [3, 4]]),
       "ag.tensor([[1, 2], [3, 4]], {kw}, device=dev)"),
    _C("scalar_tensor", lambda dtype: np.asarray(2.0), "ag.scalar_tensor(2.0, {kw}, device=dev)"),
    OpInfo("tensor_default_dtypes", lambda: (np.array([1.5]), np.array([1]), np.array([True])),
           lambda rng, dt: iter([Sample((), {}, "float, int, bool data")]), dtypes=("float32",),
           out_dtype=lambda s, dev: (ag.get_default_dtype().name, dev.default_int.name, "bool"),
           grad=0, call="(ag.tensor([1.5], device=dev), ag.tensor([1], device=dev), "
                        "ag.tensor([True], device=dev))"),
    _C("tril_indices", lambda: np.array(np.tril_indices(3, 0, 4)), dtypes=("int64",),
       samples=lambda rng, dt: iter([Sample((), {}, "3 x 4")]), out="index",
       call="ag.tril_indices(3, 4, device=dev)"),
    _C("triu_indices", lambda: np.array(np.triu_indices(3, 1, 3)), dtypes=("int64",),
       samples=lambda rng, dt: iter([Sample((), {}, "3 x 3, offset 1")]), out="index",
       call="ag.triu_indices(3, 3, 1, device=dev)"),
    _like("zeros_like", np.zeros_like, "ag.zeros_like({0})"),
    _like("ones_like", np.ones_like, "ag.ones_like({0})"),
    _like("full_like", lambda x: np.full_like(x, 2), "ag.full_like({0}, 2)"),
    _like("empty_like", np.ones_like, "ag.empty_like({0}).fill_(1)"),
    # seeded random factories: compared with the numpy backend (same seed, same values)
    _C("randn", None, "(ag.manual_seed(3), ag.randn(2, 3, {kw}, device=dev))[1]", dtypes=FLOATS),
    _C("rand", None, "(ag.manual_seed(3), ag.rand(4, {kw}, device=dev))[1]", dtypes=FLOATS),
    _C("normal", None, "(ag.manual_seed(3), ag.normal(1.0, 2.0, (3,), {kw}, device=dev))[1]",
       dtypes=FLOATS),
    _C("randint", None, "(ag.manual_seed(3), ag.randint(0, 9, (5,), {kw}, device=dev))[1]",
       dtypes=("int64", "int32")),
    _C("randperm", None, "(ag.manual_seed(3), ag.randperm(6, {kw}, device=dev))[1]",
       dtypes=("int64",)),
    OpInfo("rand_like", None, unary(views=False), dtypes=FLOATS, grad=0,
           call="(ag.manual_seed(3), ag.rand_like({0}))[1]"),
    OpInfo("randn_like", None, unary(views=False), dtypes=FLOATS, grad=0,
           call="(ag.manual_seed(3), ag.randn_like({0}))[1]"),
    OpInfo("randint_like", None, unary(views=False), dtypes=("int64",), grad=0,
           call="(ag.manual_seed(3), ag.randint_like({0}, 0, 5))[1]"),
    OpInfo("bernoulli", None, unary((0.0, 1.0), views=False), dtypes=FLOATS, grad=0,
           call="(ag.manual_seed(3), ag.bernoulli({0}))[1]"),
)
