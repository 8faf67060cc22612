"""Never applies the activation: the network collapses into one linear map."""

BUG_FOR = "3.1"


def mlp_forward(layers, x, activation="relu"):
    h = list(x)
    for W, b in layers:
        h = [
            sum((w * v for w, v in zip(row, h, strict=True)), b_j)
            for row, b_j in zip(W, b, strict=True)
        ]
    return h
