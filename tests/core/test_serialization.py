"""arraygrad.save / arraygrad.load: round trips, atomic writes, corrupt files, no pickle."""

from __future__ import annotations

import io
import json
import math
import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest

import arraygrad as ag


def _roundtrip(obj, tmp_path, **load_kwargs):
    path = tmp_path / "ckpt.ag"
    ag.save(obj, path)
    return ag.load(path, **load_kwargs)


def _same_tensor(a, b):
    assert type(b) is ag.Tensor
    assert a.dtype is b.dtype and a.shape == b.shape and a.device == b.device
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("dtype", [ag.float32, ag.float64, ag.int64, ag.int32, ag.uint8, ag.bool,
                                   ag.int8, ag.int16])
def test_tensor_roundtrip_keeps_values_dtype_and_device(device, dtype, tmp_path):
    t = ag.tensor([[1, 0, 3], [4, 5, 0]], dtype=dtype, device=device)
    out = _roundtrip(t, tmp_path)
    _same_tensor(t, out)


def test_complex_tensor_roundtrip(eager_device, tmp_path):
    for dtype in (ag.complex64, ag.complex128):
        t = ag.tensor([[1 + 2j, -3.5j], [0.25, 1e-30 - 1j]], dtype=dtype, device=eager_device)
        _same_tensor(t, _roundtrip(t, tmp_path))


def test_zero_dim_and_empty_tensors_roundtrip(device, tmp_path):
    obj = [ag.tensor(2.5, device=device), ag.zeros(0, 3, device=device),
           ag.tensor(7, device=device)]
    out = _roundtrip(obj, tmp_path)
    for a, b in zip(obj, out, strict=True):
        _same_tensor(a, b)


def test_python_values_roundtrip_exactly(tmp_path):
    obj = {"int": 3, "big": 2**70, "neg": -5, "float": 0.1, "inf": math.inf, "ninf": -math.inf,
           "negzero": -0.0, "tiny": 5e-324, "str": "héllo\n\"x\"", "true": True, "false": False,
           "none": None, "list": [1, [2, (3,)]], "tuple": (1, "a", None), "empty": {}, "el": [],
           "et": ()}
    out = _roundtrip(obj, tmp_path)
    assert out == obj
    assert math.copysign(1.0, out["negzero"]) == -1.0
    assert type(out["true"]) is bool and type(out["int"]) is int
    assert type(out["tuple"]) is tuple and type(out["list"][1][1]) is tuple


def test_nan_roundtrips(tmp_path):
    out = _roundtrip([math.nan], tmp_path)
    assert math.isnan(out[0])


def test_int_and_str_dict_keys_stay_apart(tmp_path):
    obj = {1: "int one", "1": "str one", 0: {2: [3]}}
    out = _roundtrip(obj, tmp_path)
    assert out == obj
    assert list(out) == [1, "1", 0]


def test_ordered_dict_and_size_keep_their_types(tmp_path):
    obj = OrderedDict([("b", 1), ("a", ag.Size([2, 3]))])
    out = _roundtrip(obj, tmp_path)
    assert type(out) is OrderedDict and list(out) == ["b", "a"]
    assert type(out["a"]) is ag.Size and out["a"] == (2, 3)


def test_state_dict_shaped_checkpoint_roundtrips(device, tmp_path):
    ag.manual_seed(1)
    model = OrderedDict([("0.weight", ag.randn(4, 3, device=device)),
                         ("0.bias", ag.zeros(4, device=device)),
                         ("bn.num_batches_tracked", ag.tensor(7, device=device))])
    optim = {"state": {0: {"step": ag.tensor(3.0, device=device),
                           "exp_avg": ag.ones(4, 3, device=device)}, 1: {}},
             "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8,
                               "weight_decay": 0.0, "amsgrad": False, "maximize": False,
                               "foreach": None, "params": [0, 1]}]}
    ckpt = {"epoch": 5, "model": model, "optimizer": optim, "scheduler": {"last_epoch": 4}}
    out = _roundtrip(ckpt, tmp_path)
    assert out["epoch"] == 5 and out["scheduler"] == {"last_epoch": 4}
    assert type(out["model"]) is OrderedDict and list(out["model"]) == list(model)
    for k in model:
        _same_tensor(model[k], out["model"][k])
    assert out["optimizer"]["param_groups"] == optim["param_groups"]
    assert list(out["optimizer"]["state"]) == [0, 1]
    _same_tensor(optim["state"][0]["exp_avg"], out["optimizer"]["state"][0]["exp_avg"])


def test_requires_grad_is_restored_for_leaves_only(tmp_path):
    w = ag.randn(3, requires_grad=True)
    y = w * 2
    out = _roundtrip({"w": w, "y": y, "c": ag.ones(2)}, tmp_path)
    assert out["w"].requires_grad and out["w"].is_leaf
    assert not out["y"].requires_grad
    assert not out["c"].requires_grad
    np.testing.assert_array_equal(out["y"].detach().numpy(), y.detach().numpy())


def test_same_tensor_twice_loads_as_one_object(tmp_path):
    t = ag.arange(4)
    out = _roundtrip({"a": t, "b": t, "c": [t]}, tmp_path)
    assert out["a"] is out["b"] is out["c"][0]


def test_tensors_sharing_storage_are_stored_once(tmp_path):
    t = ag.randn(1000, dtype=ag.float64)
    path = tmp_path / "shared.ag"
    ag.save({"a": t, "b": t.detach()}, path)
    assert os.path.getsize(path) < 1000 * 8 * 1.5
    out = ag.load(path)
    _same_tensor(t, out["b"])
    assert out["a"] is not out["b"]


def test_load_numpy_tensors_are_writable(tmp_path):
    out = _roundtrip(ag.zeros(3), tmp_path)
    assert out.numpy().flags.writeable


def test_file_objects_roundtrip():
    buf = io.BytesIO()
    ag.save({"x": ag.arange(3)}, buf)
    buf.seek(0)
    assert ag.load(buf)["x"].tolist() == [0, 1, 2]


def test_str_and_pathlib_paths_both_work(tmp_path):
    ag.save([1], str(tmp_path / "a.ag"))
    assert ag.load(str(tmp_path / "a.ag")) == [1]
    assert ag.load(tmp_path / "a.ag") == [1]


def test_file_is_a_safetensors_file_with_structure_and_sha(tmp_path):
    from safetensors.numpy import load as st_load

    path = tmp_path / "x.safetensors"
    t = ag.tensor([1.0, 2.0])
    ag.save({"w": t}, path)
    raw = path.read_bytes()
    arrays = st_load(raw)
    assert [a.tolist() for a in arrays.values()] == [[1.0, 2.0]]
    n = int.from_bytes(raw[:8], "little")
    meta = json.loads(raw[8:8 + n])["__metadata__"]
    assert meta["format"] == "arraygrad" and len(meta["arraygrad.sha256"]) == 64
    assert json.loads(meta["arraygrad.structure"])["root"]["t"] == "dict"


# ---- devices -------------------------------------------------------------------------------------
def test_tensors_come_back_on_their_saved_devices(tmp_path):
    obj = {"cpu": ag.ones(2), "strict": ag.ones(2, device="array_api_strict:device1"),
           "dask": ag.ones(2, device="dask")}
    out = _roundtrip(obj, tmp_path)
    assert {k: str(v.device) for k, v in out.items()} == {
        "cpu": "cpu", "strict": "array_api_strict:device1", "dask": "dask"}


def test_map_location_string_moves_everything(tmp_path):
    obj = [ag.ones(2, device="array_api_strict:device1"), ag.ones(2, device="dask")]
    out = _roundtrip(obj, tmp_path, map_location="cpu")
    assert [str(t.device) for t in out] == ["cpu", "cpu"]


def test_map_location_device_object(tmp_path):
    out = _roundtrip([ag.ones(2)], tmp_path, map_location=ag.device("array_api_strict:device1"))
    assert out[0].device == "array_api_strict:device1"


def test_map_location_dict_remaps_only_listed_devices(tmp_path):
    obj = [ag.ones(2, device="array_api_strict:device1"), ag.ones(2, device="dask")]
    out = _roundtrip(obj, tmp_path, map_location={"array_api_strict:device1": "cpu"})
    assert [str(t.device) for t in out] == ["cpu", "dask"]


def test_bad_map_location_type_raises(tmp_path):
    with pytest.raises(TypeError, match="map_location"):
        _roundtrip([1], tmp_path, map_location=3.5)


def _rewrite_device(path, old: str, new: str):
    """Rewrites a saved device name and re-signs the file (what a checkpoint from a GPU machine
    looks like here)."""
    from safetensors.numpy import load as st_load, save as st_save
    import hashlib

    from arraygrad.backends import host

    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    meta = json.loads(raw[8:8 + n])["__metadata__"]
    arrays = st_load(raw)
    structure = meta["arraygrad.structure"].replace(f'"device":"{old}"', f'"device":"{new}"')
    h = hashlib.sha256()
    h.update(f"arraygrad\0{meta['arraygrad.version']}\0{len(structure)}\0".encode())
    h.update(structure.encode())
    dtypes = json.loads(structure)["dtypes"]
    for name in sorted(arrays):
        host.digest_array(h, name, dtypes[name], arrays[name])
    meta["arraygrad.structure"] = structure
    meta["arraygrad.sha256"] = h.hexdigest()
    path.write_bytes(st_save(arrays, meta))


def test_unavailable_saved_device_raises_and_suggests_map_location(tmp_path):
    if ag.cuda.is_available():
        pytest.skip("needs a machine without CUDA")
    path = tmp_path / "gpu.ag"
    ag.save({"w": ag.ones(2)}, path)
    _rewrite_device(path, "cpu", "cuda:0")
    with pytest.raises(RuntimeError, match=r"cuda:0.*map_location"):
        ag.load(path)
    out = ag.load(path, map_location={"cuda:0": "cpu"})
    assert out["w"].device == "cpu" and out["w"].tolist() == [1.0, 1.0]
    assert ag.load(path, map_location="dask")["w"].device == "dask"


# ---- atomic writes -------------------------------------------------------------------------------
def test_failed_save_leaves_old_file_intact(tmp_path):
    path = tmp_path / "ckpt.ag"
    ag.save({"v": ag.arange(3)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match=r"object.*at obj\['z'\]"):
        ag.save({"v": ag.arange(5), "z": object()}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.ag"]


def test_failure_while_writing_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.ag"
    ag.save([1, 2], path)
    before = path.read_bytes()

    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        ag.save([3, 4, ag.ones(100)], path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.ag"]
    assert ag.load(path) == [1, 2]


def test_failure_at_rename_removes_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.ag"
    ag.save([1], path)

    def broken_replace(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="rename failed"):
        ag.save([2], path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["ckpt.ag"] and ag.load(path) == [1]


def test_unsupported_key_type_raises_naming_it(tmp_path):
    with pytest.raises(TypeError, match="dict keys must be str or int.*float"):
        ag.save({1.5: 1}, tmp_path / "x.ag")
    with pytest.raises(TypeError, match="bool"):
        ag.save({True: 1}, tmp_path / "x.ag")
    assert not os.listdir(tmp_path)


def test_numpy_array_is_not_silently_saved(tmp_path):
    with pytest.raises(TypeError, match="ndarray"):
        ag.save({"a": np.zeros(2)}, tmp_path / "x.ag")


# ---- corrupt and foreign files -------------------------------------------------------------------
@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "good.ag"
    ag.save({"w": ag.arange(16, dtype=ag.float32), "note": "hello world", "n": 12345}, path)
    return path


def _header_len(raw: bytes) -> int:
    return int.from_bytes(raw[:8], "little")


def test_empty_file_raises_naming_file(tmp_path):
    path = tmp_path / "empty.ag"
    path.write_bytes(b"")
    with pytest.raises(RuntimeError, match=r"empty\.ag.*empty"):
        ag.load(path)


@pytest.mark.parametrize("keep", [3, 8, 20, -1, -30])
def test_truncated_file_raises(saved, keep):
    raw = saved.read_bytes()
    saved.write_bytes(raw[:keep])
    with pytest.raises(RuntimeError, match=r"good\.ag.*(truncated|malformed)"):
        ag.load(saved)


def test_flipped_byte_in_tensor_data_raises(saved):
    raw = bytearray(saved.read_bytes())
    raw[-10] ^= 0x01
    saved.write_bytes(bytes(raw))
    with pytest.raises(RuntimeError, match=r"good\.ag.*sha256"):
        ag.load(saved)


def test_altered_value_in_structure_json_raises(saved):
    raw = saved.read_bytes()
    assert raw.count(b"12345") == 1
    saved.write_bytes(raw.replace(b"12345", b"12346"))
    with pytest.raises(RuntimeError, match=r"good\.ag.*sha256"):
        ag.load(saved)


def test_broken_json_header_raises(saved):
    raw = bytearray(saved.read_bytes())
    raw[8] = ord("[") if raw[8] != ord("[") else ord("{")
    raw[9] = ord("?")
    saved.write_bytes(bytes(raw))
    with pytest.raises(RuntimeError, match=r"good\.ag.*JSON"):
        ag.load(saved)


def test_altered_sha_raises(saved):
    raw = saved.read_bytes()
    n = _header_len(raw)
    sha = json.loads(raw[8:8 + n])["__metadata__"]["arraygrad.sha256"].encode()
    other = (b"0" if sha[:1] != b"0" else b"1") + sha[1:]
    saved.write_bytes(raw.replace(sha, other))
    with pytest.raises(RuntimeError, match="sha256"):
        ag.load(saved)


def test_random_bytes_raise(tmp_path):
    path = tmp_path / "noise.bin"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(RuntimeError, match=r"noise\.bin"):
        ag.load(path)


def test_pickle_file_is_refused(tmp_path):
    path = tmp_path / "p.pt"
    path.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(RuntimeError, match="pickle"):
        ag.load(path)


def test_plain_safetensors_file_loads_as_dict_under_its_keys(tmp_path):
    from safetensors.numpy import save_file

    path = tmp_path / "hf.safetensors"
    save_file({"w": np.ones((2, 3), np.float32), "step": np.array(7, np.int64)}, str(path))
    out = ag.load(path)
    assert set(out) == {"w", "step"}
    assert out["w"].dtype == ag.float32 and out["w"].shape == (2, 3)
    assert out["step"].dtype == ag.int64 and out["step"].item() == 7
    assert ag.load(path, map_location="array_api_strict")["w"].device.type == "array_api_strict"


def test_flat_state_dict_is_stored_under_its_keys(tmp_path):
    from safetensors.numpy import load_file

    path = tmp_path / "sd.safetensors"
    ag.save({"w": ag.ones(2, 3), "b": ag.zeros(3, dtype=ag.float64)}, path)
    plain = load_file(str(path))
    assert set(plain) == {"w", "b"} and plain["b"].dtype == np.float64
    assert ag.load(path)["w"].shape == (2, 3)


@pytest.mark.parity
def test_weights_travel_both_ways_with_safetensors_torch(torch, tmp_path):
    st = pytest.importorskip("safetensors.torch")
    lin = torch.nn.Linear(3, 2)
    path = tmp_path / "torch.safetensors"
    st.save_file(lin.state_dict(), str(path))
    sd = ag.load(path)
    np.testing.assert_array_equal(sd["weight"].numpy(), lin.weight.detach().numpy())
    back = tmp_path / "ag.safetensors"
    ag.save({k: v * 2 for k, v in sd.items()}, back)
    theirs = st.load_file(str(back))
    assert set(theirs) == {"weight", "bias"}
    torch.testing.assert_close(theirs["bias"], lin.bias.detach() * 2)


def test_safetensors_file_of_an_unknown_dtype_names_it(tmp_path):
    raw = b'{"x":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}}'
    path = tmp_path / "bf16.safetensors"
    path.write_bytes(len(raw).to_bytes(8, "little") + raw + b"\0\0")
    with pytest.raises(RuntimeError, match=r"bf16\.safetensors"):
        ag.load(path)


def test_loading_never_unpickles(saved, monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("pickle was used")

    for name in ("loads", "load", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    out = ag.load(saved)
    assert out["note"] == "hello world" and out["w"].tolist() == list(map(float, range(16)))


def test_file_object_error_names_its_file(saved):
    with open(saved, "rb") as fh:
        data = fh.read()
    with pytest.raises(RuntimeError, match="buffer"):
        class Named(io.BytesIO):
            name = "buffer"

        ag.load(Named(data[:-4]))
