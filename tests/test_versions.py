"""Version counters: backward refuses to run after its inputs were changed in place.

The learner mistakes behind these tests are ``loss = model(x); opt.step(); loss.backward()``
(step before backward) and ``loss.backward(); opt.step(); loss.backward()`` (a second
backward through a graph whose weights have moved). Both used to give silently wrong
gradients, because an op's backward reads the arrays its inputs had in the forward pass.
"""

from __future__ import annotations

import doctest
import importlib
import re

import numpy as np
import pytest

from tinygrad_rnn import nn, optim
from tinygrad_rnn.function import Function
from tinygrad_rnn.nn import Parameter
from tinygrad_rnn.tensor import Tensor, no_grad

OPTIMIZERS = {
    "sgd": lambda params: optim.SGD(params, lr=0.1),
    "sgd_momentum": lambda params: optim.SGD(params, lr=0.1, momentum=0.9),
    "rmsprop": lambda params: optim.RMSprop(params, lr=0.01),
    "adam": lambda params: optim.Adam(params, lr=0.01),
    "adamw": lambda params: optim.AdamW(params, lr=0.01),
}

LSTM_WEIGHTS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def linear_model():
    """A Linear layer and a loss function of it (float64, fixed seed)."""
    model = nn.Linear(3, 2, rng=0, dtype=np.float64)
    x = Tensor(np.random.default_rng(1).normal(size=(4, 3)), dtype=np.float64)  # (B, I)
    return model, lambda: (model(x) ** 2).mean()


def lstm_model():
    """A fused one-layer LSTM and a loss of its hidden states (float64, fixed seed)."""
    model = nn.LSTM(3, 4, rng=0, dtype=np.float64)
    assert model.fused
    x = Tensor(np.random.default_rng(1).normal(size=(5, 2, 3)), dtype=np.float64)  # (T, B, I)

    def loss():
        out, _ = model(x)  # (T, B, H)
        return (out * out).sum()

    return model, loss


MODELS = {"linear": linear_model, "lstm": lstm_model}

# "<op>: input <i> ('<label>') was changed in place after ... (updated once since, ...)"
MESSAGE = re.compile(
    r"^(\w+): input (\d+) \('(\w+)'\) was changed in place after this op used it in the "
    r"forward pass \(updated (once|\d+ times) since"
)


def parse_error(err: pytest.ExceptionInfo) -> tuple[str, int, str]:
    """The op, input position and label named by a changed-in-place error."""
    text = str(err.value)
    match = MESSAGE.match(text)
    assert match, text
    assert "forward pass again after optimizer.step()" in text
    assert "backward() before step()" in text
    return match.group(1), int(match.group(2)), match.group(3)


def assert_names_a_parameter(model_name: str, err: pytest.ExceptionInfo) -> None:
    op, position, label = parse_error(err)
    if model_name == "lstm":
        # the hidden states reach the loss only through the fused op; its inputs are
        # x, w_ih, w_hh, b_ih, b_hh, h0, c0 and the first changed one is w_ih
        assert (op, position, label) == ("fused_lstm", 1, "weight_ih_l0")
    else:
        # Linear is x @ weight.T + bias: the first op the walk meets reads the bias
        assert (op, label) in {("add", "bias"), ("permute", "weight")}, (op, label)


# ------------------------------------------------------------------------- counting
def test_every_tensor_starts_at_version_zero():
    a = Tensor([1.0, 2.0], requires_grad=True)
    p = Parameter([1.0])
    out = a * 2.0
    with no_grad():
        plain = a + 1.0
    assert (a._version, p._version, out._version, plain._version) == (0, 0, 0, 0)


@pytest.mark.parametrize("opt_name", OPTIMIZERS)
def test_each_step_bumps_the_version_of_every_updated_parameter(opt_name):
    used = Parameter(np.array([1.0, -2.0]), dtype=np.float64)
    unused = Parameter(np.array([3.0]), dtype=np.float64)
    opt = OPTIMIZERS[opt_name]([used, unused])
    for step in range(1, 4):
        opt.zero_grad()
        (used * used).sum().backward()
        opt.step()
        assert used._version == step
    assert unused._version == 0  # no gradient, no update, no bump


def test_clipping_changes_grads_only_and_does_not_bump():
    w = Parameter(np.array([3.0, -4.0]), dtype=np.float64)
    (w * w).sum().backward()
    optim.clip_grad_norm_([w], max_norm=1.0)
    optim.clip_grad_value_([w], clip_value=0.1)
    assert w._version == 0
    np.testing.assert_allclose(w.grad, [0.1, -0.1])


# --------------------------------------------------------------- the two mistakes
@pytest.mark.parametrize("model_name", MODELS)
@pytest.mark.parametrize("opt_name", OPTIMIZERS)
def test_step_between_forward_and_backward_raises(model_name, opt_name):
    model, compute_loss = MODELS[model_name]()
    opt = OPTIMIZERS[opt_name](model.parameters())
    compute_loss().backward()  # a previous iteration left gradients for step() to use
    loss = compute_loss()
    opt.step()
    with pytest.raises(RuntimeError) as err:
        loss.backward()
    assert_names_a_parameter(model_name, err)


@pytest.mark.parametrize("model_name", MODELS)
@pytest.mark.parametrize("opt_name", ["sgd", "adam", "rmsprop"])
def test_backward_again_after_a_step_raises(model_name, opt_name):
    model, compute_loss = MODELS[model_name]()
    opt = OPTIMIZERS[opt_name](model.parameters())
    loss = compute_loss()
    loss.backward()
    opt.step()
    with pytest.raises(RuntimeError) as err:
        loss.backward()
    assert_names_a_parameter(model_name, err)


def test_backward_twice_without_a_step_still_accumulates():
    w = Parameter(np.array([1.0, 2.0]), dtype=np.float64)
    loss = (w * w).sum()
    loss.backward()
    loss.backward()
    np.testing.assert_array_equal(w.grad, [4.0, 8.0])


def test_message_counts_the_edits_and_works_without_a_label():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True, dtype=np.float64)  # no label
    loss = (w.exp() * 3.0).sum()
    w.mark_modified()
    w.mark_modified()
    with pytest.raises(RuntimeError, match=r"^exp: input 0 was changed .* \(updated 2 times since"):
        loss.backward()


def test_only_the_changed_input_is_named():
    a = Tensor([1.0, 2.0], requires_grad=True, label="a", dtype=np.float64)
    b = Tensor([3.0, 4.0], requires_grad=True, label="b", dtype=np.float64)
    loss = (a * b).sum()
    b.mark_modified()
    with pytest.raises(RuntimeError, match=r"^mul: input 1 \('b'\)"):
        loss.backward()


def test_a_changed_constant_input_is_caught_too():
    # x needs no gradient, but mul's backward reads it to find w's gradient
    w = Tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    x = Tensor([5.0, 6.0], label="x", dtype=np.float64)
    loss = (w * x).sum()
    x.data *= 2.0
    x.mark_modified()
    with pytest.raises(RuntimeError, match=r"^mul: input 1 \('x'\)"):
        loss.backward()


def test_custom_function_gets_the_check():
    class Cube(Function):
        def forward(self, a):
            self.save_for_backward(a)
            return a**3

        def backward(self, grad_out):
            (a,) = self.saved_tensors
            return 3 * a**2 * grad_out

    w = Tensor([2.0], requires_grad=True, label="w", dtype=np.float64)
    loss = Cube.apply(w).sum()
    w.mark_modified()
    with pytest.raises(RuntimeError, match=r"^cube: input 0 \('w'\)"):
        loss.backward()


# ------------------------------------------------------------------ the normal loop
@pytest.mark.parametrize("model_name", MODELS)
@pytest.mark.parametrize("opt_name", OPTIMIZERS)
def test_the_normal_loop_never_raises(model_name, opt_name):
    model, compute_loss = MODELS[model_name]()
    opt = OPTIMIZERS[opt_name](model.parameters())
    losses = []
    for _ in range(4):
        opt.zero_grad()
        loss = compute_loss()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert [p._version for p in model.parameters()] == [4] * len(opt.params)
    assert losses[-1] < losses[0]  # and it trains


@pytest.mark.parametrize("model_name", MODELS)
def test_sgd_step_is_exactly_the_hand_written_update(model_name):
    lr = 0.05
    model, compute_loss = MODELS[model_name]()
    params = list(model.parameters())
    assert len(params) in (2, 4)  # weight and bias, or the LSTM's four
    opt = optim.SGD(params, lr=lr)
    opt.zero_grad()
    compute_loss().backward()
    expected = [p.data - lr * p.grad for p in params]
    arrays = [p.data for p in params]
    opt.step()
    for p, array, want in zip(params, arrays, expected, strict=True):
        assert p.data is array  # still updated in place
        np.testing.assert_array_equal(p.data, want)
    # and the next iteration runs on the new weights without complaint
    opt.zero_grad()
    compute_loss().backward()
    assert all(p.grad is not None for p in params)


def test_forward_under_no_grad_after_a_step_is_fine():
    model, compute_loss = lstm_model()
    opt = optim.Adam(model.parameters(), lr=0.01)
    compute_loss().backward()
    opt.step()
    with no_grad():
        assert np.isfinite(compute_loss().item())


# ---------------------------------------------------------------- manual updates
def test_mark_modified_after_a_manual_update_makes_backward_raise():
    model, compute_loss = linear_model()
    loss = compute_loss()
    loss.backward()
    for p in model.parameters():
        p.data -= 0.1 * p.grad
        p.mark_modified()
    with pytest.raises(RuntimeError, match=r"changed in place .* \(updated once since"):
        loss.backward()


def test_load_state_dict_counts_as_an_edit():
    layer = nn.Linear(3, 2, rng=0)
    loss = layer(np.ones((4, 3))).sum()
    layer.load_state_dict(nn.Linear(3, 2, rng=1).state_dict())
    with pytest.raises(RuntimeError, match=r"input \d \('(weight|bias)'\) was changed in place"):
        loss.backward()


def test_init_fills_count_as_edits():
    from tinygrad_rnn import init

    layer = nn.LSTM(3, 4, rng=0)
    before = layer.weight_hh_l0._version
    init.orthogonal_(layer.weight_hh_l0, rng=0, blocks=4)
    init.lstm_forget_bias_(layer.bias_hh_l0)
    assert layer.weight_hh_l0._version == before + 1 and layer.bias_hh_l0._version == 1
    out, _ = layer(np.ones((2, 1, 3)))
    init.normal_(layer.weight_ih_l0, rng=1)
    with pytest.raises(RuntimeError, match=r"fused_lstm: input 1 \('weight_ih_l0'\)"):
        out.sum().backward()
    assert init.zeros_(np.ones(3)).sum() == 0  # plain arrays still work


def test_manual_update_without_mark_modified_goes_unnoticed():
    # The documented limitation: nobody reported the edit, so backward runs, and mul's
    # backward reads the *edited* array: the gradient of the new weights, not the ones
    # that produced this loss. This is the silent error mark_modified() prevents.
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True, dtype=np.float64)
    loss = (w * w).sum()
    w.data -= 0.5
    loss.backward()
    assert w._version == 0
    np.testing.assert_array_equal(w.grad, [1.0, 3.0])  # 2 * new w, not 2 * old w


def test_mark_modified_before_the_forward_pass_changes_nothing():
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True, dtype=np.float64)
    w.data -= 0.5
    assert w.mark_modified() is None
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [1.0, 3.0])


@pytest.mark.parametrize("module_name", ["tinygrad_rnn.tensor", "tinygrad_rnn.function"])
def test_docstring_examples_run(module_name):
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
