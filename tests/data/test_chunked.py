"""Out-of-core datasets: .npy byte ranges, zarr chunks and Dask blocks give the batches the
sampler's order gives, chunk shuffling is reproducible, reading stays a bounded number of chunks
ahead, to_zarr round-trips, and the errors are clear."""

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.data import DataLoader, TensorDataset
from arraygrad.data import chunked as C
from arraygrad.data.dataloader import _SingleProcessIter

N = 300


@pytest.fixture
def arrays():
    rng = np.random.default_rng(0)
    return rng.standard_normal((N, 3)).astype(np.float32), np.arange(N, dtype=np.int64)


@pytest.fixture
def npy(tmp_path, arrays):
    X, y = arrays
    np.save(tmp_path / "x.npy", X)
    np.save(tmp_path / "y.npy", y)
    return C.ChunkedDataset(tmp_path / "x.npy", tmp_path / "y.npy", chunk_rows=32)


def _vals(batches):
    return [[t.tolist() for t in b] for b in batches]


def test_npy_chunks_are_fresh_buffers_with_the_files_rows(npy, arrays):
    x = npy.arrays[0]
    assert npy.chunk_bounds[:2] == [(0, 32), (32, 64)] and npy.chunk_bounds[-1] == (288, 300)
    part = x.read(32, 64)
    assert not isinstance(part, np.memmap) and part.flags.writeable
    np.testing.assert_array_equal(part, arrays[0][32:64])
    xi, yi = npy[-1]
    assert yi.item() == N - 1 and xi.tolist() == arrays[0][-1].tolist()
    with pytest.raises(IndexError, match="index 300 is out of range"):
        npy[N]


def test_streamed_batches_equal_the_samplers_order(npy):
    sampler = C.ChunkShuffleSampler(npy, window=3, seed=1)
    loader = DataLoader(npy, batch_size=50, sampler=sampler)
    it = iter(loader)
    assert isinstance(it, C._ChunkStream) and len(it) == 6
    streamed = _vals(it)
    per_sample = _vals(_SingleProcessIter(loader))
    assert streamed == per_sample
    labels = sum((b[1] for b in streamed), [])
    assert sorted(labels) == list(range(N)) and labels != list(range(N))


def test_chunk_shuffle_is_reproducible_and_changes_per_epoch(npy):
    a = list(C.ChunkShuffleSampler(npy, seed=4))
    assert a == list(C.ChunkShuffleSampler(npy, seed=4))
    s = C.ChunkShuffleSampler(npy, seed=4)
    s.set_epoch(1)
    assert list(s) != a and sorted(s) == list(range(N))
    assert [k for ids, _ in s.plan() for k in ids] == s.chunk_order()
    assert sorted(s.chunk_order()) == list(range(len(npy.chunk_bounds)))
    assert list(C.ChunkShuffleSampler(npy, shuffle=False)) == list(range(N))
    # rows stay within their window of chunks: the first window's rows come from 4 chunks
    first_window = {i // 32 for i in a[:4 * 32 - 20]}
    assert len(first_window) <= 4
    with pytest.raises(ValueError, match="window should be a positive integer"):
        C.ChunkShuffleSampler(npy, window=0)


def test_sequential_stream_and_drop_last(npy, arrays):
    out = list(DataLoader(npy, batch_size=64, drop_last=True))
    assert len(out) == 4 and out[-1][1].tolist() == list(range(192, 256))
    np.testing.assert_array_equal(out[0][0].numpy(), arrays[0][:64])


def test_zarr_from_arrays_and_from_a_dataset(tmp_path, arrays, npy):
    X, y = arrays
    z = C.to_zarr((X, y), tmp_path / "d.zarr", chunks=40, compressors=None)
    assert z.chunk_bounds[1] == (40, 80)
    ref = _vals(DataLoader(npy, batch_size=64))
    assert _vals(DataLoader(z, batch_size=64)) == ref
    z2 = C.to_zarr(TensorDataset(ag.from_numpy(X), ag.from_numpy(y)), tmp_path / "e.zarr",
                   chunks=64)
    assert _vals(DataLoader(C.ChunkedDataset.from_zarr(tmp_path / "e.zarr"), batch_size=64)) == ref
    assert z2.arrays[1].dtype == np.int64


def test_missing_zarr_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no zarr array at .*nothing.zarr"):
        C.ChunkedDataset(str(tmp_path / "nothing.zarr"))
    with pytest.raises(FileNotFoundError, match="no zarr store at"):
        C.ChunkedDataset.from_zarr(tmp_path / "nothing.zarr")


def test_dask_blocks_give_the_same_batches(npy, arrays):
    da = pytest.importorskip("dask.array")
    X, y = arrays
    ds = C.ChunkedDataset(da.from_array(X, chunks=(32, 3)), da.from_array(y, chunks=32))
    sampler = C.ChunkShuffleSampler(ds, window=2, seed=3)
    ref = _vals(_SingleProcessIter(DataLoader(npy, batch_size=40,
                                              sampler=C.ChunkShuffleSampler(npy, 2, seed=3))))
    assert _vals(DataLoader(ds, batch_size=40, sampler=sampler)) == ref


class _Counting(C.ChunkedArray):
    """Records which chunks were read."""

    def __init__(self, n, rows):
        self.shape, self.dtype = (n,), np.dtype(np.int64)
        self.chunk_bounds = C._bounds(n, rows)
        self.reads = []

    def read(self, s, e):
        self.reads.append(s)
        return np.arange(s, e)


def test_reading_stays_a_bounded_number_of_chunks_ahead():
    src = _Counting(10_000, 100)  # 100 chunks
    ds = C.ChunkedDataset(src)
    it = iter(DataLoader(ds, batch_size=10, sampler=C.ChunkShuffleSampler(ds, window=2)))
    next(it)
    import time

    time.sleep(0.3)  # give the reader thread every chance to run ahead
    assert len(src.reads) <= 2 + 2 + 1  # the window in use, the prefetch queue, one in hand
    rest = sum(len(b[0]) for b in it)
    assert rest == 10_000 - 10 and len(src.reads) == 100


def test_streamed_batches_on_every_backend(npy, device):
    ref = _vals(DataLoader(npy, batch_size=100))
    got = list(DataLoader(npy, batch_size=100, device=device))
    assert all(t.device == ag.device(device) for b in got for t in b) and _vals(got) == ref


def test_size_mismatch_and_unreadable_inputs(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros((5, 2)))
    np.save(tmp_path / "b.npy", np.zeros(4))
    with pytest.raises(ValueError, match=r"size mismatch between arrays: first dimensions "
                                         r"\[5, 4\]"):
        C.ChunkedDataset(tmp_path / "a.npy", tmp_path / "b.npy")
    with pytest.raises(TypeError, match="cannot read list by chunks"):
        C.ChunkedDataset([1, 2])
    with pytest.raises(FileNotFoundError, match="no .npy file at"):
        C.ChunkedDataset(tmp_path / "missing.npy")
