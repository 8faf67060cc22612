"""Bug for 4.2: computes with numpy on .data, so the result has no graph and no gradients."""

from tinygrad_rnn.tensor import Tensor

BUG_FOR = "4.2"


def linear_forward(x: Tensor, W: Tensor, b: Tensor) -> Tensor:
    if x.ndim != 2 or W.ndim != 2 or x.shape[1] != W.shape[1]:
        raise ValueError(f"linear_forward: x {x.shape} does not fit W {W.shape}")
    if b.shape != (W.shape[0],):
        raise ValueError(f"linear_forward: b {b.shape} should be {(W.shape[0],)}")
    return Tensor(x.data @ W.data.T + b.data)
