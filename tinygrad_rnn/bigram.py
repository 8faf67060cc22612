r"""The smallest generative model of text: count which character follows which.

A character bigram model assumes that the next character depends only on the current one.
It learns by counting: ``counts[i, j]`` is how often character ``j`` directly follows
character ``i`` in the training text. Each row, normalised, is a probability distribution
over the next character:

.. math::

    P(c_{t+1} = j \mid c_t = i) = \frac{N_{ij} + \alpha}{\sum_k N_{ik} + \alpha V}

where :math:`V` is the vocabulary size and :math:`\alpha \ge 0` is add-:math:`\alpha`
smoothing: a pretend count given to every pair, so that a pair never seen in training is
unlikely rather than impossible.

The model is judged by the average negative log-likelihood of a text, in nats per character:

.. math::

    \mathrm{NLL} = -\frac{1}{T - 1} \sum_{t=1}^{T-1} \ln P(c_{t+1} \mid c_t)

A model that guesses uniformly scores :math:`\ln V`; lower is better.

This module is the reference the lesson 0 exercises are graded against.

Example:
    >>> from tinygrad_rnn.data.text import CharVocab
    >>> vocab = CharVocab("ab")
    >>> counts = bigram_counts("abab", vocab)
    >>> counts.tolist()
    [[0, 2], [1, 0]]
    >>> probs = bigram_probs(counts, alpha=0.0)
    >>> round(mean_nll("abab", probs, vocab), 6)
    0.0
"""

from __future__ import annotations

import numpy as np

from tinygrad_rnn.data.text import CharVocab

__all__ = ["bigram_counts", "bigram_probs", "mean_nll", "sample"]


def bigram_counts(text: str, vocab: CharVocab) -> np.ndarray:
    """Count every pair of neighbouring characters.

    Args:
        text: the training text.
        vocab: its characters (every character of ``text`` must be in it).

    Returns:
        An integer array of shape ``(V, V)``; entry ``[i, j]`` counts how often the character
        with id ``j`` comes right after the character with id ``i``.
    """
    ids = np.asarray(vocab.encode(text), dtype=np.int64)  # (T,)
    V = len(vocab)
    counts = np.zeros((V, V), dtype=np.int64)
    if ids.size >= 2:
        np.add.at(counts, (ids[:-1], ids[1:]), 1)
    return counts


def bigram_probs(counts: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    r"""Turn counts into next-character probabilities, with add-:math:`\alpha` smoothing.

    Args:
        counts: the ``(V, V)`` counts from :func:`bigram_counts`.
        alpha: the pretend count added to every entry before normalising (``>= 0``).

    Returns:
        A float64 array of shape ``(V, V)`` whose rows sum to 1. A row that is still all
        zero (a character never followed by anything, with ``alpha = 0``) becomes uniform.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"bigram_probs: counts must be a square (V, V) array, got {counts.shape}")
    if alpha < 0:
        raise ValueError(f"bigram_probs: alpha must be >= 0, got {alpha}")
    smoothed = counts + alpha  # (V, V)
    totals = smoothed.sum(axis=1, keepdims=True)  # (V, 1)
    V = counts.shape[1]
    return np.where(totals > 0, smoothed / np.where(totals > 0, totals, 1.0), 1.0 / V)


def mean_nll(text: str, probs: np.ndarray, vocab: CharVocab) -> float:
    """Average negative log-likelihood per predicted character, in nats.

    Args:
        text: the text to score (at least two characters: the first is only context).
        probs: the ``(V, V)`` next-character probabilities.
        vocab: the vocabulary ``probs`` is indexed by.

    Returns:
        The mean of ``-ln probs[c_t, c_{t+1}]`` over the ``len(text) - 1`` neighbouring pairs;
        ``inf`` if some pair has probability 0.
    """
    if len(text) < 2:
        raise ValueError("mean_nll: the text needs at least two characters (one pair)")
    ids = np.asarray(vocab.encode(text), dtype=np.int64)  # (T,)
    p = np.asarray(probs, dtype=np.float64)[ids[:-1], ids[1:]]  # (T-1,)
    with np.errstate(divide="ignore"):
        return float(-np.log(p).mean()) + 0.0  # + 0.0 turns -0.0 into 0.0


def sample(
    probs: np.ndarray,
    vocab: CharVocab,
    n: int,
    start: str,
    seed: int | None = 0,
    temperature: float = 1.0,
) -> str:
    r"""Write ``n`` new characters after ``start``, one at a time, from the model.

    Temperature reshapes each distribution before drawing:
    :math:`p_j \propto p_j^{1/\tau}`. Below 1 the likely characters become likelier (safer,
    more repetitive text), above 1 the distribution flattens (more surprising text, more
    mistakes); :math:`\tau \to 0` always picks the most likely character.

    Args:
        probs: ``(V, V)`` next-character probabilities.
        vocab: the vocabulary.
        n: how many characters to generate.
        start: the text to continue (its last character is the context).
        seed: random seed, for text you can reproduce.
        temperature: :math:`\tau > 0`; ``0`` means greedy.

    Returns:
        ``start`` followed by ``n`` generated characters.
    """
    if not start:
        raise ValueError("sample: start must hold at least one character to continue from")
    if temperature < 0:
        raise ValueError(f"sample: temperature must be >= 0, got {temperature}")
    rng = np.random.default_rng(seed)
    probs = np.asarray(probs, dtype=np.float64)
    current = vocab.encode(start)[-1]
    out = []
    for _ in range(n):
        row = probs[current]  # (V,)
        if temperature == 0:
            current = int(np.argmax(row))
        else:
            # Work with logs so small temperatures don't underflow to all zeros.
            with np.errstate(divide="ignore"):
                logits = np.log(row) / temperature
            weights = np.exp(logits - logits.max())
            current = int(rng.choice(len(row), p=weights / weights.sum()))
        out.append(current)
    return start + vocab.decode(out)
