"""The differentiable kernel namespace handed to backward formulas under create_graph=True:
the array API's names over arraygrad Tensors (core/standard/, the namespace `arraygrad.array_api`
re-exports) plus the extras that backends add (scatter_add, index_add, gather, erf, to_dtype).
Built from core alone: the engine reads from the bottom up."""

from __future__ import annotations

from types import SimpleNamespace


def _build() -> SimpleNamespace:
    from .. import standard
    from . import elementwise, scatter

    ns = {n: getattr(standard, n) for n in standard.__all__}
    ns.update(
        scatter_add=scatter._scatter_add_axis,
        index_add=scatter._index_add_axis,
        gather=scatter._gather_axis,
        erf=elementwise.erf,
        to_dtype=lambda x, d: x.to(d),
        backend=None,
    )
    return SimpleNamespace(**ns)


class _Lazy:
    """Builds the namespace on first use (core/standard imports every op family)."""

    _ns = None

    def __getattr__(self, name):
        if _Lazy._ns is None:
            _Lazy._ns = _build()
        return getattr(_Lazy._ns, name)


DIFF = _Lazy()
