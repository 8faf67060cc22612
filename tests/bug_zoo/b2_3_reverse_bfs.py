"""Breadth-first from the root, reversed: wrong when a node is near the root and deep too."""

from collections import deque

BUG_FOR = "2.3"
CAUGHT_BY = "comes before its input"


def topological_order(root):
    seen, queue, order = {root}, deque([root]), []
    while queue:
        node = queue.popleft()
        order.append(node)
        for parent in node._prev:
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return order[::-1]
