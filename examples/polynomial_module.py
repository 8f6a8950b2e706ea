"""Fit a cubic polynomial to sin(x) written as your own nn.Module subclass.

From PyTorch's tutorials, ported to arraygrad.

Polynomial3 holds four Parameters a, b, c, d and computes a + b x + c x^2 + d x^3 in forward;
a summed MSELoss and optim.SGD(lr=1e-6) fit it to sin(x) on [-pi, pi], as in PyTorch's
"Learning PyTorch with Examples". Run: python examples/polynomial_module.py [--device dask]
"""

import math

import _cli
import arraygrad


class Polynomial3(arraygrad.nn.Module):
    def __init__(self):
        """
        In the constructor we instantiate four parameters and assign them as
        member parameters.
        """
        super().__init__()
        self.a = arraygrad.nn.Parameter(arraygrad.randn(()))
        self.b = arraygrad.nn.Parameter(arraygrad.randn(()))
        self.c = arraygrad.nn.Parameter(arraygrad.randn(()))
        self.d = arraygrad.nn.Parameter(arraygrad.randn(()))

    def forward(self, x):
        """
        In the forward function we accept a Tensor of input data and we must return
        a Tensor of output data. We can use Modules defined in the constructor as
        well as arbitrary operators on Tensors.
        """
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        """
        Just like any class in Python, you can also define custom method on arraygrad modules
        """
        return (f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + '
                f'{self.d.item()} x^3')


def main(argv=None):
    """Runs the tutorial's loop; returns {"losses": {step: loss}, "coefficients": (a, b, c, d)}."""
    parser = _cli.parser(__doc__, steps=2000, steps_help="optimizer steps")
    args = parser.parse_args(argv)
    device = arraygrad.device(args.device)

    # Create Tensors to hold input and outputs.
    x = arraygrad.linspace(-math.pi, math.pi, 2000, device=device)
    y = arraygrad.sin(x)

    # Construct our model by instantiating the class defined above
    model = Polynomial3().to(device)

    # Construct our loss function and an Optimizer. The call to model.parameters()
    # in the SGD constructor will contain the learnable parameters (defined
    # with arraygrad.nn.Parameter) which are members of the model.
    criterion = arraygrad.nn.MSELoss(reduction='sum')
    optimizer = arraygrad.optim.SGD(model.parameters(), lr=1e-6)
    losses = {}
    for t in range(args.steps):
        # Forward pass: Compute predicted y by passing x to the model
        y_pred = model(x)

        # Compute and print loss
        loss = criterion(y_pred, y)
        if t == 0:
            losses[t] = loss.item()
        if t % 100 == 99:
            losses[t] = loss.item()
            print(t, loss.item())

        # Zero gradients, perform a backward pass, and update the weights.
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    print(f'Result: {model.string()}')
    coefficients = tuple(p.item() for p in (model.a, model.b, model.c, model.d))
    return {"losses": losses, "coefficients": coefficients}


if __name__ == "__main__":
    main()
