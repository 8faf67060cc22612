"""The ``grade``, ``lessons`` and ``instructor`` commands of ``tinygrad-rnn``.

:func:`add_commands` adds them to the main parser's subcommands; :func:`main` runs them on
their own (``python -m tinygrad_rnn.grading``). Exit codes of ``grade``: 0 when every graded
exercise passed, 1 when any did not, 2 when the command itself was wrong (unknown exercise,
missing file).
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_commands", "build_parser", "main"]

DEFAULT_REPORT = "grade-report.json"

GRADE_EPILOG = f"""\
examples:
  tinygrad-rnn grade 1                  every exercise of lesson 1
  tinygrad-rnn grade 2.3                one exercise
  tinygrad-rnn grade all                the whole course
  tinygrad-rnn grade 2 --file alice.py  a submitted copy of lessons/02_autograd_exercises.py

The JSON report (default ./{DEFAULT_REPORT}) has "score", "max_score", "passed", "total",
"all_passed" and one entry per exercise with "id", "status" (passed, failed,
not_implemented, error, timeout), "score", "points", "message", "hint" and "checks".
Exit code: 0 when everything graded passed, 1 otherwise, 2 for a usage error.
"""


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``grade``, ``lessons`` and ``instructor`` to a subparsers object."""
    p = sub.add_parser(
        "grade",
        help="grade exercises: a lesson (2), one exercise (2.3) or all",
        description="Grade your exercises against the library, with a hint for each failure.",
        epilog=GRADE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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
        type=float,
        metavar="S",
        help="seconds allowed per exercise, replacing each exercise's own limit",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="grade N exercises at a time (default: %(default)s; at most your CPU cores)",
    )
    p.set_defaults(func=_cmd_grade)

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
            "file) or folders holding a lessons/ folder. Writes OUT/<name>.json per hand-in "
            "and OUT/summary.csv with one row per learner."
        ),
    )
    q.add_argument("target", help="a lesson number (2), an exercise id (2.3), or 'all'")
    q.add_argument("hand_ins", metavar="HAND_INS", help="the folder of hand-ins")
    q.add_argument("--out", default="reports", help="folder for the reports (default: %(default)s)")
    q.add_argument("--timeout", type=float, metavar="S", help="seconds allowed per exercise")
    q.add_argument("--jobs", type=int, default=1, metavar="N", help="exercises graded at a time")
    q.set_defaults(func=_cmd_grade_class)


def _cmd_grade(args: argparse.Namespace) -> int:
    from rich.console import Console

    from tinygrad_rnn.grading.course import record_progress
    from tinygrad_rnn.grading.report import print_scorecard, write_json
    from tinygrad_rnn.grading.runner import find_lessons_dir, grade

    console = Console()
    if args.timeout is not None and args.timeout <= 0:
        console.print("grade: --timeout must be a positive number of seconds")
        return 2
    if args.jobs < 1:
        console.print("grade: --jobs must be at least 1")
        return 2
    try:
        report = grade(args.target, args.file, args.lessons_dir, args.timeout, args.jobs)
    except (LookupError, FileNotFoundError) as exc:
        console.print(f"grade: {exc}")
        return 2
    print_scorecard(report, console)
    if not args.no_json:
        path = write_json(report, args.json)
        console.print(f"report written to {path}")
    if args.file is None:
        record_progress(find_lessons_dir(args.lessons_dir), report)
    return 0 if report.all_passed else 1


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
        style = "green" if row.done else ""
        table.add_row(str(row.number), row.title, exercises, row.next_step, style=style)
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

    console = Console()
    if args.timeout is not None and args.timeout <= 0:
        console.print("instructor grade-class: --timeout must be a positive number of seconds")
        return 2
    if args.jobs < 1:
        console.print("instructor grade-class: --jobs must be at least 1")
        return 2
    try:
        rows = grade_class(args.target, args.hand_ins, args.out, args.timeout, args.jobs)
    except (LookupError, FileNotFoundError) as exc:
        console.print(f"instructor grade-class: {exc}")
        return 2
    print_class_table(rows, console)
    console.print(f"reports and summary.csv written to {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """A parser with just the grading commands."""
    parser = argparse.ArgumentParser(prog="tinygrad-rnn")
    add_commands(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a grading command; returns the exit code."""
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)
