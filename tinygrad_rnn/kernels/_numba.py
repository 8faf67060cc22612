"""The one module of the package that imports numba.

Before it imports numba, it makes sure numba has somewhere writable to keep its on-disk
cache: if the package folder is read-only (a system-wide install) and ``NUMBA_CACHE_DIR`` is
unset, the cache goes to ``~/.cache/tinygrad_rnn/numba`` (or
``$XDG_CACHE_HOME/tinygrad_rnn/numba``). That must happen before numba is imported anywhere,
which is why every compiled module of :mod:`tinygrad_rnn.kernels` takes ``njit`` from here.

After the import it also throws away cached machine code that older kernel sources compiled
(:func:`drop_stale_kernels`): numba checks only the file that defines a cached function,
but the kernels paste in helpers from other files (``blas.gemm``, ``products_jit``'s
product), so an edit to a helper would otherwise leave its callers running the old code.
"""

from __future__ import annotations

import hashlib
import os
import tempfile

__all__ = ["njit", "numba", "cache_location", "kernel_cache_dir", "drop_stale_kernels"]

_HERE = os.path.dirname(os.path.abspath(__file__))


def cache_location() -> str:
    """The folder numba writes compiled kernels to (``__pycache__`` beside the kernels)."""
    return os.environ.get("NUMBA_CACHE_DIR") or os.path.join(_HERE, "__pycache__")


if not os.environ.get("NUMBA_CACHE_DIR") and not os.access(_HERE, os.W_OK):
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    os.environ["NUMBA_CACHE_DIR"] = os.path.join(base, "tinygrad_rnn", "numba")

import numba  # noqa: E402  (after the cache location is settled)
from numba import njit  # noqa: E402

#: the file beside the cached kernels holding the digest of the sources they came from
STAMP_NAME = "tinygrad_rnn_kernels.sha256"


def kernel_cache_dir() -> str:
    """The folder numba keeps this package's compiled kernels in: ``__pycache__`` beside
    them, or, when ``NUMBA_CACHE_DIR`` is set, the subfolder numba names after the kernels'
    folder (its base name and the SHA-1 of its path)."""
    if numba.config.CACHE_DIR:
        digest = hashlib.sha1(_HERE.encode()).hexdigest()
        return os.path.join(numba.config.CACHE_DIR, f"{os.path.basename(_HERE)}_{digest}")
    return os.path.join(_HERE, "__pycache__")


def drop_stale_kernels(kernel_dir: str = _HERE, cache_dir: str | None = None) -> int:
    """Delete the cached kernels when any kernel source changed; return how many files went.

    One SHA-256 over every ``.py`` file of ``kernel_dir`` is kept in :data:`STAMP_NAME` in
    ``cache_dir`` (default :func:`kernel_cache_dir`). When it differs from the sources', the
    ``<module>.*.nbi`` / ``.nbc`` files of those modules are removed (nothing else in the
    folder is touched) and numba compiles afresh on first use; the new digest is written only
    once every one of them is gone. A folder that cannot be written is left as it is.

    What this cannot see: a process that was already running when a source changed still
    compiles from the code it imported, and may cache that under the new digest. Restart
    long-lived processes (a notebook kernel) after editing a kernel.
    """
    cache_dir = cache_dir or kernel_cache_dir()
    names = sorted(name for name in os.listdir(kernel_dir) if name.endswith(".py"))
    digest = hashlib.sha256()
    for name in names:
        with open(os.path.join(kernel_dir, name), "rb") as source:
            digest.update(name.encode() + b"\0" + source.read() + b"\0")
    stamp, path = digest.hexdigest(), os.path.join(cache_dir, STAMP_NAME)
    try:
        with open(path, encoding="ascii") as old:
            if old.read().strip() == stamp:
                return 0
    except (OSError, UnicodeDecodeError):
        pass
    prefixes = tuple(name[: -len(".py")] + "." for name in names)
    try:
        entries = os.listdir(cache_dir)
    except OSError:
        entries = []
    removed, all_gone = 0, True
    for entry in entries:
        if entry.startswith(prefixes) and entry.endswith((".nbi", ".nbc")):
            try:
                os.remove(os.path.join(cache_dir, entry))
                removed += 1
            except FileNotFoundError:  # another process removed it first
                pass
            except OSError:
                all_gone = False
    if all_gone:
        try:  # written whole under a unique name, then renamed: no reader sees half a stamp
            os.makedirs(cache_dir, exist_ok=True)
            handle, partial = tempfile.mkstemp(dir=cache_dir, prefix=STAMP_NAME)
            with os.fdopen(handle, "w", encoding="ascii") as new:
                new.write(stamp + "\n")
            os.replace(partial, path)
        except OSError:
            pass
    return removed


drop_stale_kernels()
