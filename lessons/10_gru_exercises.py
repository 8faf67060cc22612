"""Lesson 10 exercises: the GRU.

Replace each ``raise NotImplementedError(...)`` line with your code, then check your work:

    tinygrad-rnn grade 10        # every exercise of lesson 10
    tinygrad-rnn grade 10.1      # just one exercise

Everything here is plain numpy, in float64. Shapes follow the library (and PyTorch):
sequences are time-major, ``(T, B, I)``; a GRU's weights stack its three gates in the
order r, z, n: ``W_ih (3H, I)``, ``W_hh (3H, H)``, ``b_ih (3H,)``, ``b_hh (3H,)``. The
grader compares your values with :class:`tinygrad_rnn.nn.GRU` (the reference). Write these
yourself: do not call ``tinygrad_rnn.nn``.

| id   | points | what you write                                                          |
|------|--------|-------------------------------------------------------------------------|
| 10.1 | 3      | ``gru_step``: one step of a GRU, PyTorch's formula                      |
| 10.2 | 1      | ``recurrent_num_params``: parameters of an RNN, LSTM or GRU layer       |
| 10.3 | 2      | ``gru_forward``: run the GRU over a sequence, return every hidden state |
| 10.4 | 4      | ``gru_bptt``: every gradient over a whole sequence                      |
"""

from __future__ import annotations

import numpy as np


def gru_step(
    x_t: np.ndarray,
    h_prev: np.ndarray,
    W_ih: np.ndarray,
    W_hh: np.ndarray,
    b_ih: np.ndarray,
    b_hh: np.ndarray,
) -> np.ndarray:
    r"""Exercise 10.1 (3 points): one step of a GRU, exactly as PyTorch computes it.

    Split the input part ``x_t @ W_ih.T + b_ih`` and the recurrent part
    ``h_prev @ W_hh.T + b_hh`` (each ``(B, 3H)``) into three blocks of ``H`` columns, in
    the order r, z, n. Then

    .. math::

        r &= \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\
        z &= \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\
        n &= \tanh(W_{in} x_t + b_{in} + r \odot (W_{hn} h_{t-1} + b_{hn})) \\
        h_t &= (1 - z) \odot n + z \odot h_{t-1}

    Mind two details: the reset gate multiplies the recurrent block *after* its matrix
    product and bias, and :math:`z` is the share of the **old** state that is kept.

    Args:
        x_t: ``(B, I)`` the inputs at this step.
        h_prev: ``(B, H)`` the previous hidden state.
        W_ih: ``(3H, I)``, W_hh: ``(3H, H)``, b_ih: ``(3H,)``, b_hh: ``(3H,)``.

    Returns:
        ``(B, H)``: the new hidden state :math:`h_t`.

    Example:
        >>> W_ih, W_hh = np.ones((3, 1)), np.ones((3, 1))
        >>> b = np.zeros(3)
        >>> gru_step(np.array([[1.0]]), np.array([[0.5]]), W_ih, W_hh, b, b).round(4)
        array([[0.5706]])

    Explained in: lesson 10, "The GRU's equations".
    """
    raise NotImplementedError(
        "Exercise 10.1: return h_t, the new hidden state (B, H), as PyTorch's GRU computes it"
    )


def recurrent_num_params(
    kind: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True
) -> int:
    r"""Exercise 10.2 (1 point): how many numbers an RNN, LSTM or GRU layer learns.

    Each layer has ``W_ih``, ``W_hh`` and (with ``bias``) two bias vectors, like the plain
    RNN of exercise 7.4, but every one of them stacks :math:`G` blocks of ``H`` rows, one per
    gate: :math:`G = 1` for ``"rnn"``, 4 for ``"lstm"`` (i, f, g, o) and 3 for ``"gru"``
    (r, z, n). Layer 0 reads ``input_size`` features, every later layer ``hidden_size``.

    Args:
        kind: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        input_size: ``I``.
        hidden_size: ``H``.
        num_layers: stacked layers.
        bias: whether each layer has its two bias vectors.

    Returns:
        The total number of parameters, an ``int``.

    Example:
        >>> recurrent_num_params("gru", 2, 32)
        3456

    Explained in: lesson 10, "Counting parameters".
    """
    raise NotImplementedError(
        "Exercise 10.2: return how many numbers an RNN, LSTM or GRU layer of this size learns"
    )


def gru_forward(
    xs: np.ndarray,
    h0: np.ndarray,
    W_ih: np.ndarray,
    W_hh: np.ndarray,
    b_ih: np.ndarray,
    b_hh: np.ndarray,
) -> np.ndarray:
    r"""Exercise 10.3 (2 points): run a GRU over a whole sequence.

    Start from ``h0``, apply your ``gru_step`` once per time step, feeding each new state
    into the next step, and return :math:`h_1, \dots, h_T`: ``hs[t]`` is the state right
    after reading ``xs[t]`` (what ``tinygrad_rnn.nn.GRU`` returns as its output).

    Args:
        xs: ``(T, B, I)`` the inputs, time first.
        h0: ``(B, H)`` the initial hidden state.
        W_ih, W_hh, b_ih, b_hh: as in :func:`gru_step`.

    Returns:
        ``(T, B, H)``: the hidden state after each step.

    Example:
        >>> W_ih, W_hh, b = np.ones((3, 1)), np.ones((3, 1)), np.zeros(3)
        >>> xs = np.array([[[1.0]], [[0.0]]])                      # (T=2, B=1, I=1)
        >>> gru_forward(xs, np.zeros((1, 1)), W_ih, W_hh, b, b).ravel().round(4)
        array([0.2048, 0.1633])

    Explained in: lesson 10, "The GRU's equations" and "A GRU over a sequence".
    """
    raise NotImplementedError(
        "Exercise 10.3: return every hidden state h_1..h_T as one (T, B, H) array"
    )


def gru_bptt(
    xs: np.ndarray,
    h0: np.ndarray,
    W_ih: np.ndarray,
    W_hh: np.ndarray,
    b_ih: np.ndarray,
    b_hh: np.ndarray,
    dhs: np.ndarray,
) -> dict[str, np.ndarray]:
    r"""Exercise 10.4 (4 points): backpropagation through time for the GRU, every gradient.

    As for the LSTM (exercise 9.5): the loss is :math:`L = \sum_t \sum_{b,j} d_t[b,j]\,
    h_t[b,j]` with ``dhs[t]`` the gradient reaching the state after ``xs[t]`` directly from
    the loss; each :math:`h_t` also feeds the next step, and every weight gets one share per
    step. Unlike the LSTM's, the two biases have different gradients here: the candidate's
    part of ``b_hh`` sits inside the reset gate's product,
    :math:`n = \tanh(W_{in} x_t + b_{in} + r \odot (W_{hn} h_{t-1} + b_{hn}))`.

    Args:
        xs: ``(T, B, I)``; h0: ``(B, H)``; W_ih, W_hh, b_ih, b_hh: as in :func:`gru_step`.
        dhs: ``(T, B, H)``: ``dhs[t]`` is :math:`\partial L/\partial h` at the state after
            ``xs[t]``, from the loss directly.

    Returns:
        A dict with ``"dxs"`` (T, B, I), ``"dh0"`` (B, H), ``"dW_ih"`` (3H, I), ``"dW_hh"``
        (3H, H), ``"db_ih"`` (3H,) and ``"db_hh"`` (3H,).

    Explained in: lesson 10, "The GRU's equations"; lesson 7, "Backpropagation through time".
    """
    raise NotImplementedError(
        "Exercise 10.4: return every gradient of L = sum(dhs * hs) over the whole sequence"
    )
