"""1.1 handed to the library: a scalar.Neuron with the given weights."""

from tinygrad_rnn.scalar import Neuron

FORBIDDEN_FOR = "1.1"


def neuron_forward(w, x, b, activation):
    n = Neuron(len(w), activation=activation)
    n.w, n.b = list(w), b
    return n(x)
