"""Fused recurrent cells: `lstm_cell`, `gru_cell`, `rnn_tanh_cell`, `rnn_relu_cell`, each one
recorded node per step with a hand-written backward, plus the helpers the sequence layers use
(`_input_projection`: every time step's input gates in one matmul; `_split_rows`: those gates cut
into per-step pieces by one node whose backward is one concat; `_lstm_sequence`: a whole LSTM
sequence over full batches as one node, W_hh's gradient in one matmul over all steps).

Gate orders and formulas are PyTorch's: LSTM i, f, g, o; GRU r, z, n with
n = tanh(W_in x + b_in + r * (W_hn h + b_hn)). The `*_step` forms take the input already
projected (`x W_ih^T + b`), which is how `nn.LSTM`/`nn.GRU`/`nn.RNN` call them.

LSTM's four activations come from one tanh over the (B, 4H) gates: sigmoid(x) = 0.5 tanh(x/2) +
0.5, so a per-column scale and shift give i, f, o (sigmoid) and g (tanh) together. Backward
formulas are written against `K`; under create_graph they recompute the activations from the
saved inputs with differentiable ops, so second derivatives are exact.
"""

from __future__ import annotations

from ...core.graph import OUT, record, record_multi
from ...core.tensor import Tensor
from ...core.ops.complex import no_complex_grad

__all__ = ["lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"]

_VEC: dict = {}


def _lstm_vectors(dev, dtype, h: int) -> tuple:
    """(scale, shift, k, m, c) columns for the i, f, g, o blocks: act = tanh(x*scale)*scale +
    shift, d act/d x = k (1 - tanh^2) and tanh = act*m + c; cached per device, dtype and size
    (not when made inside a compiled program's trace: those arrays belong to that trace)."""
    key = (dev, dtype, h)
    v = _VEC.get(key)
    if v is None:
        xp, nd = dev.xp, dev.native

        def col(a, b, c, d):
            return xp.concat([xp.full((h,), x, dtype=dtype, device=nd) for x in (a, b, c, d)])

        v = (col(0.5, 0.5, 1.0, 0.5), col(0.5, 0.5, 0.0, 0.5), col(0.25, 0.25, 1.0, 0.25),
             col(2.0, 2.0, 1.0, 2.0), col(-1.0, -1.0, 0.0, -1.0))
        traced = getattr(dev.backend, "is_traced", None)  # ag.compile's backend hook
        if traced is None or not traced(v[0]):
            _VEC[key] = v
    return v


def _check_cell(op: str, x: Tensor, hx: Tensor, w_ih, w_hh: Tensor, gates: int):
    """Shapes and devices of a cell call, with errors naming the op and both shapes."""
    no_complex_grad(op, x, hx, w_ih, w_hh)
    hsz = w_hh.shape[1]
    if w_hh.shape[0] != gates * hsz:
        raise RuntimeError(f"{op}(): weight_hh has shape {tuple(w_hh.shape)}, expected "
                           f"({gates} * hidden_size, hidden_size) = {(gates * hsz, hsz)}")
    if w_ih is not None and x.shape[-1] != w_ih.shape[1]:
        raise RuntimeError(f"{op}(): input has inconsistent input_size: got {x.shape[-1]}, "
                           f"expected {w_ih.shape[1]} (input shape {tuple(x.shape)})")
    if hx.shape[-1] != hsz or hx.shape[:-1] != x.shape[:-1]:
        raise RuntimeError(f"{op}(): hidden state has shape {tuple(hx.shape)}, expected "
                           f"{tuple(x.shape[:-1]) + (hsz,)}")
    for t in (hx, w_ih, w_hh):
        if t is not None and t._dev is not x._dev:
            raise RuntimeError(f"{op}(): expected all tensors on one device, got {x._dev} and "
                               f"{t._dev}")


def _pre(K, x, hx, w_ih, w_hh, b_ih, b_hh):
    """x W_ih^T + b_ih + h W_hh^T + b_hh (w_ih None: x is already projected)."""
    gates = K.matmul(hx, w_hh.T)
    gates = gates + (x if w_ih is None else K.matmul(x, w_ih.T))
    if b_ih is not None:
        gates = gates + b_ih
    if b_hh is not None:
        gates = gates + b_hh
    return gates


def _rows_sum(K, g):
    """g summed over all leading axes (a bias's gradient)."""
    return K.sum(g, axis=0) if g.ndim == 2 else g


def _weight_grads(K, nd, dpre_x, dpre_h, x, hx, w_ih, w_hh):
    """Gradients of (x, hx, w_ih, w_hh, b_ih, b_hh), whose needs flags are nd, from the
    pre-activation gradients of the input and hidden projections."""
    gx = gw_ih = gb_ih = None
    if nd[0]:
        gx = dpre_x if w_ih is None else K.matmul(dpre_x, w_ih)
    if w_ih is not None and nd[2]:
        gw_ih = _outer(K, dpre_x, x)
    if nd[4]:
        gb_ih = _rows_sum(K, dpre_x)
    gh = K.matmul(dpre_h, w_hh) if nd[1] else None
    gw_hh = _outer(K, dpre_h, hx) if nd[3] else None
    gb_hh = _rows_sum(K, dpre_h) if nd[5] else None
    return gx, gh, gw_ih, gw_hh, gb_ih, gb_hh


def _outer(K, d, v):
    """d^T v over the batch (a weight's gradient); 1-D (unbatched) operands: an outer product."""
    if d.ndim == 1:
        return K.reshape(d, (-1, 1)) * K.reshape(v, (1, -1))
    return K.matmul(d.T, v)


# ---- LSTM ----------------------------------------------------------------------------------------
def _lstm_math(K, x, hx, cx, w_ih, w_hh, b_ih, b_hh, scale, shift):
    h = cx.shape[-1]
    act = K.tanh(_pre(K, x, hx, w_ih, w_hh, b_ih, b_hh) * scale) * scale + shift
    i, f, g, o = act[..., :h], act[..., h:2 * h], act[..., 2 * h:3 * h], act[..., 3 * h:]
    cy = f * cx + i * g
    tc = K.tanh(cy)
    return act, cy, tc, o * tc


def _lstm_dpre(K, act, tc, cx, gh, gc, k, m, c0) -> tuple:
    """(d gates pre-activation, d c) of one LSTM step from the gradients of h' and c'."""
    h = cx.shape[-1]
    i, f, g, o = act[..., :h], act[..., h:2 * h], act[..., 2 * h:3 * h], act[..., 3 * h:]
    if gh is None:
        dc, do = gc, K.zeros_like(tc)
    else:
        dc = gh * o * (1.0 - tc * tc)
        if gc is not None:
            dc = dc + gc
        do = gh * tc
    t = act * m + c0  # the tanh each activation came from
    return K.concat([dc * g, dc * cx, dc * i, do], axis=-1) * (k - k * t * t), dc * f


def _lstm_bw(K, n, s, grads):
    x, hx, cx, w_ih, w_hh, b_ih, b_hh, act, tc, scale, shift, k, m, c0 = s
    gh, gc = grads
    if isinstance(gh if gh is not None else gc, Tensor):  # create_graph: differentiable recompute
        act, _, tc, _ = _lstm_math(K, x, hx, cx, w_ih, w_hh, b_ih, b_hh, scale, shift)
    dpre, gcx = _lstm_dpre(K, act, tc, cx, gh, gc, k, m, c0)
    nd = n.needs
    gx, ghx, gw_ih, gw_hh, gb_ih, gb_hh = _weight_grads(
        K, nd[:2] + nd[3:], dpre, dpre, x, hx, w_ih, w_hh)
    return gx, ghx, gcx if nd[2] else None, gw_ih, gw_hh, gb_ih, gb_hh


def _lstm(x, hx, cx, w_ih, w_hh, b_ih, b_hh, name="LstmCellBackward0"):
    dev = x._dev
    vec = _lstm_vectors(dev, x._data.dtype, cx.shape[-1])
    raw = [t._data if t is not None else None for t in (x, hx, cx, w_ih, w_hh, b_ih, b_hh)]
    act, cy, tc, hy = _lstm_math(dev.xp, *raw, vec[0], vec[1])
    inputs = (x, hx, cx, w_ih, w_hh, b_ih, b_hh)
    saved = (x, hx, cx, w_ih, w_hh, b_ih, b_hh, act, tc, vec[0], vec[1], vec[2], vec[3], vec[4])
    return record_multi(dev, (hy, cy), name, _lstm_bw, inputs, saved)


def lstm_cell(input: Tensor, hx: tuple, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None) -> tuple:
    """One LSTM step (PyTorch's `_VF.lstm_cell`): (h', c') from input (B, I) or (I,), hx = (h, c),
    gates i, f, g, o; one graph node with a hand-written backward."""
    h, c = hx
    _check_cell("lstm_cell", input, h, w_ih, w_hh, 4)
    return _lstm(input, h, c, w_ih, w_hh, b_ih, b_hh)


def _lstm_step(xg: Tensor, h: Tensor, c: Tensor, w_hh: Tensor) -> tuple:
    """One LSTM step on projected input gates xg = x W_ih^T + b_ih + b_hh."""
    return _lstm(xg, h, c, None, w_hh, None, None)


def _lstm_seq_math(K, xg, h, c, w_hh, scale, shift, order) -> tuple:
    """The LSTM loop over xg (T, B, 4H) in `order`: lists (per step) of activations, cell
    states and tanh(c), and the hidden states."""
    steps = xg.shape[0]
    acts, cs, tcs, hs = [None] * steps, [None] * steps, [None] * steps, [None] * steps
    for t in order:
        acts[t], c, tcs[t], h = _lstm_math(K, xg[t, ...], h, c, None, w_hh, None, None, scale,
                                           shift)
        cs[t], hs[t] = c, h
    return acts, cs, tcs, hs


def _lstm_seq_scan(scan, K, xg, h, c, w_hh, scale, shift, reverse: bool) -> tuple:
    """_lstm_seq_math through the backend's scan primitive (JAX: lax.scan, one loop body that
    XLA compiles once instead of T unrolled steps): stacked (T, ...) arrays, and (h_T, c_T)."""
    def body(carry, x):
        act, c, tc, h = _lstm_math(K, x, carry[0], carry[1], None, w_hh, None, None, scale,
                                   shift)
        return (h, c), (act, c, tc, h)

    (h, c), (acts, cs, tcs, hs) = scan(body, (h, c), xg, reverse)
    return acts, cs, tcs, hs, h, c


def _lstm_seq_scan_bw(scan, K, n, s, grads) -> tuple:
    """_lstm_seq_bw's loop through the backend's scan primitive, over the stacked arrays that
    _lstm_seq_scan saved."""
    xg, h0, c0, w_hh, acts, cs, tcs, hs, scale, shift, k, m, cz = s
    g_out, gh, gc = grads
    reverse = n.ctx[0] > n.ctx[-1]  # the forward ran from the last step to the first
    h0e, c0e = h0[None, ...], c0[None, ...]
    if reverse:  # each step's previous state: the next row, h0/c0 for the last
        c_prev, h_prev = (K.concat([cs[1:, ...], c0e], axis=0),
                          K.concat([hs[1:, ...], h0e], axis=0))
    else:
        c_prev, h_prev = (K.concat([c0e, cs[:-1, ...]], axis=0),
                          K.concat([h0e, hs[:-1, ...]], axis=0))
    gh = K.zeros_like(h0) if gh is None else gh
    gc = K.zeros_like(c0) if gc is None else gc
    g_out = K.zeros_like(hs) if g_out is None else g_out

    def body(carry, x):
        gt, act, tc, cp = x
        dg, gc = _lstm_dpre(K, act, tc, cp, carry[0] + gt, carry[1], k, m, cz)
        return (K.matmul(dg, w_hh), gc), dg

    (gh, gc), gxg = scan(body, (gh, gc), (g_out, acts, tcs, c_prev), not reverse)
    gw = None
    if n.needs[3]:
        rows = gxg.shape[0] * h0.shape[0]
        gw = K.matmul(K.reshape(gxg, (rows, -1)).T, K.reshape(h_prev, (rows, -1)))
    return gxg, gh if n.needs[1] else None, gc if n.needs[2] else None, gw


def _lstm_seq_bw(K, n, s, grads):
    xg, h0, c0, w_hh, acts, cs, tcs, hs, scale, shift, k, m, cz = s
    order = n.ctx
    g_out, gh, gc = grads
    scan = getattr(getattr(K, "backend", None), "scan", None)  # None under create_graph
    if scan is not None:
        return _lstm_seq_scan_bw(scan, K, n, s, grads)
    if isinstance(next(g for g in grads if g is not None), Tensor):  # create_graph: recompute
        acts, cs, tcs, hs = _lstm_seq_math(K, xg, h0, c0, w_hh, scale, shift, order)
    else:
        hs = [hs[t, ...] for t in range(hs.shape[0])]
    steps = len(acts)
    dg = [None] * steps
    prev = {}
    for j, t in enumerate(order):
        prev[t] = order[j - 1] if j else None
    for t in reversed(order):
        gt = g_out[t, ...] if g_out is not None else None
        if gt is not None:
            gh = gt if gh is None else gh + gt
        p = prev[t]
        c_prev = c0 if p is None else cs[p]
        dg[t], gc = _lstm_dpre(K, acts[t], tcs[t], c_prev, gh, gc, k, m, cz)
        gh = K.matmul(dg[t], w_hh)
    gxg = K.stack(dg, axis=0)
    gw = None
    if n.needs[3]:
        h_prev = K.stack([h0 if prev[t] is None else hs[prev[t]] for t in range(steps)], axis=0)
        rows = steps * h0.shape[0]
        gw = K.matmul(K.reshape(gxg, (rows, -1)).T, K.reshape(h_prev, (rows, -1)))
    return gxg, gh if n.needs[1] else None, gc if n.needs[2] else None, gw


def _lstm_sequence(xg: Tensor, h0: Tensor, c0: Tensor, w_hh: Tensor, reverse: bool) -> tuple:
    """(outputs (T, B, H), h_T, c_T) of an LSTM over projected gates xg (T, B, 4H) as ONE node:
    backward runs the whole backpropagation through time and forms W_hh's gradient in one
    matmul over all steps (per-step nodes made it T small matmuls and T accumulations)."""
    dev = xg._dev
    xp = dev.xp
    vec = _lstm_vectors(dev, xg._data.dtype, c0.shape[-1])
    steps = xg.shape[0]
    order = tuple(range(steps - 1, -1, -1)) if reverse else tuple(range(steps))
    scan = getattr(dev.backend, "scan", None)
    if scan is not None:  # the backend's loop primitive; its backward scans too
        acts, cs, tcs, out, h_last, c_last = _lstm_seq_scan(
            scan, xp, xg._data, h0._data, c0._data, w_hh._data, vec[0], vec[1], reverse)
    else:
        acts, cs, tcs, hs = _lstm_seq_math(xp, xg._data, h0._data, c0._data, w_hh._data,
                                           vec[0], vec[1], order)
        out, h_last, c_last = xp.stack(hs, axis=0), hs[order[-1]], cs[order[-1]]
    saved = (xg, h0, c0, w_hh, acts, cs, tcs, out) + vec
    return record_multi(dev, (out, h_last, c_last), "LstmBackward0", _lstm_seq_bw,
                        (xg, h0, c0, w_hh), saved, order)


# ---- GRU -----------------------------------------------------------------------------------------
def _gru_math(K, x, hx, w_ih, w_hh, b_ih, b_hh):
    hs = hx.shape[-1]
    px = x if w_ih is None else K.matmul(x, w_ih.T)
    if b_ih is not None:
        px = px + b_ih
    ph = K.matmul(hx, w_hh.T)
    if b_hh is not None:
        ph = ph + b_hh
    rz = K.tanh((px[..., :2 * hs] + ph[..., :2 * hs]) * 0.5) * 0.5 + 0.5
    r, z = rz[..., :hs], rz[..., hs:]
    nh = ph[..., 2 * hs:]
    nn = K.tanh(px[..., 2 * hs:] + r * nh)
    return rz, nh, nn, nn + z * (hx - nn)


def _gru_bw(K, n, s, g):
    x, hx, w_ih, w_hh, b_ih, b_hh, rz, nh, nn = s
    if isinstance(g, Tensor):
        rz, nh, nn, _ = _gru_math(K, x, hx, w_ih, w_hh, b_ih, b_hh)
    hs = hx.shape[-1]
    r, z = rz[..., :hs], rz[..., hs:]
    dn = g * (1.0 - z) * (1.0 - nn * nn)
    dz = g * (hx - nn)
    drz = K.concat([dn * nh, dz], axis=-1) * rz * (1.0 - rz)
    dpre_x = K.concat([drz, dn], axis=-1)
    dpre_h = K.concat([drz, dn * r], axis=-1)
    gx, gh, gw_ih, gw_hh, gb_ih, gb_hh = _weight_grads(
        K, n.needs, dpre_x, dpre_h, x, hx, w_ih, w_hh)
    if n.needs[1]:
        gh = gh + g * z
    return gx, gh, gw_ih, gw_hh, gb_ih, gb_hh


def _gru(x, hx, w_ih, w_hh, b_ih, b_hh, name="GruCellBackward0"):
    dev = x._dev
    raw = [t._data if t is not None else None for t in (x, hx, w_ih, w_hh, b_ih, b_hh)]
    rz, nh, nn, hy = _gru_math(dev.xp, *raw)
    saved = (x, hx, w_ih, w_hh, b_ih, b_hh, rz, nh, nn)
    return record(dev, hy, name, _gru_bw, (x, hx, w_ih, w_hh, b_ih, b_hh), saved)


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None) -> Tensor:
    """One GRU step (PyTorch's `_VF.gru_cell`): h' = (1 - z) n + z h with gates r, z, n; one graph
    node with a hand-written backward."""
    _check_cell("gru_cell", input, hx, w_ih, w_hh, 3)
    return _gru(input, hx, w_ih, w_hh, b_ih, b_hh)


def _gru_step(xg: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    """One GRU step on projected input gates xg = x W_ih^T + b_ih (b_hh stays inside: r scales
    the n block of h W_hh^T + b_hh)."""
    return _gru(xg, h, None, w_hh, None, b_hh)


# ---- Elman RNN -----------------------------------------------------------------------------------
def _rnn_bw(K, n, s, g):
    x, hx, w_ih, w_hh, b_ih, b_hh, out, relu = s
    if relu:
        dpre = K.where(out > 0, g, K.zeros_like(g))
    else:
        dpre = g * (1.0 - out * out)
    return _weight_grads(K, n.needs, dpre, dpre, x, hx, w_ih, w_hh)


def _rnn(x, hx, w_ih, w_hh, b_ih, b_hh, relu: bool):
    dev = x._dev
    xp = dev.xp
    raw = [t._data if t is not None else None for t in (x, hx, w_ih, w_hh, b_ih, b_hh)]
    pre = _pre(xp, *raw)
    out = xp.maximum(pre, xp.zeros_like(pre)) if relu else xp.tanh(pre)
    name = "RnnReluCellBackward0" if relu else "RnnTanhCellBackward0"
    return record(dev, out, name, _rnn_bw, (x, hx, w_ih, w_hh, b_ih, b_hh),
                  (x, hx, w_ih, w_hh, b_ih, b_hh, OUT, relu))


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One Elman RNN step h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (`_VF.rnn_tanh_cell`)."""
    _check_cell("rnn_tanh_cell", input, hx, w_ih, w_hh, 1)
    return _rnn(input, hx, w_ih, w_hh, b_ih, b_hh, False)


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor,
                  b_ih: Tensor | None = None, b_hh: Tensor | None = None) -> Tensor:
    """One Elman RNN step h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh) (`_VF.rnn_relu_cell`)."""
    _check_cell("rnn_relu_cell", input, hx, w_ih, w_hh, 1)
    return _rnn(input, hx, w_ih, w_hh, b_ih, b_hh, True)


def _rnn_step(xg: Tensor, h: Tensor, w_hh: Tensor, relu: bool) -> Tensor:
    """One Elman step on the projected input xg = x W_ih^T + b_ih + b_hh."""
    return _rnn(xg, h, None, w_hh, None, None, relu)


# ---- the sequence helpers ------------------------------------------------------------------------
def _proj_bw(K, n, s, g):
    x, w = s
    gx = K.matmul(g, w) if n.needs[0] else None
    gw = K.matmul(g.T, x) if n.needs[1] else None
    gb = K.sum(g, axis=0) if n.needs[2] or n.needs[3] else None
    return gx, gw, gb if n.needs[2] else None, gb if n.needs[3] else None


def _input_projection(x: Tensor, w_ih: Tensor, b_ih: Tensor | None,
                      b_hh: Tensor | None) -> Tensor:
    """x (N, I) @ w_ih^T + b_ih (+ b_hh): every time step's input gates in one matmul."""
    dev = x._dev
    out = x._data @ w_ih._data.T
    if b_ih is not None:
        out = out + b_ih._data
    if b_hh is not None:
        out = out + b_hh._data
    return record(dev, out, "AddmmBackward0", _proj_bw, (x, w_ih, b_ih, b_hh),
                  (x if w_ih._rg else None, w_ih if x._rg else None))


def _split_bw(K, n, s, grads):
    sizes = n.ctx
    ref = next(g for g in grads if g is not None)
    full = []
    for g, size in zip(grads, sizes, strict=True):
        if g is None:
            g = K.zeros_like(ref[:1])
            g = K.broadcast_to(g, (size,) + tuple(ref.shape[1:]))
        full.append(g)
    return (K.concat(full, axis=0) if len(full) > 1 else full[0],)


def _split_rows(x: Tensor, sizes) -> tuple:
    """x cut along axis 0 into pieces of the given sizes; one node, whose backward is one concat
    (a select per piece would add a full-size zero array per piece)."""
    dev = x._dev
    pieces, pos = [], 0
    data = x._data
    for size in sizes:
        pieces.append(data[pos:pos + size, ...])
        pos += size
    return record_multi(dev, tuple(pieces), "SplitWithSizesBackward0", _split_bw, (x,), (),
                        tuple(sizes))
