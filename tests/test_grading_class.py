"""Grading a class: every hand-in in a folder, a report each, one summary.csv."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from tinygrad_rnn.grading.classroom import find_hand_ins, grade_class
from tinygrad_rnn.grading.cli import main

ROOT = Path(__file__).resolve().parents[1]
SOLUTION_1 = ROOT / "tests" / "solutions" / "01_neuron_exercises.py"
STUB_1 = ROOT / "lessons" / "01_neuron_exercises.py"
WRONG_RELU = "\n\ndef relu_slope(z):\n    return 1.0  # wrong for z < 0\n"


@pytest.fixture
def hand_ins(tmp_path: Path) -> Path:
    """Four learners: a full solution, an untouched stub, one bug, and a lessons folder."""
    folder = tmp_path / "hand-ins"
    folder.mkdir()
    shutil.copy(SOLUTION_1, folder / "alice.py")
    shutil.copy(STUB_1, folder / "bob.py")
    (folder / "carol.py").write_text(SOLUTION_1.read_text() + WRONG_RELU, encoding="utf-8")
    lessons = folder / "dan" / "lessons"
    lessons.mkdir(parents=True)
    shutil.copy(SOLUTION_1, lessons / "01_neuron_exercises.py")
    (folder / "notes.txt").write_text("not a hand-in")
    (folder / "__pycache__").mkdir()
    return folder


def test_finds_files_and_folders_by_name(hand_ins: Path) -> None:
    assert [name for name, _ in find_hand_ins(hand_ins)] == ["alice", "bob", "carol", "dan"]
    with pytest.raises(FileNotFoundError, match="no folder of hand-ins"):
        find_hand_ins(hand_ins / "missing")


def test_grades_everyone_and_writes_reports_and_summary(hand_ins: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    rows = {row.name: row for row in grade_class("1", hand_ins, out)}
    full = rows["alice"].max_score
    assert full > 0 and rows["alice"].score == full and rows["dan"].score == full
    assert rows["bob"].score == 0
    assert all(r.status == "not_implemented" for r in rows["bob"].report.results)
    assert 0 < rows["carol"].score < full
    carol = {r.id: r.status for r in rows["carol"].report.results}
    assert "failed" in carol.values()
    # the per-learner reports are the ones `grade --json` writes
    report = json.loads((out / "carol.json").read_text())
    assert report["score"] == rows["carol"].score and report["target"] == "1"
    with (out / "summary.csv").open(newline="") as fh:
        table = list(csv.DictReader(fh))
    assert [row["learner"] for row in table] == ["alice", "bob", "carol", "dan"]
    by_name = {row["learner"]: row for row in table}
    assert by_name["alice"]["score"] == str(full) and by_name["bob"]["score"] == "0"
    failed = next(i for i, status in carol.items() if status == "failed")
    assert by_name["carol"][failed] == "0" and by_name["alice"][failed] != "0"


def test_a_file_hand_in_needs_one_lesson(hand_ins: Path, tmp_path: Path) -> None:
    # "all" cannot be graded from one exercises file: that learner gets a reason, not a crash
    for name in ("bob", "carol"):
        (hand_ins / f"{name}.py").unlink()
    shutil.rmtree(hand_ins / "dan")
    rows = grade_class("all", hand_ins, tmp_path / "reports", timeout=60)
    assert [row.name for row in rows] == ["alice"]
    assert rows[0].report is None and "one lesson" in rows[0].problem
    summary = (tmp_path / "reports" / "summary.csv").read_text()
    assert "alice" in summary and "one lesson" in summary


def test_command_line(hand_ins: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    assert main(["instructor", "grade-class", "1", str(hand_ins), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "alice" in printed and "PASS" in printed and "TODO" in printed
    assert (out / "summary.csv").is_file() and (out / "dan.json").is_file()
    assert main(["instructor", "grade-class", "99", str(hand_ins)]) == 2
    assert main(["instructor", "grade-class", "1", str(tmp_path / "nobody")]) == 2
