"""Bug for 12.2: accuracy returns the share of wrong predictions."""

import numpy as np

BUG_FOR = "12.2"


def accuracy(y_true, y_pred):
    return float(np.mean(y_true != y_pred))


def confusion_matrix(y_true, y_pred, n_classes):
    m = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(m, (y_true, y_pred), 1)
    return m
