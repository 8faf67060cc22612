"""Bug for 11.4: ignores the budget and takes one training step more than it is given.

Cheap on purpose: the extra steps train nothing useful (the model stays untrained), but the
grader must name the budget before it scores the loss.
"""

import numpy as np

from tinygrad_rnn.data import CharVocab
from tinygrad_rnn.generate import CharLM
from tinygrad_rnn.tensor import Tensor

BUG_FOR = "11.4"
CAUGHT_BY = "the budget is 200 training steps"


def train_language_model(text, steps):
    vocab = CharVocab.from_text(text)
    model = CharLM(len(vocab), 16, 64, rng=0)
    w = Tensor(np.ones(1), requires_grad=True)
    for _ in range(steps + 1):
        (w * 2.0).sum().backward()
    return model, vocab
