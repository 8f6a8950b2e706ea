"""ag.jit.trace: the traced forward equals the module's on every backend, control flow freezes
with a TracerWarning, check_trace, gradients through the replay, and the JAX replay jitted."""

from __future__ import annotations

import copy
import types
import warnings

import pytest

import arraygrad as ag
from arraygrad import nn
from arraygrad.jit import TracedModule, TracerWarning, TracingCheckError
from tests.jit._models import cnn, mlp


def _close(a, b, tol=1e-6):
    a, b = a.detach().cpu(), b.detach().cpu()
    return a.shape == b.shape and ag.allclose(a, b, rtol=tol, atol=tol)


def test_traced_mlp_equals_module_on_every_backend(device):
    m = mlp(device)
    x = ag.randn(5, 4).to(device)
    t = ag.jit.trace(m, x)
    assert isinstance(t, TracedModule)
    with ag.no_grad():
        assert _close(t(x), m(x))
    assert _close(t(x), m(x))  # the differentiable replay (parameters require grad)


def test_traced_cnn_in_eval_mode_equals_module():
    m = cnn()
    x = ag.randn(2, 1, 8, 8)
    t = ag.jit.trace(m, x)
    with ag.no_grad():
        assert _close(t(x), m(x), 1e-5)
    names = [n for n, _ in t.named_buffers()]
    assert names == ["bn.running_mean", "bn.running_var", "bn.num_batches_tracked"]
    assert "TracedModule[BatchNorm2d]" in repr(t)


def test_gradients_through_the_replay_equal_the_modules():
    m = mlp()
    x = ag.randn(5, 4, requires_grad=True)
    t = ag.jit.trace(m, x)
    (t(x) ** 2).sum().backward()
    got = [p.grad.clone() for p in m.parameters()] + [x.grad.clone()]
    m.zero_grad()
    x.grad = None
    (m(x) ** 2).sum().backward()
    want = [p.grad for p in m.parameters()] + [x.grad]
    assert all(_close(a, b, 1e-5) for a, b in zip(got, want, strict=True))


def test_traced_module_shares_parameters_with_the_original():
    m = mlp()
    t = ag.jit.trace(m, ag.randn(2, 4))
    assert [id(p) for p in t.parameters()] == [id(p) for p in m.parameters()]
    assert list(t.state_dict()) == list(m.state_dict())
    opt = ag.optim.SGD(t.parameters(), lr=0.1)
    t(ag.randn(2, 4)).sum().backward()
    opt.step()
    x = ag.randn(2, 4)
    with ag.no_grad():
        assert _close(t(x), m(x))


def test_training_batchnorm_replay_updates_running_statistics():
    ag.manual_seed(0)
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    ref = copy.deepcopy(m)
    x = ag.randn(5, 3)
    t = ag.jit.trace(m, x, check_trace=False)  # the trace ran the module once, as eager does
    ref(x)
    with ag.no_grad():
        y = t(x)
    assert _close(y, ref(x), 1e-5)
    assert _close(m[1].running_mean, ref[1].running_mean)
    assert m[1].num_batches_tracked.item() == ref[1].num_batches_tracked.item() == 2


def test_data_dependent_branch_warns_and_is_frozen():
    def f(x):
        if x.sum() > 0:
            return x * 2
        return x - 1

    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        t = ag.jit.trace(f, ag.ones(3))
    msgs = [x for x in w if issubclass(x.category, TracerWarning)]
    assert len(msgs) == 1 and "Python boolean" in str(msgs[0].message)
    assert msgs[0].filename == __file__  # points at the user's line
    assert t(-ag.ones(3)).tolist() == [-2.0, -2.0, -2.0]  # the branch the example took


def test_random_draw_warns_and_check_trace_reports_the_mismatch():
    m = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ag.jit.trace(m, ag.ones(3, 4))
    text = [str(x.message) for x in w if issubclass(x.category, TracerWarning)]
    assert any("random numbers" in s for s in text)
    assert any("Output nr 1. of the traced function does not match" in s for s in text)


def test_check_trace_raises_when_graphs_differ():
    calls = []

    def f(x):
        calls.append(1)
        return x * 2 if len(calls) == 1 else x + 2

    with pytest.raises(TracingCheckError, match="Graphs differed"):
        ag.jit.trace(f, ag.ones(2))


def test_traced_function_with_tuple_output_and_closure_constant():
    w = ag.tensor([1.0, 2.0, 3.0])

    def f(x, y):
        return x * w, (y.sum(), ag.zeros(2))

    x, y = ag.randn(3), ag.randn(2, 2)
    t = ag.jit.trace(f, (x, y))
    a, (b, c) = t(x, y)
    assert _close(a, x * w) and _close(b, y.sum()) and c.tolist() == [0.0, 0.0]


def test_list_output_needs_strict_false():
    def f(x):
        return [x, x + 1]

    with pytest.raises(RuntimeError, match="strict=False"):
        ag.jit.trace(f, ag.ones(2))
    out = ag.jit.trace(f, ag.ones(2), strict=False)(ag.zeros(2))
    assert isinstance(out, list) and out[1].tolist() == [1.0, 1.0]


def test_non_tensor_example_input_raises():
    with pytest.raises(TypeError, match="only Tensors can be traced"):
        ag.jit.trace(lambda x: x, (3,))


def test_other_shape_or_device_raises_naming_it():
    t = ag.jit.trace(mlp(), ag.randn(5, 4))
    with pytest.raises(RuntimeError, match=r"shape \(2, 4\).*recorded shape \(5, 4\)"):
        t(ag.randn(2, 4))
    with pytest.raises(RuntimeError, match="0.weight is on device 'cpu', but input 0 is on"):
        t(ag.randn(5, 4).to("array_api_strict"))


def test_graph_and_code_list_the_recorded_ops():
    t = ag.jit.trace(mlp(), ag.randn(5, 4))
    g, code = t.graph, t.code
    assert g.startswith("graph(%0 : float32[5, 4]") and "# 0.weight" in g
    assert g.count("matmul(") == 3 and "maximum(" in g and "tanh(" in g
    assert code.startswith("def forward(self, input0):")
    assert "v1 = self.get_parameter('0.weight')" in code
    assert code.rstrip().splitlines()[-1].startswith("    return v")


def test_moved_trace_replays_on_the_other_device(device):
    m = mlp()
    x = ag.randn(5, 4)
    t = ag.jit.trace(copy.deepcopy(m), x).to(device)
    with ag.no_grad():
        assert _close(t(x.to(device)), m(x), 1e-5)


@pytest.fixture
def jax():
    jax = pytest.importorskip("jax")
    if "jax" not in ag.backends.available():
        pytest.skip("the jax backend does not load here")
    return jax


def test_jax_replay_is_one_jitted_program_matching_numpy(jax):
    m = cnn()
    x = ag.randn(2, 1, 8, 8)
    t = ag.jit.trace(copy.deepcopy(m), x).to("jax")
    with ag.no_grad():
        y = t(x.to("jax"))
        want = m(x)
    assert _close(y, want, 1e-5)
    runner = t._programs[(ag.device("jax"), True)]
    assert runner.compiled
    assert not ag.jit.trace(m, x)._programs[(ag.device("cpu"), True)].compiled


def test_lstm_trace_keeps_module_caches_free_of_traced_arrays():
    # nn's LSTM caches its gate vectors per device: a trace must leave plain arrays there
    m = nn.LSTM(4, 5, batch_first=True)
    x = ag.randn(2, 3, 4)
    t = ag.jit.trace(m, x, strict=False)  # checks a second trace records the same graph
    with ag.no_grad():
        (a, (h, _)), (b, (g, _)) = t(x), m(x)
    assert _close(a, b, 1e-6) and _close(h, g, 1e-6)
    assert _close(m.to("array_api_strict")(x.to("array_api_strict"))[0], b, 1e-6)


def test_in_place_ops_and_index_writes_replay_functionally(device):
    def f(x):
        y = x * 1.0
        y += 1
        y[0] = 0.0
        y[:, 1:3].mul_(2)
        return y.relu_()[ag.tensor([0, 2], device=x.device)]

    x = ag.randn(3, 4).to(device)
    t = ag.jit.trace(f, x)
    x2 = ag.randn(3, 4).to(device)
    assert _close(t(x2), f(x2))


def test_bound_method_of_a_module_traces_with_its_parameters():
    m = mlp()

    def head(self, x):
        return self(x).softmax(-1)

    x = ag.randn(2, 4)
    t = ag.jit.trace(types.MethodType(head, m), x)  # a bound method, as model.encode would be
    assert [n for n, _ in t.named_parameters()] == [n for n, _ in m.named_parameters()]
    with ag.no_grad():
        assert _close(t(x), m(x).softmax(-1))


def test_converted_dtype_raises_instead_of_mixing():
    t = ag.jit.trace(mlp(), ag.randn(2, 4))
    t.double()
    with pytest.raises(RuntimeError, match="0.weight has shape.*float64.*recorded.*float32"):
        t(ag.randn(2, 4))


def test_traced_module_trains_inside_ag_compile_on_jax_as_numpy_eager(jax):
    m = mlp()
    x, y = ag.randn(8, 4), ag.randn(8, 3)
    t = ag.jit.trace(copy.deepcopy(m), x).to("jax")
    opt, ref_opt = ag.optim.SGD(t.parameters(), lr=0.1), ag.optim.SGD(m.parameters(), lr=0.1)
    xj, yj = x.to("jax"), y.to("jax")

    @ag.compile(fullgraph=True)
    def step():
        opt.zero_grad()
        loss = ((t(xj) - yj) ** 2).mean()  # the differentiable replay, traced by jax.jit
        loss.backward()
        opt.step()
        return loss.detach()

    for _ in range(3):
        got = step().item()
        ref_opt.zero_grad()
        want = ((m(x) - y) ** 2).mean()
        want.backward()
        ref_opt.step()
        assert abs(got - want.item()) < 1e-5
    assert step.compiled_signatures >= 1  # compiled, not run eagerly


def test_failing_forward_raises_its_error_and_restores_device_and_parameters():
    m = mlp()
    before = [p._data for p in m.parameters()]
    xp = ag.device("cpu").xp

    def bad(x):
        return m(x) @ ag.ones(5, 5)  # (2, 3) @ (5, 5)

    with pytest.raises(Exception, match=r"matmul|shape|dimension|mismatch"):
        ag.jit.trace(bad, ag.randn(2, 4))
    assert ag.device("cpu").xp is xp
    assert all(p._data is d for p, d in zip(m.parameters(), before, strict=True))
    assert _close(m(ag.ones(2, 4)), mlp()(ag.ones(2, 4)))


def test_check_inputs_are_traced_and_compared():
    calls = []

    def f(x):
        calls.append(x.shape)
        return x.exp()

    ag.jit.trace(f, ag.ones(2), check_inputs=[(ag.zeros(2),), ag.full((2,), 3.0)])
    assert calls == [(2,), (2,), (2,)]
