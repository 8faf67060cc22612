"""Depth-first with a stack but no visited set: reused nodes appear several times."""

BUG_FOR = "2.3"
CAUGHT_BY = "appears"


def topological_order(root):
    order, stack = [], [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        stack.append((node, True))
        for parent in node._prev:
            stack.append((parent, False))
    return order
