"""Lesson 7 exercises: sequences and the unrolled RNN.

Replace each ``raise NotImplementedError(...)`` line with your code, then check your work:

    tinygrad-rnn grade 7        # every exercise of lesson 7
    tinygrad-rnn grade 7.3      # just one exercise

Everything here is plain numpy, in float64. Shapes follow the library (and PyTorch):
sequences are time-major, ``(T, B, I)`` for ``T`` steps of a batch of ``B`` inputs with ``I``
features; weights are ``W_ih (H, I)``, ``W_hh (H, H)``, ``b_ih (H,)``, ``b_hh (H,)``. The
grader compares your values with :class:`tinygrad_rnn.nn.RNN` (the reference) and your
gradients with central differences. Write these yourself: do not call ``tinygrad_rnn.nn``.

| id  | points | what you write                                                      |
|-----|--------|---------------------------------------------------------------------|
| 7.1 | 2      | ``rnn_step``: one step of the recurrence                            |
| 7.2 | 2      | ``rnn_forward``: run it over a sequence, return every hidden state  |
| 7.3 | 3      | ``rnn_bptt``: backpropagation through time for ``W_hh``             |
| 7.4 | 1      | ``rnn_num_params``: count the parameters of a stacked RNN layer     |
| 7.5 | 3      | ``truncated_bptt``: BPTT window by window, with the state carried   |
"""

from __future__ import annotations

import numpy as np


def rnn_step(
    x_t: np.ndarray,
    h_prev: np.ndarray,
    W_ih: np.ndarray,
    W_hh: np.ndarray,
    b_ih: np.ndarray,
    b_hh: np.ndarray,
) -> np.ndarray:
    r"""Exercise 7.1 (2 points): one step of an Elman RNN.

    .. math::

        h_t = \tanh(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})

    for every row (every sequence of the batch) at once. With one example per row, the
    products are ``x_t @ W_ih.T`` and ``h_prev @ W_hh.T``, exactly as in a ``Linear`` layer.

    Args:
        x_t: ``(B, I)`` the inputs at this step.
        h_prev: ``(B, H)`` the hidden state of the previous step.
        W_ih: ``(H, I)``, W_hh: ``(H, H)``, b_ih: ``(H,)``, b_hh: ``(H,)``.

    Returns:
        ``(B, H)``: the new hidden state :math:`h_t`.

    Example:
        >>> W_ih, W_hh = np.array([[1.0]]), np.array([[0.5]])
        >>> b = np.zeros(1)
        >>> rnn_step(np.array([[1.0]]), np.array([[2.0]]), W_ih, W_hh, b, b).round(4)
        array([[0.964]])

    Explained in: lesson 7, "The recurrence".
    """
    raise NotImplementedError("Exercise 7.1: return h_t, the new hidden state (B, H)")


def rnn_forward(
    xs: np.ndarray,
    h0: np.ndarray,
    W_ih: np.ndarray,
    W_hh: np.ndarray,
    b_ih: np.ndarray,
    b_hh: np.ndarray,
) -> np.ndarray:
    r"""Exercise 7.2 (2 points): run the RNN over a whole sequence.

    Start from :math:`h_0` = ``h0`` and apply the step (your ``rnn_step``) once per time
    step, feeding each new state into the next step. Return the hidden states
    :math:`h_1, \dots, h_T`, one per input: ``hs[t]`` is the state right *after* reading
    ``xs[t]``. (So ``h0`` itself is not in the result, and ``hs[-1]`` is the final state;
    this is what ``tinygrad_rnn.nn.RNN`` returns as its output.)

    Args:
        xs: ``(T, B, I)`` the inputs, time first.
        h0: ``(B, H)`` the initial hidden state.
        W_ih, W_hh, b_ih, b_hh: as in :func:`rnn_step`.

    Returns:
        ``(T, B, H)``: the hidden state after each step.

    Example:
        >>> W_ih, W_hh, b = np.array([[1.0]]), np.array([[1.0]]), np.zeros(1)
        >>> xs = np.array([[[1.0]], [[0.0]], [[0.0]]])           # (T=3, B=1, I=1)
        >>> rnn_forward(xs, np.zeros((1, 1)), W_ih, W_hh, b, b).ravel().round(3)
        array([0.762, 0.642, 0.566])

    Explained in: lesson 7, "The recurrence" and "Unrolling".
    """
    raise NotImplementedError(
        "Exercise 7.2: return every hidden state h_1..h_T as one (T, B, H) array"
    )


def rnn_bptt(
    xs: np.ndarray,
    h0: np.ndarray,
    W_ih: np.ndarray,
    W_hh: np.ndarray,
    b_ih: np.ndarray,
    b_hh: np.ndarray,
    dhs: np.ndarray,
) -> np.ndarray:
    r"""Exercise 7.3 (3 points): backpropagation through time, the gradient for ``W_hh``.

    Number the states as in the maths, :math:`h_1, \dots, h_T` (Python's ``hs[0]`` is
    :math:`h_1`). The loss is :math:`L = \sum_t \sum_{b,j} d_t[b,j]\, h_t[b,j]` with
    :math:`d_t` = ``dhs[t - 1]``: :math:`d_t` is the gradient that reaches :math:`h_t`
    *directly* from the loss (from the output at step :math:`t`). But :math:`h_t` also
    feeds :math:`h_{t+1}`, so its full gradient :math:`g_t = \partial L/\partial h_t` has
    a second part, carried back from the future:

    .. math::

        g_T = d_T, \qquad
        \delta_t = g_t \odot (1 - h_t^2), \qquad
        g_{t-1} = d_{t-1} + \delta_t W_{hh}

    where :math:`\delta_t` is the gradient of the pre-activation of step :math:`t` (tanh's
    slope is :math:`1 - h_t^2`). :math:`W_{hh}` is used at every step, so its gradient is
    the sum of every step's contribution, each the product of that step's :math:`\delta_t`
    and the state that was multiplied by :math:`W_{hh}` there, :math:`h_{t-1}`:

    .. math::

        \frac{\partial L}{\partial W_{hh}} = \sum_{t=1}^{T} \delta_t^\top h_{t-1}
        \qquad (\text{shapes: } (H, B) \text{ times } (B, H)).

    Run the forward pass first (keep every :math:`h_t`, and :math:`h_0`), then walk back
    from :math:`t = T` to :math:`t = 1`.

    Args:
        xs: ``(T, B, I)`` inputs.
        h0: ``(B, H)`` initial state.
        W_ih, W_hh, b_ih, b_hh: the weights, as in :func:`rnn_step`.
        dhs: ``(T, B, H)``: ``dhs[t]`` is the direct gradient of the loss at the state
            right after reading ``xs[t]`` (the :math:`d_{t+1}` above).

    Returns:
        ``(H, H)``: :math:`\partial L/\partial W_{hh}`.

    Example:
        >>> W_ih, W_hh, b = np.array([[1.0]]), np.array([[0.5]]), np.zeros(1)
        >>> xs, h0 = np.array([[[1.0]], [[1.0]]]), np.zeros((1, 1))
        >>> rnn_bptt(xs, h0, W_ih, W_hh, b, b, np.ones((2, 1, 1))).round(4)
        array([[0.1703]])

    Explained in: lesson 7, "Backpropagation through time".
    """
    raise NotImplementedError(
        "Exercise 7.3: return dL/dW_hh (H, H) for L = sum(dhs * hs), by backpropagation through time"
    )


def rnn_num_params(
    input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True
) -> int:
    r"""Exercise 7.4 (1 point): how many numbers a (stacked) RNN layer learns.

    Layer 0 reads the inputs (``input_size`` features); every later layer reads the hidden
    states of the layer below it (``hidden_size`` features). Each layer has ``W_ih``,
    ``W_hh`` and, when ``bias`` is true, **two** bias vectors ``b_ih`` and ``b_hh`` (as in
    PyTorch and ``tinygrad_rnn.nn.RNN``). The sequence length does not appear: the same
    weights serve every step.

    Args:
        input_size: ``I``.
        hidden_size: ``H``.
        num_layers: how many layers are stacked.
        bias: whether each layer has its two bias vectors.

    Returns:
        The total number of parameters, an ``int``.

    Example:
        >>> rnn_num_params(1, 16)
        304

    Explained in: lesson 7, "Parameters are shared across time".
    """
    raise NotImplementedError("Exercise 7.4: return how many numbers the stacked RNN layer learns")


def truncated_bptt(
    xs: np.ndarray,
    h0: np.ndarray,
    W_ih: np.ndarray,
    W_hh: np.ndarray,
    b_ih: np.ndarray,
    b_hh: np.ndarray,
    dhs: np.ndarray,
    window: int,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Exercise 7.5 (3 points): truncated backpropagation through time, window by window.

    Cut the sequence into windows of ``window`` steps (the last one may be shorter):
    steps ``0 .. window-1``, then ``window .. 2*window-1``, and so on. Window :math:`k` has
    its own loss, :math:`L_k = \sum_{t \in k} \sum_{b,j} d_t[b,j]\, h_t[b,j]` (the ``dhs`` of
    its steps, as in :func:`rnn_bptt`), and its own gradient :math:`\partial L_k/\partial
    W_{hh}`. Two rules make it *truncated* BPTT, the way a long text is trained:

    * the state is carried: window :math:`k` starts from the state the previous window
      ended in (window 0 from ``h0``), so the forward pass is the same as over the whole
      sequence;
    * the gradient is not: the state a window starts from counts as a constant there, so
      each window's backward pass stops at its own first step (in the library this is
      ``detach``).

    Args:
        xs: ``(T, B, I)``; h0: ``(B, H)``; W_ih, W_hh, b_ih, b_hh: as in :func:`rnn_step`.
        dhs: ``(T, B, H)``, as in :func:`rnn_bptt`.
        window: the number of steps per window, at least 1.

    Returns:
        ``(grads, h_T)``: ``grads`` of shape ``(number of windows, H, H)``, ``grads[k]`` the
        gradient of :math:`L_k`; ``h_T`` ``(B, H)``, the state after the last step.

    Explained in: lesson 11, "Truncated backpropagation through time"; lesson 7,
    "Backpropagation through time".
    """
    raise NotImplementedError(
        "Exercise 7.5: return (grads, h_T): one dW_hh per window, and the final state"
    )
