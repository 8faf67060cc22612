"""Recurses into the inputs of every node: a node reached twice sends its gradient twice."""

BUG_FOR = "2.4"


def backward(root):
    root.grad = 1.0

    def visit(node):
        if node._backward is not None:
            node._backward(node)
        for parent in node._prev:
            visit(parent)

    visit(root)


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
