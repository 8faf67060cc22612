"""Bug for 9.4: sets the first quarter of the bias (the input gate) instead of the second."""

BUG_FOR = "9.4"
CAUGHT_BY = "set_forget_bias_"


def lstm_num_params(input_size, hidden_size, num_layers=1, bias=True):
    total = 0
    for layer in range(num_layers):
        n_in = input_size if layer == 0 else hidden_size
        total += 4 * hidden_size * (n_in + hidden_size) + (8 * hidden_size if bias else 0)
    return total


def set_forget_bias_(bias, value=1.0):
    H = len(bias) // 4
    bias[:H] = value
    return bias
