"""`arraygrad.save` / `arraygrad.load`: checkpoints without pickle.

A checkpoint is a safetensors file: the tensors (brought to the host) are its entries, and its
metadata holds a tagged-JSON description of the saved structure (dicts with str or int keys,
lists, tuples, tensors, ints, floats, strings, bools, None) plus a sha256 over the structure and
every tensor's name, dtype, shape and bytes. Loading parses data only, so a file can never run
code; a truncated, altered or foreign file is refused with a RuntimeError naming the file.

Weights travel both ways with the safetensors ecosystem: a flat dict of named tensors (a state
dict) is stored under its own keys, so `safetensors.torch.load_file` reads it back by name, and a
plain safetensors file (as `safetensors.torch.save_file` writes one) loads as a dict of tensors.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections import OrderedDict

from ..backends import host as _host
from . import dtypes as _dt
from .device import as_device, device
from .tensor import Size, Tensor, _wrap

__all__ = ["save", "load"]

_FORMAT = "arraygrad"
_VERSION = "1"
_K_FORMAT, _K_VERSION, _K_STRUCT, _K_SHA = ("format", "arraygrad.version", "arraygrad.structure",
                                            "arraygrad.sha256")
_SUPPORTED = ("dict (str or int keys), list, tuple, Tensor, int, float, str, bool and None")


# ---- saving --------------------------------------------------------------------------------------
class _Encoder:
    """Walks the object into tagged JSON, collecting each distinct tensor storage once."""

    def __init__(self):
        self.arrays: dict = {}      # name -> host array
        self.dtypes: dict = {}      # name -> dtype name
        self._by_data: dict = {}    # id(backend array) -> name (tensors sharing storage)
        self._by_obj: dict = {}     # id(Tensor) -> object number (the same tensor twice)
        self._alive: list = []      # keeps the ids above from being reused while saving

    def encode(self, x, path: str):
        t = type(x)
        if x is None:
            return {"t": "none"}
        if t is bool:
            return {"t": "bool", "v": x}
        if t is int:
            return {"t": "int", "v": x}
        if t is float:  # float.hex round-trips exactly, inf and nan included
            return {"t": "float", "v": x.hex()}
        if t is str:
            return {"t": "str", "v": x}
        if isinstance(x, Tensor):
            return self._tensor(x)
        if t is list or t is tuple or t is Size:
            tag = {list: "list", tuple: "tuple", Size: "size"}[t]
            return {"t": tag, "v": [self.encode(v, f"{path}[{i}]") for i, v in enumerate(x)]}
        if t is dict or t is OrderedDict:
            items = []
            for k, v in x.items():
                if type(k) is str:
                    kk = ["s", k]
                elif type(k) is int:
                    kk = ["i", k]
                else:
                    raise TypeError(
                        f"save(): dict keys must be str or int, got {type(k).__name__} key {k!r} "
                        f"in {path}")
                items.append(kk + [self.encode(v, f"{path}[{k!r}]")])
            return {"t": "dict" if t is dict else "odict", "v": items}
        raise TypeError(f"save(): cannot save an object of type {type(x).__name__} at {path}; "
                        f"a checkpoint holds {_SUPPORTED}")

    def encode_flat(self, x: dict):
        """A flat {str: Tensor} dict: each tensor stored under its own key, so other safetensors
        readers see the names (a key whose storage an earlier key shares is stored once, under
        the earlier name, as safetensors.torch refuses shared tensors anyway)."""
        items = [["s", k, self._tensor(v, key=k)] for k, v in x.items()]
        return {"t": "dict" if type(x) is dict else "odict", "v": items}

    def _tensor(self, t: Tensor, key: str | None = None) -> dict:
        obj = self._by_obj.get(id(t))
        if obj is None:
            obj = self._by_obj[id(t)] = len(self._by_obj)
            self._alive.append(t)
        name = self._by_data.get(id(t._data))
        d = t.dtype
        if name is None:
            name = key if key is not None else f"t{len(self.arrays)}"
            self._by_data[id(t._data)] = name
            self._alive.append(t._data)
            self.arrays[name] = t._dev.backend.to_numpy(t._computed())
            self.dtypes[name] = d.name
        return {"t": "tensor", "k": name, "o": obj, "dtype": d.name, "device": str(t._dev),
                "rg": t.requires_grad and t.is_leaf}


def _digest(structure: str, arrays: dict, dtypes: dict) -> str:
    h = hashlib.sha256()
    h.update(f"{_FORMAT}\0{_VERSION}\0{len(structure)}\0".encode())
    h.update(structure.encode())
    for name in sorted(arrays):
        _host.digest_array(h, name, dtypes[name], arrays[name])
    return h.hexdigest()


def _encode(obj) -> bytes:
    enc = _Encoder()
    flat = (type(obj) in (dict, OrderedDict) and len(obj) > 0
            and all(type(k) is str and isinstance(v, Tensor) for k, v in obj.items()))
    tree = enc.encode_flat(obj) if flat else enc.encode(obj, "obj")
    structure = json.dumps({"root": tree, "dtypes": enc.dtypes}, separators=(",", ":"),
                           allow_nan=False)
    meta = {_K_FORMAT: _FORMAT, _K_VERSION: _VERSION, _K_STRUCT: structure,
            _K_SHA: _digest(structure, enc.arrays, enc.dtypes)}
    return _host.pack_safetensors(enc.arrays, meta)


def save(obj, f, **kwargs) -> None:
    """Writes obj (a state dict or any nesting of the supported kinds) to f, a path or a binary
    file object. A path is replaced atomically: the old file stays intact if anything fails."""
    for k in ("pickle_module", "pickle_protocol", "_use_new_zipfile_serialization"):
        kwargs.pop(k, None)
    if kwargs:
        raise TypeError(f"save() got unexpected arguments {sorted(kwargs)}")
    raw = _encode(obj)
    if hasattr(f, "write"):
        f.write(raw)
        if hasattr(f, "flush"):
            f.flush()
        return
    _write_atomic(os.fspath(f), raw)


def _write_atomic(path: str, raw: bytes) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
    # os.open with 0o666 lets the umask decide the permissions, as a plain open() would
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable; not every platform can open a directory
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


# ---- loading -------------------------------------------------------------------------------------
def _fail(name: str, what: str):
    raise RuntimeError(f"load(): {name!s} is not a valid arraygrad checkpoint: {what}")


def _read(f) -> tuple[bytes, str]:
    if hasattr(f, "read"):
        raw = f.read()
        return bytes(raw), repr(getattr(f, "name", f))
    path = os.fspath(f)
    with open(path, "rb") as fh:
        return fh.read(), repr(path)


def _header(raw: bytes, name: str) -> dict:
    if not raw:
        _fail(name, "the file is empty")
    n = int.from_bytes(raw[:8], "little")
    if raw[:4] == b"PK\x03\x04" or (raw[:1] == b"\x80" and raw[1:2] in b"\x02\x03\x04\x05"
                                      and n > len(raw) - 8):
        _fail(name, "it looks like a pickle or zip file (torch.save?); arraygrad never unpickles, "
                    "so only files written by arraygrad.save load")
    if len(raw) < 8:
        _fail(name, f"the file is truncated ({len(raw)} bytes, shorter than a safetensors header)")
    if n > len(raw) - 8:
        _fail(name, f"the header says {n} bytes of JSON but the file has {len(raw) - 8} after the "
                    "length: the file is truncated or not a safetensors file")
    try:
        header = json.loads(raw[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        _fail(name, f"its safetensors header is not valid JSON ({e})")
    if not isinstance(header, dict):
        _fail(name, "its safetensors header is not a JSON object")
    meta = header.get("__metadata__")
    if not isinstance(meta, dict) or meta.get(_K_FORMAT) != _FORMAT:
        return None  # a plain safetensors file (written by safetensors.torch, say)
    if meta.get(_K_VERSION) != _VERSION:
        _fail(name, f"format version {meta.get(_K_VERSION)!r} is not one this arraygrad reads "
                    f"({_VERSION!r})")
    if not isinstance(meta.get(_K_STRUCT), str) or not isinstance(meta.get(_K_SHA), str):
        _fail(name, "its metadata lacks the structure or the sha256")
    return meta


def _location_map(map_location):
    """A function from the saved device string to the device to load onto (or None: as saved)."""
    if map_location is None:
        return lambda loc: None
    if isinstance(map_location, (str, device)):
        dev = as_device(map_location)
        return lambda loc: dev
    if isinstance(map_location, dict):
        table = {str(k): v for k, v in map_location.items()}

        def look(loc: str):
            typ = loc.partition(":")[0]
            for key in (loc, typ, loc if ":" in loc else f"{loc}:0"):
                if key in table:
                    return as_device(table[key])
            return None

        return look
    raise TypeError(f"load(): map_location must be None, a device, a string or a dict of device "
                    f"strings, got {type(map_location).__name__}")


class _Decoder:
    def __init__(self, name, arrays, where):
        self.name, self.arrays, self.where = name, arrays, where
        self._objs: dict = {}     # object number -> Tensor (the same tensor saved twice)
        self._data: dict = {}     # (array name, device) -> backend array (shared storage)

    def decode(self, node):
        if not isinstance(node, dict) or "t" not in node:
            _fail(self.name, f"malformed structure entry {str(node)[:80]}")
        tag = node["t"]
        v = node.get("v")
        if tag == "none":
            return None
        if tag in ("bool", "int", "str"):
            want = {"bool": bool, "int": int, "str": str}[tag]
            if type(v) is not want:
                _fail(self.name, f"a {tag} entry holds {v!r}")
            return v
        if tag == "float":
            try:
                return float.fromhex(v)
            except (TypeError, ValueError):
                _fail(self.name, f"a float entry holds {v!r}")
        if tag in ("list", "tuple", "size"):
            items = [self.decode(x) for x in self._seq(v)]
            return items if tag == "list" else (tuple(items) if tag == "tuple" else Size(items))
        if tag in ("dict", "odict"):
            out = {} if tag == "dict" else OrderedDict()
            for item in self._seq(v):
                if not isinstance(item, list) or len(item) != 3 or item[0] not in ("s", "i") or (
                        type(item[1]) is not (str if item[0] == "s" else int)):
                    _fail(self.name, f"malformed dict item {str(item)[:80]}")
                out[item[1]] = self.decode(item[2])
            return out
        if tag == "tensor":
            return self._tensor(node)
        _fail(self.name, f"unknown structure tag {tag!r}")

    def _seq(self, v) -> list:
        if not isinstance(v, list):
            _fail(self.name, f"expected a list in the structure, got {str(v)[:80]}")
        return v

    def _tensor(self, node) -> Tensor:
        hit = self._objs.get(node.get("o"))
        if hit is not None:
            return hit
        key, loc, dname = node.get("k"), node.get("device"), node.get("dtype")
        if key not in self.arrays or not isinstance(loc, str):
            _fail(self.name, f"the structure names tensor {key!r}, which the file does not hold")
        try:
            d = _dt.from_name(dname)
        except TypeError:
            _fail(self.name, f"tensor {key!r} has unknown dtype {dname!r}")
        host = self.arrays[key]
        if host.dtype.name != d.name:
            _fail(self.name, f"tensor {key!r} is stored as {host.dtype.name} but described as {d}")
        dev = self.where(loc)
        if dev is None:
            try:
                dev = as_device(loc)
                dev.backend  # noqa: B018  (a device whose backend is missing raises here)
            except RuntimeError as e:
                raise RuntimeError(
                    f"load(): {self.name} holds a tensor saved on device '{loc}', which is not "
                    f"available here ({e}); pass map_location='cpu' (or a dict such as "
                    f"{{'{loc}': 'cpu'}}) to load it elsewhere") from e
        data = self._data.get((key, dev))
        if data is None:
            dev.native_dtype(d, "load")
            data = self._data[(key, dev)] = dev.backend.from_numpy(host, dev.native)
        t = _wrap(data, dev)
        if node.get("rg") is True:
            t.requires_grad_(True)
        self._objs[node.get("o")] = t
        return t


def load(f, map_location=None, *, weights_only: bool = True, **kwargs):
    """Reads a checkpoint written by `save`: the same structure, dtypes and requires_grad, tensors
    on the device they were saved from or on `map_location` (a device, a string, or a dict such
    as {"cuda:0": "cpu"}). Never executes code from the file, whatever `weights_only` says."""
    kwargs.pop("mmap", None)
    kwargs.pop("pickle_module", None)
    if kwargs:
        raise TypeError(f"load() got unexpected arguments {sorted(kwargs)}")
    where = _location_map(map_location)
    raw, name = _read(f)
    meta = _header(raw, name)
    if meta is None:
        return _load_plain(raw, name, where)
    structure = meta[_K_STRUCT]
    try:
        desc = json.loads(structure)
        dtypes = desc["dtypes"]
        root = desc["root"]
        if not isinstance(dtypes, dict):
            raise ValueError("dtypes is not a mapping")
    except (ValueError, KeyError, TypeError) as e:
        _fail(name, f"its structure description is malformed ({e})")
    try:
        arrays = _host.unpack_safetensors(raw, dtypes)
    except ValueError as e:
        _fail(name, f"the safetensors data is malformed or truncated ({e})")
    if set(arrays) != set(dtypes) or any(not isinstance(v, str) for v in dtypes.values()):
        _fail(name, "the tensors in the file do not match its structure description")
    if _digest(structure, arrays, dtypes) != meta[_K_SHA]:
        _fail(name, "the sha256 of its contents does not match the one recorded when it was "
                    "saved (the file was altered or corrupted)")
    return _Decoder(name, arrays, where).decode(root)


def _load_plain(raw: bytes, name: str, where) -> dict:
    """A safetensors file without arraygrad's metadata: {key: Tensor} in the file's order, on
    the CPU or `map_location`."""
    try:
        arrays = _host.unpack_safetensors(raw, {})
    except ValueError as e:
        _fail(name, f"the safetensors data is malformed or truncated ({e})")
    dev = where("cpu") or as_device("cpu")
    out = {}
    for key, host in arrays.items():
        try:
            d = _dt.from_name(host.dtype.name)
        except TypeError:
            _fail(name, f"tensor {key!r} has dtype {host.dtype.name}, which arraygrad lacks")
        dev.native_dtype(d, "load")
        out[key] = _wrap(dev.backend.from_numpy(host, dev.native), dev)
    return out
