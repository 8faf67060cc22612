r"""Whole-sequence recurrent layers as single Tensor ops, running the fused kernels.

An unrolled RNN over ``T`` steps is ``T`` copies of the cell's graph: dozens of small ops
per step, each a Python call in the forward pass and another in the backward pass. Here one
:class:`~tinygrad_rnn.function.Function` stands for one whole layer over the whole sequence:

* **forward**: the input projections of all steps as ONE matmul,
  :math:`XW = X W_{ih}^\top + b_{ih}` with :math:`X` reshaped to ``(T*B, I)``; then the
  recurrence (the only part that must go step by step) in a fused kernel of
  :mod:`tinygrad_rnn.kernels.recurrent_jit` (numba) or its numpy twin
  :mod:`tinygrad_rnn.kernels.recurrent`.
* **backward**: the kernel runs backpropagation through time and finds
  :math:`\partial L/\partial XW` for every step; then ONE matmul each gives
  :math:`\partial L/\partial W_{ih} = G^\top X` and :math:`\partial L/\partial X = G W_{ih}`.

Both directions are one call of the kernel module's ``*_layer_forward`` /
``*_layer_backward``; for small models that call is a single compiled function, so a
tiny layer pays for Python once per direction, not once per piece.

Which implementation runs follows the switch of :mod:`tinygrad_rnn.kernels`: numba unless
it is missing, ``NUMBA_DISABLE_JIT`` is set, or ``kernels.use_numba(False)`` was called.
In float32 the numba kernels use a fast rational ``tanh`` (error ~3e-7, float32's own
rounding size); float64 is exact, and the tests hold these ops equal to the unrolled graph
of :mod:`tinygrad_rnn.nn.cells` to 1e-10.

Each op is a Function with several outputs, like the layer it serves: the hidden states
``(T, B, H)``, then the final state, ``(1, B, H)`` per field: :math:`h_T` (a view of the
last row of the first output) and, for the LSTM, :math:`c_T`. Their backward gets one
gradient per output, ``None`` for a final state nothing used (as in most training loops);
a gradient that reaches :math:`h_T` is added to the last row of the first output's.

Example:
    >>> import numpy as np
    >>> from tinygrad_rnn.tensor import Tensor
    >>> T, B, I, H = 4, 2, 3, 5
    >>> rng = np.random.default_rng(0)
    >>> x = Tensor(rng.normal(size=(T, B, I)), dtype=np.float64)
    >>> w_ih, w_hh = (Tensor(rng.normal(size=s), requires_grad=True, dtype=np.float64)
    ...               for s in [(H, I), (H, H)])
    >>> zero_b = Tensor(np.zeros(H), dtype=np.float64)
    >>> zero_h = Tensor(np.zeros((1, B, H)), dtype=np.float64)  # (num_layers, B, H)
    >>> out, h_T = FusedRNN.apply(x, w_ih, w_hh, zero_b, zero_b, zero_h, nonlinearity="tanh")
    >>> out.shape, h_T.shape
    ((4, 2, 5), (1, 2, 5))
    >>> out.sum().backward()
    >>> w_hh.grad.shape
    (5, 5)
"""

from __future__ import annotations

import numpy as np

from tinygrad_rnn import kernels
from tinygrad_rnn.function import Function

__all__ = ["FusedRNN", "FusedLSTM", "FusedGRU"]


class _FusedLayer(Function):
    """What the three ops share: the initial-state slicing and its gradient.

    The initial states come in as the layer stack's whole ``(L, B, H)`` tensors with the
    setting ``layer=l``; slicing ``[l]`` happens here rather than as separate graph nodes,
    which saves two ops per layer (it matters at small sizes, where a whole sequence takes
    a fraction of a millisecond). The work itself is one ``*_layer_forward`` /
    ``*_layer_backward`` call of the kernel module: input projections and recurrence
    together (for small models, one compiled call per direction).
    """

    __slots__ = ("cache", "impl", "layer", "state_shape")

    def _begin(self, states, layer):
        """Remember what backward needs; return this layer's ``(B, H)`` initial states."""
        self.impl = kernels.recurrent_ops()
        self.layer = layer
        self.state_shape = states[0].shape  # (L, B, H)
        return [s[layer] for s in states]

    @staticmethod
    def _merge_final_h(grad_out, grad_hT):
        """``grad_out`` with the final state's gradient added to its last row (a copy: the
        array given may be shared)."""
        if grad_hT is None:
            return grad_out
        grad_out = grad_out.copy()
        grad_out[-1] += grad_hT[0]
        return grad_out

    def _grads(self, g, n_states: int) -> tuple:
        """The op's input gradients, in input order, from a ``LayerGrads``."""
        grads = (g.grad_x, g.grad_w_ih, g.grad_w_hh, g.grad_b_ih, g.grad_b_hh)
        grads += (self._state_grad(g.grad_h0, 5),)
        if n_states == 2:
            grads += (self._state_grad(g.grad_c0, 6),)
        return grads

    def _state_grad(self, grad: np.ndarray, index: int) -> np.ndarray | None:
        """Place a ``(B, H)`` initial-state gradient into this layer's row of ``(L, B, H)``."""
        if not self.needs_input_grad[index]:
            return None
        if self.state_shape[0] == 1:
            return grad.reshape(self.state_shape)
        full = np.zeros(self.state_shape, dtype=grad.dtype)
        full[self.layer] = grad
        return full


class FusedRNN(_FusedLayer):
    r"""One Elman RNN layer over a sequence: :math:`h_t = \phi(W_{ih} x_t + b_{ih} + W_{hh}
    h_{t-1} + b_{hh})`.

    Inputs: ``x`` (T, B, I), ``w_ih`` (H, I), ``w_hh`` (H, H), ``b_ih`` (H,), ``b_hh`` (H,),
    ``h0`` (L, B, H); settings ``layer`` (which row of ``h0``) and ``nonlinearity``
    (``"tanh"`` or ``"relu"``). Outputs: the hidden states (T, B, H) and :math:`h_T`
    (1, B, H).
    """

    __slots__ = ()

    @classmethod
    def op_name(cls) -> str:
        return "fused_rnn"

    def forward(self, x, w_ih, w_hh, b_ih, b_hh, h0, layer=0, nonlinearity="tanh"):
        (h0_l,) = self._begin((h0,), layer)
        out, self.cache = self.impl.rnn_layer_forward(x, w_ih, w_hh, b_ih, b_hh, h0_l, nonlinearity)
        return out, out[-1:]  # (T, B, H), (1, B, H)

    def backward(self, grad_out, grad_hT=None):
        grad_out = self._merge_final_h(grad_out, grad_hT)
        g = self.impl.rnn_layer_backward(grad_out, self.cache, self.needs_input_grad[0])
        return self._grads(g, 1)


class FusedLSTM(_FusedLayer):
    r"""One LSTM layer over a sequence (gates i, f, g, o as in PyTorch).

    Inputs: ``x`` (T, B, I), ``w_ih`` (4H, I), ``w_hh`` (4H, H), ``b_ih`` (4H,),
    ``b_hh`` (4H,), ``h0`` (L, B, H), ``c0`` (L, B, H); setting ``layer``. Outputs: the
    hidden states :math:`h_1 \ldots h_T` (T, B, H), then the final states :math:`h_T` and
    :math:`c_T` (1, B, H) each.
    """

    __slots__ = ()

    @classmethod
    def op_name(cls) -> str:
        return "fused_lstm"

    def forward(self, x, w_ih, w_hh, b_ih, b_hh, h0, c0, layer=0):
        h0_l, c0_l = self._begin((h0, c0), layer)
        out, c_T, self.cache = self.impl.lstm_layer_forward(x, w_ih, w_hh, b_ih, b_hh, h0_l, c0_l)
        return out, out[-1:], c_T[None]  # (T, B, H), (1, B, H), (1, B, H)

    def backward(self, grad_out, grad_hT=None, grad_cT=None):
        grad_out = self._merge_final_h(grad_out, grad_hT)
        if grad_cT is not None:
            grad_cT = grad_cT[0]  # (B, H)
        g = self.impl.lstm_layer_backward(grad_out, grad_cT, self.cache, self.needs_input_grad[0])
        return self._grads(g, 2)


class FusedGRU(_FusedLayer):
    r"""One GRU layer over a sequence (gates r, z, n as in PyTorch).

    Inputs: ``x`` (T, B, I), ``w_ih`` (3H, I), ``w_hh`` (3H, H), ``b_ih`` (3H,),
    ``b_hh`` (3H,), ``h0`` (L, B, H); setting ``layer``. Outputs: the hidden states
    (T, B, H) and :math:`h_T` (1, B, H).
    """

    __slots__ = ()

    @classmethod
    def op_name(cls) -> str:
        return "fused_gru"

    def forward(self, x, w_ih, w_hh, b_ih, b_hh, h0, layer=0):
        (h0_l,) = self._begin((h0,), layer)
        out, self.cache = self.impl.gru_layer_forward(x, w_ih, w_hh, b_ih, b_hh, h0_l)
        return out, out[-1:]  # (T, B, H), (1, B, H)

    def backward(self, grad_out, grad_hT=None):
        grad_out = self._merge_final_h(grad_out, grad_hT)
        g = self.impl.gru_layer_backward(grad_out, self.cache, self.needs_input_grad[0])
        return self._grads(g, 1)
