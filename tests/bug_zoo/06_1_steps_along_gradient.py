"""Bug for 6.1: keeps the buffer but steps along the latest gradient (plain SGD)."""

BUG_FOR = "6.1"


def sgd_momentum_step(theta, grad, buf, lr, momentum):
    buf = grad.copy() if buf is None else momentum * buf + grad
    return theta - lr * grad, buf
