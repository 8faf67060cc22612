"""4.1 handed to the library: function.unbroadcast."""

from tinygrad_rnn.function import unbroadcast as _unbroadcast

FORBIDDEN_FOR = "4.1"


def unbroadcast(grad, shape):
    return _unbroadcast(grad, tuple(shape))
