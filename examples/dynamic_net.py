"""Fit sin(x) with a network whose depth changes at random on every forward pass.

From PyTorch's tutorials, ported to arraygrad.

A third-to-fifth order polynomial that picks its order at random on every forward pass (plain
Python control flow) and reuses the parameter e for the fourth and fifth order terms (weight
sharing), fitted to sin(x) with SGD and momentum, as in PyTorch's "Learning PyTorch with
Examples". Run: python examples/dynamic_net.py [--device dask] [--steps N] [--seed S]
"""

import math
import random

import _cli
import arraygrad


class DynamicNet(arraygrad.nn.Module):
    def __init__(self):
        """
        In the constructor we instantiate five parameters and assign them as members.
        """
        super().__init__()
        self.a = arraygrad.nn.Parameter(arraygrad.randn(()))
        self.b = arraygrad.nn.Parameter(arraygrad.randn(()))
        self.c = arraygrad.nn.Parameter(arraygrad.randn(()))
        self.d = arraygrad.nn.Parameter(arraygrad.randn(()))
        self.e = arraygrad.nn.Parameter(arraygrad.randn(()))

    def forward(self, x):
        """
        For the forward pass of the model, we randomly choose either 4, 5
        and reuse the e parameter to compute the contribution of these orders.

        Since each forward pass builds a dynamic computation graph, we can use normal
        Python control-flow operators like loops or conditional statements when
        defining the forward pass of the model.

        Here we also see that it is perfectly safe to reuse the same parameter many
        times when defining a computational graph.
        """
        y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
        for exp in range(4, random.randint(4, 6)):
            y = y + self.e * x ** exp
        return y

    def string(self):
        """
        Just like any class in Python, you can also define custom method on arraygrad modules
        """
        return (f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + '
                f'{self.d.item()} x^3 + {self.e.item()} x^4 ? + {self.e.item()} x^5 ?')


def main(argv=None):
    """Runs the tutorial's loop; returns {"losses": {step: loss}, "coefficients": (a..e)}."""
    parser = _cli.parser(__doc__, steps=30000, steps_help="optimizer steps")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed Python's random (the order drawn each step): repeatable runs")
    args = parser.parse_args(argv)
    device = arraygrad.device(args.device)
    if args.seed is not None:
        random.seed(args.seed)

    # Create Tensors to hold input and outputs.
    x = arraygrad.linspace(-math.pi, math.pi, 2000, device=device)
    y = arraygrad.sin(x)

    # Construct our model by instantiating the class defined above
    model = DynamicNet().to(device)

    # Construct our loss function and an Optimizer. Training this strange model with
    # vanilla stochastic gradient descent is tough, so we use momentum
    criterion = arraygrad.nn.MSELoss(reduction='sum')
    optimizer = arraygrad.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
    losses = {}
    for t in range(args.steps):
        # Forward pass: Compute predicted y by passing x to the model
        y_pred = model(x)

        # Compute and print loss
        loss = criterion(y_pred, y)
        if t == 0:
            losses[t] = loss.item()
        if t % 2000 == 1999:
            losses[t] = loss.item()
            print(t, loss.item())

        # Zero gradients, perform a backward pass, and update the weights.
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    print(f'Result: {model.string()}')
    coefficients = tuple(p.item() for p in (model.a, model.b, model.c, model.d, model.e))
    return {"losses": losses, "coefficients": coefficients}


if __name__ == "__main__":
    main()
