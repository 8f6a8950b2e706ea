"""scaled_dot_product_attention and MultiheadAttention: parity with torch (values and gradients,
masks, causal, kdim/vdim, bias_kv, zero attention, batch_first, unbatched), gradchecks, seeded
dropout, errors, and every backend against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import arraygrad as ag
from arraygrad import nn
from arraygrad.nn import functional as F
from tests._gradients import random_array, to_numpy

TOL = dict(rtol=1e-10, atol=1e-12)


def _mask(kind, lib, shape=(4, 6)):
    if kind == "float":
        return lib.tensor(random_array(*shape, seed=5), requires_grad=True)
    if kind == "bool":
        m = np.random.default_rng(6).random(shape) > 0.3
        m[..., 0] = True  # no fully masked row (NaN in both libraries)
        return lib.tensor(m)
    return None


@pytest.mark.parity
@pytest.mark.parametrize("kw", [{}, dict(is_causal=True), dict(attn_mask="float"),
                                dict(attn_mask="bool"), dict(scale=0.3)])
def test_sdpa_matches_torch(torch, kw):
    q, k, v = random_array(2, 3, 4, 5), random_array(2, 3, 6, 5, seed=1), \
        random_array(2, 3, 6, 2, seed=2)
    tt = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    aa = [ag.tensor(a, requires_grad=True) for a in (q, k, v)]
    tkw, akw = dict(kw), dict(kw)
    if "attn_mask" in kw:
        tkw["attn_mask"], akw["attn_mask"] = _mask(kw["attn_mask"], torch), \
            _mask(kw["attn_mask"], ag)
    ot = torch.nn.functional.scaled_dot_product_attention(*tt, **tkw)
    oa = F.scaled_dot_product_attention(*aa, **akw)
    np.testing.assert_allclose(to_numpy(oa), ot.detach().numpy(), **TOL)
    w = random_array(*ot.shape, seed=3)
    (ot * torch.tensor(w)).sum().backward()
    (oa * ag.tensor(w)).sum().backward()
    for a, t in zip(aa, tt, strict=True):
        np.testing.assert_allclose(to_numpy(a.grad), t.grad.numpy(), **TOL)
    if kw.get("attn_mask") == "float":
        np.testing.assert_allclose(to_numpy(akw["attn_mask"].grad),
                                   tkw["attn_mask"].grad.numpy(), **TOL)


def test_sdpa_gradcheck_and_gradgradcheck():
    args = [ag.tensor(random_array(*s, seed=i), dtype=ag.float64, requires_grad=True)
            for i, s in enumerate([(3, 2), (4, 2), (4, 3), (3, 4)])]

    def fn(q, k, v, m):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=m)

    assert ag.autograd.gradcheck(fn, args)
    assert ag.autograd.gradgradcheck(fn, args)


def test_sdpa_dropout_is_seeded_and_scales_kept_weights():
    q = ag.zeros(1, 5, 3)  # uniform weights 1/5, so out = dropped weights @ I
    v = ag.eye(5).unsqueeze(0)
    ag.manual_seed(1)
    a = F.scaled_dot_product_attention(q, q, v, dropout_p=0.5)
    ag.manual_seed(1)
    b = F.scaled_dot_product_attention(q, q, v, dropout_p=0.5)
    np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    vals = set(np.round(to_numpy(a).ravel().astype(np.float64), 6).tolist())
    assert vals == {0.0, 0.4}


def test_sdpa_errors_are_pytorchs():
    x = ag.zeros(2, 3, 4)
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set when "
                                           "is_causal=True"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=ag.ones(3, 3, dtype=ag.bool),
                                       is_causal=True)
    with pytest.raises(RuntimeError, match="Expected query, key, and value to have the same "
                                           "dtype"):
        F.scaled_dot_product_attention(x, x, x.double())


# ---- MultiheadAttention --------------------------------------------------------------------------
_MHA = [
    (dict(), True, {}),
    (dict(batch_first=True), False, dict(key_padding_mask=True)),
    (dict(kdim=3, vdim=2, bias=False), False, dict(attn_mask="float")),
    (dict(add_bias_kv=True, add_zero_attn=True), True,
     dict(attn_mask="bool", key_padding_mask=True, average_attn_weights=False)),
    (dict(), True, dict(need_weights=False)),
]


def _mha_kwargs(lib, fkw, n, ls, ss):
    out = {}
    for key, val in fkw.items():
        if key == "key_padding_mask":
            m = np.zeros((n, ss), bool)
            m[1, 2] = m[0, -1] = True
            out[key] = lib.tensor(m)
        elif key == "attn_mask":
            m = (random_array(ls, ss, seed=8) if val == "float"
                 else np.eye(ls, ss, 1, dtype=bool))
            out[key] = lib.tensor(m)
        else:
            out[key] = val
    return out


@pytest.mark.parity
@pytest.mark.parametrize("kw,self_attn,fkw", _MHA)
def test_multihead_attention_matches_torch(torch, kw, self_attn, fkw):
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(8, 2, **kw).double()
    am = nn.MultiheadAttention(8, 2, dtype=ag.float64, **kw)
    assert [(n, tuple(p.shape)) for n, p in tm.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in am.named_parameters()]
    am.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    bf = kw.get("batch_first", False)
    ls, n = 4, 3
    ss = ls if self_attn else 5

    def seq(length, dim, seed):
        return random_array(*((n, length, dim) if bf else (length, n, dim)), seed=seed)

    q = seq(ls, 8, 0)
    qt, qa = torch.tensor(q, requires_grad=True), ag.tensor(q, requires_grad=True)
    if self_attn:
        kt = vt = qt
        ka = va = qa
    else:
        k, v = seq(ss, kw.get("kdim", 8), 1), seq(ss, kw.get("vdim", 8), 2)
        kt, vt, ka, va = torch.tensor(k), torch.tensor(v), ag.tensor(k), ag.tensor(v)
    ot, wt = tm(qt, kt, vt, **_mha_kwargs(torch, fkw, n, ls, ss))
    oa, wa = am(qa, ka, va, **_mha_kwargs(ag, fkw, n, ls, ss))
    np.testing.assert_allclose(to_numpy(oa), ot.detach().numpy(), **TOL)
    assert (wa is None) == (wt is None)
    if wt is not None:
        np.testing.assert_allclose(to_numpy(wa), wt.detach().numpy(), **TOL)
    (ot ** 2).sum().backward()
    (oa ** 2).sum().backward()
    np.testing.assert_allclose(to_numpy(qa.grad), qt.grad.numpy(), **TOL)
    for (name, p), r in zip(tm.named_parameters(), am.parameters(), strict=True):
        np.testing.assert_allclose(to_numpy(r.grad), p.grad.numpy(), err_msg=name, **TOL)


@pytest.mark.parity
def test_multihead_attention_unbatched_matches_torch(torch):
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(4, 2).double()
    am = nn.MultiheadAttention(4, 2, dtype=ag.float64)
    am.load_state_dict({k: ag.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    x = random_array(3, 4)
    ot, wt = tm(torch.tensor(x), torch.tensor(x), torch.tensor(x))
    oa, wa = am(ag.tensor(x), ag.tensor(x), ag.tensor(x))
    assert tuple(oa.shape) == (3, 4) and tuple(wa.shape) == (3, 3)
    np.testing.assert_allclose(to_numpy(oa), ot.detach().numpy(), **TOL)
    np.testing.assert_allclose(to_numpy(wa), wt.detach().numpy(), **TOL)


def test_multihead_attention_dropout_only_in_training_and_errors():
    ag.manual_seed(0)
    m = nn.MultiheadAttention(4, 2, dropout=0.5)
    x = ag.randn(3, 2, 4)
    m.eval()
    a, _ = m(x, x, x)
    b, _ = m(x, x, x)
    np.testing.assert_array_equal(to_numpy(a), to_numpy(b))
    m.train()
    c, _ = m(x, x, x)
    assert not np.allclose(to_numpy(a), to_numpy(c))
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(5, 2)
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is \(2, 2\), but "
                                           r"should be \(3, 3\)"):
        m(x, x, x, attn_mask=ag.zeros(2, 2))


def test_same_values_and_grads_on_every_device(device):
    got = []
    for dev in ("cpu", device):
        ag.manual_seed(0)
        m = nn.MultiheadAttention(4, 2, batch_first=True).to(dev)
        x = ag.tensor(random_array(2, 3, 4), dtype=ag.float32, device=dev, requires_grad=True)
        kpm = ag.tensor([[False, False, True], [False, False, False]], device=dev)
        out, w = m(x, x, x, key_padding_mask=kpm)
        (out.sum() + (w * w).sum()).backward()
        flat = [out, w, x.grad] + [p.grad for p in m.parameters()]
        got.append(to_numpy(ag.cat([t.reshape(-1) for t in flat])))
    np.testing.assert_allclose(got[1], got[0], rtol=1e-5, atol=1e-6)
