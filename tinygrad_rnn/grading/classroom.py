"""Grade a whole class: every hand-in in a folder, one report each and one summary table.

A hand-in is either one exercises file (``alice.py``: a copy of, say,
``lessons/02_autograd_exercises.py``; the target must then be one lesson or one exercise) or a
folder (``bob/``) holding a ``lessons/`` folder, or being one. Each is graded exactly as
``tinygrad-rnn grade TARGET --file alice.py`` or ``--lessons-dir bob/lessons`` would grade it,
with one launcher for the whole class, so the library and the checks are imported once per
lesson rather than once per learner.

The results: ``OUT/<report>.json`` per hand-in (the same report ``grade --json`` writes) and
``OUT/summary.csv`` with one row per learner: name, report name, score, max score, exercises
passed, and the points of every exercise, for a spreadsheet or a gradebook. ``<report>`` is
the learner's name with every character but letters, digits, ``-`` and ``_`` replaced by
``_``; two hand-ins that would share one (``alice.py`` and ``alice/``) get ``alice`` and
``alice-2``. Other formats (Gradescope, JUnit, Markdown): :mod:`tinygrad_rnn.grading.exports`.

Hints stay out of class reports unless ``hints=True``: a report handed back to a learner then
carries only what the learner could see anyway.

Example:
    >>> rows = grade_class("1", "hand-ins", "reports")  # doctest: +SKIP
    >>> rows[0].name, rows[0].score, rows[0].max_score  # doctest: +SKIP
    ('alice', 10, 10)
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tinygrad_rnn.grading.registry import resolve
from tinygrad_rnn.grading.report import _STATUS, ReportFolderError, writable_folder, write_json
from tinygrad_rnn.grading.runner import GradeReport, grade
from tinygrad_rnn.grading.sandbox.processes import Launcher
from tinygrad_rnn.grading.sandbox.wire import clean_text

__all__ = [
    "ClassRow",
    "csv_cell",
    "find_hand_ins",
    "grade_class",
    "print_class_table",
    "report_names",
    "write_summary",
]


@dataclass
class ClassRow:
    """One learner's result: the hand-in, its report (``None`` if it could not be graded)
    and, then, why not. ``report_name`` is the stem of the learner's files in the reports
    folder; ``grader_failed`` says the grader itself broke on this hand-in (a bug to report,
    not the learner's fault)."""

    name: str
    path: Path
    report: GradeReport | None
    problem: str = ""
    report_name: str = ""
    grader_failed: bool = False

    def __post_init__(self) -> None:
        self.report_name = self.report_name or _safe_name(self.name)

    @property
    def score(self) -> int:
        return self.report.score if self.report is not None else 0

    @property
    def max_score(self) -> int:
        return self.report.max_score if self.report is not None else 0

    @property
    def label(self) -> str:
        """The learner's name, with the report name when that differs (``alice (alice-2)``)."""
        if self.report_name == _safe_name(self.name):
            return self.name
        return f"{self.name} ({self.report_name})"

    @property
    def all_passed(self) -> bool:
        return self.report is not None and self.report.all_passed


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
            found.append((_shown(entry.stem), entry))
        elif entry.is_dir():
            found.append((_shown(entry.name), entry))
    if not found:
        raise FileNotFoundError(f"{folder} holds no hand-in (.py files or folders)")
    return found


def _shown(name: str) -> str:
    """A file name as a learner's name: one line, no escape or control characters."""
    return " ".join(clean_text(name).split())


def _safe_name(name: str) -> str:
    """``name`` as a file name that is safe everywhere: letters, digits, ``-`` and ``_``."""
    safe = re.sub(r"[^\w-]", "_", name).strip("_-")
    return safe[:80] or "hand-in"


def report_names(names: Iterable[str]) -> list[str]:
    """A distinct report name for each learner name, in order.

    Names are made file-safe (:func:`_safe_name`), then numbered from ``-2`` where two would
    be equal, ignoring case (on macOS and Windows ``Alice.json`` and ``alice.json`` are one
    file).

    Example:
        >>> report_names(["alice", "alice", "Alice", "=HYPERLINK(1)"])
        ['alice', 'alice-2', 'Alice-3', 'HYPERLINK_1']
    """
    taken: set[str] = set()
    result = []
    for name in names:
        base = _safe_name(name)
        candidate, n = base, 1
        while candidate.lower() in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate.lower())
        result.append(candidate)
    return result


def _lessons_folder(hand_in: Path) -> Path:
    """The lessons folder of a folder hand-in: ``hand_in/lessons`` or ``hand_in`` itself."""
    inner = hand_in / "lessons"
    return inner if inner.is_dir() else hand_in


def _hide_hints(report: GradeReport) -> None:
    for result in report.results:
        result.hint = ""
        result.hints_seen = []


def _save_traceback(out: Path, report_name: str, exc: BaseException) -> Path:
    """Write ``exc``'s traceback to ``OUT/<report>.grader-error.txt`` (or a temp file)."""
    text = "".join(traceback.format_exception(exc))
    try:
        path = out / f"{report_name}.grader-error.txt"
        path.write_text(text, encoding="utf-8")
    except OSError:
        fd, name = tempfile.mkstemp(prefix="tinygrad-rnn-grader-error-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        path = Path(name)
    return path


Progress = Callable[[int, int, "ClassRow | None"], None]


def grade_class(
    target: str,
    hand_ins: str | Path,
    out: str | Path,
    timeout: float | None = None,
    jobs: int = 1,
    formats: Iterable[str] = (),
    hints: bool = False,
    progress: Progress | None = None,
) -> list[ClassRow]:
    """Grade every hand-in in ``hand_ins`` on ``target``; write the reports and summary.

    Args:
        target: ``"all"``, a lesson (``"2"``) or an exercise (``"2.3"``); ``.py`` hand-ins
            need a single lesson or exercise.
        hand_ins: the folder of hand-ins (see :func:`find_hand_ins`).
        out: folder for the reports and ``summary.csv`` (created if needed).
        timeout: seconds per exercise, replacing every exercise's own limit.
        jobs: exercises graded at the same time, within one hand-in.
        formats: more formats to write, from :data:`tinygrad_rnn.grading.exports.FORMATS`.
        hints: keep each failed exercise's first hint in the reports (left out by default).
        progress: called as ``progress(done, total, row)``: once with ``(0, total, None)``
            before grading, then after each hand-in.

    Returns:
        One :class:`ClassRow` per hand-in, in name order.

    Raises:
        LookupError: an unknown target or format.
        FileNotFoundError: no hand-ins.
        ReportFolderError: ``out`` cannot be created or written to (checked before grading).
    """
    from tinygrad_rnn.grading.exports import FORMATS, write_exports

    formats = list(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise LookupError(f"unknown format {unknown[0]!r}; choose from {', '.join(FORMATS)}")
    resolve(target)  # an unknown target is an error before any grading starts
    found = find_hand_ins(hand_ins)
    out = writable_folder(out)
    names = report_names(name for name, _ in found)
    rows = []
    if progress is not None:
        progress(0, len(found), None)
    with Launcher() as launcher:
        for (name, path), report_name in zip(found, names, strict=True):
            rows.append(
                _grade_one(target, name, path, report_name, out, timeout, jobs, hints, launcher)
            )
            if progress is not None:
                progress(len(rows), len(found), rows[-1])
    try:
        write_summary(rows, out / "summary.csv")
        write_exports(rows, out, formats, target, hints)
    except OSError as exc:
        raise ReportFolderError(out, exc) from exc
    return rows


def _grade_one(
    target: str,
    name: str,
    path: Path,
    report_name: str,
    out: Path,
    timeout: float | None,
    jobs: int,
    hints: bool,
    launcher: Launcher,
) -> ClassRow:
    """Grade one hand-in and write its JSON report; never raises for the learner's sake."""
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
        return ClassRow(name, path, None, str(exc), report_name)
    except Exception as exc:  # a bug in the grader: keep the others, say where to look
        saved = _save_traceback(out, report_name, exc)
        problem = f"the grader failed on this hand-in ({type(exc).__name__}); traceback: {saved}"
        return ClassRow(name, path, None, problem, report_name, grader_failed=True)
    if not hints:
        _hide_hints(report)
    try:
        write_json(report, out / f"{report_name}.json")
    except OSError as exc:
        raise ReportFolderError(out, exc) from exc
    return ClassRow(name, path, report, "", report_name)


def _exercise_ids(rows: list[ClassRow]) -> list[str]:
    """Every exercise id graded for any learner, in first-seen order."""
    ids: list[str] = []
    for row in rows:
        for result in row.report.results if row.report is not None else []:
            if result.id not in ids:
                ids.append(result.id)
    return ids


def csv_cell(value: object) -> object:
    """A value for a CSV cell that no spreadsheet runs as a formula.

    Text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading single quote (OWASP's advice on CSV injection); numbers stay numbers.

    Example:
        >>> csv_cell("=1+1"), csv_cell(7), csv_cell("alice")
        ("'=1+1", 7, 'alice')
    """
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value


def write_summary(rows: list[ClassRow], path: str | Path) -> Path:
    """Write one CSV row per learner: totals, then the points of each exercise.

    Columns: ``learner`` (the hand-in's name), ``report`` (the stem of its files in the
    reports folder), ``score``, ``max_score``, ``passed``, ``total``, one column per exercise
    and ``problem``. Exercises a hand-in did not cover (or a hand-in that could not be graded)
    leave empty cells; ``problem`` says why a hand-in was not graded. Text cells are escaped
    with :func:`csv_cell`.
    """
    ids = _exercise_ids(rows)
    path = Path(path)
    header = ["learner", "report", "score", "max_score", "passed", "total", *ids, "problem"]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            name = clean_text(row.name)
            if row.report is None:
                cells = [name, row.report_name, "", "", "", "", *[""] * len(ids)]
                cells.append(clean_text(row.problem))
            else:
                points = {r.id: r.score for r in row.report.results}
                passed = sum(r.passed for r in row.report.results)
                cells = [name, row.report_name, row.score, row.max_score, passed]
                cells += [len(row.report.results), *[points.get(i, "") for i in ids], ""]
            writer.writerow([csv_cell(cell) for cell in cells])
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
            table.add_row(Text(row.label), "-", *[""] * len(ids))
            continue
        results = {r.id: r for r in row.report.results}
        cells = []
        for exercise_id in ids:
            r = results.get(exercise_id)
            word, style = _STATUS.get(r.status, (r.status.upper(), "bold")) if r else ("", "")
            cells.append(Text(word, style=style))
        table.add_row(Text(row.label), f"{row.score}/{row.max_score}", *cells)
    console.print(table)
    for row in rows:
        if row.report is None:
            line = Text(f"{row.label}: not graded: {clean_text(row.problem)}")
            console.print(line)
