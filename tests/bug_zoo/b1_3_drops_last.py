"""An off-by-one in the loop over neurons: the last neuron is missing."""

BUG_FOR = "1.3"
CAUGHT_BY = "wrong shape"


def layer_forward(W, x, b, activation="tanh"):
    outs = []
    for j in range(len(W) - 1):
        z = b[j]
        for w_i, x_i in zip(W[j], x, strict=True):
            z = z + w_i * x_i
        outs.append(z if activation == "linear" else getattr(z, activation)())
    return outs
