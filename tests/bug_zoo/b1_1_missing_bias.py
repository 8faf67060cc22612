"""Forgets the bias: act(sum of w[i] * x[i])."""

BUG_FOR = "1.1"


def neuron_forward(w, x, b, activation="tanh"):
    z = w[0] * x[0]
    for w_i, x_i in zip(w[1:], x[1:], strict=True):
        z = z + w_i * x_i
    return z if activation == "linear" else getattr(z, activation)()
