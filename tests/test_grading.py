"""The grader's machinery: robustness against learner code, the report, the commands."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_rnn.grading import Case, Check, Exercise, get_exercise, grade, lessons, resolve
from tinygrad_rnn.grading.cli import main
from tinygrad_rnn.grading.course import (
    PROGRESS_FILE,
    course_rows,
    reset_to_stubs,
    stub_source,
    write_learner_copy,
    write_stub_copy,
)
from tinygrad_rnn.grading.processes import Launcher
from tinygrad_rnn.grading.registry import LESSON_TITLES
from tinygrad_rnn.grading.wire import decode, encode

ROOT = Path(__file__).resolve().parent.parent
LESSONS_DIR = ROOT / "lessons"
SOLUTION_1 = ROOT / "tests" / "solutions" / "01_neuron_exercises.py"
SOLUTION_2 = ROOT / "tests" / "solutions" / "02_autograd_exercises.py"


def _learner_file(tmp_path: Path, extra: str, base: Path = SOLUTION_1) -> Path:
    """The reference solution with ``extra`` appended (later definitions replace earlier)."""
    path = tmp_path / base.name
    path.write_text(base.read_text(encoding="utf-8") + "\n\n" + extra, encoding="utf-8")
    return path


def _by_id(report):
    return {r.id: r for r in report.results}


# ---------------------------------------------------------------- the registry


def test_registry_is_consistent() -> None:
    seen = set()
    for lesson in lessons():
        assert lesson.number in LESSON_TITLES
        # up to 7: lesson 8 adds a clipped training step and two graded experiments
        assert 2 <= len(lesson.exercises) <= 7, f"lesson {lesson.number}: 2-7 exercises"
        for k, ex in enumerate(lesson.exercises, start=1):
            assert ex.id == f"{lesson.number}.{k}", "ids run N.1, N.2, ... in order"
            assert ex.id not in seen
            seen.add(ex.id)
            assert ex.points > 0 and ex.hint and ex.checks and ex.timeout > 0
            for check in ex.checks:
                # a probe is the lesson's own probe_* function or the shared one that
                # calls.call declares (its case names the learner's function)
                module, _, name = check.probe_ref.partition(":")
                shared = check.probe_ref == "tinygrad_rnn.grading.calls:probe"
                assert shared or (module == lesson.module and name.startswith("probe")), (
                    check.probe_ref
                )


def test_resolve_targets_and_errors() -> None:
    assert [ex.id for _, exs in resolve("1") for ex in exs] == ["1.1", "1.2", "1.3", "1.4"]
    assert [ex.id for _, exs in resolve("2.3") for ex in exs] == ["2.3"]
    assert len(resolve("all")) == len(lessons())
    for bad in ("9.9", "1.9", "99", "neuron"):
        with pytest.raises(LookupError):
            resolve(bad)


def test_a_probe_must_be_importable_by_name() -> None:
    with pytest.raises(ValueError, match="module-level"):
        Check("x", lambda: (), lambda learner, inputs: None, lambda case, got: None)


def test_wire_round_trips_plain_data_and_arrays() -> None:
    np = pytest.importorskip("numpy")
    data = {"a": (1, 2.5, float("nan")), "b": np.arange(6.0).reshape(2, 3), "c": np.float64(2)}
    back = decode(encode(data))
    assert back["a"][:2] == [1, 2.5] and back["a"][2] != back["a"][2]
    assert back["b"].shape == (2, 3) and back["b"][1, 2] == 5.0 and back["c"] == 2.0
    with pytest.raises(TypeError, match="cannot send"):
        encode({"x": object()})


# ---------------------------------------------------------------- robustness


def test_syntax_error_scores_zero_everywhere_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "01_neuron_exercises.py"
    path.write_text("def neuron_forward(w, x, b, activation='tanh'):\n    return (\n")
    report = grade("1", file=path, timeout=10)
    for r in report.results:
        assert r.status == "error" and r.score == 0
        assert "01_neuron_exercises.py line" in r.message and "Traceback" not in r.message


def test_infinite_loop_times_out_and_the_rest_is_graded(tmp_path: Path, launcher: Launcher) -> None:
    path = _learner_file(tmp_path, "def relu_slope(z):\n    while True:\n        pass\n")
    results = _by_id(grade("1", file=path, timeout=2.5, launcher=launcher))
    assert results["1.2"].status == "timeout" and results["1.2"].score == 0
    assert "took longer than 2.5 s" in results["1.2"].message
    for other in ("1.1", "1.3", "1.4"):
        assert results[other].passed, results[other].message


def test_printing_does_not_corrupt_the_result(tmp_path: Path, launcher: Launcher) -> None:
    extra = (
        "_original = neuron_forward\n"
        "def neuron_forward(w, x, b, activation='tanh'):\n"
        '    print(\'{"status": "ran", "checks": []}\')\n'
        "    print('x' * 100_000)\n"
        "    import sys; print('to stderr', file=sys.stderr)\n"
        "    return _original(w, x, b, activation)\n"
    )
    (result,) = grade(
        "1.1", file=_learner_file(tmp_path, extra), timeout=20, launcher=launcher
    ).results
    assert result.passed, result.message
    assert result.output.startswith('{"status": "ran"')
    assert "more bytes of output not kept" in result.output
    assert len(result.output) < 3000


def test_wrong_return_types_are_named(tmp_path: Path) -> None:
    extra = (
        "def neuron_forward(w, x, b, activation='tanh'):\n"
        "    return 0.5\n"
        "def tanh_slope(z):\n"
        "    return 'steep'\n"
        "def layer_forward(W, x, b, activation='tanh'):\n"
        "    return None\n"
        "def gate_weights(gate):\n"
        "    return [1.0, 2.0, 3.0]\n"
    )
    results = _by_id(grade("1", file=_learner_file(tmp_path, extra), timeout=10))
    assert "should return a Value, got the plain number 0.5" in results["1.1"].message
    assert "should return a number (a float), got str 'steep'" in results["1.2"].message
    assert "should return a list of Values, got NoneType" in results["1.3"].message
    assert "should return a pair (w, b)" in results["1.4"].message
    assert all(r.status == "failed" and r.score == 0 for r in results.values())


def test_exceptions_point_at_the_learners_line(tmp_path: Path) -> None:
    extra = "def relu_slope(z):\n    return 1.0 / 0.0\n"
    (result,) = grade("1.2", file=_learner_file(tmp_path, extra), timeout=10).results
    assert result.status == "failed"
    assert "ZeroDivisionError: float division by zero (line" in result.message
    assert "`return 1.0 / 0.0`" in result.message and "Traceback" not in result.message


def test_import_problems_missing_functions_and_exit(tmp_path: Path, launcher: Launcher) -> None:
    cases = {
        "raise RuntimeError('half-finished edit')\n": "importing the file failed: RuntimeError",
        "del layer_forward\n": "no function layer_forward",
        "import sys\nsys.exit(0)\n": "importing the file failed: SystemExit",
        "import os\nos._exit(3)\n": "exit code 3",
        "input('your name? ')\n": "EOFError",
    }
    for k, (extra, expected) in enumerate(cases.items()):
        folder = tmp_path / str(k)
        folder.mkdir()
        (result,) = grade(
            "1.3", file=_learner_file(folder, extra), timeout=10, launcher=launcher
        ).results
        assert result.status == "error" and result.score == 0, (extra, result.message)
        assert expected in result.message, (extra, result.message)


CHEAT = """
import tinygrad_rnn.grading.checks as checks
import tinygrad_rnn.grading.lesson01 as lesson01
import tinygrad_rnn.grading.runner as runner
import tinygrad_rnn.scalar as scalar
from tinygrad_rnn import Value

# Make the reference agree with a wrong answer, and every judge say yes.
scalar.Neuron.__call__ = lambda self, x: Value(0.0)
scalar.Value.tanh = lambda self: Value(0.0)
checks.close = lambda *args, **kwargs: True
lesson01.judge_neuron_value = lambda case, got: None
lesson01.judge_neuron_grads = lambda case, got: None
runner._judge_check = lambda *args: None


def neuron_forward(w, x, b, activation="tanh"):
    return Value(0.0)
"""


def test_patching_the_reference_or_the_grader_changes_nothing(
    tmp_path: Path, launcher: Launcher
) -> None:
    (result,) = grade(
        "1.1", file=_learner_file(tmp_path, CHEAT), timeout=10, launcher=launcher
    ).results
    assert result.status == "failed" and result.score == 0
    assert "expected" in result.message and "got 0" in result.message


def test_patching_the_engine_only_changes_the_learners_own_answers(tmp_path: Path) -> None:
    # A correct 1.2 (plain floats) does not care; 1.1 is built on the patched + and fails.
    extra = "import tinygrad_rnn.scalar as s\ns.Value.__add__ = lambda self, other: self\n"
    results = _by_id(grade("1", file=_learner_file(tmp_path, extra), timeout=10))
    assert results["1.2"].passed and results["1.4"].passed
    assert results["1.1"].status == "failed" and results["1.3"].status == "failed"


def test_a_forged_result_file_does_not_pass(tmp_path: Path, launcher: Launcher) -> None:
    forge = (
        "import json, os, sys\n"
        "with open(sys.argv[2], 'w') as fh:\n"
        "    json.dump({KIND}, fh)\n"
        "os._exit(0)\n"
    )
    forged = {
        "a claimed pass": '{"status": "passed", "score": 2}',
        "too few cases": '{"status": "ran", "checks": [[{"ok": {"value": 0.0, "grads": []}}], []]}',
        "not json": "'nonsense'",
    }
    for k, kind in enumerate(forged.values()):
        folder = tmp_path / str(k)
        folder.mkdir()
        path = _learner_file(folder, forge.replace("{KIND}", kind))
        (result,) = grade("1.1", file=path, timeout=10, launcher=launcher).results
        assert not result.passed and result.score == 0, (kind, result.message)


def test_threads_and_exit_hooks_left_behind_do_not_matter(
    tmp_path: Path, launcher: Launcher
) -> None:
    extra = (
        "import atexit, os, sys, threading, time\n"
        "threading.Thread(target=time.sleep, args=(60,)).start()\n"
        "atexit.register(lambda: open(sys.argv[2], 'w').write('{}'))\n"
    )
    (result,) = grade(
        "1.4", file=_learner_file(tmp_path, extra), timeout=10, launcher=launcher
    ).results
    assert result.passed, result.message
    assert result.seconds < 9


def test_a_crash_of_the_learners_process_is_reported(tmp_path: Path, launcher: Launcher) -> None:
    extra = (
        "import os, signal\n"
        "def topological_order(root):\n"
        "    os.kill(os.getpid(), signal.SIGSEGV)\n"
    )
    (result,) = grade(
        "2.3", file=_learner_file(tmp_path, extra, SOLUTION_2), timeout=10, launcher=launcher
    ).results
    assert result.status == "error" and result.score == 0
    assert "crashed (signal SIGSEGV)" in result.message


def test_an_exercise_needing_an_unfinished_one_says_so(tmp_path: Path) -> None:
    extra = (
        "def topological_order(root):\n"
        '    raise NotImplementedError("Exercise 2.3: return all nodes")\n'
    )
    (result,) = grade("2.4", file=_learner_file(tmp_path, extra, SOLUTION_2), timeout=10).results
    assert result.status == "not_implemented"
    assert result.message == "needs exercise 2.3 first, which is not implemented yet"


def test_a_broken_check_is_reported_not_raised(tmp_path: Path) -> None:
    from tinygrad_rnn.grading.runner import grade_exercise

    def no_cases():
        raise ValueError("boom")

    lesson, real = get_exercise("1.2")
    checks = (Check("broken", no_cases, real.checks[0].probe, real.checks[0].judge),)
    broken = Exercise("1.2", "t", 1, real.functions, real.todo, "h", checks)
    result = grade_exercise(lesson, broken, SOLUTION_1)
    assert result.status == "error" and "could not build its test cases" in result.message


def test_cases_are_seeded() -> None:
    _, ex = get_exercise("1.1")
    first = [c.inputs for c in ex.checks[0].cases()]
    ex.checks[0].cases.cache_clear()
    assert [c.inputs for c in ex.checks[0].cases()] == first
    assert isinstance(first[0], dict) and isinstance(ex.checks[0].cases()[0], Case)


# ---------------------------------------------------------------- commands and the report


def test_grade_command_scorecard_report_and_exit_codes(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "lessons"
    write_stub_copy(folder, LESSONS_DIR)  # the shipped stubs, not the learner's work
    report_path = tmp_path / "out" / "report.json"
    code = main(["grade", "1", "--lessons-dir", str(folder), "--json", str(report_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert "Traceback" not in out and "TODO" in out and "report written to" in out
    data = json.loads(report_path.read_text())
    assert data["tool"] == "tinygrad-rnn grade" and data["target"] == "1"
    assert data["score"] == 0 and data["all_passed"] is False and data["passed"] == 0
    assert data["total"] == len(data["exercises"]) == 4
    assert data["max_score"] == sum(e["points"] for e in data["exercises"])
    entry = data["exercises"][0]
    assert {"id", "lesson", "title", "points", "score", "status", "passed", "message", "hint"} <= (
        set(entry)
    )
    assert entry["status"] == "not_implemented" and entry["checks"] == []
    assert (folder / PROGRESS_FILE).is_file()  # what `tinygrad-rnn lessons` reads

    code = main(
        ["grade", "2", "--file", str(SOLUTION_2), "--json", str(report_path), "--jobs", "2"]
    )
    out = capsys.readouterr().out
    assert code == 0 and "PASS" in out and "all passed" in out
    data = json.loads(report_path.read_text())
    assert data["all_passed"] is True and data["score"] == data["max_score"] == 10
    assert data["file"] == str(SOLUTION_2)
    assert all(c["passed"] for e in data["exercises"] for c in e["checks"])


def test_failures_show_reason_and_hint(tmp_path: Path, capsys) -> None:
    bug = ROOT / "tests" / "bug_zoo" / "b2_2_wrong_sign.py"
    code = main(["grade", "2.2", "--file", str(bug), "--no-json"])
    out = capsys.readouterr().out
    assert code == 1 and "FAIL" in out and "hint:" in out
    assert "analytic" in out and "numeric" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["grade", "7.7"],
        ["grade", "all", "--file", str(SOLUTION_1)],
        ["grade", "1", "--file", "nope.py"],
        ["grade", "1", "--jobs", "0"],
    ],
)
def test_grade_usage_errors_exit_2(argv, capsys) -> None:
    assert main([*argv, "--no-json"]) == 2
    assert "Traceback" not in capsys.readouterr().out


def test_the_tinygrad_rnn_command_runs_grade(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tinygrad_rnn", "grade", "1.4", "--file", str(SOLUTION_1)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS" in proc.stdout
    assert json.loads((tmp_path / "grade-report.json").read_text())["all_passed"] is True


def test_lessons_command_shows_progress(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "lessons"
    shutil.copytree(LESSONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    write_stub_copy(folder, folder)  # whatever the learner solved in lessons/ is undone here
    shutil.copy(SOLUTION_1, folder / "01_neuron_exercises.py")
    assert main(["grade", "1", "--lessons-dir", str(folder), "--no-json"]) == 0
    assert main(["grade", "2.2", "--lessons-dir", str(folder), "--no-json"]) == 1  # a stub
    rows = {row.number: row for row in course_rows(folder)}
    assert rows[2].next_step == "do 2.1 in 02_autograd_exercises.py, then grade 2"
    shutil.copy(
        ROOT / "tests" / "bug_zoo" / "b2_1_one_sided.py", folder / "02_autograd_exercises.py"
    )
    assert main(["grade", "2.1", "--lessons-dir", str(folder), "--no-json"]) == 1  # a bug
    capsys.readouterr()
    assert main(["lessons", "--lessons-dir", str(folder)]) == 0
    out = capsys.readouterr().out
    rows = {row.number: row for row in course_rows(folder)}
    assert rows[1].done and (rows[1].passed, rows[1].total) == (4, 4)
    assert not rows[2].done and rows[2].next_step == "fix 2.1: tinygrad-rnn grade 2.1"
    pending = next(row for row in course_rows(folder) if row.total and not row.done)
    assert "4/4" in out and f"next: lesson {pending.number}, {pending.next_step}" in out
    assert set(rows) >= set(LESSON_TITLES)


# ---------------------------------------------------------------- the learner copy


def test_learner_copy_reproduces_the_shipped_stubs(tmp_path: Path) -> None:
    """A learner copy of lessons/ with every exercise solved is the shipped stubs again."""
    folder = tmp_path / "lessons"
    shutil.copytree(LESSONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    for lesson in lessons():
        shutil.copy(ROOT / "tests" / "solutions" / lesson.exercise_file, folder)
    reset = write_learner_copy(folder, tmp_path / "class")
    assert len(reset) == len(lessons()), "not every exercise file was reset"
    for lesson in lessons():
        stub = tmp_path / "class" / "lessons" / lesson.exercise_file
        # the docstrings and prose of the shipped file are the solution's here; what must
        # agree is every function body, so compare against the file's own reset
        assert stub.read_text() == reset_to_stubs(stub.read_text(), lesson), lesson.exercise_file
    with pytest.raises(FileExistsError):
        write_learner_copy(folder, tmp_path / "class")


@pytest.mark.parametrize("lesson", lessons(), ids=lambda lesson: f"lesson{lesson.number}")
def test_the_committed_exercise_file_is_its_own_stub_form(lesson) -> None:
    """stub_source() resets the learner's file; that equals the shipped file only if the
    committed file is already all stubs, so check the committed one (not the working file)."""
    proc = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"HEAD:lessons/{lesson.exercise_file}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.skip("not a git checkout: the committed file cannot be read")
    assert reset_to_stubs(proc.stdout, lesson) == proc.stdout, lesson.exercise_file


def test_stub_source_undoes_a_solved_file(tmp_path: Path) -> None:
    lesson = lessons()[1]
    folder = tmp_path / "lessons"
    folder.mkdir()
    shutil.copy(ROOT / "tests" / "solutions" / lesson.exercise_file, folder)
    stub = stub_source(lesson, folder)
    assert stub == reset_to_stubs(stub, lesson)
    assert stub != (folder / lesson.exercise_file).read_text()
    assert "NotImplementedError" in stub
    with pytest.raises(FileNotFoundError, match=lessons()[2].exercise_file):
        stub_source(lessons()[2], folder)


def test_learner_copy_turns_solutions_back_into_stubs(tmp_path: Path) -> None:
    lesson = next(lesson for lesson in lessons() if lesson.number == 2)
    path = tmp_path / lesson.exercise_file
    path.write_text(reset_to_stubs(SOLUTION_2.read_text(), lesson))
    report = grade("2", file=path, timeout=10)
    assert all(r.status == "not_implemented" for r in report.results)
    assert "import math" in path.read_text()  # everything else is kept


def test_instructor_command(tmp_path: Path, capsys) -> None:
    dest = tmp_path / "handout"
    assert main(["instructor", "learner-copy", str(dest), "--lessons-dir", str(LESSONS_DIR)]) == 0
    assert (dest / "lessons" / "01_neuron_exercises.py").is_file()
    assert "reset to stubs" in capsys.readouterr().out
    assert main(["instructor", "learner-copy", str(dest)]) == 2


def test_a_starter_that_cannot_start_falls_back_to_a_new_process(tmp_path: Path) -> None:
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"file": str(SOLUTION_1), "module": "no.such.module"}))
    result = tmp_path / "result.json"
    with Launcher(warm=True) as launcher:
        finished = launcher.run("no.such.module", job, result, tmp_path, 20.0)
        assert "no.such.module" in launcher.broken
    assert finished.code == 0 and not finished.timed_out
    assert json.loads(result.read_text())["status"] == "grader_error"
