"""The array API standard (2024.12) over arraygrad Tensors: `x.__array_namespace__()`.

Generic array-API code runs on arraygrad tensors through this namespace and is differentiable:
each function is built on arraygrad's own ops (PyTorch-named, looked up in `arraygrad` when
called, so the op families can live in any module). Type promotion here is the standard's
(int8 + uint8 -> int16; float32 + 0-d float64 -> float64), not PyTorch's. Functions whose
results carry no gradient (comparisons, logical and bitwise ops, set functions, searching) call
the backend's namespace directly. The create_graph kernel namespace (`core/ops/_kernels.py`) is
built from `__all__`, so backward formulas rely on every name here.

One module per section of the standard: `_data_types` (constants, dtypes, promotion),
`_creation`, `_elementwise`, `_statistical`, `_manipulation`, `_searching` (searching, sorting,
sets), `_linalg` (utility, linear algebra and indexing functions) and `_info` (inspection).
Their names are private so that the namespace holds only the standard's names; the two
extensions are the attributes `linalg` (`_linalg_ext`) and `fft` (`_fft`).
"""

from __future__ import annotations

from ..core.standard import *  # noqa: F403  (the namespace lives in core: core/standard/)
from ..core.standard import (__all__, __array_api_version__, __array_namespace_info__,  # noqa: F401
                             abs, all, any, bool, fft, linalg, max, min, pow, round, sum)

from . import _docs  # noqa: E402

_docs.attach(__import__(__name__, fromlist=['_']))
