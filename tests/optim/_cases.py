"""Optimizer configurations shared by the optimizer tests (several option sets each)."""

from __future__ import annotations

# (optimizer name, kwargs): every optimizer with its main options, as PyTorch names them
PARITY = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.2, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.05)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.1)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1, maximize=True)),
    ("Adamax", dict(lr=0.01)),
    ("Adamax", dict(lr=0.01, betas=(0.7, 0.9), weight_decay=0.1)),
    ("ASGD", dict(lr=0.01)),
    ("ASGD", dict(lr=0.01, t0=3, lambd=0.01, alpha=0.5, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, centered=True, maximize=True)),
    ("Rprop", dict(lr=0.01)),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
]

# one configuration per optimizer that makes a small convex problem converge quickly
CONVERGE = {
    "SGD": dict(lr=0.1, momentum=0.5),
    "Adam": dict(lr=0.2),
    "AdamW": dict(lr=0.2, weight_decay=0.0),
    "Adagrad": dict(lr=0.5),
    "Adadelta": dict(lr=30.0),
    "Adamax": dict(lr=0.3),
    "ASGD": dict(lr=0.1),
    "RMSprop": dict(lr=0.05),
    "Rprop": dict(lr=0.1),
    "NAdam": dict(lr=0.2),
    "RAdam": dict(lr=0.3),
}
