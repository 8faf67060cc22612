"""Lesson 3 exercises: a feedforward network, its loss, and gradient descent.

Replace each ``raise NotImplementedError(...)`` line with your code, then check your work:

    tinygrad-rnn grade 3        # every exercise of lesson 3
    tinygrad-rnn grade 3.4      # just one exercise

The grader calls your functions on fresh random inputs, compares values with the library
and gradients with central differences, and for 3.4 tests your trained model on points it
never saw. Build on :class:`tinygrad_rnn.Value`; in 3.4 you may also use
``tinygrad_rnn.scalar.MLP``.

| id  | points | what you write                                                |
|-----|--------|---------------------------------------------------------------|
| 3.1 | 3      | ``mlp_forward``: the forward pass through a list of layers    |
| 3.2 | 2      | ``hinge_loss`` and ``mse_loss`` on Values                     |
| 3.3 | 2      | ``sgd_step``: one step of gradient descent                    |
| 3.4 | 3      | ``train_moons``: a classifier with at least 90 % test accuracy |
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np  # noqa: F401  (the data of exercise 3.4 comes as numpy arrays)

from tinygrad_rnn import Value
from tinygrad_rnn.scalar import MLP  # noqa: F401  (allowed in exercise 3.4)


def mlp_forward(
    layers: list[tuple[list[list[Value]], list[Value]]],
    x: list[Value | float],
    activation: str = "relu",
) -> list[Value]:
    r"""Exercise 3.1 (3 points): the forward pass of a feedforward network.

    ``layers`` lists the layers in order, input side first. Layer ``k`` is a pair
    ``(W, b)``: ``W[j][i]`` is the weight from input ``i`` of that layer to its neuron
    ``j``, and ``b[j]`` is that neuron's bias (as in exercise 1.3). Every layer except the
    last applies ``activation`` to its weighted sums; the last layer (the output layer) has
    no activation:

    .. math::

        h^{(0)} = x, \qquad
        h^{(k+1)}_j = \mathrm{act}\Big(\sum_i W^{(k)}_{ji} h^{(k)}_i + b^{(k)}_j\Big), \qquad
        \text{output} = W^{(L)} h^{(L)} + b^{(L)}

    Args:
        layers: ``[(W, b), ...]``, one pair per layer; all entries are Values.
        x: the input, Values or plain numbers.
        activation: ``"relu"``, ``"tanh"`` or ``"sigmoid"`` for the hidden layers.

    Returns:
        The outputs of the last layer, a list of Values (a list even for one output).

    Example:
        >>> W1, b1 = [[Value(1.0)], [Value(-1.0)]], [Value(0.0), Value(0.0)]
        >>> W2, b2 = [[Value(2.0), Value(3.0)]], [Value(0.5)]
        >>> [o.data for o in mlp_forward([(W1, b1), (W2, b2)], [-2.0])]
        [6.5]

    Explained in: lesson 3, "The forward pass, step by step".
    """
    raise NotImplementedError(
        "Exercise 3.1: return the network's outputs for x, as a list of Values"
    )


def hinge_loss(scores: list[Value], targets: list[float]) -> Value:
    r"""Exercise 3.2 (2 points, with ``mse_loss``): the mean hinge loss.

    .. math::

        \frac{1}{N} \sum_{i=0}^{N-1} \max(0,\ 1 - y_i s_i)

    with scores :math:`s_i` and targets :math:`y_i \in \{-1, +1\}`. Build it from Value
    operations (``.relu()`` is :math:`\max(0, \cdot)`) so that ``backward()`` reaches every
    score.

    Args:
        scores: the network's scores, one Value per example.
        targets: ``-1.0`` or ``+1.0`` per example.

    Returns:
        A single Value.

    Example:
        >>> hinge_loss([Value(2.0), Value(0.5)], [1.0, -1.0]).data
        0.75

    Explained in: lesson 3, "A loss: how wrong is the network?".
    """
    raise NotImplementedError("Exercise 3.2: return the mean hinge loss as a Value")


def mse_loss(scores: list[Value], targets: list[float]) -> Value:
    r"""Exercise 3.2: the mean squared error.

    .. math::

        \frac{1}{N} \sum_{i=0}^{N-1} (s_i - y_i)^2

    Args:
        scores: one Value per example.
        targets: any numbers, one per example.

    Returns:
        A single Value.

    Example:
        >>> mse_loss([Value(2.0), Value(0.5)], [1.0, -1.0]).data
        1.625

    Explained in: lesson 3, "A loss: how wrong is the network?".
    """
    raise NotImplementedError("Exercise 3.2: return the mean squared error as a Value")


def sgd_step(params: list[Value], lr: float) -> None:
    r"""Exercise 3.3 (2 points): one step of gradient descent, then clear the gradients.

    For every parameter :math:`p`: :math:`p \leftarrow p - \eta\, \partial L / \partial p`
    (change ``p.data`` using ``p.grad``), then set ``p.grad`` back to ``0.0`` so the next
    ``backward()`` does not add onto this step's gradient. Change the given Values in
    place; do not make new ones (the model holds these very objects).

    Args:
        params: the parameters, with gradients from ``loss.backward()``.
        lr: the learning rate :math:`\eta`.

    Returns:
        Nothing.

    Example:
        >>> p = Value(1.0)
        >>> p.grad = 0.5
        >>> sgd_step([p], lr=0.1)
        >>> p.data, p.grad
        (0.95, 0.0)

    Explained in: lesson 3, "Gradient descent".
    """
    raise NotImplementedError(
        "Exercise 3.3: update every parameter by one step of gradient descent, then clear its gradient"
    )


def train_moons(X: np.ndarray, y: np.ndarray) -> Callable[[list[float]], Value | float]:
    r"""Exercise 3.4 (3 points): train a classifier on the two moons.

    ``X`` holds 60 points of ``tinygrad_rnn.data.make_moons`` (shape ``(60, 2)``) and ``y``
    their labels, 0 or 1. Train a model on them and return it. The grader calls your model
    on 200 *new* points from the same two moons, as ``model([x0, x1])`` with two floats, and
    reads a score (a Value or a number): positive means class 1, otherwise class 0. At
    least 90 % of the new points must come out right, and ``train_moons`` has a minute in
    total (keep your network and your number of steps small: about ten seconds is plenty).

    Everything from the lesson applies: ``MLP``, a loss from 3.2, steps from 3.3, labels
    mapped to :math:`\pm 1`. A single straight line gets only about 85 %: the network needs
    a hidden layer.

    Args:
        X: training points, a numpy array of shape ``(60, 2)``.
        y: their labels, a numpy array of 0s and 1s.

    Returns:
        A callable ``model(point) -> score``.

    Explained in: lesson 3, "Training on the moons".
    """
    raise NotImplementedError(
        "Exercise 3.4: return a trained model whose score is positive for class 1"
    )
