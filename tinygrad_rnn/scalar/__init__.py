"""The scalar engine, read like micrograd: one number per node, every operation remembered.

* :mod:`tinygrad_rnn.scalar.engine`: :class:`Value`, each op with its backward rule under it.
* :mod:`tinygrad_rnn.scalar.nn`: ``Module``, ``Neuron``, ``Layer`` and ``MLP`` built on ``Value``.

Everything is importable from here: ``from tinygrad_rnn.scalar import Value, MLP``.
"""

from tinygrad_rnn.scalar.engine import Value
from tinygrad_rnn.scalar.nn import MLP, Layer, Module, Neuron

__all__ = ["Value", "Module", "Neuron", "Layer", "MLP"]
