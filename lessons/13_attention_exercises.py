"""Lesson 13 exercises: attention, masking, beam search and bidirectional layers.

Replace each ``raise NotImplementedError(...)`` line with your code, then check your work:

    tinygrad-rnn grade 13        # every exercise of lesson 13
    tinygrad-rnn grade 13.3      # just one exercise

Everything here is plain numpy (no Tensors, no autograd: 13.1 asks for the gradient by
hand, and the grader checks it against central differences).

| id   | points | what you write                                                          |
|------|--------|-------------------------------------------------------------------------|
| 13.1 | 3      | ``additive_attention`` and ``additive_attention_backward``              |
| 13.2 | 2      | ``masked_softmax``: padded positions get weight 0, the rest sum to 1    |
| 13.3 | 3      | ``beam_search``: the ``width`` best strings of a small given model      |
| 13.4 | 2      | ``bidirectional``: one bidirectional layer from two one-way layers      |
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def additive_attention(
    query: np.ndarray,
    keys: np.ndarray,
    w_query: np.ndarray,
    w_key: np.ndarray,
    w_score: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Exercise 13.1 (3 points, with ``additive_attention_backward``): one attention step.

    For every sequence ``b`` of the batch and every input position ``j``:

    .. math::

        e_{bj} = w^\top \tanh(W_q q_b + W_k k_{bj}), \qquad
        a_{bj} = \frac{\exp e_{bj}}{\sum_{j'} \exp e_{bj'}}, \qquad
        c_b = \sum_j a_{bj} k_{bj}

    The keys are also the values (what gets mixed into the context). Compute the softmax
    stably (subtract the largest score of each sequence first).

    Args:
        query: ``(B, Dq)``, one decoder state per sequence.
        keys: ``(B, S, Dk)``, the encoder states.
        w_query: ``W_q`` ``(A, Dq)``.
        w_key: ``W_k`` ``(A, Dk)``.
        w_score: ``w`` ``(A,)``.

    Returns:
        ``(context, weights)``: ``(B, Dk)`` and ``(B, S)``; each row of weights sums to 1.

    Example:
        >>> keys = np.zeros((1, 4, 2))                      # four identical positions
        >>> ones = np.ones((3, 2))
        >>> context, weights = additive_attention(np.ones((1, 2)), keys, ones, ones, np.ones(3))
        >>> weights.tolist()
        [[0.25, 0.25, 0.25, 0.25]]

    Explained in: lesson 13, "Additive attention".
    """
    raise NotImplementedError(
        "Exercise 13.1: softmax of w^T tanh(W_q q + W_k k_j) over positions; context = sum_j a_j k_j"
    )


def additive_attention_backward(
    query: np.ndarray,
    keys: np.ndarray,
    w_query: np.ndarray,
    w_key: np.ndarray,
    w_score: np.ndarray,
    grad_context: np.ndarray,
) -> dict[str, np.ndarray]:
    r"""Exercise 13.1: the gradient of :math:`L = \sum_{b,d} g_{bd}\, c_{bd}` for every input.

    ``grad_context`` is :math:`g = \partial L / \partial c`, shape ``(B, Dk)``. Recompute
    what you need from the forward pass, then go backwards: the context's weighted sum,
    the softmax, the tanh, the two products. Remember that the keys enter twice (as values
    in the context and inside the scores), so their gradient has two parts.

    Returns:
        ``{"query": (B, Dq), "keys": (B, S, Dk), "w_query": (A, Dq), "w_key": (A, Dk),
        "w_score": (A,)}``: each the same shape as its input.

    Explained in: lesson 13, "Additive attention"; the softmax's backward in lesson 4.
    """
    raise NotImplementedError(
        "Exercise 13.1: backpropagate through the context, the softmax, the tanh and both products"
    )


def masked_softmax(scores: np.ndarray, valid: np.ndarray) -> np.ndarray:
    r"""Exercise 13.2 (2 points): attention weights that ignore padded positions.

    Sequences of different lengths share one array, and the positions that are only
    padding must get weight **exactly 0**, while the weights of the real positions still
    sum to 1 in every row. Every row has at least one real position. Scores can be large
    (hundreds): keep the softmax stable.

    Args:
        scores: ``(B, S)`` attention scores.
        valid: ``(B, S)`` booleans, True where the position is real, False where it is padding.

    Returns:
        ``(B, S)`` weights.

    Example:
        >>> masked_softmax(np.array([[0.0, 0.0, 5.0]]), np.array([[True, True, False]])).tolist()
        [[0.5, 0.5, 0.0]]

    Explained in: lesson 13, "Additive attention".
    """
    raise NotImplementedError(
        "Exercise 13.2: padded scores to -inf, then a stable softmax over each row"
    )


def beam_search(
    step: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    state: np.ndarray,
    n_steps: int,
    width: int,
) -> list[tuple[list[int], float]]:
    r"""Exercise 13.3 (3 points): the ``width`` most likely strings found by beam search.

    ``step(tokens, states)`` is a small trained model, run for several beams at once: given
    the last token of each beam, ``tokens`` ``(K,)`` (integers), and each beam's state,
    ``states`` ``(K, H)``, it returns ``(probs, new_states)``: ``probs`` ``(K, V)`` the
    probabilities of the next token (each row sums to 1) and ``new_states`` ``(K, H)``.
    The first call reads token ``0`` (the start token) with the start ``state`` ``(H,)`` as
    the only beam.

    Every string is exactly ``n_steps`` tokens long. A string's score is the **sum of the
    log-probabilities** of its tokens. At each step, extend every beam by every token, and
    keep the ``width`` best extensions of all of them (fewer if fewer exist); each kept
    extension takes the new state of the beam it came from.

    Args:
        step: the model.
        state: ``(H,)`` the start state.
        n_steps: how many tokens to generate.
        width: how many beams to keep (1 is greedy decoding).

    Returns:
        The final beams as ``(tokens, score)`` pairs, best (highest score) first: ``tokens``
        a list of ``n_steps`` ints, ``score`` a float.

    Example:
        >>> def coin(tokens, states):                # two tokens, 0.6 / 0.4 at every step
        ...     return np.tile([0.6, 0.4], (len(tokens), 1)), states
        >>> [(t, round(s, 3)) for t, s in beam_search(coin, np.zeros(1), 2, 3)]
        [([0, 0], -1.022), ([0, 1], -1.427), ([1, 0], -1.427)]

    Explained in: lesson 13, "Decoding: greedy against beam search".
    """
    raise NotImplementedError(
        "Exercise 13.3: keep the width best strings by summed log-probability, extending each step"
    )


def bidirectional(
    forward: Callable[[np.ndarray], np.ndarray],
    backward: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Exercise 13.4 (2 points): a bidirectional layer out of two one-way layers.

    ``forward(x)`` and ``backward(x)`` are two ordinary recurrent layers (different
    weights): each reads ``x`` ``(T, B, I)`` from its first step to its last and returns its
    hidden state after every step, ``(T, B, H)``. Build what ``nn.RNN(...,
    bidirectional=True)`` returns:

    * ``output`` ``(T, B, 2H)``: at every step ``t``, the forward layer's state after
      reading :math:`x_1 \ldots x_t`, then the backward layer's state after reading
      :math:`x_T \ldots x_t` (it reads the sequence from the end);
    * ``final`` ``(2, B, H)``: the forward layer's last state, then the backward layer's
      last state (the one after it read :math:`x_1`).

    Args:
        forward: the left-to-right layer.
        backward: the layer to run right to left.
        x: ``(T, B, I)``.

    Returns:
        ``(output, final)``.

    Example:
        >>> def running_sum(x):                     # a "layer" whose state is the sum so far
        ...     return np.cumsum(x, axis=0)
        >>> out, final = bidirectional(running_sum, running_sum, np.array([[[1.0]], [[2.0]], [[3.0]]]))
        >>> out[:, 0].tolist(), final[:, 0].tolist()
        ([[1.0, 6.0], [3.0, 5.0], [6.0, 3.0]], [[6.0], [6.0]])

    Explained in: lesson 13, "A bidirectional encoder".
    """
    raise NotImplementedError(
        "Exercise 13.4: concatenate forward(x) with backward(x reversed), reversed back, per step"
    )
