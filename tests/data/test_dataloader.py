"""DataLoader: batches on every backend, PyTorch's argument errors, iterable datasets, worker
processes (fork and spawn) giving num_workers=0's batches, seeding, errors with the worker's
traceback, timeouts, clean shutdown, persistent workers and device=."""

import gc
import os
import random
import time

import pytest

import arraygrad as ag
from arraygrad.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info


def _values(batches):
    return [[t.tolist() for t in b] for b in batches]


class Squares(Dataset):
    """Module level so that spawned workers can unpickle it."""

    def __len__(self):
        return 10

    def __getitem__(self, i):
        return i, float(i * i)


class WhoAmI(Dataset):
    """Each sample says which process, worker and seeds produced it."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = get_worker_info()
        return {"i": i, "pid": os.getpid(), "worker": info.id, "seed": info.seed,
                "rand": random.random()}


class Failing(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            raise ValueError("sample 2 is broken")
        return i


class Slow(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        time.sleep(1.5)
        return i


class Shards(IterableDataset):
    """Each worker yields its share of range(n) (the sharding get_worker_info is for)."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        wid, num = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(wid, self.n, num))

    def __len__(self):
        return self.n


def test_same_batches_on_every_backend(device):
    x = ag.arange(20, dtype=ag.float32).reshape(10, 2)
    y = ag.arange(10)
    ref = _values(DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True,
                             generator=ag.Generator().manual_seed(2)))
    ds = TensorDataset(x.to(device), y.to(device))
    got = list(DataLoader(ds, batch_size=4, shuffle=True, generator=ag.Generator().manual_seed(2)))
    assert all(t.device == ag.device(device) for b in got for t in b)
    assert _values(got) == ref and [len(b[1]) for b in got] == [4, 4, 2]


def test_len_and_drop_last():
    ds = Squares()
    assert len(DataLoader(ds, batch_size=3)) == 4
    assert len(DataLoader(ds, batch_size=3, drop_last=True)) == 3
    assert len(list(DataLoader(ds, batch_size=3, drop_last=True))) == 3
    assert len(DataLoader(Shards(10), batch_size=4)) == 3


def test_batch_size_none_gives_unbatched_converted_samples():
    out = list(DataLoader(Squares(), batch_size=None))
    assert out[3] == [3, 9.0]


def test_argument_errors_as_pytorch():
    ds = Squares()
    cases = [
        (dict(num_workers=-1), ValueError, "num_workers option should be non-negative"),
        (dict(timeout=-1), ValueError, "timeout option should be non-negative"),
        (dict(prefetch_factor=2), ValueError, "prefetch_factor option could only be specified"),
        (dict(persistent_workers=True), ValueError, "persistent_workers option needs"),
        (dict(sampler=[0, 1], shuffle=True), ValueError, "mutually exclusive with shuffle"),
        (dict(batch_sampler=[[0]], batch_size=2), ValueError, "batch_sampler option is mutually"),
        (dict(batch_size=None, drop_last=True), ValueError, "batch_size=None option disables"),
        (dict(batch_size=0), ValueError, "batch_size should be a positive integer"),
        (dict(multiprocessing_context="fork"), ValueError, "can only be used with multi-process"),
        (dict(num_workers=1, multiprocessing_context="nope"), ValueError, "valid start method"),
        (dict(num_workers=1, multiprocessing_context=3), TypeError, "valid context object"),
    ]
    for kwargs, exc, msg in cases:
        with pytest.raises(exc, match=msg):
            DataLoader(ds, **kwargs)
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        DataLoader(Shards(4), shuffle=True)
    loader = DataLoader(ds)
    with pytest.raises(ValueError, match="batch_size attribute should not be set after"):
        loader.batch_size = 3


def test_iterable_dataset_single_process():
    assert _values(DataLoader(Shards(5), batch_size=2)) == [[0, 1], [2, 3], [4]]
    assert _values(DataLoader(Shards(5), batch_size=2, drop_last=True)) == [[0, 1], [2, 3]]


def test_fork_workers_match_single_process_and_shard_iterables():
    kwargs = dict(batch_size=3, shuffle=True)
    ref = list(DataLoader(Squares(), generator=ag.Generator().manual_seed(4), **kwargs))
    got = list(DataLoader(Squares(), generator=ag.Generator().manual_seed(4), num_workers=2,
                          multiprocessing_context="fork", **kwargs))
    assert _values(got) == _values(ref)
    it = DataLoader(Shards(7), batch_size=2, num_workers=2, multiprocessing_context="fork")
    # round-robin over the workers, as PyTorch: worker 0's batches interleave with worker 1's
    assert [b.tolist() for b in it] == [[0, 2], [1, 3], [4, 6], [5]]


def test_spawn_workers_match_single_process():
    ref = _values(DataLoader(Squares(), batch_size=4))
    got = _values(DataLoader(Squares(), batch_size=4, num_workers=1,
                             multiprocessing_context="spawn"))
    assert got == ref


def test_worker_seeding_info_and_shutdown_after_break():
    seen = []
    loader = DataLoader(WhoAmI(), batch_size=2, num_workers=2, multiprocessing_context="fork",
                        generator=ag.Generator().manual_seed(9),
                        worker_init_fn=lambda wid: seen.append(wid))
    it = iter(loader)
    batches = [next(it) for _ in range(3)]
    workers = list(it._workers)
    base = batches[0]["seed"][0].item()
    assert [b["worker"].tolist() for b in batches] == [[0, 0], [1, 1], [0, 0]]
    assert batches[1]["seed"][0].item() == base + 1
    assert batches[0]["pid"][0].item() != os.getpid()
    # seeds are (generator's base seed) + worker id: the same run gives the same random numbers
    again = iter(DataLoader(WhoAmI(), batch_size=2, num_workers=2, multiprocessing_context="fork",
                            generator=ag.Generator().manual_seed(9)))
    assert next(again)["rand"].tolist() == batches[0]["rand"].tolist()
    del it, again
    gc.collect()
    for w in workers:
        w.join(timeout=10)
        assert not w.is_alive()


def test_worker_exception_is_reraised_with_its_traceback():
    with pytest.raises(ValueError) as e:
        list(DataLoader(Failing(), batch_size=1, num_workers=1, multiprocessing_context="fork"))
    text = str(e.value)
    assert "in DataLoader worker process 0" in text and "sample 2 is broken" in text
    assert "Traceback" in text and "__getitem__" in text


def test_timeout_raises():
    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.2 seconds"):
        list(DataLoader(Slow(), num_workers=1, timeout=0.2, multiprocessing_context="fork"))


def test_persistent_workers_are_reused_across_epochs():
    loader = DataLoader(WhoAmI(), batch_size=4, num_workers=1, persistent_workers=True,
                        multiprocessing_context="fork")
    first = [b["pid"].tolist() for b in loader]
    second = [b["pid"].tolist() for b in loader]
    assert first == second and len(first) == 2
    w = loader._iterator._workers[0]
    del loader
    gc.collect()
    w.join(timeout=10)
    assert not w.is_alive()


def test_device_option_delivers_batches_on_the_device(device):
    x = ag.arange(10, dtype=ag.float32)
    ref = [b[0].tolist() for b in DataLoader(TensorDataset(x), batch_size=4)]
    loader = DataLoader(TensorDataset(x), batch_size=4, device=device)
    got = list(loader)
    assert len(loader) == 3 and all(b[0].device == ag.device(device) for b in got)
    assert [b[0].tolist() for b in got] == ref


def test_device_option_passes_errors_and_stops_on_break():
    with pytest.raises(IndexError):
        list(DataLoader(TensorDataset(ag.zeros(3)), sampler=[0, 5], batch_size=1, device="cpu"))
    it = iter(DataLoader(TensorDataset(ag.zeros(50)), batch_size=1, device="cpu"))
    next(it)
    thread = it._thread
    del it
    gc.collect()
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_worker_numpy_seed_is_pytorchs_hash(torch):
    from torch.utils.data._utils.worker import _generate_state

    from arraygrad.data._worker import generate_state

    for base, wid in [(0, 0), (12345678901234, 3), ((1 << 63) - 5, 7)]:
        assert generate_state(base, wid) == _generate_state(base, wid)


def test_subsets_of_a_tensor_dataset_batch_like_per_sample_collation():
    from arraygrad.data import Subset, default_collate

    ds = TensorDataset(ag.arange(20).reshape(10, 2), ag.arange(10))
    inner = Subset(ds, [9, 8, 7, 6, 5, 4])
    outer = Subset(inner, [5, 0, 2])
    got = _values(DataLoader(outer, batch_size=2))
    ref = _values([default_collate([outer[0], outer[1]]), default_collate([outer[2]])])
    assert got == ref == [[[[8, 9], [18, 19]], [4, 9]], [[[14, 15]], [7]]]
