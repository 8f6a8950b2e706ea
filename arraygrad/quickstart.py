"""The quickstart (`arraygrad quickstart`): PyTorch's "Learn the Basics" workflow end to end on
arraygrad: data and loaders, the `NeuralNetwork` model, `CrossEntropyLoss` and `SGD`, the train
and test loops with per-epoch accuracy and loss, saving the weights with `ag.save`, loading them
into a new model to predict a few samples, and a plot of the learning curves.

Offline by default it trains on scikit-learn's handwritten digits (8x8 images shipped with the
package); `--dataset fashion-mnist` uses FashionMNIST with the tutorial's settings (28x28 inputs,
batch 64, SGD lr 1e-3, 10 epochs), downloaded with `--download`."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import arraygrad as ag
from arraygrad import nn, optim
from arraygrad.data import DataLoader, TensorDataset, random_split
from arraygrad.data import transforms as T
from arraygrad.data.datasets import FashionMNIST

__all__ = ["NeuralNetwork", "Settings", "SETTINGS", "load_data", "train", "test", "run"]


@dataclass(frozen=True)
class Settings:
    """A dataset's training settings: image side, batch size, SGD lr and momentum, epochs."""

    side: int
    batch_size: int
    lr: float
    momentum: float
    epochs: int


# digits: 1,437 training images, so a larger step than the tutorial's (which has 60,000) and
# momentum; this reaches about 97% test accuracy in 10 epochs
SETTINGS = {"fashion-mnist": Settings(28, 64, 1e-3, 0.0, 10),
            "digits": Settings(8, 64, 0.05, 0.9, 10)}


class NeuralNetwork(nn.Module):
    """The tutorial's model: flatten, then Linear(in, 512), ReLU, Linear(512, 512), ReLU,
    Linear(512, 10)."""

    def __init__(self, side: int = 28):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(side * side, 512), nn.ReLU(),
            nn.Linear(512, 512), nn.ReLU(),
            nn.Linear(512, 10))

    def forward(self, x):
        x = self.flatten(x)
        return self.linear_relu_stack(x)


def _digits():
    """scikit-learn's handwritten digits as a (train, test, classes) split 80/20 (seed 0)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise SystemExit("arraygrad quickstart: the offline default dataset comes with "
                         "scikit-learn; install it with pip install 'arraygrad[examples]', or "
                         "use --dataset fashion-mnist --download") from None
    d = load_digits()
    images = ag.from_numpy(d.images).to(ag.float32).div(16.0).unsqueeze(1)  # N x 1 x 8 x 8
    data = TensorDataset(images, ag.from_numpy(d.target).to(ag.int64))
    train_data, test_data = random_split(data, [0.8, 0.2],
                                         generator=ag.Generator().manual_seed(0))
    return train_data, test_data, [str(i) for i in range(10)]


def load_data(dataset: str, root: str, download: bool):
    """(training data, test data, class names) of the named dataset."""
    if dataset == "digits":
        return _digits()
    train_data = FashionMNIST(root, train=True, download=download, transform=T.ToTensor())
    test_data = FashionMNIST(root, train=False, download=download, transform=T.ToTensor())
    return train_data, test_data, train_data.classes


def _bar(total: int, desc: str, quiet: bool):
    """A tqdm progress bar when tqdm is installed and output is wanted, else None."""
    if quiet:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc=desc, leave=False, unit="batch")


def _say(msg: str, quiet: bool) -> None:
    if quiet:
        return
    try:
        from tqdm import tqdm

        tqdm.write(msg)
    except ImportError:
        print(msg)


def train(dataloader, model, loss_fn, optimizer, device, *, desc: str = "train",
          quiet: bool = False) -> tuple[float, float]:
    """One epoch, as the tutorial's train loop (printing the loss every 100 batches); returns the
    epoch's mean training loss and accuracy."""
    size = len(dataloader.dataset)
    model.train()
    bar = _bar(len(dataloader), desc, quiet)
    total_loss, correct = 0.0, 0.0
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        value = loss.item()
        total_loss += value * len(X)
        correct += (pred.argmax(1) == y).to(ag.float32).sum().item()
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{value:.4f}")
        if batch % 100 == 0:
            current = (batch + 1) * len(X)
            _say(f"loss: {value:>7f}  [{current:>5d}/{size:>5d}]", quiet)
    if bar is not None:
        bar.close()
    return total_loss / size, correct / size


def test(dataloader, model, loss_fn, device, quiet: bool = False) -> tuple[float, float]:
    """The tutorial's test loop: mean loss and accuracy over the test data, printed."""
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0.0, 0.0
    with ag.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).to(ag.float32).sum().item()
    test_loss /= num_batches
    correct /= size
    _say(f"Test Error: \n Accuracy: {(100 * correct):>0.1f}%, Avg loss: {test_loss:>8f} \n",
         quiet)
    return test_loss, correct


def _plot(history: dict, path: str) -> str | None:
    """Loss and accuracy per epoch as a PNG at path (None when matplotlib is missing)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    epochs = range(1, len(history["train_loss"]) + 1)
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.plot(epochs, history["train_loss"], label="train")
    a.plot(epochs, history["test_loss"], label="test")
    a.set_xlabel("epoch")
    a.set_ylabel("loss")
    a.legend()
    b.plot(epochs, [100 * v for v in history["train_acc"]], label="train")
    b.plot(epochs, [100 * v for v in history["test_acc"]], label="test")
    b.set_xlabel("epoch")
    b.set_ylabel("accuracy (%)")
    b.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def run(dataset: str = "digits", device: str = "cpu", epochs: int | None = None,
        root: str = "data", download: bool = False, out: str = ".", plot: bool = True,
        quiet: bool = False, seed: int = 0) -> dict:
    """Runs the whole workflow and returns the history (per-epoch losses and accuracies), the
    final test accuracy and the paths written."""
    if dataset not in SETTINGS:
        raise ValueError(f"quickstart: unknown dataset {dataset!r} (choose from "
                         f"{', '.join(SETTINGS)})")
    cfg = SETTINGS[dataset]
    epochs = cfg.epochs if epochs is None else epochs
    ag.manual_seed(seed)
    training_data, test_data, classes = load_data(dataset, root, download)
    train_dataloader = DataLoader(training_data, batch_size=cfg.batch_size, shuffle=True)
    test_dataloader = DataLoader(test_data, batch_size=cfg.batch_size)
    X, y = next(iter(test_dataloader))
    _say(f"Shape of X [N, C, H, W]: {X.shape}\nShape of y: {y.shape} {y.dtype}", quiet)

    device = str(ag.device(device))
    _say(f"Using {device} device", quiet)
    model = NeuralNetwork(cfg.side).to(device)
    _say(str(model), quiet)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum)

    history = {"train_loss": [], "train_acc": [], "test_loss": [], "test_acc": []}
    start = time.perf_counter()
    for t in range(epochs):
        _say(f"Epoch {t + 1}\n-------------------------------", quiet)
        tr_loss, tr_acc = train(train_dataloader, model, loss_fn, optimizer, device,
                                desc=f"epoch {t + 1}/{epochs}", quiet=quiet)
        te_loss, te_acc = test(test_dataloader, model, loss_fn, device, quiet)
        for k, v in zip(history, (tr_loss, tr_acc, te_loss, te_acc), strict=True):
            history[k].append(v)
        _say(f"epoch {t + 1}: train loss {tr_loss:.4f}, train accuracy {100 * tr_acc:.1f}%, "
             f"test loss {te_loss:.4f}, test accuracy {100 * te_acc:.1f}%", quiet)
    _say(f"Done! ({time.perf_counter() - start:.1f} s)", quiet)

    os.makedirs(out, exist_ok=True)
    model_path = os.path.join(out, "model.pth")
    ag.save(model.state_dict(), model_path)
    _say(f"Saved arraygrad Model State to {model_path}", quiet)

    model = NeuralNetwork(cfg.side).to(device)
    model.load_state_dict(ag.load(model_path))
    model.eval()
    predictions = []
    with ag.no_grad():
        for i in range(5):
            x, label = test_data[i]
            x = (x if isinstance(x, ag.Tensor) else ag.as_tensor(x)).to(device)
            pred = model(x.unsqueeze(0))
            predicted, actual = classes[pred[0].argmax(0).item()], classes[int(label)]
            predictions.append((predicted, actual))
            _say(f'Predicted: "{predicted}", Actual: "{actual}"', quiet)

    plot_path = _plot(history, os.path.join(out, "quickstart.png")) if plot else None
    if plot_path:
        _say(f"Wrote the loss and accuracy curves to {plot_path}", quiet)
    elif plot:
        _say("(install matplotlib to get a plot of the loss and accuracy curves)", quiet)
    return {"history": history, "accuracy": history["test_acc"][-1] if epochs else None,
            "model_path": model_path, "plot_path": plot_path, "predictions": predictions}
