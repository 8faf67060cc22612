"""Tiny networks on the scalar engine, as in micrograd: ``Neuron``, ``Layer`` and ``MLP``.

Every weight is a :class:`~tinygrad_rnn.scalar.engine.Value`, so a forward pass builds one
graph node per multiply and add, and ``loss.backward()`` fills each weight's ``grad``.

Example:
    >>> model = MLP(2, [4, 1], activation="tanh", seed=0)
    >>> out = model([1.0, -2.0])
    >>> out.backward()
    >>> len(model.parameters())
    17
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

from tinygrad_rnn.scalar.engine import Number, Value

__all__ = ["Module", "Neuron", "Layer", "MLP"]


class Module:
    """Base for the scalar networks: anything with parameters."""

    def parameters(self) -> list[Value]:
        return []

    def zero_grad(self) -> None:
        """Reset the gradient of every parameter to zero (call once per training step)."""
        for p in self.parameters():
            p.grad = 0.0


_ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")


class Neuron(Module):
    r"""One neuron: :math:`\mathrm{act}(w \cdot x + b)`.

    Args:
        nin: number of inputs.
        nonlin: ``True`` for ReLU (micrograd's convention) or ``False`` for none.
        activation: overrides ``nonlin``: ``"relu"``, ``"tanh"``, ``"sigmoid"`` or ``"linear"``.
        rng: a ``random.Random`` for reproducible weights (default: the module's ``random``).

    Weights start uniform in [-1, 1] and the bias at 0, like micrograd.
    """

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        activation: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        if activation is None:
            activation = "relu" if nonlin else "linear"
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"Neuron: activation must be one of {_ACTIVATIONS}, got {activation!r}"
            )
        uniform = (rng or random).uniform
        self.w = [Value(uniform(-1.0, 1.0), label=f"w{i}") for i in range(nin)]
        self.b = Value(0.0, label="b")
        self.activation = activation

    @property
    def nonlin(self) -> bool:
        return self.activation != "linear"

    def __call__(self, x: Sequence[Value | Number]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron: expected {len(self.w)} inputs, got {len(x)}")
        act = self.b
        for w_i, x_i in zip(self.w, x, strict=True):
            act = act + w_i * x_i
        if self.activation == "relu":
            return act.relu()
        if self.activation == "tanh":
            return act.tanh()
        if self.activation == "sigmoid":
            return act.sigmoid()
        return act

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        kind = "ReLU" if self.activation == "relu" else self.activation.capitalize()
        return f"{kind}Neuron({len(self.w)})"


class Layer(Module):
    """A row of independent neurons that all see the same inputs."""

    def __init__(self, nin: int, nout: int, **kwargs: object) -> None:
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: Sequence[Value | Number]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: layers applied one after another.

    Args:
        nin: number of inputs.
        nouts: the size of each layer, the last one being the output layer.
        activation: hidden-layer activation (``"relu"`` by default, as in micrograd);
            the output layer is linear.
        seed: makes the initial weights reproducible.

    Example:
        >>> model = MLP(2, [16, 16, 1], seed=0)
        >>> len(model.parameters())
        337
    """

    def __init__(
        self,
        nin: int,
        nouts: Iterable[int],
        activation: str = "relu",
        seed: int | None = None,
    ) -> None:
        if isinstance(nouts, int) or not (sizes := [nin, *nouts])[1:]:
            raise TypeError(
                f"MLP: nouts is the list of layer sizes, the last one the output layer, e.g. "
                f"MLP({nin}, [16, 16, 1]); got {nouts!r}"
            )
        rng = random.Random(seed) if seed is not None else None
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                activation=activation if i != len(sizes) - 2 else "linear",
                rng=rng,
            )
            for i in range(len(sizes) - 1)
        ]

    def __call__(self, x: Sequence[Value | Number]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
            if isinstance(x, Value):
                x = [x]
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
