"""2.3 in one line: the library's toposort."""

from tinygrad_rnn.autograd import toposort

FORBIDDEN_FOR = "2.3"


def topological_order(root):
    return toposort(root)
