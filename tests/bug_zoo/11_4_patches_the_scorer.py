"""Cheat for 11.4: replaces ``evaluate_nll`` in its own process and returns an untrained model.

The held-out loss is computed in the grader's process from the returned weights, so the
patched scorer is never called and the untrained model fails.
"""

import tinygrad_rnn.generate
from tinygrad_rnn.data import CharVocab
from tinygrad_rnn.generate import CharLM

BUG_FOR = "11.4"
CAUGHT_BY = "held-out loss"

tinygrad_rnn.generate.evaluate_nll = lambda *args, **kwargs: 0.01


def train_language_model(text, steps):
    vocab = CharVocab.from_text(text)
    return CharLM(len(vocab), 16, 64, rng=0), vocab
