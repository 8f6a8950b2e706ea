"""Build, inspect and train the image classifier of PyTorch's Learn the Basics.

From PyTorch's tutorials, ported to arraygrad.

Flatten, then Linear 784->512, ReLU, Linear 512->512, ReLU, Linear 512->10 as a Module subclass;
prints the model, predicts a class for a random image, walks through the layers and lists the
parameters as the tutorial does, then trains it for --steps SGD steps (CrossEntropyLoss,
lr 1e-3, as the tutorial's optimization loop) on one fixed random batch of 64 images.
Run: python examples/neural_network.py [--device dask] [--steps N]
"""


import _cli
import arraygrad
from arraygrad import nn


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28*28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


def main(argv=None):
    """Builds, inspects and trains the model; returns {"losses": {step: loss}, "model": model,
    "images": the training batch, "labels": its labels}."""
    parser = _cli.parser(__doc__, steps=100, steps_help="SGD steps on the random batch")
    args = parser.parse_args(argv)
    device = arraygrad.device(args.device)
    print(f"Using {device} device")

    # We create an instance of NeuralNetwork, and move it to the device, and print its structure.
    model = NeuralNetwork().to(device)
    print(model)

    # Calling the model on the input returns a 2-dimensional tensor with dim=0 corresponding to
    # each output of 10 raw predicted values for each class, and dim=1 corresponding to the
    # individual values of each output.
    X = arraygrad.rand(1, 28, 28, device=device)
    logits = model(X)
    pred_probab = nn.Softmax(dim=1)(logits)
    y_pred = pred_probab.argmax(1)
    print(f"Predicted class: {y_pred}")

    # Model layers: a sample minibatch of 3 images of size 28x28 through each layer.
    input_image = arraygrad.rand(3, 28, 28, device=device)
    print(input_image.size())
    flatten = nn.Flatten()
    flat_image = flatten(input_image)
    print(flat_image.size())
    layer1 = nn.Linear(in_features=28*28, out_features=20).to(device)
    hidden1 = layer1(flat_image)
    print(hidden1.size())
    print(f"Before ReLU: {hidden1}\n\n")
    hidden1 = nn.ReLU()(hidden1)
    print(f"After ReLU: {hidden1}")
    seq_modules = nn.Sequential(flatten, layer1, nn.ReLU(), nn.Linear(20, 10)).to(device)
    input_image = arraygrad.rand(3, 28, 28, device=device)
    logits = seq_modules(input_image)
    softmax = nn.Softmax(dim=1)
    pred_probab = softmax(logits)

    # Model parameters
    print(f"Model structure: {model}\n\n")
    for name, param in model.named_parameters():
        print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \n")

    # A short optimization loop (the tutorial's train_loop on one fixed batch)
    images = arraygrad.rand(64, 28, 28, device=device)
    labels = arraygrad.randint(0, 10, (64,), device=device)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = arraygrad.optim.SGD(model.parameters(), lr=1e-3)
    losses = {}
    for t in range(args.steps):
        pred = model(images)
        loss = loss_fn(pred, labels)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if t == 0 or t % 10 == 9:
            losses[t] = loss.item()
            print(f"loss: {loss.item():>7f}  [{t + 1:>5d}/{args.steps:>5d}]")
    return {"losses": losses, "model": model, "images": images, "labels": labels}


if __name__ == "__main__":
    main()
