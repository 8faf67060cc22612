"""Returns a bare Value when the output layer has one neuron."""

BUG_FOR = "3.1"
CAUGHT_BY = "single Value"


def mlp_forward(layers, x, activation="relu"):
    h = list(x)
    for k, (W, b) in enumerate(layers):
        outs = []
        for row, b_j in zip(W, b, strict=True):
            z = b_j
            for w, v in zip(row, h, strict=True):
                z = z + w * v
            outs.append(z if k == len(layers) - 1 else getattr(z, activation)())
        h = outs
    return h[0] if len(h) == 1 else h
