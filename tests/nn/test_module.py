"""nn.Module: registration through attributes, walking order, modes, moving and casting, hooks,
zero_grad, repr and the attribute protocol (tests for arraygrad/nn/modules/module.py)."""

from __future__ import annotations

import copy
import pickle

import pytest

import arraygrad as ag
from arraygrad import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.scale = nn.Parameter(ag.ones(4))
        self.register_buffer("running", ag.zeros(4))
        self.register_buffer("scratch", ag.zeros(2), persistent=False)
        self.block = nn.Sequential(nn.Linear(4, 2), nn.Identity())

    def forward(self, x):
        return self.block(self.fc1(x) * self.scale)


def test_named_parameters_follow_registration_order_depth_first():
    names = [n for n, _ in Net().named_parameters()]
    assert names == ["scale", "fc1.weight", "fc1.bias", "block.0.weight", "block.0.bias"]


def test_named_modules_children_and_buffers():
    net = Net()
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "block", "block.0", "block.1"]
    assert [n for n, _ in net.named_children()] == ["fc1", "block"]
    assert [n for n, _ in net.named_buffers()] == ["running", "scratch"]
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]
    assert len(list(net.modules())) == 5 and len(list(net.children())) == 2


def test_shared_parameter_is_listed_once_unless_duplicates_requested():
    net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
    net[1].weight = net[0].weight
    assert len(list(net.parameters())) == 3
    names = [n for n, _ in net.named_parameters(remove_duplicate=False)]
    assert names == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_parameters_are_tensors_that_require_grad():
    p = nn.Parameter(ag.zeros(2))
    assert isinstance(p, ag.Tensor) and p.requires_grad and p.is_leaf
    assert not nn.Parameter(ag.zeros(2), requires_grad=False).requires_grad
    assert type(p * 2) is ag.Tensor
    assert repr(p).startswith("Parameter containing:\ntensor([0., 0.], requires_grad=True)")


def test_parameter_deepcopy_is_independent():
    net = Net()
    clone = copy.deepcopy(net)
    assert isinstance(clone.fc1.weight, nn.Parameter)
    with ag.no_grad():
        clone.fc1.weight.fill_(7.0)
    assert float(net.fc1.weight.max()) < 7.0


def test_modules_pickle_with_their_parameters():
    net = Net()
    clone = pickle.loads(pickle.dumps(net))
    assert isinstance(clone.fc1.weight, nn.Parameter) and clone.fc1.weight.requires_grad
    x = ag.randn(2, 3)
    assert bool((clone(x) == net(x)).all())
    assert list(clone.state_dict()) == list(net.state_dict())


def test_setattr_reassignment_rules():
    net = Net()
    with pytest.raises(TypeError, match="cannot assign .* as parameter 'scale'"):
        net.scale = ag.zeros(4)
    net.scale = None
    assert "scale" in net._parameters and net.scale is None
    with pytest.raises(TypeError, match="as child module 'fc1'"):
        net.fc1 = 3
    net.running = ag.ones(4)  # a tensor replaces a buffer
    assert net._buffers["running"] is net.running
    net.plain = 5
    assert net.plain == 5 and "plain" in net.__dict__


def test_assigning_a_parameter_over_a_plain_attribute_registers_it():
    net = Net()
    net.extra = 1
    net.extra = nn.Parameter(ag.zeros(1))
    assert "extra" in net._parameters and "extra" not in net.__dict__


def test_register_errors():
    net = Net()
    with pytest.raises(KeyError, match="attribute 'fc1' already exists"):
        net.register_buffer("fc1", ag.zeros(1))
    with pytest.raises(KeyError, match='contain ".", got: a.b'):
        net.register_parameter("a.b", None)
    with pytest.raises(TypeError, match="buffer"):
        net.register_buffer("b2", 3)
    with pytest.raises(TypeError, match="parameter"):
        net.register_parameter("p2", ag.zeros(1))

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ag.zeros(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Early()


def test_getattr_and_delattr_and_dir():
    net = Net()
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'missing'"):
        net.missing  # noqa: B018
    assert {"fc1", "scale", "running", "block"} <= set(dir(net))
    del net.running
    assert "running" not in net.state_dict()
    del net.fc1
    assert not hasattr(net, "fc1")


def test_get_submodule_parameter_buffer():
    net = Net()
    assert net.get_submodule("block.0") is net.block[0]
    assert net.get_parameter("block.0.bias") is net.block[0].bias
    assert net.get_buffer("running") is net.running
    with pytest.raises(AttributeError, match="has no attribute `nope`"):
        net.get_submodule("block.nope")
    with pytest.raises(AttributeError, match="not a buffer"):
        net.get_buffer("scale")


def test_add_module_and_register_module():
    net = nn.Module()
    net.add_module("a", nn.Identity())
    net.register_module("b", None)
    assert list(net._modules) == ["a", "b"] and net.b is None
    with pytest.raises(TypeError, match="is not a Module subclass"):
        net.add_module("c", 3)


def test_train_eval_propagate():
    net = Net()
    assert net.training and net.block[1].training
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="boolean"):
        net.train("no")


def test_forward_is_called_and_missing_forward_raises():
    net = Net()
    assert tuple(net(ag.randn(5, 3)).shape) == (5, 2)
    with pytest.raises(NotImplementedError, match=r'Module \[Module\] is missing the required '
                                                  r'"forward" function'):
        nn.Module()(ag.zeros(1))


def test_constructor_rejects_unexpected_arguments():
    with pytest.raises(TypeError, match="unexpected"):
        nn.Module(3)


def test_zero_grad_sets_none_or_zeros(device):
    net = Net().to(device)
    net(ag.randn(2, 3, device=device)).sum().backward()
    net.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0.0 for p in net.parameters())
    assert not any(p.grad.requires_grad for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_requires_grad_freezes_parameters():
    net = Net()
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    out = net(ag.randn(1, 3))
    assert not out.requires_grad


def test_to_moves_parameters_in_place_keeping_identity(device):
    net = Net()
    w = net.fc1.weight
    net(ag.randn(2, 3)).sum().backward()
    assert net.to(device) is net
    assert net.fc1.weight is w and w.device == ag.device(device)
    assert w.grad.device == ag.device(device)
    assert net.running.device == ag.device(device)
    assert tuple(net(ag.randn(2, 3, device=device)).shape) == (2, 2)


def test_to_dtype_casts_floating_point_only():
    net = Net()
    net.register_buffer("steps", ag.zeros(1, dtype=ag.int64))
    net.to(ag.float64)
    assert net.fc1.weight.dtype is ag.float64 and net.running.dtype is ag.float64
    assert net.steps.dtype is ag.int64
    net.float()
    assert net.scale.dtype is ag.float32
    net.double()
    assert net.scale.dtype is ag.float64
    net.to(ag.zeros(1, dtype=ag.float32))
    assert net.scale.dtype is ag.float32
    with pytest.raises(TypeError, match="only accepts floating point"):
        net.to(ag.int32)


def test_half_and_cpu():
    net = nn.Linear(2, 2).to("dask")
    net.cpu()
    assert net.weight.device == ag.device("cpu")
    net.half()
    assert net.weight.dtype is ag.float16


def test_apply_visits_children_first():
    seen = []
    Net().apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "Linear", "Identity", "Sequential", "Net"]


def test_forward_pre_hook_and_forward_hook_replace_values_and_remove():
    lin = nn.Linear(2, 2)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    h2 = lin.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    out = lin(ag.ones(3, 2))
    assert calls == [ag.Size([3, 2])]
    bias_plus_one = lin.bias.detach() + 1
    assert bool((out == bias_plus_one).all())
    h1.remove()
    h2.remove()
    h2.remove()
    assert not lin._forward_hooks and not lin._forward_pre_hooks


def test_hooks_with_kwargs_prepend_and_context_manager():
    class KW(nn.Module):
        def forward(self, x, *, scale=1.0):
            return x * scale

    m = KW()
    order = []
    m.register_forward_hook(lambda mod, a, out: order.append("second"))
    m.register_forward_hook(lambda mod, a, out: order.append("first"), prepend=True)
    m.register_forward_pre_hook(lambda mod, a, kw: (a, {"scale": 3.0}), with_kwargs=True)
    with m.register_forward_hook(lambda mod, a, kw, out: out + kw["scale"], with_kwargs=True):
        assert float(m(ag.ones(1), scale=1.0)) == 6.0
    assert float(m(ag.ones(1))) == 3.0
    assert order == ["first", "second", "first", "second"]


def test_always_call_hook_runs_when_forward_raises():
    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    seen = []
    m = Boom()
    m.register_forward_hook(lambda mod, a, out: seen.append(out), always_call=True)
    with pytest.raises(ValueError, match="boom"):
        m(ag.zeros(1))
    assert seen == [None]


def test_repr_matches_pytorch(torch):
    ours = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.Sequential(nn.Identity()),
                         nn.Linear(3, 1, bias=False), nn.Unflatten(1, (1, 1)))
    theirs = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3),
                                 torch.nn.Sequential(torch.nn.Identity()),
                                 torch.nn.Linear(3, 1, bias=False),
                                 torch.nn.Unflatten(1, (1, 1)))
    assert repr(ours) == repr(theirs)

