"""Bug for 12.2: sizes the matrix by the largest class seen, not n_classes."""

import numpy as np

BUG_FOR = "12.2"
CAUGHT_BY = "wrong shape"


def accuracy(y_true, y_pred):
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, n_classes):
    size = int(max(y_true.max(), y_pred.max())) + 1
    m = np.zeros((size, size), dtype=int)
    np.add.at(m, (y_true, y_pred), 1)
    return m
