"""The grader's side: compute expected answers, run the learner's code elsewhere, compare.

For each exercise:

1. In this process, every check makes its cases: inputs and the expected answers, from the
   library (the reference) and central differences.
2. A fresh process (:mod:`tinygrad_rnn.grading.sandbox._child`, forked from a warm starter or
   started anew, see :mod:`tinygrad_rnn.grading.sandbox.processes`) gets only the inputs,
   imports the learner's file (a copy, in the hand-in's own workspace and, where bubblewrap
   works, its own sandbox: :mod:`tinygrad_rnn.grading.sandbox.isolation`), runs the probes
   and writes plain JSON to a file of its own. Its stdout and stderr are drained separately
   and kept only for the report, so printing cannot corrupt the result; a time limit kills
   it (and anything it started). The result is read only after every process of the
   exercise has ended, and every process of the hand-in is gone before :func:`grade`
   returns; reports are written here, by the grader, from data judged here.
3. Back here, each check's judge compares the learner's data with the expected answers.

Because the expected answers never leave this process and the result is parsed as JSON, code
in the learner's file cannot change its grade by patching the library or the grader: it can
only change its own answers.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tinygrad_rnn.grading.registry import Exercise, Lesson, resolve
from tinygrad_rnn.grading.sandbox import wire
from tinygrad_rnn.grading.sandbox._child import MEMORY_ENV, memory_limit_mb
from tinygrad_rnn.grading.sandbox._reaper import PROCESS_LIMIT
from tinygrad_rnn.grading.sandbox.processes import PACKAGE_ROOT, HandIn, Launcher
from tinygrad_rnn.grading.seeding import current_seed

__all__ = [
    "CheckResult",
    "ExerciseResult",
    "GradeReport",
    "find_lessons_dir",
    "grade",
    "grade_exercise",
]


@dataclass
class CheckResult:
    name: str
    passed: bool
    message: str = ""


@dataclass
class ExerciseResult:
    """The outcome of one exercise.

    ``status`` is one of ``passed``, ``failed``, ``not_implemented``, ``error`` (the file
    does not import, a function is missing, the process crashed) or ``timeout``.

    ``hint`` is the exercise's first hint level (the idea, no code) when it failed or timed
    out, else empty: an untouched stub gets none. ``hints_seen`` holds the levels the
    learner has already asked for with ``tinygrad-rnn hint`` (filled in by the ``grade``
    command from the progress file); a report never carries a level not yet seen.
    """

    id: str
    lesson: int
    title: str
    points: int
    score: int
    status: str
    message: str
    hint: str
    file: str
    seconds: float
    checks: list[CheckResult] = field(default_factory=list)
    output: str = ""
    hints_seen: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass
class GradeReport:
    target: str
    results: list[ExerciseResult]
    file: str | None = None
    seeded: bool = False  # cases drawn from an instructor's seed (its value is not kept)

    @property
    def score(self) -> int:
        return sum(r.score for r in self.results)

    @property
    def max_score(self) -> int:
        return sum(r.points for r in self.results)

    @property
    def all_passed(self) -> bool:
        return all(r.passed for r in self.results)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (see ``tinygrad-rnn grade --help`` for the fields)."""
        from tinygrad_rnn import __version__

        exercises = []
        for r in self.results:
            entry = asdict(r)
            entry["passed"] = r.passed
            exercises.append(entry)
        return {
            "tool": "tinygrad-rnn grade",
            "version": __version__,
            "target": self.target,
            "file": self.file,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "score": self.score,
            "max_score": self.max_score,
            "passed": sum(r.passed for r in self.results),
            "total": len(self.results),
            "all_passed": self.all_passed,
            "seeded": self.seeded,
            "exercises": exercises,
        }


def find_lessons_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The folder with the exercise files: ``explicit``, else ``./lessons``, else the repo's.

    Raises:
        FileNotFoundError: when none exists.
    """
    if explicit is not None:
        path = Path(explicit)
        if not path.is_dir():
            raise FileNotFoundError(f"no lessons folder at {path}")
        return path
    for candidate in (Path.cwd() / "lessons", PACKAGE_ROOT / "lessons"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        "no lessons/ folder here; run from the course's top folder or pass --lessons-dir"
    )


def grade(
    target: str,
    file: str | os.PathLike[str] | None = None,
    lessons_dir: str | os.PathLike[str] | None = None,
    timeout: float | None = None,
    jobs: int = 1,
    launcher: Launcher | None = None,
    on_result: Callable[[ExerciseResult, int], None] | None = None,
) -> GradeReport:
    """Grade ``"all"``, a lesson (``"2"``) or one exercise (``"2.3"``).

    Args:
        target: what to grade.
        file: grade this file instead of the lesson's exercise file (one lesson only).
        lessons_dir: where the exercise files are (see :func:`find_lessons_dir`).
        timeout: seconds per exercise, replacing every exercise's own limit.
        jobs: exercises graded at the same time (each in its own process). More than the
            number of CPU cores makes every exercise slower and the time limits tighter.
        launcher: starts the learner processes; pass one to reuse its warm starters across
            calls (and close it yourself). By default a new one is made: warm when there are
            several exercises, a new Python for a single one.
        on_result: called as ``on_result(result, total)`` as each exercise is graded (from a
            worker thread when ``jobs > 1``), e.g. to move a progress bar.

    Raises:
        LookupError: unknown target, or ``file`` with more than one lesson.
        FileNotFoundError: no lessons folder, or ``file`` does not exist.
    """
    plan = resolve(target)
    if file is not None:
        if len(plan) != 1:
            raise LookupError("--file grades one lesson's file: give a lesson (2) or an id (2.3)")
        if not Path(file).is_file():
            raise FileNotFoundError(f"no such file: {file}")
    folder = None if file is not None else find_lessons_dir(lessons_dir)
    tasks = []
    for lesson, exercises in plan:
        path = Path(file) if file is not None else folder / lesson.exercise_file
        tasks.extend((lesson, ex, path, timeout) for ex in exercises)
    files = sorted({path.resolve() for *_, path, _ in tasks if path.is_file()})
    own = launcher is None
    if launcher is None:
        launcher = Launcher()
    try:
        with launcher.hand_in(files) as hand_in:

            def run(task: tuple) -> ExerciseResult:
                result = grade_exercise(*task, launcher, hand_in)
                if on_result is not None:
                    on_result(result, len(tasks))
                return result

            if jobs > 1 and len(tasks) > 1:
                with ThreadPoolExecutor(max_workers=jobs) as pool:
                    results = list(pool.map(run, tasks))
            else:
                results = [run(task) for task in tasks]
        # Leaving the block ended every process of the hand-in: only now is it reported.
    finally:
        if own:
            launcher.close()
    seeded = current_seed() is not None
    return GradeReport(target, results, str(file) if file is not None else None, seeded)


def grade_exercise(
    lesson: Lesson,
    ex: Exercise,
    path: str | os.PathLike[str],
    timeout: float | None = None,
    launcher: Launcher | None = None,
    hand_in: HandIn | None = None,
) -> ExerciseResult:
    """Grade one exercise of the file at ``path`` in a fresh process.

    ``hand_in`` is the workspace (and sandbox) the file was copied into; without one, a
    workspace is made for this exercise alone, by ``launcher`` (see
    :mod:`~tinygrad_rnn.grading.sandbox.processes`) or a new one.
    """
    path = Path(path).resolve()
    start = time.perf_counter()
    result = ExerciseResult(
        ex.id, ex.lesson, ex.title, ex.points, 0, "error", "", "", str(path), 0.0
    )
    if not path.is_file():
        result.message = f"no exercise file at {path}"
        return result
    try:
        all_cases = [list(check.cases()) for check in ex.checks]
    except Exception as exc:  # a bug in the grader itself: say so, keep grading the rest
        result.message = f"the grader could not build its test cases: {type(exc).__name__}: {exc}"
        return result
    job = {
        "file": str(path),
        "module": lesson.module,
        "exercise": ex.id,
        "functions": list(ex.functions),
        "forbidden": list(ex.forbidden),
        "rule": ex.rule,
        "checks": [
            {"name": check.name, "probe": check.probe_ref, "inputs": [c.inputs for c in cases]}
            for check, cases in zip(ex.checks, all_cases, strict=True)
        ],
    }
    limit = ex.timeout if timeout is None else timeout
    job["limit"] = limit
    if hand_in is not None:
        raw, result.output, problem = _run_child(job, limit, hand_in)
    else:
        own = launcher is None
        launcher = launcher or Launcher()
        try:
            with launcher.hand_in([path]) as alone:
                raw, result.output, problem = _run_child(job, limit, alone)
        finally:
            if own:
                launcher.close()
    result.seconds = round(time.perf_counter() - start, 3)
    if problem is not None:
        result.status, result.message = problem
    else:
        _judge(ex, all_cases, raw, result)
    if result.status in ("failed", "timeout"):
        result.hint = ex.hints[0]  # the idea only; the next levels: tinygrad-rnn hint N.k
    _clean(result)
    return result


def _clean(result: ExerciseResult) -> None:
    """Strip control and escape sequences from every text that came from learner code."""
    result.message = wire.clean_text(result.message)
    result.output = wire.clean_text(result.output)
    for check in result.checks:
        check.message = wire.clean_text(check.message)


def _run_child(
    job: dict[str, Any], limit: float, hand_in: HandIn
) -> tuple[Any, str, tuple[str, str] | None]:
    """Run the learner's process.

    Returns:
        ``(decoded result, printout, None)``, or ``(None, printout, (status, message))`` when
        no usable result came back.
    """
    # The lesson's reference compiled kernels here: the sandbox gets numba's cache too.
    finished = hand_in.run(job["module"], job, limit, numba="numba" in sys.modules)
    output = finished.output
    if finished.timed_out:
        why = (
            f"took longer than {limit:g} s and was stopped: is there an endless loop, "
            "or a very slow step? (each exercise has a time limit)"
        )
        return None, output, ("timeout", why)
    if finished.stopped == "memory":
        return None, output, ("error", _tree_memory_message())
    if finished.stopped == "processes":
        why = (
            f"your code started more than {PROCESS_LIMIT} processes at once and was stopped "
            "(each exercise may run at most that many)"
        )
        return None, output, ("error", why)
    if finished.result is None:
        code = finished.code
        if code is not None and code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else code
            why = f"the process running your code crashed (signal {name})"
            if name == "SIGSEGV":
                why += "; a very deep recursion can do this after sys.setrecursionlimit"
            if name in ("SIGABRT", "SIGBUS", "SIGSEGV"):
                why += _memory_hint()
        else:
            why = (
                f"your code ended the process before grading finished (exit code {code}); "
                "remove any sys.exit(), exit() or os._exit() from the file"
            )
        return None, output, ("error", why)
    if finished.result == "":
        return None, output, ("error", "the result sent back was far too large to read")
    try:
        raw = wire.decode(finished.result)
    except (ValueError, UnicodeDecodeError) as exc:
        return None, output, ("error", f"the grader could not read the result ({exc})")
    return raw, output, None


def _tree_memory_message() -> str:
    try:
        memory_mb = memory_limit_mb()
    except ValueError:
        memory_mb = 0
    return (
        f"your code's processes together used more than {memory_mb} MB of memory and were "
        f"stopped: is an array or a list far larger than you meant, or did it start "
        f"processes that each hold a copy? (the limit is set by {MEMORY_ENV}; 0: none)"
    )


def _memory_hint() -> str:
    """For a crash: compiled code (numba, LLVM) can abort when it hits the memory limit."""
    try:
        memory_mb = memory_limit_mb()
    except ValueError:
        return ""
    if not memory_mb:
        return ""
    return (
        f"; or it ran out of memory: the limit is {memory_mb} MB "
        f"(raise it with {MEMORY_ENV}=..., 0 for none)"
    )


def _judge(ex: Exercise, all_cases: list[list[Any]], raw: Any, result: ExerciseResult) -> None:
    """Fill ``result`` from the child's data, comparing with the expected answers."""
    if not isinstance(raw, dict) or not isinstance(raw.get("status"), str):
        result.message = "the grader could not understand the result it got back"
        return
    status = raw["status"]
    if status == "not_implemented":
        message = str(raw.get("message", ""))
        result.status = "not_implemented"
        other = message.split(":")[0].removeprefix("Exercise ").strip()
        if message.startswith("Exercise ") and other != ex.id:
            result.message = f"needs exercise {other} first, which is not implemented yet"
        else:
            result.message = f"not implemented yet ({message})"
        return
    if status != "ran":
        result.message = str(raw.get("message", status))
        return
    outcomes_per_check = raw.get("checks")
    if not isinstance(outcomes_per_check, list) or len(outcomes_per_check) != len(ex.checks):
        result.message = "the grader could not understand the result it got back"
        return
    for check, cases, outcomes in zip(ex.checks, all_cases, outcomes_per_check, strict=True):
        message = _judge_check(check, cases, outcomes)
        result.checks.append(CheckResult(check.name, message is None, message or ""))
    failed = [c for c in result.checks if not c.passed]
    if failed:
        result.status = "failed"
        result.message = f"{failed[0].name}: {failed[0].message}"
    else:
        result.status = "passed"
        result.score = ex.points
        n = len(result.checks)
        result.message = f"all {n} checks passed" if n > 1 else "the check passed"


def _judge_check(check: Any, cases: list[Any], outcomes: Any) -> str | None:
    if not isinstance(outcomes, list):
        return "the grader could not understand the result it got back"
    for i, case in enumerate(cases):
        if i >= len(outcomes):
            return f"only {len(outcomes)} of {len(cases)} cases came back"
        outcome = outcomes[i]
        if not isinstance(outcome, dict):
            return "the grader could not understand the result it got back"
        if "error" in outcome:
            prefix = f"{case.label}: " if case.label else ""
            return prefix + str(outcome["error"])
        if "ok" not in outcome:
            return "the grader could not understand the result it got back"
        got = outcome["ok"]
        try:
            message = check.judge(case, got)
        except Exception as exc:  # malformed data from the learner's side
            shown = json.dumps(got, default=repr)[:80]
            message = f"{case.label}: unexpected result {shown} ({type(exc).__name__}: {exc})"
        if message:
            return message
    return None
