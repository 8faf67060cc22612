"""Builds the table only over the characters that occur in the text, not the whole vocabulary."""

BUG_FOR = "0.1"
CAUGHT_BY = "wrong shape"


def bigram_counts(text, vocab):
    chars = sorted(set(text)) or ["?"]
    index = {c: i for i, c in enumerate(chars)}
    table = [[0] * len(chars) for _ in chars]
    for a, b in zip(text[:-1], text[1:], strict=True):
        table[index[a]][index[b]] += 1
    return table
