"""One-line docstrings for the standard's functions that are defined without one; each names the
function of the 2024.12 standard it implements, over arraygrad tensors (differentiable where the
standard's result is floating). `attach` fills only empty docstrings."""

from __future__ import annotations

_DOCS = {
    "__array_namespace_info__": "The standard's inspection object: capabilities, default "
                                "dtypes and devices, and the dtypes each device supports.",
    "all": "Whether every element (along axis) is true.",
    "any": "Whether any element (along axis) is true.",
    "arange": "Evenly spaced values in [start, stop) (the standard's dtype rules).",
    "argmax": "The index of the largest element (along axis); the first one at ties.",
    "argmin": "The index of the smallest element (along axis); the first one at ties.",
    "argsort": "The indices that sort x along axis (stable by default).",
    "broadcast_arrays": "The arrays broadcast against each other, as a list.",
    "broadcast_to": "x broadcast to shape.",
    "concat": "Arrays joined along an existing axis (axis=None flattens them first).",
    "count_nonzero": "The number of nonzero elements (along axis).",
    "cumulative_prod": "The cumulative product along axis (include_initial adds the 1).",
    "cumulative_sum": "The cumulative sum along axis (include_initial adds the 0).",
    "empty": "An array of shape (zeros here: the standard leaves the values unspecified).",
    "empty_like": "An array shaped like x (zeros here).",
    "expand_dims": "x with a dimension of size one inserted at axis.",
    "eye": "The n_rows x n_cols matrix with ones on diagonal k.",
    "flip": "x reversed along axis (every axis by default).",
    "full": "An array of shape filled with fill_value.",
    "full_like": "An array shaped like x filled with fill_value.",
    "linspace": "num evenly spaced values from start to stop (endpoint included by default).",
    "matrix_transpose": "The transpose of the last two dimensions.",
    "mean": "The arithmetic mean (along axis) of a floating array.",
    "moveaxis": "x with axes moved from source to destination.",
    "nonzero": "The indices of the nonzero elements, one array per dimension (a data-dependent "
               "shape: computes eagerly on lazy backends).",
    "ones": "An array of ones of shape.",
    "ones_like": "An array of ones shaped like x.",
    "permute_dims": "x with its axes reordered.",
    "prod": "The product (along axis), in the standard's accumulation dtype.",
    "repeat": "Each element of x repeated `repeats` times (along axis, or flattened).",
    "reshape": "x with a new shape (copy=None: a view where possible).",
    "roll": "x rolled by shift along axis, elements wrapping around.",
    "searchsorted": "Where each of x2 would be inserted into the sorted x1 to keep it sorted.",
    "squeeze": "x with the given axes of size one removed.",
    "stack": "Arrays of one shape joined along a new axis.",
    "std": "The standard deviation (along axis), correction degrees of freedom removed.",
    "take": "The elements of x at indices along axis.",
    "take_along_axis": "The elements of x picked by indices along axis.",
    "tensordot": "The tensor contraction of x1 and x2 over the given axes.",
    "tile": "x repeated reps times along each axis.",
    "tril": "The lower triangle of the last two dimensions (from diagonal k), the rest zero.",
    "triu": "The upper triangle of the last two dimensions (from diagonal k), the rest zero.",
    "unstack": "The slices of x along axis, as a tuple.",
    "var": "The variance (along axis), correction degrees of freedom removed.",
    "zeros": "An array of zeros of shape.",
    "zeros_like": "An array of zeros shaped like x.",
}


def attach(namespace) -> None:
    """Fills the empty docstrings of namespace's functions from the table above."""
    for name, doc in _DOCS.items():
        fn = getattr(namespace, name, None)
        if fn is not None and not (fn.__doc__ or "").strip():
            fn.__doc__ = f"{name}: {doc.rstrip('.')} (the array API standard's {name})."
