"""The scalar engine: every op's gradient against central differences, and bad input."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_rnn import Value
from tinygrad_rnn.gradcheck import gradcheck
from tinygrad_rnn.scalar import MLP, Layer, Neuron

finite = st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False)
positive = st.floats(0.1, 5.0)
away_from_zero = finite.filter(lambda v: abs(v) > 1e-2)

UNARY = {
    "exp": (lambda a: a.exp(), finite),
    "tanh": (lambda a: a.tanh(), finite),
    "sigmoid": (lambda a: a.sigmoid(), finite),
    "relu": (lambda a: a.relu(), away_from_zero),  # the kink at 0 has no derivative
    "log": (lambda a: a.log(), positive),
    "neg": (lambda a: -a, finite),
    "square": (lambda a: a**2, finite),
    "cube": (lambda a: a**3, finite),
    "sqrt": (lambda a: a**0.5, positive),
    "reciprocal": (lambda a: a**-1, away_from_zero),
    "scale": (lambda a: a * 2.5, finite),
    "shift": (lambda a: a + 1.5, finite),
    "rsub": (lambda a: 4.0 - a, finite),
    "rdiv": (lambda a: 3.0 / a, away_from_zero),
    "div_by_number": (lambda a: a / 4.0, finite),
    "rmul": (lambda a: 2 * a, finite),
    "radd": (lambda a: 2 + a, finite),
}

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "mixed": lambda a, b: (a * b + a.tanh() - b.sigmoid() * a).exp() + (a - b) ** 2,
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradients(name):
    fn, domain = UNARY[name]

    @settings(max_examples=40, deadline=None)
    @given(domain)
    def check(x):
        report = gradcheck(fn, [x])
        assert report.ok, report.message

    check()


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=40, deadline=None)
@given(a=finite, b=away_from_zero)
def test_binary_gradients(name, a, b):
    report = gradcheck(BINARY[name], [a, b])
    assert report.ok, report.message


def test_forward_values_match_math():
    a, b = Value(0.3), Value(-1.7)
    assert (a + b).data == pytest.approx(-1.4)
    assert (a * b).data == pytest.approx(-0.51)
    assert (a / b).data == pytest.approx(0.3 / -1.7)
    assert (a**3).data == pytest.approx(0.027)
    assert a.exp().data == pytest.approx(math.exp(0.3))
    assert a.tanh().data == pytest.approx(math.tanh(0.3))
    assert b.sigmoid().data == pytest.approx(1 / (1 + math.exp(1.7)))
    assert b.relu().data == 0.0 and a.relu().data == pytest.approx(0.3)


def test_sigmoid_does_not_overflow():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0


def test_reused_node_collects_every_use():
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert a.grad == 4.0
    x = Value(2.0)
    y = x * x * x  # d/dx x^3 = 3 x^2 = 12
    y.backward()
    assert x.grad == pytest.approx(12.0)


def test_backward_twice_accumulates_on_leaves_only():
    a, b = Value(2.0), Value(5.0)
    c = a * b + a
    d = c.tanh()
    d.backward()
    first = (a.grad, b.grad, c.grad)
    d.backward()
    assert a.grad == pytest.approx(2 * first[0])
    assert b.grad == pytest.approx(2 * first[1])
    assert c.grad == pytest.approx(first[2])  # interior: reset, not doubled
    d.zero_grad()
    assert a.grad == b.grad == c.grad == d.grad == 0.0


def test_bad_input_messages():
    with pytest.raises(TypeError, match="expected a real number"):
        Value("abc")
    with pytest.raises(TypeError, match="expected a real number"):
        Value(1.0) + "x"
    with pytest.raises(TypeError, match="expected a real number"):
        Value(1.0) - "x"
    with pytest.raises(TypeError, match="not supported"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(TypeError, match="not supported"):
        2.0 ** Value(3.0)
    with pytest.raises(ValueError, match="log: the input must be positive, got -1.0"):
        Value(-1.0).log()
    with pytest.raises(ValueError, match="log: the input must be positive, got 0.0"):
        Value(0.0).log()
    with pytest.raises(ZeroDivisionError, match="div"):
        Value(1.0) / Value(0.0)
    with pytest.raises(ZeroDivisionError, match="div"):
        Value(1.0) / 0
    with pytest.raises(ValueError, match="not a real number"):
        Value(-8.0) ** 0.5


def test_mlp_with_a_number_for_nouts_says_what_nouts_is():
    with pytest.raises(TypeError, match=r"MLP: nouts is the list of layer sizes.*MLP\(2, \[16"):
        MLP(2, 3)
    with pytest.raises(TypeError, match=r"got \[\]"):
        MLP(2, [])


def test_pow_overflow_gives_inf_instead_of_raising():
    # Python raises OverflowError (and ZeroDivisionError for 0.0 ** -0.5) where float
    # arithmetic gives inf; a diverging run must show inf, not stop with an error.
    assert (Value(1e200) ** 2).data == math.inf
    assert (Value(-1e200) ** 3).data == -math.inf
    assert (Value(1e-320) ** -1).data == math.inf
    assert (1.0 / Value(1e-320)).data == math.inf
    for exponent, x, slope in ((0, 0.0, 0.0), (0.5, 0.0, math.inf), (3, 1e160, math.inf)):
        a = Value(x)
        (a**exponent).backward()
        assert a.grad == slope, (exponent, x, a.grad)


def test_nan_is_kept_not_raised():
    # Documented: non-finite numbers flow through like IEEE floats, so a diverging run shows
    # nan in its loss; gradcheck reports them as failures.
    v = Value(float("nan"))
    assert math.isnan((v * 2.0 + 1.0).tanh().data)
    report = gradcheck(lambda a: a * Value(float("nan")), [1.0])
    assert not report.ok


def test_numpy_scalars_are_accepted():
    np = pytest.importorskip("numpy")
    assert (Value(np.float32(1.5)) * np.int64(2)).data == 3.0


def test_neuron_layer_mlp_like_micrograd():
    model = MLP(3, [4, 4, 1], seed=0)
    assert len(model.parameters()) == (3 * 4 + 4) + (4 * 4 + 4) + (4 + 1)
    out = model([1.0, -2.0, 0.5])
    assert isinstance(out, Value)
    out.backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    assert "ReLUNeuron(3)" in repr(model)
    assert isinstance(Layer(2, 3)([1.0, 2.0]), list)
    assert Neuron(2, nonlin=False).activation == "linear"
    with pytest.raises(ValueError, match="expected 3 inputs, got 2"):
        model([1.0, 2.0])
    with pytest.raises(ValueError, match="activation must be one of"):
        Neuron(2, activation="swish")


def test_same_seed_same_weights():
    a = [p.data for p in MLP(2, [3, 1], seed=7).parameters()]
    b = [p.data for p in MLP(2, [3, 1], seed=7).parameters()]
    assert a == b
