"""Optimisers and clipping: hand-computed steps, PyTorch parity (marked torch), behaviour."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinygrad_rnn import nn, optim
from tinygrad_rnn.nn import Parameter
from tinygrad_rnn.tensor import Tensor

F64 = np.float64


def quadratic_steps(make_opt, n_steps=3, start=(1.0, -2.0)):
    """Minimise sum(w**2 * [1, 3]) and return the parameter after each step."""
    w = Parameter(np.array(start), dtype=F64)
    opt = make_opt([w])
    path = []
    for _ in range(n_steps):
        opt.zero_grad()
        (w * w * Tensor([1.0, 3.0], dtype=F64)).sum().backward()
        opt.step()
        path.append(w.data.copy())
    return np.array(path)


def test_sgd_plain_by_hand():
    path = quadratic_steps(lambda p: optim.SGD(p, lr=0.1), n_steps=2)
    # grad = 2 * [1, 3] * w = [2, -12] at the start
    np.testing.assert_allclose(path[0], [1.0 - 0.2, -2.0 + 1.2])
    np.testing.assert_allclose(path[1], [0.8 - 0.1 * 1.6, -0.8 - 0.1 * (-4.8)])


def test_sgd_momentum_nesterov_weight_decay_by_hand():
    lr, mu, wd = 0.1, 0.9, 0.01
    w = np.array([1.0, -2.0])
    buf = None
    expected = []
    for _ in range(3):
        g = 2 * np.array([1.0, 3.0]) * w + wd * w
        buf = g.copy() if buf is None else mu * buf + g
        w = w - lr * (g + mu * buf)
        expected.append(w.copy())
    path = quadratic_steps(
        lambda p: optim.SGD(p, lr=lr, momentum=mu, nesterov=True, weight_decay=wd)
    )
    np.testing.assert_allclose(path, expected, rtol=1e-12)


def test_adam_by_hand():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    w = np.array([1.0, -2.0])
    m = v = np.zeros(2)
    expected = []
    for t in range(1, 4):
        g = 2 * np.array([1.0, 3.0]) * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        expected.append(w.copy())
    path = quadratic_steps(lambda p: optim.Adam(p, lr=lr))
    np.testing.assert_allclose(path, expected, rtol=1e-12)
    # first Adam step moves every coordinate by about lr, whatever the gradient's size
    np.testing.assert_allclose(np.abs(path[0] - [1.0, -2.0]), [0.1, 0.1], rtol=1e-6)


def test_rmsprop_by_hand():
    lr, alpha, eps = 0.01, 0.99, 1e-8
    w = np.array([1.0, -2.0])
    sq = np.zeros(2)
    expected = []
    for _ in range(3):
        g = 2 * np.array([1.0, 3.0]) * w
        sq = alpha * sq + (1 - alpha) * g * g
        w = w - lr * g / (np.sqrt(sq) + eps)
        expected.append(w.copy())
    np.testing.assert_allclose(quadratic_steps(lambda p: optim.RMSprop(p, lr=lr)), expected)


OPTIMISERS = {
    "sgd": (optim.SGD, "SGD", {"lr": 0.1}),
    "sgd_momentum": (optim.SGD, "SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1}),
    "sgd_nesterov": (
        optim.SGD,
        "SGD",
        {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1},
    ),
    "rmsprop": (optim.RMSprop, "RMSprop", {"lr": 0.01}),
    "rmsprop_all": (
        optim.RMSprop,
        "RMSprop",
        {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.1},
    ),
    "adam": (optim.Adam, "Adam", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    "adamw": (optim.AdamW, "AdamW", {"lr": 0.05, "weight_decay": 0.1}),
}


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(OPTIMISERS))
def test_matches_torch_optim(name):
    torch = pytest.importorskip("torch")
    ours_cls, torch_name, kwargs = OPTIMISERS[name]
    model = nn.MLP([3, 4, 1], rng=0, dtype=F64)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    theirs = theirs.double()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    opt = ours_cls(model.parameters(), **kwargs)
    topt = getattr(torch.optim, torch_name)(theirs.parameters(), **kwargs)
    rng = np.random.default_rng(0)
    for _ in range(5):
        x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 1))
        opt.zero_grad()
        diff = model(x) - Tensor(y, dtype=F64)
        (diff * diff).mean().backward()
        opt.step()
        topt.zero_grad()
        ((theirs(torch.from_numpy(x)) - torch.from_numpy(y)) ** 2).mean().backward()
        topt.step()
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[key], value.numpy(), rtol=1e-10, atol=1e-12)


def test_skips_parameters_without_grad_and_accepts_a_module():
    layer = nn.Linear(2, 2, rng=0)
    before = layer.weight.data.copy()
    opt = optim.Adam(layer, lr=0.1)
    opt.step()  # no gradients yet: nothing moves
    np.testing.assert_array_equal(layer.weight.data, before)
    layer(np.ones((1, 2), np.float32)).sum().backward()
    weight_array = layer.weight.data
    opt.step()
    assert layer.weight.data is weight_array  # updated in place
    assert not np.array_equal(layer.weight.data, before)
    opt.zero_grad()
    assert layer.weight.grad is None and opt.steps == 2


def test_optimiser_argument_errors():
    with pytest.raises(ValueError, match="empty"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="not a Tensor"):
        optim.SGD([np.zeros(2)], lr=0.1)
    with pytest.raises(ValueError, match="nesterov"):
        optim.SGD([Parameter([1.0])], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([Parameter([1.0])], betas=(1.0, 0.9))
    assert "lr=0.1" in repr(optim.SGD([Parameter([1.0])], lr=0.1))


def test_clip_grad_norm_scales_all_gradients_together():
    a, b = Parameter(np.zeros(2), dtype=F64), Parameter(np.zeros(1), dtype=F64)
    a.grad, b.grad = np.array([3.0, 0.0]), np.array([4.0])
    total = optim.clip_grad_norm_([a, b], max_norm=1.0)
    assert total == pytest.approx(5.0)
    np.testing.assert_allclose(a.grad, [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(b.grad, [0.8], rtol=1e-6)
    norm_after = math.sqrt((a.grad**2).sum() + (b.grad**2).sum())
    assert norm_after == pytest.approx(1.0, rel=1e-5)
    # below the limit: returned, unchanged
    assert optim.clip_grad_norm_([a, b], max_norm=10.0) == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(b.grad, [0.8], rtol=1e-6)
    assert optim.clip_grad_norm_([Parameter([1.0])], 1.0) == 0.0  # no grads at all


def test_clip_grad_value():
    p = Parameter(np.zeros(4), dtype=F64)
    p.grad = np.array([-5.0, -0.5, 0.5, 5.0])
    optim.clip_grad_value_([p], 1.0)
    np.testing.assert_array_equal(p.grad, [-1.0, -0.5, 0.5, 1.0])
    with pytest.raises(ValueError):
        optim.clip_grad_value_([p], -1.0)


@pytest.mark.torch
def test_clip_grad_norm_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(3, 4)), rng.normal(size=5)]
    ours = [Parameter(np.zeros_like(g), dtype=F64) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, tp, g in zip(ours, theirs, grads, strict=True):
        p.grad = g.copy()
        tp.grad = torch.from_numpy(g.copy())
    total = optim.clip_grad_norm_(ours, 0.5)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, 0.5)
    assert total == pytest.approx(float(ttotal), rel=1e-12)
    for p, tp in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-12)


def test_adam_trains_a_tiny_regression():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 2))
    y = x @ np.array([[2.0], [-1.0]]) + 0.5
    model = nn.Linear(2, 1, rng=0, dtype=F64)
    opt = optim.Adam(model.parameters(), lr=0.1)
    for _ in range(300):
        opt.zero_grad()
        diff = model(x) - Tensor(y, dtype=F64)
        loss = (diff * diff).mean()
        loss.backward()
        opt.step()
    assert loss.item() < 1e-4
    np.testing.assert_allclose(model.weight.data, [[2.0, -1.0]], atol=1e-2)


# ------------------------------------------------------------------ state_dict and resuming
STATEFUL = {
    "sgd_momentum": (optim.SGD, "SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.01)),
    "sgd_nesterov": (optim.SGD, "SGD", dict(lr=0.05, momentum=0.8, nesterov=True)),
    "adam": (optim.Adam, "Adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.001)),
    "adamw": (optim.AdamW, "AdamW", dict(lr=0.01, weight_decay=0.1)),
    "rmsprop": (optim.RMSprop, "RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
}


def _net(seed):
    return nn.Sequential(nn.Linear(3, 4, rng=seed), nn.Tanh(), nn.Linear(4, 1, rng=seed))


def _train(model, opt, steps, start=0):
    rng = np.random.default_rng(100)
    batches = [(rng.normal(size=(8, 3)), rng.normal(size=(8, 1))) for _ in range(start + steps)]
    for x, y in batches[start:]:
        opt.zero_grad()
        diff = model(Tensor(x, dtype=np.float32)) - Tensor(y, dtype=np.float32)
        (diff * diff).mean().backward()
        opt.step()


@pytest.mark.parametrize("name", sorted(STATEFUL))
def test_state_dict_layout_and_round_trip(name):
    cls, _, kwargs = STATEFUL[name]
    model = _net(0)
    opt = cls(model.parameters(), **kwargs)
    _train(model, opt, 3)
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"} and len(sd["param_groups"]) == 1
    group = sd["param_groups"][0]
    assert group["params"] == [0, 1, 2, 3] and group["lr"] == kwargs["lr"]
    assert set(sd["state"]) == {0, 1, 2, 3}
    names = set(sd["state"][0])
    expected = {
        "SGD": {"momentum_buffer"},
        "Adam": {"step", "exp_avg", "exp_avg_sq"},
        "AdamW": {"step", "exp_avg", "exp_avg_sq"},
        "RMSprop": {"step", "square_avg", "grad_avg", "momentum_buffer"},
    }[STATEFUL[name][1]]
    assert names == expected
    if "step" in names:
        assert sd["state"][0]["step"] == 3.0
    # a copy: stepping on does not change the saved dict
    saved = {k: np.array(v) for k, v in sd["state"][0].items()}
    _train(model, opt, 1)
    for k, v in saved.items():
        np.testing.assert_array_equal(sd["state"][0][k], v)
    other = cls(_net(1).parameters(), lr=123.0)
    other.load_state_dict(sd)
    back = other.state_dict()
    assert back["param_groups"] == sd["param_groups"]
    for i in sd["state"]:
        for k in sd["state"][i]:
            np.testing.assert_array_equal(back["state"][i][k], sd["state"][i][k])


@pytest.mark.parametrize("name", sorted(STATEFUL))
def test_resume_from_state_dict_equals_the_uninterrupted_run(name):
    cls, _, kwargs = STATEFUL[name]
    straight = _net(0)
    _train(straight, cls(straight.parameters(), **kwargs), 10)

    first = _net(0)
    opt = cls(first.parameters(), **kwargs)
    _train(first, opt, 4)
    weights, opt_state = first.state_dict(), opt.state_dict()
    resumed = _net(5)  # different start: everything must come from the saved state
    resumed.load_state_dict(weights)
    opt2 = cls(resumed.parameters(), lr=0.5)
    opt2.load_state_dict(opt_state)
    _train(resumed, opt2, 6, start=4)
    for (k, a), b in zip(straight.state_dict().items(), resumed.state_dict().values(), strict=True):
        np.testing.assert_array_equal(a, b, err_msg=k)  # bit for bit


def test_load_state_dict_refuses_what_does_not_fit():
    model = _net(0)
    opt = optim.Adam(model.parameters())
    _train(model, opt, 1)
    sd = opt.state_dict()
    small = optim.Adam(nn.Linear(3, 4, rng=0).parameters())
    with pytest.raises(ValueError, match="4 parameters, this optimiser has 2"):
        small.load_state_dict(sd)
    with pytest.raises(ValueError, match="unknown state 'momentum_buffer'"):
        optim.Adam(model.parameters()).load_state_dict(
            {
                "state": {0: {"momentum_buffer": np.zeros((4, 3))}},
                "param_groups": sd["param_groups"],
            }
        )
    bad = {
        "state": {0: dict(sd["state"][0], exp_avg=np.zeros(5))},
        "param_groups": sd["param_groups"],
    }
    with pytest.raises(ValueError, match=r"exp_avg.*shape \(5,\).*\(4, 3\)"):
        optim.Adam(model.parameters()).load_state_dict(bad)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        optim.Adam(model.parameters()).load_state_dict({"state": {}})
    with pytest.raises(ValueError, match="lr must be a finite number"):
        optim.Adam(model.parameters(), lr=float("nan"))


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(STATEFUL))
def test_state_dict_loads_into_torch_and_the_next_steps_agree(name):
    torch = pytest.importorskip("torch")
    cls, torch_name, kwargs = STATEFUL[name]
    model = _net(0)
    opt = cls(model.parameters(), **kwargs)
    _train(model, opt, 3)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in model.state_dict().items()})
    topt = getattr(torch.optim, torch_name)(theirs.parameters(), **kwargs)
    sd = opt.state_dict()
    as_torch = {
        "state": {
            i: {k: torch.tensor(v) for k, v in entry.items()} for i, entry in sd["state"].items()
        },
        "param_groups": [dict(topt.state_dict()["param_groups"][0], **sd["param_groups"][0])],
    }
    topt.load_state_dict(as_torch)
    rng = np.random.default_rng(7)
    for _ in range(2):
        x = rng.normal(size=(8, 3)).astype(np.float32)
        y = rng.normal(size=(8, 1)).astype(np.float32)
        opt.zero_grad()
        diff = model(Tensor(x)) - Tensor(y)
        (diff * diff).mean().backward()
        opt.step()
        topt.zero_grad()
        ((theirs(torch.from_numpy(x)) - torch.from_numpy(y)) ** 2).mean().backward()
        topt.step()
    for (k, v), tv in zip(model.state_dict().items(), theirs.state_dict().values(), strict=True):
        np.testing.assert_allclose(v, tv.numpy(), rtol=1e-4, atol=1e-6, err_msg=k)


@pytest.mark.parametrize("name", ["sgd_momentum", "adam"])
def test_resume_through_a_checkpoint_file_is_exact(name, tmp_path):
    import json

    from tinygrad_rnn import checkpoint

    cls, _, kwargs = STATEFUL[name]
    straight = _net(0)
    _train(straight, cls(straight.parameters(), **kwargs), 9)

    first = _net(0)
    opt = cls(first.parameters(), **kwargs)
    _train(first, opt, 5)
    sd = opt.state_dict()
    arrays = {f"model.{k}": v for k, v in first.state_dict().items()}
    scalars = {}
    for i, entry in sd["state"].items():
        for key, value in entry.items():
            if isinstance(value, np.ndarray):
                arrays[f"optim.{i}.{key}"] = value
            else:
                scalars.setdefault(str(i), {})[key] = value
    meta = {"param_groups": sd["param_groups"], "scalars": scalars}
    arrays["meta"] = np.array(json.dumps(meta))
    path = checkpoint.save_arrays(arrays, tmp_path / "resume.npz")

    back = checkpoint.load_arrays(path)
    meta = json.loads(str(back.pop("meta")))
    resumed = _net(3)
    resumed.load_state_dict({k[6:]: v for k, v in back.items() if k.startswith("model.")})
    state = {}
    for key, value in back.items():
        if key.startswith("optim."):
            _, i, field = key.split(".", 2)
            state.setdefault(int(i), {})[field] = value
    for i, entry in meta["scalars"].items():
        state.setdefault(int(i), {}).update(entry)
    opt2 = cls(resumed.parameters())
    opt2.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
    _train(resumed, opt2, 4, start=5)
    for (k, a), b in zip(straight.state_dict().items(), resumed.state_dict().values(), strict=True):
        np.testing.assert_array_equal(a, b, err_msg=k)
