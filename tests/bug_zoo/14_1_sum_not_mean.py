"""Bug for 14.1: the loss is summed, not averaged over the T * B predictions."""

import numpy as np

BUG_FOR = "14.1"
CAUGHT_BY = "the loss, mean nats/char"


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-z)), a helper you may use (it is not graded)."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # the same function, without overflow warnings


def chunk_loss_and_grads(
    params: dict[str, np.ndarray],
    x_ids: np.ndarray,
    y_ids: np.ndarray,
    h0: np.ndarray,
    c0: np.ndarray,
) -> tuple[float, dict[str, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    W_ih, W_hh, W_out = params["W_ih"], params["W_hh"], params["W_out"]
    T, B = x_ids.shape
    H, V = W_hh.shape[1], W_out.shape[0]
    xa = W_ih.T[x_ids] + params["b_ih"] + params["b_hh"]  # (T, B, 4H): one-hot products
    hs, cs = np.empty((T + 1, B, H)), np.empty((T + 1, B, H))
    hs[0], cs[0] = h0, c0
    gates, tanh_c = np.empty((T, B, 4 * H)), np.empty((T, B, H))
    for t in range(T):
        a = xa[t] + hs[t] @ W_hh.T
        gates[t, :, : 2 * H] = sigmoid(a[:, : 2 * H])  # i, f
        gates[t, :, 2 * H : 3 * H] = np.tanh(a[:, 2 * H : 3 * H])  # g
        gates[t, :, 3 * H :] = sigmoid(a[:, 3 * H :])  # o
        i, f, g, o = np.split(gates[t], 4, axis=1)
        cs[t + 1] = f * cs[t] + i * g
        tanh_c[t] = np.tanh(cs[t + 1])
        hs[t + 1] = o * tanh_c[t]
    logits = hs[1:] @ W_out.T + params["b_out"]  # (T, B, V)
    z = logits - logits.max(axis=2, keepdims=True)
    probs = np.exp(z)
    probs /= probs.sum(axis=2, keepdims=True)
    t_idx, b_idx = np.meshgrid(np.arange(T), np.arange(B), indexing="ij")
    loss = float(-np.log(probs[t_idx, b_idx, y_ids]).sum())

    N = T * B
    dlogits = probs
    dlogits[t_idx, b_idx, y_ids] -= 1.0
    dlogits /= N
    grads = {
        "W_out": dlogits.reshape(N, V).T @ hs[1:].reshape(N, H),
        "b_out": dlogits.sum(axis=(0, 1)),
    }
    dh_out = dlogits @ W_out  # (T, B, H): what reaches each h_t from its own prediction
    das = np.empty((T, B, 4 * H))
    dh, dc = np.zeros((B, H)), np.zeros((B, H))
    for t in range(T - 1, -1, -1):
        i, f, g, o = np.split(gates[t], 4, axis=1)
        dh = dh + dh_out[t]
        dc = dc + dh * o * (1.0 - tanh_c[t] ** 2)
        das[t, :, :H] = dc * g * i * (1.0 - i)
        das[t, :, H : 2 * H] = dc * cs[t] * f * (1.0 - f)
        das[t, :, 2 * H : 3 * H] = dc * i * (1.0 - g**2)
        das[t, :, 3 * H :] = dh * tanh_c[t] * o * (1.0 - o)
        dh = das[t] @ W_hh
        dc = dc * f
    flat = das.reshape(N, 4 * H)
    grads["W_hh"] = flat.T @ hs[:-1].reshape(N, H)
    dW_ih_T = np.zeros((V, 4 * H))
    np.add.at(dW_ih_T, x_ids.ravel(), flat)  # each step adds into the column it read
    grads["W_ih"] = dW_ih_T.T
    grads["b_ih"] = flat.sum(axis=0)
    grads["b_hh"] = grads["b_ih"].copy()
    return loss, grads, (hs[-1].copy(), cs[-1].copy())
