"""7.4 handed to the library: nn.RNN(...).num_parameters()."""

from tinygrad_rnn.nn import RNN

FORBIDDEN_FOR = "7.4"


def rnn_num_params(input_size, hidden_size, num_layers=1, bias=True):
    return RNN(input_size, hidden_size, num_layers=num_layers, bias=bias).num_parameters()
