"""Every lesson runs top to bottom as a plain script, as CI and the docs site run it.

Each ``lessons/NN_*.py`` (not the ``*_exercises.py`` files) runs through
``tinygrad-rnn run N`` in its own Python process, in an empty temporary folder (so a lesson
that writes files outside ``out/``, or reads a file by a relative path, is caught), with
matplotlib's non-interactive backend and the lessons' short default settings. New lessons
are picked up by the glob.

The same run checks the pictures: a probe loaded at interpreter start (``sitecustomize``)
counts every matplotlib figure and every graph the lesson makes, independently of
``tinygrad_rnn.pictures``, and the run must leave at least that many files in
``out/lesson-NN/``, each announced by a ``[picture] path`` line.
"""

from __future__ import annotations

import json
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


# Counts figures and graphs as they are made, whatever the lesson then does with them.
_PROBE = """
import atexit, builtins, json, os, sys

_counts = {"figures": 0, "graphs": 0}
_done = set()
_real_import = builtins.__import__


def _wrap(cls, key):
    init = cls.__init__

    def counted(self, *args, **kwargs):
        _counts[key] += 1
        init(self, *args, **kwargs)

    cls.__init__ = counted


def _import(name, *args, **kwargs):
    module = _real_import(name, *args, **kwargs)
    if "figures" not in _done and hasattr(sys.modules.get("matplotlib.figure"), "Figure"):
        _done.add("figures")
        _wrap(sys.modules["matplotlib.figure"].Figure, "figures")
    if "graphs" not in _done and hasattr(sys.modules.get("tinygrad_rnn.graph"), "GraphView"):
        _done.add("graphs")
        _wrap(sys.modules["tinygrad_rnn.graph"].GraphView, "graphs")
    return module


builtins.__import__ = _import


@atexit.register
def _report():
    if any(_counts.values()):
        with open(os.environ["LESSON_PICTURE_COUNTS"], "a") as f:
            f.write(json.dumps(_counts) + "\\n")
"""


def _env(probe_dir: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["MPLBACKEND"] = "Agg"
    env.pop("LESSON_FULL", None)  # the short default run, as in CI
    env.pop("TINYGRAD_RNN_PICTURES", None)
    paths = [str(probe_dir)] if probe_dir else []
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [*paths, str(ROOT), env.get("PYTHONPATH")]))
    if probe_dir:
        (probe_dir / "sitecustomize.py").write_text(_PROBE, encoding="utf-8")
        env["LESSON_PICTURE_COUNTS"] = str(probe_dir / "counts.jsonl")
    return env


def test_lessons_are_found():
    assert len(LESSONS) >= 4, [p.name for p in LESSONS]


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_lesson_runs_as_a_script_and_saves_every_picture(
    lesson: Path, tmp_path: Path, tmp_path_factory
):
    number = lesson.name[:2]
    probe = tmp_path_factory.mktemp(f"probe-{number}")
    done = subprocess.run(
        [sys.executable, "-m", "tinygrad_rnn", "run", str(int(number))],
        cwd=tmp_path,
        env=_env(probe),
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

    counts_file = probe / "counts.jsonl"
    lines = counts_file.read_text().splitlines() if counts_file.exists() else []
    made = {"figures": 0, "graphs": 0}
    for line in lines:
        for key, value in json.loads(line).items():
            made[key] += value
    source = lesson.read_text(encoding="utf-8")
    if re.search(r"plt\.(?:figure|subplots)|graph\.draw|GraphView\(", source):
        assert sum(made.values()) > 0, "the probe counted no pictures: is it still working?"
    folder = tmp_path / "out" / f"lesson-{number}"
    files = sorted(p for p in folder.iterdir()) if folder.is_dir() else []
    wanted = made["figures"] + made["graphs"]
    assert len(files) >= wanted, (
        f"{lesson.name} made {made['figures']} figure(s) and {made['graphs']} graph(s) but "
        f"saved {len(files)} file(s) in out/lesson-{number}/: {[p.name for p in files]} "
        "(show each one with tinygrad_rnn.pictures.show)"
    )
    printed = re.findall(r"^\[picture\] (\S+)$", done.stdout, re.M)
    assert sorted(printed) == sorted(f"out/lesson-{number}/{p.name}" for p in files), printed
    if files:
        assert f"picture file(s) in out/lesson-{number}" in done.stdout, "no list at the end"


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
