"""The learner's side of grading: run one exercise's probes and write back plain data.

Forked by the warm starter (:mod:`tinygrad_rnn.grading.sandbox._zygote`), or started as
``python -m tinygrad_rnn.grading.sandbox._child JOB.json RESULT.json``: one process per
exercise, inside the hand-in's sandbox when there is one.

Order of events: read the job (the inputs of every case, no expected answers), import the
lesson's grading module (and with it the library), then import the learner's file and call
the probes. The result goes to ``RESULT.json``, never to stdout, so whatever the learner
prints cannot corrupt it. Nothing written here decides the grade: the grader compares the
data with answers it computed itself, in its own process.

Two limits guard the machine: CPU time (a backstop behind the grader's own time limit) and
address space, ``TINYGRAD_RNN_GRADE_MEMORY_MB`` (see :func:`memory_limit_mb`), so that a
runaway allocation ends in a ``MemoryError`` reported to the learner instead of swapping the
machine to a halt. Files it writes may grow to ``FILE_LIMIT_MB`` (``RLIMIT_FSIZE``; a
larger write fails with ``OSError``), and where the kernel counts processes per user (not for
root) ``RLIMIT_NPROC`` allows :data:`~tinygrad_rnn.grading.sandbox._reaper.PROCESS_LIMIT`
more than the user has. Started as a program on Linux, this module also stays outside the
learner's code as its parent (:func:`supervise`), so that nothing the learner's code starts
can outlive the exercise.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import signal
import sys
import traceback
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

# Our own references, taken before any learner code runs.
_dumps = json.dumps
_replace = os.replace
_open = open
_exit = os._exit

MEMORY_ENV = "TINYGRAD_RNN_GRADE_MEMORY_MB"
# numpy + numba + compiling a kernel reserve about 0.5 GB of address space (measured on the
# lesson 5, 9 and 11 solutions); the BLAS library reserves about 40 MB more per CPU core.
MEMORY_DEFAULT_MB = 4096
MEMORY_PER_CPU_MB = 64
FILE_LIMIT_MB = 64


def _learner_location(exc: BaseException, learner_file: str) -> str:
    """Where in the learner's file the exception came from, as ' (line 12, in f: `code`)'."""
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if os.path.abspath(f.filename) == learner_file]
    if not mine:
        return ""
    frame = mine[-1]
    code = f": `{frame.line.strip()}`" if frame.line else ""
    return f" (line {frame.lineno} of {Path(learner_file).name}, in {frame.name}{code})"


def _describe_exception(exc: BaseException, learner_file: str) -> str:
    where = _learner_location(exc, learner_file)
    if isinstance(exc, RecursionError):
        return (
            f"RecursionError: {exc}{where}. The graph is deeper than Python's recursion "
            "limit: walk it with your own stack (a list) instead of recursion"
        )
    text = str(exc)
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(exc).__name__}: {text}{where}" if text else f"{type(exc).__name__}{where}"


def _out_of_memory(memory_mb: int, where: str = "") -> dict[str, str]:
    """The report for a ``MemoryError``: the learner's code asked for too much memory."""
    used = f"more than {memory_mb} MB of memory" if memory_mb else "more memory than there is"
    return {
        "status": "out_of_memory",
        "message": f"your code used {used} and was stopped (MemoryError{where}): is an array "
        f"or a list far larger than you meant? (the limit is set by {MEMORY_ENV}; 0: none)",
    }


def _import_learner(path: str) -> ModuleType:
    name = "learner_" + Path(path).stem
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _find_probe(ref: str) -> Any:
    module_name, _, qualname = ref.partition(":")
    return getattr(importlib.import_module(module_name), qualname)


def run(job: dict[str, Any], memory_mb: int = 0) -> dict[str, Any]:
    """Run every probe of one exercise on the learner's code; return plain data.

    ``memory_mb`` is the address-space limit in force (0: none), named if memory runs out.
    """
    from tinygrad_rnn.grading.probes import WrongType
    from tinygrad_rnn.grading.sandbox import wire

    learner_file = os.path.abspath(job["file"])
    # 1. The reference and the probes first, before any learner code exists.
    importlib.import_module(job["module"])
    probes = [_find_probe(check["probe"]) for check in job["checks"]]

    # 2. The learner's file.
    try:
        learner = _import_learner(learner_file)
    except SyntaxError as exc:
        line = f"\n    {exc.text.rstrip()}" if exc.text else ""
        return {
            "status": "syntax_error",
            "message": f"{Path(learner_file).name} line {exc.lineno}: {exc.msg}{line}",
        }
    except MemoryError as exc:
        return _out_of_memory(memory_mb, _learner_location(exc, learner_file))
    except BaseException as exc:  # noqa: BLE001 - anything the learner's file raises
        return {
            "status": "import_error",
            "message": "importing the file failed: " + _describe_exception(exc, learner_file),
        }
    missing = [name for name in job["functions"] if not callable(getattr(learner, name, None))]
    if missing:
        needed = job["functions"]
        also = "" if missing == needed else f" (this exercise needs {', '.join(needed)})"
        return {
            "status": "missing",
            "message": f"the file has no function {', '.join(missing)}{also}; "
            "did you rename or delete it?",
        }

    # 3. The library functions this exercise asks the learner to write become guards.
    violations: list[str] = []
    if job.get("forbidden"):
        from tinygrad_rnn.grading import forbidden

        forbidden.forbid(job["exercise"], job["rule"], job["forbidden"], learner_file)
        violations = forbidden.violations

    # 4. The probes, one case at a time; the first error ends a check.
    results = []
    for probe, check in zip(probes, job["checks"], strict=True):
        outcomes: list[dict[str, Any]] = []
        for inputs in check["inputs"]:
            try:
                got = probe(learner, inputs)
                if violations:  # called and caught by the learner's code: still a failure
                    outcomes.append({"error": violations[0], "kind": "forbidden"})
                    break
            except NotImplementedError as exc:
                return {"status": "not_implemented", "message": str(exc) or "NotImplementedError"}
            except WrongType as exc:
                outcomes.append({"error": str(exc), "kind": "type"})
                break
            except MemoryError as exc:
                return _out_of_memory(memory_mb, _learner_location(exc, learner_file))
            except BaseException as exc:  # noqa: BLE001 - the learner's code may raise anything
                if violations:
                    where = _learner_location(exc, learner_file)
                    outcomes.append({"error": violations[0] + where, "kind": "forbidden"})
                    break
                outcomes.append(
                    {"error": _describe_exception(exc, learner_file), "kind": "exception"}
                )
                break
            try:
                outcomes.append({"ok": wire.to_plain(got)})
            except TypeError as exc:
                outcomes.append(
                    {"error": f"the result could not be sent back: {exc}", "kind": "type"}
                )
                break
        results.append(outcomes)
    return {"status": "ran", "checks": results}


def _cpu_backstop(limit: float) -> None:
    """Let the kernel end this process if it outlives its time limit by far.

    The grader stops it at the limit; this only matters if the grader itself is interrupted
    (Ctrl-C) while the learner's code spins in an endless loop.
    """
    try:
        import resource

        seconds = int(limit) + 10
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
    except (ImportError, ValueError, OSError):  # not on this platform: the grader suffices
        pass


def _file_and_process_limits() -> None:
    """``RLIMIT_FSIZE`` (writes past it raise, rather than kill) and, if not root, NPROC."""
    try:
        import resource

        size = FILE_LIMIT_MB * 2**20
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        if os.getuid() != 0 and os.path.isdir("/proc"):  # root is exempt from RLIMIT_NPROC
            from tinygrad_rnn.grading.sandbox._reaper import PROCESS_LIMIT

            uid = os.getuid()
            mine = sum(
                1
                for name in os.listdir("/proc")
                if name.isdigit() and _owner(f"/proc/{name}") == uid
            )
            wanted = mine + PROCESS_LIMIT
            _, hard = resource.getrlimit(resource.RLIMIT_NPROC)
            if hard != resource.RLIM_INFINITY:
                wanted = min(wanted, hard)
            resource.setrlimit(resource.RLIMIT_NPROC, (wanted, wanted))
    except (ImportError, ValueError, OSError, AttributeError):  # not on this platform
        pass


def _owner(path: str) -> int:
    try:
        return os.stat(path).st_uid
    except OSError:
        return -1


def memory_limit_mb(environ: Mapping[str, str] = os.environ) -> int:
    """The learner process's address-space limit in MB; 0 means no limit.

    ``TINYGRAD_RNN_GRADE_MEMORY_MB`` when set, else 4096 MB plus 64 MB per CPU core. The limit
    is on address space (``RLIMIT_AS``), which counts memory reserved but not yet used too:
    numpy, numba and a compiled kernel take about 0.5 GB of it before the learner's code runs.

    Raises:
        ValueError: the variable is not a whole number of megabytes >= 0.
    """
    raw = environ.get(MEMORY_ENV, "").strip()
    if not raw:
        return MEMORY_DEFAULT_MB + MEMORY_PER_CPU_MB * (os.cpu_count() or 1)
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        raise ValueError(
            f"{MEMORY_ENV} should be a whole number of megabytes (0 for no limit), not {raw!r}"
        )
    return value


def _memory_backstop(memory_mb: int) -> int:
    """Limit this process (and whatever it starts) to ``memory_mb`` MB of address space.

    Returns:
        The limit now in force in MB, 0 if there is none (asked for none, or not supported).
    """
    if memory_mb <= 0:
        return 0
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        wanted = memory_mb * 2**20
        if hard != resource.RLIM_INFINITY:
            wanted = min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_AS, (wanted, wanted))
        return wanted // 2**20
    except (ImportError, ValueError, OSError):  # not on this platform
        return 0


def main(argv: list[str]) -> int:
    job_path, result_path = argv[1], argv[2]
    with _open(job_path, encoding="utf-8") as fh:
        job = json.load(fh)
    _cpu_backstop(float(job.get("limit", 60.0)))
    out_of_memory = _dumps(_out_of_memory(0))
    try:
        memory_mb = _memory_backstop(memory_limit_mb())
        _file_and_process_limits()
        # Ready before any learner code runs: there may be no memory left to build it later.
        out_of_memory = _dumps(_out_of_memory(memory_mb))
        result = run(job, memory_mb)
        text = _dumps(result)
    except MemoryError:  # e.g. the result of a huge allocation was too big to send
        text = out_of_memory
    except BaseException as exc:  # noqa: BLE001 - report, never crash silently
        text = _dumps({"status": "grader_error", "message": f"{type(exc).__name__}: {exc}"})
    tmp = result_path + ".part"
    with _open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    _replace(tmp, result_path)
    return 0


def _run_and_leave(argv: list[str]) -> NoReturn:
    code = 70
    try:
        code = main(argv)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - the learner may have replaced or closed them
                pass
    finally:
        # Leave now: threads the learner started and atexit hooks it registered must not keep
        # the process alive past its time limit or touch the result after it was written.
        _exit(code)


# ---------------------------------------------------------------- cold: the watching parent


def supervise(argv: list[str]) -> int:
    """Run :func:`main` in a forked child while this process watches from outside (Linux).

    This process becomes a subreaper, forks the learner's process and waits for it. When it
    ends, or when the grader sends SIGTERM at the time limit (or dies), every process left
    below is killed; only then does this one exit, with the learner's exit code (or dying of
    the same signal), so the grader reads the same code as without this layer. Where subreapers or
    ``fork`` do not exist, :func:`main` runs in this process.
    """
    from tinygrad_rnn.grading.sandbox._reaper import (
        PR_SET_DUMPABLE,
        PR_SET_PDEATHSIG,
        become_subreaper,
        kill_descendants,
        prctl,
    )

    if not hasattr(os, "fork") or not become_subreaper():
        _run_and_leave(argv)
    # If the grader dies (the thread that started us: it also waits for us), clean up as at
    # the time limit.
    prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    watched = {signal.SIGCHLD, signal.SIGTERM}
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, watched)
    pid = os.fork()
    if pid == 0:
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
        _run_and_leave(argv)
    while True:
        done, raw = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            break
        if signal.sigwaitinfo(watched).si_signo == signal.SIGTERM:  # the grader's time limit
            os.kill(pid, signal.SIGKILL)
            _, raw = os.waitpid(pid, 0)
            break
    kill_descendants()
    code = os.waitstatus_to_exitcode(raw)
    if code < 0:  # end the same way, without a second core dump
        prctl(PR_SET_DUMPABLE, 0)
        if -code not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(-code, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        os.kill(os.getpid(), -code)
        code = 128 - code
    return code


if __name__ == "__main__":
    _exit(supervise(sys.argv))
