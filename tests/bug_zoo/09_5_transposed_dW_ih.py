"""Bug for 9.5: hands back dW_ih transposed, (I, 4H)."""

import numpy as np

BUG_FOR = "9.5"
CAUGHT_BY = "the transpose of"


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-z)), a helper you may use (it is not graded)."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # the same function, without overflow warnings


def lstm_step(
    x_t: np.ndarray,
    h_prev: np.ndarray,
    c_prev: np.ndarray,
    W_ih: np.ndarray,
    W_hh: np.ndarray,
    b_ih: np.ndarray,
    b_hh: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    H = h_prev.shape[1]
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh  # (B, 4H)
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H : 2 * H])
    g = np.tanh(a[:, 2 * H : 3 * H])
    o = sigmoid(a[:, 3 * H :])
    c_t = f * c_prev + i * g
    h_t = o * np.tanh(c_t)
    return h_t, c_t


def lstm_step_backward(
    x_t: np.ndarray,
    h_prev: np.ndarray,
    c_prev: np.ndarray,
    W_ih: np.ndarray,
    W_hh: np.ndarray,
    b_ih: np.ndarray,
    b_hh: np.ndarray,
    dh: np.ndarray,
    dc: np.ndarray,
) -> dict[str, np.ndarray]:
    H = h_prev.shape[1]
    a = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh  # (B, 4H)
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H : 2 * H])
    g = np.tanh(a[:, 2 * H : 3 * H])
    o = sigmoid(a[:, 3 * H :])
    c_t = f * c_prev + i * g
    tanh_c = np.tanh(c_t)
    do = dh * tanh_c
    dc_total = dc + dh * o * (1.0 - tanh_c**2)
    di, df, dg = dc_total * g, dc_total * c_prev, dc_total * i
    da = np.concatenate(
        [di * i * (1.0 - i), df * f * (1.0 - f), dg * (1.0 - g**2), do * o * (1.0 - o)], axis=1
    )  # (B, 4H)
    return {
        "dx": da @ W_ih,
        "dh_prev": da @ W_hh,
        "dc_prev": dc_total * f,
        "dW_ih": da.T @ x_t,
        "dW_hh": da.T @ h_prev,
        "db": da.sum(axis=0),
    }


def lstm_bptt(
    xs: np.ndarray,
    h0: np.ndarray,
    c0: np.ndarray,
    W_ih: np.ndarray,
    W_hh: np.ndarray,
    b_ih: np.ndarray,
    b_hh: np.ndarray,
    dhs: np.ndarray,
) -> dict[str, np.ndarray]:
    T, B, _ = xs.shape
    hs, cs = [h0], [c0]
    for x_t in xs:
        h, c = lstm_step(x_t, hs[-1], cs[-1], W_ih, W_hh, b_ih, b_hh)
        hs.append(h)
        cs.append(c)
    dxs = np.zeros_like(xs)
    dW_ih, dW_hh, db = np.zeros_like(W_ih), np.zeros_like(W_hh), np.zeros_like(b_ih)
    dh, dc = np.zeros_like(h0), np.zeros_like(c0)
    for t in range(T - 1, -1, -1):
        g = lstm_step_backward(xs[t], hs[t], cs[t], W_ih, W_hh, b_ih, b_hh, dhs[t] + dh, dc)
        dxs[t] = g["dx"]
        dW_ih += g["dW_ih"]
        dW_hh += g["dW_hh"]
        db += g["db"]
        dh, dc = g["dh_prev"], g["dc_prev"]
    return {"dxs": dxs, "dh0": dh, "dc0": dc, "dW_ih": dW_ih.T, "dW_hh": dW_hh, "db": db}
