"""Bug for 10.2: counts one bias vector per gate and layer instead of two (b_ih and b_hh)."""

BUG_FOR = "10.2"


def recurrent_num_params(kind, input_size, hidden_size, num_layers=1, bias=True):
    gates = {"rnn": 1, "lstm": 4, "gru": 3}[kind]
    total = 0
    for layer in range(num_layers):
        n_in = input_size if layer == 0 else hidden_size
        total += gates * hidden_size * (n_in + hidden_size + (1 if bias else 0))
    return total
