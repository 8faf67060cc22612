"""Kept for old imports: the wire format now lives in :mod:`tinygrad_rnn.grading.sandbox.wire`."""

from tinygrad_rnn.grading.sandbox.wire import decode, encode, to_plain

__all__ = ["decode", "encode", "to_plain"]
