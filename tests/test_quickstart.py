"""The quickstart (the project's main job): the CLI runs the Learn-the-Basics workflow end to end
offline, and the default run reaches 90% test accuracy on scikit-learn's digits."""

import pytest

import arraygrad as ag
from arraygrad import quickstart
from arraygrad.cli import main

pytest.importorskip("sklearn", reason="the offline dataset comes with scikit-learn")


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """One BLAS thread: these matrices are small, and on a shared 2-core runner BLAS threads
    contending with each other make the run several times slower (same results)."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(1):
        yield


def test_cli_runs_the_workflow_end_to_end(tmp_path, capsys):
    assert main(["quickstart", "--epochs", "1", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    for line in ["Shape of X [N, C, H, W]: arraygrad.Size([64, 1, 8, 8])", "Using cpu device",
                 "NeuralNetwork(", "Epoch 1\n---", "Test Error:", "Accuracy:", "Done!",
                 f"Saved arraygrad Model State to {tmp_path / 'model.pth'}", 'Predicted: "']:
        assert line in text, line
    state = ag.load(tmp_path / "model.pth")
    assert state["linear_relu_stack.0.weight"].shape == (512, 64)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert "install matplotlib" in text and not (tmp_path / "quickstart.png").exists()
    else:
        assert (tmp_path / "quickstart.png").stat().st_size > 1000
        assert f"curves to {tmp_path / 'quickstart.png'}" in text


def test_model_is_the_tutorials():
    m = quickstart.NeuralNetwork(28)
    shapes = [tuple(p.shape) for p in m.parameters()]
    assert shapes == [(512, 784), (512,), (512, 512), (512,), (10, 512), (10,)]
    assert quickstart.SETTINGS["fashion-mnist"] == quickstart.Settings(28, 64, 1e-3, 0.0, 10)


def test_default_run_reaches_90_percent(tmp_path):
    r = quickstart.run(out=str(tmp_path), plot=False, quiet=True)
    assert len(r["history"]["test_acc"]) == 10
    assert r["accuracy"] >= 0.90, r["history"]
    assert r["history"]["train_loss"][-1] < r["history"]["train_loss"][0]
    assert all(isinstance(p, str) and isinstance(a, str) for p, a in r["predictions"])


def test_fashion_mnist_path_with_the_tutorials_settings(tmp_path):
    from tests.data.datasets.test_mnist import _write

    _write(tmp_path / "FashionMNIST" / "raw", n_train=100, n_test=20)
    r = quickstart.run("fashion-mnist", root=str(tmp_path), epochs=1, out=str(tmp_path / "o"),
                       plot=False, quiet=True)
    assert len(r["history"]["test_acc"]) == 1 and (tmp_path / "o" / "model.pth").exists()
    assert all(p in quickstart.FashionMNIST.classes for p, _ in r["predictions"])
