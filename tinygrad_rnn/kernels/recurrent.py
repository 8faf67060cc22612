r"""Whole-sequence RNN, LSTM and GRU in plain numpy: the readable reference.

This module and :mod:`tinygrad_rnn.kernels.recurrent_jit` (numba) expose the SAME functions with the
same arguments and results. This one is written to be read, one time step at a time; the
other is written to be fast. Tests hold them equal, and hold this one to central
differences.

The shared contract (``T`` steps, batch ``B``, hidden size ``H``, ``G`` gates per cell: 1
for RNN, 4 for LSTM, 3 for GRU; all arrays time-major and of one float dtype):

* ``xw`` (T, B, G*H) is the input projection of every step, computed outside by ONE
  matmul: ``xw = x @ W_ih.T + b_ih``. Only the recurrence is left to these functions.
* ``w_hh`` (G*H, H) and ``b_hh`` (G*H,) are the recurrent weight and bias, in PyTorch's
  layout and gate order (LSTM ``i f g o``, GRU ``r z n``). ``b_hh`` is added inside because
  the GRU multiplies its ``n`` part by the reset gate; every cell takes it the same way.
* ``*_forward`` returns all hidden states ``out`` (T, B, H), the final state(s) and a
  ``cache`` (a NamedTuple of arrays) that ``*_backward`` needs. A cache stays valid for
  as long as you hold it: run two forward passes, then both backward passes, in any order.
  ``out`` is a view into the cache: read it, never write into it.
* ``*_backward`` takes the gradient of the loss with respect to every output (``None``
  means zero) and returns the gradients with respect to every input. From ``grad_xw`` the
  caller finishes with one matmul each: ``dW_ih = grad_xw.reshape(T*B, G*H).T @
  x.reshape(T*B, I)``, ``dx = grad_xw @ W_ih`` and ``db_ih = grad_xw.sum((0, 1))``.
* ``*_layer_forward`` and ``*_layer_backward`` do all of that for a whole layer: they take
  ``x`` and both weights, and return every input's gradient as a ``LayerGrads``. Here
  they just chain the functions above; the numba module runs them as one compiled call
  per direction for small models.

The cells, with :math:`\sigma` the logistic sigmoid and :math:`\odot` the elementwise product:

.. math::

    \text{RNN:}\quad & h_t = \phi(xw_t + W_{hh} h_{t-1} + b_{hh}),\ \phi = \tanh
    \text{ or } \mathrm{relu} \\
    \text{LSTM:}\quad & [i, f, g, o] = [\sigma, \sigma, \tanh, \sigma](xw_t + W_{hh} h_{t-1}
    + b_{hh}),\ c_t = f \odot c_{t-1} + i \odot g,\ h_t = o \odot \tanh c_t \\
    \text{GRU:}\quad & [r, z] = \sigma(xw^{rz}_t + W^{rz}_{hh} h_{t-1} + b^{rz}_{hh}),\
    n = \tanh(xw^n_t + r \odot (W^n_{hh} h_{t-1} + b^n_{hh})),\
    h_t = (1 - z) \odot n + z \odot h_{t-1}

Example:
    >>> import numpy as np
    >>> from tinygrad_rnn.kernels import recurrent as ref
    >>> T, B, H = 5, 2, 3
    >>> rng = np.random.default_rng(0)
    >>> xw = rng.normal(size=(T, B, 4 * H))
    >>> w_hh, b_hh = rng.normal(size=(4 * H, H)), np.zeros(4 * H)
    >>> out, h_T, c_T, cache = ref.lstm_forward(xw, w_hh, b_hh, None, None)
    >>> grads = ref.lstm_backward(np.ones_like(out), None, None, cache, w_hh)
    >>> grads.grad_xw.shape, grads.grad_w_hh.shape
    ((5, 2, 12), (12, 3))
"""

from __future__ import annotations

import numpy as np

from tinygrad_rnn.kernels.contract import (
    GRUCache,
    LayerCache,
    LayerGrads,
    LSTMCache,
    LSTMGrads,
    RecurrentGrads,
    RNNCache,
    check_forward_args,
    check_input_args,
    check_layer_args,
    check_nonlinearity,
    check_w_hh,
    grad_or_zeros,
)

__all__ = [
    "RNNCache",
    "LSTMCache",
    "GRUCache",
    "RecurrentGrads",
    "LSTMGrads",
    "rnn_forward",
    "rnn_backward",
    "lstm_forward",
    "lstm_backward",
    "gru_forward",
    "gru_backward",
    "input_projection",
    "input_backward",
    "rnn_layer_forward",
    "rnn_layer_backward",
    "lstm_layer_forward",
    "lstm_layer_backward",
    "gru_layer_forward",
    "gru_layer_backward",
]


def _sigmoid(a):
    # 0.5 + 0.5 tanh(a/2) is the logistic sigmoid without exp overflow for large |a|
    return 0.5 + 0.5 * np.tanh(0.5 * a)


# --------------------------------------------------------------------------- RNN
def rnn_forward(xw, w_hh, b_hh, h0, nonlinearity="tanh", approx=None):
    r"""Run a tanh or ReLU RNN over a whole sequence.

    Args:
        xw: (T, B, H) input projections ``x @ W_ih.T + b_ih``.
        w_hh: (H, H) recurrent weight.
        b_hh: (H,) recurrent bias, or ``None``.
        h0: (B, H) initial hidden state, or ``None`` for zeros.
        nonlinearity: ``"tanh"`` or ``"relu"``.
        approx: accepted for the same signature as the numba version; ignored here
            (this module always uses exact ``np.tanh``).

    Returns:
        ``(out, h_T, cache)``: ``out`` (T, B, H) all hidden states, ``h_T`` (B, H) a copy
        of the last one, and an :class:`RNNCache` for :func:`rnn_backward`.
    """
    op = "rnn_forward"
    check_nonlinearity(op, nonlinearity)
    xw, w_hh, b_hh, states = check_forward_args(op, xw, w_hh, b_hh, {"h0": h0}, 1)
    n_steps, batch, hidden = xw.shape
    h = np.empty((n_steps + 1, batch, hidden), xw.dtype)  # h[t] is h_t; h[0] = h0
    h[0] = states["h0"]
    for t in range(n_steps):
        a_t = xw[t] + h[t] @ w_hh.T + b_hh  # (B, H)
        h[t + 1] = np.tanh(a_t) if nonlinearity == "tanh" else np.maximum(a_t, 0.0)
    return h[1:], h[-1].copy(), RNNCache(h, nonlinearity)


def rnn_backward(grad_out, grad_hT, cache, w_hh):
    r"""Backpropagate through a whole :func:`rnn_forward` sequence (BPTT).

    Args:
        grad_out: (T, B, H) gradient of the loss w.r.t. every hidden state, or ``None``.
        grad_hT: (B, H) gradient w.r.t. the returned ``h_T``, or ``None``.
        cache: the :class:`RNNCache` returned by the forward pass.
        w_hh: (H, H) the recurrent weight used in the forward pass.

    Returns:
        :class:`RecurrentGrads` ``(grad_xw (T, B, H), grad_w_hh (H, H), grad_b_hh (H,),
        grad_h0 (B, H))``.
    """
    op = "rnn_backward"
    h = cache.h
    w_hh = check_w_hh(op, w_hh, h, 1)
    grad_out = grad_or_zeros(op, "grad_out", grad_out, h[1:])
    dh_next = grad_or_zeros(op, "grad_hT", grad_hT, h[0])  # (B, H)
    grad_xw = np.empty_like(grad_out)
    grad_w_hh = np.zeros_like(w_hh)
    for t in reversed(range(grad_out.shape[0])):
        dh = grad_out[t] + dh_next  # (B, H) from the output and from step t+1
        if cache.nonlinearity == "tanh":
            da = dh * (1.0 - h[t + 1] ** 2)  # (B, H) w.r.t. the pre-activation
        else:
            da = dh * (h[t + 1] > 0)
        grad_xw[t] = da
        grad_w_hh += da.T @ h[t]  # (H, H)
        dh_next = da @ w_hh  # (B, H)
    return RecurrentGrads(grad_xw, grad_w_hh, grad_xw.sum(axis=(0, 1)), dh_next)


# --------------------------------------------------------------------------- LSTM
def lstm_forward(xw, w_hh, b_hh, h0, c0, approx=None):
    r"""Run an LSTM over a whole sequence (PyTorch gate order i, f, g, o).

    Args:
        xw: (T, B, 4H) input projections ``x @ W_ih.T + b_ih``.
        w_hh: (4H, H) recurrent weight.
        b_hh: (4H,) recurrent bias, or ``None``.
        h0: (B, H) initial hidden state, or ``None`` for zeros.
        c0: (B, H) initial cell state, or ``None`` for zeros.
        approx: ignored here (exact ``np.tanh``); see the numba version.

    Returns:
        ``(out, h_T, c_T, cache)``: ``out`` (T, B, H), ``h_T`` and ``c_T`` (B, H) copies of
        the final states, and an :class:`LSTMCache` for :func:`lstm_backward`.
    """
    xw, w_hh, b_hh, states = check_forward_args(
        "lstm_forward", xw, w_hh, b_hh, {"h0": h0, "c0": c0}, 4
    )
    n_steps, batch, four_h = xw.shape
    hidden = four_h // 4
    h = np.empty((n_steps + 1, batch, hidden), xw.dtype)  # h_0 .. h_T
    c = np.empty_like(h)  # c_0 .. c_T
    h[0], c[0] = states["h0"], states["c0"]
    gates = np.empty_like(xw)  # (T, B, 4H)
    tanh_c = np.empty_like(h[1:])  # (T, B, H)
    for t in range(n_steps):
        a_t = xw[t] + h[t] @ w_hh.T + b_hh  # (B, 4H)
        i = _sigmoid(a_t[:, :hidden])
        f = _sigmoid(a_t[:, hidden : 2 * hidden])
        g = np.tanh(a_t[:, 2 * hidden : 3 * hidden])
        o = _sigmoid(a_t[:, 3 * hidden :])
        gates[t] = np.concatenate([i, f, g, o], axis=1)
        c[t + 1] = f * c[t] + i * g  # (B, H)
        tanh_c[t] = np.tanh(c[t + 1])
        h[t + 1] = o * tanh_c[t]
    return h[1:], h[-1].copy(), c[-1].copy(), LSTMCache(h, c, gates, tanh_c)


def lstm_backward(grad_out, grad_hT, grad_cT, cache, w_hh):
    r"""Backpropagate through a whole :func:`lstm_forward` sequence (BPTT).

    Args:
        grad_out: (T, B, H) gradient w.r.t. every hidden state, or ``None``.
        grad_hT: (B, H) gradient w.r.t. ``h_T``, or ``None``.
        grad_cT: (B, H) gradient w.r.t. ``c_T``, or ``None``.
        cache: the :class:`LSTMCache` from the forward pass.
        w_hh: (4H, H) the recurrent weight used in the forward pass.

    Returns:
        :class:`LSTMGrads` ``(grad_xw (T, B, 4H), grad_w_hh (4H, H), grad_b_hh (4H,),
        grad_h0 (B, H), grad_c0 (B, H))``.
    """
    op = "lstm_backward"
    h, c, gates, tanh_c = cache
    w_hh = check_w_hh(op, w_hh, h, 4)
    hidden = h.shape[2]
    grad_out = grad_or_zeros(op, "grad_out", grad_out, h[1:])
    dh_next = grad_or_zeros(op, "grad_hT", grad_hT, h[0])  # (B, H)
    dc_next = grad_or_zeros(op, "grad_cT", grad_cT, c[0])  # (B, H)
    grad_xw = np.empty_like(gates)
    grad_w_hh = np.zeros_like(w_hh)
    for t in reversed(range(gates.shape[0])):
        i, f, g, o = (gates[t, :, k * hidden : (k + 1) * hidden] for k in range(4))
        dh = grad_out[t] + dh_next  # (B, H)
        dc = dc_next + dh * o * (1.0 - tanh_c[t] ** 2)  # through h = o tanh(c)
        da_i = dc * g * i * (1.0 - i)  # w.r.t. the gate pre-activations
        da_f = dc * c[t] * f * (1.0 - f)
        da_g = dc * i * (1.0 - g * g)
        da_o = dh * tanh_c[t] * o * (1.0 - o)
        da = np.concatenate([da_i, da_f, da_g, da_o], axis=1)  # (B, 4H)
        grad_xw[t] = da
        grad_w_hh += da.T @ h[t]  # (4H, H)
        dh_next = da @ w_hh  # (B, H)
        dc_next = dc * f
    return LSTMGrads(grad_xw, grad_w_hh, grad_xw.sum(axis=(0, 1)), dh_next, dc_next)


# --------------------------------------------------------------------------- GRU
def gru_forward(xw, w_hh, b_hh, h0, approx=None):
    r"""Run a GRU over a whole sequence (PyTorch gate order r, z, n).

    Args:
        xw: (T, B, 3H) input projections ``x @ W_ih.T + b_ih`` (without any part of
            ``b_hh``: its ``n`` part is scaled by the reset gate, so it is added inside).
        w_hh: (3H, H) recurrent weight.
        b_hh: (3H,) recurrent bias, or ``None``.
        h0: (B, H) initial hidden state, or ``None`` for zeros.
        approx: ignored here (exact ``np.tanh``); see the numba version.

    Returns:
        ``(out, h_T, cache)``: ``out`` (T, B, H), ``h_T`` (B, H) a copy of the last state,
        and a :class:`GRUCache` for :func:`gru_backward`.
    """
    xw, w_hh, b_hh, states = check_forward_args("gru_forward", xw, w_hh, b_hh, {"h0": h0}, 3)
    n_steps, batch, three_h = xw.shape
    hidden = three_h // 3
    h = np.empty((n_steps + 1, batch, hidden), xw.dtype)  # h_0 .. h_T
    h[0] = states["h0"]
    gates = np.empty_like(xw)  # (T, B, 3H)
    hn = np.empty_like(h[1:])  # (T, B, H)
    for t in range(n_steps):
        hw = h[t] @ w_hh.T + b_hh  # (B, 3H) recurrent part, bias included
        r = _sigmoid(xw[t, :, :hidden] + hw[:, :hidden])
        z = _sigmoid(xw[t, :, hidden : 2 * hidden] + hw[:, hidden : 2 * hidden])
        hn[t] = hw[:, 2 * hidden :]
        n = np.tanh(xw[t, :, 2 * hidden :] + r * hn[t])
        gates[t] = np.concatenate([r, z, n], axis=1)
        h[t + 1] = (1.0 - z) * n + z * h[t]
    return h[1:], h[-1].copy(), GRUCache(h, gates, hn)


def gru_backward(grad_out, grad_hT, cache, w_hh):
    r"""Backpropagate through a whole :func:`gru_forward` sequence (BPTT).

    Args:
        grad_out: (T, B, H) gradient w.r.t. every hidden state, or ``None``.
        grad_hT: (B, H) gradient w.r.t. ``h_T``, or ``None``.
        cache: the :class:`GRUCache` from the forward pass.
        w_hh: (3H, H) the recurrent weight used in the forward pass.

    Returns:
        :class:`RecurrentGrads` ``(grad_xw (T, B, 3H), grad_w_hh (3H, H), grad_b_hh (3H,),
        grad_h0 (B, H))``. Unlike RNN and LSTM, ``grad_b_hh`` differs from
        ``grad_xw.sum((0, 1))`` in its ``n`` part (scaled by the reset gate).
    """
    op = "gru_backward"
    h, gates, hn = cache
    w_hh = check_w_hh(op, w_hh, h, 3)
    hidden = h.shape[2]
    grad_out = grad_or_zeros(op, "grad_out", grad_out, h[1:])
    dh_next = grad_or_zeros(op, "grad_hT", grad_hT, h[0])  # (B, H)
    grad_xw = np.empty_like(gates)
    grad_w_hh = np.zeros_like(w_hh)
    grad_b_hh = np.zeros(w_hh.shape[0], w_hh.dtype)
    for t in reversed(range(gates.shape[0])):
        r, z, n = (gates[t, :, k * hidden : (k + 1) * hidden] for k in range(3))
        dh = grad_out[t] + dh_next  # (B, H)
        da_z = dh * (h[t] - n) * z * (1.0 - z)  # h_{t+1} = n + z (h_t - n)
        da_n = dh * (1.0 - z) * (1.0 - n * n)  # w.r.t. the pre-activation of n
        da_r = da_n * hn[t] * r * (1.0 - r)
        grad_xw[t] = np.concatenate([da_r, da_z, da_n], axis=1)
        dhw = np.concatenate([da_r, da_z, da_n * r], axis=1)  # w.r.t. W_hh h_t + b_hh
        grad_w_hh += dhw.T @ h[t]  # (3H, H)
        grad_b_hh += dhw.sum(axis=0)
        dh_next = dh * z + dhw @ w_hh  # (B, H)
    return RecurrentGrads(grad_xw, grad_w_hh, grad_b_hh, dh_next)


# --------------------------------------------------------------------------- input matmuls
def input_projection(x, w_ih, b_ih):
    r"""``xw = x @ w_ih.T + b_ih`` for all steps at once: the part outside the recurrence.

    Args:
        x: (T, B, I) inputs.
        w_ih: (G*H, I) input weight.
        b_ih: (G*H,) input bias, or ``None``.

    Returns:
        ``xw`` (T, B, G*H), ready for ``*_forward``.
    """
    x, w_ih = np.asarray(x), np.asarray(w_ih)
    check_input_args("input_projection", x, w_ih)
    xw = x @ w_ih.T  # (T, B, G*H): one matmul for every step
    return xw if b_ih is None else xw + b_ih


def input_backward(grad_xw, x, w_ih):
    r"""Gradients of :func:`input_projection` from ``grad_xw`` (T, B, G*H).

    Args:
        grad_xw: (T, B, G*H) gradient w.r.t. ``xw``, as returned by ``*_backward``.
        x: (T, B, I) the inputs of the forward pass.
        w_ih: (G*H, I) the input weight.

    Returns:
        ``(grad_x (T, B, I), grad_w_ih (G*H, I), grad_b_ih (G*H,))``.
    """
    x, w_ih = np.asarray(x), np.asarray(w_ih)
    check_input_args("input_backward", x, w_ih)
    grad_x = grad_xw @ w_ih  # (T, B, I)
    n_rows = x.shape[0] * x.shape[1]
    grad_w_ih = grad_xw.reshape(n_rows, -1).T @ x.reshape(n_rows, -1)  # (G*H, I)
    return grad_x, grad_w_ih, grad_xw.sum(axis=(0, 1))


# --------------------------------------------------------------------------- whole layers
# A layer is the input projection followed by the recurrence; these chain the functions
# above and are what the fused nn layers call (recurrent_jit runs them in one compiled call
# per direction for small models).


def _layer_grads(g, cache, need_grad_x, grad_c0=None):
    grad_x, grad_w_ih, grad_b_ih = input_backward(g.grad_xw, cache.x, cache.w_ih)
    return LayerGrads(
        grad_x if need_grad_x else None,
        grad_w_ih,
        g.grad_w_hh,
        grad_b_ih,
        g.grad_b_hh,
        g.grad_h0,
        grad_c0,
    )


def rnn_layer_forward(x, w_ih, w_hh, b_ih, b_hh, h0, nonlinearity="tanh", approx=None):
    r"""A whole RNN layer: :func:`input_projection`, then :func:`rnn_forward`.

    Args:
        x: (T, B, I) inputs. w_ih: (H, I), w_hh: (H, H) weights. b_ih, b_hh: (H,) biases
            or ``None``. h0: (B, H) initial state or ``None``. nonlinearity, approx: as in
            :func:`rnn_forward`.

    Returns:
        ``(out, cache)``: ``out`` (T, B, H) and a
        :class:`~tinygrad_rnn.kernels.contract.LayerCache`.
    """
    op = "rnn_layer_forward"
    check_nonlinearity(op, nonlinearity)
    x, w_ih, w_hh, b_ih, b_hh, (h0,) = check_layer_args(op, x, w_ih, w_hh, b_ih, b_hh, (h0,), 1)
    xw = input_projection(x, w_ih, b_ih)
    out, _, cell = rnn_forward(xw, w_hh, b_hh, h0, nonlinearity, approx)
    return out, LayerCache(x, w_ih, w_hh, cell)


def rnn_layer_backward(grad_out, cache, need_grad_x=True):
    r"""Gradients of :func:`rnn_layer_forward`: :func:`rnn_backward`, then
    :func:`input_backward`. Returns :class:`~tinygrad_rnn.kernels.contract.LayerGrads`
    (``grad_x`` ``None`` unless ``need_grad_x``; ``grad_c0`` ``None``)."""
    g = rnn_backward(grad_out, None, cache.cell, cache.w_hh)
    return _layer_grads(g, cache, need_grad_x)


def lstm_layer_forward(x, w_ih, w_hh, b_ih, b_hh, h0, c0, approx=None):
    r"""A whole LSTM layer: :func:`input_projection`, then :func:`lstm_forward`.

    Args:
        x: (T, B, I) inputs. w_ih: (4H, I), w_hh: (4H, H) weights. b_ih, b_hh: (4H,)
            biases or ``None``. h0, c0: (B, H) initial states or ``None``. approx: as in
            :func:`lstm_forward`.

    Returns:
        ``(out, c_T, cache)``: ``out`` (T, B, H), the final cell state ``c_T`` (B, H) and
        a :class:`~tinygrad_rnn.kernels.contract.LayerCache`.
    """
    op = "lstm_layer_forward"
    x, w_ih, w_hh, b_ih, b_hh, (h0, c0) = check_layer_args(
        op, x, w_ih, w_hh, b_ih, b_hh, (h0, c0), 4
    )
    xw = input_projection(x, w_ih, b_ih)
    out, _, c_T, cell = lstm_forward(xw, w_hh, b_hh, h0, c0, approx)
    return out, c_T, LayerCache(x, w_ih, w_hh, cell)


def lstm_layer_backward(grad_out, grad_cT, cache, need_grad_x=True):
    r"""Gradients of :func:`lstm_layer_forward` (``grad_cT``: (B, H) or ``None``):
    :func:`lstm_backward`, then :func:`input_backward`. Returns
    :class:`~tinygrad_rnn.kernels.contract.LayerGrads`."""
    g = lstm_backward(grad_out, None, grad_cT, cache.cell, cache.w_hh)
    return _layer_grads(g, cache, need_grad_x, g.grad_c0)


def gru_layer_forward(x, w_ih, w_hh, b_ih, b_hh, h0, approx=None):
    r"""A whole GRU layer: :func:`input_projection`, then :func:`gru_forward`.

    Args:
        x: (T, B, I) inputs. w_ih: (3H, I), w_hh: (3H, H) weights. b_ih, b_hh: (3H,)
            biases or ``None``. h0: (B, H) initial state or ``None``. approx: as in
            :func:`gru_forward`.

    Returns:
        ``(out, cache)``: ``out`` (T, B, H) and a
        :class:`~tinygrad_rnn.kernels.contract.LayerCache`.
    """
    op = "gru_layer_forward"
    x, w_ih, w_hh, b_ih, b_hh, (h0,) = check_layer_args(op, x, w_ih, w_hh, b_ih, b_hh, (h0,), 3)
    out, _, cell = gru_forward(input_projection(x, w_ih, b_ih), w_hh, b_hh, h0, approx)
    return out, LayerCache(x, w_ih, w_hh, cell)


def gru_layer_backward(grad_out, cache, need_grad_x=True):
    r"""Gradients of :func:`gru_layer_forward`: :func:`gru_backward`, then
    :func:`input_backward`. Returns :class:`~tinygrad_rnn.kernels.contract.LayerGrads`
    (``grad_c0`` ``None``)."""
    g = gru_backward(grad_out, None, cache.cell, cache.w_hh)
    return _layer_grads(g, cache, need_grad_x)
