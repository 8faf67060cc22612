"""Checks for lesson 11, generating text (``lessons/11_text_generation_exercises.py``).

References: :class:`tinygrad_rnn.data.CharVocab` for 11.1's ids,
:func:`tinygrad_rnn.generate.batch_streams` for its chunks; the softmax probabilities for
11.2, judged statistically (a few thousand seeded draws per case, each frequency within
five standard errors of its probability) plus a reproducibility check (the same seed must
give the same draws); ``cross_entropy`` in float64 for 11.3; for 11.4 the held-out loss of
the learner's trained model, measured with :func:`tinygrad_rnn.generate.evaluate_nll`, must
be below a fixed target that lesson 0's bigram model does not reach, within a budget of
training steps the probe counts (calls of ``Tensor.backward``): a count, not a clock, so that
the result does not depend on how loaded the machine is.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np

from tinygrad_rnn.grading.arrays import array_problem
from tinygrad_rnn.grading.calls import call
from tinygrad_rnn.grading.checks import close, value_message
from tinygrad_rnn.grading.probes import WrongType, describe
from tinygrad_rnn.grading.registry import Case, Check, Exercise, Lesson
from tinygrad_rnn.grading.seeding import case_rng, cases

# ---------------------------------------------------------------- 11.1 encode / decode / batches

TEXTS = ("hello, world", "abcab\nba", "the zen of python")


@cases
def _codec_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.data.text import CharVocab

    cases = []
    for text in TEXTS:
        vocab = CharVocab.from_text(text + "xyz")  # ids that are not just first-appearance order
        label = f"encode({text!r}, itos) and decode back"
        cases.append(Case({"text": text, "itos": vocab.itos}, vocab.encode(text), label))
    return tuple(cases)


def probe_codec(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    ids = learner.encode(inputs["text"], list(inputs["itos"]))
    if not isinstance(ids, list | tuple | np.ndarray):
        raise WrongType(f"encode should return a list of ints, got {describe(ids)}")
    ids = [int(i) for i in ids]
    back = learner.decode(list(ids), list(inputs["itos"]))
    if not isinstance(back, str):
        raise WrongType(f"decode should return a str, got {describe(back)}")
    return {"ids": ids, "back": back}


def judge_codec(case: Case, got: dict[str, Any]) -> str | None:
    if got["ids"] != case.expected:
        return value_message(case.label, case.expected, got["ids"], "the ids from encode")
    if got["back"] != case.inputs["text"]:
        return value_message(case.label, case.inputs["text"], got["back"], "decode(encode(text))")
    return None


#: (length of the id sequence, batch_size, seq_len)
BATCH_SHAPES = ((12, 2, 2), (50, 3, 4), (101, 4, 5), (64, 1, 7), (40, 5, 3))


@cases
def _batch_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.generate import batch_streams

    rng = case_rng(1101)
    cases = []
    for length, batch, seq_len in BATCH_SHAPES:
        ids = rng.integers(0, 30, length)
        streams = batch_streams(ids, batch)  # (N, B)
        pairs = []
        for pos in range(0, len(streams) - seq_len, seq_len):
            pairs.append((streams[pos : pos + seq_len], streams[pos + 1 : pos + seq_len + 1]))
        label = f"lm_batches(ids of length {length}, batch_size={batch}, seq_len={seq_len})"
        inputs = {"ids": ids.tolist(), "batch_size": batch, "seq_len": seq_len}
        cases.append(Case(inputs, pairs, label))
    return tuple(cases)


def probe_lm_batches(learner: ModuleType, inputs: dict[str, Any]) -> list[list[Any]]:
    pairs = learner.lm_batches(
        np.array(inputs["ids"], dtype=np.int64), inputs["batch_size"], inputs["seq_len"]
    )
    if not isinstance(pairs, list | tuple):
        raise WrongType(f"lm_batches should return a list of (x, y) pairs, got {describe(pairs)}")
    out = []
    for k, pair in enumerate(pairs):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise WrongType(f"lm_batches: item {k} should be a pair (x, y), got {describe(pair)}")
        out.append([np.asarray(pair[0]).astype(np.float64), np.asarray(pair[1]).astype(np.float64)])
    return out


def judge_lm_batches(case: Case, got: list[list[Any]]) -> str | None:
    want = case.expected
    if len(got) != len(want):
        return value_message(case.label, f"{len(want)} pairs", f"{len(got)} pairs")
    for k, ((x_want, y_want), (x_got, y_got)) in enumerate(zip(want, got, strict=True)):
        if x_got.shape == x_want.shape and np.array_equal(x_got, y_got):
            return (
                f"{case.label}: in pair {k} the target equals the input; y must be x moved by one"
            )
        for name, w, g in (("x", x_want, x_got), ("y", y_want, y_got)):
            problem = array_problem(f"{case.label}, pair {k}", name, w.astype(np.float64), g)
            if problem:
                return problem
    return None


# ---------------------------------------------------------------- 11.2 sample_with_temperature

DRAWS = 3000
#: (logits, temperature): small and large logits, sharp and flat temperatures
SAMPLE_CASES = (
    ([2.0, 1.0, 0.0, -1.0], 1.0),
    ([2.0, 1.0, 0.0, -1.0], 0.5),
    ([2.0, 1.0, 0.0, -1.0], 2.0),
    ([0.3, -0.2, 0.1, 0.0, 0.5, -1.0], 1.5),
    ([1000.0, 999.0, 998.0], 1.0),  # exp(1000) overflows unless the max is subtracted
    ([1.0, 4.0, 2.0], 0.0),  # greedy
)


def _softmax(z: np.ndarray) -> np.ndarray:
    p = np.exp(z - z.max())
    return p / p.sum()


@cases
def _sample_cases() -> tuple[Case, ...]:
    cases = []
    for k, (logits, tau) in enumerate(SAMPLE_CASES):
        z = np.array(logits)
        if tau == 0:
            expected = np.eye(len(z))[int(np.argmax(z))]
        else:
            expected = _softmax(z / tau)
        label = f"sample_with_temperature({logits}, temperature={tau}, rng)"
        cases.append(
            Case({"logits": logits, "temperature": tau, "seed": 1100 + k}, expected, label)
        )
    return tuple(cases)


def probe_sample(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    logits = np.array(inputs["logits"], dtype=np.float64)
    runs = []
    for _ in range(2):  # the same seed twice: the draws must repeat
        rng = np.random.default_rng(inputs["seed"])
        draws = []
        for _ in range(DRAWS if not runs else 50):
            i = learner.sample_with_temperature(logits.copy(), inputs["temperature"], rng)
            if isinstance(i, bool) or not isinstance(i, int | np.integer):
                raise WrongType(f"sample_with_temperature should return an int, got {describe(i)}")
            draws.append(int(i))
        runs.append(draws)
    return {"draws": runs[0], "repeat": runs[1]}


def judge_sample(case: Case, got: dict[str, Any]) -> str | None:
    p = case.expected
    draws = np.array(got["draws"])
    if draws.min() < 0 or draws.max() >= len(p):
        return f"{case.label}: returned {int(draws.max())}, outside 0..{len(p) - 1}"
    if got["repeat"] != got["draws"][:50]:
        return (
            f"{case.label}: two runs with generators of the same seed gave different draws; "
            "draw with the rng you are given, not np.random or random"
        )
    freq = np.bincount(draws, minlength=len(p)) / len(draws)
    allowed = 5 * np.sqrt(p * (1 - p) / len(draws)) + 1e-3
    bad = np.abs(freq - p) > allowed
    if bad.any():
        j = int(np.argmax(bad))
        return (
            f"{case.label}: over {len(draws)} draws, id {j} came up with frequency "
            f"{freq[j]:.3f}; softmax(logits / temperature) gives it probability {p[j]:.3f} "
            f"(all frequencies: {np.round(freq, 3).tolist()}, probabilities: "
            f"{np.round(p, 3).tolist()})"
        )
    return None


# ---------------------------------------------------------------- 11.3 nll_and_perplexity

#: (N, V, logit scale)
NLL_SHAPES = ((3, 4, 0.0), (5, 7, 1.0), (10, 3, 3.0), (4, 30, 2.0), (6, 5, 400.0))


@cases
def _nll_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.nn.functional import cross_entropy
    from tinygrad_rnn.tensor import Tensor

    rng = case_rng(1103)
    cases = []
    for n, v, scale in NLL_SHAPES:
        logits = (rng.standard_normal((n, v)) * scale).round(4)
        targets = rng.integers(0, v, n)
        nll = float(cross_entropy(Tensor(logits, dtype=np.float64), targets).item())
        label = (
            f"nll_and_perplexity(logits {logits.shape} of scale {scale}, targets {targets.shape})"
        )
        inputs = {"logits": logits.tolist(), "targets": targets.tolist()}
        cases.append(Case(inputs, {"nll": nll, "perplexity": math.exp(nll)}, label))
    return tuple(cases)


def _in_bits(case: Case, got: dict[str, float]) -> str | None:
    nll, got_nll = case.expected["nll"], got["nll"]
    if not close(got_nll, nll, 1e-9, 1e-12) and close(got_nll, nll / math.log(2), 1e-9, 1e-12):
        return value_message(
            case.label, nll, got_nll, "that is bits: use the natural logarithm (nats)"
        )
    return None


# ---------------------------------------------------------------- 11.4 train_language_model

TARGET_NLL = 1.0
#: the budget of training steps (backward passes); the reference (Adam, lr 0.02, 64 hidden
#: units) is near 0.5 nats/char after 100 of them and below the target after 50
TRAIN_STEPS = 200


@cases
def _train_cases() -> tuple[Case, ...]:
    from tinygrad_rnn.bigram import bigram_counts, bigram_probs, mean_nll
    from tinygrad_rnn.data.text import CharVocab, grammar_text

    train, held = grammar_text(600, seed=0), grammar_text(60, seed=1101)
    vocab = CharVocab.from_text(train + held)
    bigram = mean_nll(held, bigram_probs(bigram_counts(train, vocab)), vocab)
    label = (
        f"train_language_model(grammar_text(600, seed=0), steps={TRAIN_STEPS}), "
        "scored on held-out grammar sentences"
    )
    inputs = {"n_train": 600, "seed_train": 0, "n_held": 60, "seed_held": 1101}
    inputs |= {"steps": TRAIN_STEPS}
    return (Case(inputs, {"target": TARGET_NLL, "bigram": bigram}, label),)


def probe_train(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    """Train the learner's model and send back its weights, not a score.

    The held-out loss is computed by :func:`judge_train` in the grader's own process, from a
    fresh ``CharLM`` loaded with these weights: code in the learner's process (which could
    replace ``evaluate_nll`` or read the targets off the stack) never sees the held-out text
    being scored. It also counts the training steps: every call of ``Tensor.backward`` while
    the learner's function runs.
    """
    from tinygrad_rnn.data.text import grammar_text
    from tinygrad_rnn.generate import CharLM
    from tinygrad_rnn.tensor import Tensor

    train = grammar_text(inputs["n_train"], seed=inputs["seed_train"])
    backward, calls = Tensor.backward, [0]

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return backward(self, *args, **kwargs)

    Tensor.backward = counted
    try:
        result = learner.train_language_model(train, inputs["steps"])
    finally:
        Tensor.backward = backward
    if not isinstance(result, tuple | list) or len(result) != 2:
        raise WrongType(
            f"train_language_model should return (model, vocab), got {describe(result)}"
        )
    model, vocab = result
    itos = getattr(vocab, "itos", None)
    if not isinstance(model, CharLM) or not isinstance(itos, list):
        raise WrongType(
            "train_language_model should return (model, vocab): a CharLM and a CharVocab, "
            f"got ({describe(model)}, {describe(vocab)})"
        )
    return {
        "cell": model.cell,
        "embed_dim": int(model.embed.weight.shape[1]),
        "hidden_size": int(model.rnn.hidden_size),
        "num_layers": int(model.rnn.num_layers),
        "state": model.state_dict(),
        "itos": list(itos),
        "unknown": getattr(vocab, "unknown", None),
        "steps": calls[0],
    }


def _held_out_nll(case: Case, got: dict[str, Any]) -> float:
    """Score the returned weights on the held-out text, here in the grader's process."""
    from tinygrad_rnn.data.text import CharVocab, grammar_text
    from tinygrad_rnn.generate import CharLM, evaluate_nll

    itos = got["itos"]
    vocab = CharVocab(itos, unknown=got["unknown"])
    vocab.itos, vocab.stoi = list(itos), {ch: i for i, ch in enumerate(itos)}  # its order
    state = got["state"]
    model = CharLM(
        len(itos),
        int(got["embed_dim"]),
        int(got["hidden_size"]),
        cell=str(got["cell"]),
        num_layers=int(got["num_layers"]),
        dtype=np.asarray(state["embed.weight"]).dtype,
    )
    model.load_state_dict(state)
    held = grammar_text(case.inputs["n_held"], seed=case.inputs["seed_held"])
    return evaluate_nll(model, vocab, held)


def judge_train(case: Case, got: dict[str, Any]) -> str | None:
    target, bigram = case.expected["target"], case.expected["bigram"]
    budget = case.inputs["steps"]
    if got["steps"] > budget:
        return (
            f"{case.label}: training called backward() {got['steps']} times; the budget is "
            f"{budget} training steps, one backward() each"
        )
    try:
        nll = _held_out_nll(case, got)
    except (ValueError, KeyError, TypeError) as exc:
        return (
            f"{case.label}: scoring the returned model failed: {type(exc).__name__}: {exc}; "
            "return the CharLM you trained and the CharVocab it was trained with"
        )
    if not math.isfinite(nll) or nll >= target:
        return (
            f"{case.label}: held-out loss {nll:.3f} nats/char after {got['steps']} training "
            "steps; "
            f"the target is below {target} (the bigram model scores {bigram:.2f}, a uniform "
            "guess ln V)"
        )
    return None


# ---------------------------------------------------------------- 11.5 generate_text

GEN_ITOS = ["\n", " ", ".", "a", "d", "e", "o", "s", "t"]
GEN_PROMPT = "a dose "
#: (cell, seed, temperature, n)
GEN_CASES = (("lstm", 1151, 1.0, 250), ("gru", 1152, 0.6, 250), ("lstm", 1153, 1.8, 250))
GEN_CASES += (("lstm", 1154, 0.0, 40),)


def _gen_model(cell: str, seed: int) -> Any:
    """A small CharLM whose next character depends strongly on its state (scaled weights)."""
    from tinygrad_rnn.generate import CharLM

    model = CharLM(len(GEN_ITOS), 6, 10, cell=cell, rng=seed, dtype=np.float64)
    scales = {"embed": 3.0, "rnn": 2.0, "head": 6.0}
    state = {k: np.asarray(v) * scales[k.split(".")[0]] for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    return model


def _gen_logits(model: Any, ids: list[int], carry: bool = True) -> np.ndarray:
    """The logits ``(len(ids), V)`` after each id, with the state carried (or not)."""
    from tinygrad_rnn.tensor import no_grad

    with no_grad():
        if carry:
            return np.asarray(model(np.array(ids)[:, None])[0].data[:, 0], dtype=np.float64)
        rows = [model(np.array([[i]]))[0].data[0, 0] for i in ids]
    return np.asarray(rows, dtype=np.float64)


def _gen_greedy(model: Any, prompt_ids: list[int], n: int, carry: bool = True) -> list[int]:
    ids = list(prompt_ids)
    for _ in range(n):
        logits = _gen_logits(model, ids if carry else ids[-1:])
        ids.append(int(np.argmax(logits[-1])))
    return ids[len(prompt_ids) :]


@cases
def _gen_cases() -> tuple[Case, ...]:
    stoi = {ch: i for i, ch in enumerate(GEN_ITOS)}
    prompt = [stoi[ch] for ch in GEN_PROMPT]
    cases = []
    for cell, seed, temperature, n in GEN_CASES:
        model = _gen_model(cell, seed)
        expected = {"greedy": "".join(GEN_ITOS[i] for i in _gen_greedy(model, prompt, n))}
        expected["greedy_no_carry"] = "".join(
            GEN_ITOS[i] for i in _gen_greedy(model, prompt, n, carry=False)
        )
        label = (
            f"generate_text(a small {cell.upper()} CharLM, itos {''.join(GEN_ITOS)!r}, "
            f"{GEN_PROMPT!r}, n = {n}, temperature = {temperature:g}, rng)"
        )
        inputs = {"cell": cell, "seed": seed, "temperature": temperature, "n": n}
        cases.append(Case(inputs, expected, label))
    return tuple(cases)


def probe_gen(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    texts, model = [], _gen_model(inputs["cell"], inputs["seed"])
    for seed in (inputs["seed"], inputs["seed"], inputs["seed"] + 1000):
        rng = np.random.default_rng(seed)
        text = learner.generate_text(
            model, list(GEN_ITOS), GEN_PROMPT, inputs["n"], inputs["temperature"], rng
        )
        if not isinstance(text, str):
            raise WrongType(f"generate_text should return a str, got {describe(text)}")
        texts.append(text)
    return {"first": texts[0], "again": texts[1], "other": texts[2]}


def judge_gen(case: Case, got: dict[str, Any]) -> str | None:
    from tinygrad_rnn.grading.lesson14 import surprise_z

    n, temperature, text = case.inputs["n"], case.inputs["temperature"], got["first"]
    if len(text) != n:
        return f"{case.label}: asked for {n} new characters, got {len(text)} (leave the prompt out)"
    strange = sorted(set(text) - set(GEN_ITOS))
    if strange:
        return f"{case.label}: the text holds characters that are not in itos: {strange!r}"
    if temperature == 0:
        if text == case.expected["greedy"]:
            return None
        if text == case.expected["greedy_no_carry"]:
            return (
                f"{case.label}: each character was read from a fresh state: pass the state "
                "the model returned back into the next call, so that it remembers the text"
            )
        return value_message(
            case.label,
            case.expected["greedy"],
            text,
            "temperature 0 means greedy: always the most likely id",
        )
    stoi = {ch: i for i, ch in enumerate(GEN_ITOS)}
    ids = [stoi[ch] for ch in GEN_PROMPT + text]
    model = _gen_model(case.inputs["cell"], case.inputs["seed"])
    start = len(GEN_PROMPT) - 1
    drawn = np.array(ids[len(GEN_PROMPT) :])
    z = surprise_z(_gen_logits(model, ids[:-1])[start:], drawn, temperature)
    if abs(z) > 4.5:
        fits = [
            (
                "with the state dropped between characters (not carried)",
                _gen_logits(model, ids[:-1], carry=False)[start:],
                temperature,
            ),
        ]
        if temperature != 1.0:
            rows = _gen_logits(model, ids[:-1])[start:]
            fits += [("at temperature 1 (is the temperature passed on?)", rows, 1.0)]
        scored = sorted((abs(surprise_z(rows, drawn, tau)), why) for why, rows, tau in fits)
        better = [why for score, why in scored if score <= 4.5]
        if text == case.expected["greedy"]:
            why = "it is the greedy text (always the most likely character): draw with rng"
        elif better:
            why = f"it fits draws {better[0]}"
        else:
            why = (
                "each draw should come from the model's logits after the text so far, "
                "divided by the temperature"
            )
        return (
            f"{case.label}: these characters did not come from softmax(logits / "
            f"{temperature:g}) of this model (surprise score z = {z:.1f}; honest draws stay "
            f"within ±4.5): {why}"
        )
    if got["again"] != text:
        return (
            f"{case.label}: two calls with generators of the same seed gave different text: "
            "draw with the rng you are given"
        )
    if got["other"] == text:
        return f"{case.label}: generators of different seeds gave the same text: use the rng"
    return None


# ---------------------------------------------------------------- the lesson

LESSON = Lesson(
    number=11,
    exercise_file="11_text_generation_exercises.py",
    exercises=(
        Exercise(
            id="11.1",
            title="Ids and shifted training chunks",
            points=2,
            functions=("encode", "decode", "lm_batches"),
            todo=(
                "return the id of each character of text",
                "return the text the ids stand for",
                "return the list of (x, y) chunks, each (T, B), y one step ahead of x",
            ),
            hint=(
                (
                    "A vocabulary maps characters to ids and back. For training, the long id "
                    "sequence is cut into B parallel streams read T steps at a time; the target"
                    " is the same stream one character later. See 'From text to numbers' and "
                    "'Truncated backpropagation through time' in lesson 11."
                ),
                (
                    "encode: each character's id is its index in itos (build a dict once). "
                    "decode: join the characters of the ids. lm_batches: each stream gets N = "
                    "len(ids) // B consecutive ids; the B streams stand side by side as the "
                    "columns of an (N, B) array. Chunks start at rows 0, T, 2T, ...: x is T "
                    "rows, y the T rows one later, so a chunk needs T + 1 rows to fit."
                ),
                (
                    "stoi = {ch: i for i, ch in enumerate(itos)}; encode: [stoi[ch] for ch in "
                    "text]\n"
                    "decode: ''.join(itos[i] for i in ids)\n"
                    "n = len(ids) // B; streams = ids[:n * B].reshape(B, n).T; pairs, pos = [],"
                    " 0\n"
                    "while pos + T + 1 <= n:\n"
                    "    pairs.append((streams[pos:pos + T], streams[pos + 1:pos + T + 1])); "
                    "pos += T\n"
                    "return pairs"
                ),
            ),
            forbidden=(
                "tinygrad_rnn.data.text.CharVocab.encode",
                "tinygrad_rnn.data.text.CharVocab.decode",
                "tinygrad_rnn.generate.batch_streams",
            ),
            rule="write the encoding and the batching yourself",
            checks=(
                Check("encode and decode", _codec_cases, probe_codec, judge_codec),
                Check(
                    "chunks match generate.batch_streams",
                    _batch_cases,
                    probe_lm_batches,
                    judge_lm_batches,
                ),
            ),
        ),
        Exercise(
            id="11.2",
            title="Sampling with temperature",
            points=2,
            functions=("sample_with_temperature",),
            todo="return one class id drawn from the tempered softmax of logits",
            hint=(
                (
                    "Temperature divides the logits before the softmax: below 1 it sharpens the"
                    " distribution, above 1 it flattens it, and 0 means always the most likely "
                    "id. See 'Sampling with temperature' in lesson 11."
                ),
                (
                    "Temperature 0: the index of the largest logit. Otherwise divide the logits"
                    " by the temperature, subtract the maximum before exp (large logits "
                    "overflow), normalise to probabilities and draw one index with the rng you "
                    "were given (the grader seeds it), not numpy's global one."
                ),
                (
                    "if temperature == 0: return int(np.argmax(logits))\n"
                    "z = logits / temperature; p = np.exp(z - z.max()); p /= p.sum()\n"
                    "return int(rng.choice(len(p), p=p))"
                ),
            ),
            forbidden=("tinygrad_rnn.generate.sample_index", "tinygrad_rnn.generate.sample"),
            rule="write the sampler yourself",
            checks=(
                Check(
                    "draw frequencies match softmax(logits / T), reproducibly",
                    _sample_cases,
                    probe_sample,
                    judge_sample,
                ),
            ),
            timeout=20.0,
        ),
        Exercise(
            id="11.3",
            title="Nats per character and perplexity",
            points=2,
            functions=("nll_and_perplexity",),
            todo="return (mean nats per character, perplexity)",
            hint=(
                (
                    "The loss per character is the cross-entropy: minus the log-softmax of the "
                    "logits at the target, in nats. Perplexity is e to the mean loss, the "
                    "number of equally likely choices the model is as unsure as. See 'The loss:"
                    " nats per character, and perplexity' in lesson 11."
                ),
                (
                    "For each row of logits (N, V): its log-sum-exp, computed stably by "
                    "subtracting the row maximum, minus the logit at its target. Average over "
                    "the N rows. The perplexity is the exponential of that mean (not of each "
                    "row)."
                ),
                (
                    "m = logits.max(axis=1, keepdims=True)\n"
                    "lse = (m + np.log(np.exp(logits - m).sum(axis=1, keepdims=True)))[:, 0]\n"
                    "nll = float(np.mean(lse - logits[np.arange(len(targets)), targets]))\n"
                    "return nll, float(np.exp(nll))"
                ),
            ),
            forbidden=(
                "tinygrad_rnn.nn.functional.cross_entropy",
                "tinygrad_rnn.nn.functional.log_softmax",
                "tinygrad_rnn.generate.perplexity",
            ),
            rule="compute the loss yourself",
            checks=(
                call(
                    "matches cross_entropy in float64",
                    _nll_cases,
                    "nll_and_perplexity",
                    ("logits", "targets:ints"),
                    returns=("nll:number", "perplexity:number"),
                    what={
                        "nll": "the mean NLL in nats",
                        "perplexity": "the perplexity, exp(mean NLL)",
                    },
                    diagnose=_in_bits,
                ),
            ),
        ),
        Exercise(
            id="11.4",
            title="Train a character model to a target loss",
            points=3,
            functions=("train_language_model",),
            todo="return (model, vocab) trained on text in at most the given number of steps",
            hint=(
                (
                    "Assemble the pieces of lesson 11: a vocabulary, a character model, chunks "
                    "of the text, the loss, backward and an optimiser step, repeated for the "
                    "number of steps you are given. See 'Training: the loss curve, against the "
                    "bigram model' in lesson 11."
                ),
                (
                    "Build a CharVocab from the text and a CharLM over it. Loop steps times "
                    "(one backward each): take the next (x, y) chunk, run the model carrying "
                    "its state (detached between chunks), take the cross-entropy, clear the "
                    "gradients, backward, clip, and step Adam with a learning rate around 1e-2."
                ),
                (
                    "vocab = CharVocab.from_text(text); model = CharLM(len(vocab), ...); "
                    "opt = Adam(model.parameters(), lr=1e-2); state = None\n"
                    "for k in range(steps):\n"
                    "    x, y = chunks[k % len(chunks)]; logits, state = model(x, state)\n"
                    "    loss = cross_entropy(logits, y); opt.zero_grad(); loss.backward(); "
                    "opt.step()\n"
                    "    state = detach_state(state)\n"
                    "return model, vocab"
                ),
            ),
            forbidden=("tinygrad_rnn.generate.train_char_lm",),
            rule="write the training loop yourself",
            checks=(
                Check(
                    f"held-out loss below {TARGET_NLL} nats/char",
                    _train_cases,
                    probe_train,
                    judge_train,
                ),
            ),
            timeout=90.0,
        ),
        Exercise(
            id="11.5",
            title="Sampling text from a model, with temperature",
            points=2,
            functions=("generate_text",),
            todo="return n new characters drawn one at a time from the model after the prompt",
            hint=(
                "Lesson 11, 'Sampling with temperature': the model reads the prompt once, then "
                "each new character is drawn from the logits of the last step and fed back in, "
                "with the state the model returned, so that it remembers what it wrote.",
                "Run the model once on the whole prompt, as ids of shape (T, 1), and keep the "
                "state it returns. Then n times: draw an id from the last row of the logits "
                "with your sample_with_temperature, keep its character, and let the model read "
                "only that id, shape (1, 1), from the state it gave you last.",
                "Worked answer: stoi = {ch: i for i, ch in enumerate(itos)}; logits, state = "
                "model(np.array([[stoi[ch]] for ch in prompt])); out = []; for _ in range(n): "
                "k = sample_with_temperature(logits.data[-1, 0], temperature, rng); "
                "out.append(itos[k]); logits, state = model(np.array([[k]]), state); return "
                "''.join(out).",
            ),
            checks=(
                Check(
                    "the text fits softmax(logits / temperature) of the model, reproducibly",
                    _gen_cases,
                    probe_gen,
                    judge_gen,
                ),
            ),
            timeout=60.0,
            forbidden=("tinygrad_rnn.generate.sample", "tinygrad_rnn.generate.sample_index"),
        ),
    ),
)
