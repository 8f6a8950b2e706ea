"""Streaming training data from disk (arraygrad.data.chunked) against the same training on data
already in memory, and the peak memory of streaming datasets of two sizes.

One epoch of an MLP (256 -> 256 -> 10, SGD, batch 256) over the same synthetic data: in memory
(DataLoader over a TensorDataset, shuffled) and streamed with block shuffling (ChunkShuffleSampler,
window 4) from an .npy file, a zarr store and a Dask array over that zarr store. Then, in fresh
processes, the peak resident memory while streaming the batches of a 1 GB and a 4 GB .npy file.
Targets (issue 8): epoch time at most 1.05x in-memory for .npy, 1.15x for zarr, 1.25x for Dask;
peak memory of the two sizes within 10% of each other.

Usage (from the repository root): python benchmarks/stream.py [--size-mb 256] [--memory-gb 1 4]
[--dir DIR] [--repeat 3]. Everything it writes goes in a fresh folder under --dir (default: the
system temporary folder) and is deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

FEATURES, CLASSES, BATCH, CHUNK_ROWS, WINDOW = 256, 10, 256, 8192, 4
TARGETS = {"npy": 1.05, "zarr": 1.15, "dask": 1.25}


def _write_npy(path: str, rows: int, seed: int = 0) -> None:
    """A (rows, FEATURES) float32 .npy file and its labels, written a block at a time."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((FEATURES, CLASSES)).astype(np.float32)
    header = {"descr": "<f4", "fortran_order": False, "shape": (rows, FEATURES)}
    labels = np.empty(rows, np.int64)
    with open(path + "_x.npy", "wb") as f:
        np.lib.format.write_array_header_1_0(f, header)
        for s in range(0, rows, 65536):
            block = rng.standard_normal((min(65536, rows - s), FEATURES), dtype=np.float32)
            labels[s:s + len(block)] = (block @ w).argmax(1)
            f.write(block.tobytes())
    np.save(path + "_y.npy", labels)


def _model():
    import arraygrad as ag
    from arraygrad import nn, optim

    ag.manual_seed(0)
    m = nn.Sequential(nn.Linear(FEATURES, 256), nn.ReLU(), nn.Linear(256, CLASSES))
    return m, nn.CrossEntropyLoss(), optim.SGD(m.parameters(), lr=0.01)


def _epoch(loader) -> tuple[float, int]:
    model, loss_fn, opt = _model()
    t, n = time.perf_counter(), 0
    for X, y in loader:
        loss = loss_fn(model(X), y)
        loss.backward()
        opt.step()
        opt.zero_grad()
        n += len(y)
    loss.item()
    return time.perf_counter() - t, n


def _loaders(base: str):
    """(name, loader) for in-memory data and each streamed format."""
    import dask.array as da

    import arraygrad as ag
    from arraygrad.data import DataLoader, TensorDataset
    from arraygrad.data import chunked as C

    X, y = np.load(base + "_x.npy"), np.load(base + "_y.npy")
    mem = TensorDataset(ag.from_numpy(X), ag.from_numpy(y))
    npy = C.ChunkedDataset(base + "_x.npy", base + "_y.npy", chunk_rows=CHUNK_ROWS)
    zarr_ds = C.to_zarr((X, y), base + ".zarr", chunks=CHUNK_ROWS, compressors=None)
    del X, y
    dask_ds = C.ChunkedDataset(*(C.DaskArray(da.from_zarr(base + ".zarr", component=f"f{i}"),
                                           scheduler="sync") for i in range(2)))

    def stream(ds):
        return DataLoader(ds, batch_size=BATCH, sampler=C.ChunkShuffleSampler(ds, WINDOW))

    return [("in memory", DataLoader(mem, batch_size=BATCH, shuffle=True)),
            ("npy", stream(npy)), ("zarr", stream(zarr_ds)), ("dask", stream(dask_ds))]


def _speed(folder: str, size_mb: int, repeat: int) -> list[str]:
    rows = size_mb * (1 << 20) // (FEATURES * 4)
    base = os.path.join(folder, "speed")
    _write_npy(base, rows)
    loaders = _loaders(base)
    times = {name: [] for name, _ in loaders}
    for _ in range(repeat):  # interleaved, so load changes on a shared machine hit every arm
        for name, loader in loaders:
            dt, n = _epoch(loader)
            if n != rows:
                raise SystemExit(f"{name}: the epoch saw {n} samples, expected {rows}")
            times[name].append(dt)
    mem = statistics.median(times["in memory"])
    out = [f"epoch over {size_mb} MB ({rows} x {FEATURES} float32, batch {BATCH}, chunks of "
           f"{CHUNK_ROWS} rows, window {WINDOW}), median of {repeat}:", "",
           "| data | epoch (s) | vs in memory | target |", "| --- | --- | --- | --- |"]
    for name, ts in times.items():
        med = statistics.median(ts)
        target = f"<= {TARGETS[name]:.2f}x" if name in TARGETS else ""
        out.append(f"| {name} | {med:.2f} | {med / mem:.2f}x | {target} |")
    return out


def _memory_child(base: str) -> None:
    """Streams one epoch of batches over base's .npy files (each batch reduced, so it is
    touched); prints the peak RSS in MB, the samples seen and the seconds."""
    from arraygrad.data import DataLoader
    from arraygrad.data import chunked as C

    ds = C.ChunkedDataset(base + "_x.npy", base + "_y.npy", chunk_rows=CHUNK_ROWS)
    t, n = time.perf_counter(), 0
    for X, y in DataLoader(ds, batch_size=BATCH, sampler=C.ChunkShuffleSampler(ds, WINDOW)):
        X.sum()
        n += len(y)
    dt = time.perf_counter() - t
    print(f"{_peak_mb():.0f} {n} {dt:.1f}")


def _peak_mb() -> float:
    """This process's peak resident memory in MB: VmHWM, not ru_maxrss, which on Linux carries the
    parent's peak across fork and exec."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _memory(folder: str, sizes_gb: list) -> list[str]:
    out = ["", f"peak resident memory streaming one epoch of batches (.npy, chunks of "
               f"{CHUNK_ROWS} rows = {CHUNK_ROWS * FEATURES * 4 >> 20} MB, window {WINDOW}):", "",
           "| dataset | rows | peak RSS (MB) | epoch (s) |", "| --- | --- | --- | --- |"]
    peaks = []
    for gb in sizes_gb:
        base = os.path.join(folder, f"mem{gb}")
        rows = int(gb * (1 << 30)) // (FEATURES * 4)
        _write_npy(base, rows)
        r = subprocess.run([sys.executable, __file__, "--memory-child", base], check=True,
                           capture_output=True, text=True)
        peak, n, dt = r.stdout.split()[-3:]
        peaks.append(float(peak))
        out.append(f"| {gb} GB | {n} | {peak} | {dt} |")
        for suffix in ("_x.npy", "_y.npy"):
            os.remove(base + suffix)
    if len(peaks) > 1:
        out += ["", f"largest / smallest peak: {max(peaks) / min(peaks):.3f} (target <= 1.10)"]
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size-mb", type=int, default=256, help="dataset size for the epoch timings")
    p.add_argument("--memory-gb", type=float, nargs="*", default=[1, 4],
                   help="dataset sizes for the memory measurement (none to skip)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--dir", default=None, help="where the temporary data folder goes")
    p.add_argument("--memory-child", metavar="BASE", help=argparse.SUPPRESS)
    args = p.parse_args()
    try:  # one BLAS thread: both arms the same, and stable on a shared 2-core machine
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        pass
    if args.memory_child:
        _memory_child(args.memory_child)
        return
    folder = tempfile.mkdtemp(prefix="arraygrad-stream-", dir=args.dir)
    try:
        lines = _speed(folder, args.size_mb, args.repeat)
        print("\n".join(lines), flush=True)
        if args.memory_gb:
            mem = _memory(folder, args.memory_gb)
            print("\n".join(mem))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
