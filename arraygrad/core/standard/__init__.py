"""The array API standard's namespace (2024.12, with its linalg and fft extensions) over
arraygrad Tensors, differentiable: `arraygrad.array_api` re-exports it, and core's create_graph
kernel namespace (`core/ops/_kernels.py`) is built from it, so it lives in core and imports only
core (its torch-named building blocks come from `_torch`, a view of core's op families).

One module per section of the standard: `_data_types` (constants, dtypes, promotion),
`_creation`, `_elementwise`, `_statistical`, `_manipulation`, `_searching` (searching, sorting,
sets), `_linalg` (utility, linear algebra and indexing functions), `_info` (inspection), and the
extensions `_linalg_ext` and `_fft`. Type promotion here is the standard's, not PyTorch's.
"""

from __future__ import annotations

from ._data_types import (astype, bool, can_cast, complex128, complex64, e, finfo, float32, float64,
                          iinfo, inf, int16, int32, int64, int8, isdtype, nan, newaxis, pi,
                          result_type, uint16, uint32, uint64, uint8)
from ._creation import (arange, asarray, empty, empty_like, eye, from_dlpack, full, full_like,
                        linspace, meshgrid, ones, ones_like, tril, triu, zeros, zeros_like)
from ._elementwise import (abs, acos, acosh, add, asin, asinh, atan, atan2, atanh, bitwise_and,
                           bitwise_invert, bitwise_left_shift, bitwise_or, bitwise_right_shift,
                           bitwise_xor, ceil, clip, conj, copysign, cos, cosh, divide, equal, exp,
                           expm1, floor, floor_divide, greater, greater_equal, hypot, imag,
                           isfinite, isinf, isnan, less, less_equal, log, log10, log1p, log2,
                           logaddexp, logical_and, logical_not, logical_or, logical_xor, maximum,
                           minimum, multiply, negative, nextafter, not_equal, positive, pow, real,
                           reciprocal, remainder, round, sign, signbit, sin, sinh, sqrt, square,
                           subtract, tan, tanh, trunc)
from ._statistical import cumulative_prod, cumulative_sum, max, mean, min, prod, std, sum, var
from ._manipulation import (broadcast_arrays, broadcast_to, concat, expand_dims, flip, moveaxis,
                            permute_dims, repeat, reshape, roll, squeeze, stack, tile, unstack)
from ._searching import (argmax, argmin, argsort, count_nonzero, nonzero, searchsorted, sort,
                         unique_all, unique_counts, unique_inverse, unique_values, where)
from ._linalg import (all, any, diff, matmul, matrix_transpose, take, take_along_axis, tensordot,
                      vecdot)
from ._info import __array_namespace_info__
from . import _fft as fft  # the standard's fft extension, an attribute of the namespace
from . import _linalg_ext as linalg  # the standard's linalg extension

__array_api_version__ = "2024.12"

__all__ = [
    "__array_api_version__", "__array_namespace_info__",
    # constants and dtypes
    "e", "inf", "nan", "newaxis", "pi", "bool", "int8", "int16", "int32", "int64", "uint8",
    "uint16", "uint32", "uint64", "float32", "float64", "complex64", "complex128",
    # creation
    "arange", "asarray", "empty", "empty_like", "eye", "from_dlpack", "full", "full_like",
    "linspace", "meshgrid", "ones", "ones_like", "tril", "triu", "zeros", "zeros_like",
    # data types
    "astype", "can_cast", "finfo", "iinfo", "isdtype", "result_type",
    # elementwise
    "abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh", "bitwise_and",
    "bitwise_left_shift", "bitwise_invert", "bitwise_or", "bitwise_right_shift", "bitwise_xor",
    "ceil", "clip", "conj", "copysign", "cos", "cosh", "divide", "equal", "exp", "expm1", "floor",
    "floor_divide", "greater", "greater_equal", "hypot", "imag", "isfinite", "isinf", "isnan",
    "less", "less_equal", "log", "log1p", "log2", "log10", "logaddexp", "logical_and",
    "logical_not", "logical_or", "logical_xor", "maximum", "minimum", "multiply", "negative",
    "nextafter", "not_equal", "positive", "pow", "real", "reciprocal", "remainder", "round",
    "sign", "signbit", "sin", "sinh", "square", "sqrt", "subtract", "tan", "tanh", "trunc",
    # statistical
    "cumulative_sum", "cumulative_prod", "max", "mean", "min", "prod", "std", "sum", "var",
    # manipulation
    "broadcast_arrays", "broadcast_to", "concat", "expand_dims", "flip", "moveaxis",
    "permute_dims", "repeat", "reshape", "roll", "squeeze", "stack", "tile", "unstack",
    # searching, sorting, sets
    "argmax", "argmin", "count_nonzero", "nonzero", "searchsorted", "where", "argsort", "sort",
    "unique_all", "unique_counts", "unique_inverse", "unique_values",
    # utility, linear algebra, indexing
    "all", "any", "diff", "matmul", "matrix_transpose", "tensordot", "vecdot", "take",
    "take_along_axis",
    # extensions
    "fft", "linalg",
]
