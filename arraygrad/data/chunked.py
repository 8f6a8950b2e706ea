"""Out-of-core datasets (an arraygrad extension, see DESIGN "Names beyond PyTorch"): datasets over
an `.npy` file, a zarr array or a Dask array, read a whole storage chunk at a time.

The storage chunk is the unit of reading: `.npy` chunks are byte ranges read into fresh buffers
(not a memory map, whose pages would count against the process), zarr chunks are read whole and
Dask blocks computed whole. `ChunkShuffleSampler` shuffles the chunk order and the rows inside a
window of chunks, reproducibly from `seed + epoch`. A `DataLoader` over a `ChunkedDataset` with
the default batching reads chunks on a background thread into a bounded queue and cuts batches in
memory, giving exactly the batches the sampler's order would give, with memory bounded by about
(2 x window + prefetch + 1) x chunk bytes whatever the dataset's size."""

from __future__ import annotations

import os
import queue
import threading
from itertools import accumulate
from pathlib import Path

import numpy as np

from ..core.creation import as_tensor
from ..core.random import Generator
from .dataset import Dataset
from .sampler import Sampler

__all__ = ["ChunkedArray", "NpyArray", "ZarrArray", "DaskArray", "ChunkedDataset",
           "ChunkShuffleSampler", "to_zarr"]


class ChunkedArray:
    """An array on storage, read in whole chunks along its first axis: `shape`, `dtype`,
    `chunk_bounds` (the (start, stop) row range of each chunk) and `read(start, stop)`."""

    shape: tuple
    dtype: np.dtype
    chunk_bounds: list

    def read(self, start: int, stop: int) -> np.ndarray:
        raise NotImplementedError

    def __len__(self) -> int:
        return self.shape[0]

    @property
    def chunk_nbytes(self) -> int:
        """Bytes of the largest chunk."""
        row = int(np.prod(self.shape[1:], dtype=np.int64)) * self.dtype.itemsize
        return max(e - s for s, e in self.chunk_bounds) * row


def _bounds(n: int, rows: int) -> list:
    return [(s, min(s + rows, n)) for s in range(0, n, rows)]


class NpyArray(ChunkedArray):
    """A C-ordered `.npy` file read by byte ranges into fresh buffers; `chunk_rows` rows per
    chunk (default: about 16 MiB)."""

    def __init__(self, path, chunk_rows: int | None = None):
        self.path = str(path)
        if not os.path.exists(self.path):
            raise FileNotFoundError(f"NpyArray: no .npy file at {self.path}")
        with open(self.path, "rb") as f:
            version = np.lib.format.read_magic(f)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, fortran, dtype = read_header(f)
            self._offset = f.tell()
        if fortran and len(shape) > 1:
            raise ValueError(f"NpyArray: {self.path} is Fortran-ordered; rows must be contiguous "
                             f"(save it with np.save(path, np.ascontiguousarray(x)))")
        if dtype.hasobject:
            raise ValueError(f"NpyArray: {self.path} holds Python objects ({dtype}); only "
                             f"numeric arrays can be streamed")
        self.shape, self.dtype = tuple(shape), dtype
        self._row = int(np.prod(shape[1:], dtype=np.int64)) * dtype.itemsize
        if chunk_rows is None:
            chunk_rows = max(1, (16 << 20) // max(self._row, 1))
        self.chunk_bounds = _bounds(self.shape[0], int(chunk_rows))

    def read(self, start: int, stop: int) -> np.ndarray:
        buf = bytearray((stop - start) * self._row)
        with open(self.path, "rb", buffering=0) as f:
            f.seek(self._offset + start * self._row)
            view, got = memoryview(buf), 0
            while got < len(buf):
                n = f.readinto(view[got:])
                if not n:
                    raise OSError(f"NpyArray: {self.path} ended early (rows {start}:{stop})")
                got += n
        return np.frombuffer(buf, self.dtype).reshape((stop - start,) + self.shape[1:])


class ZarrArray(ChunkedArray):
    """A zarr array (a path or an open array), read whole chunk by whole chunk along axis 0."""

    def __init__(self, array):
        import zarr

        if isinstance(array, (str, os.PathLike)):
            if not os.path.exists(array):
                raise FileNotFoundError(f"ZarrArray: no zarr array at {array} (the path does not "
                                        f"exist; write one with arraygrad.data.chunked.to_zarr)")
            array = zarr.open_array(str(array), mode="r")
        self.array = array
        self.shape, self.dtype = tuple(array.shape), np.dtype(array.dtype)
        self.chunk_bounds = _bounds(self.shape[0], array.chunks[0])

    def read(self, start: int, stop: int) -> np.ndarray:
        return np.asarray(self.array[start:stop])


class DaskArray(ChunkedArray):
    """A Dask array whose blocks along axis 0 are computed whole (one `compute` per block, never
    a per-batch slice of the graph); `scheduler` is passed to `compute` ("sync" avoids a thread
    pool per block for data on local storage; None uses Dask's default or the active client)."""

    def __init__(self, array, scheduler: str | None = None):
        self.scheduler = scheduler
        if not hasattr(array, "blocks") or not hasattr(array, "chunks"):
            raise TypeError(f"DaskArray: expected a Dask array, got {type(array).__name__}")
        if any(c != c for c in array.chunks[0]):  # NaN sizes from data-dependent shapes
            raise ValueError("DaskArray: the array has unknown chunk sizes; call "
                             "compute_chunk_sizes() first")
        self.array = array
        self.shape, self.dtype = tuple(array.shape), np.dtype(array.dtype)
        ends = list(accumulate(array.chunks[0]))
        self.chunk_bounds = list(zip([0] + ends[:-1], ends, strict=True))

    def read(self, start: int, stop: int) -> np.ndarray:
        ends = [e for _, e in self.chunk_bounds]
        kw = {} if self.scheduler is None else {"scheduler": self.scheduler}
        if (start, stop) in self.chunk_bounds:
            return np.asarray(self.array.blocks[ends.index(stop)].compute(**kw))
        return np.asarray(self.array[start:stop].compute(**kw))


def _as_chunked(a, chunk_rows=None) -> ChunkedArray:
    if isinstance(a, ChunkedArray):
        return a
    if isinstance(a, (str, os.PathLike)):
        return NpyArray(a, chunk_rows) if str(a).endswith(".npy") else ZarrArray(a)
    if hasattr(a, "blocks") and hasattr(a, "chunks"):
        return DaskArray(a)
    if type(a).__module__.split(".")[0] == "zarr":
        return ZarrArray(a)
    raise TypeError(f"ChunkedDataset: cannot read {type(a).__name__} by chunks (give a .npy "
                    f"path, a zarr path or array, a Dask array or a ChunkedArray)")


class ChunkedDataset(Dataset):
    """Samples are the i-th rows of each array (a `TensorDataset` over storage). The first array's
    chunks are the dataset's; the others are read over the same row ranges. Indexing one sample
    reads its chunk (the last chunk read is kept); loading goes through whole chunks."""

    def __init__(self, *arrays, chunk_rows: int | None = None):
        if not arrays:
            raise ValueError("ChunkedDataset(): give at least one array")
        self.arrays = [_as_chunked(a, chunk_rows) for a in arrays]
        n = [len(a) for a in self.arrays]
        if any(x != n[0] for x in n):
            raise ValueError(f"ChunkedDataset(): size mismatch between arrays: first dimensions "
                             f"{n}")
        self.chunk_bounds = self.arrays[0].chunk_bounds
        self._ends = [e for _, e in self.chunk_bounds]
        self._cache = (None, None)

    @classmethod
    def from_zarr(cls, path) -> ChunkedDataset:
        """The dataset `to_zarr` wrote at path (its arrays in their saved order)."""
        import zarr

        if not os.path.exists(path):
            raise FileNotFoundError(f"ChunkedDataset.from_zarr: no zarr store at {path}")
        group = zarr.open_group(str(path), mode="r")
        names = group.attrs.get("arraygrad_fields")
        if names is None:
            raise ValueError(f"ChunkedDataset.from_zarr: {path} was not written by to_zarr (no "
                             f"'arraygrad_fields' attribute); open its arrays with ZarrArray")
        return cls(*(ZarrArray(group[n]) for n in names))

    def __len__(self) -> int:
        return len(self.arrays[0])

    def read_chunk(self, k: int) -> list:
        """Chunk k of every array, as host arrays."""
        s, e = self.chunk_bounds[k]
        return [a.read(s, e) for a in self.arrays]

    def __getitem__(self, index):
        n = len(self)
        i = int(index)
        if i < -n or i >= n:
            raise IndexError(f"ChunkedDataset: index {i} is out of range for a dataset of {n} "
                             f"samples")
        i += n if i < 0 else 0
        import bisect

        k = bisect.bisect_right(self._ends, i)
        if self._cache[0] != k:
            self._cache = (k, self.read_chunk(k))
        s = self.chunk_bounds[k][0]
        return tuple(as_tensor(c[i - s, ...]) for c in self._cache[1])


class ChunkShuffleSampler(Sampler):
    """Indices of a `ChunkedDataset` chunk-aware: the chunks in a shuffled order, taken `window`
    at a time, the rows of each window shuffled together. Reproducible from `seed + epoch` (call
    `set_epoch` each epoch, as with `DistributedSampler`); `shuffle=False` gives 0..n-1."""

    def __init__(self, dataset: ChunkedDataset, window: int = 4, shuffle: bool = True,
                 seed: int = 0):
        if not isinstance(window, int) or window < 1:
            raise ValueError(f"ChunkShuffleSampler(): window should be a positive integer, got "
                             f"{window!r}")
        self.dataset, self.window, self.shuffle, self.seed = dataset, window, shuffle, seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Sets the epoch, which with `seed` decides the order."""
        self.epoch = epoch

    def _windows(self, g: Generator) -> list:
        n = len(self.dataset.chunk_bounds)
        if not self.shuffle:
            return [[k] for k in range(n)]
        order = g._permutation(n, "int64").tolist()
        return [order[w:w + self.window] for w in range(0, n, self.window)]

    def chunk_order(self) -> list:
        """The chunks in the order they are read this epoch."""
        g = Generator().manual_seed(self.seed + self.epoch)
        return [k for ids in self._windows(g) for k in ids]

    def plan(self):
        """Yields (chunk ids, row permutation of their concatenation or None) in reading order;
        each window's permutation is drawn when it is reached, so the plan itself holds one
        window's indices, not the dataset's."""
        bounds = self.dataset.chunk_bounds
        g = Generator().manual_seed(self.seed + self.epoch)
        for ids in self._windows(g):
            if not self.shuffle:
                yield ids, None
                continue
            rows = sum(bounds[k][1] - bounds[k][0] for k in ids)
            yield ids, g._permutation(rows, "int64")

    def __iter__(self):
        bounds = self.dataset.chunk_bounds
        for ids, perm in self.plan():
            rows = [i for k in ids for i in range(*bounds[k])]
            yield from (rows if perm is None else [rows[p] for p in perm.tolist()])

    def __len__(self) -> int:
        return len(self.dataset)


class _ChunkStream:
    """The loader path for a ChunkedDataset: a thread reads whole chunks in the plan's order into
    a queue of `prefetch` chunks; this side joins a window, permutes it and cuts batches."""

    def __init__(self, dataset: ChunkedDataset, plan, ids: list, batch_size: int,
                 drop_last: bool, prefetch: int):
        self._plan, self._batch, self._drop_last = plan, batch_size, drop_last
        self._queue = queue.Queue(maxsize=max(1, prefetch))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=_read_chunks,
                                        args=(dataset, ids, self._queue, self._stop), daemon=True)
        self._thread.start()
        self._gen = self._batches()
        self._n = len(dataset)

    def __len__(self) -> int:
        return self._n // self._batch if self._drop_last else -(-self._n // self._batch)

    def _next_chunk(self) -> list:
        item = self._queue.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def _batches(self):
        carry = None
        for ids, perm in self._plan:
            parts = [self._next_chunk() for _ in ids]
            cols = [p[0] if len(parts) == 1 else np.concatenate(p) for p in zip(*parts,
                                                                              strict=True)]
            del parts
            if perm is not None:
                cols = [c[perm] for c in cols]
            if carry is not None:
                cols = [np.concatenate([a, c]) for a, c in zip(carry, cols, strict=True)]
            n, s = len(cols[0]), 0
            while n - s >= self._batch:
                yield [as_tensor(np.ascontiguousarray(c[s:s + self._batch])) for c in cols]
                s += self._batch
            carry = [c[s:].copy() for c in cols] if s < n else None
            del cols
        if carry is not None and not self._drop_last:
            yield [as_tensor(c) for c in carry]

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._gen)

    def __del__(self):
        self._stop.set()
        try:
            while True:
                self._queue.get_nowait()
        except (queue.Empty, AttributeError):
            pass


def _read_chunks(dataset, ids, out: queue.Queue, stop: threading.Event) -> None:
    for k in ids:
        try:
            item = dataset.read_chunk(k)
        except Exception as e:  # handed to the consumer, raised there
            item = e
        while not stop.is_set():
            try:
                out.put(item, timeout=0.1)
                break
            except queue.Full:
                continue
        if stop.is_set() or isinstance(item, Exception):
            return


def stream(loader) -> _ChunkStream | None:
    """The chunk-streaming iterator for a DataLoader over a ChunkedDataset when its batching is the
    default one (SequentialSampler or ChunkShuffleSampler, default_collate, no workers); None when
    the loader must take the per-sample path."""
    from .collate import default_collate
    from .sampler import BatchSampler, SequentialSampler

    ds = loader.dataset
    if (not isinstance(ds, ChunkedDataset) or loader.num_workers != 0
            or loader.collate_fn is not default_collate
            or type(loader.batch_sampler) is not BatchSampler
            or not isinstance(loader.sampler, (SequentialSampler, ChunkShuffleSampler))):
        return None
    s = loader.sampler
    if isinstance(s, ChunkShuffleSampler):
        if s.dataset is not ds:
            return None
        plan, ids, prefetch = s.plan(), s.chunk_order(), s.window
    else:
        ids = list(range(len(ds.chunk_bounds)))
        plan, prefetch = [([k], None) for k in ids], 2
    return _ChunkStream(ds, plan, ids, loader.batch_size, loader.drop_last, prefetch)


def to_zarr(data, path, chunks: int = 4096, compressors="default") -> ChunkedDataset:
    """Writes arrays (a tuple/list of same-length arrays or tensors) or a map-style Dataset (its
    samples collated `chunks` at a time) to a zarr group at path, `chunks` rows per chunk, and
    returns the `ChunkedDataset` over it. `compressors=None` stores chunks uncompressed (fastest
    to read); "default" keeps zarr's default."""
    import zarr

    from .collate import default_collate

    def host(a):
        return a.numpy(force=True) if hasattr(a, "numpy") and not isinstance(a, np.ndarray) \
            else np.asarray(a)

    if isinstance(data, Dataset):
        n = len(data)
        first = default_collate([data[0]])
        first = list(first) if isinstance(first, (list, tuple)) else [first]
        specs = [(tuple(host(f).shape[1:]), host(f).dtype) for f in first]

        def block(s, e):
            b = default_collate([data[i] for i in range(s, e)])
            return [host(x) for x in (b if isinstance(b, (list, tuple)) else [b])]
    else:
        arrays = [host(a) for a in data]
        n = len(arrays[0])
        specs = [(a.shape[1:], a.dtype) for a in arrays]

        def block(s, e):
            return [a[s:e] for a in arrays]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    group = zarr.open_group(str(path), mode="w")
    kw = {} if compressors == "default" else {"compressors": compressors}
    names = [f"f{i}" for i in range(len(specs))]
    outs = [group.create_array(name, shape=(n,) + shp, chunks=(chunks,) + shp, dtype=dt, **kw)
            for name, (shp, dt) in zip(names, specs, strict=True)]
    for s, e in _bounds(n, chunks):
        for out, b in zip(outs, block(s, e), strict=True):
            out[s:e] = b
    group.attrs["arraygrad_fields"] = names
    return ChunkedDataset.from_zarr(path)
