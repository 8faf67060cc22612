"""tinygrad_rnn: a deep-learning course you can run, on a small autograd library written to be read.

The package is importable in a blink: nothing here imports numba. The Tensor engine and the
neural-network layers import it lazily the first time a fused kernel runs.

Example:
    >>> from tinygrad_rnn import Value
    >>> x = Value(3.0)
    >>> y = x * x + 2 * x
    >>> y.backward()
    >>> x.grad
    8.0
"""

from tinygrad_rnn.scalar import Value

__version__ = "0.1.0"

__all__ = ["Value", "__version__"]
