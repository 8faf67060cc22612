"""Returns the weighted sum without applying the activation."""

BUG_FOR = "1.1"


def neuron_forward(w, x, b, activation="tanh"):
    z = b
    for w_i, x_i in zip(w, x, strict=True):
        z = z + w_i * x_i
    return z
