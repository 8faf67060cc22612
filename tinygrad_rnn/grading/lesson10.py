"""Checks for lesson 10, the GRU (``lessons/10_gru_exercises.py``).

References: :func:`tinygrad_rnn.nn.gru_step` in float64 for 10.1, the unrolled
:class:`tinygrad_rnn.nn.GRU` for 10.3, and ``nn.RNN/LSTM/GRU(...).num_parameters()`` for
10.2. Every input is seeded and rounded (so it travels to the learner's process exactly);
shapes are never square where a transpose could hide, and the biases are large enough
that applying the reset gate before instead of after the recurrent matrix product, or
swapping the roles of ``z`` and ``1 - z``, changes the answer by far more than rounding.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_rnn.grading.arrays import array_problem, from_plain, late_by_one, to_plain
from tinygrad_rnn.grading.calls import call
from tinygrad_rnn.grading.registry import Case, Exercise, Lesson
from tinygrad_rnn.grading.seeding import case_rng, cases

WEIGHTS = ("W_ih", "W_hh", "b_ih", "b_hh")


def _weights(rng: np.random.Generator, n_in: int, hidden: int, scale: float) -> dict[str, Any]:
    """Random GRU weights, gates stacked r, z, n (rounded so they travel exactly)."""
    shapes = {"W_ih": (3 * hidden, n_in), "W_hh": (3 * hidden, hidden)}
    shapes |= {"b_ih": (3 * hidden,), "b_hh": (3 * hidden,)}
    return {k: (rng.standard_normal(s) * scale).round(4) for k, s in shapes.items()}


def _tensors(*arrays: np.ndarray) -> list[Any]:
    from tinygrad_rnn.tensor import Tensor

    return [Tensor(a, dtype=np.float64) for a in arrays]


# ---------------------------------------------------------------- 10.1 gru_step

#: (B, I, H, weight scale): I != H so that a missing transpose shows
STEP_SHAPES = ((1, 1, 1, 1.0), (2, 3, 4, 0.8), (4, 5, 3, 1.0), (3, 2, 5, 0.5), (1, 4, 2, 2.0))


@cases
def _step_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.nn import GRUState, gru_step

    rng = case_rng(1001)
    cases = []
    for batch, n_in, hidden, scale in STEP_SHAPES:
        w = _weights(rng, n_in, hidden, scale)
        x_t = rng.standard_normal((batch, n_in)).round(4)
        h_prev = rng.uniform(-1, 1, (batch, hidden)).round(4)
        x, h, *weights = _tensors(x_t, h_prev, *(w[k] for k in WEIGHTS))
        (h_t,) = gru_step(x, GRUState(h), *weights)
        label = f"gru_step(x_t {x_t.shape}, h_prev {h_prev.shape}, W_ih {w['W_ih'].shape}, ...)"
        inputs = {"x_t": x_t.tolist(), "h_prev": h_prev.tolist()} | to_plain(w)
        cases.append(Case(inputs, np.asarray(h_t.data, dtype=np.float64), label))
    return tuple(cases)


def _gru_variants(inputs: dict[str, Any]) -> dict[str, np.ndarray]:
    """The two classic mix-ups, computed in numpy, to name them when a learner makes one."""
    x_t, h_prev, W_ih, W_hh, b_ih, b_hh = from_plain(inputs, ("x_t", "h_prev", *WEIGHTS))
    hidden = h_prev.shape[1]
    gi, gh = x_t @ W_ih.T + b_ih, h_prev @ W_hh.T + b_hh
    r = 1.0 / (1.0 + np.exp(-(gi[:, :hidden] + gh[:, :hidden])))
    z = 1.0 / (1.0 + np.exp(-(gi[:, hidden : 2 * hidden] + gh[:, hidden : 2 * hidden])))
    n = np.tanh(gi[:, 2 * hidden :] + r * gh[:, 2 * hidden :])
    reset_first = (r * h_prev) @ W_hh[2 * hidden :].T + b_hh[2 * hidden :]
    n_before = np.tanh(gi[:, 2 * hidden :] + reset_first)
    return {
        "swapped z": z * n + (1.0 - z) * h_prev,
        "reset before the product": (1.0 - z) * n_before + z * h_prev,
    }


def _named_mixup(case: Case, got: np.ndarray) -> str | None:
    """The comparison's message, with the mix-up named when ``got`` is one of the two."""
    problem = array_problem(case.label, "h_t", case.expected, got)
    if problem is None:
        return None
    notes = {
        "swapped z": "z is the share of the OLD state that is kept, not the candidate's",
        "reset before the product": (
            "PyTorch's reset gate multiplies the recurrent n-block after its matrix product "
            "and bias, not h_prev before the product"
        ),
    }
    # the named mix-ups need the case's inputs: the judge sees only the case
    for name, value in _gru_variants(case.inputs).items():
        if value.shape == got.shape and np.allclose(value, got, atol=1e-9):
            return f"{problem}. It matches the {name} mistake: {notes[name]}"
    return None


# ---------------------------------------------------------------- 10.2 recurrent_num_params

#: (kind, input_size, hidden_size, num_layers, bias)
COUNT_CASES = (
    ("gru", 1, 16, 1, True),
    ("lstm", 3, 5, 1, True),
    ("rnn", 10, 4, 2, True),
    ("gru", 2, 7, 3, False),
    ("lstm", 6, 3, 3, False),
    ("gru", 128, 64, 2, True),
    ("lstm", 32, 128, 1, True),
    ("rnn", 5, 9, 1, False),
)


@cases
def _count_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.nn.recurrent import LAYERS

    cases = []
    for kind, n_in, hidden, num_layers, bias in COUNT_CASES:
        layer = LAYERS[kind](n_in, hidden, num_layers=num_layers, bias=bias, rng=0)
        label = (
            f"recurrent_num_params({kind!r}, {n_in}, {hidden}, num_layers={num_layers}, "
            f"bias={bias})"
        )
        inputs = {"kind": kind, "input_size": n_in, "hidden_size": hidden}
        inputs |= {"num_layers": num_layers, "bias": bias}
        cases.append(Case(inputs, int(layer.num_parameters()), label))
    return tuple(cases)


# ---------------------------------------------------------------- 10.3 gru_forward

#: (T, B, I, H, weight scale)
FORWARD_SHAPES = ((1, 2, 3, 2, 1.0), (4, 1, 1, 3, 1.0), (6, 3, 2, 4, 0.7), (12, 2, 3, 2, 1.5))


@cases
def _forward_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.nn import GRU

    rng = case_rng(1003)
    cases = []
    for steps, batch, n_in, hidden, scale in FORWARD_SHAPES:
        w = _weights(rng, n_in, hidden, scale)
        xs = rng.standard_normal((steps, batch, n_in)).round(4)
        h0 = rng.uniform(-1, 1, (batch, hidden)).round(4)  # not zeros: h_0 must be used
        layer = GRU(n_in, hidden, fused=False, rng=0, dtype=np.float64)
        layer.load_state_dict(
            {"weight_ih_l0": w["W_ih"], "weight_hh_l0": w["W_hh"]}
            | {"bias_ih_l0": w["b_ih"], "bias_hh_l0": w["b_hh"]}
        )
        x, h = _tensors(xs, h0[None])
        out, _ = layer(x, h)
        label = f"gru_forward(xs {xs.shape}, h0 {h0.shape}, W_hh {w['W_hh'].shape}, ...)"
        inputs = {"xs": xs.tolist(), "h0": h0.tolist()} | to_plain(w)
        expected = {"hs": np.asarray(out.data, dtype=np.float64), "h0": h0}
        cases.append(Case(inputs, expected, label))
    return tuple(cases)


def _states_late(case: Case, got: np.ndarray) -> str | None:
    return late_by_one(case.label, case.expected["hs"], got, case.expected["h0"])


# ---------------------------------------------------------------- 10.4 gru_bptt


def _np_gru(xs, h0, w, W_hh_at=None) -> np.ndarray:
    """Every state h_1..h_T in numpy; ``W_hh_at = (t, W)`` uses ``W`` at step ``t`` only."""
    H = h0.shape[1]
    h, hs = h0, []
    for t, x_t in enumerate(xs):
        W_hh = W_hh_at[1] if W_hh_at is not None and W_hh_at[0] == t else w["W_hh"]
        gi, gh = x_t @ w["W_ih"].T + w["b_ih"], h @ W_hh.T + w["b_hh"]
        r = 0.5 * (1 + np.tanh(0.5 * (gi[:, :H] + gh[:, :H])))
        z = 0.5 * (1 + np.tanh(0.5 * (gi[:, H : 2 * H] + gh[:, H : 2 * H])))
        n = np.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
        h = (1 - z) * n + z * h
        hs.append(h)
    return np.stack(hs)


#: (T, B, I, H, weight scale): I != H and 3H != I
GRU_BPTT_SHAPES = ((1, 2, 3, 2, 1.0), (3, 1, 1, 2, 1.0), (5, 2, 4, 3, 0.8), (6, 3, 2, 2, 1.1))
GRU_BPTT_GRADS = {"xs": "dxs", "h0": "dh0", "W_ih": "dW_ih", "W_hh": "dW_hh"}
GRU_BPTT_GRADS |= {"b_ih": "db_ih", "b_hh": "db_hh"}
#: the order the gradients are compared in: the state's first (every other one depends on it)
GRU_BPTT_ORDER = ("dh0", "dxs", "db_ih", "db_hh", "dW_ih", "dW_hh")


@cases
def _gru_bptt_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.grading.checks import numeric_gradient
    from tinygrad_rnn.nn import GRU

    rng = case_rng(1004)
    cases = []
    for steps, batch, n_in, hidden, scale in GRU_BPTT_SHAPES:
        v = _weights(rng, n_in, hidden, scale)
        v["xs"] = rng.standard_normal((steps, batch, n_in)).round(4)
        v["h0"] = rng.uniform(-1, 1, (batch, hidden)).round(4)
        dhs = rng.standard_normal((steps, batch, hidden)).round(4)
        layer = GRU(n_in, hidden, fused=False, rng=0, dtype=np.float64)
        layer.load_state_dict(
            {"weight_ih_l0": v["W_ih"], "weight_hh_l0": v["W_hh"]}
            | {"bias_ih_l0": v["b_ih"], "bias_hh_l0": v["b_hh"]}
        )
        x, h = _tensors(v["xs"], v["h0"][None])
        out, _ = layer(x, h)  # the numpy run used for the differences is the library's
        if not np.allclose(out.data, _np_gru(v["xs"], v["h0"], v), rtol=1e-12, atol=1e-12):
            raise AssertionError("lesson 10: the numpy GRU differs from nn.GRU")
        expected = {}
        for name, key in GRU_BPTT_GRADS.items():

            def loss(flat, name=name, v=v, dhs=dhs) -> float:
                u = dict(v, **{name: np.array(flat).reshape(v[name].shape)})
                return float(np.sum(dhs * _np_gru(u["xs"], u["h0"], u)))

            numeric = numeric_gradient(loss, v[name].ravel().tolist())
            expected[key] = np.array(numeric).reshape(v[name].shape)
        if steps > 1:

            def first(flat, v=v, dhs=dhs) -> float:
                W = np.array(flat).reshape(v["W_hh"].shape)
                return float(np.sum(dhs * _np_gru(v["xs"], v["h0"], v, (0, W))))

            numeric = numeric_gradient(first, v["W_hh"].ravel().tolist())
            expected["first_step_dW_hh"] = np.array(numeric).reshape(v["W_hh"].shape)
        label = (
            f"gru_bptt(xs {v['xs'].shape}, h0 {v['h0'].shape}, W_ih {v['W_ih'].shape}, "
            "..., dhs) with L = sum(dhs * hs), vs central differences"
        )
        cases.append(Case(to_plain(v) | {"dhs": dhs.tolist()}, expected, label))
    return tuple(cases)


def _bptt_mistakes(case: Case, got: dict[str, Any]) -> str | None:
    want = case.expected
    first = want.get("first_step_dW_hh")
    dW_hh = np.asarray(got["dW_hh"])
    if first is not None and dW_hh.shape == first.shape and np.allclose(dW_hh, first, 1e-5, 1e-7):
        return (
            f"{case.label}: dW_hh holds only the first step's share: W_hh is used at every "
            "step, so add every step's share (+=) instead of replacing it (=)"
        )
    db_ih, db_hh = np.asarray(got["db_ih"]), np.asarray(got["db_hh"])
    if (
        db_ih.shape == db_hh.shape == want["db_ih"].shape
        and np.allclose(db_ih, want["db_ih"], 1e-5, 1e-7)
        and np.allclose(db_hh, db_ih)
    ):
        return (
            f"{case.label}: db_hh equals db_ih, but the candidate's part of b_hh sits inside "
            "the reset gate's product, so in that block the two bias gradients differ"
        )
    for key in GRU_BPTT_ORDER:
        shape = np.shape(got[key])
        if len(shape) == 2 and shape != want[key].shape and shape == want[key].shape[::-1]:
            return (
                f"{case.label}: {key} has shape {shape}, the transpose of {want[key].shape}: "
                "a gradient has the shape of the array it belongs to"
            )
    return None


# ---------------------------------------------------------------- the lesson

LESSON = Lesson(
    number=10,
    exercise_file="10_gru_exercises.py",
    exercises=(
        Exercise(
            id="10.1",
            title="One step of a GRU",
            points=3,
            functions=("gru_step",),
            todo="return h_t, the new hidden state (B, H), as PyTorch's GRU computes it",
            hint=(
                (
                    "A GRU has a reset gate, an update gate and a candidate state; the new "
                    "state blends the candidate with the old state using the update gate. In "
                    "PyTorch's version the reset gate multiplies the recurrent part after the "
                    "matrix product. See 'The GRU's equations' in lesson 10."
                ),
                (
                    "Compute the input part x_t W_ih^T + b_ih and the recurrent part h_prev "
                    "W_hh^T + b_hh separately, each (B, 3H), and cut each into r, z, n blocks "
                    "in that order. r and z are sigmoids of the sum of their two blocks. The "
                    "candidate is tanh of the input n-block plus r times the recurrent n-block."
                    " The new state blends the candidate and h_prev with z: mind which of the "
                    "two z weighs."
                ),
                (
                    "sigmoid = lambda v: 1 / (1 + np.exp(-v))\n"
                    "gi = x_t @ W_ih.T + b_ih; gh = h_prev @ W_hh.T + b_hh; H = h_prev.shape[1]"
                    "\n"
                    "r = sigmoid(gi[:, :H] + gh[:, :H]); z = sigmoid(gi[:, H:2*H] + gh[:, "
                    "H:2*H])\n"
                    "n = np.tanh(gi[:, 2*H:] + r * gh[:, 2*H:])\n"
                    "return (1 - z) * n + z * h_prev"
                ),
            ),
            forbidden=(
                "tinygrad_rnn.nn.gru_step",
                "tinygrad_rnn.nn.GRUCell",
                "tinygrad_rnn.nn.GRU",
            ),
            rule="write the step yourself",
            checks=(
                call(
                    "h_t matches nn.gru_step",
                    _step_cases,
                    "gru_step",
                    ("x_t", "h_prev", *WEIGHTS),
                    what="h_t",
                    diagnose=_named_mixup,
                ),
            ),
        ),
        Exercise(
            id="10.2",
            title="Parameters of RNN, LSTM and GRU layers",
            points=1,
            functions=("recurrent_num_params",),
            todo="return how many numbers an RNN, LSTM or GRU layer of this size learns",
            hint=(
                (
                    "The three layers differ only in how many gates stack their weights: one "
                    "for the RNN, four for the LSTM, three for the GRU. See 'Counting "
                    "parameters' and 'RNN vs LSTM vs GRU: one table' in lesson 10."
                ),
                (
                    "With G gates, each layer has W_ih of G*H by its input size, W_hh of G*H by"
                    " H, and two biases of G*H each when bias is on. Layer 0's input size is "
                    "input_size, the others' is hidden_size. Add the layers."
                ),
                (
                    "G = {'rnn': 1, 'lstm': 4, 'gru': 3}[kind]\n"
                    "sum over layers of G * (H * n_in + H * H + (2 * H if bias else 0))"
                ),
            ),
            forbidden=(
                "tinygrad_rnn.nn.RNN",
                "tinygrad_rnn.nn.LSTM",
                "tinygrad_rnn.nn.GRU",
                "tinygrad_rnn.nn.RNNCell",
                "tinygrad_rnn.nn.LSTMCell",
                "tinygrad_rnn.nn.GRUCell",
            ),
            rule="count the parameters yourself",
            checks=(
                call(
                    "matches nn.RNN/LSTM/GRU(...).num_parameters()",
                    _count_cases,
                    "recurrent_num_params",
                    ("kind:raw", "input_size:raw", "hidden_size:raw"),
                    keywords=("num_layers:raw", "bias:raw"),
                    returns="result:int",
                    what="the count",
                ),
            ),
        ),
        Exercise(
            id="10.3",
            title="A GRU over a sequence",
            points=2,
            functions=("gru_forward",),
            todo="return every hidden state h_1..h_T as one (T, B, H) array",
            hint=(
                (
                    "A GRU over a sequence is your step applied at every time step, carrying "
                    "the state forward, exactly like the RNN of lesson 7. See 'A GRU over a "
                    "sequence' in lesson 10."
                ),
                (
                    "Start from h0, loop over the inputs in order, compute the new state with "
                    "your gru_step, and keep every new state. Stack them along a new first "
                    "axis: (T, B, H), without h0."
                ),
                (
                    "h, hs = h0, []\n"
                    "for x_t in xs:\n"
                    "    h = gru_step(x_t, h, W_ih, W_hh, b_ih, b_hh)\n"
                    "    hs.append(h)\n"
                    "return np.stack(hs)"
                ),
            ),
            forbidden=(
                "tinygrad_rnn.nn.gru_step",
                "tinygrad_rnn.nn.GRUCell",
                "tinygrad_rnn.nn.GRU",
            ),
            rule="unroll the GRU yourself",
            checks=(
                call(
                    "hidden states match the unrolled nn.GRU",
                    _forward_cases,
                    "gru_forward",
                    ("xs", "h0", *WEIGHTS),
                    returns="hs",
                    what="the hidden states hs",
                    diagnose=_states_late,
                ),
            ),
        ),
        Exercise(
            id="10.4",
            title="Backpropagation through time for the GRU",
            points=4,
            functions=("gru_bptt",),
            todo="return every gradient of L = sum(dhs * hs) over the whole sequence",
            hint=(
                "Lesson 10, 'The GRU's equations', backwards: one step's chain rule through "
                "the update blend, the candidate and the two gates, applied from the last "
                "step to the first with the state's gradient carried back and the weight "
                "gradients summed over the steps.",
                "Keep gi, gh, r, z, n and h_prev of every step. Going back, the gradient "
                "reaching h_t is dhs[t] plus what step t+1 carried. Through the blend it "
                "splits into the candidate, the update gate and the old state; through tanh "
                "and the sigmoids it becomes a (B, 3H) gradient for gi and one for gh, equal "
                "except in the n-block, where the reset gate multiplies gh (and r gets its "
                "gradient from gh's n-block). From those two: dx_t (B, I) through W_ih, the "
                "carried (B, H) through W_hh plus the direct path through z, the weight "
                "gradients (3H, I) and (3H, H) and the biases (3H,) summed over the batch and "
                "the steps.",
                "Worked answer, inside the loop from t = T-1 down to 0: dh = dhs[t] + carry; "
                "dn = dh * (1 - z); dz = dh * (h_prev - n); da_n = dn * (1 - n**2); da_z = dz "
                "* z * (1 - z); da_r = da_n * gh[:, 2H:] * r * (1 - r); dgi = concat([da_r, "
                "da_z, da_n], 1); dgh = concat([da_r, da_z, da_n * r], 1); dxs[t] = dgi @ "
                "W_ih; dW_ih += dgi.T @ xs[t]; dW_hh += dgh.T @ h_prev; db_ih += dgi.sum(0); "
                "db_hh += dgh.sum(0); carry = dh * z + dgh @ W_hh. Finally dh0 = carry.",
            ),
            checks=(
                call(
                    "every gradient matches central differences",
                    _gru_bptt_cases,
                    "gru_bptt",
                    ("xs", "h0", *WEIGHTS, "dhs"),
                    returns=tuple(GRU_BPTT_GRADS.values()),
                    keyed=True,
                    order=GRU_BPTT_ORDER,
                    rtol=1e-5,
                    atol=1e-7,
                    diagnose=_bptt_mistakes,
                ),
            ),
            timeout=20.0,
            forbidden=(
                "tinygrad_rnn.nn.gru_step",
                "tinygrad_rnn.nn.GRU",
                "tinygrad_rnn.nn.GRUCell",
                "tinygrad_rnn.autograd.backward",
                "tinygrad_rnn.tensor.Tensor.backward",
            ),
        ),
    ),
)
