"""Bug for 6.3: uses the variance 2 / (fan_in + fan_out) as the standard deviation."""

BUG_FOR = "6.3"


def xavier_normal(shape, rng):
    return rng.normal(0.0, 2.0 / (shape[0] + shape[1]), size=shape)


def kaiming_normal(shape, rng):
    return rng.normal(0.0, 2.0 / shape[1], size=shape)
