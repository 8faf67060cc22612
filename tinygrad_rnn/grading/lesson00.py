"""Checks for lesson 0, a character bigram model (``lessons/00_generative_ai_exercises.py``).

The reference is :mod:`tinygrad_rnn.bigram`. Texts come from the built-in corpora (the Zen
of Python, the generated grammar) and from seeded random strings; every case is seeded, so
a failure can be reproduced. Tables travel to the learner's process as nested lists and
are turned into numpy arrays there.
"""

from __future__ import annotations

import math
import random
from types import ModuleType
from typing import Any

import numpy as np

from tinygrad_rnn import bigram
from tinygrad_rnn.data.text import CharVocab, grammar_text, zen_of_python
from tinygrad_rnn.grading.checks import close, fmt, shape_message, value_message
from tinygrad_rnn.grading.probes import WrongType, as_number, describe
from tinygrad_rnn.grading.registry import Case, Check, Exercise, Lesson
from tinygrad_rnn.grading.seeding import case_rng, cases


def _random_text(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


@cases
def _texts() -> tuple[tuple[str, str, str], ...]:
    """``(text, vocabulary characters, short name)`` triples shared by the exercises."""
    rng = random.Random(100)
    zen = zen_of_python()
    grammar = grammar_text(12, seed=7)
    out = [
        (zen[:300], "".join(sorted(set(zen))), "the first 300 characters of the Zen"),
        (grammar, "".join(sorted(set(grammar))), "12 grammar sentences"),
        ("abracadabra", "abcdr", "'abracadabra'"),
        ("aaaa", "ab", "'aaaa' (vocabulary 'ab')"),
        ("ba", "abc", "'ba' (vocabulary 'abc')"),
    ]
    for k in range(3):
        alphabet = "xyz \n"[: 3 + k]
        text = _random_text(rng, alphabet, 40 + 20 * k)
        out.append((text, alphabet + "q", f"random text {k} over {alphabet!r} + 'q'"))
    return tuple(out)


def _table(result: Any, where: str) -> np.ndarray:
    """The learner's V x V result as a float array, or a WrongType saying what it was."""
    if isinstance(result, (int, float, str)) or result is None:
        raise WrongType(
            f"{where} should return a V x V table (array or list of lists), got {describe(result)}"
        )
    try:
        table = np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise WrongType(
            f"{where} should return a V x V table of numbers; "
            f"numpy could not read {describe(result)} ({exc})"
        ) from None
    return table


def _shape_error(label: str, what: str, V: int, got: list[int]) -> str | None:
    if got != [V, V]:
        return shape_message(label, what, f"({V}, {V}) for a vocabulary of {V}", tuple(got))
    return None


def _pair_name(chars: str, i: int, j: int) -> str:
    return f"{chars[j]!r} after {chars[i]!r} (row {i}, column {j})"


# ---------------------------------------------------------------- 0.1 bigram_counts


@cases
def _count_cases() -> tuple[Case, ...]:
    cases = [
        Case(
            {"text": text, "chars": chars},
            bigram.bigram_counts(text, CharVocab(chars)).tolist(),
            f"bigram_counts({name})",
        )
        for text, chars, name in _texts()
    ]
    cases.append(Case({"text": "", "chars": "ab"}, [[0, 0], [0, 0]], "bigram_counts('')"))
    cases.append(Case({"text": "b", "chars": "ab"}, [[0, 0], [0, 0]], "bigram_counts('b')"))
    return tuple(cases)


def probe_bigram_counts(learner: ModuleType, inputs: dict[str, str]) -> dict[str, Any]:
    vocab = CharVocab(inputs["chars"])
    table = _table(learner.bigram_counts(inputs["text"], vocab), "bigram_counts")
    return {"shape": list(table.shape), "table": table.tolist()}


def judge_counts(case: Case, got: dict[str, Any]) -> str | None:
    chars = case.inputs["chars"]
    problem = _shape_error(case.label, "the count table", len(chars), got["shape"])
    if problem:
        return problem
    expected = np.array(case.expected, dtype=np.float64)
    table = np.array(got["table"], dtype=np.float64)
    if np.array_equal(table, expected):
        return None
    if np.array_equal(table, expected.T):
        return f"{case.label}: rows and columns are swapped: row = current character, column = next"
    i, j = np.argwhere(table != expected)[0]
    return value_message(
        f"{case.label}, count of {_pair_name(chars, i, j)}", int(expected[i, j]), table[i, j]
    )


# ---------------------------------------------------------------- 0.2 bigram_probs


@cases
def _prob_cases() -> tuple[Case, ...]:
    rng = case_rng(200)
    cases = []
    for k, (V, alpha) in enumerate([(3, 1.0), (5, 0.5), (4, 0.01), (6, 2.0), (4, 0.0)]):
        counts = rng.integers(0, 6, size=(V, V))
        counts[:, 0] += 1  # no all-zero rows here
        if k == 1:
            counts[2] = 0  # a character never followed by anything, smoothed
        cases.append(
            Case(
                {"counts": counts.tolist(), "alpha": alpha},
                bigram.bigram_probs(counts, alpha).tolist(),
                f"bigram_probs({counts.tolist()}, alpha={alpha})",
            )
        )
    zero_row = np.array([[2, 1, 0], [0, 0, 0], [1, 1, 1]])
    cases.append(
        Case(
            {"counts": zero_row.tolist(), "alpha": 0.0},
            bigram.bigram_probs(zero_row, 0.0).tolist(),
            f"bigram_probs({zero_row.tolist()}, alpha=0.0), an all-zero row",
        )
    )
    for text, chars, name in _texts()[:2]:
        counts = bigram.bigram_counts(text, CharVocab(chars))
        cases.append(
            Case(
                {"counts": counts.tolist(), "alpha": 0.1},
                bigram.bigram_probs(counts, 0.1).tolist(),
                f"bigram_probs(counts of {name}, alpha=0.1)",
            )
        )
    return tuple(cases)


def probe_bigram_probs(learner: ModuleType, inputs: dict[str, Any]) -> dict[str, Any]:
    counts = np.asarray(inputs["counts"], dtype=np.int64)
    table = _table(learner.bigram_probs(counts.copy(), inputs["alpha"]), "bigram_probs")
    return {"shape": list(table.shape), "table": table.tolist()}


def judge_probs(case: Case, got: dict[str, Any]) -> str | None:
    V = len(case.expected)
    problem = _shape_error(case.label, "the probability table", V, got["shape"])
    if problem:
        return problem
    expected = np.array(case.expected)
    table = np.array(got["table"], dtype=np.float64)
    for i in range(V):
        total = table[i].sum()
        if not close(float(total), 1.0, rtol=1e-9, atol=1e-12):
            return (
                f"{case.label}: row {i} sums to {fmt(float(total))}, "
                "but each row of probabilities must sum to 1"
            )
        for j in range(V):
            if not close(float(table[i, j]), float(expected[i, j]), rtol=1e-9, atol=1e-12):
                return value_message(
                    f"{case.label}, entry [{i}][{j}]", float(expected[i, j]), float(table[i, j])
                )
    return None


# ---------------------------------------------------------------- 0.3 mean_nll


@cases
def _nll_cases() -> tuple[Case, ...]:
    cases = []
    for k, (text, chars, name) in enumerate(_texts()):
        vocab = CharVocab(chars)
        alpha = [1.0, 0.1, 0.5, 0.01][k % 4]
        train = text if k % 2 == 0 else text[: max(2, len(text) // 2)]
        probs = bigram.bigram_probs(bigram.bigram_counts(train, vocab), alpha)
        expected = bigram.mean_nll(text, probs, vocab)
        cases.append(
            Case(
                {"text": text, "chars": chars, "probs": probs.tolist()},
                expected,
                f"mean_nll({name}, model with alpha={alpha})",
            )
        )
    vocab_chars = "abc"
    probs = bigram.bigram_probs(bigram.bigram_counts("abcabc", CharVocab(vocab_chars)), 0.0)
    cases.append(
        Case(
            {"text": "abca", "chars": vocab_chars, "probs": probs.tolist()},
            bigram.mean_nll("abca", probs, CharVocab(vocab_chars)),
            "mean_nll('abca', a model that has only seen 'abcabc', alpha=0)",
        )
    )
    cases.append(
        Case(
            {"text": "acb", "chars": vocab_chars, "probs": probs.tolist()},
            math.inf,
            "mean_nll('acb', same model: 'c' after 'a' has probability 0)",
        )
    )
    return tuple(cases)


def probe_mean_nll(learner: ModuleType, inputs: dict[str, Any]) -> float:
    vocab = CharVocab(inputs["chars"])
    probs = np.asarray(inputs["probs"], dtype=np.float64)
    return as_number(learner.mean_nll(inputs["text"], probs, vocab), "mean_nll")


def judge_nll(case: Case, got: float) -> str | None:
    if close(got, case.expected, rtol=1e-9, atol=1e-12):
        return None
    note = ""
    n_pairs = len(case.inputs["text"]) - 1
    if math.isfinite(case.expected) and close(got, case.expected * n_pairs, rtol=1e-9):
        note = f"that is the sum over the {n_pairs} pairs; divide by their number"
    elif math.isfinite(case.expected) and close(got, -case.expected, rtol=1e-9):
        note = "the sign is flipped: it is the mean of MINUS ln P"
    return value_message(case.label, case.expected, got, note)


# ---------------------------------------------------------------- the lesson

LESSON = Lesson(
    number=0,
    exercise_file="00_generative_ai_exercises.py",
    exercises=(
        Exercise(
            id="0.1",
            title="Counting character pairs",
            points=2,
            functions=("bigram_counts",),
            todo="return the V x V table of how often each character follows each",
            hint=(
                (
                    "Rows are the current character, columns the next one. Walk the text once "
                    "and look at each neighbouring pair; a text of T characters has T - 1 of "
                    "them. See 'Step 2: learning is counting' in lesson 0."
                ),
                (
                    "Turn the text into ids first (vocab.encode). Start from a V x V table of "
                    "zeros, then visit each neighbouring pair once and add one in the row of "
                    "the first character's id and the column of the second's. An empty or "
                    "one-character text has no pairs: the table stays all zeros."
                ),
                (
                    "ids = vocab.encode(text); counts = np.zeros((len(vocab), len(vocab)), "
                    "dtype=np.int64)\n"
                    "for a, b in zip(ids, ids[1:]):\n"
                    "    counts[a, b] += 1\n"
                    "return counts"
                ),
            ),
            forbidden=("tinygrad_rnn.bigram.bigram_counts",),
            rule="count the pairs yourself",
            checks=(
                Check(
                    "counts match the reference", _count_cases, probe_bigram_counts, judge_counts
                ),
            ),
        ),
        Exercise(
            id="0.2",
            title="Counts to smoothed probabilities",
            points=2,
            functions=("bigram_probs",),
            todo="return the table of next-character probabilities, smoothed by alpha",
            hint=(
                (
                    "Each row must become a probability distribution over the next character: "
                    "add the pseudo-count alpha to every entry, then divide the row by its own "
                    "total. See 'Step 3: counts become probabilities' in lesson 0."
                ),
                (
                    "Work in float64. The row sums are a (V, 1) column, so dividing the (V, V) "
                    "table by them broadcasts along each row. A row whose total is 0 (alpha = 0"
                    " and a character that never occurs) has no information: make it uniform, 1"
                    " / V."
                ),
                (
                    "smoothed = np.asarray(counts, dtype=np.float64) + alpha\n"
                    "totals = smoothed.sum(axis=1, keepdims=True)\n"
                    "uniform = np.full_like(smoothed, 1.0 / smoothed.shape[1])\n"
                    "return np.where(totals > 0, smoothed / np.where(totals > 0, totals, 1), "
                    "uniform)"
                ),
            ),
            forbidden=("tinygrad_rnn.bigram.bigram_probs",),
            rule="normalise the counts yourself",
            checks=(
                Check(
                    "probabilities match the reference",
                    _prob_cases,
                    probe_bigram_probs,
                    judge_probs,
                ),
            ),
        ),
        Exercise(
            id="0.3",
            title="Negative log-likelihood of a text",
            points=3,
            functions=("mean_nll",),
            todo="return the mean negative log-likelihood of the text, in nats",
            hint=(
                (
                    "The model's surprise at each next character is minus the natural log of "
                    "the probability it gave that character; average it over every neighbouring"
                    " pair. See 'Measuring the model: negative log-likelihood' in lesson 0."
                ),
                (
                    "Encode the text, then for each pair (current id a, next id b) look up the "
                    "model's probability in row a, column b, add up minus its natural log (nats,"
                    " not base 2), and average over the T - 1 pairs. math.log(0) is an error, "
                    "not infinity: a pair of probability 0 makes the answer math.inf."
                ),
                (
                    "ids = vocab.encode(text)\n"
                    "pairs = list(zip(ids, ids[1:]))\n"
                    "if any(probs[a][b] == 0 for a, b in pairs):\n"
                    "    return math.inf\n"
                    "return sum(-math.log(probs[a][b]) for a, b in pairs) / len(pairs)"
                ),
            ),
            forbidden=("tinygrad_rnn.bigram.mean_nll",),
            rule="compute the log-likelihood yourself",
            checks=(Check("NLL matches the reference", _nll_cases, probe_mean_nll, judge_nll),),
        ),
    ),
)
