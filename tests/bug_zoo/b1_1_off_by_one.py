"""Pairs each weight with the previous input: w[i] * x[i - 1]."""

BUG_FOR = "1.1"


def neuron_forward(w, x, b, activation="tanh"):
    z = b
    for i in range(len(w)):
        z = z + w[i] * x[i - 1]
    return z if activation == "linear" else getattr(z, activation)()
