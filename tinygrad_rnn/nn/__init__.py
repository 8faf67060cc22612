"""Neural-network building blocks, shaped like ``torch.nn``.

- :mod:`~tinygrad_rnn.nn.module`: :class:`Module` and :class:`Parameter`.
- :mod:`~tinygrad_rnn.nn.layers`: ``Linear``, ``Embedding``, ``Sequential``, ``MLP``,
  activation modules, ``Dropout``.
- :mod:`~tinygrad_rnn.nn.cells`: ``RNNCell``, ``LSTMCell``, ``GRUCell``, their states and step
  functions.
- :mod:`~tinygrad_rnn.nn.recurrent`: the sequence layers ``RNN``, ``LSTM``, ``GRU``
  (``fused=True`` runs numba kernels, ``fused=False`` builds the unrolled graph).
- :mod:`~tinygrad_rnn.nn.fused`: the whole-sequence Tensor ops behind ``fused=True``.
- :mod:`~tinygrad_rnn.nn.attention`: ``AdditiveAttention`` (Bahdanau) and the functions
  ``additive_attention`` and ``scaled_dot_product_attention``.
- :mod:`~tinygrad_rnn.nn.functional`: the functional forms, ``torch.nn.functional``-style
  (``import tinygrad_rnn.nn.functional as F``; ``F.cross_entropy``, ``F.dropout``, ...).

Importing this package does not import numba; the kernels load on the first fused call.

Example:
    >>> import numpy as np
    >>> from tinygrad_rnn import nn
    >>> model = nn.LSTM(1, 16, rng=0)
    >>> out, state = model(np.zeros((20, 4, 1), dtype=np.float32))
    >>> out.shape, type(state).__name__
    ((20, 4, 16), 'LSTMState')
"""

from tinygrad_rnn.nn import functional
from tinygrad_rnn.nn.attention import (
    AdditiveAttention,
    additive_attention,
    scaled_dot_product_attention,
)
from tinygrad_rnn.nn.cells import (
    GRUCell,
    GRUState,
    LSTMCell,
    LSTMState,
    RNNCell,
    RNNState,
    detach_state,
    gru_step,
    lstm_step,
    rnn_step,
)
from tinygrad_rnn.nn.layers import (
    MLP,
    Dropout,
    Embedding,
    Identity,
    LeakyReLU,
    Linear,
    ModuleList,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)
from tinygrad_rnn.nn.module import Module, Parameter, StateDictError
from tinygrad_rnn.nn.recurrent import GRU, LSTM, RNN

__all__ = ["functional", "Module", "Parameter", "StateDictError"]
__all__ += ["Linear", "Embedding", "Sequential", "ModuleList", "MLP", "Identity", "Dropout"]
__all__ += ["Tanh", "Sigmoid", "ReLU", "LeakyReLU"]
__all__ += ["RNNCell", "LSTMCell", "GRUCell", "RNNState", "LSTMState", "GRUState"]
__all__ += ["rnn_step", "lstm_step", "gru_step", "detach_state", "RNN", "LSTM", "GRU"]
__all__ += ["AdditiveAttention", "additive_attention", "scaled_dot_product_attention"]
