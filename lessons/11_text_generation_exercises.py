"""Lesson 11 exercises: generating text.

Replace each ``raise NotImplementedError(...)`` line with your code, then check your work:

    tinygrad-rnn grade 11        # every exercise of lesson 11
    tinygrad-rnn grade 11.2      # just one exercise

11.1 to 11.3 are plain numpy. 11.4 trains a model: use the library's pieces
(``tinygrad_rnn.generate.CharLM``, ``tinygrad_rnn.optim``, ``cross_entropy``) but write the
training loop yourself, as in the lesson (``generate.train_char_lm`` would do it for you,
and you would learn nothing).

| id   | points | what you write                                                          |
|------|--------|-------------------------------------------------------------------------|
| 11.1 | 2      | ``encode``, ``decode``, ``lm_batches``: ids and shifted training chunks |
| 11.2 | 2      | ``sample_with_temperature``: draw the next character's id               |
| 11.3 | 2      | ``nll_and_perplexity``: nats per character and perplexity from logits   |
| 11.4 | 3      | ``train_language_model``: beat a target loss within a budget of steps   |
| 11.5 | 2      | ``generate_text``: sample text from a model, with temperature           |
"""

from __future__ import annotations

from typing import Any

import numpy as np


def encode(text: str, itos: list[str]) -> list[int]:
    """Exercise 11.1 (2 points, with ``decode`` and ``lm_batches``): text to ids.

    ``itos`` ("id to string") lists the vocabulary: character ``itos[i]`` has id ``i``.

    Example:
        >>> encode("abba", ["a", "b"])
        [0, 1, 1, 0]

    Explained in: lesson 11, "From text to numbers".
    """
    raise NotImplementedError("Exercise 11.1: return the id of each character of text")


def decode(ids: list[int], itos: list[str]) -> str:
    """Exercise 11.1: ids back to text, the inverse of :func:`encode`.

    Example:
        >>> decode([0, 1, 1, 0], ["a", "b"])
        'abba'
    """
    raise NotImplementedError("Exercise 11.1: return the text the ids stand for")


def lm_batches(ids: np.ndarray, batch_size: int, seq_len: int) -> list[tuple[Any, Any]]:
    r"""Exercise 11.1: cut a long sequence of ids into (input, target) chunks for truncated BPTT.

    1. Make ``B = batch_size`` **streams**: with ``N = len(ids) // B``, stream ``b`` is the
       ``b``-th consecutive piece ``ids[b * N : (b + 1) * N]`` (the last ``len(ids) % B`` ids
       are dropped). Lay them side by side, time first: an ``(N, B)`` array.
    2. Walk down the streams ``seq_len`` rows at a time, starting at row 0: the input chunk
       is rows ``p .. p + seq_len - 1`` and the target chunk is the same rows moved down by
       one, ``p + 1 .. p + seq_len``. Stop before a target chunk would run past row
       ``N - 1``.

    Args:
        ids: a 1-D integer array.
        batch_size: ``B``, the number of streams.
        seq_len: ``T``, the rows per chunk.

    Returns:
        A list of ``(x, y)`` pairs of integer arrays, each ``(T, B)``, with
        ``y[t, b]`` the id that follows ``x[t, b]`` in the text.

    Example:
        >>> pairs = lm_batches(np.arange(12), batch_size=2, seq_len=2)   # streams 0..5, 6..11
        >>> len(pairs), pairs[0][0].tolist(), pairs[0][1].tolist()
        (2, [[0, 6], [1, 7]], [[1, 7], [2, 8]])

    Explained in: lesson 11, "Truncated backpropagation through time".
    """
    raise NotImplementedError(
        "Exercise 11.1: return the list of (x, y) chunks, each (T, B), y one step ahead of x"
    )


def sample_with_temperature(
    logits: np.ndarray, temperature: float, rng: np.random.Generator
) -> int:
    r"""Exercise 11.2 (2 points): draw one class id from :math:`\mathrm{softmax}(z / \tau)`.

    * ``temperature == 0``: return the index of the largest logit (no randomness).
    * otherwise: divide the logits by the temperature, subtract their maximum (so that
      ``exp`` cannot overflow for large logits), exponentiate, normalise, and draw one index
      with **the generator you are given** (``rng.choice(len(p), p=p)`` or
      ``rng.random()`` and the cumulative sum), so that the same seed gives the same text.

    The grader draws a few thousand times per case and compares the frequencies with the
    softmax probabilities.

    Args:
        logits: ``(V,)`` scores, one per character.
        temperature: :math:`\tau \ge 0`.
        rng: a ``np.random.Generator``.

    Returns:
        An ``int`` in ``0 .. V - 1``.

    Example:
        >>> sample_with_temperature(np.array([0.0, 3.0, 1.0]), 0.0, np.random.default_rng(0))
        1

    Explained in: lesson 11, "Sampling with temperature".
    """
    raise NotImplementedError(
        "Exercise 11.2: return one class id drawn from the tempered softmax of logits"
    )


def nll_and_perplexity(logits: np.ndarray, targets: np.ndarray) -> tuple[float, float]:
    r"""Exercise 11.3 (2 points): the mean cross-entropy in nats per character, and perplexity.

    For each row :math:`n`, the loss is :math:`\ln \sum_j e^{z_{n,j}} - z_{n, y_n}`
    (compute the log-sum-exp stably: subtract the row's maximum before ``exp`` and add it
    back after the ``log``). Average over the rows; the perplexity is ``exp`` of that mean.

    Args:
        logits: ``(N, V)`` scores.
        targets: ``(N,)`` integer ids of the characters that came next.

    Returns:
        ``(nll, perplexity)`` as two floats.

    Example:
        >>> nll, ppl = nll_and_perplexity(np.zeros((3, 4)), np.array([0, 1, 2]))
        >>> round(nll, 4), round(ppl, 4)          # uniform over 4: ln 4 and 4
        (1.3863, 4.0)

    Explained in: lesson 11, "The loss: nats per character, and perplexity".
    """
    raise NotImplementedError("Exercise 11.3: return (mean nats per character, perplexity)")


def train_language_model(text: str, steps: int) -> tuple[Any, Any]:
    r"""Exercise 11.4 (3 points): train a character model on ``text`` in at most ``steps`` steps.

    The grader gives you sentences of the small generated grammar
    (``tinygrad_rnn.data.grammar_text``) and then scores your model on other sentences of
    the same grammar: the held-out loss must be **below 1.0 nats per character** (the
    bigram model of lesson 0 scores about 1.7 there). Train for at most ``steps`` steps,
    one ``backward()`` each: the grader counts your ``backward()`` calls (and gives the whole
    exercise a generous time limit too).

    Build the vocabulary with ``tinygrad_rnn.data.CharVocab.from_text(text)`` and the model
    with ``tinygrad_rnn.generate.CharLM`` (an LSTM or GRU of 64 hidden units and an
    embedding of 16 is plenty), then write the loop of the lesson: chunks from your
    ``lm_batches``, ``cross_entropy``, ``backward``, gradient clipping, an Adam step, and the
    state carried with ``generate.detach_state``. A learning rate around 0.01 to 0.02 works.

    Args:
        text: the training text.
        steps: the budget of training steps (each one chunk, one ``backward()``, one update).

    Returns:
        ``(model, vocab)``: the trained ``CharLM`` (called as ``model(ids (T, B), state)``
        returning ``(logits (T, B, V), state)``) and its ``CharVocab``.

    Explained in: lesson 11, the training loop at the top and "Training".
    """
    raise NotImplementedError(
        "Exercise 11.4: return (model, vocab) trained on text in at most the given number of steps"
    )


def generate_text(
    model: Any, itos: list[str], prompt: str, n: int, temperature: float, rng: np.random.Generator
) -> str:
    r"""Exercise 11.5 (2 points): write ``n`` characters after ``prompt``, drawn from a model.

    ``model`` is a character model of the library (a ``tinygrad_rnn.generate.CharLM``):
    ``model(ids, state)`` takes integer ids of shape ``(T, B)`` and the state to start from
    (``None`` for zeros) and returns ``(logits, state)``, the logits a Tensor of shape
    ``(T, B, V)`` (``.data`` is its numpy array) and the state after the last id. Read the
    prompt, then repeat ``n`` times: draw the next id from the last logits with your
    ``sample_with_temperature`` (11.2), and let the model read that id, carrying its state.
    Draw with ``rng`` only.

    Args:
        model: the character model.
        itos: id -> character.
        prompt: at least one character, all in ``itos``.
        n: how many new characters.
        temperature: :math:`\tau \ge 0` (0: greedy).
        rng: a ``np.random.Generator``.

    Returns:
        The ``n`` new characters as one ``str``, without the prompt.

    Explained in: lesson 11, "Sampling with temperature".
    """
    raise NotImplementedError(
        "Exercise 11.5: return n new characters drawn one at a time from the model after the prompt"
    )
