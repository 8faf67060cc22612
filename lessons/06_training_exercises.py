"""Lesson 6 exercises: training well.

Replace each ``raise NotImplementedError(...)`` line with your code, then check your work:

    tinygrad-rnn grade 6        # every exercise of lesson 6
    tinygrad-rnn grade 6.2      # just one exercise

Everything here is plain numpy on arrays. The grader runs your optimiser steps for several
steps in a row and compares every step with :mod:`tinygrad_rnn.optim` (the reference); it
checks your initialisers statistically on large seeded draws; and it checks your gradients
against the Tensor engine's backward pass. Write these yourself: do not call
``tinygrad_rnn.optim``, ``tinygrad_rnn.init`` or the Tensor engine from your answers.

| id  | points | what you write                                                        |
|-----|--------|-----------------------------------------------------------------------|
| 6.1 | 2      | ``sgd_momentum_step``: one step of SGD with momentum                  |
| 6.2 | 3      | ``adam_step``: one step of Adam, with bias correction                 |
| 6.3 | 2      | ``xavier_normal`` and ``kaiming_normal``: the two scaled initialisers |
| 6.4 | 3      | ``mlp_weight_grads``: backpropagate through a deep network by hand    |
"""

from __future__ import annotations

import numpy as np


def sgd_momentum_step(
    theta: np.ndarray,
    grad: np.ndarray,
    buf: np.ndarray | None,
    lr: float,
    momentum: float,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Exercise 6.1 (2 points): one step of stochastic gradient descent with momentum.

    The momentum buffer :math:`b` is a running sum of past gradients, each older one
    weighed down by another factor :math:`\mu`; the parameters move along the buffer
    instead of along the latest gradient:

    .. math::

        b_t = \mu\, b_{t-1} + g_t \quad (b_1 = g_1), \qquad
        \theta_t = \theta_{t-1} - \eta\, b_t

    This is exactly what ``tinygrad_rnn.optim.SGD(params, lr, momentum)`` (and PyTorch's
    SGD) do. Note that the learning rate multiplies the buffer when the step is taken; it
    is not folded into the buffer. (The two are the same while :math:`\eta` never changes,
    but the grader changes it between steps, as a learning-rate schedule would.)

    Args:
        theta: the parameters :math:`\theta_{t-1}`, any shape.
        grad: the gradient :math:`g_t`, same shape.
        buf: the buffer :math:`b_{t-1}`, or ``None`` on the very first step.
        lr: the learning rate :math:`\eta`.
        momentum: :math:`\mu`, e.g. 0.9.

    Returns:
        ``(theta_new, buf_new)``: :math:`\theta_t` and :math:`b_t`, arrays of ``theta``'s
        shape. You may update ``theta`` and ``buf`` in place and return them, or return new
        arrays.

    Example:
        >>> theta, buf = sgd_momentum_step(np.array([1.0]), np.array([2.0]), None, 0.1, 0.9)
        >>> theta, buf
        (array([0.8]), array([2.]))
        >>> sgd_momentum_step(theta, np.array([2.0]), buf, 0.1, 0.9)[0]
        array([0.42])

    Explained in: lesson 6, "Momentum: a heavy ball".
    """
    raise NotImplementedError(
        "Exercise 6.1: return (theta, buf) after one step of SGD with momentum"
    )


def adam_step(
    theta: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    t: int,
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Exercise 6.2 (3 points): one step of Adam, with bias correction.

    Adam keeps two running averages per parameter, of the gradient and of its square, and
    divides one by the root of the other:

    .. math::

        m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t \\
        v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2 \\
        \hat m_t &= \frac{m_t}{1 - \beta_1^t}, \qquad \hat v_t = \frac{v_t}{1 - \beta_2^t} \\
        \theta_t &= \theta_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    Both averages start at zero, so during the first steps they are too small; dividing by
    :math:`1 - \beta^t` (the *bias correction*) undoes exactly that. :math:`t` counts the
    steps **from 1**: on the first call ``t == 1``. The :math:`\epsilon` is added *after* the
    square root.

    Args:
        theta: the parameters :math:`\theta_{t-1}`.
        grad: the gradient :math:`g_t`.
        m: :math:`m_{t-1}` (zeros before the first step).
        v: :math:`v_{t-1}` (zeros before the first step).
        t: the number of this step, 1 for the first.
        lr: :math:`\eta`.
        beta1: :math:`\beta_1`.
        beta2: :math:`\beta_2`.
        eps: :math:`\epsilon`.

    Returns:
        ``(theta_new, m_new, v_new)``: :math:`\theta_t, m_t, v_t`.

    Example:
        >>> z = np.zeros(1)
        >>> theta, m, v = adam_step(np.array([1.0]), np.array([0.5]), z, z, t=1, lr=0.1)
        >>> theta.round(6)   # the first step has size lr, whatever the gradient's size
        array([0.9])

    Explained in: lesson 6, "Adam: a step size per parameter".
    """
    raise NotImplementedError("Exercise 6.2: return (theta, m, v) after one step of Adam")


def xavier_normal(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    r"""Exercise 6.3 (2 points, with ``kaiming_normal``): Xavier (Glorot) initialisation.

    A weight of shape ``(n_out, n_in)`` (PyTorch's layout: one row per output unit) has
    *fan in* :math:`n_{in}` = ``shape[1]`` and *fan out* :math:`n_{out}` = ``shape[0]``.
    Xavier draws every entry from a normal distribution with mean 0 and

    .. math::

        \sigma = \sqrt{\frac{2}{n_{in} + n_{out}}}

    Draw the numbers from ``rng`` (a ``np.random.Generator``), not from ``np.random``: the
    same generator state must give the same weights, so experiments can be repeated.

    Args:
        shape: ``(n_out, n_in)``.
        rng: the generator to draw from.

    Returns:
        An array of ``shape`` with samples of :math:`N(0, \sigma^2)`.

    Example:
        >>> w = xavier_normal((300, 100), np.random.default_rng(0))
        >>> w.shape, round(float(w.std()), 2)   # sqrt(2 / 400) = 0.0707
        ((300, 100), 0.07)

    Explained in: lesson 6, "Initialisation: keep the signal's size".
    """
    raise NotImplementedError("Exercise 6.3: return a Xavier-normal draw of this shape from rng")


def kaiming_normal(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    r"""Exercise 6.3 (with ``xavier_normal``): Kaiming (He) initialisation for ReLU layers.

    Each entry from a normal distribution with mean 0 and

    .. math::

        \sigma = \sqrt{\frac{2}{n_{in}}}

    where the fan in :math:`n_{in}` is ``shape[1]``. The 2 makes up for ReLU setting about
    half of its inputs to zero.

    Args:
        shape: ``(n_out, n_in)``.
        rng: the generator to draw from (not ``np.random``).

    Returns:
        An array of ``shape`` with samples of :math:`N(0, \sigma^2)`.

    Example:
        >>> w = kaiming_normal((100, 200), np.random.default_rng(0))
        >>> round(float(w.std()), 2)   # sqrt(2 / 200) = 0.1
        0.1

    Explained in: lesson 6, "Initialisation: keep the signal's size".
    """
    raise NotImplementedError("Exercise 6.3: return a Kaiming-normal draw of this shape from rng")


def mlp_weight_grads(
    x: np.ndarray, weights: list[np.ndarray], activation: str, grad_out: np.ndarray
) -> list[np.ndarray]:
    r"""Exercise 6.4 (3 points): backpropagate by hand through a deep network.

    The network has no biases; layer :math:`l = 1 \dots L` computes

    .. math::

        h_0 = x, \qquad h_l = \phi(h_{l-1} W_l^\top)

    with the same activation :math:`\phi` everywhere (``"tanh"``, ``"sigmoid"`` or
    ``"relu"``), and the loss is :math:`L = \sum_{n,j} \text{grad\_out}_{nj}\, (h_L)_{nj}`,
    so ``grad_out`` is :math:`\partial L/\partial h_L`. Return the gradient of the loss for
    every weight matrix, walking back from the last layer to the first:

    .. math::

        \delta_l = \frac{\partial L}{\partial h_l} \odot \phi'_l, \qquad
        \frac{\partial L}{\partial W_l} = \delta_l^\top h_{l-1}, \qquad
        \frac{\partial L}{\partial h_{l-1}} = \delta_l W_l

    The slope :math:`\phi'_l` can be computed from the layer's output :math:`h_l` alone:
    :math:`1 - h^2` for tanh, :math:`h (1 - h)` for sigmoid, and for ReLU 1 where the unit is
    active and 0 where it is not. (Careful: ReLU's output is never negative, so "active"
    means :math:`h > 0`.) This is the computation behind lesson 6's plot of the gradient
    reaching each layer; with it you can redo that plot yourself.

    Args:
        x: ``(B, n_0)`` the inputs.
        weights: ``[W_1, ..., W_L]``, ``W_l`` of shape ``(n_l, n_{l-1})`` (PyTorch's
            layout: one row per output unit).
        activation: ``"tanh"``, ``"sigmoid"`` or ``"relu"``.
        grad_out: ``(B, n_L)``, :math:`\partial L/\partial h_L`.

    Returns:
        ``[dW_1, ..., dW_L]``, each of the shape of its weight.

    Example:
        >>> x, W = np.array([[1.0, 2.0]]), np.array([[0.5, -0.25]])   # z = 0, tanh(0) = 0
        >>> mlp_weight_grads(x, [W], "tanh", np.array([[3.0]]))[0]    # 3 * 1 * x
        array([[3., 6.]])

    Explained in: lesson 6, "ReLU against sigmoid and tanh: gradients through depth".
    """
    raise NotImplementedError(
        "Exercise 6.4: return the list of dL/dW_l, one per layer, by backpropagation by hand"
    )
