"""Train on a dataset streamed from disk, whatever its size (arraygrad.data.chunked).

Builds a synthetic classification dataset of the given size on disk (an .npy file pair or a zarr
store; labels from a random linear teacher, so it is learnable), then trains a small MLP on it for
the given epochs, streaming whole chunks on a background thread with block shuffling
(ChunkShuffleSampler): memory stays at a few chunks however large --size-mb is. Shows a progress
bar (tqdm) and the loss and accuracy per epoch.
Run: python examples/large_dataset.py --size-mb 512 [--format zarr] [--device dask]
"""

import os
import shutil
import tempfile
import time

import _cli
import numpy as np

import arraygrad as ag
from arraygrad import nn, optim
from arraygrad.data import DataLoader
from arraygrad.data import chunked as C

FEATURES, CLASSES = 64, 10


def build(folder: str, rows: int, fmt: str, chunk_rows: int, seed: int = 0):
    """Writes the synthetic dataset a block at a time (never all in memory) and returns the
    ChunkedDataset over it."""
    rng = np.random.default_rng(seed)
    teacher = rng.standard_normal((FEATURES, CLASSES)).astype(np.float32)
    x_path, y_path = os.path.join(folder, "x.npy"), os.path.join(folder, "y.npy")
    with open(x_path, "wb") as fx, open(y_path, "wb") as fy:
        np.lib.format.write_array_header_1_0(
            fx, {"descr": "<f4", "fortran_order": False, "shape": (rows, FEATURES)})
        np.lib.format.write_array_header_1_0(
            fy, {"descr": "<i8", "fortran_order": False, "shape": (rows,)})
        for s in range(0, rows, chunk_rows):
            block = rng.standard_normal((min(chunk_rows, rows - s), FEATURES), dtype=np.float32)
            fx.write(block.tobytes())
            fy.write((block @ teacher).argmax(1).astype("<i8").tobytes())
    npy = C.ChunkedDataset(x_path, y_path, chunk_rows=chunk_rows)
    if fmt == "npy":
        return npy
    return C.to_zarr(npy, os.path.join(folder, "data.zarr"), chunks=chunk_rows)


def main(argv=None):
    """Builds the dataset, trains; returns {"losses": [...], "accuracies": [...], "rows": n}."""
    p = _cli.parser(__doc__, steps=0, steps_help="stop each epoch after this many steps (0: all)")
    p.add_argument("--size-mb", type=float, default=64, help="size of the features on disk")
    p.add_argument("--format", choices=["npy", "zarr"], default="npy")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--chunk-rows", type=int, default=16384)
    p.add_argument("--window", type=int, default=4, help="chunks shuffled together")
    p.add_argument("--dir", default=None, help="where to build it (default: a temporary folder, "
                                               "deleted at the end)")
    args = p.parse_args(argv)
    rows = int(args.size_mb * (1 << 20)) // (FEATURES * 4)
    folder = args.dir or tempfile.mkdtemp(prefix="arraygrad-large-")
    os.makedirs(folder, exist_ok=True)
    try:
        t = time.perf_counter()
        ds = build(folder, rows, args.format, args.chunk_rows)
        print(f"built {rows} samples ({args.size_mb:g} MB of features, {args.format}, "
              f"{len(ds.chunk_bounds)} chunks) in {folder} in {time.perf_counter() - t:.1f} s")
        return train(ds, args)
    finally:
        if args.dir is None:
            shutil.rmtree(folder, ignore_errors=True)


def train(ds, args) -> dict:
    """Trains the MLP over the streamed dataset; prints loss and accuracy per epoch."""
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None
    ag.manual_seed(0)
    device = ag.device(args.device)
    model = nn.Sequential(nn.Linear(FEATURES, 128), nn.ReLU(), nn.Linear(128, CLASSES)).to(device)
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sampler = C.ChunkShuffleSampler(ds, window=args.window, seed=0)
    loader = DataLoader(ds, batch_size=args.batch_size, sampler=sampler, device=device)
    losses, accuracies = [], []
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        total = len(loader) if not args.steps else min(args.steps, len(loader))
        bar = tqdm(total=total, desc=f"epoch {epoch + 1}", unit="batch") if tqdm else None
        seen, loss_sum, correct = 0, 0.0, 0.0
        for step, (X, y) in enumerate(loader):
            pred = model(X)
            loss = loss_fn(pred, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            value = loss.item()
            seen += len(y)
            loss_sum += value * len(y)
            correct += (pred.argmax(1) == y).sum().item()
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{value:.3f}")
            if args.steps and step + 1 >= args.steps:
                break
        if bar is not None:
            bar.close()
        losses.append(loss_sum / seen)
        accuracies.append(correct / seen)
        print(f"epoch {epoch + 1}: loss {losses[-1]:.4f}, accuracy {100 * accuracies[-1]:.1f}% "
              f"({seen} samples)")
    return {"losses": losses, "accuracies": accuracies, "rows": len(ds)}


if __name__ == "__main__":
    main()
