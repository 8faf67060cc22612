r"""Checks for lesson 13, attention (``lessons/13_attention_exercises.py``).

References, all in float64 in the grader's process:

* 13.1: :func:`tinygrad_rnn.nn.attention.additive_attention` for the forward pass; for the
  gradient, central differences of :math:`L = \sum g \odot c` through that same function
  (keys are also the values). Autograd on a copy with separate values splits the keys'
  gradient into its two paths, so a judge can say which one is missing.
* 13.2: the definition in numpy (scores of padded positions set to :math:`-\infty` before a
  stable softmax), with the two classic mistakes computed for the diagnosis.
* 13.3: an exhaustive search over every string of a tiny vocabulary: each returned score
  must be the string's true log-probability under the model, and when the beam is wide
  enough to be exact the returned list must be the exhaustive top ``width``; narrower beams
  are compared with a beam search run here. The model is a small tanh recurrence with a
  softmax read-out, built on both sides from weights sent as plain lists.
* 13.4: ``nn.RNN(..., bidirectional=True)`` of the library with the same weights.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from tinygrad_rnn.grading.arrays import array_problem, as_array
from tinygrad_rnn.grading.calls import as_tuple, call
from tinygrad_rnn.grading.checks import fmt
from tinygrad_rnn.grading.probes import WrongType, describe
from tinygrad_rnn.grading.registry import Case, Check, Exercise, Lesson
from tinygrad_rnn.grading.seeding import case_rng, cases

__all__ = ["LESSON", "make_step", "make_layer"]

GRAD_NAMES = ("query", "keys", "w_query", "w_key", "w_score")


def _t(a: Any):
    from tinygrad_rnn.tensor import Tensor

    return Tensor(np.asarray(a, dtype=np.float64), dtype=np.float64)


def _library_attention(query, keys, w_query, w_key, w_score) -> tuple[np.ndarray, np.ndarray]:
    from tinygrad_rnn.nn.attention import additive_attention
    from tinygrad_rnn.tensor import no_grad

    with no_grad():
        context, weights = additive_attention(
            _t(query), _t(keys), _t(keys), _t(w_query), _t(w_key), _t(w_score)
        )
    return context.data, weights.data


# ---------------------------------------------------------------- 13.1 additive attention

#: (B, S, Dq, Dk, A, scale): sizes all different so that a transpose shows; one long
#: position axis of 1; one with large scores (an unstable softmax overflows there)
ATTENTION_SHAPES = (
    (2, 5, 3, 2, 4, 1.0),
    (1, 3, 2, 4, 5, 1.0),
    (3, 4, 4, 3, 6, 1.0),
    (2, 1, 3, 2, 2, 1.0),
    (2, 6, 2, 3, 3, 40.0),
)


def _attention_inputs(rng: np.random.Generator, shape) -> dict[str, np.ndarray]:
    batch, n_pos, d_q, d_k, size, scale = shape
    return {
        "query": rng.standard_normal((batch, d_q)).round(4),
        "keys": rng.standard_normal((batch, n_pos, d_k)).round(4),
        "w_query": rng.standard_normal((size, d_q)).round(4),
        "w_key": rng.standard_normal((size, d_k)).round(4),
        "w_score": (rng.standard_normal(size) * scale).round(4),
    }


def _label(inputs: dict[str, Any]) -> str:
    shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in inputs.items() if k != "grad_context")
    return f"additive_attention({shapes})"


@cases
def _forward_cases() -> tuple[Case, ...]:
    rng = case_rng(1301)
    cases = []
    for shape in ATTENTION_SHAPES:
        inputs = _attention_inputs(rng, shape)
        context, weights = _library_attention(**inputs)
        scores = (
            np.tanh(
                (inputs["query"] @ inputs["w_query"].T)[:, None, :]
                + inputs["keys"] @ inputs["w_key"].T
            )
            @ inputs["w_score"]
        )
        wrong_axis = np.exp(scores - scores.max(axis=0, keepdims=True))
        wrong_axis /= wrong_axis.sum(axis=0, keepdims=True)
        expected = {"context": context, "weights": weights, "batch axis": wrong_axis}
        cases.append(Case({k: v.tolist() for k, v in inputs.items()}, expected, _label(inputs)))
    return tuple(cases)


def _batch_axis(case: Case, got: dict[str, np.ndarray]) -> str | None:
    want, weights = case.expected, got["weights"]
    if weights.shape == want["weights"].shape and want["weights"].shape[0] > 1:
        if np.allclose(weights, want["batch axis"], atol=1e-9):
            return (
                f"{case.label}: the softmax ran over the batch axis; it must run over the "
                "input positions (axis 1), so that each sequence's weights sum to 1"
            )
    return None


def _numeric_grads(inputs: dict[str, np.ndarray], grad_context: np.ndarray, h: float = 1e-6):
    """Central differences of sum(grad_context * context) for every input entry."""
    point = {k: v.copy() for k, v in inputs.items()}
    grads = {}
    for name in GRAD_NAMES:
        flat = point[name].reshape(-1)
        out = np.zeros(flat.size)
        for i in range(flat.size):
            saved = flat[i]
            flat[i] = saved + h
            f_plus = np.sum(_library_attention(**point)[0] * grad_context)
            flat[i] = saved - h
            f_minus = np.sum(_library_attention(**point)[0] * grad_context)
            flat[i] = saved
            out[i] = (f_plus - f_minus) / (2 * h)
        grads[name] = out.reshape(point[name].shape)
    return grads


def _key_paths(inputs: dict[str, np.ndarray], grad_context: np.ndarray):
    """The keys' gradient through the scores only, and through the values only (autograd)."""
    from tinygrad_rnn.nn.attention import additive_attention

    keys, values = _t(inputs["keys"]), _t(inputs["keys"])
    keys.requires_grad_(True)
    values.requires_grad_(True)
    context, _ = additive_attention(
        _t(inputs["query"]),
        keys,
        values,
        _t(inputs["w_query"]),
        _t(inputs["w_key"]),
        _t(inputs["w_score"]),
    )
    (context * _t(grad_context)).sum().backward()
    return keys.grad, values.grad


@cases
def _gradient_cases() -> tuple[Case, ...]:
    rng = case_rng(1311)
    cases = []
    for shape in ATTENTION_SHAPES[:4]:
        inputs = _attention_inputs(rng, shape)
        grad_context = rng.standard_normal((shape[0], shape[3])).round(4)
        expected = _numeric_grads(inputs, grad_context)
        expected["scores path"], expected["values path"] = _key_paths(inputs, grad_context)
        plain = {k: v.tolist() for k, v in inputs.items()}
        plain["grad_context"] = grad_context.tolist()
        label = _label(inputs).replace("additive_attention", "additive_attention_backward")
        cases.append(Case(plain, expected, label))
    return tuple(cases)


def _one_key_path(case: Case, got: dict[str, np.ndarray]) -> str | None:
    """The keys' gradient with one of its two paths only (the values', or the scores')."""
    want, mine = case.expected, got["keys"]
    if mine.shape != want["keys"].shape or np.allclose(mine, want["keys"], 1e-5, 1e-7):
        return None
    if np.allclose(mine, want["scores path"], rtol=1e-5, atol=1e-7):
        return (
            f"{case.label}: the gradient of keys misses the path through the values: the keys "
            "are also mixed into the context (c = sum_j a_j k_j), and that use adds to their "
            "gradient too"
        )
    if np.allclose(mine, want["values path"], rtol=1e-5, atol=1e-7):
        return (
            f"{case.label}: the gradient of keys has only the path through the values; "
            "the keys also shape the scores (W_k k_j inside the tanh)"
        )
    return None


# ---------------------------------------------------------------- 13.2 masked softmax

#: (B, S, scale, padding): "front" pads like lesson 13's source, "back" like its target
MASK_SHAPES = (
    (2, 5, 1.0, "front"),
    (3, 4, 1.0, "back"),
    (4, 6, 1000.0, "back"),
    (1, 3, 1.0, "none"),
)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@cases
def _mask_cases() -> tuple[Case, ...]:
    rng = case_rng(1302)
    cases = []
    for batch, n_pos, scale, padding in MASK_SHAPES:
        scores = (rng.standard_normal((batch, n_pos)) * scale).round(4)
        lengths = rng.integers(1, n_pos + 1, batch)
        lengths[0] = 1 if padding != "none" else n_pos  # a row with one real position
        if padding == "none":
            lengths[:] = n_pos
        index = np.arange(n_pos)[None, :]
        if padding == "front":
            valid = index >= n_pos - lengths[:, None]
        else:
            valid = index < lengths[:, None]
        expected = {
            "result": _softmax(np.where(valid, scores, -np.inf)),
            "after": _softmax(scores) * valid,
            "zero": _softmax(np.where(valid, scores, 0.0)),
        }
        label = f"masked_softmax(scores {scores.shape}, valid with lengths {lengths.tolist()})"
        cases.append(Case({"scores": scores.tolist(), "valid": valid.tolist()}, expected, label))
    return tuple(cases)


def _mask_mistakes(case: Case, got: np.ndarray) -> str | None:
    want = case.expected
    if got.shape == want["result"].shape and not np.allclose(got, want["result"], atol=1e-12):
        valid = np.array(case.inputs["valid"])
        if not valid.all() and np.allclose(got, want["after"], atol=1e-12):
            return (
                f"{case.label}: the mask was applied after the softmax: the padded weights "
                "are 0 but the others no longer sum to 1; set the padded scores to -inf "
                "before the softmax"
            )
        if not valid.all() and np.allclose(got, want["zero"], atol=1e-12):
            return (
                f"{case.label}: padded positions got a score of 0, which still gives them "
                "weight; give them -inf (weight exactly 0)"
            )
    return None


# ---------------------------------------------------------------- 13.3 beam search


def make_step(weights: dict[str, Any]) -> Callable[[np.ndarray, np.ndarray], tuple]:
    """The tiny model of a case: h' = tanh(h A^T + E[token]), probs = softmax(h' C^T + d)."""
    A = np.array(weights["A"], dtype=np.float64)  # (H, H)
    E = np.array(weights["E"], dtype=np.float64)  # (V, H)
    C = np.array(weights["C"], dtype=np.float64)  # (V, H)
    d = np.array(weights["d"], dtype=np.float64)  # (V,)

    def step(tokens: np.ndarray, states: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        tokens = np.asarray(tokens)
        states = np.asarray(states, dtype=np.float64)
        if tokens.ndim != 1 or states.ndim != 2 or len(tokens) != len(states):
            raise ValueError(
                f"step: give tokens (K,) and states (K, H), one row per beam; got tokens "
                f"{tokens.shape} and states {states.shape}"
            )
        if tokens.dtype.kind not in "iu" or tokens.min() < 0 or tokens.max() >= len(E):
            raise ValueError(f"step: tokens must be integers in 0..{len(E) - 1}, got {tokens}")
        new = np.tanh(states @ A.T + E[tokens])  # (K, H)
        logits = new @ C.T + d
        probs = np.exp(logits - logits.max(axis=1, keepdims=True))
        return probs / probs.sum(axis=1, keepdims=True), new

    return step


def _exhaustive(step, start: np.ndarray, n_steps: int, vocab: int) -> list[tuple[tuple, float]]:
    """Every string of n_steps tokens with its log-probability, best first."""
    strings = np.array(list(itertools.product(range(vocab), repeat=n_steps)))  # (N, n)
    states = np.repeat(start[None], len(strings), axis=0)
    tokens = np.zeros(len(strings), dtype=np.int64)  # the first step reads token 0
    scores = np.zeros(len(strings))
    for t in range(n_steps):
        probs, states = step(tokens, states)
        scores += np.log(probs[np.arange(len(strings)), strings[:, t]])
        tokens = strings[:, t]
    order = np.argsort(-scores, kind="stable")
    return [(tuple(int(v) for v in strings[i]), float(scores[i])) for i in order]


def _beam(step, start: np.ndarray, n_steps: int, width: int, sort: bool = True, logs=True):
    beams: list[tuple[tuple, float]] = [((), 0.0)]
    states = start[None]
    for _ in range(n_steps):
        last = np.array([b[0][-1] if b[0] else 0 for b in beams])
        probs, new = step(last, states)
        candidates = [
            (score + (np.log(probs[k, v]) if logs else probs[k, v]), k, v)
            for k, (_, score) in enumerate(beams)
            for v in range(probs.shape[1])
        ]
        if sort:
            candidates.sort(key=lambda c: -c[0])
        kept = candidates[:width]
        beams = [(beams[k][0] + (v,), s) for s, k, v in kept]
        states = new[[k for _, k, _ in kept]]
    return [(tokens, float(s)) for tokens, s in beams]


#: (V, H, n_steps, width): widths that make the beam exact (>= V^(n-1)) and narrower ones
BEAM_SHAPES = ((3, 4, 4, 2), (4, 3, 3, 3), (2, 3, 3, 8), (3, 2, 3, 9), (2, 2, 5, 1), (4, 3, 2, 16))


@cases
def _beam_cases() -> tuple[Case, ...]:
    rng = case_rng(1303)
    cases = []
    for vocab, hidden, n_steps, width in BEAM_SHAPES:
        weights = {
            "A": (rng.standard_normal((hidden, hidden)) * 0.8).round(4).tolist(),
            "E": rng.standard_normal((vocab, hidden)).round(4).tolist(),
            "C": (rng.standard_normal((vocab, hidden)) * 1.5).round(4).tolist(),
            "d": (rng.standard_normal(vocab) * 0.5).round(4).tolist(),
        }
        start = rng.uniform(-1, 1, hidden).round(4)
        step = make_step(weights)
        every = _exhaustive(step, start, n_steps, vocab)
        exact = width >= vocab ** (n_steps - 1)
        expected = {
            "exact": exact,
            "every": dict(every),
            "right": every[:width] if exact else _beam(step, start, n_steps, width),
            "unsorted": _beam(step, start, n_steps, width, sort=False),
        }
        label = f"beam_search(vocabulary {vocab}, n_steps={n_steps}, width={width})"
        inputs = {"weights": weights, "start": start.tolist(), "n_steps": n_steps, "width": width}
        cases.append(Case(inputs, expected, label))
    return tuple(cases)


def probe_beam(learner: ModuleType, inputs: dict[str, Any]) -> list[list[Any]]:
    step = make_step(inputs["weights"])
    start = np.array(inputs["start"], dtype=np.float64)
    result = learner.beam_search(step, start, inputs["n_steps"], inputs["width"])
    if not isinstance(result, list | tuple):
        raise WrongType(
            f"beam_search should return a list of (tokens, score), got {describe(result)}"
        )
    plain = []
    for item in result:
        tokens, score = as_tuple(item, 2, "each beam", "(tokens, score)")
        try:
            tokens = [int(v) for v in tokens]
            score = float(score)
        except (TypeError, ValueError):
            raise WrongType(
                f"each beam should be (list of ints, float), got {describe(item)}"
            ) from None
        plain.append([tokens, score])
    return plain


def _prob_sum(case: Case, tokens: tuple) -> float:
    """The sum of probabilities (not logs) along one string: the 'no log' mistake."""
    step = make_step(case.inputs["weights"])
    state = np.array(case.inputs["start"], dtype=np.float64)[None]
    total, last = 0.0, 0
    for v in tokens:
        probs, state = step(np.array([last]), state)
        total += probs[0, v]
        last = v
    return total


def judge_beam(case: Case, got: list[list[Any]]) -> str | None:
    want, width = case.expected, case.inputs["width"]
    right = want["right"]
    if len(got) != len(right):
        return f"{case.label}: expected {len(right)} beams, got {len(got)}"
    n_steps = case.inputs["n_steps"]
    for tokens, score in got:
        key = tuple(tokens)
        if key not in want["every"]:
            return f"{case.label}: the beam {tokens} is not a string of {n_steps} valid tokens"
        true = want["every"][key]
        if not np.isclose(score, true, rtol=1e-9, atol=1e-9):
            if np.isclose(score, _prob_sum(case, key), rtol=1e-9, atol=1e-9):
                return (
                    f"{case.label}: the score of {tokens} is a sum of probabilities "
                    f"({fmt(score)}); a string's score is the sum of the log-probabilities "
                    f"of its tokens ({fmt(true)})"
                )
            return (
                f"{case.label}: the score of {tokens} is {fmt(score)}, but its "
                f"log-probability under the model (exhaustive search) is {fmt(true)}"
            )
    got_strings = [tuple(t) for t, _ in got]
    want_strings = [t for t, _ in right]
    if got_strings == want_strings:
        return None
    if sorted(got_strings) == sorted(want_strings):
        return f"{case.label}: the right beams, but not sorted best first (highest score first)"
    if got_strings == [t for t, _ in want["unsorted"]]:
        return (
            f"{case.label}: the beams kept are the first {width} extensions in the order they "
            f"were made, not the {width} best: sort every extension by score before keeping "
            f"{width}"
        )
    source = "exhaustive search" if want["exact"] else "a beam search of this width"
    return (
        f"{case.label}: the best {width} strings should be {[list(t) for t in want_strings]} "
        f"({source}), got {[list(t) for t in got_strings]}"
    )


# ---------------------------------------------------------------- 13.4 bidirectional


def make_layer(weights: dict[str, Any]) -> Callable[[np.ndarray], np.ndarray]:
    """A one-way tanh RNN from zeros: h_t = tanh(x_t W_ih^T + h_{t-1} W_hh^T + b); (T, B, H)."""
    w_ih = np.array(weights["W_ih"], dtype=np.float64)
    w_hh = np.array(weights["W_hh"], dtype=np.float64)
    b = np.array(weights["b"], dtype=np.float64)

    def layer(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 3 or x.shape[2] != w_ih.shape[1]:
            raise ValueError(f"layer: x must be (T, B, {w_ih.shape[1]}), got {x.shape}")
        h = np.zeros((x.shape[1], w_hh.shape[0]))
        hs = []
        for x_t in x:
            h = np.tanh(x_t @ w_ih.T + h @ w_hh.T + b)
            hs.append(h)
        return np.stack(hs)

    return layer


def _library_bidirectional(forward: dict, backward: dict, x: np.ndarray):
    from tinygrad_rnn import nn
    from tinygrad_rnn.tensor import no_grad

    hidden, n_in = np.shape(forward["W_ih"])
    rnn = nn.RNN(n_in, hidden, bidirectional=True, dtype=np.float64)
    state = {}
    for suffix, w in (("", forward), ("_reverse", backward)):
        state[f"weight_ih_l0{suffix}"] = np.array(w["W_ih"])
        state[f"weight_hh_l0{suffix}"] = np.array(w["W_hh"])
        state[f"bias_ih_l0{suffix}"] = np.array(w["b"])
        state[f"bias_hh_l0{suffix}"] = np.zeros(hidden)
    rnn.load_state_dict(state)
    with no_grad():
        out, final = rnn(_t(x))
    return out.data, final.h.data


#: (T, B, I, H)
BIDIRECTIONAL_SHAPES = ((5, 2, 3, 4), (1, 1, 2, 2), (7, 3, 2, 3), (4, 1, 1, 5))


@cases
def _bidirectional_cases() -> tuple[Case, ...]:
    rng = case_rng(1304)
    cases = []
    for n_steps, batch, n_in, hidden in BIDIRECTIONAL_SHAPES:
        layers = [
            {
                "W_ih": rng.standard_normal((hidden, n_in)).round(4).tolist(),
                "W_hh": (rng.standard_normal((hidden, hidden)) * 0.6).round(4).tolist(),
                "b": (rng.standard_normal(hidden) * 0.3).round(4).tolist(),
            }
            for _ in range(2)
        ]
        x = rng.standard_normal((n_steps, batch, n_in)).round(4)
        output, final = _library_bidirectional(*layers, x)
        expected = {
            "output": output,
            "final": final,
            "not re-reversed": make_layer(layers[1])(x[::-1]),
            "read forwards": make_layer(layers[1])(x),
        }
        label = f"bidirectional(forward, backward, x {x.shape}) with H = {hidden}"
        inputs = {"forward": layers[0], "backward": layers[1], "x": x.tolist()}
        cases.append(Case(inputs, expected, label))
    return tuple(cases)


def probe_bidirectional(learner: ModuleType, inputs: dict[str, Any]) -> list[np.ndarray]:
    x = np.array(inputs["x"], dtype=np.float64)
    result = learner.bidirectional(make_layer(inputs["forward"]), make_layer(inputs["backward"]), x)
    output, final = as_tuple(result, 2, "bidirectional", "(output, final)")
    return [as_array(output, "the output"), as_array(final, "the final states")]


def judge_bidirectional(case: Case, got: list[np.ndarray]) -> str | None:
    want = case.expected
    output, final = got
    hidden = want["final"].shape[2]
    if output.shape == want["output"].shape and len(output) > 1:
        reverse_half = output[:, :, hidden:]
        if not np.allclose(reverse_half, want["output"][:, :, hidden:], atol=1e-9):
            if np.allclose(reverse_half, want["not re-reversed"], atol=1e-9):
                return (
                    f"{case.label}: the reverse direction's outputs were not reversed back: "
                    "output[t] must pair the forward state at t with the backward layer's "
                    "state at t (after reading x_T .. x_t), so flip its outputs in time"
                )
            if np.allclose(reverse_half, want["read forwards"], atol=1e-9):
                return (
                    f"{case.label}: the backward layer read x from the first step; give it "
                    "the sequence reversed in time"
                )
    return array_problem(case.label, "the output", want["output"], output) or array_problem(
        case.label, "the final states", want["final"], final
    )


# ---------------------------------------------------------------- the lesson

LESSON = Lesson(
    number=13,
    exercise_file="13_attention_exercises.py",
    title="From the encoder-decoder to attention",
    exercises=(
        Exercise(
            id="13.1",
            title="Additive attention and its gradient",
            points=3,
            functions=("additive_attention", "additive_attention_backward"),
            todo=(
                "softmax of w^T tanh(W_q q + W_k k_j) over positions; context = sum_j a_j k_j",
                "backpropagate through the context, the softmax, the tanh and both products",
            ),
            hint=(
                "Forward: one score per (sequence, position), a softmax across the positions "
                "of each sequence (not across the batch), then a weighted sum of the keys. "
                "Backward: walk the same steps in reverse; the keys get gradient twice, as "
                "values in the context and through the scores.",
                "Recompute hidden (B, S, A), the scores (B, S) and the weights a (B, S). Going "
                "back from g (B, Dk): each weight gets a dot product of g with its key, and "
                "each key a first share a_j g; the softmax's backward (lesson 4, one sequence "
                "at a time) turns the weights' gradient into the scores'; through w and the "
                "tanh's slope it reaches the pre-activation (B, S, A), which feeds W_q and the "
                "query (summed over the positions: q is shared) and W_k and the keys' second "
                "share.",
                "grad keys = a[..., None] * g[:, None] + dpre @ W_k; grad W_k = "
                "einsum('bsa,bsk->ak', dpre, keys); grad q = dpre.sum(1) @ W_q; grad W_q = "
                "dpre.sum(1).T @ q; grad w = einsum('bs,bsa->a', dscores, hidden).",
            ),
            checks=(
                call(
                    "weights and context match the library",
                    _forward_cases,
                    "additive_attention",
                    (),
                    keywords=GRAD_NAMES,
                    returns=("context", "weights"),
                    order=("weights", "context"),
                    what={"context": "the context", "weights": "the weights"},
                    diagnose=_batch_axis,
                ),
                call(
                    "gradients match central differences",
                    _gradient_cases,
                    "additive_attention_backward",
                    (),
                    keywords=(*GRAD_NAMES, "grad_context"),
                    returns=GRAD_NAMES,
                    keyed=True,
                    rtol=1e-5,
                    atol=1e-7,
                    what={k: f"the gradient of {k}" for k in GRAD_NAMES},
                    diagnose=_one_key_path,
                ),
            ),
            timeout=10.0,
            forbidden=(
                "tinygrad_rnn.nn.attention.additive_attention",
                "tinygrad_rnn.nn.attention.AdditiveAttention",
                "tinygrad_rnn.tensor.Tensor.backward",
                "tinygrad_rnn.gradcheck.numerical_grad",
            ),
            rule="compute the attention and its gradient yourself",
        ),
        Exercise(
            id="13.2",
            title="Masking padded positions",
            points=2,
            functions=("masked_softmax",),
            todo="padded scores to -inf, then a stable softmax over each row",
            hint=(
                "A padded position must get weight exactly 0 while the real positions still "
                "sum to 1: decide where in the computation the mask has to act.",
                "Replace the padded scores before the softmax, with a value whose exponential "
                "is 0; then subtract each row's maximum (over the real scores) so that large "
                "scores do not overflow.",
                "s = np.where(valid, scores, -np.inf); e = np.exp(s - s.max(axis=1, "
                "keepdims=True)); return e / e.sum(axis=1, keepdims=True)",
            ),
            checks=(
                call(
                    "padded weights are 0 and each row sums to 1",
                    _mask_cases,
                    "masked_softmax",
                    ("scores", "valid:bools"),
                    what="the weights",
                    atol=1e-12,
                    diagnose=_mask_mistakes,
                ),
            ),
            forbidden=(
                "tinygrad_rnn.nn.attention.scaled_dot_product_attention",
                "tinygrad_rnn.nn.attention.additive_attention",
                "tinygrad_rnn.nn.functional.softmax",
                "tinygrad_rnn.nn.functional.log_softmax",
                "tinygrad_rnn.tensor.Tensor.softmax",
                "tinygrad_rnn.tensor.Tensor.log_softmax",
            ),
            rule="write the masked softmax yourself",
        ),
        Exercise(
            id="13.3",
            title="Beam search",
            points=3,
            functions=("beam_search",),
            todo="keep the width best strings by summed log-probability, extending each step",
            hint=(
                "Keep a list of partial strings with their scores. At each step extend every "
                "one by every token, score each extension, keep the best few, and remember "
                "which beam each came from so its state goes with it.",
                "A string's score is the sum of the logs of its tokens' probabilities. Call "
                "step once per step with the last token and the state of every beam (one row "
                "each; the first call reads token 0 and the start state as one row).",
                "candidates = [(score + np.log(probs[k, v]), k, v) for each beam k and token "
                "v]; sort them best first; keep candidates[:width]; new beams are (tokens of "
                "beam k + [v], score) and states = new_states[[k for each kept]].",
            ),
            checks=(
                Check(
                    "strings and scores agree with an exhaustive search",
                    _beam_cases,
                    probe_beam,
                    judge_beam,
                ),
            ),
        ),
        Exercise(
            id="13.4",
            title="A bidirectional layer from two one-way layers",
            points=2,
            functions=("bidirectional",),
            todo="concatenate forward(x) with backward(x reversed), reversed back, per step",
            hint=(
                "The backward layer must read the sequence from its last step to its first; "
                "its outputs then come out in that order too, and each output step must pair "
                "states that belong to the same time step.",
                "Reverse x along time for the backward layer and reverse its outputs along "
                "time again before concatenating on the feature axis. Its final state is the "
                "one after reading x_1.",
                "ahead = forward(x); behind = backward(x[::-1])[::-1]; output = "
                "np.concatenate([ahead, behind], axis=2); final = np.stack([ahead[-1], "
                "behind[0]]).",
            ),
            checks=(
                Check(
                    "matches nn.RNN(bidirectional=True) with the same weights",
                    _bidirectional_cases,
                    probe_bidirectional,
                    judge_bidirectional,
                ),
            ),
            forbidden=(
                "tinygrad_rnn.nn.recurrent.RNN",
                "tinygrad_rnn.nn.recurrent.GRU",
                "tinygrad_rnn.nn.recurrent.LSTM",
            ),
            rule="build the layer from the two one-way layers yourself",
        ),
    ),
)
