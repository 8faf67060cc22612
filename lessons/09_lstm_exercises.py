"""Lesson 9 exercises: the LSTM.

Replace each ``raise NotImplementedError(...)`` line with your code, then check your work:

    tinygrad-rnn grade 9        # every exercise of lesson 9
    tinygrad-rnn grade 9.3      # just one exercise

Everything here is plain numpy, in float64. Shapes and gate order follow the library (and
PyTorch): sequences are time-major ``(T, B, I)``; ``W_ih (4H, I)``, ``W_hh (4H, H)``,
``b_ih (4H,)``, ``b_hh (4H,)`` hold the four gates stacked in the order **i, f, g, o**
(rows ``0:H`` are the input gate, ``H:2H`` the forget gate, ``2H:3H`` the candidate,
``3H:4H`` the output gate). The grader compares your values with
:class:`tinygrad_rnn.nn.LSTM` and your gradients with central differences. Write these
yourself: do not call ``tinygrad_rnn.nn``.

| id  | points | what you write                                                        |
|-----|--------|-----------------------------------------------------------------------|
| 9.1 | 2      | ``lstm_step``: one step, gates i, f, g, o                             |
| 9.2 | 2      | ``lstm_forward``: a whole sequence from an initial state              |
| 9.3 | 3      | ``lstm_step_backward``: one step's gradients                          |
| 9.4 | 1      | ``lstm_num_params`` and ``set_forget_bias_``                          |
| 9.5 | 4      | ``lstm_bptt``: every gradient over a whole sequence                   |
| 9.6 | 3      | ``first_step_gradients``: an experiment, step 1 of 50, LSTM vs RNN    |
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-z)), a helper you may use (it is not graded)."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # the same function, without overflow warnings


def lstm_step(
    x_t: np.ndarray,
    h_prev: np.ndarray,
    c_prev: np.ndarray,
    W_ih: np.ndarray,
    W_hh: np.ndarray,
    b_ih: np.ndarray,
    b_hh: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Exercise 9.1 (2 points): one step of an LSTM.

    .. math::

        a &= x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}
            \quad (B, 4H), \text{ cut into } a_i, a_f, a_g, a_o \text{ in that order} \\
        i &= \sigma(a_i), \quad f = \sigma(a_f), \quad g = \tanh(a_g), \quad o = \sigma(a_o) \\
        c_t &= f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot \tanh(c_t)

    Args:
        x_t: ``(B, I)`` the inputs at this step.
        h_prev: ``(B, H)`` the previous hidden state.
        c_prev: ``(B, H)`` the previous cell state.
        W_ih: ``(4H, I)``, W_hh: ``(4H, H)``, b_ih: ``(4H,)``, b_hh: ``(4H,)``.

    Returns:
        ``(h_t, c_t)``, each ``(B, H)``.

    Example:
        >>> W_ih, W_hh, b = np.zeros((4, 1)), np.zeros((4, 1)), np.zeros(4)
        >>> h, c = lstm_step(np.ones((1, 1)), np.zeros((1, 1)), np.ones((1, 1)), W_ih, W_hh, b, b)
        >>> c, h.round(4)          # every gate is sigmoid(0) = 0.5 and g = tanh(0) = 0
        (array([[0.5]]), array([[0.2311]]))

    Explained in: lesson 9, "Gates and the cell state".
    """
    raise NotImplementedError("Exercise 9.1: return (h_t, c_t), each (B, H), after one LSTM step")


def lstm_forward(
    xs: np.ndarray,
    h0: np.ndarray,
    c0: np.ndarray,
    W_ih: np.ndarray,
    W_hh: np.ndarray,
    b_ih: np.ndarray,
    b_hh: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Exercise 9.2 (2 points): run the LSTM over a whole sequence.

    Start from the state :math:`(h_0, c_0)` given (not from zeros) and apply the step once
    per input, carrying *both* states forward. Return every hidden state
    :math:`h_1, \dots, h_T` (``hs[t]`` is the state right after reading ``xs[t]``, as
    ``tinygrad_rnn.nn.LSTM`` returns it) and the final state :math:`(h_T, c_T)`.

    Args:
        xs: ``(T, B, I)`` inputs.
        h0: ``(B, H)`` initial hidden state.
        c0: ``(B, H)`` initial cell state.
        W_ih, W_hh, b_ih, b_hh: as in :func:`lstm_step`.

    Returns:
        ``(hs, h_T, c_T)``: ``hs`` of shape ``(T, B, H)``, ``h_T`` and ``c_T`` ``(B, H)``.

    Example:
        >>> W_ih, W_hh, b = np.zeros((4, 1)), np.zeros((4, 1)), np.zeros(4)
        >>> hs, h_T, c_T = lstm_forward(np.ones((3, 1, 1)), np.zeros((1, 1)), np.ones((1, 1)),
        ...                             W_ih, W_hh, b, b)
        >>> hs.shape, c_T.item()     # the cell state halves at every step: f = 0.5
        ((3, 1, 1), 0.125)

    Explained in: lesson 9, "Gates and the cell state" and "The LSTM's graph".
    """
    raise NotImplementedError(
        "Exercise 9.2: return (hs, h_T, c_T) after running the LSTM over the sequence"
    )


def lstm_step_backward(
    x_t: np.ndarray,
    h_prev: np.ndarray,
    c_prev: np.ndarray,
    W_ih: np.ndarray,
    W_hh: np.ndarray,
    b_ih: np.ndarray,
    b_hh: np.ndarray,
    dh: np.ndarray,
    dc: np.ndarray,
) -> dict[str, np.ndarray]:
    r"""Exercise 9.3 (3 points): the backward pass of one LSTM step.

    The step of :func:`lstm_step` produced :math:`h_t` and :math:`c_t`; the gradients of the
    loss with respect to them are ``dh`` and ``dc`` (both ``(B, H)``; think of
    :math:`L = \sum dh \odot h_t + \sum dc \odot c_t`). Recompute the forward pass, then
    apply the chain rule backwards:

    .. math::

        do &= dh \odot \tanh(c_t), \qquad
        dc_{\text{total}} = dc + dh \odot o \odot (1 - \tanh^2(c_t)) \\
        di &= dc_{\text{total}} \odot g, \quad df = dc_{\text{total}} \odot c_{t-1}, \quad
        dg = dc_{\text{total}} \odot i, \quad dc_{t-1} = dc_{\text{total}} \odot f \\
        da &= [\,di \odot i(1-i),\; df \odot f(1-f),\; dg \odot (1-g^2),\;
             do \odot o(1-o)\,] \quad (B, 4H)

    and from the pre-activation gradient :math:`da` the rest, as for a ``Linear`` layer:
    ``dx = da @ W_ih``, ``dh_prev = da @ W_hh``, ``dW_ih = da.T @ x_t``,
    ``dW_hh = da.T @ h_prev``, and ``db = da.sum(axis=0)`` (the same for ``b_ih`` and
    ``b_hh``, which enter as a sum).

    Note the two routes into :math:`c_t`: directly (``dc``, from the next step's cell
    state) and through :math:`h_t = o \odot \tanh(c_t)`.

    Args:
        x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh: as in :func:`lstm_step`.
        dh: ``(B, H)`` :math:`\partial L/\partial h_t`.
        dc: ``(B, H)`` :math:`\partial L/\partial c_t` (from the future only).

    Returns:
        A dict with ``"dx"`` (B, I), ``"dh_prev"`` (B, H), ``"dc_prev"`` (B, H),
        ``"dW_ih"`` (4H, I), ``"dW_hh"`` (4H, H) and ``"db"`` (4H,).

    Example:
        >>> W_ih, W_hh, b = np.zeros((4, 1)), np.zeros((4, 1)), np.zeros(4)
        >>> one = np.ones((1, 1))
        >>> g = lstm_step_backward(one, one, one, W_ih, W_hh, b, b, one, np.zeros((1, 1)))
        >>> g["dc_prev"].round(4)   # f = 0.5, o = 0.5, c_t = 0.5
        array([[0.1966]])

    Explained in: lesson 9, "Why the cell state keeps the gradient alive".
    """
    raise NotImplementedError(
        "Exercise 9.3: return the dict of gradients of one LSTM step, one per input"
    )


def lstm_num_params(
    input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True
) -> int:
    r"""Exercise 9.4 (1 point, with ``set_forget_bias_``): the size of a stacked LSTM.

    Every layer has ``W_ih (4H, n_in)`` and ``W_hh (4H, H)`` and, with ``bias``, two bias
    vectors ``b_ih`` and ``b_hh`` of ``4H`` each (as PyTorch and ``tinygrad_rnn.nn.LSTM``).
    Layer 0 reads the inputs (``n_in = input_size``); every later layer reads the hidden
    states of the layer below (``n_in = hidden_size``).

    Args:
        input_size: ``I``.
        hidden_size: ``H``.
        num_layers: how many layers are stacked.
        bias: whether each layer has its two bias vectors.

    Returns:
        The number of parameters, an ``int``.

    Example:
        >>> lstm_num_params(1, 16)
        1216

    Explained in: lesson 9, "Stacking LSTMs".
    """
    raise NotImplementedError("Exercise 9.4: return how many numbers the stacked LSTM layer learns")


def set_forget_bias_(bias: np.ndarray, value: float = 1.0) -> np.ndarray:
    r"""Exercise 9.4 (with ``lstm_num_params``): start the forget gate open, in place.

    ``bias`` is an LSTM bias of shape ``(4H,)`` in the gate order i, f, g, o. Set the forget
    gate's part, entries ``H`` to ``2H``, to ``value``; leave the other three gates' entries
    as they are. Change the array in place and return it.

    Args:
        bias: ``(4H,)``.
        value: the forget gate's bias, 1.0 by default.

    Returns:
        ``bias`` itself.

    Example:
        >>> set_forget_bias_(np.zeros(8), 1.0)
        array([0., 0., 1., 1., 0., 0., 0., 0.])

    Explained in: lesson 9, "The forget-gate bias".
    """
    raise NotImplementedError(
        "Exercise 9.4: set the forget gate's part of the (4H,) bias to value, in place"
    )


def lstm_bptt(
    xs: np.ndarray,
    h0: np.ndarray,
    c0: np.ndarray,
    W_ih: np.ndarray,
    W_hh: np.ndarray,
    b_ih: np.ndarray,
    b_hh: np.ndarray,
    dhs: np.ndarray,
) -> dict[str, np.ndarray]:
    r"""Exercise 9.5 (4 points): backpropagation through time for the LSTM, every gradient.

    The loss is :math:`L = \sum_t \sum_{b,j} d_t[b,j]\, h_t[b,j]` with ``dhs[t]`` the gradient
    reaching the state right after reading ``xs[t]`` directly from the loss. Each :math:`h_t`
    and :math:`c_t` also feed the next step, so the gradient of the loss with respect to them
    has a second part carried back from the future, and every weight gets one share per step
    that used it. Return the gradients of :math:`L` with respect to every input of
    :func:`lstm_forward` (``db`` is the gradient of ``b_ih``; ``b_hh`` enters the same sum
    and has the same gradient).

    Args:
        xs: ``(T, B, I)``; h0, c0: ``(B, H)``; W_ih, W_hh, b_ih, b_hh: as in :func:`lstm_step`.
        dhs: ``(T, B, H)``: ``dhs[t]`` is :math:`\partial L/\partial h` at the state after
            ``xs[t]``, from the loss directly.

    Returns:
        A dict with ``"dxs"`` (T, B, I), ``"dh0"`` (B, H), ``"dc0"`` (B, H), ``"dW_ih"``
        (4H, I), ``"dW_hh"`` (4H, H) and ``"db"`` (4H,).

    Explained in: lesson 9, "The LSTM's graph" and "Why the cell state keeps the gradient
    alive"; lesson 7, "Backpropagation through time".
    """
    raise NotImplementedError(
        "Exercise 9.5: return every gradient of L = sum(dhs * hs) over the whole sequence"
    )


def first_step_gradients(
    xs: np.ndarray, dh_T: np.ndarray, rnn: dict[str, np.ndarray], lstm: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    r"""Exercise 9.6 (3 points), an experiment: how much gradient reaches step 1 of 50?

    The same 50 inputs go through a tanh RNN and through an LSTM, both starting from zero
    states; only the last hidden state is scored, :math:`L = \sum dh_T \odot h_T`. Measure,
    for each model, how large the gradient reaching every input is:
    :math:`\lVert \partial L / \partial x_t \rVert` (all entries of the ``(B, I)`` gradient)
    for ``t = 0 .. T-1``. Use your own code (lesson 7's recurrence, 9.5's BPTT).

    The grader runs this on models it starts as PyTorch does, with the LSTM's forget-gate
    bias set open (+1) and, once, nearly shut (-3), and checks what your numbers show: the
    lesson's claim that the cell state carries the gradient back orders of magnitude better
    than the RNN's state when the forget gate is open, and not when it is shut.

    Args:
        xs: ``(T, B, I)`` inputs.
        dh_T: ``(B, H)`` :math:`\partial L/\partial h_T`.
        rnn: ``{"W_ih": (H, I), "W_hh": (H, H), "b_ih": (H,), "b_hh": (H,)}``.
        lstm: ``{"W_ih": (4H, I), "W_hh": (4H, H), "b_ih": (4H,), "b_hh": (4H,)}``.

    Returns:
        ``(rnn_norms, lstm_norms)``, each of shape ``(T,)``: entry ``t`` is the norm of the
        gradient with respect to ``xs[t]``.

    Explained in: lesson 9, "Why the cell state keeps the gradient alive"; lesson 8, "The
    gradient's size through time".
    """
    raise NotImplementedError(
        "Exercise 9.6: return ||dL/dx_t|| for every step, for the RNN and for the LSTM"
    )
