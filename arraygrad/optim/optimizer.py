"""`Optimizer`: the base of every optimizer (`torch.optim.Optimizer`).

Parameter groups with per-group options, `zero_grad`, `step(closure)`, state keyed by parameter,
`state_dict`/`load_state_dict` in PyTorch's layout, and step hooks. Subclasses write one rule,
`_update(p, grad, state, group)`, on raw backend arrays:

- on backends whose arrays can be written (NumPy, CuPy: `backend.writable`) the rule updates the
  parameter and its state in place with augmented assignments (`p -= lr * g`), so a step makes no
  arrays beyond temporaries and views of a parameter see the change;
- elsewhere (array-api-strict, Dask) the same rule runs on copies and the new arrays are stored
  back into the parameter and its state, materialized (Dask: persisted) so that the task graph
  does not grow from step to step.

Options are Python floats: a step reads no value back from the device. `foreach`, `fused` and
`capturable` are accepted and change nothing here (one implementation per rule);
`differentiable=True` raises (steps are not recorded by autograd).
"""

from __future__ import annotations

import warnings
from collections import OrderedDict, defaultdict
from copy import deepcopy
from itertools import chain

from ..core.grad_mode import enable_grad, no_grad
from ..core.tensor import Tensor, _wrap

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks an option that every parameter group must give (PyTorch's `required`)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _scalar(x):
    """A Python number for an option given as a number or a 1-element tensor (as PyTorch's
    `_to_scalar`; reading a tensor option is the only host read a step makes)."""
    return x.item() if isinstance(x, Tensor) else x


def _adam_decay(P, g, lr, wd, decoupled: bool):
    """Adam-family weight decay: decoupled (AdamW: P scaled by 1 - lr wd) or added to the
    gradient. Returns (P, g): on immutable arrays (JAX, Dask) `*=` makes a new one."""
    if wd != 0:
        if decoupled:
            P *= 1 - lr * wd
        else:
            g = g + wd * P
    return P, g


def _adam_moments(m, v, g, beta1, beta2):
    """Adam's running first and second moments of g, updated (in place where arrays allow)."""
    m += (1 - beta1) * (g - m)
    v *= beta2
    v += (1 - beta2) * g * g
    return m, v


def _check_lr(lr) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= _scalar(lr):
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_betas(betas) -> None:
    for i in (0, 1):
        if not 0.0 <= _scalar(betas[i]) < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")


def _check_nonneg(name: str, value) -> None:
    if not 0.0 <= _scalar(value):
        raise ValueError(f"Invalid {name} value: {value}")


class _Handle:
    """Removes a registered hook (`torch.utils.hooks.RemovableHandle`)."""

    def __init__(self, hooks: dict, key: int):
        self._hooks, self.id = hooks, key

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class Optimizer:
    """Base class of the optimizers: `params` is an iterable of tensors or of dicts (parameter
    groups, each with its own options); `defaults` holds the options groups do not set."""

    _sparse_ok = False  # whether the rule takes sparse gradients
    _complex_ok = False  # whether the rule is right for complex parameters as written (linear)

    def __init__(self, params, defaults: dict):
        if defaults.get("differentiable"):
            raise NotImplementedError(
                f"{type(self).__name__}(differentiable=True): arraygrad's optimizer steps are "
                "not recorded by autograd; differentiating through step() is not supported")
        self.defaults = defaults
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        self._pre_hooks: OrderedDict = OrderedDict()
        self._post_hooks: OrderedDict = OrderedDict()
        self._hook_id = 0
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors or dicts, but got {type(params).__name__}")
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    # ---- parameter groups ------------------------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Adds a group of parameters with its own options (the rest from `defaults`), with
        PyTorch's checks: leaves only, no parameter in two groups, every required option set."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param "
                                 "names are missing")
            param_group["param_names"] = names
        param_group["params"] = params
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__module__}.{type(p).__name__}")
            if not self.defaults.get("differentiable", None) and not (p.is_leaf
                                                                     or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError("parameter group didn't specify a value of required "
                                 f"optimization parameter {name}")
            param_group.setdefault(name, default)
        if len(params) != len(set(params)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in "
                          "future, this will cause an error; see "
                          "github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        seen: set = set()
        for group in self.param_groups:
            seen.update(group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                which = "with names" if "param_names" in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if not seen.isdisjoint(params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ---- gradients and steps ---------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clears every parameter's gradient: `None` (the default), or zeros kept in place."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                if set_to_none:
                    p.grad = None
                    continue
                if g.grad_fn is not None:
                    g.detach_()
                else:
                    g._rg = False
                g.zero_()

    def register_step_pre_hook(self, hook) -> _Handle:
        """hook(optimizer, args, kwargs) runs before each step; it may return new (args, kwargs)."""
        return self._register(self._pre_hooks, hook)

    def register_step_post_hook(self, hook) -> _Handle:
        """hook(optimizer, args, kwargs) runs after each step."""
        return self._register(self._post_hooks, hook)

    def _register(self, hooks: OrderedDict, hook) -> _Handle:
        self._hook_id += 1
        hooks[self._hook_id] = hook
        return _Handle(hooks, self._hook_id)

    def step(self, closure=None):
        """One update of every parameter that has a gradient; `closure` (re-evaluating the model
        and returning the loss) runs first with gradients enabled, and its loss is returned."""
        args, kwargs = (), {"closure": closure} if closure is not None else {}
        for hook in list(self._pre_hooks.values()):
            r = hook(self, args, kwargs)
            if r is not None:
                if not (isinstance(r, tuple) and len(r) == 2):
                    raise RuntimeError(f"{hook} must return None or a tuple of (new_args, "
                                       f"new_kwargs), but got {r}.")
                args, kwargs = r
        loss = self._step(*args, **kwargs)
        self._opt_called = True  # lr_scheduler warns when it steps before the optimizer did
        for hook in list(self._post_hooks.values()):
            hook(self, args, kwargs)
        return loss

    def _step(self, closure=None):
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    g = p.grad
                    if g is None:
                        continue
                    if g.is_sparse and not self._sparse_ok:
                        raise RuntimeError(self._sparse_message())
                    if not self._complex_ok and p.is_complex():
                        raise RuntimeError(
                            f"{type(self).__name__}: complex parameters are not supported yet "
                            f"(got one of shape {tuple(p.shape)} and dtype {p.dtype}); PyTorch "
                            "updates them as pairs of reals (view_as_real)")
                    state = self.state[p]
                    if not state:
                        self._init_state(p, state, group)
                    self._update(p, g, state, group)
        return loss

    def _sparse_message(self) -> str:
        return f"{type(self).__name__} does not support sparse gradients"

    def _init_state(self, p: Tensor, state: dict, group: dict) -> None:
        """Fills the state of parameter p on its first step."""

    def _update(self, p: Tensor, grad: Tensor, state: dict, group: dict) -> None:
        raise NotImplementedError

    # ---- helpers for the rules -------------------------------------------------------------------
    @staticmethod
    def _zeros(p: Tensor, fill: float = 0.0) -> Tensor:
        """A state tensor shaped like p, filled with `fill`."""
        xp = p._dev.xp
        return _wrap(xp.full(p._data.shape, fill, dtype=p._data.dtype, device=p._dev.native),
                     p._dev)

    @staticmethod
    def _open(p: Tensor, state: dict, *keys):
        """(p's array, the state arrays under keys): the arrays themselves where the backend
        writes in place, copies elsewhere (the rule's augmented assignments then touch nothing
        that is shared, and `_close` stores the results back)."""
        arrays = [p._data] + [state[k]._data for k in keys]
        if p._dev.backend.writable(p._data):
            return arrays
        xp = p._dev.xp
        return [xp.asarray(a, copy=True) for a in arrays]

    @staticmethod
    def _close(p: Tensor, new_p, state: dict | None = None, **new_state) -> None:
        """Stores what a rule computed: p's new array (a no-op when it was updated in place; its
        version is bumped either way) and new state arrays; lazy backends materialize them."""
        be = p._dev.backend
        if new_p is not p._data:
            p._data = be.materialize(be.fix(new_p))
        p._bump()
        for k, arr in new_state.items():
            t = state[k]
            if arr is not t._data:
                t._data = be.materialize(be.fix(arr))

    @staticmethod
    def _grad(p: Tensor, grad: Tensor, maximize: bool = False):
        """The raw gradient array (dense), negated under `maximize`."""
        g = grad.to_dense()._data if grad.is_sparse else grad._data
        return -g if maximize else g

    # ---- state dict ------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """{'state': {param index: state}, 'param_groups': [options with 'params' as index
        lists]}: PyTorch's layout; tensors are referenced, not copied (as in PyTorch)."""
        mapping: dict = {}
        start = 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            groups.append(packed)
        state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v
                 for k, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restores state and options saved by `state_dict` (from this optimizer type and the
        same parameter layout); floating state tensors take each parameter's dtype and device,
        and are copied so that two optimizers never share buffers."""
        groups = self.param_groups
        saved = deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved, strict=True)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        id_map = dict(zip(chain.from_iterable(s["params"] for s in saved),
                          chain.from_iterable(g["params"] for g in groups), strict=True))
        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                p = id_map[k]
                state[p] = {key: self._cast(p, key, val) for key, val in v.items()}
            else:
                state[k] = v
        new_groups = []
        for g, s in zip(groups, saved, strict=True):
            s["params"] = g["params"]
            if "param_names" in g and "param_names" not in s:
                s["param_names"] = g["param_names"]
            new_groups.append(s)
        self.state = state
        self.param_groups = new_groups

    @staticmethod
    def _cast(p: Tensor, key: str, value):
        if key == "step":  # kept as a Python number here (PyTorch keeps a 0-d tensor)
            return _scalar(value)
        if isinstance(value, Tensor):
            if value.is_sparse:
                return value.to(p.device)
            if p.is_floating_point() and value.is_floating_point():
                value = value.to(device=p.device, dtype=p.dtype)
            else:
                value = value.to(p.device)
            return _wrap(p._dev.xp.asarray(value._data, copy=True), p._dev)
        if isinstance(value, dict):
            return {k: Optimizer._cast(p, k, v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(Optimizer._cast(p, key, v) for v in value)
        return value
