"""Kept for old imports: the launcher now lives in :mod:`tinygrad_rnn.grading.sandbox`."""

from tinygrad_rnn.grading.sandbox.processes import Finished, Launcher

__all__ = ["Finished", "Launcher"]
