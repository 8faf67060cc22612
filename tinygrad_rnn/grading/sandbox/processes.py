"""Starting the learner's processes: warm (forked from a starter) or cold (a new Python).

Either way each exercise runs in a process of its own, in a process group of its own, with
its printout drained separately from its result and a time limit after which the whole group
is killed. On Linux, processes that left the group (``os.setsid()`` after a double fork) are
killed too: the process that forks the learner's (the warm starter, or in the cold case the
new Python itself, see :func:`tinygrad_rnn.grading.sandbox._child.supervise`) adopts every orphan
below it as a *child subreaper* and kills whatever is left once the exercise ends.

* **Warm** (POSIX, the default): one starter per lesson (:mod:`._zygote`) imports the lesson's
  checks and the library once and forks a fresh child per exercise, so an exercise costs
  milliseconds instead of a Python start-up plus numpy (and numba) imports.
* **Cold**: ``python -m tinygrad_rnn.grading.sandbox._child`` per exercise. Used where ``fork`` does
  not exist, when a starter cannot start, or when ``TINYGRAD_RNN_GRADE_COLD=1``.

The grader grades a hand-in through :meth:`Launcher.hand_in`: a :class:`HandIn` owns the
hand-in's :class:`~tinygrad_rnn.grading.sandbox.isolation.Workspace` and its starters, which
run inside the hand-in's bubblewrap sandbox when there is one. Closing it ends them and waits
until every process of the hand-in is gone. The starters time each exercise themselves and
stop it at its limit, or when the processes it started together hold more memory than the
limit or are more than :data:`~tinygrad_rnn.grading.sandbox._reaper.PROCESS_LIMIT`.
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

from tinygrad_rnn.grading.sandbox.isolation import (
    Workspace,
    bwrap_command,
    isolation,
    sandbox_env,
)

__all__ = ["Finished", "HandIn", "Launcher"]

OUTPUT_KEEP = 2000  # bytes of the learner's printout kept for the report
RESULT_MAX_BYTES = 64 * 2**20  # a 100,000-node order is about 0.7 MB
STOP_GRACE = 3.0  # seconds a cold learner process gets to clean up after SIGTERM
PACKAGE_ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Finished:
    """How a learner process ended: exit code (negative: killed by that signal), printout."""

    code: int | None
    output: str
    timed_out: bool
    stopped: str = ""  # "memory" or "processes": the starter stopped it at that limit
    result: str | None = None  # the text the learner's process wrote as its result


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


def run_cold(
    job_path: Path | str,
    result_path: Path | str,
    cwd: Path | str,
    limit: float,
    workspace: Workspace | None = None,
) -> Finished:
    """Run one job in a new Python (inside ``workspace``'s sandbox, when it has one)."""
    # -P: the learner's folder is not put on sys.path ahead of the library.
    argv = [sys.executable, "-P", "-m", "tinygrad_rnn.grading.sandbox._child"]
    argv += [str(job_path), str(result_path)]
    env = child_env()
    info = None
    if workspace is not None and workspace.sandboxed:
        info = _InfoPipe()
        argv = bwrap_command(workspace, argv, info.write_end)
        cwd = workspace.root
        env = sandbox_env(env)  # bubblewrap's own process is readable as /proc/1 inside
    elif workspace is not None:
        env["TMPDIR"] = str(workspace.tmp)
    try:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            pass_fds=() if info is None else (info.write_end,),
        )
    finally:
        if info is not None:
            info.close_write_end()
    drain = _Drain(proc.stdout)
    timed_out = False
    try:
        proc.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        if info is not None:
            _stop_sandbox(proc, info)
        else:
            _stop_cold(proc)
    code = proc.returncode
    if info is not None and code is not None and 128 < code < 128 + 65:
        code = 128 - code  # bubblewrap passes a death by signal N on as exit code 128 + N
    return Finished(code, drain.text(), timed_out)


class _InfoPipe:
    """The pipe bubblewrap writes ``{"child-pid": N}`` to: the first process of the sandbox."""

    def __init__(self) -> None:
        self.read_end, self.write_end = os.pipe()
        self.text = b""

    def close_write_end(self) -> None:
        if self.write_end >= 0:
            os.close(self.write_end)
            self.write_end = -1

    def child_pid(self) -> int | None:
        """The sandbox's first process (as this process sees it), once bubblewrap said it."""
        while b"}" not in self.text:
            ready, _, _ = select.select([self.read_end], [], [], 0)
            if not ready:
                break
            chunk = os.read(self.read_end, 4096)
            if not chunk:
                break
            self.text += chunk
        try:
            return int(json.loads(self.text.decode("utf-8"))["child-pid"])
        except (ValueError, KeyError, TypeError):
            return None

    def close(self) -> None:
        self.close_write_end()
        os.close(self.read_end)


def _stop_sandbox(proc: subprocess.Popen[bytes], info: _InfoPipe, grace: float = 0.0) -> None:
    """End a bubblewrap sandbox and wait until every process in it is gone.

    The sandbox's first process is the init of its PID namespace: when it dies the kernel
    kills every other process in the namespace, and it is reaped (so bubblewrap exits) only
    once they have all ended. So: wait ``grace`` seconds for a clean exit, then kill that
    process, then wait for bubblewrap.
    """
    try:
        proc.wait(timeout=grace) if grace > 0 else None
    except subprocess.TimeoutExpired:
        pass
    if proc.poll() is None:
        pid = info.child_pid()
        if pid is not None:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            proc.wait(timeout=10.0)
        except subprocess.TimeoutExpired:  # bubblewrap itself hangs: --die-with-parent is left
            kill_group(proc.pid)
            proc.kill()
            proc.wait()
    info.close()


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


class StarterHung(StarterFailed):
    """The starter did not stop an exercise at its time limit (it was killed, or hangs)."""


class _Starter:
    """One :mod:`._zygote` process for one lesson's grading module."""

    def __init__(self, module: str, workspace: Workspace | None = None) -> None:
        argv = [sys.executable, "-P", "-m", "tinygrad_rnn.grading.sandbox._zygote", module]
        env = child_env()
        self.info: _InfoPipe | None = None
        cwd = None
        if workspace is not None and workspace.sandboxed:
            self.info = _InfoPipe()
            argv = bwrap_command(workspace, argv, self.info.write_end)
            cwd = workspace.root
            env = sandbox_env(env)  # bubblewrap's own process is readable as /proc/1 inside
        elif workspace is not None:
            env["TMPDIR"] = str(workspace.tmp)
            cwd = workspace.hand_in
        try:
            self.proc = subprocess.Popen(
                argv,
                cwd=cwd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
                pass_fds=() if self.info is None else (self.info.write_end,),
            )
        finally:
            if self.info is not None:
                self.info.close_write_end()
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

    def run(
        self, job_path: Path | str, result_path: Path | str, cwd: Path | str, limit: float
    ) -> Finished:
        request = {
            "job": str(job_path),
            "result": str(result_path),
            "cwd": str(cwd),
            "limit": limit,
        }
        try:
            self.proc.stdin.write((json.dumps(request) + "\n").encode("utf-8"))
            self.proc.stdin.flush()
        except OSError as exc:
            raise StarterFailed(f"the starter stopped: {exc}") from None
        started = self._read(30.0)
        if started is None or "pid" not in started:
            raise StarterFailed(f"the starter did not fork: {started}")
        pid = int(started["pid"])
        # The starter stops the exercise at its limit; this is the backstop if it does not.
        own_pid = self.info is None  # inside a sandbox the pid is the namespace's own
        try:
            done = self._read(limit + 10.0)
            if done is None and own_pid:
                kill_group(pid)
                done = self._read(30.0)
        except BaseException:
            if own_pid:
                kill_group(pid)
            raise
        if done is None:
            raise StarterHung(f"the starter did not stop process {pid} at its time limit")
        if done.get("done") != pid:
            raise StarterFailed(f"the starter lost track of process {pid}")
        output = _with_dropped(str(done.get("output", "")), int(done.get("dropped", 0)))
        timed_out = bool(done.get("timed_out"))
        return Finished(done.get("code"), output, timed_out, str(done.get("stopped") or ""))

    def close(self) -> None:
        """End the starter and everything below it; return once they are all gone."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        if self.info is not None:
            _stop_sandbox(self.proc, self.info, grace=2.0)
        else:
            try:
                self.proc.wait(timeout=2.0)
            except subprocess.TimeoutExpired:
                pass
            kill_group(self.proc.pid)
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


class _Pool:
    """Idle starters per lesson module, all for one workspace (or none)."""

    def __init__(self, launcher: Launcher, workspace: Workspace | None) -> None:
        self.launcher = launcher
        self.workspace = workspace
        self.idle: dict[str, list[_Starter]] = {}
        self.lock = threading.Lock()

    def run(
        self,
        module: str,
        job_path: Path | str,
        result_path: Path | str,
        cwd: Path | str,
        limit: float,
    ) -> Finished:
        starter = self._acquire(module) if self.launcher.warm else None
        if starter is None:
            return run_cold(job_path, result_path, cwd, limit, self.workspace)
        try:
            finished = starter.run(job_path, result_path, cwd, limit)
        except StarterHung:  # the exercise ran, too long: it is not run a second time
            starter.close()
            return Finished(None, "", True)
        except StarterFailed:
            starter.close()
            with self.launcher.lock:
                self.launcher.broken.add(module)
            return run_cold(job_path, result_path, cwd, limit, self.workspace)
        except BaseException:
            starter.close()
            raise
        with self.lock:
            self.idle.setdefault(module, []).append(starter)
        return finished

    def _acquire(self, module: str) -> _Starter | None:
        with self.launcher.lock:
            if module in self.launcher.broken:
                return None
        with self.lock:
            pool = self.idle.setdefault(module, [])
            if pool:
                return pool.pop()
        try:
            return _Starter(module, self.workspace)
        except (StarterFailed, OSError, ValueError):
            with self.launcher.lock:
                self.launcher.broken.add(module)
            return None

    def close(self) -> None:
        with self.lock:
            starters = [s for pool in self.idle.values() for s in pool]
            self.idle.clear()
        for starter in starters:
            starter.close()


class HandIn:
    """One hand-in's workspace and starters (see :meth:`Launcher.hand_in`)."""

    def __init__(self, launcher: Launcher, files: list[Path]) -> None:
        self.workspace = Workspace(files, sandboxed=launcher.sandbox)
        self.pool = _Pool(launcher, self.workspace)
        self.count = 0
        self.lock = threading.Lock()

    def file_for(self, original: Path) -> Path:
        """The workspace's copy of one of the hand-in's files (host path)."""
        return self.workspace.file_for(original)

    def run(self, module: str, job: dict[str, Any], limit: float, numba: bool = False) -> Finished:
        """Run one job; ``Finished.result`` is the text the learner's process wrote, if any.

        ``job["file"]`` is the hand-in's original file; the process gets its copy. With
        ``numba``, the sandbox gets a writable copy of the compiled kernels first.
        """
        from tinygrad_rnn.grading.sandbox import wire

        ws = self.workspace
        with self.lock:
            self.count += 1
            number = self.count
            if numba:
                ws.copy_kernels()
        job = dict(job, file=ws.inside(ws.file_for(Path(job["file"]))))
        job_path = ws.io / f"job-{number}.json"
        result_path = ws.io / f"result-{number}.json"
        job_path.write_text(wire.encode(job), encoding="utf-8")
        finished = self.pool.run(module, ws.inside(job_path), ws.inside(result_path), ws.cwd, limit)
        # Read only now: the exercise's processes have all ended (the starter or its
        # supervisor waits for that), so nothing can change the file any more.
        if result_path.is_file() and not result_path.is_symlink():
            with result_path.open("rb") as fh:
                data = fh.read(RESULT_MAX_BYTES + 1)
            finished.result = (
                data.decode("utf-8", errors="replace") if len(data) <= RESULT_MAX_BYTES else ""
            )
        return finished

    def close(self) -> None:
        """End every process of the hand-in (waiting until they are gone), drop the copy."""
        try:
            self.pool.close()
        finally:
            self.workspace.close()

    def __enter__(self) -> HandIn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Launcher:
    """Runs learner processes for one grading session; close it (or use ``with``) after.

    Args:
        warm: fork from per-lesson starters (default: where ``fork`` exists, unless
            ``TINYGRAD_RNN_GRADE_COLD=1``).
        sandbox: run each hand-in in a bubblewrap sandbox (default: when bubblewrap works
            here; see :mod:`~tinygrad_rnn.grading.sandbox.isolation`).
    """

    def __init__(self, warm: bool | None = None, sandbox: bool | None = None) -> None:
        if warm is None:
            warm = hasattr(os, "fork") and os.environ.get("TINYGRAD_RNN_GRADE_COLD") != "1"
        self.warm = warm
        self.sandbox = isolation() == "bwrap" if sandbox is None else sandbox
        self.broken: set[str] = set()
        self.lock = threading.Lock()
        self._loose = _Pool(self, None)

    def hand_in(self, files: list[Path]) -> HandIn:
        """A workspace (and sandbox) for one hand-in made of ``files``; close it after."""
        return HandIn(self, [Path(f) for f in files])

    def run(
        self, module: str, job_path: Path, result_path: Path, cwd: Path, limit: float
    ) -> Finished:
        """Run one job file in a fresh learner process, outside any workspace or sandbox.

        The process writes its result to ``result_path``; :meth:`hand_in` is what grading
        uses.
        """
        return self._loose.run(module, job_path, result_path, cwd, limit)

    def close(self) -> None:
        self._loose.close()

    def __enter__(self) -> Launcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
