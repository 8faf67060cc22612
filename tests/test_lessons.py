"""Every lesson runs top to bottom as a plain script, as CI and the docs site run it.

Each ``lessons/NN_*.py`` (not the ``*_exercises.py`` files) runs in its own Python process,
in an empty temporary folder (so a lesson that writes files outside an ``out/`` folder of
its own, or reads a file by a relative path, is caught), with matplotlib's non-interactive
backend and the lessons' short default settings. New lessons are picked up by the glob.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted(
    p for p in (ROOT / "lessons").glob("[0-9][0-9]_*.py") if not p.stem.endswith("_exercises")
)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    env.pop("LESSON_FULL", None)  # the short default run, as in CI
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def test_lessons_are_found():
    assert len(LESSONS) >= 4, [p.name for p in LESSONS]


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_lesson_runs_as_a_script(lesson: Path, tmp_path: Path):
    done = subprocess.run(
        [sys.executable, str(lesson)],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, (
        f"{lesson.name} exited with {done.returncode}\n--- stderr (end) ---\n"
        f"{done.stderr[-3000:]}\n--- stdout (end) ---\n{done.stdout[-1500:]}"
    )
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "out"]
    assert not leftovers, f"{lesson.name} wrote files outside out/: {leftovers}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_lesson_is_a_percent_notebook_with_check_yourself(lesson: Path):
    text = lesson.read_text(encoding="utf-8")
    assert "format_name: percent" in text.split("# %%", 1)[0], "missing the jupytext header"
    assert text.count("# %% [markdown]") >= 2, "a lesson alternates text and code cells"
    assert re.search(r"^# #+ Check yourself", text, re.M), "missing a 'Check yourself' section"
    number = int(lesson.name[:2])
    exercises = lesson.with_name(lesson.stem + "_exercises.py")
    if exercises.exists():
        assert f"tinygrad-rnn grade {number}" in text, "say how to grade the exercises"
