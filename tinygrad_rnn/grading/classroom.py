"""Grade a whole class: every hand-in in a folder, one report each and one summary table.

A hand-in is either one exercises file (``alice.py``: a copy of, say,
``lessons/02_autograd_exercises.py``; the target must then be one lesson or one exercise) or a
folder (``bob/``) holding a ``lessons/`` folder, or being one. Each is graded exactly as
``tinygrad-rnn grade TARGET --file alice.py`` or ``--lessons-dir bob/lessons`` would grade it,
with one launcher for the whole class, so the library and the checks are imported once per
lesson rather than once per learner.

The results: ``OUT/<name>.json`` per hand-in (the same report ``grade --json`` writes) and
``OUT/summary.csv`` with one row per learner: name, score, max score, exercises passed, and
the points of every exercise, for a spreadsheet or a gradebook.

Example:
    >>> rows = grade_class("1", "hand-ins", "reports")  # doctest: +SKIP
    >>> rows[0].name, rows[0].score, rows[0].max_score  # doctest: +SKIP
    ('alice', 10, 10)
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tinygrad_rnn.grading.registry import resolve
from tinygrad_rnn.grading.report import _STATUS, write_json
from tinygrad_rnn.grading.runner import GradeReport, grade
from tinygrad_rnn.grading.sandbox.processes import Launcher

__all__ = ["ClassRow", "find_hand_ins", "grade_class", "print_class_table", "write_summary"]


@dataclass
class ClassRow:
    """One learner's result: the hand-in, its report (``None`` if it could not be graded)
    and, then, why not."""

    name: str
    path: Path
    report: GradeReport | None
    problem: str = ""

    @property
    def score(self) -> int:
        return self.report.score if self.report is not None else 0

    @property
    def max_score(self) -> int:
        return self.report.max_score if self.report is not None else 0


def find_hand_ins(folder: str | Path) -> list[tuple[str, Path]]:
    """``(name, path)`` of every hand-in in ``folder``, sorted by name.

    A hand-in is a ``.py`` file (name: the file name without ``.py``) or a folder (its
    name); hidden entries and ``__pycache__`` are skipped.

    Raises:
        FileNotFoundError: ``folder`` does not exist or holds no hand-in.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder of hand-ins at {folder}")
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "_")):
            continue
        if entry.is_file() and entry.suffix == ".py":
            found.append((entry.stem, entry))
        elif entry.is_dir():
            found.append((entry.name, entry))
    if not found:
        raise FileNotFoundError(f"{folder} holds no hand-in (.py files or folders)")
    return found


def _lessons_folder(hand_in: Path) -> Path:
    """The lessons folder of a folder hand-in: ``hand_in/lessons`` or ``hand_in`` itself."""
    inner = hand_in / "lessons"
    return inner if inner.is_dir() else hand_in


def grade_class(
    target: str,
    hand_ins: str | Path,
    out: str | Path,
    timeout: float | None = None,
    jobs: int = 1,
) -> list[ClassRow]:
    """Grade every hand-in in ``hand_ins`` on ``target``; write the reports and summary.

    Args:
        target: ``"all"``, a lesson (``"2"``) or an exercise (``"2.3"``); ``.py`` hand-ins
            need a single lesson or exercise.
        hand_ins: the folder of hand-ins (see :func:`find_hand_ins`).
        out: folder for ``<name>.json`` and ``summary.csv`` (created if needed).
        timeout: seconds per exercise, replacing every exercise's own limit.
        jobs: exercises graded at the same time, within one hand-in.

    Returns:
        One :class:`ClassRow` per hand-in, in name order.

    Raises:
        LookupError: an unknown target.
        FileNotFoundError: no hand-ins.
    """
    resolve(target)  # an unknown target is an error before any grading starts
    found = find_hand_ins(hand_ins)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    with Launcher() as launcher:
        for name, path in found:
            try:
                if path.is_file():
                    report = grade(target, file=path, timeout=timeout, jobs=jobs, launcher=launcher)
                else:
                    report = grade(
                        target,
                        lessons_dir=_lessons_folder(path),
                        timeout=timeout,
                        jobs=jobs,
                        launcher=launcher,
                    )
            except (LookupError, FileNotFoundError) as exc:
                rows.append(ClassRow(name, path, None, str(exc)))
                continue
            write_json(report, out / f"{name}.json")
            rows.append(ClassRow(name, path, report))
    write_summary(rows, out / "summary.csv")
    return rows


def _exercise_ids(rows: list[ClassRow]) -> list[str]:
    """Every exercise id graded for any learner, in first-seen order."""
    ids: list[str] = []
    for row in rows:
        for result in row.report.results if row.report is not None else []:
            if result.id not in ids:
                ids.append(result.id)
    return ids


def write_summary(rows: list[ClassRow], path: str | Path) -> Path:
    """Write one CSV row per learner: totals, then the points of each exercise.

    Exercises a hand-in did not cover (or a hand-in that could not be graded) leave empty
    cells; the last column says why a hand-in was not graded.
    """
    ids = _exercise_ids(rows)
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["learner", "score", "max_score", "passed", "total", *ids, "problem"])
        for row in rows:
            if row.report is None:
                writer.writerow([row.name, "", "", "", "", *[""] * len(ids), row.problem])
                continue
            points = {r.id: r.score for r in row.report.results}
            passed = sum(r.passed for r in row.report.results)
            writer.writerow(
                [
                    row.name,
                    row.score,
                    row.max_score,
                    passed,
                    len(row.report.results),
                    *[points.get(i, "") for i in ids],
                    "",
                ]
            )
    return path


def print_class_table(rows: list[ClassRow], console: Console | None = None) -> None:
    """Print one row per learner: the score and each exercise's result."""
    console = console or Console()
    ids = _exercise_ids(rows)
    table = Table(title="the class", expand=False)
    table.add_column("learner")
    table.add_column("score", justify="right", no_wrap=True)
    for exercise_id in ids:
        table.add_column(exercise_id, justify="center", no_wrap=True)
    for row in rows:
        if row.report is None:
            table.add_row(row.name, "-", *[""] * len(ids))
            continue
        results = {r.id: r for r in row.report.results}
        cells = []
        for exercise_id in ids:
            r = results.get(exercise_id)
            word, style = _STATUS.get(r.status, (r.status.upper(), "bold")) if r else ("", "")
            cells.append(Text(word, style=style))
        table.add_row(row.name, f"{row.score}/{row.max_score}", *cells)
    console.print(table)
    for row in rows:
        if row.report is None:
            console.print(f"{row.name}: not graded: {row.problem}")
