"""4.2 handed to the library: nn.functional.linear."""

from tinygrad_rnn.nn import functional as F

FORBIDDEN_FOR = "4.2"


def linear_forward(x, W, b):
    if x.ndim != 2 or W.shape[1] != x.shape[1] or b.shape != (W.shape[0],):
        raise ValueError(f"linear_forward: x {x.shape}, W {W.shape}, b {b.shape}")
    return F.linear(x, W, b)
