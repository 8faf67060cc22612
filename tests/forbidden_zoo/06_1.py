"""6.1 handed to the library: optim.SGD with momentum, its buffer loaded from ``buf``."""

import numpy as np

from tinygrad_rnn.optim import SGD
from tinygrad_rnn.tensor import Tensor

FORBIDDEN_FOR = "6.1"


def sgd_momentum_step(theta, grad, buf, lr, momentum):
    p = Tensor(np.array(theta, dtype=np.float64), requires_grad=True, dtype=np.float64)
    p.grad = np.array(grad, dtype=np.float64)
    opt = SGD([p], lr=lr, momentum=momentum)
    state = opt.state_dict()
    state["state"] = {0: {"momentum_buffer": np.array(buf, dtype=np.float64)}}
    opt.load_state_dict(state)
    opt.step()
    return p.data, opt.state_dict()["state"][0]["momentum_buffer"]
