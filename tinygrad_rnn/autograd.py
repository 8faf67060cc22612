r"""The graph walks shared by both engines and by the graph renderer.

Every node of a computation graph, a scalar :class:`~tinygrad_rnn.scalar.Value` or a
:class:`~tinygrad_rnn.tensor.Tensor`, exposes its inputs as ``node._prev``: a tuple of the
nodes it was computed from (empty for a leaf). That is all this module needs to know,
besides one rule: nodes are hashed by identity, so they must not override ``__eq__``.

:func:`toposort` returns the nodes reachable from a root so that every node comes *after*
all of its inputs. :func:`interior_toposort` returns the same order restricted to the nodes
with a backward rule (leaves have nothing to hand on), and backpropagation visits that list
in reverse: by the time a node hands gradient to its inputs, every consumer of the node has
already handed gradient to it. They are two small loops rather than one loop with a flag,
because the backward walk runs on every training step and a test per input costs time.

Why an explicit stack and not recursion: an RNN unrolled over 10,000 steps is a chain
10,000+ nodes deep, and a recursive sort dies at Python's recursion limit (about 1,000).
The stack here lives on the heap, so a chain of a million nodes is fine.

Why a ``None`` marker is pushed under each node's inputs instead of ``(node, done)``
tuples: a tuple per node is one more object for the garbage collector to track, and on a
million-node chain that doubles the time of the walk.

The backward driver :func:`backward` is shared too. Each node carries ``grad`` and
``_backward``: a function of the node (shared by all nodes of a kind, not a closure per
node) that reads ``node.grad`` and adds the node's contribution into ``grad`` of each input
in ``node._prev``; leaves have ``None``.

Gradient semantics, the same for both engines:

* Gradients of leaves **accumulate**: calling ``backward()`` twice on the same graph adds
  the gradient twice, exactly as PyTorch does with ``retain_graph=True``. Call
  ``zero_grad()`` (or set ``.grad`` back) between training steps.
* Gradients of interior nodes are **reset** at the start of every ``backward()``, so a
  second call sends exactly the same amounts again and leaves end with twice the gradient,
  never three times.
* A node used twice (``b = a + a``) receives the sum of both uses: that is the multivariate
  chain rule, and it is why every ``_backward`` uses ``+=`` and never ``=``.

Example:
    >>> from tinygrad_rnn import Value
    >>> a = Value(2.0)
    >>> b = a * a
    >>> [n.data for n in toposort(b)]
    [2.0, 4.0]
"""

from __future__ import annotations

from typing import Any

__all__ = ["toposort", "interior_toposort", "backward"]


def toposort(root: Any) -> list[Any]:
    """Return every node reachable from ``root``, inputs before the nodes that use them.

    Args:
        root: any node with a ``_prev`` tuple of input nodes.

    Returns:
        A list that starts with leaves and ends with ``root``. Each node appears once, even
        when it is used many times (``b = a + a`` lists ``a`` once).
    """
    order: list[Any] = []
    # A set of the nodes themselves, hashed by identity. (Not of id(node): ids are memory
    # addresses, multiples of 16, and a set of them collides so often that a million-node
    # walk became 4x slower.) This is why nodes must not override __eq__ or __hash__.
    visited: set[Any] = set()
    stack: list[Any] = [root]
    push, pop = stack.append, stack.pop
    while stack:
        node = pop()
        if node is None:
            # The marker pushed when `node` was first visited: everything above it on the
            # stack (all of the node's inputs, and theirs) is now in `order`.
            order.append(pop())
            continue
        if node in visited:
            continue  # reached again along another path; it is finished or will be
        visited.add(node)
        push(node)
        push(None)
        for parent in node._prev:
            if parent in visited:
                continue
            if parent._prev:
                push(parent)
            else:  # a leaf has no inputs: it is finished as soon as it is seen
                visited.add(parent)
                order.append(parent)
    return order


def interior_toposort(root: Any) -> list[Any]:
    """Like :func:`toposort`, but only the nodes with a backward rule: what :func:`backward` walks.

    A node is listed when its ``_backward`` is not ``None`` and it is reached from ``root``
    through such nodes. Leaves have nothing to hand on, and on a small graph skipping them
    saves a good part of the walk. The order is the one :func:`toposort` gives, with the
    other nodes left out.

    Args:
        root: any node with ``_prev`` and ``_backward``.

    Returns:
        A list that starts with nodes whose inputs are all leaves and ends with ``root``;
        empty when ``root`` itself is a leaf.
    """
    order: list[Any] = []
    visited: set[Any] = set()  # nodes themselves, as in toposort
    stack: list[Any] = [root] if root._backward is not None else []
    push, pop = stack.append, stack.pop
    while stack:
        node = pop()
        if node is None:
            order.append(pop())  # the marker: all of the node's inputs are in `order`
            continue
        if node in visited:
            continue
        visited.add(node)
        push(node)
        push(None)
        for parent in node._prev:
            if parent._backward is not None and parent not in visited:
                push(parent)
    return order


def backward(root: Any, seed: Any, reset: Any) -> list[Any]:
    """Backpropagate from ``root``: reset interior grads, seed the root, walk in reverse.

    Args:
        root: the node whose gradient is ``seed`` (a loss, usually).
        seed: d root / d root, ``1.0`` for a scalar.
        reset: what an interior node's ``grad`` starts from (``0.0`` for Values, ``None``
            for Tensors, which then allocate on first use).

    Returns:
        The interior nodes (those with a backward rule) in topological order.
    """
    # Only interior nodes take part: leaves have no backward rule, and their gradients
    # accumulate rather than reset.
    order = interior_toposort(root)
    for node in order:
        node.grad = reset
    if root._backward is not None or root.grad is None:
        root.grad = seed
    else:
        root.grad = root.grad + seed  # backward() on a leaf accumulates like any leaf
    for node in reversed(order):
        node._backward(node)
    return order
