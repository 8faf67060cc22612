"""Bug for 7.4: counts one bias vector per layer instead of two (b_ih and b_hh)."""

BUG_FOR = "7.4"


def rnn_num_params(input_size, hidden_size, num_layers=1, bias=True):
    total = 0
    for layer in range(num_layers):
        n_in = input_size if layer == 0 else hidden_size
        total += hidden_size * n_in + hidden_size * hidden_size + (hidden_size if bias else 0)
    return total
