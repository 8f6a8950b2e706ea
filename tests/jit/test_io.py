"""ag.jit.save / ag.jit.load: round trips without the original class, loading onto other
backends, clear errors for corrupt or foreign files, no pickle, atomic writes."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys

import pytest

import arraygrad as ag
from arraygrad.jit import TracedModule
from tests.jit._models import cnn, mlp


def _close(a, b, tol=1e-6):
    a, b = a.detach().cpu(), b.detach().cpu()
    return a.shape == b.shape and ag.allclose(a, b, rtol=tol, atol=tol)


@pytest.fixture
def saved_cnn(tmp_path):
    m = cnn()
    x = ag.randn(2, 1, 8, 8)
    path = tmp_path / "cnn.pt"
    ag.jit.trace(m, x).save(path)
    with ag.no_grad():
        return path, x, m(x)


def test_save_then_load_gives_equal_outputs_and_state(saved_cnn):
    path, x, want = saved_cnn
    t = ag.jit.load(path)
    assert isinstance(t, TracedModule) and t.original_name == "SmallCNN"
    with ag.no_grad():
        assert _close(t(x), want, 1e-6)
    assert list(t.state_dict()) == list(cnn().state_dict())
    assert all(p.requires_grad for p in t.parameters())


def test_load_in_a_fresh_process_without_the_class(saved_cnn, tmp_path):
    path, x, want = saved_cnn
    ag.save({"x": x}, tmp_path / "x.ag")
    code = ("import arraygrad as ag, sys; t = ag.jit.load(sys.argv[1]); "
            "x = ag.load(sys.argv[2])['x']; print(repr(t(x).tolist()))")
    out = subprocess.run([sys.executable, "-c", code, str(path), str(tmp_path / "x.ag")],
                         capture_output=True, text=True, check=True, cwd=tmp_path)
    got = ag.tensor(eval(out.stdout))  # noqa: S307 (our own printed list of floats)
    assert _close(got, want, 1e-6)


def test_load_onto_another_backend_gives_equal_outputs(saved_cnn, device):
    path, x, want = saved_cnn
    t = ag.jit.load(path, map_location=device)
    assert all(p.device == ag.device(device) for p in t.parameters())
    with ag.no_grad():
        assert _close(t(x.to(device)), want, 1e-5)
    assert _close(t(x.to(device)), want, 1e-5)  # differentiable replay there too


def test_jit_save_equals_method_save(tmp_path):
    t = ag.jit.trace(mlp(), ag.randn(3, 4))
    ag.jit.save(t, tmp_path / "a.pt")
    t.save(tmp_path / "b.pt")
    a, b = ag.jit.load(tmp_path / "a.pt"), ag.jit.load(tmp_path / "b.pt")
    assert a.code == b.code == t.code
    assert all(ag.equal(a.state_dict()[k], v) for k, v in b.state_dict().items())
    with pytest.raises(TypeError, match="traced module"):
        ag.jit.save(mlp(), tmp_path / "c.pt")


def test_file_is_safetensors_with_a_json_graph_and_never_unpickles(saved_cnn, monkeypatch):
    path, x, want = saved_cnn
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    ends = [v["data_offsets"][1] for k, v in header.items() if k != "__metadata__"]
    assert 8 + n + max(ends) == len(raw)  # nothing but the header and the tensors' bytes
    structure = json.loads(header["__metadata__"]["arraygrad.structure"])
    root = dict((k, v) for _, k, v in structure["root"]["v"])
    graph = json.loads(root["graph"]["v"])
    assert graph["name"] == "SmallCNN" and any(op[1] == "matmul" for op in graph["ops"])

    def refuse(*a, **k):
        raise AssertionError("pickle was used")

    for name in ("loads", "load", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    with ag.no_grad():
        assert _close(ag.jit.load(path)(x), want, 1e-6)


def test_truncated_file_raises_naming_it(saved_cnn, tmp_path):
    path = saved_cnn[0]
    bad = tmp_path / "cut.pt"
    bad.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(RuntimeError, match="cut.pt"):
        ag.jit.load(bad)


def test_altered_graph_is_refused(saved_cnn, tmp_path):
    raw = saved_cnn[0].read_bytes()
    bad = tmp_path / "edited.pt"
    bad.write_bytes(raw.replace(b"matmul", b"matpow", 1))
    with pytest.raises(RuntimeError, match="edited.pt"):
        ag.jit.load(bad)


def test_plain_checkpoint_is_not_a_traced_module(tmp_path):
    path = tmp_path / "weights.ag"
    ag.save(mlp().state_dict(), path)
    with pytest.raises(RuntimeError, match="not a traced module"):
        ag.jit.load(path)


def test_failed_save_leaves_the_old_file(saved_cnn, monkeypatch):
    path = saved_cnn[0]
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("rename failed")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="rename failed"):
        ag.jit.trace(mlp(), ag.randn(3, 4)).save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(path.parent) == [path.name]


@pytest.mark.parity
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.jit.trace is deprecated there
def test_outputs_equal_torch_jit_trace_with_the_same_weights(torch, tmp_path):
    m = mlp()
    tm = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8),
                             torch.nn.ReLU(), torch.nn.Linear(8, 3))
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in m.state_dict().items()})
    x = ag.randn(5, 4)
    ours = ag.jit.trace(m, x)
    ours.save(tmp_path / "ours.pt")
    theirs = torch.jit.trace(tm, torch.tensor(x.numpy()))
    with ag.no_grad(), torch.no_grad():
        want = theirs(torch.tensor(x.numpy())).numpy()
        assert _close(ag.jit.load(tmp_path / "ours.pt")(x), ag.tensor(want), 1e-5)
