"""Bug for 14.2: never reads the prefix, so the first draw comes from the zero state."""

import numpy as np

BUG_FOR = "14.2"
CAUGHT_BY = "the prefix was never read"


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-z)), a helper you may use (it is not graded)."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # the same function, without overflow warnings


def sample(
    params: dict[str, np.ndarray],
    itos: list[str],
    prefix: str,
    n: int,
    temperature: float,
    rng: np.random.Generator,
) -> str:
    W_ih, W_hh = params["W_ih"], params["W_hh"]
    bias = params["b_ih"] + params["b_hh"]
    H = W_hh.shape[1]
    h, c = np.zeros((1, H)), np.zeros((1, H))

    def read(k: int, h: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = W_ih[:, k] + bias + h @ W_hh.T
        i, f = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H])
        g, o = np.tanh(a[:, 2 * H : 3 * H]), sigmoid(a[:, 3 * H :])
        c = f * c + i * g
        return o * np.tanh(c), c

    out = []
    for _ in range(n):
        z = (h @ params["W_out"].T + params["b_out"])[0]
        if temperature == 0:
            k = int(np.argmax(z))
        else:
            q = np.exp((z - z.max()) / temperature)
            k = int(rng.choice(len(q), p=q / q.sum()))
        out.append(itos[k])
        h, c = read(k, h, c)
    return "".join(out)
