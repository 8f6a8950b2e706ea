"""MNIST / FashionMNIST over small IDX files written here: parsing, the .npy cache, transforms,
missing and corrupt files, and downloads from a local file:// mirror (no network)."""

import gzip
import hashlib
import os

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.data import DataLoader
from arraygrad.data import transforms as T
from arraygrad.data.datasets import MNIST, FashionMNIST, mnist


def _idx(arr: np.ndarray) -> bytes:
    code = {np.uint8: 0x08, np.int32: 0x0C, np.float32: 0x0D}[arr.dtype.type]
    head = bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, ">u4").tobytes()
    return head + arr.astype(arr.dtype.newbyteorder(">")).tobytes()


def _write(folder, n_train=6, n_test=4):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    out = {}
    for prefix, n in [("train", n_train), ("t10k", n_test)]:
        imgs = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        for kind, arr in [("images-idx3", imgs), ("labels-idx1", labels)]:
            name = f"{prefix}-{kind}-ubyte.gz"
            (folder / name).write_bytes(gzip.compress(_idx(arr)))
            out[name] = arr
    return out


def test_reads_idx_files_and_caches_them(tmp_path):
    arrays = _write(tmp_path / "FashionMNIST" / "raw")
    ds = FashionMNIST(tmp_path, train=True)
    assert len(ds) == 6 and ds.data.shape == (6, 28, 28) and ds.targets.dtype is ag.int64
    img, label = ds[3]
    np.testing.assert_array_equal(img, arrays["train-images-idx3-ubyte.gz"][3])
    assert label == 3 and ds.classes[label] == "Dress"
    assert (tmp_path / "FashionMNIST" / "raw" / "train-images-idx3-ubyte.npy").exists()
    test = FashionMNIST(tmp_path, train=False)  # (and the cache serves a second load)
    assert len(test) == 4 and len(FashionMNIST(tmp_path)) == 6
    with pytest.raises(IndexError, match="index 6 is out of range for a dataset of 6"):
        ds[6]


def test_transforms_and_loader_as_the_tutorial(tmp_path):
    _write(tmp_path / "MNIST" / "raw")
    ds = MNIST(tmp_path, transform=T.ToTensor(),
               target_transform=T.Lambda(lambda y: ag.zeros(10).scatter_(0, ag.tensor([y]), 1)))
    x, y = next(iter(DataLoader(ds, batch_size=4)))
    assert x.shape == (4, 1, 28, 28) and x.dtype is ag.float32 and float(x.max()) <= 1.0
    assert y.shape == (4, 10) and y.sum().item() == 4.0
    assert ds.class_to_idx["7 - seven"] == 7


def test_missing_file_says_which_where_and_how(tmp_path):
    with pytest.raises(RuntimeError) as e:
        FashionMNIST(tmp_path)
    msg = str(e.value)
    assert "train-images-idx3-ubyte.gz not found" in msg
    assert str(tmp_path / "FashionMNIST" / "raw") in msg and "download=True" in msg
    assert "fashion-mnist.s3-website" in msg


def test_corrupt_idx_files_raise_clear_errors(tmp_path):
    raw = tmp_path / "MNIST" / "raw"
    _write(raw)
    good = gzip.decompress((raw / "train-images-idx3-ubyte.gz").read_bytes())
    (raw / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(good[:-10]))
    with pytest.raises(ValueError, match=r"corrupt IDX file .*train-images.*header says shape "
                                         r"\(6, 28, 28\)"):
        MNIST(tmp_path)
    (raw / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"\x01\x02\x03\x04rest"))
    with pytest.raises(ValueError, match="bad magic number"):
        MNIST(tmp_path)
    (raw / "train-images-idx3-ubyte.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match="cannot be read"):
        MNIST(tmp_path)


def _mirror(tmp_path):
    src = tmp_path / "mirror"
    _write(src)
    res = [(n, hashlib.md5((src / n).read_bytes()).hexdigest()) for n in sorted(os.listdir(src))]
    return src, res


def test_download_from_a_mirror_verifies_and_writes_atomically(tmp_path):
    src, res = _mirror(tmp_path)

    class Local(MNIST):
        mirrors = ["file:///nonexistent/", src.as_uri() + "/"]
        resources = res

    ds = Local(tmp_path / "root", download=True)
    assert len(ds) == 6
    raw = tmp_path / "root" / "Local" / "raw"
    assert sorted(p.name for p in raw.iterdir() if p.suffix == ".gz") == [n for n, _ in res]
    assert not list(raw.glob("*.part"))


def test_failed_download_names_the_file_urls_and_destination(tmp_path, monkeypatch):
    src, res = _mirror(tmp_path)
    bad = [(n, "0" * 32) for n, _ in res]

    class Local(MNIST):
        mirrors = [src.as_uri() + "/"]
        resources = bad

    with pytest.raises(RuntimeError) as e:
        Local(tmp_path / "root", download=True)
    msg = str(e.value)
    assert "could not download t10k-images-idx3-ubyte.gz" in msg and "checksum mismatch" in msg
    assert src.as_uri() in msg and str(tmp_path / "root" / "Local" / "raw") in msg
    assert not list((tmp_path / "root" / "Local" / "raw").iterdir())  # nothing half-written

    def refuse(url, timeout=None):
        raise OSError("network is unreachable")

    monkeypatch.setattr(mnist, "_urlopen", refuse)
    with pytest.raises(RuntimeError, match="network is unreachable"):
        FashionMNIST(tmp_path / "other", download=True)
