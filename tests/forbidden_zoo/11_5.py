"""11.5 handed to the library: generate.sample writes the text."""

from tinygrad_rnn.data import CharVocab
from tinygrad_rnn.generate import sample

FORBIDDEN_FOR = "11.5"


def generate_text(model, itos, prompt, n, temperature, rng):
    vocab = CharVocab(itos)
    return sample(model, vocab, prompt, n, temperature, rng)[len(prompt) :]
