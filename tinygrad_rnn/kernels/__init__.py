r"""The only door to compiled code: one switch, numpy references and their numba twins.

Every hot loop of the library exists twice, in named pairs: a short numpy *reference* that
says what is computed, and a numba *twin* with the same names, arguments and results, tested
to agree with it.

==========================  ==================================  ===================================
what                        numpy reference                     numba twin
==========================  ==================================  ===================================
activations, softmax        :mod:`.elementwise`                 :mod:`.elementwise_jit`
cross-entropy, embedding,
gradient norm
whole-sequence RNN, LSTM,   :mod:`.recurrent`                   :mod:`.recurrent_jit` (drivers) and
GRU (forward and BPTT)                                          :mod:`.recurrent_loops` (compiled)
the recurrent product       :mod:`.products`                    :mod:`.products_jit`
``out = h @ W_hh.T``
==========================  ==================================  ===================================

Beside them: :mod:`.contract` (the result types and argument checks both recurrent modules
share), :mod:`.buffers` (the pool of large arrays the fused layers reuse), :mod:`.warmup`
(compile everything ahead of time) and :mod:`._numba`, the one module that imports numba.

The switch: the Tensor ops ask :func:`ops_for` and the fused recurrent layers ask
:func:`recurrent_ops` which module to call. numba runs when it is installed,
``NUMBA_DISABLE_JIT`` is not set and :func:`use_numba` has not turned it off; otherwise the
references run (the same results, to rounding). This module imports no numba: the twins are
imported the first time one is needed, and each kernel compiles on its first call (or loads
from numba's on-disk cache, see ``tinygrad-rnn warmup``).

Example:
    >>> import numpy as np
    >>> ops_for(np.float64).relu_forward(np.array([-1.0, 2.0]))
    array([0., 2.])
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from types import ModuleType

import numpy as np

from tinygrad_rnn.kernels import elementwise, recurrent

__all__ = ["KERNEL_NAMES", "use_numba", "numba_enabled", "ops_for", "recurrent_ops"]

#: Every elementwise function with a numba twin.
KERNEL_NAMES = tuple(elementwise.__all__)

_FAST_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_requested = os.environ.get("NUMBA_DISABLE_JIT", "0") in ("", "0")
_numba_found: bool | None = None
_elementwise_jit: ModuleType | None = None
_recurrent_jit: ModuleType | None = None


def use_numba(flag: bool = True) -> None:
    """Turn the numba fast path on or off for every Tensor op and layer (tests compare both)."""
    global _requested
    _requested = bool(flag)


def numba_enabled() -> bool:
    """True when the compiled twins will run (numba importable and switched on)."""
    global _numba_found
    if _numba_found is None:
        _numba_found = importlib.util.find_spec("numba") is not None
    return _requested and _numba_found


def ops_for(dtype: np.dtype) -> ModuleType:
    """The module of elementwise functions to call for arrays of ``dtype``.

    :mod:`.elementwise_jit` for float32 and float64 when numba is on, else
    :mod:`.elementwise` (any other dtype always gets numpy).
    """
    global _elementwise_jit
    if _requested and dtype in _FAST_DTYPES:
        if _elementwise_jit is not None:
            return _elementwise_jit
        if numba_enabled():
            _elementwise_jit = importlib.import_module("tinygrad_rnn.kernels.elementwise_jit")
            return _elementwise_jit
    return elementwise


def recurrent_ops() -> ModuleType:
    """The module of whole-sequence recurrent functions: :mod:`.recurrent_jit` when numba
    is on, else :mod:`.recurrent`; both offer the same functions."""
    global _recurrent_jit
    if not numba_enabled():
        return recurrent
    if _recurrent_jit is None:
        _recurrent_jit = importlib.import_module("tinygrad_rnn.kernels.recurrent_jit")
    return _recurrent_jit
