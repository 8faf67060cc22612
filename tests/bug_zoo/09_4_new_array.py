"""Bug for 9.4: returns a new array with the forget bias set and leaves the given one alone."""

import numpy as np

BUG_FOR = "9.4"
CAUGHT_BY = "in place"


def lstm_num_params(input_size, hidden_size, num_layers=1, bias=True):
    total = 0
    for layer in range(num_layers):
        n_in = input_size if layer == 0 else hidden_size
        total += 4 * hidden_size * (n_in + hidden_size) + (8 * hidden_size if bias else 0)
    return total


def set_forget_bias_(bias, value=1.0):
    H = len(bias) // 4
    out = np.array(bias)
    out[H : 2 * H] = value
    return out
