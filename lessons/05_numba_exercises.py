"""Lesson 5 exercises: fast hot loops with numba.

Replace each ``raise NotImplementedError(...)`` line with your code, then check your work:

    tinygrad-rnn grade 5        # every exercise of lesson 5
    tinygrad-rnn grade 5.1      # just one exercise

The grader compares your results with the library's numpy references
(:mod:`tinygrad_rnn.kernels.elementwise`) on fresh random arrays. It runs ``tanh_fused`` and
``scatter_add_rows`` **compiled by numba** (it adds ``@njit`` itself if you removed it), so
write them with loops, numbers and numpy arrays only. Every grading compiles them afresh,
which takes a second or two. (The kernels here have no ``cache=True``: the grader loads
this file under a module name of its own, and numba's disk cache does not mix well with
one file imported under two names. The library's kernels, always imported under the same
name, do use it.)

To debug a kernel as ordinary Python (``print`` and breakpoints work), run with the JIT
off: ``NUMBA_DISABLE_JIT=1 python -i lessons/05_numba_exercises.py``.

| id  | points | what you write                                                     |
|-----|--------|--------------------------------------------------------------------|
| 5.1 | 2      | ``tanh_fused``: tanh forward and backward in one compiled loop     |
| 5.2 | 2      | ``global_grad_norm``: one norm over many arrays, summed in float64 |
| 5.3 | 3      | ``scatter_add_rows``: the embedding backward, repeats accumulate   |
"""

from __future__ import annotations

import math  # noqa: F401  (math.sqrt is handy in exercise 5.2)

import numpy as np
from numba import njit


@njit
def tanh_fused(x, grad_out):
    r"""Exercise 5.1 (2 points): tanh and the gradient through it, in one pass.

    For each element compute

    .. math::

        y_i = \tanh x_i, \qquad \text{grad\_x}_i = \text{grad\_out}_i \, (1 - y_i^2)

    in a single loop over the elements: allocate both outputs with ``np.empty_like(x)``,
    then fill them inside one ``for i in range(x.size)`` loop (``np.tanh`` works on a
    single number inside numba). Both results must have the dtype of ``x`` (float32 or
    float64), which ``np.empty_like`` gives you.

    Args:
        x: 1-D float array.
        grad_out: 1-D array of the same size and dtype: the gradient arriving at ``y``.

    Returns:
        ``(y, grad_x)``: two 1-D arrays like ``x``.

    Example:
        >>> y, gx = tanh_fused(np.array([0.0, 1.0]), np.array([1.0, 2.0]))
        >>> y.round(4).tolist(), gx.round(4).tolist()
        ([0.0, 0.7616], [1.0, 0.8399])

    Explained in: lesson 5, "Three ways to run one elementwise operation".
    """
    raise NotImplementedError(
        "Exercise 5.1: return (tanh(x), the gradient through it) computed in one compiled loop"
    )


def global_grad_norm(arrays: list[np.ndarray]) -> float:
    r"""Exercise 5.2 (2 points): the norm of all gradients together, as gradient clipping needs.

    Gradient clipping by norm (lessons 6 and 8) treats all parameters' gradients as one long
    vector and measures its length:

    .. math::

        \lVert g \rVert = \sqrt{\textstyle\sum_k \sum_i g_{k,i}^2}

    where :math:`k` runs over the arrays and :math:`i` over each array's entries. The
    arrays have different shapes, and some are float32. Square and sum **in float64**:
    a float32 gradient entry of :math:`10^{20}` squared is :math:`10^{40}`, beyond float32's
    largest number (about :math:`3.4 \times 10^{38}`), and would make the norm ``inf``. An
    empty list has norm 0.

    You may use numpy here (``a.astype(np.float64)``, ``np.sum``), or a small ``@njit``
    helper that sums the squares of one flattened array, as the library's kernel does.

    Args:
        arrays: a list of float arrays of any shapes (0-d included).

    Returns:
        The norm as a float.

    Example:
        >>> global_grad_norm([np.array([3.0]), np.array([[4.0]])])
        5.0

    Explained in: lesson 5, "Keeping compiled code honest" and the float32 / float64 section.
    """
    raise NotImplementedError(
        "Exercise 5.2: return the norm of all the arrays' entries together, as a float64"
    )


@njit
def scatter_add_rows(grad_out, indices, num_rows):
    r"""Exercise 5.3 (3 points): the backward pass of an embedding lookup.

    An embedding lookup picks rows of a table: row ``n`` of the output is row
    ``indices[n]`` of the table. Backward, the gradient of each picked row must be **added**
    into the table's gradient at the row it came from:

    .. math::

        \text{grad}[\,\text{indices}[n], j\,] \mathrel{+}= \text{grad\_out}[n, j]

    Indices repeat (a common token appears many times in a batch), and every occurrence
    must count. ``grad[indices] += grad_out`` does *not* do that, in numpy or in numba:
    write the loop. Rows that were never picked get zeros.

    Args:
        grad_out: ``(N, D)`` gradient of the looked-up rows (float32 or float64).
        indices: ``(N,)`` int64 row numbers in ``[0, num_rows)``, repeats allowed.
        num_rows: ``V``, the number of rows of the table.

    Returns:
        The ``(V, D)`` gradient of the table, in the dtype of ``grad_out``.

    Example:
        >>> g = np.array([[1.0, 2.0], [10.0, 20.0], [100.0, 200.0]])
        >>> scatter_add_rows(g, np.array([2, 0, 2]), 3).tolist()
        [[10.0, 20.0], [0.0, 0.0], [101.0, 202.0]]

    Explained in: lesson 5, "Where a compiled loop wins".
    """
    raise NotImplementedError(
        "Exercise 5.3: return the (num_rows, D) table with each row of grad_out added at its index"
    )
