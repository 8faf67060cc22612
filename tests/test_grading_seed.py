"""``--seed N``: the instructor's seed changes every random case, and the grader stays honest.

With a seed, every reference solution still scores full points and every bug in the zoo is
still caught; the cases differ from the shipped ones wherever they are drawn at random, so a
hand-in cannot recompute them from the shipped case builders; the seed stays in the grader's
process. Seed 1 runs every solution and one bug per exercise of lessons 7 on; seeds 2 and 3
run lesson 8, whose cases must vanish and explode (seeds 1, 2 and 3 were each swept over
every solution and all 207 zoo entries when the seed was added;
TINYGRAD_RNN_SEED_SWEEP=all runs that sweep again).
"""

from __future__ import annotations

import inspect
import json
import os
from pathlib import Path

import numpy as np
import pytest
from test_grading_lessons import BUGS, SOLUTIONS, _bug_declarations

from tinygrad_rnn.grading import grade, lessons
from tinygrad_rnn.grading.cli import main
from tinygrad_rnn.grading.processes import Launcher
from tinygrad_rnn.grading.seeding import case_rng, current_seed, instructor_seed, set_seed
from tinygrad_rnn.grading.wire import encode

EXERCISES = [ex for lesson in lessons() for ex in lesson.exercises]


@pytest.fixture(scope="module")
def launcher():
    with Launcher() as launcher:
        yield launcher


def _inputs(ex) -> str:
    return "".join(encode([c.inputs for c in check.cases()]) for check in ex.checks)


def _draws_at_random(ex) -> bool:
    return any("case_rng(" in inspect.getsource(inspect.unwrap(c.cases)) for c in ex.checks)


RANDOM = [ex for ex in EXERCISES if _draws_at_random(ex)]


def test_without_a_seed_case_rng_is_the_shipped_generator() -> None:
    assert current_seed() is None
    assert np.array_equal(case_rng(701).random(5), np.random.default_rng(701).random(5))
    with instructor_seed(1):
        seeded = case_rng(701).random(5)
    assert not np.array_equal(seeded, np.random.default_rng(701).random(5))
    assert current_seed() is None


@pytest.mark.parametrize("bad", ["3", 2.0, True, -1, 1.5])
def test_a_seed_must_be_a_whole_number(bad) -> None:
    with pytest.raises((TypeError, ValueError), match="seed"):
        set_seed(bad)
    assert current_seed() is None


def test_some_exercises_draw_at_random() -> None:
    assert len(RANDOM) >= 30, [ex.id for ex in RANDOM]


@pytest.mark.parametrize("ex", RANDOM, ids=lambda ex: ex.id)
def test_seed_1_changes_the_cases_and_the_shipped_builders_do_not_find_them(ex) -> None:
    shipped = _inputs(ex)
    with instructor_seed(1):
        seeded = _inputs(ex)
        again = _inputs(ex)
    assert seeded != shipped, f"exercise {ex.id}: seed 1 gave the shipped cases"
    assert again == seeded
    # Cached per seed: after the seed, the shipped cases come back, not seed 1's.
    assert _inputs(ex) == shipped
    with instructor_seed(2):
        assert _inputs(ex) not in (shipped, seeded)


def test_the_seed_is_not_in_what_the_learner_process_gets(monkeypatch, tmp_path) -> None:
    from tinygrad_rnn.grading import runner

    jobs = []

    def spy(job, limit, hand_in):
        jobs.append(job)
        raise RuntimeError("stop here")

    monkeypatch.setattr(runner, "_run_child", spy)
    lesson = next(lesson for lesson in lessons() if lesson.number == 7)
    ex = lesson.exercises[0]
    seed = 987654321
    with instructor_seed(seed), pytest.raises(RuntimeError, match="stop here"):
        runner.grade_exercise(lesson, ex, SOLUTIONS / lesson.exercise_file, hand_in=object())
    assert jobs and str(seed) not in json.dumps(jobs[0], default=repr)
    assert "seed" not in jobs[0]


SWEEP = [(1, lesson) for lesson in lessons()] + [
    (seed, lesson) for seed in (2, 3) for lesson in lessons() if lesson.number == 8
]


@pytest.mark.parametrize(
    ("seed", "lesson"), SWEEP, ids=lambda v: f"lesson{v.number}" if hasattr(v, "number") else v
)
def test_reference_solutions_score_full_points_with_a_seed(seed, lesson, launcher) -> None:
    limit = max(20.0, *(ex.timeout for ex in lesson.exercises))
    with instructor_seed(seed):
        report = grade(
            str(lesson.number),
            file=SOLUTIONS / lesson.exercise_file,
            timeout=limit,
            launcher=launcher,
        )
    assert report.seeded
    failures = [(r.id, r.status, r.message) for r in report.results if not r.passed]
    assert not failures
    assert report.score == report.max_score == lesson.max_points


def _one_bug_per_exercise() -> list[Path]:
    seen, picked = set(), []
    for path in BUGS:
        ex_id = _bug_declarations(path)["BUG_FOR"]
        if ex_id not in seen:
            seen.add(ex_id)
            picked.append(path)
    return picked


# One bug per exercise of the sequence lessons (7 on), whose cases depend most on the draw
# (spectral radii, long products of Jacobians, sampling counts), with seed 1, and lesson 8's
# with seeds 2 and 3 too. The whole bug zoo under seeds 1, 2 and 3 takes several minutes:
# run it by hand after changing a case builder (TINYGRAD_RNN_SEED_SWEEP=all).
_ALL = os.environ.get("TINYGRAD_RNN_SEED_SWEEP") == "all"
_PICKED = BUGS if _ALL else _one_bug_per_exercise()
ZOO = [(1, path) for path in _PICKED if _ALL or path.name[:2] >= "07"] + [
    (seed, path)
    for seed in (2, 3)
    for path in (BUGS if _ALL else _PICKED)
    if _ALL or path.name.startswith("08_")
]


@pytest.mark.parametrize(("seed", "path"), ZOO, ids=lambda v: getattr(v, "stem", v))
def test_bugs_are_still_caught_with_a_seed(seed, path, launcher) -> None:
    declared = _bug_declarations(path)
    with instructor_seed(seed):
        (result,) = grade(declared["BUG_FOR"], file=path, timeout=20, launcher=launcher).results
    assert result.status in ("failed", "error"), (result.status, result.message)
    assert result.score == 0
    assert declared.get("CAUGHT_BY", "") in result.message


def test_grade_seed_flag_records_a_seeded_report(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    solution = SOLUTIONS / "07_rnn_exercises.py"
    assert main(["grade", "7.1", "--file", str(solution), "--json", str(out), "--seed", "5"]) == 0
    data = json.loads(out.read_text())
    assert data["seeded"] is True and data["score"] == data["max_score"]
    assert "5" not in json.dumps({k: v for k, v in data.items() if k == "seeded"})
    assert current_seed() is None
    assert main(["grade", "7.1", "--file", str(solution), "--json", str(out)]) == 0
    assert json.loads(out.read_text())["seeded"] is False


@pytest.mark.parametrize("bad", ["x", "1.5", "-3"])
def test_seed_flag_refuses_what_is_not_a_whole_number(bad, capsys) -> None:
    for argv in (
        ["grade", "7.1", "--seed", bad],
        ["instructor", "grade-class", "7", ".", "--seed", bad],
    ):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "--seed" in err and "Traceback" not in err
