"""6.2 handed to the library: optim.Adam, its moments and step count loaded from m, v, t."""

import numpy as np

from tinygrad_rnn.optim import Adam
from tinygrad_rnn.tensor import Tensor

FORBIDDEN_FOR = "6.2"


def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
    p = Tensor(np.array(theta, dtype=np.float64), requires_grad=True, dtype=np.float64)
    p.grad = np.array(grad, dtype=np.float64)
    opt = Adam([p], lr=lr, betas=(beta1, beta2), eps=eps)
    state = opt.state_dict()
    moments = {"exp_avg": np.array(m, dtype=np.float64), "step": float(t - 1)}
    moments["exp_avg_sq"] = np.array(v, dtype=np.float64)
    state["state"] = {0: moments}
    opt.load_state_dict(state)
    opt.step()
    after = opt.state_dict()["state"][0]
    return p.data, after["exp_avg"], after["exp_avg_sq"]
