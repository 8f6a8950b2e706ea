"""Small models the jit tests trace: an MLP and a CNN (Conv2d, BatchNorm2d, MaxPool2d, Linear)."""

from __future__ import annotations

import arraygrad as ag
from arraygrad import nn


def mlp(dev="cpu"):
    """Linear-Tanh-Linear-ReLU-Linear on 4 features (3 outputs)."""
    ag.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.ReLU(),
                         nn.Linear(8, 3)).to(dev)


class SmallCNN(nn.Module):
    """conv -> batch norm -> relu -> max pool -> linear, on 1x8x8 images (5 classes)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3, padding=1)
        self.bn = nn.BatchNorm2d(3)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(3 * 4 * 4, 5)

    def forward(self, x):
        x = self.pool(ag.relu(self.bn(self.conv(x))))
        return self.fc(x.flatten(1))


def cnn(dev="cpu"):
    """SmallCNN in eval mode with running statistics from one training batch."""
    ag.manual_seed(0)
    m = SmallCNN()
    m(ag.randn(6, 1, 8, 8))  # running statistics that differ from the initial ones
    return m.eval().to(dev)
