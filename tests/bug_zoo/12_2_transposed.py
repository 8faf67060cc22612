"""Bug for 12.2: rows are the predictions and columns the true classes."""

import numpy as np

BUG_FOR = "12.2"
CAUGHT_BY = "transposed"


def accuracy(y_true, y_pred):
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, n_classes):
    m = np.zeros((n_classes, n_classes), dtype=int)
    for t, p in zip(y_true, y_pred, strict=True):
        m[p, t] += 1
    return m
