"""Recurrent layers and cells: gradchecks of the fused cells, parity with torch (values and
gradients after loading torch's weights), packed input, unbatched input, errors, and the same
results on every backend as on NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from arraygrad.nn.functional import _recurrent as R
from tests._gradients import random_array, to_numpy

TOL = dict(rtol=1e-10, atol=1e-12)


def _load_torch(torch_module, ag_module):
    """ag_module gets torch_module's weights (float64), through state_dict as users convert."""
    sd = {k: ag.tensor(v.detach().numpy()) for k, v in torch_module.state_dict().items()}
    ag_module.load_state_dict(sd)


def _states(h):
    return h if isinstance(h, tuple) else (h,)


def _backward_both(torch, ot, ht, oa, ha):
    """Backpropagates sum(out * w) + sum(h_n^2) on both sides (w a fixed weight)."""
    w = random_array(*ot.shape, seed=7)
    (ot * torch.tensor(w)).sum().add(sum((h ** 2).sum() for h in _states(ht))).backward()
    ((oa * ag.tensor(w)).sum() + sum((h ** 2).sum() for h in _states(ha))).backward()


def _assert_grads(tm, am):
    for (n, p), q in zip(tm.named_parameters(), am.parameters(), strict=True):
        np.testing.assert_allclose(to_numpy(q.grad), p.grad.numpy(), err_msg=n, **TOL)


# ---- the fused cells -----------------------------------------------------------------------------
def _cell_args(gates, bias=True, batch=2, i=3, h=2):
    shapes = [(batch, i), (batch, h), (gates * h, i), (gates * h, h)]
    if bias:
        shapes += [(gates * h,), (gates * h,)]
    return [ag.tensor(random_array(*s, seed=k), dtype=ag.float64, requires_grad=True)
            for k, s in enumerate(shapes)]


def _lstm_fn(x, h, c, *w):
    return R.lstm_cell(x, (h, c), *w)


@pytest.mark.parametrize("name", ["lstm", "gru", "rnn_tanh", "rnn_relu"])
def test_cell_gradcheck_and_gradgradcheck(name):
    gates = {"lstm": 4, "gru": 3}.get(name, 1)
    args = _cell_args(gates)
    if name == "lstm":
        c = ag.tensor(random_array(2, 2, seed=9), dtype=ag.float64, requires_grad=True)
        fn, args = _lstm_fn, args[:2] + [c] + args[2:]
    else:
        fn = getattr(R, f"{name}_cell")
    assert ag.autograd.gradcheck(fn, args)
    if name in ("lstm", "gru"):
        assert ag.autograd.gradgradcheck(fn, args)


def test_cell_gradcheck_without_bias_unbatched():
    x, h, wi, wh = _cell_args(3, bias=False, batch=1)
    x1, h1 = x.detach()[0].requires_grad_(), h.detach()[0].requires_grad_()
    assert ag.autograd.gradcheck(R.gru_cell, [x1, h1, wi, wh])


@pytest.mark.parity
@pytest.mark.parametrize("name", ["lstm", "gru", "rnn_tanh", "rnn_relu"])
def test_cells_match_torch_functions(torch, name):
    gates = {"lstm": 4, "gru": 3}.get(name, 1)
    args = _cell_args(gates)
    targs = [torch.tensor(to_numpy(a)) for a in args]
    if name == "lstm":
        c = random_array(2, 2, seed=9)
        got = R.lstm_cell(args[0], (args[1], ag.tensor(c)), *args[2:])
        want = torch._VF.lstm_cell(targs[0], (targs[1], torch.tensor(c)), *targs[2:])
    else:
        got = _states(getattr(R, f"{name}_cell")(*args))
        want = _states(getattr(torch._VF, f"{name}_cell")(*targs))
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(to_numpy(g), w.numpy(), **TOL)


# ---- layers against torch ------------------------------------------------------------------------
_LAYERS = [
    ("LSTM", dict(num_layers=2, bidirectional=True)),
    ("LSTM", dict(proj_size=3, batch_first=True)),
    ("GRU", dict(num_layers=2, bidirectional=True, batch_first=True)),
    ("GRU", dict(bias=False)),
    ("RNN", dict(nonlinearity="relu", bidirectional=True)),
    ("RNN", dict(num_layers=2)),
]


@pytest.mark.parity
@pytest.mark.parametrize("name,kw", _LAYERS)
def test_layer_parameters_are_torchs(torch, name, kw):
    tm = getattr(torch.nn, name)(4, 5, **kw)
    am = getattr(nn, name)(4, 5, **kw)
    assert [(n, tuple(p.shape)) for n, p in tm.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in am.named_parameters()]
    assert repr(am) == repr(tm)


@pytest.mark.parity
@pytest.mark.parametrize("with_hx", [False, True])
@pytest.mark.parametrize("name,kw", _LAYERS)
def test_layer_matches_torch(torch, name, kw, with_hx):
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(4, 5, **kw).double()
    am = getattr(nn, name)(4, 5, dtype=ag.float64, **kw)
    _load_torch(tm, am)
    shape = (3, 6, 4) if kw.get("batch_first") else (6, 3, 4)
    x = random_array(*shape)
    xt, xa = torch.tensor(x, requires_grad=True), ag.tensor(x, requires_grad=True)
    if with_hx:
        dirs = 2 if kw.get("bidirectional") else 1
        n = kw.get("num_layers", 1) * dirs
        hs = [random_array(n, 3, kw.get("proj_size") or 5, seed=3)]
        if name == "LSTM":
            hs.append(random_array(n, 3, 5, seed=4))
        ht_in = [torch.tensor(h, requires_grad=True) for h in hs]
        ha_in = [ag.tensor(h, requires_grad=True) for h in hs]
        ot, ht = tm(xt, tuple(ht_in) if name == "LSTM" else ht_in[0])
        oa, ha = am(xa, tuple(ha_in) if name == "LSTM" else ha_in[0])
    else:
        ot, ht = tm(xt)
        oa, ha = am(xa)
    np.testing.assert_allclose(to_numpy(oa), ot.detach().numpy(), **TOL)
    for a, t in zip(_states(ha), _states(ht), strict=True):
        np.testing.assert_allclose(to_numpy(a), t.detach().numpy(), **TOL)
    _backward_both(torch, ot, ht, oa, ha)
    np.testing.assert_allclose(to_numpy(xa.grad), xt.grad.numpy(), **TOL)
    _assert_grads(tm, am)
    if with_hx:
        for a, t in zip(ha_in, ht_in, strict=True):
            np.testing.assert_allclose(to_numpy(a.grad), t.grad.numpy(), **TOL)


@pytest.mark.parity
@pytest.mark.parametrize("name,kw", [_LAYERS[0], _LAYERS[2], _LAYERS[4], _LAYERS[1]])
def test_packed_input_matches_torch(torch, name, kw):
    """Unsorted lengths, initial states given: outputs zero at padded steps, final states from
    each sequence's last step, gradients through the packing."""
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(4, 5, **kw).double()
    am = getattr(nn, name)(4, 5, dtype=ag.float64, **kw)
    _load_torch(tm, am)
    bf = kw.get("batch_first", False)
    x = random_array(*((4, 6, 4) if bf else (6, 4, 4)))
    lengths = [3, 6, 1, 4]
    xt, xa = torch.tensor(x, requires_grad=True), ag.tensor(x, requires_grad=True)
    dirs = 2 if kw.get("bidirectional") else 1
    n = kw.get("num_layers", 1) * dirs
    hs = [random_array(n, 4, kw.get("proj_size") or 5, seed=3)]
    if name == "LSTM":
        hs.append(random_array(n, 4, 5, seed=4))
    ht_in = tuple(torch.tensor(h) for h in hs)
    ha_in = tuple(ag.tensor(h) for h in hs)
    pt = torch.nn.utils.rnn.pack_padded_sequence(xt, lengths, bf, enforce_sorted=False)
    pa = nn.utils.rnn.pack_padded_sequence(xa, lengths, bf, enforce_sorted=False)
    ot, ht = tm(pt, ht_in if name == "LSTM" else ht_in[0])
    oa, ha = am(pa, ha_in if name == "LSTM" else ha_in[0])
    assert isinstance(oa, nn.utils.rnn.PackedSequence)
    ot, _ = torch.nn.utils.rnn.pad_packed_sequence(ot, bf)
    oa, la = nn.utils.rnn.pad_packed_sequence(oa, bf)
    assert la.tolist() == lengths
    np.testing.assert_allclose(to_numpy(oa), ot.detach().numpy(), **TOL)
    for a, t in zip(_states(ha), _states(ht), strict=True):
        np.testing.assert_allclose(to_numpy(a), t.detach().numpy(), **TOL)
    _backward_both(torch, ot, ht, oa, ha)
    np.testing.assert_allclose(to_numpy(xa.grad), xt.grad.numpy(), **TOL)
    _assert_grads(tm, am)


@pytest.mark.parity
@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
def test_unbatched_input_matches_torch(torch, name):
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(4, 5, bidirectional=True).double()
    am = getattr(nn, name)(4, 5, bidirectional=True, dtype=ag.float64)
    _load_torch(tm, am)
    x = random_array(6, 4)
    ot, ht = tm(torch.tensor(x))
    oa, ha = am(ag.tensor(x))
    assert tuple(oa.shape) == (6, 10)
    np.testing.assert_allclose(to_numpy(oa), ot.detach().numpy(), **TOL)
    for a, t in zip(_states(ha), _states(ht), strict=True):
        assert tuple(a.shape) == tuple(t.shape)
        np.testing.assert_allclose(to_numpy(a), t.detach().numpy(), **TOL)


@pytest.mark.parity
@pytest.mark.parametrize("name,kw", [("LSTMCell", {}), ("GRUCell", {}), ("RNNCell", {}),
                                     ("RNNCell", dict(nonlinearity="relu", bias=False))])
@pytest.mark.parametrize("batched", [True, False])
def test_cell_modules_match_torch(torch, name, kw, batched):
    torch.manual_seed(0)
    tm = getattr(torch.nn, name)(4, 5, **kw).double()
    am = getattr(nn, name)(4, 5, dtype=ag.float64, **kw)
    assert repr(am) == repr(tm)
    _load_torch(tm, am)
    x = random_array(*((3, 4) if batched else (4,)))
    h = random_array(*((3, 5) if batched else (5,)), seed=2)
    xt, xa = torch.tensor(x, requires_grad=True), ag.tensor(x, requires_grad=True)
    if name == "LSTMCell":
        ot = tm(xt, (torch.tensor(h), torch.tensor(h * 0.5)))
        oa = am(xa, (ag.tensor(h), ag.tensor(h * 0.5)))
    else:
        ot, oa = tm(xt, torch.tensor(h)), am(xa, ag.tensor(h))
    for a, t in zip(_states(oa), _states(ot), strict=True):
        np.testing.assert_allclose(to_numpy(a), t.detach().numpy(), **TOL)
    sum((t ** 2).sum() for t in _states(ot)).backward()
    sum((a ** 2).sum() for a in _states(oa)).backward()
    np.testing.assert_allclose(to_numpy(xa.grad), xt.grad.numpy(), **TOL)
    _assert_grads(tm, am)
    np.testing.assert_allclose(to_numpy(_states(am(xa))[0]), _states(tm(xt))[0].detach().numpy(),
                               **TOL)


# ---- initialisation, errors ----------------------------------------------------------------------
def test_init_is_uniform_within_bound_and_seeded():
    ag.manual_seed(3)
    a = nn.LSTM(4, 16, num_layers=2)
    ag.manual_seed(3)
    b = nn.LSTM(4, 16, num_layers=2)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        v = to_numpy(p)
        assert np.abs(v).max() <= 0.25 and np.abs(v).max() > 0.2
        np.testing.assert_array_equal(v, to_numpy(q))
    assert nn.GRUCell(3, 4, dtype=ag.float64).weight_hh.dtype == ag.float64


def test_layer_errors_name_what_was_wrong():
    m = nn.LSTM(4, 5)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. "
                                           "Expected 4, got 3"):
        m(ag.zeros(6, 2, 3))
    with pytest.raises(ValueError, match="LSTM: Expected input to be 2D or 3D, got 4D"):
        m(ag.zeros(6, 2, 3, 4))
    with pytest.raises(RuntimeError,
                       match=r"Expected hidden\[0\] size \(1, 2, 5\), got \[1, 3, 5\]"):
        m(ag.zeros(6, 2, 4), (ag.zeros(1, 3, 5), ag.zeros(1, 2, 5)))
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx should also be 3-D"):
        nn.GRU(4, 5)(ag.zeros(6, 2, 4), ag.zeros(2, 5))
    with pytest.raises(RuntimeError, match="input must have the type arraygrad.float32, got "
                                           "type arraygrad.float64"):
        nn.GRU(4, 5)(ag.zeros(6, 2, 4, dtype=ag.float64))
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM"):
        nn.modules.rnn.RNNBase("GRU", 4, 5, proj_size=2)
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(4, 5, proj_size=5)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'"):
        nn.RNN(4, 5, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="GRUCell: Expected input to be 1D or 2D, got 3D"):
        nn.GRUCell(4, 5)(ag.zeros(1, 2, 4))
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.GRU(4, 5, dropout=0.5)
    with pytest.raises(RuntimeError, match=r"gru_cell\(\): weight_hh has shape \(8, 2\), "
                                           r"expected \(3 \* hidden_size"):
        R.gru_cell(ag.zeros(1, 3), ag.zeros(1, 2), ag.zeros(6, 3), ag.zeros(8, 2))
    with pytest.raises(RuntimeError, match=r"lstm_cell\(\): input has inconsistent input_size"):
        R.lstm_cell(ag.zeros(1, 4), (ag.zeros(1, 2), ag.zeros(1, 2)), ag.zeros(8, 3),
                    ag.zeros(8, 2))


def test_dropout_between_layers_is_seeded_and_only_in_training():
    ag.manual_seed(0)
    m = nn.GRU(3, 4, num_layers=2, dropout=0.5)
    x = ag.tensor(random_array(5, 2, 3), dtype=ag.float32)
    runs = []
    for _ in range(2):
        ag.manual_seed(7)
        runs.append(to_numpy(m(x)[0]))
    np.testing.assert_array_equal(runs[0], runs[1])
    m.eval()
    plain = to_numpy(m(x)[0])
    m.dropout = 0.0
    m.train()
    np.testing.assert_array_equal(to_numpy(m(x)[0]), plain)
    assert not np.allclose(runs[0], plain)


# ---- every backend gives NumPy's results ---------------------------------------------------------
@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_same_values_and_grads_on_every_device(device, name):
    if device == "dask" and name == "GRU":
        pytest.skip("one short case on Dask keeps the suite within budget (LSTM covers it)")
    results = []
    steps, bidir = (2, False) if device == "dask" else (3, True)  # Dask: ~10 ms per op
    for dev in ("cpu", device):
        ag.manual_seed(0)
        m = getattr(nn, name)(3, 4, bidirectional=bidir, batch_first=True).to(dev)
        x = ag.tensor(random_array(2, steps, 3), dtype=ag.float32, device=dev,
                      requires_grad=True)
        out, h = m(x)
        (out.sum() + sum((s * s).sum() for s in _states(h))).backward()
        # one tensor, so that Dask computes the graph once
        flat = [out, x.grad] + [p.grad for p in m.parameters()]
        results.append(to_numpy(ag.cat([t.reshape(-1) for t in flat])))
    np.testing.assert_allclose(results[1], results[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reverse", [False, True])
def test_fused_lstm_sequence_gradcheck_and_gradgradcheck(reverse):
    """The whole-sequence LSTM node (full batches): backpropagation through time by hand."""
    shapes = [(2, 2, 8), (2, 2), (2, 2), (8, 2)]
    args = [ag.tensor(random_array(*s, seed=k), dtype=ag.float64, requires_grad=True)
            for k, s in enumerate(shapes)]

    def fn(xg, h, c, w):
        return R._lstm_sequence(xg, h, c, w, reverse)

    assert ag.autograd.gradcheck(fn, args)
    if not reverse:  # the second derivative's code path is the same in both directions
        assert ag.autograd.gradgradcheck(fn, args)
