"""What runs inside a DataLoader worker process (PyTorch's `torch.utils.data._utils.worker`): the
loop that fetches and collates batches, per-worker seeding, `get_worker_info`, and the wrappers that
carry batches (as host arrays) and exceptions (with the worker's traceback) back to the caller."""

from __future__ import annotations

import os
import queue
import random
import sys
import traceback
from dataclasses import dataclass

from ..core.random import manual_seed
from ..core.tensor import Tensor

__all__ = ["WorkerInfo", "get_worker_info"]

# seconds between checks that the parent is alive (worker) or the workers are (main process)
MP_STATUS_CHECK_INTERVAL = 5.0

_worker_info: WorkerInfo | None = None


@dataclass(frozen=True)
class WorkerInfo:
    """What `get_worker_info()` tells code running in a worker: its `id`, `num_workers`, `seed`
    and its copy of the `dataset`."""

    id: int
    num_workers: int
    seed: int
    dataset: object


def get_worker_info() -> WorkerInfo | None:
    """The current worker's `WorkerInfo`, or None in the main process (PyTorch's
    `get_worker_info`); an IterableDataset uses it to read only its share."""
    return _worker_info


class ExceptionWrapper:
    """An exception caught in a worker, carried to the caller as its type and traceback text
    (PyTorch's `ExceptionWrapper`); `reraise` raises it there with the worker's traceback."""

    def __init__(self, exc_info=None, where: str = "in background"):
        exc_info = exc_info or sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:  # KeyError quotes its message: keep the text readable
            msg = KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exc


class KeyErrorMessage(str):
    """A str whose repr is itself, so a re-raised KeyError prints its traceback text plainly."""

    def __repr__(self):
        return self


class _HostTensor:
    """A tensor in transit: its values as a host (NumPy) array and the device it lived on."""

    __slots__ = ("array", "device")

    def __init__(self, array, device: str):
        self.array = array
        self.device = device


def to_host(obj):
    """obj with every tensor replaced by a `_HostTensor` (workers send host arrays only)."""
    if isinstance(obj, Tensor):
        return _HostTensor(obj.numpy(force=True), str(obj.device))
    if isinstance(obj, dict):
        return type(obj)({k: to_host(v) for k, v in obj.items()})
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(to_host(v) for v in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_host(v) for v in obj)
    return obj


def from_host(obj):
    """The inverse of `to_host`: tensors rebuilt on the device they came from."""
    from ..core.creation import as_tensor

    if isinstance(obj, _HostTensor):
        return as_tensor(obj.array, device=obj.device)
    if isinstance(obj, dict):
        return type(obj)({k: from_host(v) for k, v in obj.items()})
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(from_host(v) for v in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(from_host(v) for v in obj)
    return obj


class IterableDatasetStopIteration:
    """A worker's notice that its copy of an IterableDataset is exhausted."""

    def __init__(self, worker_id: int):
        self.worker_id = worker_id


class ResumeIteration:
    """Sent to persistent workers at the start of each epoch: rebuild the fetcher, then echo."""


def generate_state(base_seed: int, worker_id: int) -> list[int]:
    """Four 32-bit words seeding NumPy's global generator in a worker, by PyTorch's own hash of
    (base_seed, worker_id) (`torch.utils.data._utils.worker._generate_state`)."""
    mask = 0xFFFFFFFF
    init_a, mult_a, init_b, mult_b = 0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED
    mix_l, mix_r, xshift = 0xCA01F9DD, 0x4973F715, 16
    entropy = [worker_id, base_seed & mask, base_seed >> 32, 0]
    const_a = init_a

    def hash_(value):
        nonlocal const_a
        value = (value ^ const_a) & mask
        const_a = (const_a * mult_a) & mask
        value = (value * const_a) & mask
        return (value ^ (value >> xshift)) & mask

    def mix(x, y):
        r = (((mix_l * x) & mask) - ((mix_r * y) & mask)) & mask
        return (r ^ (r >> xshift)) & mask

    pool = [hash_(e) for e in entropy]
    for src in range(4):
        for dst in range(4):
            if src != dst:
                pool[dst] = mix(pool[dst], hash_(pool[src]))
    const_b, state = init_b, []
    for v in pool:
        v = (v ^ const_b) & mask
        const_b = (const_b * mult_b) & mask
        v = (v * const_b) & mask
        state.append((v ^ (v >> xshift)) & mask)
    return state


def _seed_worker(seed: int, base_seed: int, worker_id: int) -> None:
    """Seeds Python's `random`, arraygrad's default generator and, as PyTorch does, NumPy's global
    generator (only when the user's process has NumPy loaded; data/ does not import it)."""
    random.seed(seed)
    manual_seed(seed)
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed(generate_state(base_seed, worker_id))


def worker_loop(kind, dataset, index_queue, data_queue, done_event, auto_collation, collate_fn,
                drop_last, base_seed, init_fn, worker_id, num_workers):
    """The body of a worker process: take (task, indices) from index_queue, put (task, batch) on
    data_queue until told to stop (None) or the parent dies."""
    global _worker_info
    from .fetch import create_fetcher

    try:
        seed = base_seed + worker_id
        _seed_worker(seed, base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        init_exception = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
        parent = os.getppid()
        iteration_end = False
        while True:
            try:
                r = index_queue.get(timeout=MP_STATUS_CHECK_INTERVAL)
            except queue.Empty:
                if os.getppid() != parent:  # the main process died: do not linger
                    break
                continue
            if r is None:
                break
            if isinstance(r, ResumeIteration):
                data_queue.put((r, None))
                iteration_end = False
                if init_exception is None:
                    fetcher = create_fetcher(kind, dataset, auto_collation, collate_fn,
                                             drop_last)
                continue
            if done_event.is_set() or iteration_end:
                continue
            idx, index = r
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = to_host(fetcher.fetch(index))
                except StopIteration:
                    data = IterableDatasetStopIteration(worker_id)
                    iteration_end = True
                except Exception:
                    data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            data_queue.put((idx, data))
            del data, idx, index, r
    except KeyboardInterrupt:
        pass
    if done_event.is_set():
        data_queue.cancel_join_thread()
        data_queue.close()
