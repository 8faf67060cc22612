"""5.2 handed to the library: the kernels' grad_norm."""

from tinygrad_rnn.kernels.elementwise import grad_norm

FORBIDDEN_FOR = "5.2"


def global_grad_norm(arrays):
    return grad_norm(list(arrays))
