r"""Recurrent cells: one time step of an RNN, an LSTM or a GRU, built from Tensor ops.

Every cell has the same interface, ``cell(x_t, state) -> state``, with a ``NamedTuple``
state, so the three are interchangeable in a training loop:

.. code-block:: text

    RNNCell:   state = RNNState(h)       h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
    LSTMCell:  state = LSTMState(h, c)   gates i, f, g, o; c_t = f*c_{t-1} + i*g; h_t = o*tanh(c_t)
    GRUCell:   state = GRUState(h)       gates r, z, n;    h_t = (1 - z)*n + z*h_{t-1}

Even the one-tensor states are NamedTuples (rather than a bare ``h``): code written for
one cell then runs unchanged with another, ``state.h`` is always the output, and
``RNNState(h)`` says what it holds when printed.

The maths of one step lives in plain functions (:func:`rnn_step`, :func:`lstm_step`,
:func:`gru_step`) that take the weights as arguments; the cell modules and the unrolled
layers of :mod:`tinygrad_rnn.nn.recurrent` both call them. Weight names, shapes and gate
order are PyTorch's (``weight_ih`` (4H, I) for an LSTM, gates stacked i, f, g, o; GRU r, z, n).

Example:
    >>> import numpy as np
    >>> from tinygrad_rnn.tensor import Tensor
    >>> cell = LSTMCell(3, 5, rng=0)
    >>> x = Tensor(np.ones((7, 2, 3)))        # 7 steps, batch 2
    >>> state = cell.initial_state(2)
    >>> for t in range(7):
    ...     state = cell(x[t], state)
    >>> state.h.shape, state.c.shape
    ((2, 5), (2, 5))
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from tinygrad_rnn import init
from tinygrad_rnn.nn.layers import as_tensor
from tinygrad_rnn.nn.module import Module, Parameter
from tinygrad_rnn.tensor import ShapeError, Tensor, get_default_dtype

__all__ = [
    "RNNState",
    "LSTMState",
    "GRUState",
    "rnn_step",
    "lstm_step",
    "gru_step",
    "RNNCell",
    "LSTMCell",
    "GRUCell",
    "GATES",
    "detach_state",
]

#: Gates stacked in each cell's weights, PyTorch's order.
GATES = {"rnn": ("h",), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}


class RNNState(NamedTuple):
    """State of an Elman RNN: the hidden state ``h`` (B, H)."""

    h: Tensor


class LSTMState(NamedTuple):
    """State of an LSTM: hidden state ``h`` and cell state ``c``, each (B, H)."""

    h: Tensor
    c: Tensor


class GRUState(NamedTuple):
    """State of a GRU: the hidden state ``h`` (B, H)."""

    h: Tensor


def detach_state(state: Any) -> Any:
    """The same state with its history cut: gradients stop here (truncated BPTT).

    When a long text is fed in chunks, the state carried from one chunk to the next must
    not drag the previous chunk's graph along, or every backward pass would run through
    everything seen so far.

    Example:
        >>> s = LSTMState(Tensor([1.0], requires_grad=True) * 2, Tensor([0.0]))
        >>> detach_state(s).h.requires_grad
        False
    """
    return type(state)(*(s.detach() for s in state))


def _affine(x: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    y = x @ w.T
    return y if b is None else y + b


# ------------------------------------------------------------------------ one time step
def rnn_step(
    x_t: Tensor,
    state: RNNState,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None,
    b_hh: Tensor | None,
    nonlinearity: str = "tanh",
) -> RNNState:
    r"""One Elman RNN step, :math:`h_t = \phi(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})`.

    Args:
        x_t: input (B, I).
        state: ``RNNState(h_prev)`` with ``h_prev`` (B, H).
        w_ih, w_hh, b_ih, b_hh: (H, I), (H, H), (H,), (H,); biases may be ``None``.
        nonlinearity: :math:`\phi`, ``"tanh"`` or ``"relu"``.
    """
    (h_prev,) = state
    a = _affine(x_t, w_ih, b_ih) + _affine(h_prev, w_hh, b_hh)  # (B, H)
    h = a.tanh() if nonlinearity == "tanh" else a.relu()
    return RNNState(h)


def lstm_step(
    x_t: Tensor,
    state: LSTMState,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None,
    b_hh: Tensor | None,
) -> LSTMState:
    r"""One LSTM step.

    .. math::

        [a_i, a_f, a_g, a_o] &= W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh} \\
        i, f, o &= \sigma(a_i), \sigma(a_f), \sigma(a_o), \quad g = \tanh(a_g) \\
        c_t &= f \odot c_{t-1} + i \odot g, \quad h_t = o \odot \tanh(c_t)

    Args:
        x_t: input (B, I).
        state: ``LSTMState(h_prev, c_prev)``, each (B, H).
        w_ih, w_hh, b_ih, b_hh: (4H, I), (4H, H), (4H,), (4H,); biases may be ``None``.
    """
    h_prev, c_prev = state
    hidden = h_prev.shape[-1]
    gates = _affine(x_t, w_ih, b_ih) + _affine(h_prev, w_hh, b_hh)  # (B, 4H)
    i = gates[..., :hidden].sigmoid()  # input gate: how much of g to write
    f = gates[..., hidden : 2 * hidden].sigmoid()  # forget gate: how much of c to keep
    g = gates[..., 2 * hidden : 3 * hidden].tanh()  # candidate values
    o = gates[..., 3 * hidden :].sigmoid()  # output gate: how much of c to show
    i.label, f.label, g.label, o.label = "i", "f", "g", "o"
    c = f * c_prev + i * g  # (B, H)
    h = o * c.tanh()  # (B, H)
    return LSTMState(h, c)


def gru_step(
    x_t: Tensor,
    state: GRUState,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None,
    b_hh: Tensor | None,
) -> GRUState:
    r"""One GRU step, PyTorch's formulation (the reset gate scales :math:`W_{hn} h + b_{hn}`).

    .. math::

        r &= \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\
        z &= \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\
        n &= \tanh(W_{in} x_t + b_{in} + r \odot (W_{hn} h_{t-1} + b_{hn})) \\
        h_t &= (1 - z) \odot n + z \odot h_{t-1}

    Args:
        x_t: input (B, I).
        state: ``GRUState(h_prev)`` with ``h_prev`` (B, H).
        w_ih, w_hh, b_ih, b_hh: (3H, I), (3H, H), (3H,), (3H,); biases may be ``None``.
    """
    (h_prev,) = state
    hidden = h_prev.shape[-1]
    gi = _affine(x_t, w_ih, b_ih)  # (B, 3H) input part of the gates
    gh = _affine(h_prev, w_hh, b_hh)  # (B, 3H) recurrent part
    r = (gi[..., :hidden] + gh[..., :hidden]).sigmoid()  # reset gate
    z = (gi[..., hidden : 2 * hidden] + gh[..., hidden : 2 * hidden]).sigmoid()  # update gate
    n = (gi[..., 2 * hidden :] + r * gh[..., 2 * hidden :]).tanh()  # candidate state
    r.label, z.label, n.label = "r", "z", "n"
    h = (1.0 - z) * n + z * h_prev  # (B, H)
    return GRUState(h)


# ---------------------------------------------------------------------------- the cells
def _uniform_param(shape: tuple[int, ...], bound: float, gen: Any, dtype: Any, label: str):
    data = np.empty(shape, dtype=np.dtype(dtype) if dtype is not None else get_default_dtype())
    return Parameter(init.uniform_(data, gen, -bound, bound), dtype=data.dtype, label=label)


class _Cell(Module):
    """Shared parts of the three cells: parameters, checks, the initial state."""

    kind = ""
    state_type: Any = None

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        rng: init.Seed | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        gen = init.as_generator(rng)
        gh = len(GATES[self.kind]) * self.hidden_size
        bound = 1.0 / math.sqrt(self.hidden_size)  # PyTorch's default for recurrent weights
        self.weight_ih = _uniform_param((gh, self.input_size), bound, gen, dtype, "weight_ih")
        self.weight_hh = _uniform_param((gh, self.hidden_size), bound, gen, dtype, "weight_hh")
        self.bias_ih = self.bias_hh = None
        if bias:
            self.bias_ih = _uniform_param((gh,), bound, gen, dtype, "bias_ih")
            self.bias_hh = _uniform_param((gh,), bound, gen, dtype, "bias_hh")

    def initial_state(self, batch_size: int) -> Any:
        """The all-zeros state for a batch of ``batch_size``: tensors (B, H)."""
        zeros = np.zeros((batch_size, self.hidden_size), dtype=self.weight_hh.dtype)
        return self.state_type(*(Tensor(zeros, dtype=zeros.dtype) for _ in self.state_type._fields))

    def _check(self, x_t: Any, state: Any) -> tuple[Tensor, Any]:
        name = type(self).__name__
        x_t = as_tensor(x_t, self.weight_hh.dtype)
        if x_t.ndim not in (1, 2) or x_t.shape[-1] != self.input_size:
            raise ShapeError(
                f"{name}: x_t must have shape (B, {self.input_size}) (batch, input_size), "
                f"got {x_t.shape}"
            )
        if state is None:
            batch = x_t.shape[0] if x_t.ndim == 2 else 1
            state = self.initial_state(batch)
            if x_t.ndim == 1:
                state = self.state_type(*(s[0] for s in state))
            return x_t, state
        if isinstance(state, Tensor | np.ndarray) and len(self.state_type._fields) == 1:
            state = (state,)
        if not isinstance(state, tuple) or len(state) != len(self.state_type._fields):
            fields = ", ".join(self.state_type._fields)
            raise TypeError(f"{name}: state must be {self.state_type.__name__}({fields})")
        state = self.state_type(*(as_tensor(s, self.weight_hh.dtype) for s in state))
        want = (*x_t.shape[:-1], self.hidden_size)
        for field, s in zip(self.state_type._fields, state, strict=True):
            if s.shape != want:
                raise ShapeError(f"{name}: state.{field} must have shape {want}, got {s.shape}")
        return x_t, state

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        return text if self.bias_ih is not None else text + ", bias=False"


class RNNCell(_Cell):
    r"""An Elman RNN cell: ``cell(x_t, RNNState(h)) -> RNNState(h)``.

    Args:
        input_size: features per input step, ``I``.
        hidden_size: size of the hidden state, ``H``.
        bias: learn ``bias_ih`` and ``bias_hh``.
        nonlinearity: ``"tanh"`` (default) or ``"relu"``.
        rng: seed or generator; weights start as :math:`U(\pm 1/\sqrt H)` like PyTorch's.
        dtype: parameter dtype.

    Passing ``state=None`` starts from zeros.
    """

    kind = "rnn"
    state_type = RNNState

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        rng: init.Seed | None = None,
        dtype: Any = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"RNNCell: nonlinearity must be 'tanh' or 'relu', not {nonlinearity!r}"
            )
        super().__init__(input_size, hidden_size, bias, rng, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, x_t: Any, state: RNNState | None = None) -> RNNState:
        x_t, state = self._check(x_t, state)
        w = (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return rnn_step(x_t, state, *w, self.nonlinearity)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", nonlinearity={self.nonlinearity!r}"


class LSTMCell(_Cell):
    r"""An LSTM cell: ``cell(x_t, LSTMState(h, c)) -> LSTMState(h, c)``; see :func:`lstm_step`.

    Args:
        input_size: features per input step, ``I``.
        hidden_size: size of the hidden and cell states, ``H``.
        bias: learn ``bias_ih`` and ``bias_hh`` (4H,).
        rng: seed or generator; weights start as :math:`U(\pm 1/\sqrt H)` like PyTorch's.
        dtype: parameter dtype.
    """

    kind = "lstm"
    state_type = LSTMState

    def forward(self, x_t: Any, state: LSTMState | None = None) -> LSTMState:
        x_t, state = self._check(x_t, state)
        return lstm_step(x_t, state, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)


class GRUCell(_Cell):
    r"""A GRU cell: ``cell(x_t, GRUState(h)) -> GRUState(h)``; see :func:`gru_step`.

    Args:
        input_size: features per input step, ``I``.
        hidden_size: size of the hidden state, ``H``.
        bias: learn ``bias_ih`` and ``bias_hh`` (3H,).
        rng: seed or generator; weights start as :math:`U(\pm 1/\sqrt H)` like PyTorch's.
        dtype: parameter dtype.
    """

    kind = "gru"
    state_type = GRUState

    def forward(self, x_t: Any, state: GRUState | None = None) -> GRUState:
        x_t, state = self._check(x_t, state)
        return gru_step(x_t, state, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
