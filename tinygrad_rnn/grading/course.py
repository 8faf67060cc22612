"""The course as a whole: progress across grading runs, and the learner copy for instructors.

Progress: every ``tinygrad-rnn grade`` of the lesson files (not of a ``--file``) records each
exercise's result in ``.grade-progress.json`` inside the lessons folder, with a fingerprint
of each exercise file as it was graded; ``tinygrad-rnn lessons`` reads it to show passed /
total, the next step, and which files were edited since they were last graded. The file also
remembers how many hint levels of each exercise the learner has seen (the scorecard shows
level 1 on a failure; ``tinygrad-rnn hint N.k`` shows the next one), so that the next
``tinygrad-rnn hint`` moves on and a JSON report carries only levels already seen.

Learner copy: :func:`write_learner_copy` copies the lessons folder and resets every exercise
function to its stub: the docstring stays, the body becomes
``raise NotImplementedError("Exercise N.k: <todo>")`` from the registry. The committed
exercise files are exactly such stubs, and a test keeps it that way.

Stubs as shipped: :func:`stub_source` gives a lesson's exercise file with every exercise
function reset to its stub, whatever the learner has written in it. Anything that needs the
untouched stubs (the project's own tests, a fresh start) takes them from there, so solving
the exercises in ``lessons/`` never turns a test red. There is no second copy of the files
to keep in step: the reset form of the learner's file is the shipped file, because the
committed exercise files are their own reset form (a test checks it).
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tinygrad_rnn.grading.registry import LESSON_TITLES, Exercise, Lesson, lessons
from tinygrad_rnn.grading.runner import GradeReport, find_lessons_dir

__all__ = [
    "PROGRESS_FILE",
    "CourseRow",
    "course_rows",
    "file_fingerprint",
    "hints_seen",
    "load_progress",
    "mark_hints_seen",
    "record_progress",
    "reset_to_stubs",
    "write_learner_copy",
    "stub_source",
    "write_stub_copy",
]

PROGRESS_FILE = ".grade-progress.json"
_SKIP = {"__pycache__", ".ipynb_checkpoints", PROGRESS_FILE}


# ---------------------------------------------------------------- progress


def _load(lessons_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((Path(lessons_dir) / PROGRESS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save(lessons_dir: Path, data: dict[str, Any]) -> Path | None:
    path = Path(lessons_dir) / PROGRESS_FILE
    try:
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    except OSError:
        return None
    return path


def _section(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def load_progress(lessons_dir: Path) -> dict[str, dict[str, Any]]:
    """Exercise id -> its last recorded result (``{}`` when nothing was graded yet)."""
    exercises = _section(_load(lessons_dir), "exercises")
    return {k: v for k, v in exercises.items() if isinstance(v, dict)}


def file_fingerprint(path: Path) -> str | None:
    """A hash of the file's bytes (``None`` when it cannot be read)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def hints_seen(lessons_dir: Path, exercise_id: str) -> int:
    """How many hint levels of the exercise the learner has seen (0: none)."""
    seen = load_progress(lessons_dir).get(exercise_id, {}).get("hints_seen", 0)
    return seen if isinstance(seen, int) and not isinstance(seen, bool) and seen > 0 else 0


def mark_hints_seen(lessons_dir: Path, exercise_id: str, levels: int) -> Path | None:
    """Remember that the first ``levels`` hint levels were seen (never fewer than before)."""
    data = _load(lessons_dir)
    exercises = _section(data, "exercises")
    entry = exercises.get(exercise_id)
    entry = entry if isinstance(entry, dict) else {"status": "not_implemented"}
    entry["hints_seen"] = max(levels, hints_seen(lessons_dir, exercise_id))
    exercises[exercise_id] = entry
    data["exercises"] = exercises
    return _save(lessons_dir, data)


def record_progress(lessons_dir: Path, report: GradeReport) -> Path | None:
    """Merge a report's results into the progress file; ``None`` if it cannot be written.

    A failure's scorecard showed hint level 1, so that level counts as seen. Each graded
    lesson's exercise file is fingerprinted, for "edited since last grade".
    """
    data = _load(lessons_dir)
    progress = load_progress(lessons_dir)
    files = _section(data, "files")
    when = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    for r in report.results:
        entry = progress.get(r.id, {})
        seen = entry.get("hints_seen", 0)
        seen = seen if isinstance(seen, int) and not isinstance(seen, bool) else 0
        if r.hint:
            seen = max(seen, 1)
        entry.update(status=r.status, score=r.score, points=r.points, graded=when)
        if seen:
            entry["hints_seen"] = seen
        progress[r.id] = entry
        fingerprint = file_fingerprint(Path(r.file))
        if fingerprint is not None:
            files[Path(r.file).name] = fingerprint
    data.update(exercises=progress, files=files)
    return _save(lessons_dir, data)


@dataclass
class CourseRow:
    number: int
    title: str
    passed: int
    total: int
    next_step: str
    done: bool
    edited: bool = False  # the exercise file changed since it was last graded


def _lesson_file(lessons_dir: Path, number: int) -> Path | None:
    for path in sorted(Path(lessons_dir).glob(f"{number:02d}_*.py")):
        if not path.stem.endswith("_exercises"):
            return path
    return None


def lesson_title(lessons_dir: Path, number: int) -> str:
    """The first markdown heading of the lesson file, else the title in the registry."""
    path = _lesson_file(lessons_dir, number)
    if path is not None:
        try:
            for line in path.read_text(encoding="utf-8").splitlines()[:60]:
                match = re.match(r"#\s+#\s+(.+)", line)  # jupytext: "# # Title"
                if match:  # the number has its own column: drop "Lesson 3:" in front
                    return re.sub(r"^Lesson\s+\d+\s*[:.\u2014-]\s*", "", match.group(1).strip())
        except OSError:
            pass
    return LESSON_TITLES.get(number, f"Lesson {number}")


def course_rows(lessons_dir: Path) -> list[CourseRow]:
    """One row per lesson: title, exercises passed / total, and what to do next."""
    progress = load_progress(lessons_dir)
    fingerprints = _section(_load(lessons_dir), "files")
    graded = {lesson.number: lesson for lesson in lessons()}
    rows = []
    for number in sorted(set(LESSON_TITLES) | set(graded)):
        title = lesson_title(lessons_dir, number)
        lesson = graded.get(number)
        has_file = _lesson_file(lessons_dir, number) is not None
        if lesson is None:
            step = f"tinygrad-rnn run {number}" if has_file else "(coming soon)"
            rows.append(CourseRow(number, title, 0, 0, step, done=False))
            continue
        ids = [ex.id for ex in lesson.exercises]
        status = {i: progress.get(i, {}).get("status", "not_implemented") for i in ids}
        passed = [i for i in ids if status[i] == "passed"]
        todo = [i for i in ids if i not in passed]
        tried = [i for i in todo if status[i] != "not_implemented"]
        if not todo:
            step = "done"
        elif tried:
            step = f"fix {tried[0]}: tinygrad-rnn grade {tried[0]}"
        else:
            step = f"do {todo[0]} in {lesson.exercise_file}, then grade {number}"
        known = fingerprints.get(lesson.exercise_file)
        edited = known is not None and known != file_fingerprint(
            Path(lessons_dir) / lesson.exercise_file
        )
        rows.append(CourseRow(number, title, len(passed), len(ids), step, not todo, edited))
    return rows


# ---------------------------------------------------------------- learner copy


def _stub_lines(ex: Exercise, function: str, indent: str) -> list[str]:
    message = json.dumps(ex.stub_message(function), ensure_ascii=False)
    one_line = f"{indent}raise NotImplementedError({message})"
    if len(one_line) <= 100:
        return [one_line]
    return [f"{indent}raise NotImplementedError(", f"{indent}    {message}", f"{indent})"]


def reset_to_stubs(source: str, lesson: Lesson) -> str:
    """The source of an exercise file with every exercise function's body reset to its stub.

    Docstrings, signatures, imports and any other code are kept as they are.
    """
    owner: dict[str, Exercise] = {}
    for ex in lesson.exercises:
        for name in ex.functions:
            owner.setdefault(name, ex)
    lines = source.splitlines()
    edits = []
    for node in ast.parse(source).body:
        if not isinstance(node, ast.FunctionDef) or node.name not in owner:
            continue
        body = node.body
        has_doc = (
            isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        )
        start = body[0].end_lineno if has_doc else node.body[0].lineno - 1  # keep up to here
        indent = " " * (node.col_offset + 4)
        edits.append((start, node.end_lineno, _stub_lines(owner[node.name], node.name, indent)))
    for start, end, stub in sorted(edits, reverse=True):
        lines[start:end] = stub
    return "\n".join(lines) + ("\n" if source.endswith("\n") else "")


def write_learner_copy(lessons_dir: Path, dest: Path) -> list[Path]:
    """Copy the lessons folder to ``dest/lessons`` with every exercise file reset to stubs.

    Returns:
        The exercise files that were reset.

    Raises:
        FileExistsError: when ``dest/lessons`` already exists.
    """
    lessons_dir, target = Path(lessons_dir), Path(dest) / "lessons"
    if target.exists():
        raise FileExistsError(f"{target} already exists; choose an empty destination")
    shutil.copytree(lessons_dir, target, ignore=lambda _dir, names: _SKIP & set(names))
    reset = []
    for lesson in lessons():
        path = target / lesson.exercise_file
        if path.is_file():
            path.write_text(reset_to_stubs(path.read_text(encoding="utf-8"), lesson), "utf-8")
            reset.append(path)
    return reset


# ---------------------------------------------------------------- stubs as shipped


def stub_source(lesson: Lesson, lessons_dir: Path | None = None) -> str:
    """The lesson's exercise file with every exercise back to its stub.

    It is the learner's own file (in ``lessons_dir``, else the folder the grader finds) run
    through :func:`reset_to_stubs`: solved or not, the result is the file as shipped, so tests
    that need untouched stubs never read the learner's work as it is.

    Raises:
        FileNotFoundError: when the lessons folder has no exercise file for the lesson.
    """
    path = find_lessons_dir(lessons_dir) / lesson.exercise_file
    if not path.is_file():
        raise FileNotFoundError(f"no exercise file {path} for lesson {lesson.number}")
    return reset_to_stubs(path.read_text(encoding="utf-8"), lesson)


def write_stub_copy(folder: Path, lessons_dir: Path | None = None) -> list[Path]:
    """Write every lesson's :func:`stub_source` into ``folder`` (replacing what is there).

    Returns:
        The files written, in lesson order.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for lesson in lessons():
        path = folder / lesson.exercise_file
        path.write_text(stub_source(lesson, lessons_dir), encoding="utf-8")
        written.append(path)
    return written
