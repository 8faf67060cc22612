"""Bug for 10.2: every stacked layer reads input_size features (only layer 0 does)."""

BUG_FOR = "10.2"


def recurrent_num_params(kind, input_size, hidden_size, num_layers=1, bias=True):
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[kind]
    per_layer = gates * hidden_size * (input_size + hidden_size + (2 if bias else 0))
    return num_layers * per_layer
