"""Bug for 6.1: folds the learning rate into the buffer (b = mu*b + lr*g; theta -= b).

The same as PyTorch's rule while lr is constant; wrong as soon as a schedule changes lr.
"""

BUG_FOR = "6.1"


def sgd_momentum_step(theta, grad, buf, lr, momentum):
    buf = lr * grad if buf is None else momentum * buf + lr * grad
    return theta - buf, buf
