"""AND with the bias of OR: fires when either input is on."""

BUG_FOR = "1.4"


def gate_weights(gate):
    return {
        "and": ([10.0, 10.0], -5.0),
        "or": ([10.0, 10.0], -5.0),
        "nand": ([-10.0, -10.0], 15.0),
    }[gate]
