"""Never sets root.grad = 1: every gradient stays 0."""

BUG_FOR = "2.4"


def backward(root):
    order = topological_order(root)
    for node in order:
        if node._prev:
            node.grad = 0.0
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
