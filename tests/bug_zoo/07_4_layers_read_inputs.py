"""Bug for 7.4: every stacked layer reads input_size features, not just the first."""

BUG_FOR = "7.4"


def rnn_num_params(input_size, hidden_size, num_layers=1, bias=True):
    per_layer = hidden_size * input_size + hidden_size * hidden_size
    return num_layers * (per_layer + (2 * hidden_size if bias else 0))
