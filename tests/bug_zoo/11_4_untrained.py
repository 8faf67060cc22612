"""Bug for 11.4: returns the model without training it (the loss stays near ln V)."""

from tinygrad_rnn.data import CharVocab
from tinygrad_rnn.generate import CharLM

BUG_FOR = "11.4"
CAUGHT_BY = "held-out loss"


def train_language_model(text, steps):
    vocab = CharVocab.from_text(text)
    return CharLM(len(vocab), 16, 64, rng=0), vocab
