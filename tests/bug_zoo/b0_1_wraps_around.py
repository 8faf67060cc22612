"""Also counts the pair (last character, first character), as if the text were a circle."""

BUG_FOR = "0.1"


def bigram_counts(text, vocab):
    V = len(vocab)
    table = [[0] * V for _ in range(V)]
    ids = vocab.encode(text)
    for t in range(len(ids)):
        table[ids[t - 1]][ids[t]] += 1
    return table
