"""The table's entries, one module per op family or feature; importing this fills `TABLE`."""

from . import autograd, elementwise, saving  # noqa: F401
