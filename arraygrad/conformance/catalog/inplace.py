"""Entries for in-place methods (arraygrad/core/ops/inplace.py), applied to a clone so that the
gradient flows back through the in-place op to the leaf."""

from __future__ import annotations

import numpy as np

from ..table import OpInfo, register
from ._samples import FLOATS, Idx, Mask, fixed, nonzero


def _B(name, ref, domain_b=(-2.0, 2.0), grad=2):
    specs = ((((2, 3), (2, 3)), {}, "same shape"), (((2, 3), (3,)), {}, "broadcast other"),
             (((), ()), {}, "0-d"))
    base = fixed(*specs)

    def gen(rng, dtype):
        for s in base(rng, dtype):
            if callable(domain_b):  # divisors away from zero
                b = np.asarray(domain_b(rng, s.args[1].shape), dtype=dtype)
                s = type(s)((s.args[0], b), s.kwargs, s.desc)
            yield s
    return OpInfo(f"Tensor.{name}", ref, gen, dtypes=FLOATS, grad=grad,
                  call=f"{{0}}.clone().{name}({{1}})")


def _U(name, ref, domain=(-2.0, 2.0), grad=2):
    return OpInfo(f"Tensor.{name}", ref, fixed((((2, 3),), {}, "2-D"), (((),), {}, "0-d"),
                                               domain=domain),
                  dtypes=FLOATS, grad=grad, call=f"{{0}}.clone().{name}()")


register(
    _B("add_", np.add), _B("sub_", np.subtract), _B("mul_", np.multiply),
    _B("div_", np.divide, domain_b=nonzero()),
    _U("exp_", np.exp), _U("neg_", np.negative), _U("tanh_", np.tanh),
    _U("sigmoid_", lambda x: 1 / (1 + np.exp(-x))), _U("sqrt_", np.sqrt, domain=(0.1, 3.0)),
    _U("relu_", lambda x: np.maximum(x, 0), grad=1), _U("zero_", np.zeros_like, grad=1),
    OpInfo("Tensor.clamp_", lambda x: np.clip(x, -0.5, 1.0), fixed((((2, 3),), {}, "2-D")),
           dtypes=FLOATS, grad=1, call="{0}.clone().clamp_(-0.5, 1.0)"),
    OpInfo("Tensor.fill_", lambda x: np.full_like(x, 0.5), fixed((((2, 3),), {}, "2-D")),
           dtypes=FLOATS, grad=1, call="{0}.clone().fill_(0.5)"),
    OpInfo("Tensor.pow_", lambda x: x ** 3, fixed((((2, 3),), {}, "2-D")), dtypes=FLOATS,
           call="{0}.clone().pow_(3)"),
    OpInfo("Tensor.copy_", lambda x, y: np.broadcast_to(y, x.shape).copy(),
           fixed((((2, 3), (3,)), {}, "broadcast source")), dtypes=FLOATS, grad=1,
           call="{0}.clone().copy_({1})"),
    OpInfo("Tensor.masked_fill_", lambda x, m: np.where(m, -1.0, x),
           fixed((((2, 3), Mask((2, 3))), {}, "2-D")), dtypes=FLOATS, grad=1,
           call="{0}.clone().masked_fill_({1}, -1.0)"),
    OpInfo("Tensor.index_add_", lambda x, i, s: _index_add(x, i, s),
           fixed((((4, 2), Idx((3,), 4), (3, 2)), {}, "rows with duplicates")), dtypes=FLOATS,
           call="{0}.clone().index_add_(0, {1}, {2})"),
    OpInfo("Tensor.__iadd__", np.add, fixed((((2, 3), (2, 3)), {}, "same shape")), dtypes=FLOATS,
           call="(lambda t: (t.__iadd__({1})))({0}.clone())"),
)


def _index_add(x, idx, src):
    out = x.copy()
    np.add.at(out, idx, src)
    return out
