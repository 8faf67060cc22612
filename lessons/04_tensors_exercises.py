"""Lesson 4 exercises: from scalars to tensors.

Replace each ``raise NotImplementedError(...)`` line with your code, then check your work:

    tinygrad-rnn grade 4        # every exercise of lesson 4
    tinygrad-rnn grade 4.3      # just one exercise

The grader calls your functions on fresh random arrays, compares values with the library
(the reference) and gradients with central differences in float64. Use numpy and, in 4.2,
:class:`tinygrad_rnn.tensor.Tensor`; the point is to write these yourself, so do not call
``tinygrad_rnn.function.unbroadcast``, ``tinygrad_rnn.nn.functional.cross_entropy`` or the
backend's kernels from your answers.

| id  | points | what you write                                                    |
|-----|--------|-------------------------------------------------------------------|
| 4.1 | 2      | ``unbroadcast``: sum a gradient back to an input's shape          |
| 4.2 | 3      | ``linear_forward``: a batched layer ``x @ W.T + b``, shapes checked |
| 4.3 | 2      | ``matmul_backward``: the gradients of a matrix product            |
| 4.4 | 3      | ``softmax_cross_entropy``: loss and gradient, numerically stable  |
"""

from __future__ import annotations

import numpy as np

from tinygrad_rnn.tensor import Tensor


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    r"""Exercise 4.1 (2 points): sum a gradient back to the shape of a broadcast input.

    When an input of shape ``shape`` was broadcast to a larger output, every one of its
    entries was used several times, so its gradient is the output's gradient summed over
    the copies. By the broadcasting rule there are two kinds of copying:

    1. axes that were **added on the left** (``shape`` has fewer axes than ``grad``): sum
       them away;
    2. axes where ``shape`` has size **1** but ``grad`` does not: sum them, keeping the
       axis (``keepdims=True``), so the size-1 axis stays.

    Args:
        grad: the gradient of the output, e.g. of shape ``(2, 5, 4)``.
        shape: the input's shape, which broadcasts to ``grad.shape``, e.g. ``(5, 1)``.

    Returns:
        An array of exactly ``shape`` (for ``shape == ()``, a 0-d array or numpy scalar).

    Example:
        >>> unbroadcast(np.ones((2, 5, 4)), (5, 1)).tolist()
        [[8.0], [8.0], [8.0], [8.0], [8.0]]
        >>> unbroadcast(np.ones((3, 4)), (4,)).shape
        (4,)

    Explained in: lesson 4, "The gradient of a broadcast is a sum".
    """
    raise NotImplementedError("Exercise 4.1: return grad summed back to exactly the given shape")


def linear_forward(x: Tensor, W: Tensor, b: Tensor) -> Tensor:
    r"""Exercise 4.2 (3 points): a batched linear layer, :math:`Z = x W^\top + b`.

    ``x`` holds one example per row, ``W`` one neuron per row (PyTorch's layout), ``b`` one
    bias per neuron:

    ========  ================  ==========================
    tensor    shape             meaning
    ========  ================  ==========================
    ``x``     ``(B, in)``       a batch of B inputs
    ``W``     ``(out, in)``     the weights
    ``b``     ``(out,)``        the biases
    result    ``(B, out)``      one output per example and neuron
    ========  ================  ==========================

    First check the shapes and raise ``ValueError`` when they do not fit, with a message
    that names the offending shapes as Python prints them (``(5, 3)``, ``(4,)``): ``x`` and
    ``W`` must both be 2-D with the same ``in``, and ``b`` must be exactly ``(out,)``.
    Broadcasting would silently accept a ``b`` of shape ``(out, 1)`` or ``(B, 1)`` and
    compute the wrong thing, so check ``b.shape`` yourself.

    Then compute the result with Tensor operations (``@``, ``.T``, ``+``), never on
    ``.data``: the grader calls ``backward()`` and checks the gradients of ``x``, ``W`` and
    ``b``.

    Args:
        x: ``(B, in)`` inputs.
        W: ``(out, in)`` weights.
        b: ``(out,)`` biases.

    Returns:
        The ``(B, out)`` Tensor :math:`x W^\top + b`.

    Raises:
        ValueError: when the shapes do not fit; the message names them.

    Example:
        >>> x = Tensor(np.ones((5, 3)))
        >>> linear_forward(x, Tensor(np.ones((4, 3))), Tensor(np.zeros(4))).shape
        (5, 4)

    Explained in: lesson 4, "Batching: one array instead of many numbers".
    """
    raise NotImplementedError(
        "Exercise 4.2: check the shapes, then return the layer's output as a Tensor"
    )


def matmul_backward(A: np.ndarray, B: np.ndarray, dC: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Exercise 4.3 (2 points): the gradients of :math:`C = AB` with respect to A and B.

    ``dC`` is :math:`\partial L/\partial C`, with C's shape ``(n, m)``. Return
    :math:`\partial L/\partial A` (shape of ``A``, ``(n, k)``) and :math:`\partial
    L/\partial B` (shape of ``B``, ``(k, m)``). Work them out from
    :math:`C_{ij} = \sum_p A_{ip} B_{pj}`, or let the shapes tell you where the transposes
    go. The grader uses matrices that are not square, so a transpose in the wrong place
    shows.

    Args:
        A: ``(n, k)`` array.
        B: ``(k, m)`` array.
        dC: ``(n, m)`` gradient of the loss with respect to ``A @ B``.

    Returns:
        ``(dA, dB)``: two arrays, of the shapes of ``A`` and ``B``.

    Example:
        >>> dA, dB = matmul_backward(np.ones((2, 3)), np.ones((3, 4)), np.ones((2, 4)))
        >>> dA.shape, dB.shape
        ((2, 3), (3, 4))

    Explained in: lesson 4, "The matrix product and its gradient".
    """
    raise NotImplementedError(
        "Exercise 4.3: return (dA, dB), the gradients of sum(dC * (A @ B)) for A and B"
    )


def softmax_cross_entropy(logits: np.ndarray, targets: np.ndarray) -> tuple[float, np.ndarray]:
    r"""Exercise 4.4 (3 points): softmax cross-entropy and its gradient, in plain numpy.

    For each row :math:`z` of ``logits`` (N rows, C classes) and its integer target
    :math:`t`, the loss is minus the log-probability the softmax gives the target:

    .. math::

        \ell = -\log \frac{e^{z_t}}{\sum_j e^{z_j}} = \log\sum_j e^{z_j} - z_t,
        \qquad L = \frac{1}{N} \sum_n \ell_n

    and its gradient is :math:`\partial L/\partial z_{nj} = (p_{nj} - [j = t_n]) / N`, where
    :math:`p_n = \mathrm{softmax}(z_n)`.

    Make it **stable**: ``np.exp(1000.0)`` is ``inf``. Subtracting a row's maximum from
    the row before exponentiating changes neither the softmax nor the loss, and keeps every
    exponent at most 0. The grader sends logits in the thousands.

    Args:
        logits: ``(N, C)`` float64 scores.
        targets: ``(N,)`` integer classes in ``[0, C)``.

    Returns:
        ``(loss, dlogits)``: the mean loss as a float, and its ``(N, C)`` gradient.

    Example:
        >>> loss, grad = softmax_cross_entropy(np.zeros((2, 4)), np.array([0, 3]))
        >>> round(loss, 4), grad.shape
        (1.3863, (2, 4))

    Explained in: lesson 4, "A loss over many classes"; the loss returns in lessons 6 and 11.
    """
    raise NotImplementedError(
        "Exercise 4.4: return (mean cross-entropy, its gradient for logits), without overflow"
    )
