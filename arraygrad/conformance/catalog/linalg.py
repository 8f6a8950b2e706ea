"""Entries for products and contractions (arraygrad/core/ops/linalg.py)."""

from __future__ import annotations

import numpy as np

from ..table import ErrorInput, OpInfo, Sample, View, register
from ._samples import FLOATS, fixed


def _mm_errors():
    yield ErrorInput(Sample((np.ones((2, 3)), np.ones((4, 2))), desc="(2, 3) @ (4, 2)"),
                     RuntimeError, r"\(2, 3\)|2x3|3")


def _L(name, ref, *specs, call=None, dtypes=FLOATS, errors=None):
    return OpInfo(name, ref, fixed(*specs), dtypes=dtypes, out_dtype="promote", grad=2, call=call,
                  errors=errors)


register(
    _L("matmul", np.matmul, (((2, 3), (3, 4)), {}, "2-D @ 2-D"),
       (((3,), (3, 4)), {}, "1-D @ 2-D"), (((2, 3), (3,)), {}, "2-D @ 1-D"),
       (((3,), (3,)), {}, "1-D @ 1-D"), (((2, 2, 3), (3, 4)), {}, "batched @ 2-D"),
       (((2, 1, 2, 3), (3, 3, 4)), {}, "broadcast batches"),
       ((View((3, 2), "mT"), (3, 4)), {}, "transposed view"), (((0, 3), (3, 2)), {}, "empty"),
       dtypes=FLOATS + ("int64",), errors=_mm_errors),
    _L("Tensor.__matmul__", np.matmul, (((2, 3), (3, 4)), {}, "2-D"), call="{0} @ {1}"),
    _L("mm", np.matmul, (((2, 3), (3, 4)), {}, "2-D"), errors=_mm_errors),
    _L("mv", np.matmul, (((2, 3), (3,)), {}, "2-D @ 1-D")),
    _L("bmm", np.matmul, (((2, 2, 3), (2, 3, 4)), {}, "batched")),
    _L("dot", np.dot, (((3,), (3,)), {}, "1-D")),
    _L("vdot", np.vdot, (((3,), (3,)), {}, "1-D")),
    _L("inner", np.inner, (((2, 3), (4, 3)), {}, "2-D")),
    _L("outer", np.outer, (((2,), (3,)), {}, "1-D")),
    _L("tensordot", lambda a, b, dims=2: np.tensordot(a, b, dims),
       (((2, 3, 4), (3, 4, 2)), {}, "dims=2"), (((2, 3), (3, 4)), {"dims": 1}, "dims=1")),
    _L("einsum", lambda a, b: np.einsum("ij,jk->ik", a, b), (((2, 3), (3, 4)), {}, "matmul"),
       call='ag.einsum("ij,jk->ik", {0}, {1})'),
    _L("einsum_batch_trace", lambda a: np.einsum("bii->b", a), (((2, 3, 3),), {}, "traces"),
       call='ag.einsum("bii->b", {0})'),
    _L("addmm", lambda c, a, b, beta=1, alpha=1: beta * c + alpha * (a @ b),
       (((2, 4), (2, 3), (3, 4)), {}, "defaults"),
       (((4,), (2, 3), (3, 4)), {"beta": 0.5, "alpha": 2.0}, "broadcast input, beta, alpha")),
    _L("addmv", lambda c, a, b: c + a @ b, (((2,), (2, 3), (3,)), {}, "defaults")),
    _L("baddbmm", lambda c, a, b: c + a @ b, (((2, 2, 4), (2, 2, 3), (2, 3, 4)), {}, "defaults")),
    _L("trace", np.trace, (((3, 3),), {}, "square"), (((2, 3),), {}, "wide")),
    _L("kron", np.kron, (((2, 2), (2, 3)), {}, "2-D")),
)
