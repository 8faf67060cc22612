"""Grading a class: every hand-in in a folder, a report each, one summary.csv."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest

from tinygrad_rnn.grading.classroom import find_hand_ins, grade_class
from tinygrad_rnn.grading.cli import main
from tinygrad_rnn.grading.course import stub_source
from tinygrad_rnn.grading.registry import lessons

ROOT = Path(__file__).resolve().parents[1]
SOLUTION_1 = ROOT / "tests" / "solutions" / "01_neuron_exercises.py"
# the shipped stub, not lessons/ (which the learner may have solved)
STUB_1 = stub_source(lessons()[1], ROOT / "lessons")
WRONG_RELU = "\n\ndef relu_slope(z):\n    return 1.0  # wrong for z < 0\n"


@pytest.fixture
def hand_ins(tmp_path: Path) -> Path:
    """Four learners: a full solution, an untouched stub, one bug, and a lessons folder."""
    folder = tmp_path / "hand-ins"
    folder.mkdir()
    shutil.copy(SOLUTION_1, folder / "alice.py")
    (folder / "bob.py").write_text(STUB_1)
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
    # bob handed in an untouched stub: not everyone passed, so the exit code is 1
    assert main(["instructor", "grade-class", "1", str(hand_ins), "--out", str(out)]) == 1
    printed = capsys.readouterr().out
    assert "alice" in printed and "PASS" in printed and "TODO" in printed
    assert (out / "summary.csv").is_file() and (out / "dan.json").is_file()
    assert main(["instructor", "grade-class", "99", str(hand_ins)]) == 2
    assert main(["instructor", "grade-class", "1", str(tmp_path / "nobody")]) == 2


# --- flags, names, folders, exit codes, exports and hints --------------------------------

import math  # noqa: E402
import xml.etree.ElementTree as ET  # noqa: E402

from tinygrad_rnn.grading import classroom  # noqa: E402
from tinygrad_rnn.grading.classroom import csv_cell, report_names  # noqa: E402

FORMULA = '=HYPERLINK("example.invalid","click")'  # "/" cannot be in a file name
# A hand-in whose messages carry escape sequences, markup and XML's special characters.
HOSTILE = (
    "\n\ndef relu_slope(z):\n"
    "    print('\\x1b[2J\\x1b]0;owned\\x07<b>printed</b> & \"q\" ]]>')\n"
    "    raise ValueError('\\x1b[32mPASS\\x1b[0m <fake> & \"done\" ]]>')\n"
)
ESCAPES = ("\x1b", "\x07")


@pytest.mark.parametrize("flag", ["--timeout", "--jobs"])
@pytest.mark.parametrize("value", ["inf", "nan", "0", "-1", "abc"])
@pytest.mark.parametrize("command", [["grade", "1"], ["instructor", "grade-class", "1", "x"]])
def test_timeout_and_jobs_refuse_values_that_are_not_finite_and_positive(
    command: list[str], flag: str, value: str, capsys
) -> None:
    assert main([*command, flag, value]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err  # one line, no traceback
    assert flag in err and value in err


def test_format_refuses_unknown_names(capsys) -> None:
    assert main(["instructor", "grade-class", "1", "x", "--format", "gradescope,pdf"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--format" in err and "pdf" in err


def test_csv_cells_that_could_be_formulas_are_quoted() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert csv_cell(text) == "'" + text
    assert csv_cell("alice") == "alice" and csv_cell(7) == 7 and csv_cell("") == ""


def test_report_names_are_distinct_and_file_safe() -> None:
    names = report_names(["alice", "alice", "ALICE", "../x", FORMULA, "", "alice-2"])
    assert len({n.lower() for n in names}) == len(names)
    assert names[:3] == ["alice", "alice-2", "ALICE-3"]
    assert all(re.fullmatch(r"[\w-]+", n) for n in names)
    assert names[-1] == "alice-2-2"  # a name that looks numbered is not reused either


@pytest.fixture(scope="module")
def odd_class(tmp_path_factory) -> Path:
    """A formula for a name, two hand-ins named alice, a hostile one and a failing one."""
    folder = tmp_path_factory.mktemp("odd") / "hand-ins"
    folder.mkdir()
    shutil.copy(SOLUTION_1, folder / f"{FORMULA}.py")
    shutil.copy(SOLUTION_1, folder / "alice.py")
    (folder / "alice").mkdir()
    (folder / "alice" / "01_neuron_exercises.py").write_text(
        SOLUTION_1.read_text() + WRONG_RELU, encoding="utf-8"
    )
    (folder / "carol.py").write_text(SOLUTION_1.read_text() + WRONG_RELU, encoding="utf-8")
    (folder / "mallory.py").write_text(SOLUTION_1.read_text() + HOSTILE, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def graded(odd_class: Path) -> tuple[Path, dict]:
    """The odd class graded once, with every format and without hints."""
    out = odd_class.parent / "reports"
    rows = grade_class("1", odd_class, out, formats=["gradescope", "junit", "markdown"])
    return out, {row.report_name: row for row in rows}


def _summary(out: Path) -> list[dict]:
    with (out / "summary.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_a_formula_in_a_file_name_is_escaped_in_summary_csv(graded) -> None:
    out, rows = graded
    table = _summary(out)
    learners = [row["learner"] for row in table]
    assert "'" + FORMULA in learners and FORMULA not in learners
    for row in table:  # no cell of the file starts a formula
        assert not any(str(cell).startswith(("=", "+", "-", "@")) for cell in row.values())


def test_two_hand_ins_with_one_stem_get_two_reports(graded) -> None:
    out, rows = graded
    by_report = {row["report"]: row for row in _summary(out) if row["learner"] == "alice"}
    assert sorted(by_report) == ["alice", "alice-2"]
    first = json.loads((out / "alice.json").read_text())
    second = json.loads((out / "alice-2.json").read_text())
    # sorted by name, alice/ (the folder, with the wrong relu) comes before alice.py
    assert {first["all_passed"], second["all_passed"]} == {True, False}
    assert by_report["alice"]["score"] == str(first["score"])
    assert by_report["alice-2"]["score"] == str(second["score"])


def _all_text(out: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(out.rglob("*")) if p.is_file())


def test_hints_are_left_out_of_class_reports_unless_asked(graded, odd_class: Path) -> None:
    from tinygrad_rnn.grading.registry import get_exercise

    out, rows = graded
    failed = next(r for r in rows["carol"].report.results if r.status == "failed")
    hint = get_exercise(failed.id)[1].hints[0]
    assert failed.hint == "" and hint not in _all_text(out)
    out_hints = odd_class.parent / "reports-hints"
    grade_class("1", odd_class, out_hints, formats=["gradescope", "junit", "markdown"], hints=True)
    carol = json.loads((out_hints / "carol.json").read_text())
    assert any(e["hint"] == hint for e in carol["exercises"])
    assert hint in json.dumps(json.loads((out_hints / "carol" / "results.json").read_text()))
    assert hint in (out_hints / "carol.md").read_text()
    assert hint in (out_hints / "junit.xml").read_text()


# Gradescope's autograder specification: the fields of results.json and of each test.
GRADESCOPE_TOP = {
    "score": (int, float),
    "execution_time": (int, float),
    "output": str,
    "visibility": str,
    "stdout_visibility": str,
    "tests": list,
}
GRADESCOPE_TEST = {
    "name": str,
    "number": str,
    "score": (int, float),
    "max_score": (int, float),
    "status": str,
    "output": str,
    "visibility": str,
}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


def test_gradescope_results_follow_the_documented_format(graded) -> None:
    out, rows = graded
    for name in ("alice", "alice-2", "carol", "mallory"):
        data = json.loads((out / name / "results.json").read_text())
        assert set(data) <= set(GRADESCOPE_TOP) | {"extra_data", "leaderboard"}
        for key, kind in GRADESCOPE_TOP.items():
            assert isinstance(data[key], kind), (name, key)
        assert data["visibility"] in VISIBILITIES and data["stdout_visibility"] in VISIBILITIES
        assert math.isfinite(data["execution_time"]) and data["execution_time"] >= 0
        report = json.loads((out / f"{name}.json").read_text())
        assert data["score"] == report["score"]
        assert len(data["tests"]) == report["total"]
        for test, exercise in zip(data["tests"], report["exercises"], strict=True):
            assert set(test) == set(GRADESCOPE_TEST)
            for key, kind in GRADESCOPE_TEST.items():
                assert isinstance(test[key], kind), (name, key)
            assert test["status"] in ("passed", "failed")
            assert test["visibility"] in VISIBILITIES
            assert test["number"] == exercise["id"]
            assert test["score"] == exercise["score"] and test["max_score"] == exercise["points"]
            assert (test["status"] == "passed") == exercise["passed"]
        assert sum(t["score"] for t in data["tests"]) == data["score"]


def test_junit_xml_has_a_suite_per_learner_and_a_case_per_check(graded) -> None:
    from tinygrad_rnn.grading.registry import resolve

    out, rows = graded
    root = ET.parse(out / "junit.xml").getroot()
    assert root.tag == "testsuites"
    suites = {s.find("properties/property[@name='report']").get("value"): s for s in root}
    assert set(suites) == set(rows)
    names = [s.get("name") for s in suites.values()]
    assert len(set(names)) == len(names)  # two alices, told apart
    assert FORMULA in names and "alice" in names and "alice (alice-2)" in names
    checks = sum(len(ex.checks) for _, exercises in resolve("1") for ex in exercises)
    for name, suite in suites.items():
        cases = suite.findall("testcase")
        assert len(cases) == checks == int(suite.get("tests"))
        failures = [c for c in cases if c.find("failure") is not None]
        assert int(suite.get("failures")) == len(failures)
        assert (not failures) == rows[name].report.all_passed
        for case in failures:
            assert case.find("failure").get("message")
    assert int(root.get("tests")) == checks * len(suites)


def test_learner_text_in_exports_is_clean_and_escaped(graded) -> None:
    out, rows = graded
    raw_xml = (out / "junit.xml").read_text(encoding="utf-8")
    for path in (out / "mallory" / "results.json", out / "mallory.md", out / "junit.xml"):
        text = path.read_text(encoding="utf-8")
        assert not any(e in text for e in ESCAPES), path
    assert "<fake>" not in raw_xml and "&lt;fake&gt;" in raw_xml  # escaped, not markup
    suite = next(s for s in ET.parse(out / "junit.xml").getroot() if s.get("name") == "mallory")
    texts = " ".join(e.text or "" for e in suite.iter()) + " ".join(
        e.get("message", "") for e in suite.iter()
    )
    assert '<fake> & "done" ]]>' in texts  # the learner's words arrive, cleaned and intact
    assert "<b>printed</b>" in texts
    markdown = (out / "mallory.md").read_text()
    assert "PASS <fake>" in markdown  # inside a code fence, where Markdown shows it as text
    gradescope = json.loads((out / "mallory" / "results.json").read_text())
    assert any("<fake>" in t["output"] for t in gradescope["tests"])


def test_markdown_feedback_reads_as_a_page(graded) -> None:
    out, rows = graded
    page = (out / "carol.md").read_text()
    assert page.startswith("# Feedback for carol")
    assert f"**{rows['carol'].score}/{rows['carol'].max_score} points**" in page
    failed = next(r for r in rows["carol"].report.results if r.status == "failed")
    assert f"## {failed.id} " in page and "**failed**" in page
    assert (
        "Every exercise passed." in (out / "alice-2.md").read_text()
        or "Every exercise" in (out / "alice.md").read_text()
    )


def test_exit_codes_and_progress_lines(hand_ins: Path, tmp_path: Path, capsys) -> None:
    for name in ("bob", "carol"):
        (hand_ins / f"{name}.py").unlink()
    out = tmp_path / "out"
    assert main(["instructor", "grade-class", "1", str(hand_ins), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    # stderr is not a terminal here: one plain line per hand-in, no bar
    assert err.splitlines()[0].startswith("[1/2] alice: ") and "[2/2] dan: " in err
    assert "\x1b" not in err


def test_a_folder_that_cannot_be_written_is_one_line_naming_it(
    hand_ins: Path, tmp_path: Path, capsys
) -> None:
    # Tests run as root here, where chmod does not stop writing: a file stands where the
    # reports folder should be instead, and then a path under that file.
    blocker = tmp_path / "taken"
    blocker.write_text("a file, not a folder")
    for out in (blocker, blocker / "reports"):
        assert main(["instructor", "grade-class", "1", str(hand_ins), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and str(out.absolute()) in err and "--out" in err
        assert "Traceback" not in err
    assert blocker.read_text() == "a file, not a folder"  # nothing overwritten
    # the same for `grade --json` (its report)
    report = blocker / "grade-report.json"
    assert main(["grade", "1", "--file", str(SOLUTION_1), "--json", str(report)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(blocker) in err and "--json" in err


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_a_working_folder_that_cannot_be_written_names_it(hand_ins: Path, monkeypatch, capsys):
    # /proc refuses new folders even to root: the default ./reports cannot be made there
    monkeypatch.chdir("/proc")
    assert main(["instructor", "grade-class", "1", str(hand_ins)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "/proc/reports" in err and "--out" in err
    assert main(["grade", "1", "--file", str(SOLUTION_1)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "/proc" in err and "--json" in err


def test_a_grader_failure_is_exit_code_3_with_the_traceback_saved(
    hand_ins: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the grader")

    out = tmp_path / "out"
    monkeypatch.setattr(classroom, "grade", broken)
    assert main(["instructor", "grade-class", "1", str(hand_ins), "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err and "the grader itself failed" in err
    saved = sorted(out.glob("*.grader-error.txt"))
    assert len(saved) == 4 and "a bug in the grader" in saved[0].read_text()
    assert all(row["problem"] for row in _summary(out))  # every learner says why
    monkeypatch.setattr(classroom, "find_hand_ins", broken)  # before any hand-in
    assert main(["instructor", "grade-class", "1", str(hand_ins), "--out", str(out)]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "RuntimeError" in err and str(out / "grader-error.txt") in err
    assert "Traceback (most recent call last)" in (out / "grader-error.txt").read_text()
    import tinygrad_rnn.grading.runner as runner

    monkeypatch.setattr(runner, "grade", broken)
    json_path = tmp_path / "r.json"
    assert main(["grade", "1", "--file", str(SOLUTION_1), "--json", str(json_path)]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "saved to" in err
    saved = Path(err.strip().rsplit("saved to ", 1)[1])
    assert "a bug in the grader" in saved.read_text()
    saved.unlink()


def test_feedback_says_a_shared_error_once_and_marks_printed_lines() -> None:
    from tinygrad_rnn.grading.classroom import ClassRow
    from tinygrad_rnn.grading.exports import gradescope_results, markdown_feedback
    from tinygrad_rnn.grading.runner import ExerciseResult, GradeReport

    def result(i: str, message: str, output: str = "") -> ExerciseResult:
        return ExerciseResult(
            i, 1, f"title {i}", 2, 0, "error", message, "", "x.py", 0.1, output=output
        )

    broken = "x.py line 3: expected ':'"
    report = GradeReport("1", [result("1.1", broken), result("1.2", broken, "score 10/10")])
    row = ClassRow("x", Path("x.py"), report)
    page = markdown_feedback(row)
    assert page.count(broken) == 1 and "## 1.1, 1.2: error" in page
    tests = gradescope_results(row)["tests"]
    assert tests[1]["output"].endswith("your code printed:\n> score 10/10")
