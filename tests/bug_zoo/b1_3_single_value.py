"""Returns a bare Value instead of a list when the layer has one neuron."""

BUG_FOR = "1.3"
CAUGHT_BY = "single Value"


def layer_forward(W, x, b, activation="tanh"):
    outs = []
    for row, b_j in zip(W, b, strict=True):
        z = b_j
        for w_i, x_i in zip(row, x, strict=True):
            z = z + w_i * x_i
        outs.append(z if activation == "linear" else getattr(z, activation)())
    return outs[0] if len(outs) == 1 else outs
