"""Feeds the original input x to every layer instead of the previous layer's output."""

BUG_FOR = "3.1"


def mlp_forward(layers, x, activation="relu"):
    h = list(x)
    for k, (W, b) in enumerate(layers):
        outs = []
        for row, b_j in zip(W, b, strict=True):
            z = b_j
            for w, v in zip(row, x, strict=False):  # lengths differ after the first layer
                z = z + w * v
            outs.append(z if k == len(layers) - 1 else getattr(z, activation)())
        h = outs
    return h
