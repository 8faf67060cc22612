"""The ``grade``, ``hint``, ``lessons`` and ``instructor`` commands of ``tinygrad-rnn``.

:func:`add_commands` adds them to the main parser's subcommands; :func:`main` runs them on
their own (``python -m tinygrad_rnn.grading``). Exit codes of ``grade`` and ``instructor
grade-class``: 0 when every graded exercise passed, 1 when any did not, 2 when the command
itself was wrong (unknown exercise, missing file, a bad flag value, a folder that cannot be
written to), 3 when the grader itself failed (a bug: one line, and where the traceback went).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

from tinygrad_rnn.cliargs import nonnegative_int, one_line_errors, positive_float, positive_int

__all__ = ["add_commands", "build_parser", "main"]

DEFAULT_REPORT = "grade-report.json"
EXIT_CODES = """\
exit codes: 0 every graded exercise passed; 1 some did not (or a hand-in was not graded);
  2 usage error (bad target or flag value, missing file, a folder that cannot be written);
  3 the grader itself failed (one line says where its traceback was saved).
"""
FORMATS = ("gradescope", "junit", "markdown")  # tinygrad_rnn.grading.exports.FORMATS
PROGRESS_NAME = ".grade-progress.json"  # tinygrad_rnn.grading.course.PROGRESS_FILE

GRADE_EPILOG = f"""\
examples:
  tinygrad-rnn grade 1                  every exercise of lesson 1
  tinygrad-rnn grade 2.3                one exercise
  tinygrad-rnn grade all                the whole course
  tinygrad-rnn grade 2 --file alice.py  a submitted copy of lessons/02_autograd_exercises.py
  tinygrad-rnn hint 2.3                 the next hint for an exercise you are stuck on

A failed exercise shows its first hint (the idea); `tinygrad-rnn hint N.k` shows the next
level. An exercise still untouched shows no hint, only "not implemented yet".

The JSON report (default ./{DEFAULT_REPORT}) has "score", "max_score", "passed", "total",
"all_passed" and one entry per exercise with "id", "status" (passed, failed,
not_implemented, error, timeout), "score", "points", "message", "hint" (the first level,
on a failure), "hints_seen" (every level seen so far) and "checks".
{EXIT_CODES}"""

CLASS_EPILOG = f"""\
examples:
  tinygrad-rnn instructor grade-class 1 hand-ins --out reports
  tinygrad-rnn instructor grade-class all hand-ins --format gradescope,junit,markdown

HAND_INS holds alice.py (a copy of one lesson's exercises file) or alice/ (a lessons folder,
or a folder holding lessons/). OUT gets, per learner, <report>.json (the report of `grade
--json`), and summary.csv with one row per learner; <report> is the learner's name made
file-safe, numbered (alice-2) when two hand-ins would share it; summary.csv says which.
--format adds: gradescope, OUT/<report>/results.json (Gradescope's autograder results);
junit, OUT/junit.xml (a testsuite per learner, a testcase per check); markdown,
OUT/<report>.md (feedback to hand back). Hints are left out of every report unless --hints.

{EXIT_CODES}"""


def format_list(text: str) -> list[str]:
    """argparse type of ``--format``: one format or a comma list of them."""
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in FORMATS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"expected {', '.join(FORMATS)} or a comma list of them, got {text!r}"
        )
    return names


def _grader_failed(command: str, exc: BaseException, folder: Path | None = None) -> int:
    """Say in one line that the grader itself failed, save the traceback; return 3."""
    text = "".join(traceback.format_exception(exc))
    path = None
    if folder is not None:
        try:
            path = folder / "grader-error.txt"
            path.write_text(text, encoding="utf-8")
        except OSError:
            path = None
    if path is None:
        fd, name = tempfile.mkstemp(prefix="tinygrad-rnn-grader-error-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        path = Path(name)
    print(
        f"{command}: the grader itself failed ({type(exc).__name__}: {exc}); this is a bug in "
        f"the grader, not in the hand-in. Traceback saved to {path}",
        file=sys.stderr,
    )
    return 3


class _Progress:
    """Hand-ins (or exercises) done out of the total, on stderr.

    A rich progress bar with the time spent and the time left when stderr is a terminal;
    otherwise, when ``lines`` is set, one plain line per item (logs stay readable), else
    nothing.
    """

    def __init__(self, what: str, lines: bool) -> None:
        from rich.console import Console

        self.what = what
        self.console = Console(stderr=True)
        self.live = sys.stderr.isatty() and self.console.is_terminal
        self.lines = lines
        self.bar = None
        self.task = None
        self.done = 0
        self.start = time.perf_counter()

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def update(self, total: int, label: str = "") -> None:
        """One more item done (``label`` names it); the first call may pass ``done=0``."""
        if self.live:
            if self.bar is None:
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    Progress,
                    TextColumn,
                    TimeElapsedColumn,
                    TimeRemainingColumn,
                )

                self.bar = Progress(
                    TextColumn(f"grading {self.what}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TextColumn("elapsed"),
                    TimeElapsedColumn(),
                    TextColumn("left"),
                    TimeRemainingColumn(),
                    console=self.console,
                    transient=True,
                )
                self.bar.start()
                self.task = self.bar.add_task("", total=total)
            if label:
                self.bar.advance(self.task)
            return
        if self.lines and label:
            self.done += 1
            seconds = time.perf_counter() - self.start
            print(f"[{self.done}/{total}] {label} ({seconds:.1f} s)", file=sys.stderr, flush=True)


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``grade``, ``hint``, ``lessons`` and ``instructor`` to a subparsers object."""
    p = sub.add_parser(
        "grade",
        help="grade exercises: a lesson (2), one exercise (2.3) or all",
        description="Grade your exercises against the library, with a hint for each failure.",
        epilog=GRADE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    one_line_errors(p)
    p.add_argument("target", help="a lesson number (2), an exercise id (2.3), or 'all'")
    p.add_argument("--file", help="grade this file instead of the lesson's exercise file")
    p.add_argument(
        "--json",
        default=DEFAULT_REPORT,
        metavar="PATH",
        help="where to write the JSON report (default: %(default)s)",
    )
    p.add_argument("--no-json", action="store_true", help="do not write a JSON report")
    p.add_argument("--lessons-dir", help="folder with the exercise files (default: ./lessons)")
    p.add_argument(
        "--timeout",
        type=positive_float,
        metavar="S",
        help="seconds allowed per exercise, replacing each exercise's own limit",
    )
    p.add_argument(
        "--jobs",
        type=positive_int,
        default=1,
        metavar="N",
        help="grade N exercises at a time (default: %(default)s; at most your CPU cores)",
    )
    p.add_argument(
        "--seed",
        type=nonnegative_int,
        metavar="N",
        help="draw every check's cases from this seed (the shipped cases when not given)",
    )
    p.set_defaults(func=_cmd_grade)

    p = sub.add_parser(
        "hint",
        help="the next hint for an exercise (2.3): from the idea to the worked answer",
        description=(
            "Show the next hint level of an exercise that you have not seen yet. Level 1 "
            "points at the idea, level 2 is more specific, the last level is the worked "
            "answer: it asks first (or give --solution). What you have seen is remembered "
            f"per exercise in the lessons folder's {PROGRESS_NAME}."
        ),
    )
    p.add_argument("exercise", help="an exercise id, e.g. 2.3")
    p.add_argument("--solution", action="store_true", help="show the worked answer without asking")
    p.add_argument("--lessons-dir", help="folder with the exercise files (default: ./lessons)")
    p.set_defaults(func=_cmd_hint)

    p = sub.add_parser("lessons", help="the course: lessons, exercises passed, next step")
    p.add_argument("--lessons-dir", help="folder with the lessons (default: ./lessons)")
    p.add_argument("--grade", action="store_true", help="grade every exercise first")
    p.set_defaults(func=_cmd_lessons)

    p = sub.add_parser("instructor", help="tools for teaching the course")
    isub = p.add_subparsers(dest="instructor_command", metavar="TOOL", required=True)
    q = isub.add_parser(
        "learner-copy",
        help="write a copy of the lessons with every exercise reset to its stub",
    )
    q.add_argument("dest", help="folder to create; the lessons go to DEST/lessons")
    q.add_argument("--lessons-dir", help="folder with the lessons (default: ./lessons)")
    q.set_defaults(func=_cmd_learner_copy)
    q = isub.add_parser(
        "grade-class",
        help="grade every hand-in in a folder: a report each and a summary.csv",
        description=(
            "Grade every hand-in in HAND_INS: .py files (copies of one lesson's exercises "
            "file) or folders holding a lessons/ folder. Writes OUT/<report>.json per hand-in "
            "and OUT/summary.csv with one row per learner."
        ),
        epilog=CLASS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    one_line_errors(q)
    q.add_argument("target", help="a lesson number (2), an exercise id (2.3), or 'all'")
    q.add_argument("hand_ins", metavar="HAND_INS", help="the folder of hand-ins")
    q.add_argument("--out", default="reports", help="folder for the reports (default: %(default)s)")
    q.add_argument(
        "--timeout", type=positive_float, metavar="S", help="seconds allowed per exercise"
    )
    q.add_argument(
        "--jobs", type=positive_int, default=1, metavar="N", help="exercises graded at a time"
    )
    q.add_argument(
        "--format",
        dest="formats",
        type=format_list,
        action="append",
        default=[],
        metavar="F",
        help=f"also write {', '.join(FORMATS)} (repeat, or a comma list); summary.csv always",
    )
    q.add_argument(
        "--hints",
        action="store_true",
        help="keep each failed exercise's first hint in the reports (left out by default)",
    )
    q.add_argument(
        "--seed",
        type=nonnegative_int,
        metavar="N",
        help="draw every check's cases from this seed, so they cannot be computed beforehand",
    )
    q.set_defaults(func=_cmd_grade_class)


def _say_isolation() -> None:
    """One line on stderr when hand-ins run without bubblewrap: never a silent downgrade."""
    from tinygrad_rnn.grading.sandbox.isolation import notice

    line = notice()
    if line is not None:
        print(line, file=sys.stderr)


def _cmd_grade(args: argparse.Namespace) -> int:
    from rich.console import Console

    from tinygrad_rnn.grading.course import record_progress
    from tinygrad_rnn.grading.report import (
        ReportFolderError,
        print_scorecard,
        writable_folder,
        write_json,
    )
    from tinygrad_rnn.grading.runner import find_lessons_dir, grade
    from tinygrad_rnn.grading.seeding import instructor_seed

    console = Console()
    if not args.no_json:
        try:
            writable_folder(Path(args.json).parent)
        except ReportFolderError as exc:
            print(f"grade: {exc}; give --json PATH elsewhere, or --no-json", file=sys.stderr)
            return 2
    try:
        with _Progress(f"{args.target}", lines=False) as bar, instructor_seed(args.seed):
            report = grade(
                args.target,
                args.file,
                args.lessons_dir,
                args.timeout,
                args.jobs,
                on_result=lambda result, total: bar.update(total, result.id),
            )
    except (LookupError, FileNotFoundError) as exc:
        console.print(f"grade: {exc}", markup=False, highlight=False)
        return 2
    except Exception as exc:
        return _grader_failed("grade", exc)
    if args.file is None:
        _fill_hints_seen(report, find_lessons_dir(args.lessons_dir))
    else:
        for r in report.results:
            r.hints_seen = [r.hint] if r.hint else []
    print_scorecard(report, console)
    _say_isolation()
    if not args.no_json:
        try:
            path = write_json(report, args.json)
        except OSError as exc:
            problem = ReportFolderError(Path(args.json).parent, exc)
            print(f"grade: {problem}; give --json PATH elsewhere, or --no-json", file=sys.stderr)
            return 2
        console.print(f"report written to {path}", markup=False, highlight=False)
    if args.file is None:
        try:
            record_progress(find_lessons_dir(args.lessons_dir), report)
        except OSError as exc:
            console.print(f"(progress not saved: {exc})", markup=False, highlight=False)
    return 0 if report.all_passed else 1


def _fill_hints_seen(report, lessons_dir: Path) -> None:
    """Each result's ``hints_seen``: the levels seen before, and level 1 if shown now."""
    from tinygrad_rnn.grading.course import hints_seen
    from tinygrad_rnn.grading.registry import get_exercise

    for r in report.results:
        found = get_exercise(r.id)
        if found is None:
            continue
        levels = found[1].hints
        seen = max(hints_seen(lessons_dir, r.id), 1 if r.hint else 0)
        r.hints_seen = list(levels[:seen])


def _cmd_hint(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.text import Text

    from tinygrad_rnn.grading.course import hints_seen, mark_hints_seen
    from tinygrad_rnn.grading.registry import get_exercise, resolve
    from tinygrad_rnn.grading.runner import find_lessons_dir

    console = Console()
    found = get_exercise(args.exercise.strip())
    if found is None:
        try:
            resolve(args.exercise)
            problem = f"give one exercise such as 2.3, not {args.exercise!r}"
        except LookupError as exc:
            problem = str(exc)
        console.print(f"hint: {problem}")
        return 2
    try:
        folder = find_lessons_dir(args.lessons_dir)
    except FileNotFoundError as exc:
        console.print(f"hint: {exc}")
        return 2
    lesson, ex = found
    levels = ex.hints
    seen = hints_seen(folder, ex.id)
    level = min(seen + 1, len(levels))
    if level == len(levels) and seen < level and len(levels) > 1 and not args.solution:
        console.print(
            f"exercise {ex.id} ({ex.title}): the next hint, level {level} of {len(levels)}, "
            "is the worked answer."
        )
        try:
            answer = input("show the solution? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            console.print(
                f"not shown. Try once more with level {level - 1} in mind; "
                f"`tinygrad-rnn hint {ex.id} --solution` shows it without asking."
            )
            return 0
    title = Text(f"exercise {ex.id} ({ex.title}), hint {level} of {len(levels)}", style="bold")
    if level == len(levels) and len(levels) > 1:
        title.append(" (the worked answer)", style="bold")
    console.print(title)
    console.print(Text(levels[level - 1]), soft_wrap=level == len(levels))
    if seen >= len(levels):
        console.print("(that is the last level: you have seen every hint of this exercise)")
    elif level < len(levels):
        console.print(f"(more: tinygrad-rnn hint {ex.id}; your file: {lesson.exercise_file})")
    mark_hints_seen(folder, ex.id, level)
    return 0


def _cmd_lessons(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from tinygrad_rnn.grading.course import course_rows, record_progress
    from tinygrad_rnn.grading.runner import find_lessons_dir, grade

    console = Console()
    try:
        folder = find_lessons_dir(args.lessons_dir)
    except FileNotFoundError as exc:
        console.print(f"lessons: {exc}")
        return 2
    if args.grade:
        record_progress(folder, grade("all", lessons_dir=folder))
    rows = course_rows(folder)
    table = Table(title=f"the course ({folder})")
    table.add_column("lesson", justify="right")
    table.add_column("title")
    table.add_column("exercises", justify="center")
    table.add_column("next step")
    for row in rows:
        exercises = f"{row.passed}/{row.total}" if row.total else "-"
        style = "green" if row.done and not row.edited else ""
        step = row.next_step + (" (edited since last grade)" if row.edited else "")
        table.add_row(str(row.number), row.title, exercises, step, style=style)
    console.print(table)
    pending = next((r for r in rows if r.total and not r.done), None)
    if pending is not None:
        console.print(f"next: lesson {pending.number}, {pending.next_step}")
    else:
        console.print("every graded exercise passed.")
    return 0


def _cmd_learner_copy(args: argparse.Namespace) -> int:
    from tinygrad_rnn.grading.course import write_learner_copy
    from tinygrad_rnn.grading.runner import find_lessons_dir

    try:
        folder = find_lessons_dir(args.lessons_dir)
        reset = write_learner_copy(folder, Path(args.dest))
    except (FileNotFoundError, FileExistsError) as exc:
        print(f"instructor learner-copy: {exc}")
        return 2
    target = Path(args.dest) / "lessons"
    print(f"wrote {target} with {len(reset)} exercise file(s) reset to stubs:")
    for path in reset:
        print(f"  {path}")
    print(f"learners grade their work with: tinygrad-rnn grade 1 --lessons-dir {target}")
    return 0


def _cmd_grade_class(args: argparse.Namespace) -> int:
    from rich.console import Console

    from tinygrad_rnn.grading.classroom import grade_class, print_class_table
    from tinygrad_rnn.grading.report import ReportFolderError
    from tinygrad_rnn.grading.seeding import instructor_seed

    command = "tinygrad-rnn instructor grade-class"
    console = Console()
    formats = list(dict.fromkeys(name for names in args.formats for name in names))
    out = Path(args.out)
    try:
        with _Progress("hand-ins", lines=True) as bar, instructor_seed(args.seed):

            def progress(done: int, total: int, row) -> None:
                if row is None:
                    bar.update(total)
                    return
                verdict = f"{row.score}/{row.max_score}" if row.report else "not graded"
                bar.update(total, f"{row.name}: {verdict}")

            rows = grade_class(
                args.target,
                args.hand_ins,
                out,
                args.timeout,
                args.jobs,
                formats=formats,
                hints=args.hints,
                progress=progress,
            )
    except ReportFolderError as exc:
        print(f"{command}: {exc}; choose a folder you can write to with --out", file=sys.stderr)
        return 2
    except (LookupError, FileNotFoundError) as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        return _grader_failed(command, exc, out if out.is_dir() else None)
    print_class_table(rows, console)
    _say_isolation()
    written = ", ".join(["summary.csv", *formats])
    console.print(f"reports ({written}) written to {out}", markup=False, highlight=False)
    if any(row.grader_failed for row in rows):
        failed = sum(row.grader_failed for row in rows)
        print(
            f"{command}: the grader itself failed on {failed} hand-in(s); see the problem "
            "column of summary.csv for where each traceback was saved",
            file=sys.stderr,
        )
        return 3
    return 0 if all(row.all_passed for row in rows) else 1


def build_parser() -> argparse.ArgumentParser:
    """A parser with just the grading commands."""
    parser = argparse.ArgumentParser(prog="tinygrad-rnn")
    add_commands(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a grading command; returns the exit code (2 for a usage error, said in one line)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:  # argparse has printed why (or the --help text)
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
    return int(args.func(args) or 0)
