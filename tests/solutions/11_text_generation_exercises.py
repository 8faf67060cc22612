"""Reference solutions for lesson 11 (the grader must give these full points)."""

from __future__ import annotations

import numpy as np

from tinygrad_rnn import optim
from tinygrad_rnn.data import CharVocab
from tinygrad_rnn.generate import CharLM, detach_state
from tinygrad_rnn.nn.functional import cross_entropy


def encode(text, itos):
    stoi = {ch: i for i, ch in enumerate(itos)}
    return [stoi[ch] for ch in text]


def decode(ids, itos):
    return "".join(itos[int(i)] for i in ids)


def lm_batches(ids, batch_size, seq_len):
    ids = np.asarray(ids)
    n = len(ids) // batch_size
    streams = ids[: n * batch_size].reshape(batch_size, n).T  # (N, B)
    pairs = []
    pos = 0
    while pos + seq_len + 1 <= n:
        pairs.append((streams[pos : pos + seq_len], streams[pos + 1 : pos + seq_len + 1]))
        pos += seq_len
    return pairs


def sample_with_temperature(logits, temperature, rng):
    z = np.asarray(logits, dtype=np.float64)
    if temperature == 0:
        return int(np.argmax(z))
    z = z / temperature
    p = np.exp(z - z.max())
    return int(rng.choice(len(p), p=p / p.sum()))


def nll_and_perplexity(logits, targets):
    z = np.asarray(logits, dtype=np.float64)
    top = z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(z - top).sum(axis=1)) + top[:, 0]
    nll = float(np.mean(lse - z[np.arange(len(z)), targets]))
    return nll, float(np.exp(nll))


def train_language_model(text, steps):
    vocab = CharVocab.from_text(text)
    model = CharLM(len(vocab), embed_dim=16, hidden_size=64, rng=0)
    opt = optim.Adam(model.parameters(), lr=0.02)
    pairs = lm_batches(np.array(encode(text, vocab.itos)), 16, 32)
    state = None
    for k in range(steps):
        x, y = pairs[k % len(pairs)]
        if k % len(pairs) == 0:
            state = None
        logits, state = model(x, state)
        loss = cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        optim.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        state = detach_state(state)
    return model, vocab


def generate_text(model, itos, prompt, n, temperature, rng):
    stoi = {ch: i for i, ch in enumerate(itos)}
    logits, state = model(np.array([[stoi[ch]] for ch in prompt]))  # (T, 1) ids
    out = []
    for _ in range(n):
        k = sample_with_temperature(logits.data[-1, 0], temperature, rng)
        out.append(itos[k])
        logits, state = model(np.array([[k]]), state)
    return "".join(out)
