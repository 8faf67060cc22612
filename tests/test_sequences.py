"""Generated sequence tasks: shapes, dtypes, seeding, and what the targets mean."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_rnn.data import sequences as seq


def test_sine_waves_predict_the_next_value():
    x, y = seq.sine_waves(6, length=40, seed=0)
    assert x.shape == y.shape == (40, 6, 1) and x.dtype == np.float64
    np.testing.assert_array_equal(y[:-1], x[1:])
    assert np.abs(x).max() <= 1.0
    noisy, _ = seq.sine_waves(6, length=40, noise=0.1, seed=0)
    assert 0.05 < np.std(noisy - x) < 0.15


def test_adding_problem():
    x, y = seq.adding_problem(500, length=50, seed=1)
    assert x.shape == (50, 500, 2) and y.shape == (500, 1)
    markers = x[:, :, 1]
    assert (markers.sum(axis=0) == 2).all()
    assert (markers[:25].sum(axis=0) == 1).all()  # one mark in each half
    np.testing.assert_allclose(y[:, 0], (x[:, :, 0] * markers).sum(axis=0))
    assert np.mean((y - 1.0) ** 2) == pytest.approx(1 / 6, abs=0.03)  # the 0.167 baseline
    with pytest.raises(ValueError, match="length"):
        seq.adding_problem(3, length=1)


def test_copy_task_layout():
    x, y = seq.copy_task(4, length=3, n_symbols=5, delay=4, seed=2)
    assert x.shape == y.shape == (10, 4) and x.dtype == np.int64
    assert ((x[:3] >= 1) & (x[:3] <= 5)).all()
    assert (x[6] == 6).all() and (x[3:6] == 0).all() and (x[7:] == 0).all()
    np.testing.assert_array_equal(y[7:], x[:3])
    assert (y[:7] == 0).all()


def test_seeds_reproduce_and_generators_advance():
    a = seq.adding_problem(3, 10, seed=5)[0]
    np.testing.assert_array_equal(a, seq.adding_problem(3, 10, seed=5)[0])
    gen = np.random.default_rng(5)
    first = seq.copy_task(2, seed=gen)[0]
    second = seq.copy_task(2, seed=gen)[0]
    assert not np.array_equal(first, second)
    with pytest.raises(ValueError, match="positive integer"):
        seq.sine_waves(0)


def test_reber_strings_follow_the_grammar():
    strings = seq.reber_strings(200, seed=0)
    assert all(s[0] == "B" and s[-1] == "E" and seq.is_reber(s) for s in strings)
    assert set("".join(strings)) == set(seq.REBER_ALPHABET)
    assert len(set(strings)) > 20
    assert seq.is_reber("BTSSXXTVVE") and seq.is_reber("BPVVE") and seq.is_reber("BTXSE")
    assert not seq.is_reber("BTSSXXTVPE") and not seq.is_reber("BTSS") and not seq.is_reber("")
    assert not seq.is_reber("BPVVEE")
    assert max(len(s) for s in seq.reber_strings(100, seed=1, max_length=12)) <= 12


def test_embedded_reber():
    strings = seq.embedded_reber_strings(100, seed=0)
    assert all(seq.is_reber(s, embedded=True) for s in strings)
    assert all(s[1] == s[-2] for s in strings)
    assert not seq.is_reber("BTBPVVEPE", embedded=True)
    assert seq.is_reber("BTBPVVETE", embedded=True)
