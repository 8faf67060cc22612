"""Initialisation schemes: distributions and their moments, seeding, in-place filling."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinygrad_rnn import init, nn
from tinygrad_rnn.tensor import Tensor

SHAPE = (400, 300)  # fan_out 400, fan_in 300


def fresh(shape=SHAPE):
    return Tensor(np.zeros(shape), dtype=np.float64)


@pytest.mark.parametrize(
    ("fill", "kind", "scale"),
    [
        (lambda t: init.xavier_uniform_(t, 0), "uniform", math.sqrt(6 / 700)),
        (lambda t: init.glorot_normal_(t, 0, gain=2.0), "normal", 2 * math.sqrt(2 / 700)),
        (lambda t: init.kaiming_uniform_(t, 0), "uniform", math.sqrt(2) * math.sqrt(3 / 300)),
        (lambda t: init.he_normal_(t, 0), "normal", math.sqrt(2 / 300)),
        (lambda t: init.kaiming_normal_(t, 0, mode="fan_out"), "normal", math.sqrt(2 / 400)),
        (
            lambda t: init.kaiming_normal_(t, 0, nonlinearity="tanh"),
            "normal",
            5 / 3 / math.sqrt(300),
        ),
        (lambda t: init.uniform_(t, 0, -0.3, 0.3), "uniform", 0.3),
        (lambda t: init.normal_(t, 0, 0.0, 0.05), "normal", 0.05),
    ],
)
def test_random_schemes_have_the_right_spread(fill, kind, scale):
    t = fresh()
    assert fill(t) is t
    w = t.data
    assert abs(w.mean()) < 0.02 * scale * 10
    if kind == "uniform":  # bound `scale`, standard deviation scale / sqrt(3)
        assert w.max() <= scale and w.min() >= -scale and w.max() > 0.99 * scale
        assert w.std() == pytest.approx(scale / math.sqrt(3), rel=0.02)
    else:
        assert w.std() == pytest.approx(scale, rel=0.02)


def test_seeds_and_generators_reproduce():
    a = init.xavier_normal_(fresh((5, 4)), 3).data
    b = init.xavier_normal_(fresh((5, 4)), np.random.default_rng(3)).data
    c = init.xavier_normal_(fresh((5, 4)), 4).data
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    gen = np.random.default_rng(0)
    first = init.normal_(fresh((3,)), gen).data
    second = init.normal_(fresh((3,)), gen).data  # the generator moves on
    assert not np.array_equal(first, second)
    with pytest.raises(TypeError, match="rng"):
        init.normal_(fresh((3,)), "seed")


def test_fills_arrays_and_keeps_dtype():
    arr = np.zeros((4, 4), np.float32)
    assert init.orthogonal_(arr, 0) is arr and arr.dtype == np.float32
    with pytest.raises(TypeError, match="floating"):
        init.zeros_(np.zeros(3, dtype=np.int64))


@pytest.mark.parametrize("shape", [(6, 6), (8, 3), (3, 8)])
def test_orthogonal(shape):
    w = init.orthogonal_(fresh(shape), 0, gain=2.0).data / 2.0
    if shape[0] >= shape[1]:
        np.testing.assert_allclose(w.T @ w, np.eye(shape[1]), atol=1e-12)
    else:
        np.testing.assert_allclose(w @ w.T, np.eye(shape[0]), atol=1e-12)


def test_orthogonal_blocks_per_gate():
    w = init.orthogonal_(fresh((16, 4)), 0, blocks=4).data
    for k in range(4):
        block = w[4 * k : 4 * k + 4]
        np.testing.assert_allclose(block @ block.T, np.eye(4), atol=1e-12)
    with pytest.raises(ValueError, match="blocks"):
        init.orthogonal_(fresh((10, 4)), 0, blocks=4)


def test_identity_and_constants():
    w = init.identity_(fresh((3, 3)), gain=0.5).data
    np.testing.assert_array_equal(w, 0.5 * np.eye(3))
    w = init.identity_(fresh((6, 3)), blocks=2).data
    np.testing.assert_array_equal(w, np.vstack([np.eye(3), np.eye(3)]))
    assert init.ones_(fresh((2,))).data.tolist() == [1.0, 1.0]
    assert init.constant_(fresh((2,)), 3.0).data.tolist() == [3.0, 3.0]
    assert init.zeros_(Tensor(np.ones(2))).data.tolist() == [0.0, 0.0]


def test_lstm_forget_bias_touches_only_the_forget_gate():
    lstm = nn.LSTM(2, 3, rng=0)
    before = lstm.bias_hh_l0.data.copy()
    init.lstm_forget_bias_(lstm.bias_hh_l0, 1.0)
    after = lstm.bias_hh_l0.data
    np.testing.assert_array_equal(after[3:6], 1.0)
    np.testing.assert_array_equal(np.delete(after, range(3, 6)), np.delete(before, range(3, 6)))
    with pytest.raises(ValueError, match="4H"):
        init.lstm_forget_bias_(fresh((6,)))


def test_fans_and_gains():
    assert init.fans((32, 16)) == (16, 32)
    assert init.fans((8, 4, 3, 3)) == (36, 72)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    with pytest.raises(ValueError):
        init.fans((3,))
    with pytest.raises(ValueError, match="unknown"):
        init.calculate_gain("swish")


def test_xavier_keeps_tanh_activations_alive_where_tiny_weights_do_not():
    """The point of the schemes: signal size through 10 tanh layers."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 100))
    stds = {}
    for name, fill in {
        "xavier": lambda t: init.xavier_normal_(t, rng, gain=5 / 3),
        "tiny": lambda t: init.normal_(t, rng, std=0.01),
    }.items():
        h = x
        for _ in range(10):
            w = fill(np.zeros((100, 100)))
            h = np.tanh(h @ w.T)
        stds[name] = h.std()
    assert stds["xavier"] > 0.3 and stds["tiny"] < 1e-6
