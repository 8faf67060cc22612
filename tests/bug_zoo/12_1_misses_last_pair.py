"""Bug for 12.1: stops one pair early (range(len - window - horizon))."""

import numpy as np

BUG_FOR = "12.1"
CAUGHT_BY = "wrong shape"


def sliding_windows(series, window, horizon):
    count = len(series) - window - horizon
    past = np.stack([series[i : i + window] for i in range(count)])
    future = np.stack([series[i + window : i + window + horizon] for i in range(count)])
    return past, future
