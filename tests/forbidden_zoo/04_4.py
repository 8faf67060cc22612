"""4.4 handed to the library: nn.functional.cross_entropy and Tensor.backward."""

import numpy as np

from tinygrad_rnn.nn.functional import cross_entropy
from tinygrad_rnn.tensor import Tensor

FORBIDDEN_FOR = "4.4"


def softmax_cross_entropy(logits, targets):
    z = Tensor(logits, requires_grad=True, dtype=np.float64)
    loss = cross_entropy(z, targets)
    loss.backward()
    return float(loss.data), z.grad
