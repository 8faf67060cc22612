"""Hints teach without handing over the answer, and the grader gives nothing away on stubs.

- ``tinygrad-rnn grade all`` on an untouched learner copy: every exercise is "not
  implemented", with no hint and no line of a reference solution in the scorecard or report;
- ``tinygrad-rnn hint N.k`` moves one level at a time, remembers it in the progress file, and
  asks before the last level (the worked answer) unless ``--solution`` is given;
- level 1 of every exercise is an idea, not code from its reference solution.
"""

from __future__ import annotations

import builtins
import json
from pathlib import Path

import pytest

from tinygrad_rnn.grading import lessons
from tinygrad_rnn.grading.cli import main
from tinygrad_rnn.grading.course import hints_seen, stub_source, write_learner_copy

ROOT = Path(__file__).resolve().parents[1]
LESSONS_DIR = ROOT / "lessons"
SOLUTIONS = ROOT / "tests" / "solutions"
EXERCISES = [(lesson, ex) for lesson in lessons() for ex in lesson.exercises]


def _long_lines(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if len(line.strip()) >= 25}


def _solution_lines(lesson) -> set[str]:
    """Lines of the lesson's reference solution that are not in its stub file: the answer."""
    solution = (SOLUTIONS / lesson.exercise_file).read_text(encoding="utf-8")
    return _long_lines(solution) - _long_lines(stub_source(lesson, LESSONS_DIR))


@pytest.fixture
def learner_lessons(tmp_path: Path) -> Path:
    write_learner_copy(LESSONS_DIR, tmp_path / "class")
    return tmp_path / "class" / "lessons"


def test_grade_all_on_untouched_stubs_gives_nothing_away(learner_lessons, tmp_path, capsys):
    report_path = tmp_path / "report.json"
    code = main(["grade", "all", "--lessons-dir", str(learner_lessons), "--json", str(report_path)])
    out = capsys.readouterr().out
    assert code == 1
    data = json.loads(report_path.read_text())
    assert [e["id"] for e in data["exercises"]] == [ex.id for _, ex in EXERCISES]
    for entry in data["exercises"]:
        assert entry["status"] == "not_implemented", (entry["id"], entry["status"])
        assert not entry["hint"], (entry["id"], entry["hint"])
    assert "hint:" not in out
    assert out.count("TODO") == out.count("not implemented") == len(EXERCISES)
    # the scorecard wraps its cells: compare with the table's borders and line breaks folded
    shown = _fold(out.replace("│", " "))
    report = _fold(report_path.read_text())
    for _, ex in EXERCISES:
        for hint in ex.hints:
            for line in _long_lines(hint):
                assert _fold(line) not in shown and _fold(line) not in report, (ex.id, line)
    for lesson in lessons():
        solution = (SOLUTIONS / lesson.exercise_file).read_text(encoding="utf-8")
        for line in _long_lines(solution):
            assert _fold(line) not in shown and _fold(line) not in report, (
                lesson.exercise_file,
                line,
            )


def _hint(folder: Path, capsys, *extra: str) -> str:
    """The hint command's output, whitespace folded (the console wraps long lines)."""
    assert main(["hint", "1.1", "--lessons-dir", str(folder), *extra]) == 0
    return _fold(capsys.readouterr().out)


def _fold(text: str) -> str:
    return " ".join(text.split())


def _answer(monkeypatch, reply: str | None) -> list[str]:
    """Make input() answer ``reply`` (None: end of input); returns the prompts asked."""
    asked: list[str] = []

    def fake_input(prompt: str = "") -> str:
        asked.append(prompt)
        if reply is None:
            raise EOFError
        return reply

    monkeypatch.setattr(builtins, "input", fake_input)
    return asked


def test_hint_levels_in_order_and_the_answer_only_when_asked(learner_lessons, capsys, monkeypatch):
    ex = next(ex for _, ex in EXERCISES if ex.id == "1.1")
    assert len(ex.hints) == 3, "exercise 1.1 is expected to have three hint levels"
    first, second, last = (_fold(hint) for hint in ex.hints)
    asked = _answer(monkeypatch, None)

    out = _hint(learner_lessons, capsys)
    assert "hint 1 of 3" in out and first in out and second not in out
    assert hints_seen(learner_lessons, "1.1") == 1
    out = _hint(learner_lessons, capsys)
    assert "hint 2 of 3" in out and second in out and last not in out
    assert hints_seen(learner_lessons, "1.1") == 2
    assert asked == []

    for reply in (None, "n"):  # end of input counts as no
        asked = _answer(monkeypatch, reply)
        out = _hint(learner_lessons, capsys)
        assert asked == ["show the solution? [y/N] "]
        assert "hint 3 of 3" not in out and last not in out and "not shown" in out
        assert hints_seen(learner_lessons, "1.1") == 2

    asked = _answer(monkeypatch, "y")
    out = _hint(learner_lessons, capsys)
    assert asked and "hint 3 of 3" in out and last in out
    assert hints_seen(learner_lessons, "1.1") == 3


def test_hint_solution_flag_shows_the_answer_without_asking(learner_lessons, capsys, monkeypatch):
    ex = next(ex for _, ex in EXERCISES if ex.id == "1.1")
    asked = _answer(monkeypatch, "n")
    _hint(learner_lessons, capsys)
    _hint(learner_lessons, capsys)
    out = _hint(learner_lessons, capsys, "--solution")
    assert asked == [] and "hint 3 of 3" in out and _fold(ex.hints[-1]) in out


@pytest.mark.parametrize(("lesson", "ex"), EXERCISES, ids=[ex.id for _, ex in EXERCISES])
def test_level_one_is_an_idea_not_the_answer(lesson, ex) -> None:
    first = ex.hints[0]
    answer = _solution_lines(lesson)
    assert answer, f"tests/solutions/{lesson.exercise_file} does not differ from the stubs"
    for line in answer:
        assert line not in first, (ex.id, line)
    for line in first.splitlines():
        stripped = line.strip()
        assert not stripped.startswith(("return ", "def ")), (ex.id, stripped)
