"""Datasets with a file format and a download (torchvision's `datasets`): MNIST and
FashionMNIST."""

from __future__ import annotations

from .mnist import MNIST, FashionMNIST

__all__ = ["MNIST", "FashionMNIST"]
