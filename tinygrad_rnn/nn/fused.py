r"""Whole-sequence recurrent layers as single Tensor ops, running the fused kernels.

An unrolled RNN over ``T`` steps is ``T`` copies of the cell's graph: dozens of small ops
per step, each a Python call in the forward pass and another in the backward pass. Here one
:class:`~tinygrad_rnn.function.Function` stands for one whole layer over the whole sequence:

* **forward**: the input projections of all steps as ONE matmul,
  :math:`XW = X W_{ih}^\top + b_{ih}` with :math:`X` reshaped to ``(T*B, I)``; then the
  recurrence (the only part that must go step by step) in a fused kernel of
  :mod:`tinygrad_rnn.rnn_kernels` (numba) or its numpy twin :mod:`tinygrad_rnn.rnn_reference`.
* **backward**: the kernel runs backpropagation through time and returns
  :math:`\partial L/\partial XW` for every step; then ONE matmul each gives
  :math:`\partial L/\partial W_{ih} = G^\top X` and :math:`\partial L/\partial X = G W_{ih}`.

Which implementation runs follows the switch of :mod:`tinygrad_rnn.backend`: numba unless
it is missing, ``NUMBA_DISABLE_JIT`` is set, or ``backend.use_numba(False)`` was called.
In float32 the numba kernels use a fast rational ``tanh`` (error ~3e-7, float32's own
rounding size); float64 is exact, and the tests hold these ops equal to the unrolled graph
of :mod:`tinygrad_rnn.nn.cells` to 1e-10.

A Function returns one array. The RNN and GRU ops return all hidden states ``(T, B, H)``
(the final state is the last row). The LSTM op must also hand back the final *cell* state,
so it returns ``(T+1, B, H)``: rows ``0..T-1`` are the hidden states, row ``T`` is
:math:`c_T`. The layers slice the rows apart; slicing is differentiable, so gradients
arriving at :math:`c_T` reach the kernel's backward as ``grad_cT``.

Example:
    >>> import numpy as np
    >>> from tinygrad_rnn.tensor import Tensor
    >>> T, B, I, H = 4, 2, 3, 5
    >>> rng = np.random.default_rng(0)
    >>> x = Tensor(rng.normal(size=(T, B, I)), dtype=np.float64)
    >>> w_ih, w_hh = (Tensor(rng.normal(size=s), requires_grad=True, dtype=np.float64)
    ...               for s in [(H, I), (H, H)])
    >>> zero_b = Tensor(np.zeros(H), dtype=np.float64)
    >>> zero_h = Tensor(np.zeros((B, H)), dtype=np.float64)
    >>> out = FusedRNN.apply(x, w_ih, w_hh, zero_b, zero_b, zero_h, nonlinearity="tanh")
    >>> out.shape
    (4, 2, 5)
    >>> out.sum().backward()
    >>> w_hh.grad.shape
    (5, 5)
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from tinygrad_rnn import backend
from tinygrad_rnn.function import Function

__all__ = ["FusedRNN", "FusedLSTM", "FusedGRU", "kernel_module"]


def kernel_module() -> ModuleType:
    """The module with the whole-sequence functions: numba kernels, or the numpy reference."""
    from tinygrad_rnn.rnn_reference import get_impl

    return get_impl(backend.numba_enabled())


class _FusedLayer(Function):
    """What the three ops share: the hoisted input projection and its gradients."""

    __slots__ = ("x2", "w_ih", "w_hh", "cache", "impl", "shape")

    def _project(self, x: np.ndarray, w_ih: np.ndarray, b_ih: np.ndarray) -> np.ndarray:
        """``x @ W_ih.T + b_ih`` for all steps as one matmul: (T, B, I) -> (T, B, G*H)."""
        n_steps, batch, n_in = x.shape
        self.shape = x.shape
        self.x2 = x.reshape(n_steps * batch, n_in)  # (T*B, I), a copy only if x is strided
        xw = self.x2 @ w_ih.T  # (T*B, G*H)
        xw += b_ih
        self.w_ih = w_ih
        self.impl = kernel_module()
        return xw.reshape(n_steps, batch, -1)

    def _input_grads(self, grad_xw: np.ndarray) -> tuple:
        """``dx``, ``dW_ih`` and ``db_ih`` from the gradient of the projections, one matmul each."""
        g2 = grad_xw.reshape(-1, grad_xw.shape[2])  # (T*B, G*H)
        needs = self.needs_input_grad
        grad_x = (g2 @ self.w_ih).reshape(self.shape) if needs[0] else None  # (T, B, I)
        grad_w_ih = g2.T @ self.x2 if needs[1] else None  # (G*H, I)
        grad_b_ih = g2.sum(axis=0) if needs[3] else None  # (G*H,)
        return grad_x, grad_w_ih, grad_b_ih


class FusedRNN(_FusedLayer):
    r"""One Elman RNN layer over a sequence: :math:`h_t = \phi(W_{ih} x_t + b_{ih} + W_{hh}
    h_{t-1} + b_{hh})`.

    Inputs: ``x`` (T, B, I), ``w_ih`` (H, I), ``w_hh`` (H, H), ``b_ih`` (H,), ``b_hh`` (H,),
    ``h0`` (B, H); setting ``nonlinearity="tanh"`` or ``"relu"``. Output: (T, B, H).
    """

    __slots__ = ()

    @classmethod
    def op_name(cls) -> str:
        return "fused_rnn"

    def forward(self, x, w_ih, w_hh, b_ih, b_hh, h0, nonlinearity="tanh"):
        xw = self._project(x, w_ih, b_ih)
        self.w_hh = w_hh
        out, _, self.cache = self.impl.rnn_forward(xw, w_hh, b_hh, h0, nonlinearity)
        return out  # (T, B, H)

    def backward(self, grad_out):
        grads = self.impl.rnn_backward(grad_out, None, self.cache, self.w_hh)
        grad_x, grad_w_ih, grad_b_ih = self._input_grads(grads.grad_xw)
        return grad_x, grad_w_ih, grads.grad_w_hh, grad_b_ih, grads.grad_b_hh, grads.grad_h0


class FusedLSTM(_FusedLayer):
    r"""One LSTM layer over a sequence (gates i, f, g, o as in PyTorch).

    Inputs: ``x`` (T, B, I), ``w_ih`` (4H, I), ``w_hh`` (4H, H), ``b_ih`` (4H,),
    ``b_hh`` (4H,), ``h0`` (B, H), ``c0`` (B, H). Output: (T+1, B, H), the hidden states
    :math:`h_1 \ldots h_T` followed by the final cell state :math:`c_T`.
    """

    __slots__ = ()

    @classmethod
    def op_name(cls) -> str:
        return "fused_lstm"

    def forward(self, x, w_ih, w_hh, b_ih, b_hh, h0, c0):
        xw = self._project(x, w_ih, b_ih)
        self.w_hh = w_hh
        out, _, c_last, self.cache = self.impl.lstm_forward(xw, w_hh, b_hh, h0, c0)
        n_steps = out.shape[0]
        packed = np.empty((n_steps + 1, *out.shape[1:]), dtype=out.dtype)  # (T+1, B, H)
        packed[:n_steps] = out
        packed[n_steps] = c_last
        return packed

    def backward(self, grad_packed):
        n_steps = grad_packed.shape[0] - 1
        grads = self.impl.lstm_backward(
            grad_packed[:n_steps], None, grad_packed[n_steps], self.cache, self.w_hh
        )
        grad_x, grad_w_ih, grad_b_ih = self._input_grads(grads.grad_xw)
        return (
            grad_x,
            grad_w_ih,
            grads.grad_w_hh,
            grad_b_ih,
            grads.grad_b_hh,
            grads.grad_h0,
            grads.grad_c0,
        )


class FusedGRU(_FusedLayer):
    r"""One GRU layer over a sequence (gates r, z, n as in PyTorch).

    Inputs: ``x`` (T, B, I), ``w_ih`` (3H, I), ``w_hh`` (3H, H), ``b_ih`` (3H,),
    ``b_hh`` (3H,), ``h0`` (B, H). Output: (T, B, H).
    """

    __slots__ = ()

    @classmethod
    def op_name(cls) -> str:
        return "fused_gru"

    def forward(self, x, w_ih, w_hh, b_ih, b_hh, h0):
        xw = self._project(x, w_ih, b_ih)
        self.w_hh = w_hh
        out, _, self.cache = self.impl.gru_forward(xw, w_hh, b_hh, h0)
        return out  # (T, B, H)

    def backward(self, grad_out):
        grads = self.impl.gru_backward(grad_out, None, self.cache, self.w_hh)
        grad_x, grad_w_ih, grad_b_ih = self._input_grads(grads.grad_xw)
        return grad_x, grad_w_ih, grads.grad_w_hh, grad_b_ih, grads.grad_b_hh, grads.grad_h0
