"""0.1 handed to the library: bigram_counts from tinygrad_rnn.bigram."""

from tinygrad_rnn.bigram import bigram_counts as _counts

FORBIDDEN_FOR = "0.1"


def bigram_counts(text, vocab):
    return _counts(text, vocab)
