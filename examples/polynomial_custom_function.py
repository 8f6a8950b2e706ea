"""Fit y = a + b P3(c + d x) to sin(x) with a hand-written autograd Function.

The third program of PyTorch's tutorial "Learning PyTorch with Examples": P3, the Legendre
polynomial of degree three, is an autograd Function with its own forward and backward, and
gradient descent fits the four weights to sin(x) on [-pi, pi]. Prints the loss every 100 steps
and the fitted function. Run: python examples/polynomial_custom_function.py [--device dask]
"""

import math

import _cli
import arraygrad


class LegendrePolynomial3(arraygrad.autograd.Function):
    """
    We can implement our own custom autograd Functions by subclassing
    arraygrad.autograd.Function and implementing the forward and backward passes
    which operate on Tensors.
    """

    @staticmethod
    def forward(ctx, input):
        """
        In the forward pass we receive a Tensor containing the input and return
        a Tensor containing the output. ctx is a context object that can be used
        to stash information for backward computation. You can cache arbitrary
        objects for use in the backward pass using the ctx.save_for_backward method.
        """
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        """
        In the backward pass we receive a Tensor containing the gradient of the loss
        with respect to the output, and we need to compute the gradient of the loss
        with respect to the input.
        """
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


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

    # Create random Tensors for weights. For this example, we need
    # 4 weights: y = a + b * P3(c + d * x), these weights need to be initialized
    # not too far from the correct result to ensure convergence.
    # Setting requires_grad=True indicates that we want to compute gradients with
    # respect to these Tensors during the backward pass.
    a = arraygrad.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    b = arraygrad.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
    c = arraygrad.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    d = arraygrad.full((), 0.3, device=device, dtype=dtype, requires_grad=True)

    losses = {}
    learning_rate = 5e-6
    for t in range(args.steps):
        # To apply our Function, we use Function.apply method. We alias this as 'P3'.
        P3 = LegendrePolynomial3.apply

        # Forward pass: compute predicted y using operations; we compute
        # P3 using our custom autograd operation.
        y_pred = a + b * P3(c + d * x)

        # Compute and print loss
        loss = (y_pred - y).pow(2).sum()
        if t == 0:
            losses[t] = loss.item()
        if t % 100 == 99:
            losses[t] = loss.item()
            print(t, loss.item())

        # Use autograd to compute the backward pass.
        loss.backward()

        # Update weights using gradient descent
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

    print(f"Result: y = {a.item()} + {b.item()} * P3({c.item()} + {d.item()} x)")
    return {"losses": losses, "coefficients": (a.item(), b.item(), c.item(), d.item())}


if __name__ == "__main__":
    main()
