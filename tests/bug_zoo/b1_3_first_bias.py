"""Gives every neuron the bias of the first one."""

BUG_FOR = "1.3"


def layer_forward(W, x, b, activation="tanh"):
    outs = []
    for row in W:
        z = b[0]
        for w_i, x_i in zip(row, x, strict=True):
            z = z + w_i * x_i
        outs.append(z if activation == "linear" else getattr(z, activation)())
    return outs
