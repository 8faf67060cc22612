"""Module, Parameter and the feed-forward layers: registration, names, modes, state dicts,
repr, shapes, PyTorch-like initialisation, gradients."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_rnn import nn
from tinygrad_rnn.gradcheck import gradcheck_tensors
from tinygrad_rnn.nn import Module, Parameter, StateDictError
from tinygrad_rnn.tensor import ShapeError, Tensor

F64 = np.float64


class Block(Module):
    def __init__(self):
        super().__init__()
        self.scale = Parameter(np.ones(3))
        self.inner = nn.Linear(3, 2, rng=0)
        self.shared = self.scale  # the same parameter twice: listed once
        self._hidden = Parameter(np.zeros(1))  # private: not a parameter of the module

    def forward(self, x):
        return self.inner(x * self.scale)


def test_parameter_is_a_tensor_that_requires_grad():
    p = Parameter([1.0, 2.0])
    assert isinstance(p, Tensor) and p.requires_grad and p.dtype == np.float32
    assert repr(p).startswith("Parameter(")
    assert type(p * 2) is Tensor  # results of ops are plain tensors


def test_named_parameters_are_dotted_and_ordered():
    net = nn.Sequential(Block(), nn.Tanh(), nn.Linear(2, 1, rng=1))
    names = [name for name, _ in net.named_parameters()]
    assert names == ["0.scale", "0.inner.weight", "0.inner.bias", "2.weight", "2.bias"]
    assert len(list(net.parameters())) == 5
    assert net.num_parameters() == 3 + 6 + 2 + 2 + 1
    assert [name for name, _ in net.named_modules()][:3] == ["", "0", "0.inner"]


def test_zero_grad_train_eval():
    net = nn.Sequential(nn.Linear(2, 3, rng=0), nn.Dropout(0.5, rng=0), nn.Linear(3, 1, rng=1))
    net(np.ones((4, 2), np.float32)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    assert net.eval() is net and not net[1].training and not net.training
    assert net.train() is net and net[1].training


def test_state_dict_round_trip_and_strict_errors():
    a, b = Block(), Block()
    b.inner.weight.data[...] = 5.0
    sd = a.state_dict()
    assert list(sd) == ["scale", "inner.weight", "inner.bias"]
    sd["scale"][0] = 123.0  # a copy: changing it does not change the module
    assert a.scale.data[0] == 1.0
    weight_array = b.inner.weight.data
    b.load_state_dict(a.state_dict())
    assert b.inner.weight.data is weight_array  # loaded in place
    np.testing.assert_array_equal(b.inner.weight.data, a.inner.weight.data)

    with pytest.raises(StateDictError, match=r"missing keys \['inner.bias'\]"):
        b.load_state_dict({k: v for k, v in sd.items() if k != "inner.bias"})
    with pytest.raises(StateDictError, match=r"unexpected keys \['extra'\]"):
        b.load_state_dict({**sd, "extra": np.zeros(1)})
    bad = {**sd, "inner.weight": np.zeros((3, 2))}
    with pytest.raises(StateDictError) as info:
        b.load_state_dict(bad)
    message = str(info.value)
    assert "'inner.weight'" in message and "(3, 2)" in message and "(2, 3)" in message
    b.load_state_dict({"scale": np.full(3, 2.0)}, strict=False)
    assert b.scale.data[0] == 2.0


def test_failed_load_changes_nothing():
    a = Block()
    before = a.state_dict()
    bad = {**before, "scale": np.full(3, 9.0), "inner.bias": np.zeros(5)}
    with pytest.raises(StateDictError):
        a.load_state_dict(bad)
    np.testing.assert_array_equal(a.scale.data, before["scale"])


def test_repr_nests_like_torch():
    net = nn.MLP([2, 4, 1], activation="relu", rng=0)
    assert repr(net) == (
        "MLP(\n"
        "  (0): Linear(in_features=2, out_features=4, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=4, out_features=1, bias=True)\n"
        ")"
    )
    assert repr(nn.Embedding(10, 3)) == "Embedding(10, 3)"


def test_linear_matches_formula_and_torch_init_bound():
    layer = nn.Linear(16, 4, rng=0, dtype=F64)
    assert layer.weight.shape == (4, 16) and layer.bias.shape == (4,)
    assert np.abs(layer.weight.data).max() <= 0.25 and np.abs(layer.bias.data).max() <= 0.25
    x = np.random.default_rng(0).normal(size=(5, 16))
    np.testing.assert_allclose(layer(x).data, x @ layer.weight.data.T + layer.bias.data, atol=1e-12)
    assert nn.Linear(3, 2, bias=False).bias is None
    with pytest.raises(ShapeError, match="in_features"):
        layer(np.ones((2, 3)))
    # plain data takes the parameters' dtype; a Tensor of another dtype is an error, as in
    # the recurrent layers (numpy would silently compute everything in float64)
    small = nn.Linear(3, 2, rng=0)  # float32
    assert small(np.ones((2, 3))).dtype == np.float32
    with pytest.raises(TypeError, match="Linear: input is float64 but the parameters are float32"):
        small(Tensor(np.ones((2, 3)), dtype=F64))


def test_gradcheck_mlp_and_embedding():
    net = nn.MLP([3, 4, 2], activation="tanh", rng=0, dtype=F64)
    names = [n for n, _ in net.named_parameters()]
    params = [p.data.copy() for p in net.parameters()]
    x0 = np.random.default_rng(1).normal(size=(5, 3))

    def fn(x, *weights):
        for name, w in zip(names, weights, strict=True):
            module_name, attr = name.split(".")
            setattr(net[int(module_name)], attr, w)
        return net(x)

    report = gradcheck_tensors(fn, [x0, *params])
    assert report.ok, str(report)

    emb = nn.Embedding(5, 2, rng=0, dtype=F64)
    report = gradcheck_tensors(
        lambda w: (setattr(emb, "weight", w), emb([0, 3, 3]))[1], [emb.weight.data]
    )
    assert report.ok, str(report)


def test_dropout_scales_and_is_off_in_eval():
    drop = nn.Dropout(0.25, rng=0)
    x = Tensor(np.ones((200, 50)))
    y = drop(x).data
    kept = y != 0
    assert 0.7 < kept.mean() < 0.8
    np.testing.assert_allclose(y[kept], 1 / 0.75)
    drop.eval()
    assert drop(x) is x
    with pytest.raises(ValueError):
        nn.Dropout(1.0)


def test_to_dtype_and_activations():
    net = nn.MLP([2, 3, 1], activation="leaky_relu", rng=0).to(F64)
    assert all(p.dtype == F64 for p in net.parameters())
    out = net(np.ones((2, 2)))
    assert out.dtype == F64
    x = Tensor([-1.0, 2.0])
    assert nn.ReLU()(x).tolist() == [0.0, 2.0]
    assert nn.Identity()(x) is x
    np.testing.assert_allclose(nn.Sigmoid()(x).data, 1 / (1 + np.exp(-x.data)), rtol=1e-6)
    np.testing.assert_allclose(nn.Tanh()(x).data, np.tanh(x.data), rtol=1e-6)
    np.testing.assert_allclose(nn.LeakyReLU(0.1)(x).data, [-0.1, 2.0], rtol=1e-6)
    with pytest.raises(ValueError, match="activation"):
        nn.MLP([2, 1], activation="swish")


def test_forward_must_be_written():
    with pytest.raises(NotImplementedError, match="Module.forward"):
        Module()(1)


@pytest.mark.torch
def test_linear_state_dict_loads_into_torch():
    torch = pytest.importorskip("torch")
    ours = nn.MLP([3, 5, 2], rng=0, dtype=F64)
    theirs = torch.nn.Sequential(
        torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2)
    ).double()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).normal(size=(4, 3))
    np.testing.assert_allclose(
        ours(x).data, theirs(torch.from_numpy(x)).detach().numpy(), atol=1e-12
    )


@pytest.mark.parametrize(
    "module_name",
    [
        "tinygrad_rnn.nn",
        "tinygrad_rnn.nn.module",
        "tinygrad_rnn.nn.layers",
        "tinygrad_rnn.nn.cells",
        "tinygrad_rnn.nn.recurrent",
        "tinygrad_rnn.nn.fused",
        "tinygrad_rnn.init",
        "tinygrad_rnn.optim",
        "tinygrad_rnn.checkpoint",
        "tinygrad_rnn.data.sequences",
        "tinygrad_rnn.train",
        "tinygrad_rnn.runs",
        "tinygrad_rnn.cliargs",
    ],
)
def test_docstring_examples_run(module_name):
    import doctest
    import importlib

    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0, f"{module_name} has no examples"


def test_module_list_registers_its_modules():
    blocks = nn.ModuleList([nn.Linear(2, 3, rng=0)])
    blocks.append(nn.Linear(3, 1, rng=1))
    assert len(blocks) == 2 and isinstance(blocks[1], nn.Linear)
    assert [n for n, _ in blocks.named_parameters()] == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert [type(m).__name__ for m in blocks] == ["Linear", "Linear"]
    with pytest.raises(TypeError, match="Modules"):
        blocks.append(3)
