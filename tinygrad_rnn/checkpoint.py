r"""Save and load a module's parameters as a ``.npz`` file: plain arrays, no pickle.

:func:`save` writes ``module.state_dict()`` (one array per dotted parameter name) with
``numpy.savez``; :func:`load` reads it back with ``allow_pickle=False``, so opening a file
that someone else made can never run their code, and copies the arrays into the module.

Saving is atomic: the file is written under a temporary name in the same folder and then
renamed over the target with ``os.replace``. A crash (or a full disk) in the middle leaves
the previous checkpoint intact rather than half a new one.

Example:
    >>> import os, tempfile
    >>> from tinygrad_rnn.nn import Linear
    >>> model = Linear(3, 2, rng=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.npz")
    >>> _ = save(model, path)
    >>> fresh = load(Linear(3, 2, rng=1), path)
    >>> bool((fresh.weight.data == model.weight.data).all())
    True
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_rnn.nn.module import Module, StateDictError

__all__ = ["save", "load", "load_state_dict", "CheckpointError"]


class CheckpointError(StateDictError):
    """A checkpoint file that cannot be read or does not fit the module; names the file."""


def save(module: Module, path: str | os.PathLike[str]) -> Path:
    """Write ``module.state_dict()`` to ``path`` (a ``.npz`` file), atomically.

    Args:
        module: the module whose parameters to save.
        path: where to write; ``.npz`` is added when the name has no suffix.

    Returns:
        The path written.
    """
    target = Path(path)
    if not target.suffix:
        target = target.with_suffix(".npz")
    state = module.state_dict()
    folder = target.parent if str(target.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        dir=folder, prefix=f".{target.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            np.savez(handle, **state)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return target


def load_state_dict(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Read a checkpoint into ``{name: array}`` without a module (no pickle allowed)."""
    target = Path(path)
    if not target.exists():
        raise FileNotFoundError(f"checkpoint {str(target)!r} does not exist")
    try:
        with np.load(target, allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise CheckpointError(
            f"checkpoint {str(target)!r} is not a readable .npz file ({err})"
        ) from None
    except ValueError as err:  # object arrays, which would need pickle
        raise CheckpointError(
            f"checkpoint {str(target)!r} holds data that needs pickle to load, which is "
            f"refused for safety ({err})"
        ) from None


def load(module: Module, path: str | os.PathLike[str], strict: bool = True) -> Any:
    """Load the arrays in ``path`` into ``module``'s parameters (in place) and return it.

    Args:
        module: a module of the same architecture as the one saved.
        path: a file written by :func:`save`.
        strict: every parameter must be in the file and nothing else may be.

    Raises:
        CheckpointError: the file is unreadable, or a key is missing, unexpected or of
            the wrong shape; the message names the file and the key.
    """
    state = load_state_dict(path)
    try:
        return module.load_state_dict(state, strict=strict)
    except StateDictError as err:
        raise CheckpointError(f"checkpoint {str(path)!r}: {err}") from None
