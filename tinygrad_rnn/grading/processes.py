"""Starting the learner's processes: warm (forked from a starter) or cold (a new Python).

Either way each exercise runs in a process of its own, in a process group of its own, with
its printout drained separately from its result and a time limit after which the whole group
is killed. On Linux, processes that left the group (``os.setsid()`` after a double fork) are
killed too: the process that forks the learner's (the warm starter, or in the cold case the
new Python itself, see :func:`tinygrad_rnn.grading._child.supervise`) adopts every orphan
below it as a *child subreaper* and kills whatever is left once the exercise ends.

* **Warm** (POSIX, the default): one starter per lesson (:mod:`._zygote`) imports the lesson's
  checks and the library once and forks a fresh child per exercise, so an exercise costs
  milliseconds instead of a Python start-up plus numpy (and numba) imports.
* **Cold**: ``python -m tinygrad_rnn.grading._child`` per exercise. Used where ``fork`` does
  not exist, when a starter cannot start, or when ``TINYGRAD_RNN_GRADE_COLD=1``.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Finished", "Launcher"]

OUTPUT_KEEP = 2000  # bytes of the learner's printout kept for the report
STOP_GRACE = 3.0  # seconds a cold learner process gets to clean up after SIGTERM
PACKAGE_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Finished:
    """How a learner process ended: exit code (negative: killed by that signal), printout."""

    code: int | None
    output: str
    timed_out: bool


def child_env() -> dict[str, str]:
    """The environment of a learner process: ours, with the library importable first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PACKAGE_ROOT), env.get("PYTHONPATH", "")) if p
    )
    env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONIOENCODING="utf-8", PYTHONUNBUFFERED="1")
    return env


def kill_group(pid: int) -> None:
    """Kill a process group (a learner process and anything it started); ignore if gone."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError, OSError):
        pass


def _with_dropped(text: str, dropped: int) -> str:
    return text + (f"\n... ({dropped} more bytes of output not kept)" if dropped else "")


# ---------------------------------------------------------------- cold: a new Python


class _Drain:
    """Read a pipe to the end in a thread, keeping only the beginning."""

    def __init__(self, pipe: Any) -> None:
        self.kept = bytearray()
        self.total = 0
        self.thread = threading.Thread(target=self._run, args=(pipe,), daemon=True)
        self.thread.start()

    def _run(self, pipe: Any) -> None:
        with pipe:
            while chunk := pipe.read1(65536):
                self.total += len(chunk)
                if len(self.kept) < OUTPUT_KEEP:
                    self.kept += chunk[: OUTPUT_KEEP - len(self.kept)]

    def text(self) -> str:
        self.thread.join(timeout=2.0)
        return _with_dropped(
            self.kept.decode("utf-8", errors="replace"), self.total - len(self.kept)
        )


def run_cold(job_path: Path, result_path: Path, cwd: Path, limit: float) -> Finished:
    proc = subprocess.Popen(
        # -P: the learner's folder is not put on sys.path ahead of the library.
        [sys.executable, "-P", "-m", "tinygrad_rnn.grading._child", job_path, result_path],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=child_env(),
        start_new_session=True,
    )
    drain = _Drain(proc.stdout)
    timed_out = False
    try:
        proc.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        _stop_cold(proc)
    return Finished(proc.returncode, drain.text(), timed_out)


def _stop_cold(proc: subprocess.Popen[bytes]) -> None:
    """End a cold learner process and everything it started.

    On Linux the process we started watches the learner's code from outside and, on SIGTERM,
    kills every process below it, including ones that left the group; killing it outright
    would orphan those to ``init``. So: SIGTERM, a moment for that, then kill the group.
    """
    if proc.poll() is None and sys.platform.startswith("linux"):
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            pass
    kill_group(proc.pid)  # also whatever the learner's code started, where nothing else can
    if proc.poll() is None:
        proc.kill()
    proc.wait()


# ---------------------------------------------------------------- warm: fork from a starter


class StarterFailed(Exception):
    """The starter process did not start or stopped answering."""


class _Starter:
    """One :mod:`._zygote` process for one lesson's grading module."""

    def __init__(self, module: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "tinygrad_rnn.grading._zygote", module],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=child_env(),
            start_new_session=True,
        )
        self.buffer = b""
        message = self._read(120.0)  # importing numba-backed lessons can take a while
        if message is None or not message.get("ready"):
            self.close()
            raise StarterFailed(f"the starter for {module} did not start: {message}")

    def _read(self, timeout: float) -> dict[str, Any] | None:
        """The next message, or ``None`` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise StarterFailed("the starter stopped")
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def run(self, job_path: Path, result_path: Path, cwd: Path, limit: float) -> Finished:
        request = {"job": str(job_path), "result": str(result_path), "cwd": str(cwd)}
        try:
            self.proc.stdin.write((json.dumps(request) + "\n").encode("utf-8"))
            self.proc.stdin.flush()
        except OSError as exc:
            raise StarterFailed(f"the starter stopped: {exc}") from None
        started = self._read(30.0)
        if started is None or "pid" not in started:
            raise StarterFailed(f"the starter did not fork: {started}")
        pid = int(started["pid"])
        try:
            done = self._read(limit)
            timed_out = done is None
            if timed_out:
                kill_group(pid)
                done = self._read(30.0)
        except BaseException:
            kill_group(pid)
            raise
        if done is None or done.get("done") != pid:
            raise StarterFailed(f"the starter lost track of process {pid}")
        output = _with_dropped(str(done.get("output", "")), int(done.get("dropped", 0)))
        return Finished(done.get("code"), output, timed_out)

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=2.0)
        except (OSError, subprocess.TimeoutExpired):
            pass
        kill_group(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.proc.stdout.close()


class Launcher:
    """Runs learner processes for one grading session; close it (or use ``with``) after.

    Args:
        warm: fork from per-lesson starters (default: where ``fork`` exists, unless
            ``TINYGRAD_RNN_GRADE_COLD=1``).
    """

    def __init__(self, warm: bool | None = None) -> None:
        if warm is None:
            warm = hasattr(os, "fork") and os.environ.get("TINYGRAD_RNN_GRADE_COLD") != "1"
        self.warm = warm
        self.idle: dict[str, list[_Starter]] = {}
        self.broken: set[str] = set()
        self.lock = threading.Lock()

    def run(
        self, module: str, job_path: Path, result_path: Path, cwd: Path, limit: float
    ) -> Finished:
        """Run one job in a fresh learner process and wait for it (at most ``limit`` s)."""
        starter = self._acquire(module) if self.warm else None
        if starter is None:
            return run_cold(job_path, result_path, cwd, limit)
        try:
            finished = starter.run(job_path, result_path, cwd, limit)
        except StarterFailed:
            starter.close()
            with self.lock:
                self.broken.add(module)
            return run_cold(job_path, result_path, cwd, limit)
        except BaseException:
            starter.close()
            raise
        with self.lock:
            self.idle.setdefault(module, []).append(starter)
        return finished

    def _acquire(self, module: str) -> _Starter | None:
        with self.lock:
            if module in self.broken:
                return None
            pool = self.idle.setdefault(module, [])
            if pool:
                return pool.pop()
        try:
            return _Starter(module)
        except (StarterFailed, OSError, ValueError):
            with self.lock:
                self.broken.add(module)
            return None

    def close(self) -> None:
        with self.lock:
            starters = [s for pool in self.idle.values() for s in pool]
            self.idle.clear()
        for starter in starters:
            starter.close()

    def __enter__(self) -> Launcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
