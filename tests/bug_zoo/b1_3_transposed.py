"""Reads the weight matrix by columns: W[i][j] instead of W[j][i]."""

BUG_FOR = "1.3"


def layer_forward(W, x, b, activation="tanh"):
    outs = []
    for j in range(len(b)):
        z = b[j]
        for i in range(len(x)):
            z = z + W[i][j] * x[i]
        outs.append(z if activation == "linear" else getattr(z, activation)())
    return outs
