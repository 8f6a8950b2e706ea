"""TransformerEncoderLayer and TransformerEncoder: parity with torch (values and gradients after
loading torch's weights; post-/pre-norm, relu/gelu/callable, batch_first, padding and causal
masks, a final norm), independent deep copies, dropout, errors, every backend against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from arraygrad.nn.modules.transformer import _generate_square_subsequent_mask
from tests._gradients import random_array, to_numpy

TOL = dict(rtol=1e-9, atol=1e-11)
_CASES = [
    (dict(), {}, False),
    (dict(norm_first=True, activation="gelu", batch_first=True), dict(padding=True), False),
    (dict(activation="callable"), dict(causal=True), True),
]


@pytest.mark.parity
@pytest.mark.parametrize("kw,masks,encoder", _CASES)
def test_encoder_matches_torch(torch, kw, masks, encoder):
    torch.manual_seed(0)
    tkw, akw = dict(kw), dict(kw)
    if kw.get("activation") == "callable":
        tkw["activation"], akw["activation"] = torch.nn.functional.gelu, nn.functional.gelu
    tm = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **tkw).double()
    am = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, dtype=ag.float64, **akw)
    if encoder:
        tm = torch.nn.TransformerEncoder(tm, 2, norm=torch.nn.LayerNorm(8).double(),
                                         enable_nested_tensor=False)
        am = nn.TransformerEncoder(am, 2, norm=nn.LayerNorm(8, dtype=ag.float64))
    assert [(n, tuple(p.shape)) for n, p in tm.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in am.named_parameters()]
    with torch.no_grad():  # norms away from their ones/zeros init, so that every grad shows
        for p in tm.parameters():
            p.add_(0.1 * torch.randn_like(p))
    am.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    bf = kw.get("batch_first", False)
    x = random_array(*((3, 4, 8) if bf else (4, 3, 8)))
    xt, xa = torch.tensor(x, requires_grad=True), ag.tensor(x, requires_grad=True)
    tf, af = {}, {}
    if masks.get("padding"):
        m = np.zeros((3, 4), bool)
        m[0, 1] = m[2, 3] = True
        tf["src_key_padding_mask"], af["src_key_padding_mask"] = torch.tensor(m), ag.tensor(m)
    if masks.get("causal"):
        tf["mask"] = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float64)
        af["mask"] = _generate_square_subsequent_mask(4, dtype=ag.float64)
        np.testing.assert_array_equal(to_numpy(af["mask"]), tf["mask"].numpy())
        tf["is_causal"] = af["is_causal"] = True
    ot, oa = tm(xt, **tf), am(xa, **af)
    np.testing.assert_allclose(to_numpy(oa), ot.detach().numpy(), **TOL)
    (ot ** 2).sum().backward()
    (oa ** 2).sum().backward()
    np.testing.assert_allclose(to_numpy(xa.grad), xt.grad.numpy(), **TOL)
    for (name, p), r in zip(tm.named_parameters(), am.parameters(), strict=True):
        np.testing.assert_allclose(to_numpy(r.grad), p.grad.numpy(), err_msg=name, **TOL)


def test_encoder_layers_are_independent_copies_and_dropout_only_trains():
    layer = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.5)
    enc = nn.TransformerEncoder(layer, 2)
    p0, p1 = enc.layers[0].linear1.weight, enc.layers[1].linear1.weight
    assert p0 is not p1 and p0 is not layer.linear1.weight
    np.testing.assert_array_equal(to_numpy(p0), to_numpy(p1))
    with ag.no_grad():
        p0.mul_(2.0)
    assert not np.allclose(to_numpy(p0), to_numpy(p1))
    x = ag.randn(3, 2, 4)
    enc.eval()
    np.testing.assert_array_equal(to_numpy(enc(x)), to_numpy(enc(x)))
    enc.train()
    assert not np.allclose(to_numpy(enc(x)), to_numpy(enc(x)))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")


def test_same_values_and_grads_on_every_device(device):
    got = []
    for dev in ("cpu", device):
        ag.manual_seed(0)
        m = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True).to(dev)
        x = ag.tensor(random_array(2, 3, 4), dtype=ag.float32, device=dev, requires_grad=True)
        out = m(x)
        (out * out).sum().backward()
        flat = [out, x.grad] + [p.grad for p in m.parameters()]
        got.append(to_numpy(ag.cat([t.reshape(-1) for t in flat])))
    np.testing.assert_allclose(got[1], got[0], rtol=1e-4, atol=1e-5)
