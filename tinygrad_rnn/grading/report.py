"""The scorecard (a rich table) and the JSON report of a grading run.

JSON report fields (``grade-report.json`` by default)::

    {
      "tool": "tinygrad-rnn grade", "version": "0.1.0", "target": "2", "file": null,
      "created": "2026-11-28T05:10:00+0000",
      "score": 7, "max_score": 10, "passed": 3, "total": 4, "all_passed": false,
      "exercises": [
        {"id": "2.1", "lesson": 2, "title": "...", "points": 2, "score": 2,
         "status": "passed" | "failed" | "not_implemented" | "error" | "timeout",
         "passed": true, "message": "...", "hint": "...", "file": "...", "seconds": 0.12,
         "hints_seen": ["..."],
         "checks": [{"name": "...", "passed": true, "message": ""}], "output": "..."}
      ]
    }
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tinygrad_rnn.grading.runner import GradeReport

__all__ = ["ReportFolderError", "print_scorecard", "writable_folder", "write_json"]

_STATUS = {
    "passed": ("PASS", "bold green"),
    "failed": ("FAIL", "bold red"),
    "not_implemented": ("TODO", "yellow"),
    "timeout": ("TIME", "bold red"),
    "error": ("ERROR", "bold red"),
}


def print_scorecard(report: GradeReport, console: Console | None = None) -> None:
    """Print one row per exercise, with the reason and a hint for each failure."""
    console = console or Console()
    title = f"tinygrad-rnn grade {report.target}"
    if report.file:
        title += f"  ({report.file})"
    table = Table(title=title, show_lines=True, expand=False)
    table.add_column("id", no_wrap=True)
    table.add_column("exercise")
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("result", no_wrap=True)
    table.add_column("details", overflow="fold")
    for r in report.results:
        word, style = _STATUS.get(r.status, (r.status.upper(), "bold"))
        details = Text()
        if r.passed:
            details.append(r.message, style="dim")
        else:
            details.append(r.message)
            if r.status in ("failed", "timeout") and r.hint:  # level 1 only, the idea
                details.append("\nhint: ", style="bold cyan")
                details.append(r.hint, style="cyan")
                details.append(f"\n(next hint: tinygrad-rnn hint {r.id})", style="dim")
        if r.output.strip() and not r.passed:
            first = r.output.strip().splitlines()[0][:80]
            details.append(f"\n(your code printed: {first!r} ...)", style="dim")
        table.add_row(r.id, r.title, f"{r.score}/{r.points}", Text(word, style=style), details)
    console.print(table)
    passed = sum(r.passed for r in report.results)
    verdict = "[bold green]all passed[/]" if report.all_passed else "[bold]keep going[/]"
    console.print(
        f"score {report.score}/{report.max_score} · {passed} of {len(report.results)} "
        f"exercises passed · {verdict}"
    )


class ReportFolderError(OSError):
    """The folder for the reports cannot be created or written to.

    ``str()`` is one line naming the folder and why; ``folder`` is the folder.
    """

    def __init__(self, folder: str | Path, cause: OSError) -> None:
        self.folder = Path(folder).absolute()
        reason = cause.strerror or type(cause).__name__
        if isinstance(cause, (FileExistsError, NotADirectoryError)):
            reason = "a file is in the way of the folder"
        super().__init__(f"cannot write reports to the folder {self.folder}: {reason}")


def writable_folder(folder: str | Path) -> Path:
    """Create ``folder`` if needed and check that a file can be written in it.

    The check writes and removes a small file: permission bits alone do not tell (root, read-
    only mounts, network drives).

    Raises:
        ReportFolderError: it cannot be created or written to.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".tinygrad-rnn-write-check-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ReportFolderError(folder, exc) from exc
    return folder


def write_json(report: GradeReport, path: str | Path) -> Path:
    """Write the report as JSON (fields in this module's docstring); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_json(), indent=2) + "\n", encoding="utf-8")
    return path
