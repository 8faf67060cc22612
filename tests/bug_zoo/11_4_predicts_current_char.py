"""Bug for 11.4: trains the model to output the character it is reading, not the next one."""

import numpy as np

from tinygrad_rnn import optim
from tinygrad_rnn.data import CharVocab
from tinygrad_rnn.generate import CharLM, detach_state
from tinygrad_rnn.nn.functional import cross_entropy

BUG_FOR = "11.4"


def train_language_model(text, steps):
    vocab = CharVocab.from_text(text)
    model = CharLM(len(vocab), 16, 64, rng=0)
    opt = optim.Adam(model.parameters(), lr=0.02)
    ids = np.array(vocab.encode(text))
    n = len(ids) // 16
    streams = ids[: n * 16].reshape(16, n).T
    state, pos = None, 0
    for _ in range(min(steps, 60)):
        x = streams[pos : pos + 32]
        logits, state = model(x, state)
        loss = cross_entropy(logits, x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        state = detach_state(state)
        pos = (pos + 32) % (n - 33)
    return model, vocab
