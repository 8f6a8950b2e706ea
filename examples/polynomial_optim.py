"""Fit a cubic polynomial to sin(x) with nn and an optimizer from optim (RMSprop).

The tutorial "Learning PyTorch with Examples", section "PyTorch: optim": a Linear(3, 1) layer over
the features (x, x^2, x^3) and Flatten(0, 1), a summed MSELoss, and torch.optim.RMSprop updating
the weights in place of the hand-written gradient-descent step. Prints the loss every 100 steps
and the fitted polynomial. Run: python examples/polynomial_optim.py [--device dask] [--steps N]
"""

import math

import _cli
import arraygrad


def main(argv=None):
    """Runs the tutorial's loop; returns {"losses": {step: loss}, "coefficients": (a, b, c, d)}."""
    parser = _cli.parser(__doc__, steps=2000, steps_help="optimizer steps")
    args = parser.parse_args(argv)
    device = arraygrad.device(args.device)

    # Create Tensors to hold input and outputs.
    x = arraygrad.linspace(-math.pi, math.pi, 2000, device=device)
    y = arraygrad.sin(x)

    # Prepare the input tensor (x, x^2, x^3).
    p = arraygrad.tensor([1, 2, 3], device=device)
    xx = x.unsqueeze(-1).pow(p)

    # Use the nn package to define our model and loss function.
    model = arraygrad.nn.Sequential(
        arraygrad.nn.Linear(3, 1),
        arraygrad.nn.Flatten(0, 1)
    ).to(device)
    loss_fn = arraygrad.nn.MSELoss(reduction='sum')

    # Use the optim package to define an Optimizer that will update the weights of
    # the model for us. Here we will use RMSprop; the optim package contains many other
    # optimization algorithms. The first argument to the RMSprop constructor tells the
    # optimizer which Tensors it should update.
    learning_rate = 1e-3
    optimizer = arraygrad.optim.RMSprop(model.parameters(), lr=learning_rate)
    losses = {}
    for t in range(args.steps):
        # Forward pass: compute predicted y by passing x to the model.
        y_pred = model(xx)

        # Compute and print loss.
        loss = loss_fn(y_pred, y)
        if t == 0:
            losses[t] = loss.item()
        if t % 100 == 99:
            losses[t] = loss.item()
            print(t, loss.item())

        # Before the backward pass, use the optimizer object to zero all of the
        # gradients for the variables it will update (which are the learnable
        # weights of the model). This is because by default, gradients are
        # accumulated in buffers( i.e, not overwritten) whenever .backward()
        # is called. Checkout docs of arraygrad.autograd.backward for more details.
        optimizer.zero_grad()

        # Backward pass: compute gradient of the loss with respect to model
        # parameters
        loss.backward()

        # Calling the step function on an Optimizer makes an update to its
        # parameters
        optimizer.step()

    linear_layer = model[0]
    coefficients = (linear_layer.bias.item(), linear_layer.weight[:, 0].item(),
                    linear_layer.weight[:, 1].item(), linear_layer.weight[:, 2].item())
    print(f'Result: y = {coefficients[0]} + {coefficients[1]} x + {coefficients[2]} x^2 + '
          f'{coefficients[3]} x^3')
    return {"losses": losses, "coefficients": coefficients}


if __name__ == "__main__":
    main()
