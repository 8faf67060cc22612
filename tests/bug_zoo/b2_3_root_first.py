"""Returns the order backwards: root first, leaves last."""

BUG_FOR = "2.3"


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
    return order[::-1]
