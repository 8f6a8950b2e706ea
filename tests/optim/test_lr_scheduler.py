"""lr_scheduler: every scheduler's lr sequence equals PyTorch's over 50 steps; state round trip."""

from __future__ import annotations

import math
import warnings

import pytest

import arraygrad as ag
from arraygrad.optim import lr_scheduler as ls

STEPS = 50

# (scheduler name, kwargs, optimizer name, optimizer kwargs, number of param groups)
CASES = [
    ("LambdaLR", dict(lr_lambda=lambda e: 0.95**e), "SGD", {}, 2),
    ("MultiplicativeLR", dict(lr_lambda=lambda e: 0.9 if e % 3 else 1.0), "SGD", {}, 1),
    ("StepLR", dict(step_size=7, gamma=0.5), "SGD", {}, 2),
    ("MultiStepLR", dict(milestones=[5, 12, 12, 30], gamma=0.3), "SGD", {}, 1),
    ("ConstantLR", dict(factor=0.25, total_iters=8), "SGD", {}, 1),
    ("LinearLR", dict(start_factor=0.1, end_factor=0.9, total_iters=20), "SGD", {}, 2),
    ("ExponentialLR", dict(gamma=0.93), "SGD", {}, 1),
    ("PolynomialLR", dict(total_iters=30, power=2.0), "SGD", {}, 1),
    ("CosineAnnealingLR", dict(T_max=12, eta_min=0.001), "SGD", {}, 2),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=6), "SGD", dict(momentum=0.9), 1),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=5, step_size_down=3,
                      mode="triangular2"), "SGD", dict(momentum=0.9), 1),
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=4, mode="exp_range",
                      gamma=0.97), "Adam", {}, 2),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=STEPS), "SGD", dict(momentum=0.9), 1),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], epochs=5, steps_per_epoch=10, pct_start=0.2,
                        anneal_strategy="linear", three_phase=True, div_factor=10.0,
                        final_div_factor=100.0), "Adam", {}, 2),
    ("CosineAnnealingWarmRestarts", dict(T_0=5, T_mult=2, eta_min=0.01), "SGD", {}, 1),
]


def _optimizers(torch, opt_name, opt_kw, groups):
    tp = [torch.zeros(2, requires_grad=True) for _ in range(groups)]
    ap = [ag.zeros(2, requires_grad=True) for _ in range(groups)]
    tg = [{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(tp)]
    ag_g = [{"params": [p], "lr": 0.1 * (i + 1)} for i, p in enumerate(ap)]
    return (getattr(torch.optim, opt_name)(tg, **opt_kw),
            getattr(ag.optim, opt_name)(ag_g, **opt_kw))


def _momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


@pytest.mark.parity
@pytest.mark.parametrize("name, kw, opt_name, opt_kw, groups", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_lr_sequence_matches_torch(torch, name, kw, opt_name, opt_kw, groups):
    topt, aopt = _optimizers(torch, opt_name, opt_kw, groups)
    ts = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    s = getattr(ls, name)(aopt, **kw)
    assert s.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-15)
    for _ in range(STEPS - 1 if name == "OneCycleLR" else STEPS):
        topt.step()
        aopt.step()
        ts.step()
        s.step()
        assert s.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-13, abs=1e-18)
        assert _momenta(aopt) == pytest.approx(_momenta(topt), rel=1e-13)


@pytest.mark.parity
def test_warm_restarts_with_fractional_epochs_match_torch(torch):
    topt, aopt = _optimizers(torch, "SGD", {}, 1)
    kw = dict(T_0=3, T_mult=2, eta_min=0.001)
    ts = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, **kw)
    s = ls.CosineAnnealingWarmRestarts(aopt, **kw)
    for epoch in range(12):
        for i in range(4):
            ts.step(epoch + i / 4)
            s.step(epoch + i / 4)
            assert s.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-13)


@pytest.mark.parity
@pytest.mark.parametrize("kw", [dict(), dict(mode="max", threshold_mode="abs", threshold=0.1,
                                             factor=0.5, patience=2, cooldown=3, min_lr=0.02)])
def test_reduce_on_plateau_matches_torch(torch, kw):
    topt, aopt = _optimizers(torch, "SGD", {}, 1)
    ts = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw)
    s = ls.ReduceLROnPlateau(aopt, **kw)
    metrics = [1.0 / (1 + (i % 7)) + 0.01 * math.sin(i) for i in range(STEPS)]
    for m in metrics:
        ts.step(m)
        s.step(ag.tensor(m))
        assert s.get_last_lr() == pytest.approx(ts.get_last_lr(), rel=1e-15)


@pytest.mark.parity
def test_sequential_and_chained_match_torch(torch):
    for kind in ("SequentialLR", "ChainedScheduler"):
        seqs = []
        for mod, opt in ((torch.optim, None), (ag.optim, None)):
            p = (torch.zeros(2, requires_grad=True) if mod is torch.optim
                 else ag.zeros(2, requires_grad=True))
            opt = mod.SGD([p], lr=0.1)
            sch = mod.lr_scheduler
            a = sch.LinearLR(opt, start_factor=0.2, total_iters=5)
            b = sch.ExponentialLR(opt, gamma=0.9)
            c = (sch.SequentialLR(opt, [a, b], milestones=[5]) if kind == "SequentialLR"
                 else sch.ChainedScheduler([a, b]))
            lrs = []
            for _ in range(20):
                opt.step()
                c.step()
                lrs.append(c.get_last_lr()[0])
            seqs.append(lrs)
        assert seqs[1] == pytest.approx(seqs[0], rel=1e-13)


def test_state_dict_round_trip_resumes_the_sequence():
    p = ag.zeros(2, requires_grad=True)
    opt = ag.optim.SGD([p], lr=0.1, momentum=0.9)
    s = ls.OneCycleLR(opt, max_lr=1.0, total_steps=30)
    for _ in range(10):
        opt.step()
        s.step()
    saved_opt, saved = opt.state_dict(), s.state_dict()
    rest = []
    for _ in range(10):
        opt.step()
        s.step()
        rest.append(s.get_last_lr()[0])
    opt2 = ag.optim.SGD([ag.zeros(2, requires_grad=True)], lr=0.1, momentum=0.9)
    opt2.load_state_dict(saved_opt)
    s2 = ls.OneCycleLR(opt2, max_lr=1.0, total_steps=30, last_epoch=9)
    s2.load_state_dict(saved)
    again = []
    for _ in range(10):
        opt2.step()
        s2.step()
        again.append(s2.get_last_lr()[0])
    assert again == rest


def test_errors():
    p = ag.zeros(2, requires_grad=True)
    opt = ag.optim.SGD([p], lr=0.1)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        ls.StepLR(object(), step_size=2)
    with pytest.raises(ValueError, match="between 0 and 1"):
        ls.ConstantLR(opt, factor=2.0)
    with pytest.raises(KeyError, match="initial_lr"):
        ls.StepLR(ag.optim.SGD([ag.zeros(1, requires_grad=True)]), step_size=2, last_epoch=3)
    with pytest.raises(ValueError, match="cycle_momentum"):
        ls.CyclicLR(ag.optim.Adagrad([p]), base_lr=0.1, max_lr=1.0)
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        ls.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="total_steps"):
        ls.OneCycleLR(opt, max_lr=1.0)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ls.StepLR(opt, step_size=2).get_lr()
    assert any("get_last_lr" in str(x.message) for x in w)


def test_scheduler_step_before_optimizer_step_warns_as_torch():
    opt = ag.optim.SGD([ag.zeros(2, requires_grad=True)], lr=0.1)
    s = ls.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s.step()
    opt2 = ag.optim.SGD([ag.zeros(2, requires_grad=True)], lr=0.1)
    s2 = ls.StepLR(opt2, step_size=2)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s2.step()
