"""The table's entries, one module per op family or feature; importing this fills `TABLE`."""

from . import (autograd, comparison, elementwise, indexing, linalg, reduction,  # noqa: F401
               saving, shape, sorting)
