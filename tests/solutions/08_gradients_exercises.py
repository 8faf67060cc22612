"""Reference solution of the lesson 8 exercises (vanishing and exploding gradients).

Replace each ``raise NotImplementedError(...)`` line with your code, then check your work:

    tinygrad-rnn grade 8        # every exercise of lesson 8
    tinygrad-rnn grade 8.3      # just one exercise

Everything here is plain numpy, in float64. Shapes follow the library (and PyTorch): a
hidden state is ``(B, H)`` or, for one sequence, ``(H,)``; a recurrent weight ``W_hh`` is
``(H, H)`` and acts as ``h @ W_hh.T``. The grader compares your clipping with
:mod:`tinygrad_rnn.optim`, your Jacobian norms with central differences of a tanh RNN, and
checks your initialisers on many seeded draws. Write these yourself: do not call
``tinygrad_rnn.optim`` or ``tinygrad_rnn.init``.

| id  | points | what you write                                                           |
|-----|--------|--------------------------------------------------------------------------|
| 8.1 | 1      | ``grad_norms`` and ``per_step_factor``: measure a gradient through time  |
| 8.2 | 2      | ``clip_by_norm`` and ``clip_by_value``: the two kinds of clipping         |
| 8.3 | 3      | ``spectral_radius`` and ``jacobian_norms``: predict vanish or explode    |
| 8.4 | 2      | ``orthogonal`` and ``identity``: starting points for ``W_hh``            |
"""

from __future__ import annotations

import numpy as np


def grad_norms(grads: list[np.ndarray]) -> np.ndarray:
    r"""Exercise 8.1 (1 point, with ``per_step_factor``): the gradient's size at every step.

    ``grads[t]`` is :math:`\partial L/\partial h_t`, the gradient that reached the hidden
    state of step ``t`` (an array of any shape, usually ``(B, H)``: the whole batch). Return
    its Euclidean (Frobenius) norm for every step,
    :math:`\lVert g \rVert = \sqrt{\sum_i g_i^2}` over all its entries.

    Args:
        grads: a list of ``T`` arrays.

    Returns:
        A float array of shape ``(T,)``.

    Example:
        >>> grad_norms([np.array([[3.0, 4.0]]), np.array([[0.0, 0.5]])])
        array([5. , 0.5])

    Explained in: lesson 8, "Measuring it: three activations, four weight scales".
    """
    return np.array([np.sqrt(np.sum(np.asarray(g) ** 2)) for g in grads])


def per_step_factor(norms: np.ndarray) -> float:
    r"""Exercise 8.1 (with ``grad_norms``): the average change of the gradient per step.

    ``norms[t]`` is :math:`\lVert \partial L/\partial h_t \rVert` for ``t = 0 .. n-1``, and
    the loss sits at the last step. Going back from the last entry to the first, the
    gradient is multiplied by some factor at each of the ``n - 1`` steps; return their
    geometric mean,

    .. math::

        \left(\frac{\text{norms}[0]}{\text{norms}[n-1]}\right)^{1/(n-1)} .

    Below 1 the gradient vanishes on its way back; above 1 it explodes.

    Args:
        norms: ``(n,)`` positive numbers, ``n >= 2``.

    Returns:
        The factor, a float.

    Example:
        >>> per_step_factor(np.array([0.01, 0.1, 1.0]))   # x 0.1 per step, going back
        0.1

    Explained in: lesson 8, "Measuring it: three activations, four weight scales".
    """
    norms = np.asarray(norms, dtype=np.float64)
    return float((norms[0] / norms[-1]) ** (1.0 / (len(norms) - 1)))


def clip_by_norm(grads: list[np.ndarray], max_norm: float) -> float:
    r"""Exercise 8.2 (2 points, with ``clip_by_value``): clip by the total norm, in place.

    Treat all arrays as one long vector; if its norm
    :math:`\lVert g \rVert = \sqrt{\sum_k \sum_i g_{k,i}^2}` is above ``max_norm``, multiply
    **every** array by ``max_norm / total_norm`` (the library uses
    ``max_norm / (total_norm + 1e-6)``; either passes). The direction of the step is kept.
    Change the arrays in place (``g *= scale``). This is ``optim.clip_grad_norm_``.

    Args:
        grads: a list of float64 arrays of any shapes.
        max_norm: the largest allowed total norm.

    Returns:
        The total norm *before* clipping, a float.

    Example:
        >>> gs = [np.array([30.0]), np.array([[40.0]])]
        >>> clip_by_norm(gs, 5.0), [g.round(4).tolist() for g in gs]
        (50.0, [[3.0], [[4.0]]])

    Explained in: lesson 8, "Exploding gradients" and "Four remedies".
    """
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    if total > max_norm:
        scale = max_norm / (total + 1e-6)
        for g in grads:
            g *= scale
    return total


def clip_by_value(grads: list[np.ndarray], clip_value: float) -> float:
    r"""Exercise 8.2 (with ``clip_by_norm``): clamp every entry into ``[-c, c]``, in place.

    Every entry above ``clip_value`` becomes ``clip_value``, every entry below
    ``-clip_value`` becomes ``-clip_value``; the rest stay. Unlike clipping by norm this can
    turn the direction of the step. Change the arrays in place (``np.clip(g, lo, hi,
    out=g)``). This is ``optim.clip_grad_value_``.

    Args:
        grads: a list of float64 arrays.
        clip_value: ``c``, positive.

    Returns:
        The total norm of all arrays *before* clipping (as in ``clip_by_norm``), a float:
        worth logging either way.

    Example:
        >>> gs = [np.array([3.0, -0.5]), np.array([[-4.0]])]
        >>> clip_by_value(gs, 1.0), [g.tolist() for g in gs]
        (5.024937810560445, [[1.0, -0.5], [[-1.0]]])

    Explained in: lesson 8, "Exploding gradients" and "Four remedies".
    """
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))
    for g in grads:
        np.clip(g, -clip_value, clip_value, out=g)
    return total


def spectral_radius(W: np.ndarray) -> float:
    r"""Exercise 8.3 (3 points, with ``jacobian_norms``): the spectral radius of a matrix.

    :math:`\rho(W) = \max_i |\lambda_i|`, the largest *absolute value* of the eigenvalues of
    the square matrix ``W`` (eigenvalues may be negative or complex: take their modulus). A
    linear RNN's gradient changes by a factor of about :math:`\rho` per step in the long
    run. It is not the largest singular value ``np.linalg.norm(W, 2)``: that one only
    bounds a single step.

    Args:
        W: ``(H, H)``.

    Returns:
        :math:`\rho(W)`, a float.

    Example:
        >>> round(spectral_radius(np.array([[0.0, 2.0], [-2.0, 0.0]])), 6)   # eigenvalues ±2i
        2.0

    Explained in: lesson 8, "How big is W_hh? The spectral radius".
    """
    return float(np.max(np.abs(np.linalg.eigvals(W))))


def jacobian_norms(W_hh: np.ndarray, hs: np.ndarray) -> np.ndarray:
    r"""Exercise 8.3 (with ``spectral_radius``): how much each step's state moves the last.

    ``hs`` holds the hidden states :math:`h_0, h_1, \dots, h_T` of *one* sequence of a tanh
    RNN, :math:`h_t = \tanh(W_{ih} x_t + b + W_{hh} h_{t-1})`. The Jacobian of one step is

    .. math::

        J_t = \frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}(1 - h_t^2)\, W_{hh}

    (tanh's slope, written with its output, times the recurrent weight; row :math:`i` of
    :math:`W_{hh}` scaled by :math:`1 - h_t[i]^2`). The last state depends on :math:`h_k`
    through the product :math:`\partial h_T/\partial h_k = J_T J_{T-1} \cdots J_{k+1}`.
    Return the **spectral norm** (largest singular value, ``np.linalg.norm(M, 2)``) of that
    product for every ``k = 0 .. T``; for ``k = T`` the product is empty, the identity, of
    norm 1.

    Args:
        W_hh: ``(H, H)``.
        hs: ``(T + 1, H)``: ``hs[0]`` is :math:`h_0`, ``hs[T]`` is :math:`h_T`.

    Returns:
        ``(T + 1,)`` floats: entry ``k`` is :math:`\lVert \partial h_T/\partial h_k \rVert_2`.

    Example:
        >>> W = np.array([[0.5, 0.0], [0.0, 0.5]])
        >>> jacobian_norms(W, np.zeros((3, 2)))      # tanh'(0) = 1: just powers of W
        array([0.25, 0.5 , 1.  ])

    Explained in: lesson 8, "The gradient through time is a product".
    """
    steps = len(hs) - 1
    product = np.eye(W_hh.shape[0])  # d h_T / d h_T
    norms = [1.0]
    for t in range(steps, 0, -1):
        J_t = (1.0 - hs[t] ** 2)[:, None] * W_hh  # diag(1 - h_t^2) W_hh
        product = product @ J_t  # d h_T / d h_{t-1}
        norms.append(float(np.linalg.norm(product, 2)))
    return np.array(norms[::-1])


def orthogonal(n: int, rng: np.random.Generator, gain: float = 1.0) -> np.ndarray:
    r"""Exercise 8.4 (2 points, with ``identity``): a random orthogonal matrix times ``gain``.

    An orthogonal :math:`Q` has :math:`Q^\top Q = I`: it keeps the length of every vector.
    Make one from the QR decomposition of a Gaussian matrix: ``A = rng.standard_normal((n,
    n))``, ``Q, R = np.linalg.qr(A)``. Then fix the signs: multiply each *column* ``j`` of
    ``Q`` by the sign of ``R[j, j]``. Without that step ``Q`` is still orthogonal but not
    uniformly random (numpy's ``Q[0, 0]``, for one, always comes out negative); with it,
    every orthogonal matrix is equally likely. Return ``gain * Q``.

    Draw from ``rng``, not from ``np.random``, so that a seed gives the same matrix.

    Args:
        n: the size, ``H``.
        rng: a ``np.random.Generator``.
        gain: the scale; then :math:`W^\top W = \text{gain}^2 I`.

    Returns:
        ``(n, n)`` float array.

    Example:
        >>> Q = orthogonal(4, np.random.default_rng(0))
        >>> bool(np.allclose(Q.T @ Q, np.eye(4)))
        True

    Explained in: lesson 8, "Four remedies" (and lesson 6, "Initialisation").
    """
    Q, R = np.linalg.qr(rng.standard_normal((n, n)))
    Q = Q * np.sign(np.diag(R))  # column j times sign(R[j, j])
    return gain * Q


def identity(n: int, gain: float = 1.0) -> np.ndarray:
    r"""Exercise 8.4 (with ``orthogonal``): the IRNN's start, ``gain`` times the identity.

    Args:
        n: the size, ``H``.
        gain: the value on the diagonal.

    Returns:
        ``(n, n)`` float array with ``gain`` on the diagonal and 0 elsewhere.

    Example:
        >>> identity(2, gain=0.5)
        array([[0.5, 0. ],
               [0. , 0.5]])

    Explained in: lesson 8, "Four remedies".
    """
    return gain * np.eye(n)
