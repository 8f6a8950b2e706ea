"""The data examples run as scripts would: examples/large_dataset.py streams a dataset it builds
on disk and learns it; examples/full_batch_dask.py fits its logistic regression with L-BFGS on the
Dask backend (here on Dask's local scheduler; the cluster path is the same graph)."""

import pathlib

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def examples(monkeypatch):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    import importlib

    return importlib


def test_large_dataset_streams_and_learns(examples, tmp_path, capsys):
    mod = examples.import_module("large_dataset")
    r = mod.main(["--size-mb", "1", "--epochs", "2", "--chunk-rows", "1024", "--format", "zarr",
                  "--dir", str(tmp_path)])
    assert r["rows"] == 4096 and r["losses"][1] < r["losses"][0] and r["accuracies"][1] > 0.6
    out = capsys.readouterr().out
    assert "built 4096 samples" in out and "epoch 2: loss" in out


def test_full_batch_dask_lbfgs_decreases_the_loss(examples, capsys):
    pytest.importorskip("dask.array")
    mod = examples.import_module("full_batch_dask")
    r = mod.main(["--no-cluster", "--rows", "1000", "--chunk-rows", "250", "--features", "5",
                  "--steps", "2", "--max-iter", "2"])
    assert r["losses"][1] < r["losses"][0] and r["accuracy"] > 0.75
    assert "training accuracy" in capsys.readouterr().out
