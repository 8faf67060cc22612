"""Lesson 1 exercises: a single neuron.

Replace each ``raise NotImplementedError(...)`` line with your code, then check your work:

    tinygrad-rnn grade 1        # every exercise of lesson 1
    tinygrad-rnn grade 1.3      # just one exercise

The grader calls your functions on fresh random inputs and compares the results with the
library, which is the reference. Build on :class:`tinygrad_rnn.Value` and the ``math``
module; the point is to write the neuron yourself, so do not call
``tinygrad_rnn.scalar.Neuron`` or ``Layer``.

| id  | points | what you write                                   |
|-----|--------|--------------------------------------------------|
| 1.1 | 2      | ``neuron_forward``: weighted sum, bias, activation |
| 1.2 | 2      | ``relu_slope``, ``sigmoid_slope``, ``tanh_slope``  |
| 1.3 | 3      | ``layer_forward``: several neurons, one input      |
| 1.4 | 3      | ``gate_weights``: a neuron that computes AND / OR  |
"""

from __future__ import annotations

import math  # noqa: F401  (you will want math.exp and math.tanh in exercise 1.2)

from tinygrad_rnn import Value


def neuron_forward(
    w: list[Value], x: list[Value | float], b: Value, activation: str = "tanh"
) -> Value:
    r"""Exercise 1.1 (2 points): the output of one neuron, built from Value operations.

    A neuron multiplies each input by its weight, adds everything up, adds its bias and
    passes the sum through an activation function:

    .. math::

        z = w_0 x_0 + w_1 x_1 + \dots + w_{n-1} x_{n-1} + b, \qquad out = \mathrm{act}(z)

    Use Value arithmetic (``+``, ``*``) and Value's own activation methods (``.relu()``,
    ``.tanh()``, ``.sigmoid()``), never ``.data`` and ``math``: the grader also calls
    ``out.backward()`` and checks the gradient of every weight, input and the bias, and
    those only exist if every step went into the graph.

    Args:
        w: the weights, one Value per input.
        x: the inputs, Values or plain numbers, as many as ``w``.
        b: the bias.
        activation: ``"relu"``, ``"tanh"``, ``"sigmoid"`` or ``"linear"`` (no activation).

    Returns:
        A single Value: the neuron's output.

    Example:
        >>> w = [Value(0.5), Value(-1.0)]
        >>> neuron_forward(w, [2.0, 1.0], Value(0.25), "linear").data
        0.25
        >>> neuron_forward(w, [2.0, 1.0], Value(-0.5), "relu").data
        0.0

    Explained in: lesson 1, "Weighted sum, bias, activation".
    """
    raise NotImplementedError("Exercise 1.1: return the neuron's output as a Value")


def relu_slope(z: float) -> float:
    r"""Exercise 1.2 (2 points, with the two functions below): the slope of ReLU at ``z``.

    :math:`\mathrm{relu}(z) = \max(0, z)`, so its slope is 1 for :math:`z > 0` and 0 for
    :math:`z < 0`. At exactly :math:`z = 0` there is a corner; this course (like most
    libraries) takes the slope there to be 0.

    Args:
        z: the pre-activation, a plain float.

    Returns:
        The derivative :math:`d\,\mathrm{relu}(z) / dz` as a plain float (not a Value).

    Example:
        >>> relu_slope(3.0), relu_slope(-2.0)
        (1.0, 0.0)

    Explained in: lesson 1, "Activation functions and their slopes".
    """
    raise NotImplementedError("Exercise 1.2: return the slope of relu at z (a float)")


def sigmoid_slope(z: float) -> float:
    r"""Exercise 1.2: the slope of the sigmoid at ``z``.

    :math:`\sigma(z) = 1 / (1 + e^{-z})` has the slope :math:`\sigma(z)\,(1 - \sigma(z))`.
    Make it work for large :math:`|z|` too (try ``sigmoid_slope(-800.0)``: ``math.exp(800)``
    overflows, so compute :math:`\sigma` in a way that never exponentiates a large positive
    number).

    Args:
        z: the pre-activation, a plain float.

    Returns:
        :math:`d\sigma(z)/dz` as a plain float.

    Example:
        >>> sigmoid_slope(0.0)
        0.25

    Explained in: lesson 1, "Activation functions and their slopes".
    """
    raise NotImplementedError("Exercise 1.2: return the slope of the sigmoid at z (a float)")


def tanh_slope(z: float) -> float:
    r"""Exercise 1.2: the slope of tanh at ``z``.

    :math:`\frac{d}{dz}\tanh z = 1 - \tanh^2 z`.

    Args:
        z: the pre-activation, a plain float.

    Returns:
        :math:`d\tanh(z)/dz` as a plain float.

    Example:
        >>> tanh_slope(0.0)
        1.0

    Explained in: lesson 1, "Activation functions and their slopes".
    """
    raise NotImplementedError("Exercise 1.2: return the slope of tanh at z (a float)")


def layer_forward(
    W: list[list[Value]], x: list[Value | float], b: list[Value], activation: str = "tanh"
) -> list[Value]:
    r"""Exercise 1.3 (3 points): a layer of neurons that all see the same inputs.

    Row ``j`` of ``W`` holds the weights of neuron ``j``, so ``W[j][i]`` connects input
    ``i`` to neuron ``j`` and ``b[j]`` is that neuron's bias:

    .. math::

        out_j = \mathrm{act}\Big(\sum_i W_{ji} x_i + b_j\Big)

    ``W`` has ``len(b)`` rows (one per neuron) and ``len(x)`` columns (one per input); the
    grader uses layers that are not square, so mixing up rows and columns shows. Reusing
    your ``neuron_forward`` from exercise 1.1 is a good idea.

    Args:
        W: the weight matrix as a list of rows, shape (number of neurons, number of inputs).
        x: the inputs.
        b: one bias per neuron.
        activation: as in exercise 1.1.

    Returns:
        A list with one output Value per neuron (a list even when there is one neuron).

    Example:
        >>> W = [[Value(1.0), Value(0.0)], [Value(0.0), Value(2.0)], [Value(1.0), Value(1.0)]]
        >>> b = [Value(0.0), Value(0.0), Value(-1.0)]
        >>> [o.data for o in layer_forward(W, [3.0, 4.0], b, "linear")]
        [3.0, 8.0, 6.0]

    Explained in: lesson 1, "From one neuron to a layer".
    """
    raise NotImplementedError(
        "Exercise 1.3: return the layer's outputs, one Value per neuron, as a list"
    )


def gate_weights(gate: str) -> tuple[list[float], float]:
    r"""Exercise 1.4 (3 points): choose weights that turn a neuron into a logic gate.

    A sigmoid neuron with two inputs, :math:`\sigma(w_0 x_0 + w_1 x_1 + b)`, can compute a
    logic gate on inputs that are 0 or 1. Find numbers ``w`` and ``b`` so that, for all four
    inputs ``(0, 0), (0, 1), (1, 0), (1, 1)``, the output is at least 0.9 where the gate is
    true and at most 0.1 where it is false.

    ===========  ==========  ==========  ==========  ==========
    gate         (0, 0)      (0, 1)      (1, 0)      (1, 1)
    ===========  ==========  ==========  ==========  ==========
    ``"and"``    0           0           0           1
    ``"or"``     0           1           1           1
    ``"nand"``   1           1           1           0
    ===========  ==========  ==========  ==========  ==========

    Think of the bias as a threshold the weighted sum has to beat. (Then try to find
    weights for XOR, which is 1 only when the inputs differ, and see why no single neuron
    can do it.)

    Args:
        gate: ``"and"``, ``"or"`` or ``"nand"``.

    Returns:
        ``(w, b)``: a list of two floats and a float.

    Example:
        >>> w, b = gate_weights("or")
        >>> len(w)
        2

    Explained in: lesson 1, "What one neuron can decide".
    """
    raise NotImplementedError(
        "Exercise 1.4: return ([w0, w1], b) for a sigmoid neuron that computes the given gate"
    )
