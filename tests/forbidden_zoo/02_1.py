"""2.1 handed to the library: gradcheck.numerical_grad."""

from tinygrad_rnn.gradcheck import numerical_grad

FORBIDDEN_FOR = "2.1"


def numerical_derivative(f, x, h=1e-6):
    return numerical_grad(lambda v: f(v[0]), [x], h)[0]
