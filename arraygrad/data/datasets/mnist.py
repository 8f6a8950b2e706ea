"""MNIST and FashionMNIST (torchvision's `datasets.MNIST` / `datasets.FashionMNIST`): the official
gzip IDX files under `root/<Name>/raw/`, downloaded from the official mirrors with MD5 verification
and atomic writes, decoded with NumPy and cached as `.npy` beside them. Samples are (image, label):
the image a uint8 (28, 28) NumPy array (where torchvision gives a PIL image; `ToTensor` treats both
alike), the label an int."""

from __future__ import annotations

import gzip
import hashlib
import os
import urllib.request
from pathlib import Path

import numpy as np

from ...core.creation import as_tensor
from ..dataset import Dataset

__all__ = ["MNIST", "FashionMNIST", "read_idx"]

# IDX type codes -> big-endian NumPy dtypes
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

# the opener used for downloads (tests replace it; file:// URLs work too)
_urlopen = urllib.request.urlopen


def read_idx(path) -> np.ndarray:
    """Decodes an IDX file (gzip-compressed when the name ends in .gz) into a NumPy array; a
    malformed file raises ValueError naming the file and what is wrong with it."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as e:
        raise ValueError(f"corrupt IDX file {path}: cannot be read ({e})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"corrupt IDX file {path}: bad magic number {raw[:4].hex() or 'empty'} "
                         f"(expected 0000 then a type code in "
                         f"{sorted(hex(k) for k in _IDX_TYPES)} and the number of dimensions)")
    dtype, ndim = np.dtype(_IDX_TYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"corrupt IDX file {path}: truncated header ({len(raw)} bytes for "
                         f"{ndim} dimensions)")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", ndim, 4))
    want = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != want:
        raise ValueError(f"corrupt IDX file {path}: the header says shape {shape} ({want} bytes of "
                         f"data) but the file holds {len(raw) - header} bytes after it")
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def _md5(path: Path) -> str:
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _progress(total: int | None, name: str):
    """A tqdm bar when tqdm is installed, else None."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="B", unit_scale=True, desc=name, leave=False)


def _download(url: str, dest: Path, md5: str) -> None:
    """url to dest through a temporary file: written, fsynced, checked against md5, then renamed,
    so an interrupted or corrupt download never leaves a file that looks complete."""
    tmp = dest.with_name(dest.name + ".part")
    try:
        with _urlopen(url, timeout=60) as r, open(tmp, "wb") as f:
            size = r.headers.get("Content-Length") if getattr(r, "headers", None) else None
            bar = _progress(int(size) if size else None, dest.name)
            try:
                for block in iter(lambda: r.read(1 << 16), b""):
                    f.write(block)
                    if bar is not None:
                        bar.update(len(block))
            finally:
                if bar is not None:
                    bar.close()
            f.flush()
            os.fsync(f.fileno())
        got = _md5(tmp)
        if got != md5:
            raise ValueError(f"checksum mismatch: MD5 {got}, expected {md5}")
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()


class MNIST(Dataset):
    """The MNIST handwritten digits (torchvision's `MNIST`): 60,000 training or 10,000 test 28x28
    grayscale images with their labels. `data` (uint8 N x 28 x 28) and `targets` (int64) hold them
    as tensors; `classes` names the labels."""

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/",
               "http://yann.lecun.com/exdb/mnist/"]
    resources = [("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                 ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                 ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                 ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six",
               "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train: bool = True, transform=None, target_transform=None,
                 download: bool = False):
        self.root = os.path.expanduser(str(root))
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        if download:
            self.download()
        prefix = "train" if train else "t10k"
        images = self._load(f"{prefix}-images-idx3-ubyte.gz")
        labels = self._load(f"{prefix}-labels-idx1-ubyte.gz")
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"{type(self).__name__}: the image file holds shape "
                             f"{images.shape} and the label file {labels.shape}; expected "
                             f"(N, H, W) images and N labels in {self.raw_folder}")
        self._images, self._labels = images, labels.astype(np.int64)
        self.data = as_tensor(self._images)
        self.targets = as_tensor(self._labels)

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self) -> dict:
        return {c: i for i, c in enumerate(self.classes)}

    def _url(self, name: str) -> str:
        return self.mirrors[0] + name

    def _load(self, name: str) -> np.ndarray:
        """The decoded array of one resource: the .npy cache when it is newer than the IDX file,
        else the IDX file (gzipped or not) decoded and cached."""
        raw = Path(self.raw_folder)
        gz, plain = raw / name, raw / name[:-3]
        cache = raw / (name[:-3] + ".npy")
        src = gz if gz.exists() else plain if plain.exists() else None
        if src is None:
            if cache.exists():
                return np.load(cache)
            raise RuntimeError(
                f"{type(self).__name__}: {name} not found: looked for {gz} (or {plain}). Pass "
                f"download=True to fetch it from {self._url(name)}, or download it yourself and "
                f"place it in {raw}")
        if cache.exists() and cache.stat().st_mtime >= src.stat().st_mtime:
            return np.load(cache)
        arr = read_idx(src)
        tmp = cache.with_name(cache.name + ".part.npy")
        np.save(tmp, arr)
        os.replace(tmp, cache)
        return arr

    def _check_exists(self) -> bool:
        raw = Path(self.raw_folder)
        return all((raw / n).exists() or (raw / n[:-3]).exists() for n, _ in self.resources)

    def download(self) -> None:
        """Fetches the four IDX files that are not there yet, trying each mirror in turn and
        verifying their MD5; a failure names the file, where it was to go and the URLs tried."""
        if self._check_exists():
            return
        raw = Path(self.raw_folder)
        raw.mkdir(parents=True, exist_ok=True)
        for name, md5 in self.resources:
            dest = raw / name
            if dest.exists():
                continue
            errors = []
            for mirror in self.mirrors:
                url = mirror + name
                print(f"Downloading {url} to {dest}")
                try:
                    _download(url, dest, md5)
                    break
                except Exception as e:
                    errors.append(f"{url}: {e}")
            else:
                tried = "\n  ".join(errors)
                raise RuntimeError(
                    f"{type(self).__name__}: could not download {name} to {dest}. Tried:\n  "
                    f"{tried}\nDownload it yourself from one of those URLs and place it in "
                    f"{raw} (MD5 {md5}).")

    def __getitem__(self, index: int):
        n = len(self._labels)
        i = int(index)
        if i < -n or i >= n:
            raise IndexError(f"{type(self).__name__}: index {i} is out of range for a dataset of "
                             f"{n} samples")
        img, target = self._images[i], int(self._labels[i])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self._labels)

    def __repr__(self) -> str:
        split = "Train" if self.train else "Test"
        return (f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n"
                f"    Root location: {self.root}\n    Split: {split}")


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST (torchvision's `FashionMNIST`): MNIST's format and sizes, ten kinds
    of clothing."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                 ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                 ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                 ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
