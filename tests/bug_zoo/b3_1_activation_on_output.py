"""Applies the activation on the output layer too."""

BUG_FOR = "3.1"


def mlp_forward(layers, x, activation="relu"):
    h = list(x)
    for W, b in layers:
        h = [
            getattr(sum((w * v for w, v in zip(row, h, strict=True)), b_j), activation)()
            for row, b_j in zip(W, b, strict=True)
        ]
    return h
