"""Differentiable ops, one module per family; each attaches its Tensor methods on import."""
