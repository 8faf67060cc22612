"""Where a hand-in runs: a bubblewrap namespace of its own (Linux), or a private folder.

Each hand-in gets a :class:`Workspace`: a throw-away folder made by the grader, holding a copy
of the hand-in's ``.py`` files (``hand-in/``) and the files the grader and the learner's
process pass each other (``io/``). The original hand-in is never run and never written.

With ``bwrap`` (Debian's ``bubblewrap``) every process of the hand-in then runs in namespaces
of its own (:func:`bwrap_command`):

* the file system is empty except for read-only views of the system (``/usr``), the Python
  installation, the virtual environment, the package and the course's lessons, plus the two
  folders of the workspace at ``/hand-in`` (the working folder) and ``/io``;
* ``/tmp`` and ``/dev/shm`` are new, size-limited and gone with the namespace; ``/proc``
  shows only the hand-in's own processes; there is no network, and no capability;
* it is a PID namespace whose first process is bubblewrap's own: when the hand-in's starter
  ends (or the grader, or bubblewrap, dies) the kernel ends every process in it, and the
  grader waits for bubblewrap to exit, so nothing the learner started can outlive the hand-in.

Without ``bwrap`` (macOS, Windows, or a Linux without user namespaces), or when
``TINYGRAD_RNN_GRADE_SANDBOX=off``, the same workspace is the working folder and ``TMPDIR``;
the limits and the subreaper still apply, but the learner's code can read and write whatever
the user running the grader can (:func:`notice` says so once per run).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "SANDBOX_ENV",
    "Workspace",
    "bwrap_command",
    "bwrap_problem",
    "isolation",
    "notice",
]

SANDBOX_ENV = "TINYGRAD_RNN_GRADE_SANDBOX"  # "off": never use bubblewrap
TMP_MB = 256  # size of the private /tmp and /dev/shm, each
INSIDE_HAND_IN = "/hand-in"
INSIDE_IO = "/io"
PACKAGE_ROOT = Path(__file__).resolve().parents[3]
PACKAGE_DIR = Path(__file__).resolve().parents[2]
# Variables a learner's process keeps (all others are dropped inside the sandbox); the
# grader's own settings, such as its case seed, never go in.
_KEEP_PREFIXES = ("OPENBLAS_", "OMP_", "MKL_", "NUMBA_", "LC_")
_KEEP = {"LANG", "TZ", "TINYGRAD_RNN_GRADE_MEMORY_MB", "TINYGRAD_RNN_NUMBA"}
_DROP = {"NUMBA_CACHE_DIR"}


@functools.cache
def bwrap_problem() -> str | None:
    """Why bubblewrap cannot be used here (``None`` when it can): tried once per process."""
    if os.environ.get(SANDBOX_ENV, "").strip().lower() in ("off", "0", "no", "false"):
        return f"{SANDBOX_ENV}=off"
    if not sys.platform.startswith("linux"):
        return f"bubblewrap isolation is Linux-only (this is {sys.platform})"
    exe = shutil.which("bwrap")
    if exe is None:
        return "bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    try:
        probe = subprocess.run(
            [exe, *_namespace_flags(), "--ro-bind", "/", "/", "--proc", "/proc", "true"],
            capture_output=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap did not run ({exc})"
    if probe.returncode != 0:
        why = probe.stderr.decode("utf-8", "replace").strip().splitlines()
        return f"bwrap cannot make namespaces here ({why[-1] if why else probe.returncode})"
    return None


def isolation() -> str:
    """``"bwrap"`` when hand-ins run in bubblewrap namespaces, else ``"folder"``."""
    return "folder" if bwrap_problem() else "bwrap"


def notice() -> str | None:
    """The one-line notice for a run without bubblewrap (``None`` with it)."""
    problem = bwrap_problem()
    if problem is None:
        return None
    return (
        f"note: grading without isolation ({problem}): each hand-in runs in a private copy "
        "with time and memory limits, but can read and write your files"
    )


def _namespace_flags() -> list[str]:
    flags = ["--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent"]
    flags += ["--new-session"]
    if os.geteuid() == 0:
        flags += ["--cap-drop", "ALL"]
    return flags


def _system_binds() -> list[str]:
    """Read-only views of the system and of this Python, the venv, the package, the lessons."""
    args: list[str] = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "lib", "lib32", "lib64", "libx32", "sbin"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    for name in ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives"):
        if os.path.exists(name):
            args += ["--ro-bind", name, name]
    seen: list[Path] = [Path("/usr")]
    wanted = [sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix]
    wanted += [str(PACKAGE_DIR), str(PACKAGE_ROOT / "lessons")]
    for raw in wanted:
        path = Path(raw).resolve()
        if not path.is_dir() or any(path.is_relative_to(done) for done in seen):
            continue
        seen.append(path)
        args += ["--ro-bind", str(path), str(path)]
    # A venv reached through a symbolic link (``.venv -> /elsewhere/venv``) is run by that
    # name (sys.executable): the same folder appears there too, or Python is not found.
    for raw in (sys.prefix, sys.exec_prefix):
        given = Path(os.path.abspath(raw))
        if given.is_dir() and given != given.resolve() and given not in seen:
            seen.append(given)
            args += ["--ro-bind", str(given.resolve()), str(given)]
    return args


def sandbox_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment inside the sandbox: a few of ours, the package importable, HOME=/tmp."""
    environ = dict(os.environ if environ is None else environ)
    env = {
        key: value
        for key, value in environ.items()
        if (key in _KEEP or key.startswith(_KEEP_PREFIXES)) and key not in _DROP
    }
    env.update(
        PATH="/usr/bin:/bin",
        HOME="/tmp",
        TMPDIR="/tmp",
        PYTHONPATH=str(PACKAGE_ROOT),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONIOENCODING="utf-8",
        PYTHONUNBUFFERED="1",
        PYTHONNOUSERSITE="1",
    )
    env.setdefault("LANG", "C.UTF-8")
    return env


def bwrap_command(
    workspace: Workspace, argv: Iterable[str], info_fd: int | None = None
) -> list[str]:
    """``argv`` run inside a fresh bubblewrap sandbox for ``workspace`` (see the module)."""
    size = str(TMP_MB * 2**20)
    args = [shutil.which("bwrap") or "bwrap", *_namespace_flags()]
    # The new /tmp first: the package or the venv may live under the real one.
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--size", size, "--tmpfs", "/tmp", "--size", size, "--tmpfs", "/dev/shm"]
    args += _system_binds()
    if workspace.kernels is not None:  # a writable copy, so numba can load its cache
        args += ["--bind", str(workspace.kernels), str(PACKAGE_DIR / "kernels")]
    args += ["--bind", str(workspace.hand_in), INSIDE_HAND_IN]
    args += ["--bind", str(workspace.io), INSIDE_IO, "--chdir", INSIDE_HAND_IN]
    # the sandbox's own root is a tmpfs without a size limit: read-only once the mount
    # points exist, so that only the size-limited folders above can be filled
    args += ["--remount-ro", "/"]
    args += ["--clearenv"]
    for key, value in sorted(sandbox_env().items()):
        args += ["--setenv", key, value]
    if info_fd is not None:
        args += ["--info-fd", str(info_fd)]
    return [*args, "--", *argv]


class Workspace:
    """A hand-in's throw-away folder: ``hand-in/`` (copies of its files) and ``io/``.

    Args:
        files: the hand-in's files to copy (same names inside).
        sandboxed: run in bubblewrap (default: when it works here, see :func:`isolation`).
    """

    def __init__(self, files: Iterable[Path], sandboxed: bool | None = None) -> None:
        self.sandboxed = isolation() == "bwrap" if sandboxed is None else sandboxed
        self.root = Path(tempfile.mkdtemp(prefix="tinygrad-rnn-hand-in-"))
        self.hand_in = self.root / "hand-in"
        self.io = self.root / "io"
        self.tmp = self.root / "tmp"
        for folder in (self.hand_in, self.io, self.tmp):
            folder.mkdir()
        self.kernels: Path | None = None
        self.originals: dict[str, Path] = {}
        for path in files:
            path = Path(path)
            shutil.copyfile(path, self.hand_in / path.name)
            self.originals[path.name] = path

    def copy_kernels(self) -> None:
        """Give the sandbox a writable copy of the compiled-kernel folder (numba's cache).

        numba loads a cache only from a folder it could write to; the copy keeps the
        modification times that its index checks, and the real folder stays read-only.
        """
        if self.kernels is None and self.sandboxed:
            self.kernels = self.root / "kernels"
            shutil.copytree(
                PACKAGE_DIR / "kernels", self.kernels, ignore=shutil.ignore_patterns("*.pyc")
            )

    def inside(self, host: Path) -> str:
        """The path the learner's process sees for a file of this workspace."""
        host = Path(host)
        if not self.sandboxed:
            return str(host)
        for folder, seen in ((self.hand_in, INSIDE_HAND_IN), (self.io, INSIDE_IO)):
            if host.is_relative_to(folder):
                return str(Path(seen) / host.relative_to(folder))
        raise ValueError(f"{host} is not in the workspace")

    @property
    def cwd(self) -> str:
        """The learner's working folder, as the learner's process sees it."""
        return INSIDE_HAND_IN if self.sandboxed else str(self.hand_in)

    def file_for(self, original: Path) -> Path:
        """The copy (host path) of one of the hand-in's files."""
        return self.hand_in / Path(original).name

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
