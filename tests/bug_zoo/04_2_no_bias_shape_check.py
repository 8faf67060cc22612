"""Bug for 4.2: checks x against W but lets broadcasting accept a bias of the wrong shape."""

from tinygrad_rnn.tensor import Tensor

BUG_FOR = "4.2"


def linear_forward(x: Tensor, W: Tensor, b: Tensor) -> Tensor:
    if x.ndim != 2 or W.ndim != 2 or x.shape[1] != W.shape[1]:
        raise ValueError(f"linear_forward: x {x.shape} does not fit W {W.shape}")
    return x @ W.T + b
