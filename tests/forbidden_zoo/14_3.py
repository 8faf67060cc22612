"""14.3 handed to the library: generate.CharLM trained by generate.train_char_lm."""

from tinygrad_rnn.generate import train_char_lm

FORBIDDEN_FOR = "14.3"


def train_char_rnn(text, seconds):
    return train_char_lm(text, max_seconds=seconds)
