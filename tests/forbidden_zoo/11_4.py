"""11.4 handed to the library: generate.train_char_lm runs the whole training loop."""

from tinygrad_rnn.generate import train_char_lm

FORBIDDEN_FOR = "11.4"


def train_language_model(text, steps):
    result = train_char_lm(
        text,
        embed_dim=16,
        hidden_size=64,
        batch_size=16,
        seq_len=32,
        lr=0.02,
        steps=steps,
    )
    return result.model, result.vocab
