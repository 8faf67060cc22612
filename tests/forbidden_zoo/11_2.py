"""11.2 handed to the library: generate.sample_index."""

from tinygrad_rnn.generate import sample_index

FORBIDDEN_FOR = "11.2"


def sample_with_temperature(logits, temperature, rng):
    return sample_index(logits, temperature, rng)
