"""Capstone exercises: your own character-level RNN.

Replace each ``raise NotImplementedError(...)`` line with your code, then check your work:

    tinygrad-rnn grade 14        # every exercise of the capstone
    tinygrad-rnn grade 14.3      # just one exercise

You assemble a character model from pieces you built in lessons 4 to 11, in plain numpy
(float64), without the library's layers, optimisers or autograd: an LSTM reads one character
at a time and a read-out layer turns its hidden state into scores (logits) for the next
character. Bring your own code over from the earlier exercise files or write it afresh.

The model is a dict of numpy arrays, with ``V`` characters and ``H`` hidden units:

* ``"W_ih"`` ``(4H, V)``, ``"W_hh"`` ``(4H, H)``, ``"b_ih"`` and ``"b_hh"`` ``(4H,)``: the
  LSTM, gates stacked in the order **i, f, g, o** as in lesson 9. The input is a one-hot
  row, so ``x_t @ W_ih.T`` is simply the column of ``W_ih`` of the character read.
* ``"W_out"`` ``(V, H)`` and ``"b_out"`` ``(V,)``: ``logits_t = h_t @ W_out.T + b_out``.

The grader runs your weights in its own process: it scores 14.3's trained model on sentences
you never see, and tests 14.2's samples against the probabilities your weights give.

| id   | points | what you write                                                          |
|------|--------|-------------------------------------------------------------------------|
| 14.1 | 4      | ``chunk_loss_and_grads``: forward, loss, BPTT over a chunk, final state |
| 14.2 | 3      | ``sample``: characters drawn one at a time, with temperature            |
| 14.3 | 5      | ``train_char_rnn``: the training loop, to a held-out target              |
"""

from __future__ import annotations

import time  # noqa: F401 - for the time budget of 14.3

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-z)), a helper you may use (it is not graded)."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # the same function, without overflow warnings


def chunk_loss_and_grads(
    params: dict[str, np.ndarray],
    x_ids: np.ndarray,
    y_ids: np.ndarray,
    h0: np.ndarray,
    c0: np.ndarray,
) -> tuple[float, dict[str, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    r"""Exercise 14.1 (4 points): the loss of one chunk, its gradients, and the state after it.

    ``x_ids[t, b]`` is the character stream ``b`` reads at step ``t``, and ``y_ids[t, b]`` the
    character that comes next (the target). Starting from the state ``(h0, c0)`` carried over
    from the previous chunk, run the LSTM over the ``T`` steps and the read-out at every step.
    The loss is the mean cross-entropy over all ``T * B`` predictions, in nats:

    .. math::

        L = \frac{1}{TB} \sum_{t, b} \Big( \ln \sum_j e^{z_{t,b,j}} - z_{t,b,y_{t,b}} \Big)

    Then backpropagate through time: the gradient of every parameter, summed over every step
    that used it. ``h0`` and ``c0`` are constants here (no gradient goes into them: that is
    what lets the next chunk start where this one ended without reaching back into it).

    Args:
        params: the model (see the top of this file).
        x_ids: ``(T, B)`` integer ids of the characters read.
        y_ids: ``(T, B)`` integer ids of the characters to predict.
        h0, c0: ``(B, H)`` the state to start from.

    Returns:
        ``(loss, grads, (h_T, c_T))``: the loss as a float; ``grads`` a dict with the same keys
        and shapes as ``params``; the state after the last step, each ``(B, H)``.

    Explained in: lesson 9, "Why the cell state keeps the gradient alive"; lesson 11, "The
    loss: nats per character, and perplexity".
    """
    raise NotImplementedError(
        "Exercise 14.1: return the chunk's loss, every parameter's gradient and the final state"
    )


def sample(
    params: dict[str, np.ndarray],
    itos: list[str],
    prefix: str,
    n: int,
    temperature: float,
    rng: np.random.Generator,
) -> str:
    r"""Exercise 14.2 (3 points): write ``n`` characters after ``prefix``, drawn from the model.

    Start from the zero state, read the characters of ``prefix`` one at a time, then draw:
    each new character comes from :math:`\mathrm{softmax}(z / \tau)` of the current logits
    :math:`z`, and is read by the model before the next draw. Temperature ``0`` means always
    the most likely character. Draw with ``rng`` only, so that the same seed gives the same
    text.

    Args:
        params: the model.
        itos: id -> character (``itos[k]`` is the character of id ``k``).
        prefix: at least one character, all of them in ``itos``.
        n: how many new characters.
        temperature: :math:`\tau \ge 0`.
        rng: a ``np.random.Generator``.

    Returns:
        The ``n`` new characters as one ``str`` (without the prefix).

    Explained in: lesson 11, "Sampling with temperature".
    """
    raise NotImplementedError(
        "Exercise 14.2: feed the prefix, then draw n characters one at a time from the model"
    )


def train_char_rnn(text: str, seconds: float) -> tuple[dict[str, np.ndarray], list[str]]:
    r"""Exercise 14.3 (5 points): train your model on ``text`` within ``seconds``.

    The grader gives you 600 sentences of the small generated grammar
    (``tinygrad_rnn.data.grammar_text``) and scores the model you return on 60 other
    sentences of the same grammar, in its own process: the held-out loss must be **below
    0.75 nats per character** (the bigram model of lesson 0 scores 1.69 there; guessing
    uniformly, ln 26 = 3.26). Then it draws samples with your ``sample`` from your trained
    weights and checks that they fit the probabilities those weights give.

    Stop when ``seconds`` have passed (``time.perf_counter()``); the grader's time limit is a
    minute longer. Stopping earlier, once your own held-back text scores well below the
    target, is fine.

    Args:
        text: the training text.
        seconds: the time budget.

    Returns:
        ``(params, itos)``: the trained model (the dict described at the top of this file) and
        its characters, id -> character, every character of ``text`` among them.

    Explained in: lesson 11, the training loop and "Training"; lesson 6, "Clipping the step".
    """
    raise NotImplementedError(
        "Exercise 14.3: train the model on text within the time budget; return (params, itos)"
    )
