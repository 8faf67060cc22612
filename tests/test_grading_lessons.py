"""The grader is honest on every lesson: stubs score 0, solutions score full, bugs are caught.

Adding a lesson's exercises needs no change here: the stubs come the learner's ``lessons/`` reset
to stubs (``course.stub_source``: solved files count as untouched), the
solutions from ``tests/solutions/`` (same file names), the bugs from ``tests/bug_zoo/``
(each file declares ``BUG_FOR = "N.k"`` and optionally ``CAUGHT_BY = "<text the failure
message must contain>"``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tinygrad_rnn.grading import grade, lessons
from tinygrad_rnn.grading.course import write_stub_copy
from tinygrad_rnn.grading.processes import Launcher
from tinygrad_rnn.grading.runner import find_lessons_dir

HERE = Path(__file__).parent
SOLUTIONS = HERE / "solutions"
BUG_ZOO = HERE / "bug_zoo"
LESSONS_DIR = HERE.parent / "lessons"


def _bug_declarations(path: Path) -> dict[str, str]:
    found = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in ("BUG_FOR", "CAUGHT_BY"):
                found[target.id] = node.value.value
    return found


@pytest.fixture(scope="module")
def launcher():
    """One set of warm starters for the whole module: each grading forks from them."""
    with Launcher() as launcher:
        yield launcher


@pytest.fixture(scope="module")
def stubs_dir(tmp_path_factory) -> Path:
    """The exercise files as shipped, whatever the learner has written in lessons/."""
    folder = tmp_path_factory.mktemp("stubs") / "lessons"
    write_stub_copy(folder, LESSONS_DIR)
    return folder


BUGS = sorted(p for p in BUG_ZOO.glob("*.py") if "BUG_FOR" in _bug_declarations(p))
ALL_IDS = [ex.id for lesson in lessons() for ex in lesson.exercises]


def test_the_repo_lessons_folder_is_found() -> None:
    assert find_lessons_dir(LESSONS_DIR) == LESSONS_DIR
    for lesson in lessons():
        assert (LESSONS_DIR / lesson.exercise_file).is_file(), lesson.exercise_file


@pytest.mark.parametrize("lesson", lessons(), ids=lambda lesson: f"lesson{lesson.number}")
def test_untouched_stubs_score_zero_with_their_message(lesson, launcher, stubs_dir) -> None:
    report = grade(str(lesson.number), lessons_dir=stubs_dir, timeout=10, launcher=launcher)
    assert [r.id for r in report.results] == [ex.id for ex in lesson.exercises]
    for r in report.results:
        assert r.status == "not_implemented", (r.id, r.status, r.message)
        assert r.score == 0
        assert r.message.startswith("not implemented yet (Exercise ") or r.message.startswith(
            "needs exercise"
        ), r.message
        assert "Traceback" not in r.message


@pytest.mark.parametrize("lesson", lessons(), ids=lambda lesson: f"lesson{lesson.number}")
def test_reference_solutions_score_full_points(lesson, launcher) -> None:
    solution = SOLUTIONS / lesson.exercise_file
    assert solution.is_file(), f"add a reference solution at {solution}"
    # 20 s each, or an exercise's own limit when longer (the capstone's reference trains)
    limit = max(20.0, *(ex.timeout for ex in lesson.exercises))
    report = grade(str(lesson.number), file=solution, timeout=limit, launcher=launcher)
    failures = [(r.id, r.status, r.message) for r in report.results if not r.passed]
    assert not failures
    assert report.score == report.max_score == lesson.max_points


def test_every_exercise_has_a_bug_in_the_zoo() -> None:
    covered = {_bug_declarations(path).get("BUG_FOR") for path in BUGS}
    assert set(ALL_IDS) <= covered, f"no bug for {sorted(set(ALL_IDS) - covered)}"


@pytest.mark.parametrize("path", BUGS, ids=lambda p: p.stem)
def test_each_bug_is_caught(path: Path, launcher) -> None:
    declared = _bug_declarations(path)
    assert declared.get("BUG_FOR") in ALL_IDS, f"{path.name}: BUG_FOR names no exercise"
    (result,) = grade(declared["BUG_FOR"], file=path, timeout=20, launcher=launcher).results
    assert result.status in ("failed", "error"), (result.status, result.message)
    assert result.score == 0
    assert declared.get("CAUGHT_BY", "") in result.message
    assert "Traceback" not in result.message


# ---------------------------------------------------------------- forbidden calls

FORBIDDEN_ZOO = sorted((HERE / "forbidden_zoo").glob("*.py"))


def _zoo_id(path: Path) -> str:
    lesson, k = path.stem.split("_")
    return f"{int(lesson)}.{int(k)}"


def test_every_exercise_with_forbidden_calls_has_a_zoo_entry() -> None:
    covered = {_zoo_id(path) for path in FORBIDDEN_ZOO}
    needed = {ex.id for lesson in lessons() for ex in lesson.exercises if ex.forbidden}
    assert needed <= covered, f"no forbidden-call entry for {sorted(needed - covered)}"


@pytest.mark.parametrize("path", FORBIDDEN_ZOO, ids=lambda p: p.stem)
def test_calling_the_library_instead_fails_with_the_rule(path: Path, launcher) -> None:
    """Each entry hands its exercise to the library; the guard names the exercise and call."""
    (result,) = grade(_zoo_id(path), file=path, timeout=30, launcher=launcher).results
    assert result.status == "failed" and result.score == 0, (result.status, result.message)
    assert f"exercise {_zoo_id(path)} asks you to " in result.message, result.message
    assert ": your code called tinygrad_rnn." in result.message, result.message
    assert "Traceback" not in result.message
