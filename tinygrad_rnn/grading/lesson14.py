r"""Checks for the capstone, your own character-level LSTM (``lessons/14_capstone_exercises.py``).

The learner's model is a plain dict of numpy arrays: an LSTM over one-hot characters
(``W_ih (4H, V)``, ``W_hh (4H, H)``, ``b_ih``, ``b_hh`` ``(4H,)``, gates i, f, g, o) and a
read-out ``W_out (V, H)``, ``b_out (V,)``. The grader runs that model itself, in numpy, in
its own process (:func:`forward`, held to ``tinygrad_rnn.nn.lstm_step`` by the test suite):

* 14.1: loss, gradients and carried state of one chunk, against :func:`forward` and central
  differences of its loss (the state given is a constant: nothing flows into it).
* 14.2: the learner's sampler on weights the grader chooses. A draw from
  :math:`p_\tau = \mathrm{softmax}(z/\tau)` has, at each step, an expected surprise
  :math:`-\ln p_\tau(x_t)` equal to the entropy :math:`H_t` of that step's distribution. Summed
  over the sample, :math:`S = \sum_t (-\ln p_\tau(x_t) - H_t)` has mean 0 and a variance the
  grader computes, so :math:`z = S / \sqrt{\mathrm{Var}\,S}` far from 0 means the characters
  did not come from that distribution; the same score under a few classic wrong samplers
  (greedy, temperature multiplied, state dropped) says which mistake fits.
* 14.3: the learner trains in its own process; the grader scores the returned weights on
  held-out sentences in its own process (nats per character, against a target and the bigram
  model), then tests samples drawn by the learner's sampler from those trained weights.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np

from tinygrad_rnn.grading.arrays import array_problem, as_array
from tinygrad_rnn.grading.checks import numeric_gradient, value_message
from tinygrad_rnn.grading.probes import WrongType, describe
from tinygrad_rnn.grading.registry import Case, Check, Exercise, Lesson
from tinygrad_rnn.grading.seeding import case_rng, cases

__all__ = ["LESSON", "forward", "surprise_z", "TARGET_NATS", "TRAIN_SECONDS"]

PARAMS = ("W_ih", "W_hh", "b_ih", "b_hh", "W_out", "b_out")
#: the forbidden library calls of every capstone exercise: the pieces you build yourself
FORBIDDEN = (
    "tinygrad_rnn.nn.LSTM",
    "tinygrad_rnn.nn.LSTMCell",
    "tinygrad_rnn.nn.lstm_step",
    "tinygrad_rnn.nn.GRU",
    "tinygrad_rnn.nn.RNN",
    "tinygrad_rnn.generate.CharLM",
    "tinygrad_rnn.generate.train_char_lm",
    "tinygrad_rnn.generate.sample",
    "tinygrad_rnn.generate.sample_index",
    "tinygrad_rnn.optim.Adam",
    "tinygrad_rnn.optim.AdamW",
    "tinygrad_rnn.optim.SGD",
    "tinygrad_rnn.optim.RMSprop",
    "tinygrad_rnn.optim.clip_grad_norm_",
    "tinygrad_rnn.autograd.backward",
    "tinygrad_rnn.tensor.Tensor.backward",
)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def forward(
    params: dict[str, np.ndarray],
    x_ids: np.ndarray,
    h0: np.ndarray,
    c0: np.ndarray,
    order: str = "ifgo",
    carry: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The model's logits ``(T, B, V)`` and final state, in float64 numpy.

    ``order`` names the gates in the four row blocks (the right one is ``"ifgo"``; others
    diagnose a mistake); ``carry=False`` starts every step from ``(h0, c0)`` (the bug of a
    state that is not carried).
    """
    W_ih, W_hh = params["W_ih"], params["W_hh"]
    H = W_hh.shape[1]
    h, c = h0, c0
    xa = W_ih.T[np.asarray(x_ids)] + params["b_ih"] + params["b_hh"]  # (T, B, 4H)
    hs = []
    for t in range(xa.shape[0]):
        a = xa[t] + h @ W_hh.T
        gate = {name: a[:, k * H : (k + 1) * H] for k, name in enumerate(order)}
        i, f, o = _sigmoid(gate["i"]), _sigmoid(gate["f"]), _sigmoid(gate["o"])
        c = f * c + i * np.tanh(gate["g"])
        h = o * np.tanh(c)
        hs.append(h)
        if not carry:
            h, c = h0, c0
    logits = np.stack(hs) @ params["W_out"].T + params["b_out"]
    return logits, hs[-1], c


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _mean_nll(logits: np.ndarray, y_ids: np.ndarray) -> float:
    logp = _log_softmax(logits)
    return float(-np.take_along_axis(logp, np.asarray(y_ids)[..., None], axis=-1).mean())


def _random_params(rng: np.random.Generator, V: int, H: int, scale: float) -> dict[str, Any]:
    shapes = {"W_ih": (4 * H, V), "W_hh": (4 * H, H), "b_ih": (4 * H,), "b_hh": (4 * H,)}
    shapes |= {"W_out": (V, H), "b_out": (V,)}
    return {k: (rng.standard_normal(s) * scale).round(4) for k, s in shapes.items()}


def _params_from(obj: Any, where: str) -> dict[str, np.ndarray]:
    if not isinstance(obj, dict):
        raise WrongType(f"{where} should be a dict of numpy arrays, got {describe(obj)}")
    missing = [k for k in PARAMS if k not in obj]
    if missing:
        raise WrongType(f"{where} has no {', '.join(missing)} (it needs {', '.join(PARAMS)})")
    return {k: as_array(obj[k], f"{where}[{k!r}]") for k in PARAMS}


def _shape_problem(params: dict[str, np.ndarray], V: int) -> str | None:
    """None when the arrays have the layout the docstring asks for."""
    W_hh = np.asarray(params["W_hh"])
    if W_hh.ndim != 2 or W_hh.shape[0] != 4 * W_hh.shape[1]:
        return f"W_hh should be (4H, H), got {W_hh.shape}"
    H = W_hh.shape[1]
    want = {"W_ih": (4 * H, V), "b_ih": (4 * H,), "b_hh": (4 * H,), "W_out": (V, H)}
    want["b_out"] = (V,)
    for k, shape in want.items():
        got = np.asarray(params[k]).shape
        if got != shape:
            return f"{k} should be {shape} for V = {V} characters and H = {H}, got {got}"
    for k in PARAMS:
        if not np.all(np.isfinite(params[k])):
            return f"{k} holds nan or inf"
    return None


# ---------------------------------------------------------------- 14.1 chunk_loss_and_grads

#: (T, B, V, H, weight scale): V != H and 4H != V so that a transpose or a gate slice shows
CHUNK_SHAPES = ((1, 1, 3, 2, 1.0), (4, 2, 5, 3, 0.8), (6, 3, 4, 2, 1.0), (3, 2, 7, 4, 0.6))


def _chunk_loss(p, x_ids, y_ids, h0, c0) -> float:
    return _mean_nll(forward(p, x_ids, h0, c0)[0], y_ids)


def _step_only_grad(p, x_ids, y_ids, h0, c0, step: int) -> np.ndarray:
    """dL/dW_hh through the use of W_hh at one step only (what '=' instead of '+=' keeps)."""

    def loss(flat: list[float]) -> float:
        W = np.array(flat).reshape(p["W_hh"].shape)
        before = forward(p, x_ids[:step], h0, c0) if step else None
        h, c = (before[1], before[2]) if before else (h0, c0)
        q = dict(p, W_hh=W)
        mid = forward(q, x_ids[step : step + 1], h, c)
        rest = forward(p, x_ids[step + 1 :], mid[1], mid[2]) if step + 1 < len(x_ids) else None
        pieces = [z for z in (before, mid, rest) if z is not None]
        return _mean_nll(np.concatenate([z[0] for z in pieces]), y_ids)

    return np.array(numeric_gradient(loss, p["W_hh"].ravel().tolist())).reshape(p["W_hh"].shape)


@cases
def _chunk_cases() -> tuple[Case, ...]:
    rng = case_rng(1401)
    cases = []
    for steps, batch, V, H, scale in CHUNK_SHAPES:
        p = _random_params(rng, V, H, scale)
        x_ids = rng.integers(0, V, (steps, batch))
        y_ids = rng.integers(0, V, (steps, batch))
        h0 = rng.uniform(-1, 1, (batch, H)).round(4)  # not zeros: the state given is used
        c0 = rng.standard_normal((batch, H)).round(4)
        logits, h_T, c_T = forward(p, x_ids, h0, c0)
        grads = {}
        for k in PARAMS:

            def loss(flat: list[float], k=k, p=p, x_ids=x_ids, y_ids=y_ids, h0=h0, c0=c0):
                return _chunk_loss(dict(p, **{k: np.array(flat).reshape(p[k].shape)}), x_ids,
                                   y_ids, h0, c0)  # fmt: skip

            grads[k] = np.array(numeric_gradient(loss, p[k].ravel().tolist())).reshape(p[k].shape)
        expected = {"loss": _mean_nll(logits, y_ids), "grads": grads, "h_T": h_T, "c_T": c_T}
        expected["h0"], expected["first_step_dW_hh"] = h0, None
        if steps > 1:
            expected["first_step_dW_hh"] = _step_only_grad(p, x_ids, y_ids, h0, c0, 0)
        expected["other_orders"] = {
            order: _mean_nll(forward(p, x_ids, h0, c0, order=order)[0], y_ids)
            for order in ("ifog", "figo", "iofg", "gifo")
        }
        label = (
            f"chunk_loss_and_grads(params with W_ih {p['W_ih'].shape}, x_ids {x_ids.shape}, "
            f"y_ids, h0 {h0.shape}, c0)"
        )
        inputs = {k: v.tolist() for k, v in p.items()}
        inputs |= {"x_ids": x_ids.tolist(), "y_ids": y_ids.tolist()}
        inputs |= {"h0": h0.tolist(), "c0": c0.tolist()}
        cases.append(Case(inputs, expected, label))
    return tuple(cases)


def probe_chunk(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    params = {k: np.array(inputs[k], dtype=np.float64) for k in PARAMS}
    x_ids = np.array(inputs["x_ids"], dtype=np.int64)
    y_ids = np.array(inputs["y_ids"], dtype=np.int64)
    h0, c0 = np.array(inputs["h0"]), np.array(inputs["c0"])
    result = learner.chunk_loss_and_grads(params, x_ids, y_ids, h0, c0)
    if not isinstance(result, tuple | list) or len(result) != 3:
        raise WrongType(
            f"chunk_loss_and_grads should return (loss, grads, (h_T, c_T)), got {describe(result)}"
        )
    loss, grads, state = result
    if isinstance(loss, bool) or not isinstance(loss, int | float | np.floating):
        raise WrongType(f"chunk_loss_and_grads's loss should be a float, got {describe(loss)}")
    if not isinstance(state, tuple | list) or len(state) != 2:
        raise WrongType(f"chunk_loss_and_grads's state should be (h_T, c_T), got {describe(state)}")
    return {
        "loss": float(loss),
        "grads": _params_from(grads, "chunk_loss_and_grads's grads"),
        "h_T": as_array(state[0], "chunk_loss_and_grads's h_T"),
        "c_T": as_array(state[1], "chunk_loss_and_grads's c_T"),
    }


def judge_chunk(case: Case, got: dict[str, Any]) -> str | None:
    want = case.expected
    if not math.isclose(got["loss"], want["loss"], rel_tol=1e-9, abs_tol=1e-12):
        for order, value in want["other_orders"].items():
            if math.isclose(got["loss"], value, rel_tol=1e-9):
                return value_message(
                    case.label, want["loss"], got["loss"],
                    f"the loss, the mean cross-entropy: it is what the gates read in the order "
                    f"{', '.join(order)} give; the rows of W_ih and W_hh are i, f, g, o",
                )  # fmt: skip
        return value_message(case.label, want["loss"], got["loss"], "the loss, mean nats/char")
    h_T = np.asarray(got["h_T"])
    if h_T.shape == want["h0"].shape and np.allclose(h_T, want["h0"]):
        if not np.allclose(want["h_T"], want["h0"]):
            return (
                f"{case.label}: the state you return is the one you were given; return the "
                "state after the last step, so that the next chunk carries on from it"
            )
    for name in ("h_T", "c_T"):
        problem = array_problem(case.label, name, want[name], got[name])
        if problem:
            return problem
    first = want["first_step_dW_hh"]
    dW_hh = np.asarray(got["grads"]["W_hh"])
    if first is not None and dW_hh.shape == first.shape and np.allclose(dW_hh, first, 1e-5, 1e-7):
        return (
            f"{case.label}: dW_hh holds only the first step's share: every step uses W_hh, so "
            "add each step's share to the gradient (+=) instead of replacing it (=)"
        )
    for k in ("b_out", "W_out", "b_hh", "b_ih", "W_hh", "W_ih"):
        what = f"grads[{k!r}] (vs central differences)"
        w, g = want["grads"][k], np.asarray(got["grads"][k])
        if g.shape == w.shape[::-1] and g.shape != w.shape:
            return (
                f"{case.label}: grads[{k!r}] has shape {g.shape}, the transpose of {k}'s "
                f"{w.shape}: a gradient has the shape of its parameter"
            )
        problem = array_problem(case.label, what, w, g, 1e-5, 1e-7)
        if problem:
            return problem
    return None


# ---------------------------------------------------------------- 14.2 sample

SAMPLE_ITOS = ["\n", " ", ".", "a", "b", "e", "n"]
#: (seed, H, temperature, n)
SAMPLE_CASES = ((1421, 6, 1.0, 400), (1422, 5, 0.5, 400), (1423, 8, 2.0, 400), (1424, 6, 0.0, 60))


def _sampler_params(seed: int, H: int) -> dict[str, np.ndarray]:
    """Weights whose next character depends strongly on the state (a strong W_hh, a sharp
    read-out), so that a sampler that drops the state shows."""
    p = _random_params(np.random.default_rng(seed), len(SAMPLE_ITOS), H, 1.0)
    scales = {"W_ih": 0.7, "W_hh": 2.0, "W_out": 3.0, "b_ih": 0.5, "b_hh": 0.5, "b_out": 0.5}
    return {k: (v * scales[k]).round(4) for k, v in p.items()}


PREFIX = "ab ne"
Z_LIMIT = 4.5


def surprise_z(logits: np.ndarray, drawn: np.ndarray, temperature: float) -> float:
    """The standardised surprise of draws ``drawn (N,)`` from ``softmax(logits (N, V) / T)``.

    0 on average for honest draws, with spread 1; far from 0 when the draws came from another
    distribution (see the module docstring). Shared with lesson 11's sampler exercise.
    """
    logp = _log_softmax(np.asarray(logits, dtype=np.float64) / temperature)
    p = np.exp(logp)
    entropy = -(p * logp).sum(axis=1)
    second = (p * logp**2).sum(axis=1)
    surprise = -logp[np.arange(len(drawn)), np.asarray(drawn)]
    spread = math.sqrt(max(float((second - entropy**2).sum()), 1e-12))
    return float((surprise - entropy).sum()) / spread


def _surprise_score(
    params, itos: list[str], prefix: str, text: str, temperature: float, carry: bool = True
) -> float:
    """z of the sample's summed surprise under softmax(logits / temperature) (0 when true)."""
    stoi = {ch: i for i, ch in enumerate(itos)}
    ids = np.array([stoi[ch] for ch in prefix + text])
    H = params["W_hh"].shape[1]
    zeros = np.zeros((1, H))
    logits, _, _ = forward(params, ids[:-1, None], zeros, zeros, carry=carry)
    return surprise_z(logits[len(prefix) - 1 :, 0], ids[len(prefix) :], temperature)


def _greedy(params, itos: list[str], prefix: str, n: int, carry: bool = True) -> str:
    """The n most likely characters after ``prefix``, each read back in (``prefix`` may be '')."""
    stoi = {ch: i for i, ch in enumerate(itos)}
    H = params["W_hh"].shape[1]
    h = c = np.zeros((1, H))
    if prefix:
        _, h, c = forward(params, np.array([stoi[ch] for ch in prefix])[:, None], h, c)
    out = []
    for _ in range(n):
        k = int(np.argmax((h @ params["W_out"].T + params["b_out"])[0]))
        out.append(itos[k])
        if not carry:
            h = c = np.zeros((1, H))
        _, h, c = forward(params, np.array([[k]]), h, c)
    return "".join(out)


def _sample_problem(label, params, itos, prefix, text, temperature, n) -> str | None:
    """What is wrong with one sample drawn at ``temperature`` (> 0), or None."""
    if not isinstance(text, str):
        return f"{label}: sample should return a str, got {describe(text)}"
    if len(text) != n:
        return f"{label}: asked for {n} new characters, got {len(text)} (leave the prefix out)"
    strange = sorted(set(text) - set(itos))
    if strange:
        return f"{label}: the sample holds characters that are not in itos: {strange!r}"
    z = _surprise_score(params, itos, prefix, text, temperature)
    if abs(z) <= Z_LIMIT:
        return None
    fits = [("with the state reset to zeros at every step instead of carried", True)]
    if temperature != 1.0:
        fits += [("at temperature 1 (is the temperature used?)", 1.0)]
        fits += [("with the logits multiplied by the temperature, not divided", 1 / temperature)]
    better = []
    for why, how in fits:
        carry, tau = (False, temperature) if how is True else (True, how)
        if abs(_surprise_score(params, itos, prefix, text, tau, carry=carry)) <= Z_LIMIT:
            better.append(why)
    if text == _greedy(params, itos, prefix, n):
        why = "the sample is the greedy one (always the most likely character): draw with rng"
    elif better:
        why = f"they fit draws {better[0]}"
    elif z < 0:
        why = "too predictable: is the most likely character taken too often?"
    else:
        why = (
            "too surprising: is each draw from this step's distribution, fed the character "
            "just drawn, with the state carried?"
        )
    return (
        f"{label}: these characters did not come from softmax(logits / {temperature:g}) of "
        f"this model (surprise score z = {z:.1f}; honest draws stay within ±{Z_LIMIT:g}): {why}"
    )


@cases
def _sample_cases() -> tuple[Case, ...]:
    cases = []
    for seed, H, temperature, n in SAMPLE_CASES:
        p = _sampler_params(seed, H)
        label = (
            f"sample(params with H = {H}, itos {''.join(SAMPLE_ITOS)!r}, prefix {PREFIX!r}, "
            f"n = {n}, temperature = {temperature:g}, rng)"
        )
        inputs = {k: v.tolist() for k, v in p.items()}
        inputs |= {"itos": SAMPLE_ITOS, "prefix": PREFIX, "n": n, "temperature": temperature}
        inputs["seed"] = seed
        expected = {"params": p, "greedy": _greedy(p, SAMPLE_ITOS, PREFIX, n)}
        expected["unread"] = {
            "the prefix was never read (the first draw came from the zero state)": _greedy(
                p, SAMPLE_ITOS, "", n
            ),
            "only the prefix's last character was read": _greedy(p, SAMPLE_ITOS, PREFIX[-1], n),
            "the state was not carried from one draw to the next": _greedy(
                p, SAMPLE_ITOS, PREFIX, n, carry=False
            ),
        }
        cases.append(Case(inputs, expected, label))
    return tuple(cases)


def _draw(learner: ModuleType, params, itos, prefix, n, temperature, seed) -> Any:
    text = learner.sample(params, list(itos), prefix, n, temperature, np.random.default_rng(seed))
    if not isinstance(text, str):
        raise WrongType(f"sample should return a str, got {describe(text)}")
    return text


def probe_sample(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    params = {k: np.array(inputs[k], dtype=np.float64) for k in PARAMS}
    args = (inputs["itos"], inputs["prefix"], inputs["n"], inputs["temperature"])
    seed = inputs["seed"]
    return {
        "first": _draw(learner, params, *args, seed),
        "again": _draw(learner, params, *args, seed),
        "other": _draw(learner, params, *args, seed + 1000),
    }


def judge_sample(case: Case, got: dict[str, Any]) -> str | None:
    n, temperature = case.inputs["n"], case.inputs["temperature"]
    text = got["first"]
    if temperature == 0:
        if text != case.expected["greedy"]:
            for why, other in case.expected["unread"].items():
                if text == other:
                    return f"{case.label}: the greedy sample is not this model's: {why}"
            return value_message(
                case.label, case.expected["greedy"], text,
                "temperature 0 means greedy: always the most likely character",
            )  # fmt: skip
        return None
    problem = _sample_problem(
        case.label, case.expected["params"], SAMPLE_ITOS, PREFIX, text, temperature, n
    )
    if problem:
        return problem
    if got["again"] != text:
        return (
            f"{case.label}: two calls with generators of the same seed gave different samples: "
            "draw with the rng you are given (not np.random or random)"
        )
    if got["other"] == text:
        return f"{case.label}: generators of different seeds gave the same sample: use the rng"
    return None


# ---------------------------------------------------------------- 14.3 train_char_rnn

TARGET_NATS = 0.75
TRAIN_SECONDS = 60.0
TRAIN_TEXT = (600, 14)  # grammar_text(n_sentences, seed)
HELD_TEXT = (60, 1403)
TRAINED_PREFIX = "the "
TRAINED_SAMPLES = ((1.0, 300, 1431), (0.7, 300, 1432))

_trained: dict[int, Any] = {}  # in the learner's process: train once for both checks


def _held_out() -> tuple[str, str, float]:
    from tinygrad_rnn.bigram import bigram_counts, bigram_probs, mean_nll
    from tinygrad_rnn.data.text import CharVocab, grammar_text

    train, held = grammar_text(*TRAIN_TEXT), grammar_text(*HELD_TEXT)
    vocab = CharVocab.from_text(train + held)
    return train, held, mean_nll(held, bigram_probs(bigram_counts(train, vocab)), vocab)


def held_out_nats(params: dict[str, np.ndarray], itos: list[str], text: str) -> float:
    """Mean nats per character of ``text`` (each character after the first) under the model."""
    stoi = {ch: i for i, ch in enumerate(itos)}
    ids = np.array([stoi[ch] for ch in text])
    zeros = np.zeros((1, params["W_hh"].shape[1]))
    logits, _, _ = forward(params, ids[:-1, None], zeros, zeros)
    return _mean_nll(logits, ids[1:, None])


@cases
def _train_cases() -> tuple[Case, ...]:
    _, _, bigram = _held_out()
    label = (
        f"train_char_rnn(grammar_text{TRAIN_TEXT}, seconds={TRAIN_SECONDS:g}), scored on "
        f"held-out sentences grammar_text{HELD_TEXT}"
    )
    inputs = {"train": list(TRAIN_TEXT), "seconds": TRAIN_SECONDS}
    return (Case(inputs, {"target": TARGET_NATS, "bigram": bigram}, label),)


def _train_once(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    import time

    from tinygrad_rnn.data.text import grammar_text

    if id(learner) not in _trained:
        text = grammar_text(*inputs["train"])
        start = time.perf_counter()
        result = learner.train_char_rnn(text, inputs["seconds"])
        seconds = time.perf_counter() - start
        if not isinstance(result, tuple | list) or len(result) != 2:
            raise WrongType(f"train_char_rnn should return (params, itos), got {describe(result)}")
        params, itos = result
        if not isinstance(itos, list | str) or not all(
            isinstance(ch, str) and len(ch) == 1 for ch in itos
        ):
            raise WrongType(f"train_char_rnn's itos should be a list of characters, got {itos!r}")
        _trained[id(learner)] = {
            "params": _params_from(params, "train_char_rnn's params"),
            "itos": list(itos),
            "seconds": seconds,
        }
    return _trained[id(learner)]


def probe_train(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    return _train_once(learner, inputs)


def _trained_problem(label: str, got: dict[str, Any], held: str) -> str | None:
    itos = got["itos"]
    if len(set(itos)) != len(itos):
        return f"{label}: itos lists a character twice"
    unknown = sorted(set(held) - set(itos))
    if unknown:
        return f"{label}: itos lacks characters of the text: {unknown!r}"
    problem = _shape_problem(got["params"], len(itos))
    return f"{label}: {problem}" if problem else None


def judge_train(case: Case, got: dict[str, Any]) -> str | None:
    _, held, bigram = _held_out()
    problem = _trained_problem(case.label, got, held)
    if problem:
        return problem
    nats = held_out_nats(got["params"], got["itos"], held)
    target = case.expected["target"]
    if not math.isfinite(nats) or nats >= target:
        return (
            f"{case.label}: held-out loss {nats:.3f} nats/char after {got['seconds']:.1f} s; "
            f"the target is below {target:g} (the bigram model scores {bigram:.2f}, a uniform "
            f"guess ln {len(got['itos'])} = {math.log(len(got['itos'])):.2f})"
        )
    return None


@cases
def _trained_sample_cases() -> tuple[Case, ...]:
    label = (
        f"sample(your trained params, itos, {TRAINED_PREFIX!r}, ...) at temperatures "
        + " and ".join(f"{t:g}" for t, _, _ in TRAINED_SAMPLES)
    )
    inputs = {"train": list(TRAIN_TEXT), "seconds": TRAIN_SECONDS}
    inputs["samples"] = [list(s) for s in TRAINED_SAMPLES]
    return (Case(inputs, None, label),)


def probe_trained_sample(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    trained = _train_once(learner, inputs)
    texts = [
        _draw(learner, trained["params"], trained["itos"], TRAINED_PREFIX, n, temperature, seed)
        for temperature, n, seed in inputs["samples"]
    ]
    return trained | {"texts": texts}


def judge_trained_sample(case: Case, got: dict[str, Any]) -> str | None:
    _, held, _ = _held_out()
    problem = _trained_problem(case.label, got, held)
    if problem:
        return problem
    for (temperature, n, _), text in zip(case.inputs["samples"], got["texts"], strict=True):
        label = f"{case.label} (temperature {temperature:g})"
        problem = _sample_problem(
            label, got["params"], got["itos"], TRAINED_PREFIX, text, temperature, n
        )
        if problem:
            return problem
    return None


# ---------------------------------------------------------------- the lesson

LESSON = Lesson(
    number=14,
    exercise_file="14_capstone_exercises.py",
    title="Capstone: your own character-level RNN",
    exercises=(
        Exercise(
            id="14.1",
            title="Loss, gradients and state of one chunk",
            points=4,
            functions=("chunk_loss_and_grads",),
            todo="return the chunk's loss, every parameter's gradient and the final state",
            hint=(
                "Lesson 9's step and its backward, lesson 4's softmax cross-entropy: run the "
                "steps forward keeping what the backward needs, then walk back from the last "
                "step carrying two gradients, one for h and one for c.",
                "Forward, per step: the pre-activations (B, 4H) from the columns of W_ih for "
                "the characters read plus the recurrent part and the biases, the gates in the "
                "order i, f, g, o, then c, h and the logits (B, V); keep them all. The loss is "
                "the mean over all T * B predictions, which scales the logits' gradient. "
                "Backward, from the last step: the gradient reaching h_t comes from its logits "
                "and from step t+1, and c_t's from step t+1; one step's backward gives a (B, 4H) "
                "gradient that feeds W_hh, the columns of W_ih of the characters read (repeated "
                "ones add up) and the biases, and the two gradients carried to step t-1.",
                "Worked answer: lesson 9's lstm_step_backward inside a loop from the last step "
                "to the first, with dh_t = dlogits[t] @ W_out + dh_carried and dc_t = "
                "dc_carried; add every step's dW_ih, dW_hh, db into running totals "
                "(db goes to both b_ih and b_hh); the read-out's gradients are "
                "dW_out = sum_t dlogits[t].T @ h_t and db_out = sum_t dlogits[t].sum(0); "
                "return (loss, grads, (h_T, c_T)).",
            ),
            checks=(
                Check(
                    "loss, state and every gradient match central differences",
                    _chunk_cases,
                    probe_chunk,
                    judge_chunk,
                ),
            ),
            timeout=20.0,
            forbidden=FORBIDDEN,
        ),
        Exercise(
            id="14.2",
            title="Sampling from your model with temperature",
            points=3,
            functions=("sample",),
            todo="feed the prefix, then draw n characters one at a time from the model",
            hint=(
                "Lesson 11, 'Sampling with temperature': run the prefix through the model to "
                "get a state, then repeat: logits of the last character, divide by the "
                "temperature, softmax, draw with rng, feed the drawn character back in.",
                "Keep (h, c) between draws, each step reading only the character just drawn "
                "(one-hot row of W_ih.T); temperature 0 is argmax; rng.choice(V, p=p) draws "
                "one id; join itos[id] of the n draws (without the prefix).",
                "Worked answer: h = c = zeros((1, H)); for ch in prefix: h, c = step(stoi[ch], "
                "h, c). Then n times: z = (h @ W_out.T + b_out)[0]; if temperature == 0: "
                "k = argmax(z) else: q = exp((z - z.max()) / temperature); k = rng.choice(V, "
                "p=q / q.sum()); out.append(itos[k]); h, c = step(k, h, c).",
            ),
            checks=(
                Check(
                    "the draws fit softmax(logits / temperature) of the model, reproducibly",
                    _sample_cases,
                    probe_sample,
                    judge_sample,
                ),
            ),
            timeout=30.0,
            forbidden=FORBIDDEN,
        ),
        Exercise(
            id="14.3",
            title="Train your character model",
            points=5,
            functions=("train_char_rnn",),
            todo="train the model on text within the time budget; return (params, itos)",
            hint=(
                "Lesson 11's training loop, with your own pieces: chunks of consecutive "
                "characters from several streams (11.1), the loss and gradients of a chunk "
                "(14.1), clipping (8.2), an Adam step (6.2), the state carried between chunks.",
                "About 64 hidden units, 16 streams of 32 steps, Adam with lr = 0.01 and clipping "
                "at norm 5 reach the target in well under a minute; start the forget-gate bias "
                "at 1 (9.4) and the weights uniform in ±1/sqrt(H). The state returned by one "
                "chunk is the next chunk's h0, c0: numpy arrays carry no graph, so nothing "
                "flows back across chunks.",
                "Worked answer: itos = sorted(set(text)); streams = ids[:N * B].reshape(B, N).T; "
                "loop while time is left: x, y = streams[p:p+T], streams[p+1:p+T+1]; loss, g, "
                "(h, c) = chunk_loss_and_grads(params, x, y, h, c); scale every g by "
                "min(1, 5 / total_norm); Adam update of every parameter; p += T (wrap to 0 and "
                "reset h, c to zeros at the end); return (params, itos).",
            ),
            checks=(
                Check(
                    f"held-out loss below {TARGET_NATS:g} nats/char, scored by the grader",
                    _train_cases,
                    probe_train,
                    judge_train,
                ),
                Check(
                    "your sampler's draws from your trained weights fit them",
                    _trained_sample_cases,
                    probe_trained_sample,
                    judge_trained_sample,
                ),
            ),
            timeout=TRAIN_SECONDS + 60.0,
            forbidden=FORBIDDEN,
        ),
    ),
)
