r"""Recurrent layers over whole sequences: ``RNN``, ``LSTM``, ``GRU``, fused or unrolled.

A layer runs its cell over every step of a sequence, and over ``num_layers`` stacked
cells (the hidden states of layer :math:`l` are the inputs of layer :math:`l+1`):

.. code-block:: python

    output, final_state = layer(x)            # x (T, B, I); batch_first=True: (B, T, I)
    output                                    # (T, B, H): the top layer's h at every step
    final_state                               # LSTMState(h, c) / RNNState(h) / GRUState(h),
                                              # each (num_layers, B, H), like PyTorch's h_n

Two ways to compute the same numbers:

* ``fused=True`` (default): one op per layer for the whole sequence
  (:mod:`tinygrad_rnn.nn.fused`): the input projections of all steps as one matmul and
  the recurrence, forward and backward through time, in a numba kernel. Fast.
* ``fused=False``: the per-step graph of Tensor ops, built by calling the cell's step
  function (:mod:`tinygrad_rnn.nn.cells`) ``T`` times. Each step's nodes carry
  ``group="t=3"`` (``"layer 1, t=3"`` when stacked) and the states are labelled ``h_3``,
  ``c_3``, so :func:`tinygrad_rnn.graph.draw` shows one cluster per time step. Slow, but
  it is the picture of backpropagation through time.

The tests hold both equal in float64 to 1e-10 on outputs and on every gradient.

``bidirectional=True`` runs a second cell of each layer from the last step to the first;
the output concatenates both directions per step, ``(T, B, 2H)`` (forward half first), the
next layer reads those ``2H`` features, and the final state is ``(num_layers * 2, B, H)``
ordered layer 0 forward, layer 0 reverse, layer 1 forward, ... exactly as in PyTorch. The
fused path runs the same fused op on the time-reversed sequence and reverses its output
back; the unrolled path walks the steps backwards. ``dropout=p`` zeroes features of each
layer's output except the last layer's, while training only (PyTorch's rule).

Parameter names, shapes and gate order are those of ``torch.nn.RNN/LSTM/GRU``:
``weight_ih_l0`` (G*H, I), ``weight_hh_l0`` (G*H, H), ``bias_ih_l0`` and ``bias_hh_l0``
(G*H,), with G = 1, 4 (i, f, g, o) or 3 (r, z, n), then ``weight_ih_l1`` (G*H, H) ...;
a bidirectional layer adds ``weight_ih_l0_reverse`` and the rest after each layer's
forward weights, and its upper layers read ``2H`` inputs. So ``layer.state_dict()`` loads
into the PyTorch layer and back.

Example:
    >>> import numpy as np
    >>> from tinygrad_rnn.tensor import Tensor
    >>> lstm = LSTM(input_size=3, hidden_size=8, num_layers=2, rng=0)
    >>> x = Tensor(np.zeros((10, 4, 3)))      # T=10 steps, batch 4
    >>> out, (h, c) = lstm(x)
    >>> out.shape, h.shape
    ((10, 4, 8), (2, 4, 8))
    >>> sorted(lstm.state_dict())[:2]
    ['bias_hh_l0', 'bias_hh_l1']
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from tinygrad_rnn import init
from tinygrad_rnn.nn import cells
from tinygrad_rnn.nn import functional as F
from tinygrad_rnn.nn.cells import GATES, GRUState, LSTMState, RNNState
from tinygrad_rnn.nn.fused import FusedGRU, FusedLSTM, FusedRNN
from tinygrad_rnn.nn.layers import as_tensor
from tinygrad_rnn.nn.module import Module, Parameter
from tinygrad_rnn.ops_shape import GetItem
from tinygrad_rnn.tensor import ShapeError, Tensor, concat, get_default_dtype, stack

__all__ = ["RNN", "LSTM", "GRU", "LAYERS"]

# (B, H, dtype) -> the all-zeros (1, B, H) constant the fused ops start from when no state
# is given. It never requires grad and the kernels only read it (they copy it into their
# own state buffer), so every call can share one instead of building new Tensors (~2 us).
# It stays writable because numba would compile a second version of every kernel for a
# read-only array.
_FUSED_ZERO_STATES: dict[tuple, Tensor] = {}


def _label_step(roots: tuple[Tensor, ...], stop: set[int], group: str) -> None:
    """Put every node made in one time step into ``group`` (for graph drawings).

    Walks back from the step's new state through nodes not yet grouped, stopping at leaves
    (parameters, constants), at nodes of earlier steps (already grouped) and at the ids in
    ``stop`` (the layer's input and initial state, which belong to the caller's graph).
    """
    todo = list(roots)
    while todo:
        node = todo.pop()
        if node.group is not None or not node._prev or id(node) in stop:
            continue
        node.group = group
        todo.extend(node._prev)


def _check_sizes(name: str, **sizes: Any) -> None:
    """Each size a whole number (not a bool, not 2.7: TypeError) >= 1 (ValueError)."""
    for key, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise TypeError(f"{name}: {key} must be a whole number, got {value!r}")
        if value < 1:
            raise ValueError(f"{name}: {key} must be >= 1, got {value}")


class _Recurrent(Module):
    """What RNN, LSTM and GRU share; subclasses set ``kind`` and ``state_type``."""

    kind = ""
    state_type: Any = None

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        fused: bool = True,
        rng: init.Seed | None = None,
        dtype: Any = None,
        dropout: float = 0.0,
        bidirectional: bool = False,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        _check_sizes(name, input_size=input_size, hidden_size=hidden_size, num_layers=num_layers)
        if dtype is not None and np.dtype(dtype) not in (np.float32, np.float64):
            raise TypeError(
                f"{name}: dtype must be float32 or float64 (the kernels' two types), got "
                f"{np.dtype(dtype)}"
            )
        if isinstance(dropout, bool) or not 0.0 <= float(dropout) <= 1.0:
            raise ValueError(f"{name}: dropout must be a probability in [0, 1], got {dropout!r}")
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        self.num_layers, self.bias = int(num_layers), bool(bias)
        self.batch_first, self.fused = bool(batch_first), bool(fused)
        self.dropout, self.bidirectional = float(dropout), bool(bidirectional)
        self.num_directions = 2 if self.bidirectional else 1
        gen = init.as_generator(rng)
        dt = np.dtype(dtype) if dtype is not None else get_default_dtype()
        gh = len(GATES[self.kind]) * self.hidden_size
        bound = 1.0 / math.sqrt(self.hidden_size)  # PyTorch's U(-1/sqrt(H), 1/sqrt(H))

        def param(shape: tuple[int, ...], name: str) -> Parameter:
            data = init.uniform_(np.empty(shape, dtype=dt), gen, -bound, bound)
            return Parameter(data, dtype=dt, label=name)

        kinds = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        suffixes = ("", "_reverse")[: self.num_directions]
        self._names = [  # per (layer, direction): the attribute names of its weights, PyTorch's
            tuple(f"{kind}_l{layer}{suffix}" for kind in kinds)
            for layer in range(self.num_layers)
            for suffix in suffixes
        ]
        for layer in range(self.num_layers):  # PyTorch's names and order
            n_in = self.input_size if layer == 0 else self.hidden_size * self.num_directions
            for suffix in suffixes:
                w_ih, w_hh, b_ih, b_hh = (f"{kind}_l{layer}{suffix}" for kind in kinds)
                setattr(self, w_ih, param((gh, n_in), w_ih))
                setattr(self, w_hh, param((gh, hidden_size), w_hh))
                if self.bias:
                    setattr(self, b_ih, param((gh,), b_ih))
                    setattr(self, b_hh, param((gh,), b_hh))
        if self.dropout > 0 and self.num_layers == 1:
            warnings.warn(
                f"{name}: dropout={self.dropout} has no effect with num_layers=1 (it acts "
                "between stacked layers, never after the last one)",
                stacklevel=3,
            )
        # the dropout masks' own stream, seeded from the weights' generator after the weights
        self._dropout_rng = np.random.default_rng(int(gen.integers(2**63))) if dropout else None

    # ---------------------------------------------------------------------- helpers
    def layer_weights(
        self, layer: int, reverse: bool = False
    ) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        """``(weight_ih, weight_hh, bias_ih, bias_hh)`` of one layer (biases may be None);
        ``reverse=True``: of its reverse direction (bidirectional layers only)."""
        if reverse and not self.bidirectional:
            raise ValueError(f"{type(self).__name__}: reverse weights need bidirectional=True")
        w_ih, w_hh, b_ih, b_hh = self._names[layer * self.num_directions + int(reverse)]
        return (
            getattr(self, w_ih),
            getattr(self, w_hh),
            getattr(self, b_ih, None),
            getattr(self, b_hh, None),
        )

    def initial_state(self, batch_size: int) -> Any:
        """The all-zeros state: tensors of shape (num_layers * num_directions, B, H)."""
        shape = (self.num_layers * self.num_directions, batch_size, self.hidden_size)
        zeros = np.zeros(shape, dtype=self.weight_hh_l0.dtype)
        return self.state_type(*(Tensor(zeros, dtype=zeros.dtype) for _ in self.state_type._fields))

    def _check_input(self, x: Any) -> Tensor:
        name = type(self).__name__
        x = as_tensor(x, self.weight_hh_l0.dtype)
        order = "(B, T, I)" if self.batch_first else "(T, B, I)"
        if x.ndim != 3 or x.shape[2] != self.input_size:
            raise ShapeError(
                f"{name}: input must have shape {order} with I = input_size = "
                f"{self.input_size}, got {x.shape}"
            )
        if 0 in x.shape[:2]:
            raise ShapeError(f"{name}: input {order} needs at least one step and one sequence")
        if x.dtype != self.weight_hh_l0.dtype:
            raise TypeError(
                f"{name}: input is {x.dtype} but the parameters are "
                f"{self.weight_hh_l0.dtype}; convert one (x.astype(...) or layer.to(...))"
            )
        return x

    def _check_state(self, state: Any, batch: int) -> tuple[Tensor, ...] | None:
        if state is None:
            return None
        name, fields = type(self).__name__, self.state_type._fields
        given = type(state).__name__
        if isinstance(state, Tensor | np.ndarray):
            given = f"a bare {given}"
        if not isinstance(state, tuple) and isinstance(state, Tensor | np.ndarray):
            state = (state,)  # a bare tensor for RNN and GRU (checked just below)
        if not isinstance(state, tuple) or len(state) != len(fields):
            kind = self.state_type.__name__
            raise TypeError(
                f"{name}: state must be {kind}({', '.join(fields)}) with each of shape "
                f"{self._state_axes()}, got {given}. Build one with "
                f"`from tinygrad_rnn.nn import {kind}`; "
                f"`{kind}({', '.join(fields)})`"
                + (
                    ", e.g. LSTMState(h, Tensor.zeros(h.shape)) for a zero cell state"
                    if len(fields) == 2
                    else ""
                )
            )
        want = (self.num_layers * self.num_directions, batch, self.hidden_size)
        dtype = self.weight_hh_l0.data.dtype
        tensors = tuple([as_tensor(s, dtype) for s in state])
        for field, s in zip(fields, tensors, strict=True):  # every call: keep it plain
            if s.data.shape != want:
                raise ShapeError(
                    f"{name}: initial state.{field} must have shape {self._state_axes()} = "
                    f"{want}, got {s.shape}"
                )
            if s.data.dtype is not dtype and s.data.dtype != dtype:
                raise TypeError(
                    f"{name}: initial state.{field} is {s.dtype} but the parameters are {dtype}"
                )
        return tensors

    def _state_axes(self) -> str:
        return "(num_layers * 2, B, H)" if self.bidirectional else "(num_layers, B, H)"

    def _drop_between(self, inp: Tensor, layer: int) -> Tensor:
        """Dropout on a layer's output before the next layer reads it (never after the last)."""
        if self.dropout == 0.0 or not self.training or layer == self.num_layers - 1:
            return inp
        return F.dropout(inp, self.dropout, training=True, rng=self._dropout_rng)

    # ---------------------------------------------------------------------- forward
    def forward(self, x: Any, state: Any = None) -> tuple[Tensor, Any]:
        """Run the layer over a whole sequence.

        Args:
            x: (T, B, I), or (B, T, I) when ``batch_first``.
            state: the initial state, a ``state_type`` of (num_layers, B, H) tensors
                ((num_layers * 2, B, H) when bidirectional; a bare tensor is accepted for
                RNN and GRU); ``None`` starts from zeros.

        Returns:
            ``(output, final_state)``: ``output`` (T, B, H) (or (B, T, H)) holds the top
            layer's hidden state at every step, (T, B, 2H) when bidirectional (forward
            half first); ``final_state`` stacks the last state of every layer and
            direction, (num_layers * num_directions, B, H) per field.
        """
        x = self._check_input(x)
        inp = x.transpose(0, 1) if self.batch_first else x  # (T, B, I)
        initial = self._check_state(state, inp.shape[1])
        if self.fused:
            output, final_state = self._forward_fused(inp, initial)
        else:
            output, final_state = self._forward_unrolled(inp, initial)
        if self.batch_first:
            output = output.transpose(0, 1)
        return output, final_state

    def _zero_state(self, batch: int, dtype: np.dtype, layers: int) -> tuple[Tensor, ...]:
        zeros = np.zeros((layers, batch, self.hidden_size), dtype=dtype)
        return tuple(Tensor(zeros, dtype=dtype) for _ in self.state_type._fields)

    def _zero_bias(self, dtype: np.dtype) -> Tensor:
        """The stand-in bias of a layer built with ``bias=False`` (the kernels take one)."""
        return Tensor(np.zeros(len(GATES[self.kind]) * self.hidden_size), dtype=dtype)

    def _forward_fused(self, inp: Tensor, initial: tuple[Tensor, ...] | None):
        """One fused op per layer (see :mod:`tinygrad_rnn.nn.fused`)."""
        n_steps, batch = inp.shape[:2]
        states = initial
        if states is None:
            key = (batch, self.hidden_size, inp.dtype)
            zero = _FUSED_ZERO_STATES.get(key)
            if zero is None:
                if len(_FUSED_ZERO_STATES) > 64:  # many batch sizes: keep the cache small
                    _FUSED_ZERO_STATES.clear()
                zeros = np.zeros((1, batch, self.hidden_size), dtype=inp.dtype)
                zero = _FUSED_ZERO_STATES[key] = Tensor(zeros, dtype=inp.dtype)
            states = (zero,) * len(self.state_type._fields)
        if self.num_layers == 1 and self.num_directions == 1:  # most layers: no loops
            out, final = self._fused_direction(inp, 0, 0, states, 0)
            return out, self.state_type(*final)
        finals = []
        # the time-reversed order as an index array: the fused op gets a fresh contiguous
        # copy, and the backward of the indexing op reverses the gradient back
        backwards = np.arange(n_steps - 1, -1, -1)
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.num_directions):
                row = layer * self.num_directions + direction
                row = row if initial is not None else 0  # the zero state is shared
                seq = inp if direction == 0 else GetItem.apply(inp, index=backwards)
                out, final = self._fused_direction(seq, layer, direction, states, row)
                if direction == 1:  # step t of the reversed run belongs to time T - 1 - t
                    out = GetItem.apply(out, index=backwards)
                outputs.append(out)
                finals.append(final)
            inp = outputs[0] if len(outputs) == 1 else concat(outputs, axis=2)  # (T, B, D*H)
            inp = self._drop_between(inp, layer)
        return inp, self._stack_finals(finals)

    def _fused_direction(self, seq: Tensor, layer: int, direction: int, states, row: int):
        """One fused op over ``seq`` (T, B, I): ``(T, B, H)`` outputs and the final state."""
        w_ih, w_hh, b_ih, b_hh = self.layer_weights(layer, reverse=direction == 1)
        if b_ih is None:
            b_ih = b_hh = self._zero_bias(seq.dtype)
        args = (seq, w_ih, w_hh, b_ih, b_hh, *states)
        # each op's outputs: (T, B, H) hidden states, then the final state's fields (1, B, H)
        if self.kind == "lstm":
            out, *final = FusedLSTM.apply(*args, layer=row)
        elif self.kind == "gru":
            out, *final = FusedGRU.apply(*args, layer=row)
        else:
            out, *final = FusedRNN.apply(*args, layer=row, nonlinearity=self.nonlinearity)
        return out, tuple(final)

    def _stack_finals(self, finals: list[tuple[Tensor, ...]]) -> Any:
        """Final states, (1, B, H) each, into one state of (num_layers * directions, B, H)."""
        if len(finals) == 1:
            return self.state_type(*finals[0])
        return self.state_type(*(concat(list(f), axis=0) for f in zip(*finals, strict=True)))

    def _forward_unrolled(self, inp: Tensor, initial: tuple[Tensor, ...] | None):
        """The per-step graph, layer by layer."""
        batch = inp.shape[1]
        finals = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.num_directions):
                if initial is None:
                    start = self._zero_state(batch, inp.dtype, 1)
                    start = tuple(s[0] for s in start)  # (B, H) constants
                else:
                    row = layer * self.num_directions + direction
                    start = tuple(s[row] for s in initial)  # (B, H) each
                out, final = self._run_unrolled(layer, inp, start, reverse=direction == 1)
                outputs.append(out)
                finals.append(tuple(f[None] for f in final))
            inp = outputs[0] if len(outputs) == 1 else concat(outputs, axis=2)  # (T, B, D*H)
            inp = self._drop_between(inp, layer)
        return inp, self._stack_finals(finals)

    def _step(self, x_t: Tensor, state: Any, weights: tuple) -> Any:
        raise NotImplementedError

    def _run_unrolled(
        self, layer: int, inp: Tensor, start: tuple[Tensor, ...], reverse: bool = False
    ) -> tuple[Tensor, tuple[Tensor, ...]]:
        """The per-step graph: the cell's step function called once per time step.

        ``reverse``: walk from the last step to the first (the reverse direction); the
        outputs are put back in time order, so ``output[t]`` has read ``x_t .. x_T``.
        """
        weights = self.layer_weights(layer, reverse=reverse)
        state = self.state_type(*start)
        stop = {id(inp), *(id(s) for s in start)}
        prefix = f"layer {layer}, " if self.num_layers > 1 else ""
        prefix += "reverse, " if reverse else ""
        n_steps = inp.shape[0]
        outputs = []
        for t in reversed(range(n_steps)) if reverse else range(n_steps):
            state = self._step(inp[t], state, weights)
            for field, tensor in zip(self.state_type._fields, state, strict=True):
                tensor.label = f"{field}_{t + 1}" + ("'" if reverse else "")
            _label_step(tuple(state), stop, f"{prefix}t={t + 1}")
            outputs.append(state.h)
        if reverse:
            outputs.reverse()  # back into time order
        return stack(outputs, axis=0), tuple(state)  # (T, B, H)

    def extra_repr(self) -> str:
        text = f"input_size={self.input_size}, hidden_size={self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text + f", fused={self.fused}"


_LAYER_ARGS = r"""
    Args:
        input_size: features per input step, ``I``.
        hidden_size: size of the hidden state, ``H``.
        num_layers: how many layers to stack.
        bias: learn ``bias_ih_l*`` and ``bias_hh_l*``.
        batch_first: input and output are (B, T, features) instead of (T, B, features).
        fused: run the fused kernels (fast) or build the unrolled per-step graph.
        rng: seed or generator; every weight starts as :math:`U(\pm 1/\sqrt H)` like
            PyTorch's.
        dtype: parameter dtype (the Tensor default, float32, unless given).
        dropout: probability of zeroing each feature of every layer's output except the
            last layer's, while training (``layer.train()``); off after ``layer.eval()``.
        bidirectional: add a reverse direction per layer; outputs are (T, B, 2H).
"""


class RNN(_Recurrent):
    __doc__ = (
        r"""An Elman RNN layer, :math:`h_t = \phi(W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh})`.

    ``nonlinearity`` is :math:`\phi`: ``"tanh"`` (default) or ``"relu"``. The state is
    ``RNNState(h)``.
"""
        + _LAYER_ARGS
    )

    kind = "rnn"
    state_type = RNNState

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        fused: bool = True,
        rng: init.Seed | None = None,
        dtype: Any = None,
        dropout: float = 0.0,
        bidirectional: bool = False,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', not {nonlinearity!r}")
        super().__init__(
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            fused,
            rng,
            dtype,
            dropout=dropout,
            bidirectional=bidirectional,
        )
        self.nonlinearity = nonlinearity

    def _step(self, x_t: Tensor, state: Any, weights: tuple) -> RNNState:
        return cells.rnn_step(x_t, state, *weights, self.nonlinearity)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", nonlinearity={self.nonlinearity!r}"


class LSTM(_Recurrent):
    __doc__ = (
        r"""A long short-term memory layer (gates i, f, g, o; see
    :func:`tinygrad_rnn.nn.cells.lstm_step`). The state is ``LSTMState(h, c)``.
"""
        + _LAYER_ARGS
    )

    kind = "lstm"
    state_type = LSTMState

    def _step(self, x_t: Tensor, state: Any, weights: tuple) -> LSTMState:
        return cells.lstm_step(x_t, state, *weights)


class GRU(_Recurrent):
    __doc__ = (
        r"""A gated recurrent unit layer (gates r, z, n; see
    :func:`tinygrad_rnn.nn.cells.gru_step`). The state is ``GRUState(h)``.
"""
        + _LAYER_ARGS
    )

    kind = "gru"
    state_type = GRUState

    def _step(self, x_t: Tensor, state: Any, weights: tuple) -> GRUState:
        return cells.gru_step(x_t, state, *weights)


LAYERS: dict[str, type[_Recurrent]] = {cls.kind: cls for cls in (RNN, LSTM, GRU)}
"""Each recurrent layer by its ``kind``: ``"rnn"``, ``"lstm"``, ``"gru"``."""
