"""Fit a cubic polynomial to sin(x), letting autograd compute the gradients.

The second program of PyTorch's tutorial "Learning PyTorch with Examples": the weights of
y = a + b x + c x^2 + d x^3 are tensors with requires_grad=True, loss.backward() fills their
.grad, and the gradient-descent update runs under no_grad. Prints the loss every 100 steps and the
fitted polynomial. Run: python examples/polynomial_autograd.py [--device dask]
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

    # Create Tensors to hold input and outputs.
    # By default, requires_grad=False, which indicates that we do not need to
    # compute gradients with respect to these Tensors during the backward pass.
    x = arraygrad.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = arraygrad.sin(x)

    # Create random Tensors for weights. For a third order polynomial, we need
    # 4 weights: y = a + b x + c x^2 + d x^3
    # Setting requires_grad=True indicates that we want to compute gradients with
    # respect to these Tensors during the backward pass.
    a = arraygrad.randn((), device=device, dtype=dtype, requires_grad=True)
    b = arraygrad.randn((), device=device, dtype=dtype, requires_grad=True)
    c = arraygrad.randn((), device=device, dtype=dtype, requires_grad=True)
    d = arraygrad.randn((), device=device, dtype=dtype, requires_grad=True)

    losses = {}
    learning_rate = 1e-6
    for t in range(args.steps):
        # Forward pass: compute predicted y using operations on Tensors.
        y_pred = a + b * x + c * x ** 2 + d * x ** 3

        # Compute and print loss using operations on Tensors.
        # Now loss is a Tensor of shape (1,)
        # loss.item() gets the scalar value held in the loss.
        loss = (y_pred - y).pow(2).sum()
        if t == 0:
            losses[t] = loss.item()
        if t % 100 == 99:
            losses[t] = loss.item()
            print(t, loss.item())

        # Use autograd to compute the backward pass. This call will compute the
        # gradient of loss with respect to all Tensors with requires_grad=True.
        # After this call a.grad, b.grad. c.grad and d.grad will be Tensors holding
        # the gradient of the loss with respect to a, b, c, d respectively.
        loss.backward()

        # Manually update weights using gradient descent. Wrap in arraygrad.no_grad()
        # because weights have requires_grad=True, but we don't need to track this
        # in autograd.
        with arraygrad.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad

            # Manually zero the gradients after updating weights
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None

    print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")
    return {"losses": losses, "coefficients": (a.item(), b.item(), c.item(), d.item())}


if __name__ == "__main__":
    main()
