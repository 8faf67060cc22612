"""Lesson 13's grader holds itself to its claims: the beam cases it calls exact are exact,
the narrow ones are not exhaustive search in disguise, and its 13.4 reference (the library's
bidirectional RNN) is the two one-way layers it hands to the learner."""

from __future__ import annotations

import numpy as np

from tinygrad_rnn.grading import lesson13 as L


def test_exact_beam_cases_equal_the_exhaustive_search_and_narrow_ones_do_not():
    narrow_differs = False
    for case in L._beam_cases():
        step = L.make_step(case.inputs["weights"])
        start = np.array(case.inputs["start"])
        width, n_steps = case.inputs["width"], case.inputs["n_steps"]
        beam = L._beam(step, start, n_steps, width)
        best = sorted(case.expected["every"].items(), key=lambda kv: -kv[1])[:width]
        for tokens, score in beam:  # every beam score is the string's log-probability
            assert np.isclose(score, case.expected["every"][tokens], atol=1e-12)
        if case.expected["exact"]:
            assert [t for t, _ in beam] == [t for t, _ in best], case.label
        elif width > 1:
            narrow_differs |= [t for t, _ in beam] != [t for t, _ in best]
    assert narrow_differs, "a narrow case must differ from exhaustive search, or it tests nothing"


def test_bidirectional_reference_is_the_two_layers_it_hands_out():
    for case in L._bidirectional_cases():
        x = np.array(case.inputs["x"])
        ahead = L.make_layer(case.inputs["forward"])(x)
        behind = L.make_layer(case.inputs["backward"])(x[::-1])[::-1]
        np.testing.assert_allclose(
            case.expected["output"], np.concatenate([ahead, behind], axis=2), atol=1e-12
        )
        np.testing.assert_allclose(case.expected["final"], np.stack([ahead[-1], behind[0]]))


def test_gradient_cases_split_the_keys_gradient_into_its_two_paths():
    for case in L._gradient_cases():
        both = case.expected["scores path"] + case.expected["values path"]
        np.testing.assert_allclose(both, case.expected["keys"], rtol=1e-6, atol=1e-8)
