r"""The recurrent product ``out = a @ b`` in numpy: the reference for
:mod:`tinygrad_rnn.kernels.products_jit`.

Example:
    >>> import numpy as np
    >>> out = np.empty((1, 2))
    >>> recurrent_matmul(np.ones((1, 3)), np.ones((3, 2)), out, True)
    >>> out
    array([[3., 3.]])
"""

from __future__ import annotations

import numpy as np

__all__ = ["recurrent_matmul"]


def recurrent_matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray, loops: bool = True) -> None:
    """``out[:] = a @ b`` for ``a`` (M, K) and ``b`` (K, N).

    ``loops`` says, in the compiled twin, whether to use its own loops or BLAS; both compute
    the same product, so here it changes nothing.
    """
    np.matmul(a, b, out=out)
