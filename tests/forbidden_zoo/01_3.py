"""1.3 handed to the library: a scalar.Layer with the given weights."""

from tinygrad_rnn.scalar import Layer

FORBIDDEN_FOR = "1.3"


def layer_forward(W, x, b, activation):
    layer = Layer(len(x), len(W), activation=activation)
    for neuron, row, b_j in zip(layer.neurons, W, b, strict=True):
        neuron.w, neuron.b = list(row), b_j
    out = layer(x)
    return out if isinstance(out, list) else [out]
