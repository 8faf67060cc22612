"""3.1 handed to the library: each layer a scalar.Layer with the given weights."""

from tinygrad_rnn.scalar import Layer

FORBIDDEN_FOR = "3.1"


def mlp_forward(layers, x, activation):
    h = list(x)
    for k, (W, b) in enumerate(layers):
        act = "linear" if k == len(layers) - 1 else activation
        layer = Layer(len(h), len(W), activation=act)
        for neuron, row, b_j in zip(layer.neurons, W, b, strict=True):
            neuron.w, neuron.b = list(row), b_j
        out = layer(h)
        h = out if isinstance(out, list) else [out]
    return h
