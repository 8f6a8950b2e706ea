"""The differentiable kernel namespace handed to backward formulas under create_graph=True:
the array API's names over arraygrad Tensors (from `arraygrad.array_api`) plus the extras that
backends add (scatter_add, index_add, gather, erf, to_dtype)."""

from __future__ import annotations

from types import SimpleNamespace


def _build() -> SimpleNamespace:
    from ... import array_api
    from . import scatter

    ns = {n: getattr(array_api, n) for n in array_api.__all__}
    ns.update(
        scatter_add=scatter._scatter_add_axis,
        index_add=scatter._index_add_axis,
        gather=scatter._gather_axis,
        erf=__import__("arraygrad.core.ops.elementwise", fromlist=["erf"]).erf,
        to_dtype=lambda x, d: x.to(d),
        backend=None,
    )
    return SimpleNamespace(**ns)


class _Lazy:
    """Builds the namespace on first use (array_api imports every op family)."""

    _ns = None

    def __getattr__(self, name):
        if _Lazy._ns is None:
            _Lazy._ns = _build()
        return getattr(_Lazy._ns, name)


DIFF = _Lazy()
