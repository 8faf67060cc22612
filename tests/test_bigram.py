"""Tests for the character bigram model (the reference of the lesson 0 exercises)."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_rnn import bigram
from tinygrad_rnn.bigram import bigram_counts, bigram_probs, mean_nll, sample
from tinygrad_rnn.data import text as text_module
from tinygrad_rnn.data.text import CharVocab, zen_of_python


@pytest.mark.parametrize("module", [bigram, text_module])
def test_docstring_examples(module):
    failures, tried = doctest.testmod(module)
    assert tried > 0 and failures == 0


def test_counts_by_hand():
    v = CharVocab("abc")
    counts = bigram_counts("abcab", v)
    expected = np.zeros((3, 3), dtype=int)
    expected[0, 1] = 2  # ab twice
    expected[1, 2] = 1  # bc
    expected[2, 0] = 1  # ca
    assert (counts == expected).all()
    assert bigram_counts("", v).sum() == 0 and bigram_counts("a", v).sum() == 0


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="xyz \n", min_size=2, max_size=80), st.floats(0.0, 3.0))
def test_properties(s, alpha):
    v = CharVocab("xyz \n")
    counts = bigram_counts(s, v)
    assert counts.sum() == len(s) - 1
    probs = bigram_probs(counts, alpha)
    assert np.allclose(probs.sum(axis=1), 1.0)
    assert (probs >= 0).all()
    nll = mean_nll(s, probs, v)
    assert nll >= 0.0  # every probability is at most 1
    if alpha > 0:
        assert math.isfinite(nll)


def test_smoothing_formula_and_zero_rows():
    counts = np.array([[1, 3, 0], [0, 0, 0], [2, 2, 2]])
    p = bigram_probs(counts, alpha=1.0)
    assert np.allclose(p[0], [2 / 7, 4 / 7, 1 / 7])
    assert np.allclose(p[1], [1 / 3] * 3)
    p0 = bigram_probs(counts, alpha=0.0)
    assert np.allclose(p0[1], [1 / 3] * 3)  # never-followed character: uniform
    assert p0[0, 2] == 0.0
    with pytest.raises(ValueError, match="alpha"):
        bigram_probs(counts, alpha=-1)
    with pytest.raises(ValueError, match="square"):
        bigram_probs(np.ones((2, 3)))


def test_nll_uniform_is_log_v_and_unseen_pair_is_inf():
    z = zen_of_python()
    v = CharVocab.from_text(z)
    uniform = np.full((len(v), len(v)), 1 / len(v))
    assert math.isclose(mean_nll(z, uniform, v), math.log(len(v)))
    p0 = bigram_probs(bigram_counts("abab", CharVocab("ab")), alpha=0.0)
    assert mean_nll("aa", p0, CharVocab("ab")) == math.inf
    with pytest.raises(ValueError, match="two characters"):
        mean_nll("a", p0, CharVocab("ab"))


def test_fitting_lowers_nll_below_uniform():
    z = zen_of_python()
    v = CharVocab.from_text(z)
    probs = bigram_probs(bigram_counts(z, v), 0.1)
    assert mean_nll(z, probs, v) < math.log(len(v)) - 1.0


def test_sample_is_seeded_and_greedy_follows_argmax():
    z = zen_of_python()
    v = CharVocab.from_text(z)
    probs = bigram_probs(bigram_counts(z, v), 0.1)
    a = sample(probs, v, 50, "T", seed=3)
    assert a == sample(probs, v, 50, "T", seed=3)
    assert a != sample(probs, v, 50, "T", seed=4)
    assert len(a) == 51 and a[0] == "T" and set(a) <= set(v.itos)
    greedy = sample(probs, v, 20, "T", temperature=0.0)
    for prev, nxt in zip(greedy[:-1], greedy[1:], strict=True):
        assert v.stoi[nxt] == int(np.argmax(probs[v.stoi[prev]]))
    with pytest.raises(ValueError, match="start"):
        sample(probs, v, 5, "")
    with pytest.raises(ValueError, match="temperature"):
        sample(probs, v, 5, "T", temperature=-1.0)


def test_low_temperature_concentrates():
    probs = np.array([[0.6, 0.4], [0.6, 0.4]])
    v = CharVocab("ab")
    cold = sample(probs, v, 2000, "a", seed=0, temperature=0.25)[1:]
    warm = sample(probs, v, 2000, "a", seed=0, temperature=1.0)[1:]
    # p^4 renormalised: 0.6^4 / (0.6^4 + 0.4^4) = 0.835
    assert abs(cold.count("a") / 2000 - 0.835) < 0.04
    assert abs(warm.count("a") / 2000 - 0.6) < 0.04
