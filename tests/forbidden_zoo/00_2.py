"""0.2 handed to the library: bigram_probs from tinygrad_rnn.bigram."""

from tinygrad_rnn import bigram

FORBIDDEN_FOR = "0.2"


def bigram_probs(counts, alpha=1.0):
    return bigram.bigram_probs(counts, alpha)
