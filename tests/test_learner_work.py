"""The learner's work never turns the project's tests red.

A learner solves the exercises in ``lessons/*_exercises.py``; the tests that need untouched
stubs take them from ``course.stub_source`` (the learner's file reset to stubs). This test solves
every exercise at once, in a copy of the repository's ``lessons/`` and ``tests/`` folders
(the package itself is imported from where it is installed), and runs there the test
modules that read the exercise files or grade ``lessons/``:

- ``test_grading_lessons.py -k untouched``: the stubs score zero (all lessons);
- ``test_grading.py``, the commands and the learner copy: ``grade`` and ``lessons`` on a
  lessons folder, the learner copy and ``stub_source``;
- ``test_grading_class.py -k "finds or grades_everyone"``: a class with an untouched stub;
- ``test_lessons.py -k percent_notebook``: the lesson scripts' check next to their exercises.

The other tests read ``tests/solutions/`` and ``tests/bug_zoo/``, never ``lessons/``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tinygrad_rnn.grading import lessons

ROOT = Path(__file__).resolve().parent.parent

SELECTED = [
    ("tests/test_grading_lessons.py", "untouched"),
    ("tests/test_grading.py", "grade_command or lessons_command or learner_copy or stub"),
    ("tests/test_grading_class.py", "finds or grades_everyone"),
    ("tests/test_lessons.py", "percent_notebook"),
]
FIND_LESSONS = "from tinygrad_rnn.grading.runner import find_lessons_dir; print(find_lessons_dir())"


def test_tests_pass_with_every_exercise_solved(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", ".pytest_cache", "out", ".grade-progress.json")
    shutil.copytree(ROOT / "lessons", repo / "lessons", ignore=ignore)
    shutil.copytree(ROOT / "tests", repo / "tests", ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", repo)  # the same pytest options and markers
    for lesson in lessons():
        shutil.copy(ROOT / "tests" / "solutions" / lesson.exercise_file, repo / "lessons")
    # the modules find lessons/ next to their own file (ROOT / "lessons") and the grader
    # finds ./lessons first: both must be the solved copy here, or this proves nothing
    where = subprocess.run(
        [sys.executable, "-c", FIND_LESSONS],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).resolve() == (repo / "lessons").resolve(), where.stdout
    for module, selection in SELECTED:
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "0"]
            + [module, "-k", selection],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=240,
        )
        tail = (proc.stdout + proc.stderr)[-3000:]
        assert proc.returncode == 0, (
            f"{module} -k {selection!r} failed with lessons solved:\n{tail}"
        )
        assert " passed" in proc.stdout, tail
