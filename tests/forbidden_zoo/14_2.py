"""14.2 handed to the library: generate.sample_index draws every character."""

import numpy as np

from tinygrad_rnn.generate import sample_index

FORBIDDEN_FOR = "14.2"


def sample(params, itos, prefix, n, temperature, rng):
    stoi = {ch: k for k, ch in enumerate(itos)}
    H = params["W_hh"].shape[1]
    h, c = np.zeros((1, H)), np.zeros((1, H))

    def read(k, h, c):
        a = params["W_ih"][:, k] + params["b_ih"] + params["b_hh"] + h @ params["W_hh"].T
        s = 1.0 / (1.0 + np.exp(-a))
        c = s[:, H : 2 * H] * c + s[:, :H] * np.tanh(a[:, 2 * H : 3 * H])
        return s[:, 3 * H :] * np.tanh(c), c

    for ch in prefix:
        h, c = read(stoi[ch], h, c)
    out = []
    for _ in range(n):
        k = int(sample_index((h @ params["W_out"].T + params["b_out"])[0], temperature, rng))
        out.append(itos[k])
        h, c = read(k, h, c)
    return "".join(out)
