"""The capstone's grader (lesson 14): its own model run matches the library, its sample test
passes honest draws and its target sits well below the bigram model.

That the reference solution reaches the target within the time limit is shown by
``test_grading_lessons.py::test_reference_solutions_score_full_points[lesson14]`` (it trains
the reference, about 10-15 s on two cores); the bug zoo ``tests/bug_zoo/14_*`` shows what
each check catches.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from tinygrad_rnn.grading import lesson14

SOLUTION = Path(__file__).parent / "solutions" / "14_capstone_exercises.py"


@pytest.fixture(scope="module")
def reference():
    spec = importlib.util.spec_from_file_location("capstone_reference", SOLUTION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_graders_model_is_the_librarys_lstm_and_a_linear_read_out() -> None:
    from tinygrad_rnn.nn import LSTMState, lstm_step
    from tinygrad_rnn.tensor import Tensor

    rng = np.random.default_rng(0)
    V, H, T, B = 5, 3, 6, 2
    p = lesson14._random_params(rng, V, H, 0.9)
    x_ids = rng.integers(0, V, (T, B))
    h0, c0 = rng.standard_normal((B, H)), rng.standard_normal((B, H))
    logits, h_T, c_T = lesson14.forward(p, x_ids, h0, c0)

    def t(a):
        return Tensor(np.asarray(a, dtype=np.float64), dtype=np.float64)

    state = LSTMState(t(h0), t(c0))
    weights = [t(p[k]) for k in ("W_ih", "W_hh", "b_ih", "b_hh")]
    for step in range(T):
        state = lstm_step(t(np.eye(V)[x_ids[step]]), state, *weights)
        want = state.h.data @ p["W_out"].T + p["b_out"]
        np.testing.assert_allclose(logits[step], want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h_T, state.h.data, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c_T, state.c.data, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0])
def test_honest_samples_pass_the_surprise_test(reference, temperature) -> None:
    """30 seeds per temperature: an honest sampler is never failed (|z| stays within limit)."""
    itos = lesson14.SAMPLE_ITOS
    params = lesson14._sampler_params(7, 5)
    scores = []
    for seed in range(30):
        text = reference.sample(params, itos, "ab", 300, temperature, np.random.default_rng(seed))
        scores.append(lesson14._surprise_score(params, itos, "ab", text, temperature))
        problem = lesson14._sample_problem("s", params, itos, "ab", text, temperature, 300)
        assert problem is None, problem
    assert max(abs(z) for z in scores) < lesson14.Z_LIMIT
    assert 0.4 < np.std(scores) < 1.6  # the score is standardised: about N(0, 1)


def test_a_sampler_that_multiplies_by_the_temperature_is_told_so(reference) -> None:
    itos = lesson14.SAMPLE_ITOS
    params = lesson14._sampler_params(8, 5)
    text = reference.sample(params, itos, "ab", 400, 2.0, np.random.default_rng(0))
    problem = lesson14._sample_problem("s", params, itos, "ab", text, 0.5, 400)
    assert problem is not None and "multiplied by the temperature" in problem


def test_the_target_is_well_below_the_bigram_model() -> None:
    train, held, bigram = lesson14._held_out()
    assert abs(bigram - 1.694) < 0.01
    assert lesson14.TARGET_NATS < bigram - 0.9
    assert set(held) <= set(train)  # the learner's vocabulary from the training text suffices
