"""Lesson 8 exercises: vanishing and exploding gradients.

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
| 8.5 | 3      | ``rnn_train_step``: a training step with clipping inside it              |
| 8.6 | 2      | ``clipping_directions``: an experiment, norm against value clipping      |
| 8.7 | 2      | ``predict_growth`` and ``measure_growth``: an experiment, vanish/explode |
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
    raise NotImplementedError("Exercise 8.1: return the norm of every array, as an array (T,)")


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
    raise NotImplementedError(
        "Exercise 8.1: return the average factor by which the norm changes per step"
    )


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
    raise NotImplementedError(
        "Exercise 8.2: clip the arrays in place so their total norm is at most max_norm; return the norm"
    )


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
    raise NotImplementedError(
        "Exercise 8.2: clamp every entry into [-clip_value, clip_value] in place; return the norm"
    )


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
    raise NotImplementedError("Exercise 8.3: return the spectral radius of W")


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
    raise NotImplementedError(
        "Exercise 8.3: return the norm of the Jacobian product from each step to the last"
    )


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
    raise NotImplementedError(
        "Exercise 8.4: return a random (n, n) orthogonal matrix times gain, drawn from rng"
    )


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
    raise NotImplementedError(
        "Exercise 8.4: return the IRNN's start: gain times the (n, n) identity"
    )


def rnn_train_step(
    params: dict[str, np.ndarray],
    xs: np.ndarray,
    h0: np.ndarray,
    ys: np.ndarray,
    lr: float,
    max_norm: float,
) -> tuple[float, float, dict[str, np.ndarray]]:
    r"""Exercise 8.5 (3 points): one training step of a tanh RNN, with clipping inside it.

    The RNN of lesson 7 (``params`` holds ``W_ih (H, I)``, ``W_hh (H, H)``, ``b_ih (H,)``,
    ``b_hh (H,)``) runs over ``xs`` from ``h0``; its states should follow the targets ``ys``:

    .. math::

        L = \frac{1}{2B} \sum_{t, b, j} (h_t[b, j] - y_t[b, j])^2

    One step: the loss; the gradient of all four arrays by backpropagation through time; the
    total norm of those gradients (all four arrays together); clipping by that norm to at
    most ``max_norm`` (as your ``clip_by_norm`` of 8.2 does); and a plain gradient-descent
    update ``p - lr * clipped_gradient``. Return new arrays (leave ``params`` as it is or
    change it, as you like).

    Args:
        params: the four weight arrays, by name.
        xs: ``(T, B, I)`` inputs; h0: ``(B, H)``; ys: ``(T, B, H)`` targets.
        lr: the learning rate.
        max_norm: the largest total gradient norm allowed.

    Returns:
        ``(loss, norm, new_params)``: the loss before the step and the gradient's total norm
        before clipping (floats), and a dict with the four updated arrays.

    Explained in: lesson 8, "Exploding gradients" and "Four remedies"; lesson 7,
    "Backpropagation through time".
    """
    raise NotImplementedError(
        "Exercise 8.5: return (loss, norm, new_params) after one clipped gradient-descent step"
    )


def clipping_directions(grads: list[np.ndarray], threshold: float) -> tuple[float, float]:
    r"""Exercise 8.6 (2 points), an experiment: which kind of clipping keeps the direction?

    Treat all the arrays of ``grads`` together as one vector :math:`g`. Clip one copy by
    norm (total norm at most ``threshold``) and another by value (every entry into
    ``[-threshold, threshold]``), with your functions of 8.2, and measure how far each turned
    the gradient: the cosine of the angle between :math:`g` and the clipped vector,
    :math:`\cos = \frac{g \cdot c}{\lVert g \rVert \lVert c \rVert}` (1 when the direction is
    unchanged). Do not change the arrays you are given.

    The grader runs this on gradients it chooses (one with a single exploding entry, one with
    all entries of one size, ...) and checks what your numbers show.

    Args:
        grads: a list of float64 arrays.
        threshold: the ``max_norm`` of norm clipping and the ``clip_value`` of value clipping.

    Returns:
        ``(cos_norm, cos_value)``, two floats.

    Explained in: lesson 8, "Four remedies"; lesson 6, "Clipping the step".
    """
    raise NotImplementedError(
        "Exercise 8.6: return (cos_norm, cos_value): the cosine between the gradient and each clipped copy"
    )


def predict_growth(W_hh: np.ndarray) -> str:
    r"""Exercise 8.7 (2 points, with ``measure_growth``), an experiment: predict, then measure.

    Say whether the gradient carried back through many steps of a tanh RNN with this
    recurrent matrix (near its fixed point, where tanh's slope is 1) will shrink towards zero
    or grow without bound.

    Args:
        W_hh: ``(H, H)``.

    Returns:
        ``"vanish"`` or ``"explode"``.

    Explained in: lesson 8, "How big is $W_{hh}$? The spectral radius".
    """
    raise NotImplementedError(
        "Exercise 8.7: return 'vanish' or 'explode' for a tanh RNN with this W_hh"
    )


def measure_growth(W_hh: np.ndarray, u: np.ndarray, steps: int) -> float:
    r"""Exercise 8.7 (with ``predict_growth``): measure the gradient's growth per step.

    A tanh RNN with this ``W_hh``, no inputs and zero biases, started from :math:`h_0 = 0`,
    stays at :math:`h_t = 0`, where tanh's slope is 1. Score its last state with
    :math:`L = u \cdot h_T` and carry the gradient back ``steps`` steps, from
    :math:`g_T = u` to :math:`g_0 = \partial L / \partial h_0` (lesson 7's recurrence
    :math:`g_{t-1} = (g_t \odot (1 - h_t^2)) W_{hh}`). Return the per-step factor
    :math:`(\lVert g_0 \rVert / \lVert g_T \rVert)^{1/\text{steps}}`.

    The grader runs both functions on matrices it chooses, some built to fool a prediction
    from the matrix's norm, its diagonal or the real parts of its eigenvalues, and passes the
    exercise when your prediction agrees with your own measurement every time.

    Args:
        W_hh: ``(H, H)``.
        u: ``(1, H)`` the gradient arriving at :math:`h_T`.
        steps: how many steps back.

    Returns:
        The per-step factor, a float.

    Explained in: lesson 8, "The gradient through time is a product".
    """
    raise NotImplementedError(
        "Exercise 8.7: return the per-step factor of the gradient's norm over the given steps"
    )
