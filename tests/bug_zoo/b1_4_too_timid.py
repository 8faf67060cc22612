"""The right signs but weights too small: the outputs are not decisive."""

BUG_FOR = "1.4"


def gate_weights(gate):
    return {"and": ([1.0, 1.0], -1.5), "or": ([1.0, 1.0], -0.5), "nand": ([-1.0, -1.0], 1.5)}[gate]
