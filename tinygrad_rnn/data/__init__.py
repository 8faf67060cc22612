"""Data made by code or shipped with Python: nothing here downloads anything.

- :mod:`tinygrad_rnn.data.toy`: 2-D classification sets (moons, spirals, blobs).
"""

from tinygrad_rnn.data.toy import make_blobs, make_moons, make_spirals

__all__ = ["make_blobs", "make_moons", "make_spirals"]
