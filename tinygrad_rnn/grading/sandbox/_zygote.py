"""A warm starter of learner processes: import a lesson's checks once, fork one per exercise.

Starting Python and importing numpy (and numba, for the later lessons) costs far more than
running most exercises. This process imports the lesson's grading module, and with it the
library, once; then, for each exercise, it forks a fresh child that runs
:func:`tinygrad_rnn.grading.sandbox._child.main` exactly as a newly started process would. Each
child gets its own process group, its own pipe for whatever it prints, and no access to the
control channel. This process never sees an expected answer: those stay in the grader.

On Linux this process is a *child subreaper*
(:func:`~tinygrad_rnn.grading.sandbox._reaper.become_subreaper`): it is the parent the learner's
processes are forked from, and the grader never kills it at a time limit, so it is the one
process guaranteed to outlive every exercise. Whatever the learner's code started, even after
leaving the process group with ``os.setsid()``, stays below it and is killed
(:func:`~tinygrad_rnn.grading.sandbox._reaper.kill_descendants`) as soon as the exercise's process
has ended, whether it passed, failed, crashed or was stopped at the time limit. The cold path
does the same from :func:`tinygrad_rnn.grading.sandbox._child.supervise`.

Protocol (one JSON object per line):

* out, once: ``{"ready": true}`` or ``{"error": "..."}``;
* in: ``{"job": path, "result": path, "cwd": dir, "limit": seconds}``; out: ``{"pid": n}``,
  then ``{"done": n, "code": exit code (negative: killed by that signal), "output": text,
  "dropped": bytes of output not kept, "timed_out": bool, "stopped": "" | "memory" |
  "processes"}``.

The starter stops an exercise itself: at its time limit, and when its processes together hold
more memory than the limit (:func:`~tinygrad_rnn.grading.sandbox._child.memory_limit_mb`) or
are more than :data:`~tinygrad_rnn.grading.sandbox._reaper.PROCESS_LIMIT`; it measures them
every :data:`WATCH_EVERY` seconds. It also makes itself non-dumpable, so that the learner's
code cannot open its control pipes through ``/proc/<pid>/fd``.

POSIX only; :mod:`tinygrad_rnn.grading.runner` starts a new process per exercise elsewhere.
"""

from __future__ import annotations

import importlib
import json
import os
import select
import signal
import sys
import time

from tinygrad_rnn.grading.sandbox._reaper import (
    PR_SET_DUMPABLE,
    PROCESS_LIMIT,
    become_subreaper,
    kill_descendants,
    prctl,
    tree_usage,
)

OUTPUT_KEEP = 2000
WATCH_EVERY = 0.1  # seconds between two measurements of an exercise's processes


def _run_child(job: dict[str, str], control: tuple[int, int], devnull: int) -> None:
    """In the forked child: detach, rewire stdio, run the exercise, leave."""
    code = 70
    try:
        os.setsid()
        for fd in control:
            os.close(fd)
        os.dup2(devnull, 0)
        os.chdir(job["cwd"])
        sys.stdin = open(0, encoding="utf-8", closefd=False)
        sys.stdout = open(1, "w", encoding="utf-8", buffering=1, closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", buffering=1, closefd=False)
        sys.argv = ["tinygrad_rnn.grading.sandbox._child", job["job"], job["result"]]
        from tinygrad_rnn.grading.sandbox import _child

        code = _child.main(sys.argv)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - the learner may have closed them
                pass
    finally:
        os._exit(code)


def _serve(
    job: dict[str, str], control: tuple[int, int], devnull: int, memory_mb: int
) -> dict[str, object]:
    """Fork a child for one job, keep the start of its output, wait for it, clean up."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        os.dup2(write_end, 1)
        os.dup2(write_end, 2)
        os.close(write_end)
        _run_child(job, control, devnull)
    os.close(write_end)
    _send(control[1], {"pid": pid})
    limit = float(job.get("limit") or 0.0)
    started = time.monotonic()
    next_watch = started + WATCH_EVERY
    kept, dropped, status, eof = bytearray(), 0, None, False
    ended_at, timed_out, stopped = 0.0, False, ""
    while not eof:
        ready, _, _ = select.select([read_end], [], [], 0.05)
        if ready:
            chunk = os.read(read_end, 65536)
            if not chunk:
                eof = True
            room = max(0, OUTPUT_KEEP - len(kept))
            kept += chunk[:room]
            dropped += len(chunk) - min(room, len(chunk))
        if status is None:
            done, raw = os.waitpid(pid, os.WNOHANG)
            now = time.monotonic()
            if done != pid and limit and now - started > limit:
                timed_out = True
                done, raw = _stop(pid)
            elif done != pid and now >= next_watch:
                next_watch = now + WATCH_EVERY
                count, used_mb = tree_usage()
                if count > PROCESS_LIMIT or (memory_mb and used_mb > memory_mb):
                    stopped = "processes" if count > PROCESS_LIMIT else "memory"
                    done, raw = _stop(pid)
            if done == pid:
                status = os.waitstatus_to_exitcode(raw)
                ended_at = time.monotonic()
                _kill_group(pid)  # whatever it started may still hold the pipe
                kill_descendants()  # ... also outside its group
        elif time.monotonic() - ended_at > 1.0:
            break  # something outside the group holds the pipe; stop listening
    os.close(read_end)
    if status is None:  # it closed its output first: wait for it, up to its time limit
        while True:
            done, raw = os.waitpid(pid, os.WNOHANG)
            if done == pid:
                break
            if limit and time.monotonic() - started > limit:
                timed_out = True
                done, raw = _stop(pid)
                break
            time.sleep(0.02)
        status = os.waitstatus_to_exitcode(raw)
        _kill_group(pid)
        kill_descendants()
    return {
        "done": pid,
        "code": status,
        "output": kept.decode("utf-8", errors="replace"),
        "dropped": dropped,
        "timed_out": timed_out,
        "stopped": stopped,
    }


def _stop(pid: int) -> tuple[int, int]:
    """Kill the exercise's process and its group; wait for it (the ``waitpid`` pair)."""
    _kill_group(pid)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return os.waitpid(pid, 0)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _send(fd: int, message: dict[str, object]) -> None:
    data = (json.dumps(message) + "\n").encode("utf-8")
    while data:
        data = data[os.write(fd, data) :]


def main(argv: list[str]) -> int:
    # Control channel: our stdin and (a copy of) our stdout. Then fd 1 and 2 go to
    # /dev/null, so nothing printed while importing can garble a message.
    control_in, control_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    become_subreaper()  # best effort: elsewhere the process group is all we can kill
    prctl(PR_SET_DUMPABLE, 0)  # no /proc/<pid>/fd or mem of this process for its children
    try:
        child = importlib.import_module("tinygrad_rnn.grading.sandbox._child")
        memory_mb = child.memory_limit_mb()
        importlib.import_module(argv[1])
    except BaseException as exc:  # noqa: BLE001 - report it; the grader falls back
        _send(control_out, {"error": f"{type(exc).__name__}: {exc}"})
        return 1
    _send(control_out, {"ready": True})
    buffer = b""
    while True:
        chunk = os.read(control_in, 65536)
        if not chunk:
            kill_descendants()
            return 0  # the grader is done
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            job = json.loads(line)
            _send(control_out, _serve(job, (control_in, control_out), devnull, memory_mb))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
