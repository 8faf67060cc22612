"""9.4 handed to the library: nn.LSTM(...).num_parameters() and init.lstm_forget_bias_."""

from tinygrad_rnn import init
from tinygrad_rnn.nn import LSTM

FORBIDDEN_FOR = "9.4"


def lstm_num_params(input_size, hidden_size, num_layers=1, bias=True):
    return LSTM(input_size, hidden_size, num_layers=num_layers, bias=bias).num_parameters()


def set_forget_bias_(bias, value=1.0):
    return init.lstm_forget_bias_(bias, value)
