r"""Save and load a module's parameters as a ``.npz`` file: plain arrays, no pickle.

:func:`save` writes ``module.state_dict()`` (one array per dotted parameter name) with
``numpy.savez``; :func:`load` reads it back with ``allow_pickle=False``, so opening a file
that someone else made can never run their code, and copies the arrays into the module.

Saving is atomic: the file is written under a temporary name in the same folder and then
renamed over the target with ``os.replace``. A crash (or a full disk) in the middle leaves
the previous checkpoint intact rather than half a new one; the temporary file a killed save
leaves behind (``.NAME.*.tmp``) is removed by the next save to the same path. The file gets
the mode an ordinary new file would (``0666`` less the umask). Saving to a symlink writes the
file the link points to (the link stays a link); saving over anything that is not a regular
file (a folder, a device, a pipe) is refused with a :class:`CheckpointError`.

Loading checks before it allocates: a ``.npy`` file, a text file, a truncated archive or
member, an array whose header claims more bytes than the archive holds, and pickled
(object) data are each refused with a :class:`CheckpointError` that names the file, the
member and the problem. Loading float64 weights into float32 parameters refuses values that
do not fit in float32 (they would become ``inf``).

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

import contextlib
import glob
import os
import stat
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib import format as npformat

from tinygrad_rnn.nn.module import Module, StateDictError

__all__ = [
    "save",
    "load",
    "load_state_dict",
    "save_arrays",
    "save_text",
    "load_arrays",
    "CheckpointError",
]

_NPZ_MAGIC = b"PK\x03\x04"
_NPY_MAGIC = b"\x93NUMPY"
_EMPTY_ZIP = b"PK\x05\x06"


class CheckpointError(StateDictError):
    """A checkpoint file that cannot be read or does not fit the module; names the file."""


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def _resolve_target(path: str | os.PathLike[str], suffix: str = ".npz") -> tuple[Path, Path]:
    """``(name as given, the file to write)``: a symlink is followed to its target."""
    given = Path(path)
    if suffix and not given.suffix and not (given.exists() or given.is_symlink()):
        given = given.with_suffix(suffix)
    target = Path(os.path.realpath(given)) if given.is_symlink() else given
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return given, target
    except OSError as err:
        raise CheckpointError(f"cannot save checkpoint to {str(given)!r}: {err}") from None
    if not stat.S_ISREG(info.st_mode):
        where = "" if target == given else f" (the link points to {str(target)!r})"
        raise CheckpointError(
            f"cannot save checkpoint to {str(given)!r}{where}: it is {_kind(info.st_mode)}, "
            "not a regular file; pick a file name"
        )
    return given, target


def _write_atomically(path: str | os.PathLike[str], write: Any, suffix: str = ".npz") -> Path:
    given, target = _resolve_target(path, suffix)
    folder = target.parent if str(target.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(f".{glob.escape(target.name)}.*.tmp"):  # left by a killed save
        with contextlib.suppress(OSError):
            stale.unlink()
    handle = tempfile.NamedTemporaryFile(
        dir=folder, prefix=f".{target.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            write(handle)
            handle.flush()
            os.fchmod(handle.fileno(), 0o666 & ~_umask())
            os.fsync(handle.fileno())
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return given


def save_arrays(arrays: Mapping[str, np.ndarray], path: str | os.PathLike[str]) -> Path:
    """Write ``{name: array}`` to ``path`` (a ``.npz``), atomically; see the module notes.

    Returns:
        The path written (as given, with ``.npz`` added when it had no suffix).

    Raises:
        CheckpointError: the path is a folder, a device or another non-regular file.
    """
    return _write_atomically(path, lambda handle: np.savez(handle, **arrays))


def save_text(text: str, path: str | os.PathLike[str]) -> Path:
    """Write ``text`` (UTF-8) to ``path`` with the same care as :func:`save_arrays`."""
    return _write_atomically(path, lambda handle: handle.write(text.encode("utf-8")), suffix="")


def save(module: Module, path: str | os.PathLike[str]) -> Path:
    """Write ``module.state_dict()`` to ``path`` (a ``.npz`` file), atomically.

    Args:
        module: the module whose parameters to save.
        path: where to write; ``.npz`` is added when the name has no suffix (and nothing
            of that name exists).

    Returns:
        The path written.
    """
    return save_arrays(module.state_dict(), path)


def _describe_start(head: bytes) -> str:
    if head.startswith(_NPY_MAGIC):
        return "a single .npy array, not a .npz checkpoint (an archive of named arrays)"
    if not head:
        return "empty"
    try:
        head.decode("utf-8")
        return f"text, not a .npz checkpoint (it starts with {head[:20]!r})"
    except UnicodeDecodeError:
        return f"not a .npz checkpoint (it starts with the bytes {head[:8]!r})"


def _check_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> None:
    """Read one member's .npy header and check it against the bytes the archive holds."""
    name = info.filename
    with archive.open(info) as stream:
        try:
            version = npformat.read_magic(stream)
            if version == (1, 0):
                shape, fortran, dtype = npformat.read_array_header_1_0(stream)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = npformat.read_array_header_2_0(stream)
            else:
                raise ValueError(f"unknown .npy format version {version}")
        except (ValueError, EOFError, zipfile.BadZipFile) as err:
            raise CheckpointError(
                f"{where}: member {name!r} is not a readable array ({err})"
            ) from None
        header_bytes = stream.tell()
    if dtype.hasobject:
        raise CheckpointError(
            f"{where}: member {name!r} holds Python objects ({dtype}), which would need pickle "
            "to load; refused for safety"
        )
    count = 1
    for dim in shape:
        count *= int(dim)
    claimed = count * dtype.itemsize
    held = info.file_size - header_bytes
    if claimed != held:
        raise CheckpointError(
            f"{where}: member {name!r} claims shape {shape} of {dtype} ({claimed:,} bytes) but "
            f"holds {held:,} bytes: the file is truncated or corrupt; nothing was allocated"
        )


def load_arrays(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Read a ``.npz`` into ``{name: array}``, checking each member before reading it.

    Raises:
        FileNotFoundError: no such file.
        CheckpointError: not a regular file, a ``.npy`` or text file, a truncated archive
            or member, a header that claims more data than there is, or pickled data;
            the message names the file (and the member) and the problem.
    """
    target = Path(path)
    where = f"checkpoint {str(target)!r}"
    if not target.exists():
        raise FileNotFoundError(f"{where} does not exist")
    info = os.stat(target)
    if not stat.S_ISREG(info.st_mode):
        raise CheckpointError(f"{where} is {_kind(info.st_mode)}, not a checkpoint file")
    with open(target, "rb") as handle:
        head = handle.read(64)
    if not (head.startswith(_NPZ_MAGIC) or head.startswith(_EMPTY_ZIP)):
        raise CheckpointError(f"{where} is {_describe_start(head)}")
    try:
        with zipfile.ZipFile(target) as archive:
            members = archive.infolist()
            for member in members:
                if not member.filename.endswith(".npy"):
                    raise CheckpointError(
                        f"{where}: member {member.filename!r} is not a .npy array; "
                        "this is a zip file but not a checkpoint"
                    )
                _check_member(archive, member, where)
            out = {}
            for member in members:
                with archive.open(member) as stream:
                    try:
                        out[member.filename[:-4]] = npformat.read_array(stream, allow_pickle=False)
                    except (ValueError, EOFError, zipfile.BadZipFile) as err:
                        raise CheckpointError(
                            f"{where}: member {member.filename!r} cannot be read ({err})"
                        ) from None
            return out
    except zipfile.BadZipFile as err:
        raise CheckpointError(f"{where} is a damaged or truncated .npz archive ({err})") from None
    except OSError as err:
        raise CheckpointError(f"{where} cannot be read ({err})") from None


def load_state_dict(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Read a checkpoint into ``{name: array}`` without a module (no pickle allowed)."""
    return load_arrays(path)


def load(module: Module, path: str | os.PathLike[str], strict: bool = True) -> Any:
    """Load the arrays in ``path`` into ``module``'s parameters (in place) and return it.

    Args:
        module: a module of the same architecture as the one saved.
        path: a file written by :func:`save`.
        strict: every parameter must be in the file and nothing else may be.

    Raises:
        CheckpointError: the file is unreadable, or a key is missing, unexpected, of the
            wrong shape, or holds values too large for the parameter's dtype; the message
            names the file and the key.
    """
    state = load_state_dict(path)
    try:
        return module.load_state_dict(state, strict=strict)
    except StateDictError as err:
        raise CheckpointError(f"checkpoint {str(path)!r}: {err}") from None
