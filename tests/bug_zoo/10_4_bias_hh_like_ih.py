"""Bug for 10.4: gives b_hh the gradient of b_ih, forgetting that r multiplies b_hn."""

import numpy as np

BUG_FOR = "10.4"
CAUGHT_BY = "db_hh equals db_ih"


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def gru_bptt(xs, h0, W_ih, W_hh, b_ih, b_hh, dhs):
    H = h0.shape[1]
    steps, h = [], h0
    for x_t in xs:  # the forward pass, keeping what the backward pass needs
        gi, gh = x_t @ W_ih.T + b_ih, h @ W_hh.T + b_hh
        r = 1.0 / (1.0 + np.exp(-(gi[:, :H] + gh[:, :H])))
        z = 1.0 / (1.0 + np.exp(-(gi[:, H : 2 * H] + gh[:, H : 2 * H])))
        n = np.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
        steps.append((h, gh, r, z, n))
        h = (1.0 - z) * n + z * h
    dxs = np.zeros_like(xs)
    dW_ih, dW_hh = np.zeros_like(W_ih), np.zeros_like(W_hh)
    db_ih, db_hh = np.zeros_like(b_ih), np.zeros_like(b_hh)
    carry = np.zeros_like(h0)
    for t in range(len(xs) - 1, -1, -1):
        h_prev, gh, r, z, n = steps[t]
        dh = dhs[t] + carry
        da_n = dh * (1.0 - z) * (1.0 - n**2)
        da_z = dh * (h_prev - n) * z * (1.0 - z)
        da_r = da_n * gh[:, 2 * H :] * r * (1.0 - r)
        dgi = np.concatenate([da_r, da_z, da_n], axis=1)
        dgh = np.concatenate([da_r, da_z, da_n * r], axis=1)
        dxs[t] = dgi @ W_ih
        dW_ih += dgi.T @ xs[t]
        dW_hh += dgh.T @ h_prev
        db_ih += dgi.sum(axis=0)
        db_hh += dgi.sum(axis=0)
        carry = dh * z + dgh @ W_hh
    return {
        "dxs": dxs,
        "dh0": carry,
        "dW_ih": dW_ih,
        "dW_hh": dW_hh,
        "db_ih": db_ih,
        "db_hh": db_hh,
    }
