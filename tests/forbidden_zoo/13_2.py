"""13.2 handed to the library: the padded scores set by hand, nn.functional.softmax for the rest."""

import numpy as np

from tinygrad_rnn.nn import functional as F
from tinygrad_rnn.tensor import Tensor

FORBIDDEN_FOR = "13.2"


def masked_softmax(scores, valid):
    masked = np.where(valid, scores, -np.inf)
    return F.softmax(Tensor(masked, dtype=np.float64), axis=1).data
