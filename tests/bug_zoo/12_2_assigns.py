"""Bug for 12.2: fancy-index assignment m[t, p] += 1 counts repeated pairs only once."""

import numpy as np

BUG_FOR = "12.2"


def accuracy(y_true, y_pred):
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true, y_pred, n_classes):
    m = np.zeros((n_classes, n_classes), dtype=int)
    m[y_true, y_pred] += 1
    return m
