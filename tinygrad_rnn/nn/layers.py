r"""Feed-forward layers: Linear, Embedding, Sequential, MLP, activations and Dropout.

Each layer's parameters carry PyTorch's names, shapes and default initialisation, so a
``state_dict`` moves between this library and ``torch.nn`` unchanged.

Example:
    >>> import numpy as np
    >>> from tinygrad_rnn.tensor import Tensor
    >>> net = Sequential(Linear(2, 8, rng=0), Tanh(), Linear(8, 1, rng=1))
    >>> net(Tensor(np.zeros((5, 2)))).shape
    (5, 1)
    >>> print(net)
    Sequential(
      (0): Linear(in_features=2, out_features=8, bias=True)
      (1): Tanh()
      (2): Linear(in_features=8, out_features=1, bias=True)
    )
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from tinygrad_rnn import init
from tinygrad_rnn.nn import functional as F
from tinygrad_rnn.nn.module import Module, Parameter
from tinygrad_rnn.tensor import ShapeError, Tensor, get_default_dtype

__all__ = [
    "Linear",
    "Embedding",
    "Sequential",
    "ModuleList",
    "MLP",
    "Identity",
    "Tanh",
    "Sigmoid",
    "ReLU",
    "LeakyReLU",
    "Dropout",
    "as_tensor",
]


def as_tensor(x: Any, dtype: Any = None) -> Tensor:
    """``x`` itself when it is a Tensor, else a constant Tensor made from it.

    Plain data (arrays, lists) is stored in ``dtype`` when given: a layer passes its
    parameters' dtype, so ``layer(np_array)`` just works in float32 and float64 alike.
    """
    if isinstance(x, Tensor):
        return x
    if dtype is not None and np.asarray(x).dtype.kind in "fiub":
        return Tensor(x, dtype=dtype)
    return Tensor(x)


def _empty(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    return np.empty(shape, dtype=np.dtype(dtype) if dtype is not None else get_default_dtype())


class Linear(Module):
    r"""An affine map :math:`y = x W^\top + b` on the last axis.

    Args:
        in_features: size of each input row.
        out_features: size of each output row.
        bias: whether to learn :math:`b`.
        rng: seed or ``np.random.Generator`` for the initial weights (``None``: fresh).
        dtype: parameter dtype (the Tensor default, float32, unless given).

    Attributes:
        weight: ``(out_features, in_features)``, initialised from
            :math:`U(-1/\sqrt{n_{in}}, 1/\sqrt{n_{in}})` like PyTorch's.
        bias: ``(out_features,)`` from the same distribution, or ``None``.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        rng: init.Seed | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in_features, self.out_features = int(in_features), int(out_features)
        gen = init.as_generator(rng)
        bound = 1.0 / math.sqrt(in_features) if in_features else 0.0
        w = init.uniform_(_empty((out_features, in_features), dtype), gen, -bound, bound)
        self.weight = Parameter(w, dtype=w.dtype, label="weight")
        self.bias = None
        if bias:
            b = init.uniform_(_empty((out_features,), dtype), gen, -bound, bound)
            self.bias = Parameter(b, dtype=b.dtype, label="bias")

    def forward(self, x: Any) -> Tensor:
        x = as_tensor(x, self.weight.dtype)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ShapeError(
                f"Linear: expected inputs with last axis {self.in_features} "
                f"(in_features), got shape {x.shape}"
            )
        if x.dtype != self.weight.dtype:  # numpy would silently compute in the wider one
            raise TypeError(
                f"Linear: input is {x.dtype} but the parameters are {self.weight.dtype}; "
                "convert one (x.astype(...) or layer.to(...))"
            )
        return F.linear(x, self.weight, self.bias)  # (..., out)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Embedding(Module):
    r"""A lookup table: integer ids ``(...)`` become rows of ``weight``, shape ``(..., dim)``.

    Args:
        num_embeddings: number of rows (the vocabulary size).
        embedding_dim: size of each row.
        rng: seed or generator; rows start as :math:`N(0, 1)` samples like PyTorch's.
        dtype: parameter dtype.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        rng: init.Seed | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        w = init.normal_(_empty((num_embeddings, embedding_dim), dtype), rng)
        self.weight = Parameter(w, dtype=w.dtype, label="embedding")

    def forward(self, indices: Any) -> Tensor:
        return F.embedding(self.weight, indices)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"


class Sequential(Module):
    """Modules applied one after the other; ``net[0]`` and ``len(net)`` work like a list.

    Sub-modules are named ``"0"``, ``"1"``, ... so parameter names read ``"0.weight"``.
    """

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for i, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(f"Sequential: item {i} is a {type(module).__name__}, not a Module")
            setattr(self, str(i), module)

    def __len__(self) -> int:
        return sum(1 for _ in self.children())

    def __iter__(self) -> Iterator[Module]:
        return self.children()

    def __getitem__(self, i: int) -> Module:
        layers = list(self.children())
        return layers[i]

    def forward(self, x: Any) -> Any:
        for module in self.children():
            x = module(x)
        return x


class ModuleList(Module):
    """A list of modules whose parameters are registered: ``layers[0]``, ``len(layers)``,
    iteration and ``append``. Unlike :class:`Sequential` it has no ``forward``; you call
    the modules yourself.

    Example:
        >>> blocks = ModuleList([Linear(2, 2, rng=0), Linear(2, 2, rng=1)])
        >>> blocks.append(Tanh())
        >>> len(blocks), [name for name, _ in blocks.named_parameters()][:2]
        (3, ['0.weight', '0.bias'])
    """

    def __init__(self, modules: Sequence[Module] = ()) -> None:
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module: Module) -> None:
        """Add ``module`` at the end (its name is its index)."""
        if not isinstance(module, Module):
            raise TypeError(f"ModuleList: can only hold Modules, got a {type(module).__name__}")
        setattr(self, str(len(self)), module)

    def __len__(self) -> int:
        return sum(1 for _ in self.children())

    def __iter__(self) -> Iterator[Module]:
        return self.children()

    def __getitem__(self, i: int) -> Module:
        return list(self.children())[i]


class Identity(Module):
    """Returns its input unchanged (a placeholder layer)."""

    def forward(self, x: Any) -> Any:
        return x


class Tanh(Module):
    r""":math:`\tanh x`, elementwise."""

    def forward(self, x: Any) -> Tensor:
        return as_tensor(x).tanh()


class Sigmoid(Module):
    r""":math:`1/(1+e^{-x})`, elementwise."""

    def forward(self, x: Any) -> Tensor:
        return as_tensor(x).sigmoid()


class ReLU(Module):
    r""":math:`\max(x, 0)`, elementwise."""

    def forward(self, x: Any) -> Tensor:
        return as_tensor(x).relu()


class LeakyReLU(Module):
    r""":math:`x` for :math:`x > 0`, else ``negative_slope`` :math:`\cdot x`."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = float(negative_slope)

    def forward(self, x: Any) -> Tensor:
        return as_tensor(x).leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


_ACTIVATIONS = {"tanh": Tanh, "sigmoid": Sigmoid, "relu": ReLU, "leaky_relu": LeakyReLU}


class Dropout(Module):
    r"""While training, zero each element with probability ``p`` and scale the rest by
    :math:`1/(1-p)`, so the expected value is unchanged; in eval mode, do nothing.

    Args:
        p: probability of dropping an element, in ``[0, 1)``.
        rng: seed or generator for the masks (``None``: fresh randomness).
    """

    def __init__(self, p: float = 0.5, rng: init.Seed | None = None) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p}")
        self.p = float(p)
        self._rng = init.as_generator(rng)

    def forward(self, x: Any) -> Tensor:
        return F.dropout(as_tensor(x), self.p, training=self.training, rng=self._rng)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class MLP(Sequential):
    """A multi-layer perceptron: ``Linear`` layers with an activation between them.

    Args:
        sizes: layer widths, input first: ``[2, 16, 16, 1]`` is two hidden layers of 16.
        activation: ``"tanh"``, ``"relu"``, ``"sigmoid"`` or ``"leaky_relu"``, used after
            every layer but the last (whose output is left linear, for a loss to read).
        rng: seed or generator; each layer draws from it in turn.
        dtype: parameter dtype.

    Example:
        >>> MLP([2, 16, 1], rng=0).num_parameters()
        65
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "tanh",
        rng: init.Seed | None = None,
        dtype: Any = None,
    ) -> None:
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs an input and an output size, got {list(sizes)}")
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"MLP: unknown activation {activation!r}; choose from {sorted(_ACTIVATIONS)}"
            )
        gen = init.as_generator(rng)
        layers: list[Module] = []
        for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            layers.append(Linear(n_in, n_out, rng=gen, dtype=dtype))
            if k < len(sizes) - 2:
                layers.append(_ACTIVATIONS[activation]())
        super().__init__(*layers)
