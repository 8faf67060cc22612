"""Lesson 2 exercises: derivatives, the chain rule, and automatic differentiation.

Replace each ``raise NotImplementedError(...)`` line with your code, then check your work:

    tinygrad-rnn grade 2        # every exercise of lesson 2
    tinygrad-rnn grade 2.3      # just one exercise

The grader calls your functions on fresh random inputs and graphs, compares values with the
library (the reference) and gradients with central differences. Build on
:class:`tinygrad_rnn.Value` and ``math``; the point is to write these pieces yourself, so
do not call ``tinygrad_rnn.autograd`` or ``Value.backward`` from your answers.

| id  | points | what you write                                            |
|-----|--------|-----------------------------------------------------------|
| 2.1 | 2      | ``numerical_derivative``: the slope from two evaluations  |
| 2.2 | 2      | ``sin`` and ``sin_backward``: a new op for the engine     |
| 2.3 | 3      | ``topological_order``: inputs before the nodes using them |
| 2.4 | 3      | ``backward``: the whole backward pass, using 2.3          |
"""

from __future__ import annotations

import math  # noqa: F401  (you will want math.sin and math.cos in exercise 2.2)
from collections.abc import Callable

from tinygrad_rnn import Value


def numerical_derivative(f: Callable[[float], float], x: float, h: float = 1e-6) -> float:
    r"""Exercise 2.1 (2 points): the slope of ``f`` at ``x`` by a central difference.

    .. math::

        f'(x) \approx \frac{f(x + h) - f(x - h)}{2h}

    Stepping to both sides cancels the curvature term, so the error shrinks like
    :math:`h^2` instead of :math:`h` for the one-sided :math:`(f(x + h) - f(x)) / h`. The
    grader checks with a large ``h`` too, where the difference between the two shows.

    Args:
        f: a function of one float that returns a float.
        x: where to take the slope.
        h: the step to each side.

    Returns:
        The estimated derivative, a float.

    Example:
        >>> round(numerical_derivative(lambda t: t**3, 2.0), 6)
        12.0

    Explained in: lesson 2, "The derivative as a slope".
    """
    raise NotImplementedError(
        "Exercise 2.1: return the slope of f at x by a central difference with step h"
    )


def sin(a: Value) -> Value:
    r"""Exercise 2.2 (2 points, with ``sin_backward``): a new operation, :math:`\sin a`.

    Every op of the engine is a pair: a forward that builds the output node and a backward
    function that knows the local derivative. This is how :meth:`Value.tanh` does it:

    .. code-block:: python

        out = Value(math.tanh(a.data), a, None, "tanh")  # data, input a, no input b, op
        out._backward = Value._tanh_backward  # called later with out itself
        return out

    A node keeps its (at most two) inputs in ``out._a`` and ``out._b``; ``out._prev`` lists
    them as a tuple. Write the same for ``sin``, using ``sin_backward`` below as its backward
    function.

    Args:
        a: the input node.

    Returns:
        A new Value holding :math:`\sin(a)`, with ``a`` as its only input (so
        ``out._prev == (a,)``) and ``sin_backward`` as its ``_backward``.

    Example:
        >>> x = Value(0.5)
        >>> y = sin(x) * 3.0
        >>> y.backward()
        >>> round(x.grad, 6) == round(3.0 * math.cos(0.5), 6)
        True

    Explained in: lesson 2, "Adding an operation to the engine".
    """
    raise NotImplementedError(
        "Exercise 2.2: return a Value holding sin(a.data), with a as its input"
    )


def sin_backward(out: Value) -> None:
    r"""Exercise 2.2: send the gradient of ``out = sin(a)`` back to ``a``.

    The chain rule: :math:`\frac{\partial L}{\partial a} = \frac{\partial L}{\partial out}
    \cdot \cos a`. The input is ``out._a`` and :math:`\partial L/\partial out` is
    ``out.grad``. Add (``+=``) to ``a.grad`` rather than assign: ``a`` may feed other nodes
    too, and each of them adds its share.

    Args:
        out: the node made by your ``sin``.

    Returns:
        Nothing; it updates ``out._a.grad``.

    Explained in: lesson 2, "Adding an operation to the engine".
    """
    raise NotImplementedError("Exercise 2.2: send the gradient of out back to its input")


def topological_order(root: Value) -> list[Value]:
    r"""Exercise 2.3 (3 points): list the graph's nodes so that inputs come before users.

    Every node ``n`` has its inputs in ``n._prev`` (a tuple, empty for leaves). Return every
    node that ``root`` depends on, and ``root`` itself, each exactly once, ordered so that
    each node comes after all of its inputs. ``root`` is therefore last.

    Two traps the grader checks:

    * a node can be used many times (``b = a + a``; ``a`` feeds several nodes): it must
      still appear once;
    * an RNN unrolled over many steps is a very deep chain. The grader uses a chain of
      100,000 nodes; a recursive function stops at Python's recursion limit (about 1,000),
      so keep your own stack (a list) instead.

    Nodes are compared by identity: keep a ``set`` of the nodes you have visited.

    Args:
        root: the output node.

    Returns:
        A list of nodes, leaves first, ``root`` last.

    Example:
        >>> a = Value(2.0)
        >>> b = a + a
        >>> c = b * a
        >>> [n.data for n in topological_order(c)]
        [2.0, 4.0, 8.0]

    Explained in: lesson 2, "Topological order".
    """
    raise NotImplementedError(
        "Exercise 2.3: return every node reachable from root, each once, inputs before the nodes using them"
    )


def backward(root: Value) -> None:
    r"""Exercise 2.4 (3 points): backpropagation, the whole pass.

    Using your ``topological_order``:

    1. set ``grad = 0.0`` on every node that has inputs (``node._prev`` not empty), so a
       second call starts those afresh; leave the leaves alone (their gradients accumulate,
       exactly as in the library);
    2. set ``root.grad = 1.0`` (the derivative of the root with respect to itself);
    3. visit the nodes in *reverse* topological order and call ``node._backward(node)`` on
       each node whose ``_backward`` is not ``None`` (leaves have ``None``).

    Every backward function adds into its inputs' ``grad``, so a node used twice
    (``b = a + a``) collects both contributions. The grader checks gradients against
    central differences, reuse, a 100,000-node chain and two calls in a row (leaves then
    hold twice their gradient).

    Args:
        root: the output node (a loss, usually).

    Returns:
        Nothing; it fills in ``.grad`` of every node in the graph.

    Example:
        >>> a = Value(3.0)
        >>> b = a * a + a
        >>> backward(b)
        >>> a.grad
        7.0

    Explained in: lesson 2, "Backpropagation, automatically".
    """
    raise NotImplementedError(
        "Exercise 2.4: fill in .grad of every node reachable from root, as backward() does"
    )
