"""10.2 handed to the library: the layer's own num_parameters()."""

from tinygrad_rnn import nn

FORBIDDEN_FOR = "10.2"


def recurrent_num_params(kind, input_size, hidden_size, num_layers=1, bias=True):
    layer = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]
    return layer(input_size, hidden_size, num_layers=num_layers, bias=bias).num_parameters()
