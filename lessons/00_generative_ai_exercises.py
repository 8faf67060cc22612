"""Lesson 0 exercises: a character bigram model, the smallest generative model of text.

Replace each ``raise NotImplementedError(...)`` line with your code, then check your work:

    tinygrad-rnn grade 0        # every exercise of lesson 0
    tinygrad-rnn grade 0.2      # just one exercise

The grader calls your functions on fresh texts and compares the results with the library
(:mod:`tinygrad_rnn.bigram` is the reference). Use plain Python or numpy; do not call
``tinygrad_rnn.bigram`` from your answers.

| id  | points | what you write                                        |
|-----|--------|-------------------------------------------------------|
| 0.1 | 2      | ``bigram_counts``: how often each character follows each |
| 0.2 | 2      | ``bigram_probs``: counts to smoothed probabilities     |
| 0.3 | 3      | ``mean_nll``: the average surprise of a text, in nats  |
"""

from __future__ import annotations

import math  # noqa: F401  (math.log for exercise 0.3)

import numpy as np  # noqa: F401  (optional: arrays make 0.1 and 0.2 short)

from tinygrad_rnn.data.text import CharVocab


def bigram_counts(text: str, vocab: CharVocab):
    r"""Exercise 0.1 (2 points): count every pair of neighbouring characters.

    Entry ``[i][j]`` of the result is how many times the character with id ``j`` comes
    directly after the character with id ``i`` in ``text`` (ids from ``vocab.stoi``, or
    ``vocab.encode(text)``). Rows are the current character, columns the next one. A text
    of length :math:`T` has :math:`T - 1` such pairs; every character of the vocabulary has
    a row and a column, even if it never occurs in ``text``.

    Args:
        text: the training text (may be empty or a single character: then all counts are 0).
        vocab: the vocabulary; ``len(vocab)`` is :math:`V`.

    Returns:
        A :math:`V \times V` table of whole numbers: a numpy array or a list of lists.

    Example:
        >>> vocab = CharVocab("ab")
        >>> np.asarray(bigram_counts("aab", vocab)).tolist()
        [[1, 1], [0, 0]]

    Explained in: lesson 0, "Step 2: learning is counting".
    """
    raise NotImplementedError(
        "Exercise 0.1: return the V x V table of how often each character follows each"
    )


def bigram_probs(counts: np.ndarray, alpha: float = 1.0):
    r"""Exercise 0.2 (2 points): turn counts into next-character probabilities.

    Add ``alpha`` to every count (smoothing), then divide each row by its sum:

    .. math::

        P_{ij} = \frac{N_{ij} + \alpha}{\sum_k (N_{ik} + \alpha)}

    Every row of the result must sum to 1. One corner case: with ``alpha = 0`` a row of
    all-zero counts (a character that was never followed by anything) cannot be divided
    by its sum; make that row uniform, :math:`1 / V` everywhere.

    Args:
        counts: a :math:`V \times V` numpy array of counts (from exercise 0.1).
        alpha: the smoothing count, ``>= 0``.

    Returns:
        A :math:`V \times V` table of floats (numpy array or list of lists).

    Example:
        >>> np.asarray(bigram_probs(np.array([[1, 3], [0, 0]]), alpha=1.0)).tolist()
        [[0.3333333333333333, 0.6666666666666666], [0.5, 0.5]]

    Explained in: lesson 0, "Step 3: counts become probabilities".
    """
    raise NotImplementedError(
        "Exercise 0.2: return the table of next-character probabilities, smoothed by alpha"
    )


def mean_nll(text: str, probs: np.ndarray, vocab: CharVocab) -> float:
    r"""Exercise 0.3 (3 points): the average negative log-likelihood of ``text``.

    For every neighbouring pair :math:`(c_t, c_{t+1})` in the text take the model's
    probability :math:`P(c_{t+1} \mid c_t)` = ``probs[id of c_t][id of c_{t+1}]`` and
    average :math:`-\ln P` over the :math:`T - 1` pairs:

    .. math::

        \mathrm{NLL} = -\frac{1}{T-1} \sum_{t=1}^{T-1} \ln P(c_{t+1} \mid c_t)

    If some pair has probability 0, the answer is ``math.inf`` (not an error).

    Args:
        text: at least two characters.
        probs: a :math:`V \times V` numpy array of probabilities.
        vocab: the vocabulary ``probs`` is indexed by.

    Returns:
        A float, in nats per character.

    Example:
        >>> vocab = CharVocab("ab")
        >>> round(mean_nll("abb", np.array([[0.5, 0.5], [0.5, 0.5]]), vocab), 6)
        0.693147

    Explained in: lesson 0, "Measuring the model: negative log-likelihood".
    """
    raise NotImplementedError(
        "Exercise 0.3: return the mean negative log-likelihood of the text, in nats"
    )
