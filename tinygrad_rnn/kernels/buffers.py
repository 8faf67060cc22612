"""A pool of large numpy arrays that are reused once nobody holds them any more.

Why: a fresh multi-megabyte array can cost more than the arithmetic done in it. The
allocator hands big blocks back to the operating system when they are freed, so every new
one is page-faulted in again (the measurement is in docs/benchmarks.md). The fused
recurrent layers allocate several such arrays per call, so they take them from here instead.

When is a pooled array free? When the pool's own list is its only holder. CPython counts
references exactly, and a numpy view keeps its base array alive, so an array handed out
as a cache, an output or a view of either is never reused while any of them lives: two
forward passes before one backward pass get separate buffers.
"""

from __future__ import annotations

import math
import sys
import threading
from collections import OrderedDict

import numpy as np

__all__ = ["BufferPool", "pool"]


class BufferPool:
    """Hands out arrays of a given shape and dtype, reusing ones no longer referenced.

    Args:
        max_bytes: pooled memory above this is trimmed (least recently used shapes first).
        min_bytes: smaller arrays are not pooled (numpy's own small-block cache is fast).

    Example:
        >>> p = BufferPool()
        >>> a = p.empty((1000, 100), np.float32)
        >>> address = a.ctypes.data
        >>> del a                       # nobody holds it any more...
        >>> p.empty((1000, 100), np.float32).ctypes.data == address  # ...so it comes back
        True
    """

    # sys.getrefcount(self._bufs[key][k]) of an array nobody else holds: the list's
    # reference plus the temporary one made by passing it to getrefcount
    _FREE_REFCOUNT = 2

    def __init__(self, max_bytes: int = 512 * 2**20, min_bytes: int = 64 * 2**10):
        self.max_bytes = max_bytes
        self.min_bytes = min_bytes
        self._bufs: OrderedDict[tuple, list[np.ndarray]] = OrderedDict()
        self._nbytes = 0
        self._lock = threading.Lock()

    def empty(self, shape, dtype) -> np.ndarray:
        """Return an uninitialised C-contiguous array, reused when a free one exists."""
        # this runs several times per call of a fused layer: keep it cheap (no np.prod)
        if not isinstance(dtype, np.dtype):  # the kernels pass an array's own dtype
            dtype = np.dtype(dtype)
        nbytes = dtype.itemsize * math.prod(shape)
        if nbytes < self.min_bytes:
            return np.empty(shape, dtype)
        shape = tuple(int(n) for n in shape)
        key = (shape, dtype.char)
        with self._lock:
            bufs = self._bufs.setdefault(key, [])
            self._bufs.move_to_end(key)
            for k in range(len(bufs)):
                if sys.getrefcount(bufs[k]) == self._FREE_REFCOUNT:
                    return bufs[k]
            buf = np.empty(shape, dtype)
            bufs.append(buf)
            self._nbytes += nbytes
            if self._nbytes > self.max_bytes:
                self._trim()
            return buf

    def zeros(self, shape, dtype) -> np.ndarray:
        """Like :meth:`empty`, filled with zeros."""
        buf = self.empty(shape, dtype)
        buf.fill(0)
        return buf

    def _trim(self):
        # forget free buffers, oldest shapes first, until under max_bytes; a buffer in use
        # that is forgotten simply stays alive as long as its users hold it
        for key in list(self._bufs):
            bufs = self._bufs[key]
            keep = [b for b in bufs if sys.getrefcount(b) > self._FREE_REFCOUNT + 1]
            self._nbytes -= sum(b.nbytes for b in bufs) - sum(b.nbytes for b in keep)
            if keep:
                self._bufs[key] = keep
            else:
                del self._bufs[key]
            if self._nbytes <= self.max_bytes:
                return

    def clear(self):
        """Forget every pooled array (arrays still in use stay valid)."""
        with self._lock:
            self._bufs.clear()
            self._nbytes = 0

    @property
    def nbytes(self) -> int:
        """Bytes of memory currently held by the pool."""
        return self._nbytes


#: the pool used by the fused recurrent kernels
pool = BufferPool()
