"""tinygrad_rnn: a deep-learning course you can run, on a small autograd library written to be read.

``import tinygrad_rnn`` is instant: it loads only the scalar engine. Everything else is
loaded the first time you ask for it (``tinygrad_rnn.Tensor``, ``tinygrad_rnn.nn``, ...),
and numba only when a compiled kernel first runs.

Example:
    >>> from tinygrad_rnn import Value
    >>> x = Value(3.0)
    >>> y = x * x + 2 * x
    >>> y.backward()
    >>> x.grad
    8.0
"""

from __future__ import annotations

import importlib
from typing import Any

from tinygrad_rnn.scalar import Value

__version__ = "0.1.0"

# name -> module it comes from; loaded on first access (PEP 562), so that importing the
# package stays light for lesson 1. (No name here may equal a submodule's name: importing
# the submodule would silently replace it.)
_LAZY_ATTRIBUTES = {
    "Tensor": "tinygrad_rnn.tensor",
    "no_grad": "tinygrad_rnn.tensor",
    "detect_anomaly": "tinygrad_rnn.tensor",
    "set_default_dtype": "tinygrad_rnn.tensor",
    "get_default_dtype": "tinygrad_rnn.tensor",
    "default_dtype": "tinygrad_rnn.tensor",
    "Function": "tinygrad_rnn.function",
}
_LAZY_MODULES = (
    "autograd",
    "checkpoint",
    "data",
    "generate",
    "gradcheck",
    "graph",
    "init",
    "nn",
    "optim",
    "scalar",
    "tensor",
)

__all__ = ["Value", "__version__", *_LAZY_ATTRIBUTES, *_LAZY_MODULES]


def __getattr__(name: str) -> Any:
    if name in _LAZY_ATTRIBUTES:
        value = getattr(importlib.import_module(_LAZY_ATTRIBUTES[name]), name)
    elif name in _LAZY_MODULES:
        value = importlib.import_module(f"tinygrad_rnn.{name}")
    else:
        raise AttributeError(f"module 'tinygrad_rnn' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
