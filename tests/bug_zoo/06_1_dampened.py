"""Bug for 6.1: an exponential average b = mu*b + (1 - mu)*g instead of the momentum sum."""

BUG_FOR = "6.1"


def sgd_momentum_step(theta, grad, buf, lr, momentum):
    buf = grad.copy() if buf is None else momentum * buf + (1.0 - momentum) * grad
    return theta - lr * buf, buf
