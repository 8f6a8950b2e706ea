"""Fit a cubic polynomial to sin(x) with tensors, computing every gradient by hand.

The first program of PyTorch's tutorial "Learning PyTorch with Examples": y = a + b x + c x^2 +
d x^3 is fitted to sin(x) on [-pi, pi] by gradient descent, with the forward pass, the gradients
and the update all written out on tensors (no autograd). Prints the loss every 100 steps and the
fitted polynomial. Run: python examples/polynomial_tensors.py [--device dask]
"""

import math

import _cli
import arraygrad


def main(argv=None):
    """Runs the tutorial's loop; returns {"losses": {step: loss}, "coefficients": (a, b, c, d)}."""
    parser = _cli.parser(__doc__, steps=2000, steps_help="gradient-descent steps")
    args = parser.parse_args(argv)

    dtype = arraygrad.float
    device = arraygrad.device(args.device)

    # Create random input and output data
    x = arraygrad.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = arraygrad.sin(x)

    # Randomly initialize weights
    a = arraygrad.randn((), device=device, dtype=dtype)
    b = arraygrad.randn((), device=device, dtype=dtype)
    c = arraygrad.randn((), device=device, dtype=dtype)
    d = arraygrad.randn((), device=device, dtype=dtype)

    losses = {}
    learning_rate = 1e-6
    for t in range(args.steps):
        # Forward pass: compute predicted y
        y_pred = a + b * x + c * x ** 2 + d * x ** 3

        # Compute and print loss
        loss = (y_pred - y).pow(2).sum().item()
        if t == 0:
            losses[t] = loss
        if t % 100 == 99:
            losses[t] = loss
            print(t, loss)

        # Backprop to compute gradients of a, b, c, d with respect to loss
        grad_y_pred = 2.0 * (y_pred - y)
        grad_a = grad_y_pred.sum()
        grad_b = (grad_y_pred * x).sum()
        grad_c = (grad_y_pred * x ** 2).sum()
        grad_d = (grad_y_pred * x ** 3).sum()

        # Update weights using gradient descent
        a -= learning_rate * grad_a
        b -= learning_rate * grad_b
        c -= learning_rate * grad_c
        d -= learning_rate * grad_d

    print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")
    return {"losses": losses, "coefficients": (a.item(), b.item(), c.item(), d.item())}


if __name__ == "__main__":
    main()
