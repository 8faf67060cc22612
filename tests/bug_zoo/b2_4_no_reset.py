"""Does not reset interior gradients: a second call sends them twice."""

BUG_FOR = "2.4"
CAUGHT_BY = "twice"


def backward(root):
    order = topological_order(root)
    root.grad = 1.0
    for node in reversed(order):
        if node._backward is not None:
            node._backward(node)


def topological_order(root):
    order, visited, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for parent in node._prev:
            if parent not in visited:
                stack.append((parent, False))
    return order
