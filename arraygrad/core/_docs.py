"""One-line docstrings for the ops that are generated in families (unary math, in-place methods,
aliases), kept apart from the code as PyTorch keeps `_torch_docs.py`: a docstring written at the
definition wins; `attach` fills only the ones left empty. Each says what the op computes and the
PyTorch name it mirrors, and where arraygrad differs."""

from __future__ import annotations

_UNARY = {
    "abs": "the absolute value of each element", "absolute": "alias of abs",
    "acos": "the arccosine of each element", "arccos": "alias of acos",
    "acosh": "the inverse hyperbolic cosine of each element", "asin": "the arcsine of each element",
    "arcsin": "alias of asin", "asinh": "the inverse hyperbolic sine of each element",
    "atan": "the arctangent of each element", "arctan": "alias of atan",
    "atanh": "the inverse hyperbolic tangent of each element",
    "ceil": "the smallest integer not below each element",
    "cos": "the cosine of each element", "cosh": "the hyperbolic cosine of each element",
    "deg2rad": "each element converted from degrees to radians",
    "erf": "the error function of each element (float64-accurate on every backend)",
    "exp": "e raised to each element", "exp2": "2 raised to each element",
    "expm1": "exp(x) - 1, accurate near zero", "fix": "alias of trunc",
    "floor": "the largest integer not above each element",
    "frac": "the fractional part of each element (x - trunc(x))",
    "isfinite": "a bool tensor: which elements are finite",
    "isinf": "a bool tensor: which elements are +inf or -inf",
    "isnan": "a bool tensor: which elements are NaN",
    "isneginf": "a bool tensor: which elements are -inf",
    "isposinf": "a bool tensor: which elements are +inf",
    "log": "the natural logarithm of each element",
    "log10": "the base-10 logarithm of each element",
    "log1p": "log(1 + x), accurate near zero", "log2": "the base-2 logarithm of each element",
    "neg": "each element negated", "negative": "alias of neg",
    "positive": "input itself (unary plus); raises for bool tensors as PyTorch",
    "rad2deg": "each element converted from radians to degrees",
    "reciprocal": "1 / x for each element (integers give the default float dtype)",
    "relu": "max(x, 0) for each element",
    "round": "each element rounded to `decimals` places, halves to even",
    "rsqrt": "1 / sqrt(x) for each element", "sgn": "x / |x| (sign, extended to complex numbers)",
    "sigmoid": "the logistic function 1 / (1 + exp(-x)) of each element",
    "sign": "-1, 0 or 1 by the sign of each element",
    "sin": "the sine of each element", "sinh": "the hyperbolic sine of each element",
    "sqrt": "the square root of each element", "square": "each element squared",
    "tan": "the tangent of each element", "tanh": "the hyperbolic tangent of each element",
    "trunc": "each element rounded toward zero",
}

_BINARY = {
    "add": "input + alpha * other, broadcast, with PyTorch's type promotion",
    "sub": "input - alpha * other, broadcast, with PyTorch's type promotion",
    "subtract": "alias of sub", "mul": "input * other, broadcast", "multiply": "alias of mul",
    "div": "input / other (true division; rounding_mode 'trunc' or 'floor' rounds)",
    "divide": "alias of div", "true_divide": "input / other, always true division",
    "floor_divide": "input // other, rounded toward negative infinity",
    "remainder": "the remainder of input / other with the divisor's sign (Python's %)",
    "fmod": "the remainder of input / other with the dividend's sign (C's fmod)",
    "pow": "input raised to exponent (tensor or number), elementwise",
    "float_power": "input ** exponent computed in double precision",
    "atan2": "the arctangent of input / other, quadrant-aware", "arctan2": "alias of atan2",
    "hypot": "sqrt(input**2 + other**2) elementwise, without overflow",
    "logaddexp": "log(exp(input) + exp(other)) elementwise, computed stably",
    "maximum": "the elementwise maximum; NaN wins, as in PyTorch",
    "minimum": "the elementwise minimum; NaN wins, as in PyTorch",
    "fmax": "the elementwise maximum ignoring NaN (NaN only where both are NaN)",
    "fmin": "the elementwise minimum ignoring NaN (NaN only where both are NaN)",
    "lerp": "input + weight * (end - input), linear interpolation",
}

_FUNCS = {
    **{k: f"{k}(input): {v} (torch.{k})." for k, v in _UNARY.items()},
    **{k: f"{k}(input, other): {v} (torch.{k})." for k, v in _BINARY.items()},
    "adjoint": "The conjugate transpose of the last two dimensions, as a view (torch.adjoint).",
    "arange": "Values from start to end (exclusive) in steps (torch.arange); int64 for integer "
              "arguments, the default float dtype otherwise.",
    "argwhere": "The indices of the nonzero elements, one row each (torch.argwhere); its shape "
                "depends on the data, so it computes eagerly on lazy backends.",
    "asarray": "A tensor from any array, DLPack producer, sequence or scalar, sharing memory "
               "when it can (torch.asarray).",
    "atleast_1d": "input with at least one dimension (torch.atleast_1d).",
    "atleast_2d": "input with at least two dimensions (torch.atleast_2d).",
    "atleast_3d": "input with at least three dimensions (torch.atleast_3d).",
    "broadcast_shapes": "The shape that the given shapes broadcast to (torch.broadcast_shapes).",
    "broadcast_tensors": "The tensors broadcast to one shape, as views (torch.broadcast_tensors).",
    "broadcast_to": "input broadcast to shape, as a view (torch.broadcast_to).",
    "chunk": "input split into `chunks` nearly equal views along dim (torch.chunk).",
    "empty_like": "A tensor shaped like input (torch.empty_like); arraygrad fills it with zeros.",
    "eye": "The n x m identity matrix (torch.eye).",
    "flatten": "input with dimensions start_dim..end_dim merged into one (torch.flatten).",
    "flip": "input reversed along the given dimensions (torch.flip).",
    "fliplr": "input reversed left to right (the second dimension) (torch.fliplr).",
    "flipud": "input reversed upside down (the first dimension) (torch.flipud).",
    "full_like": "A tensor shaped like input filled with fill_value (torch.full_like).",
    "gather": "Values of input picked along dim by index (torch.gather).",
    "get_default_device": "The device that factories use when none is given "
                          "(torch.get_default_device).",
    "get_default_dtype": "The floating dtype that factories use when none is given "
                         "(torch.get_default_dtype).",
    "get_rng_state": "The default generator's state as a uint8 tensor (torch.get_rng_state).",
    "hstack": "Tensors joined along the second dimension (the first for 1-D) (torch.hstack).",
    "index_select": "The slices of input at index along dim (torch.index_select).",
    "initial_seed": "The seed the default generator started from (torch.initial_seed).",
    "is_complex": "Whether input has a complex dtype (torch.is_complex).",
    "is_floating_point": "Whether input has a floating dtype (torch.is_floating_point).",
    "is_grad_enabled": "Whether operations are recorded for autograd now "
                       "(torch.is_grad_enabled).",
    "is_inference_mode_enabled": "Whether inference mode is on "
                                 "(torch.is_inference_mode_enabled).",
    "logspace": "steps values from base**start to base**end, evenly spaced in the exponent "
                "(torch.logspace).",
    "mean": "The mean over dim (all elements by default) (torch.mean); integer inputs raise, "
            "as in PyTorch.",
    "moveaxis": "alias of movedim (torch.moveaxis).",
    "movedim": "input with dimensions moved from source to destination, as a view "
               "(torch.movedim).",
    "narrow": "The view of input's elements start..start+length along dim (torch.narrow).",
    "ones_like": "A tensor of ones shaped like input (torch.ones_like).",
    "permute": "input with its dimensions reordered, as a view (torch.permute).",
    "rand_like": "Uniform [0, 1) random numbers shaped like input (torch.rand_like).",
    "randint_like": "Random integers in [low, high) shaped like input (torch.randint_like).",
    "randn_like": "Standard normal random numbers shaped like input (torch.randn_like).",
    "randperm": "A random permutation of 0..n-1 (torch.randperm).",
    "roll": "input rolled by shifts along dims, elements wrapping around (torch.roll).",
    "seed": "Seeds the default generator from the system's entropy and returns the seed "
            "(torch.seed).",
    "select": "The view of input at one index along dim, that dimension removed (torch.select).",
    "set_rng_state": "Restores the default generator's state from get_rng_state() "
                     "(torch.set_rng_state).",
    "sum": "The sum over dim (all elements by default) (torch.sum); bool and integer inputs "
           "sum as int64.",
    "swapaxes": "alias of transpose (torch.swapaxes).", "swapdims": "alias of transpose "
                                                                  "(torch.swapdims).",
    "tile": "input repeated dims times along each dimension (torch.tile).",
    "transpose": "input with dimensions dim0 and dim1 swapped, as a view (torch.transpose).",
    "tril": "The lower triangle of the last two dimensions, the rest zero (torch.tril).",
    "tril_indices": "The row and column indices of a row x col matrix's lower triangle "
                    "(torch.tril_indices).",
    "triu": "The upper triangle of the last two dimensions, the rest zero (torch.triu).",
    "triu_indices": "The row and column indices of a row x col matrix's upper triangle "
                    "(torch.triu_indices).",
    "unbind": "The views of input along dim, that dimension removed (torch.unbind).",
    "unflatten": "input with dimension dim expanded to sizes (torch.unflatten).",
    "unsqueeze": "input with a dimension of size one inserted at dim, as a view "
                 "(torch.unsqueeze).",
    "vstack": "Tensors joined along the first dimension (1-D ones as rows) (torch.vstack).",
    "zeros_like": "A tensor of zeros shaped like input (torch.zeros_like).",
}

_METHODS = {
    "backward": "Computes the gradient of this tensor with respect to the graph's leaves, "
                "accumulating into their .grad (torch.Tensor.backward).",
    "bool": "self cast to bool (torch.Tensor.bool).", "byte": "self cast to uint8.",
    "char": "self cast to int8.", "double": "self cast to float64.",
    "float": "self cast to float32.", "half": "self cast to float16.",
    "int": "self cast to int32.", "long": "self cast to int64.", "short": "self cast to int16.",
    "cpu": "self on the NumPy backend's CPU device (a Dask tensor is computed) "
           "(torch.Tensor.cpu).",
    "cuda": "self on a CUDA device through the CuPy backend (torch.Tensor.cuda).",
    "device": "The device the tensor lives on (torch.Tensor.device).",
    "dim": "The number of dimensions (torch.Tensor.dim).",
    "ndimension": "alias of dim (torch.Tensor.ndimension).",
    "ndim": "The number of dimensions (torch.Tensor.ndim).",
    "dtype": "The tensor's arraygrad dtype (torch.Tensor.dtype).",
    "element_size": "Bytes per element (torch.Tensor.element_size).",
    "expand_as": "self expanded to other's shape, as a view (torch.Tensor.expand_as).",
    "get_device": "The CUDA device index, or -1 for tensors on other devices "
                  "(torch.Tensor.get_device).",
    "grad": "The gradient accumulated by backward(), or None (torch.Tensor.grad).",
    "grad_fn": "The node of the recorded graph that made this tensor, None for leaves "
               "(torch.Tensor.grad_fn).",
    "is_cuda": "Whether the tensor is on a CUDA device (torch.Tensor.is_cuda).",
    "is_leaf": "Whether the tensor is a leaf of the graph: made by the user, or not requiring "
               "grad (torch.Tensor.is_leaf).",
    "item": "The value of a one-element tensor as a Python number (torch.Tensor.item); this "
            "synchronises with the host.",
    "nelement": "alias of numel (torch.Tensor.nelement).",
    "numel": "The number of elements (torch.Tensor.numel).",
    "numpy": "The values as a NumPy array (torch.Tensor.numpy); shares memory on the NumPy "
             "backend, copies from other devices.",
    "requires_grad": "Whether autograd records operations on this tensor "
                     "(torch.Tensor.requires_grad).",
    "requires_grad_": "Sets requires_grad in place and returns self "
                      "(torch.Tensor.requires_grad_).",
    "reshape_as": "self reshaped to other's shape (torch.Tensor.reshape_as).",
    "retain_grad": "Keeps .grad for this non-leaf tensor after backward "
                   "(torch.Tensor.retain_grad).",
    "retains_grad": "Whether retain_grad() was called on this non-leaf tensor "
                    "(torch.Tensor.retains_grad).",
    "shape": "The tensor's size as an arraygrad.Size (torch.Tensor.shape).",
    "size": "The tensor's size, or one dimension's with dim (torch.Tensor.size).",
    "storage_offset": "The offset of the first element in the base's storage, in elements "
                      "(torch.Tensor.storage_offset).",
    "to_device": "self on another device (the array API's to_device).",
    "tolist": "The values as nested Python lists (torch.Tensor.tolist).",
    "type": "The type name ('torch.FloatTensor'-style, as arraygrad.FloatTensor), or self cast "
            "to a dtype (torch.Tensor.type).",
    "view": "self with another shape (or dtype) sharing its data (torch.Tensor.view).",
    "view_as": "self viewed with other's shape (torch.Tensor.view_as).",
    "exponential_": "Fills self with exponential random numbers of rate lambd "
                    "(torch.Tensor.exponential_).",
    "fill_": "Fills self with a value (torch.Tensor.fill_).",
    "normal_": "Fills self with normal random numbers (torch.Tensor.normal_).",
    "random_": "Fills self with random integers from [from, to) (torch.Tensor.random_).",
    "uniform_": "Fills self with uniform random numbers from [a, b) (torch.Tensor.uniform_).",
    "zero_": "Fills self with zeros (torch.Tensor.zero_).",
}


def _empty(obj) -> bool:
    return not (getattr(obj, "__doc__", None) or "").strip()


def _set(obj, doc: str) -> None:
    try:
        obj.__doc__ = doc
    except (AttributeError, TypeError):  # a builtin or slot wrapper: nothing to fill
        pass


def attach(namespace, tensor_cls) -> None:
    """Fills the empty docstrings of namespace's functions and tensor_cls's methods."""
    for name, doc in _FUNCS.items():
        fn = getattr(namespace, name, None)
        if fn is not None and _empty(fn):
            _set(fn, doc if doc.startswith(f"{name}(") else f"{name}: {doc}")
    for name in dir(tensor_cls):
        if name.startswith("__"):
            continue
        attr = tensor_cls.__dict__.get(name)
        if attr is None:
            for k in tensor_cls.__mro__:
                if name in k.__dict__:
                    attr = k.__dict__[name]
                    break
        if attr is None or not _empty(attr):
            continue
        if name in _METHODS:
            _set(attr, _METHODS[name])
        elif name in _FUNCS:
            _set(attr, f"Tensor.{name}: see arraygrad.{name}. " + _FUNCS[name])
        elif name.endswith("_") and hasattr(tensor_cls, name[:-1]):
            _set(attr, f"In-place version of Tensor.{name[:-1]}: writes the result into self and "
                       f"returns self (torch.Tensor.{name}).")
