"""Bug for 12.1: the future starts at the last value of the window instead of right after it."""

import numpy as np

BUG_FOR = "12.1"


def sliding_windows(series, window, horizon):
    count = len(series) - window - horizon + 1
    past = np.stack([series[i : i + window] for i in range(count)])
    future = np.stack([series[i + window - 1 : i + window - 1 + horizon] for i in range(count)])
    return past, future
