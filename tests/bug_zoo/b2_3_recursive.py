"""A correct recursive depth-first search: fails on a 100,000-deep chain."""

BUG_FOR = "2.3"
CAUGHT_BY = "RecursionError"


def topological_order(root):
    order, visited = [], set()

    def visit(node):
        if node in visited:
            return
        visited.add(node)
        for parent in node._prev:
            visit(parent)
        order.append(node)

    visit(root)
    return order
