"""The grader keeps learner processes in bounds: none outlives its exercise, memory is capped."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from tinygrad_rnn.grading import grade
from tinygrad_rnn.grading.sandbox._child import MEMORY_ENV, memory_limit_mb
from tinygrad_rnn.grading.sandbox.processes import Launcher

ROOT = Path(__file__).resolve().parent.parent
SOLUTION_1 = ROOT / "tests" / "solutions" / "01_neuron_exercises.py"
TIME_LIMIT = 1.5  # seconds per exercise in the escape tests

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="child subreapers and /proc are Linux-only"
)


def _learner_file(folder: Path, extra: str) -> Path:
    """The lesson 1 reference solution with ``extra`` appended (later definitions win)."""
    path = folder / SOLUTION_1.name
    path.write_text(SOLUTION_1.read_text(encoding="utf-8") + "\n\n" + extra, encoding="utf-8")
    return path


# ---------------------------------------------------------------- escapes

# gate_weights (exercise 1.4) double-forks once; the grandchild leaves the process group
# with setsid(), takes a name of its own (so the test can look for it in /proc), tells the
# exercise it runs, then waits and tries to write a marker outside its folder. The exercise
# then returns, crashes or spins until the time limit.
ESCAPE = """
import ctypes, os, time
_NAME = {name!r}
_MARKER = {marker!r}
_original_gate_weights = gate_weights
_escaped = []


def _escape():
    if _escaped:
        return
    _escaped.append(True)
    read_end, write_end = os.pipe()
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            ctypes.CDLL(None).prctl(15, _NAME.encode(), 0, 0, 0)  # PR_SET_NAME
            os.write(write_end, b"x")
            time.sleep(1.8)  # grading is over by then, even at the time limit
            try:
                with open(_MARKER, "w") as fh:
                    fh.write("escaped")
            except OSError:
                pass
            time.sleep(60)
            os._exit(0)
        os._exit(0)
    os.close(write_end)
    print("grandchild running:", os.read(read_end, 1) == b"x")


def gate_weights(gate):
    _escape()
    if {ending!r} == "crash":
        os._exit(3)
    if {ending!r} == "timeout":
        while True:
            pass
    return _original_gate_weights(gate)
"""


def _named(name: str) -> list[int]:
    """Pids of living processes called ``name`` (as this process sees them)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_bytes()
            except OSError:
                continue
            comm = stat[stat.find(b"(") + 1 : stat.rfind(b")")].decode()
            if comm == name and stat[stat.rfind(b")") + 2 :].split()[0] not in (b"Z", b"X"):
                found.append(int(entry))
    return found


def _token(tmp_path: Path) -> str:
    return "esc" + str(abs(hash(str(tmp_path))))[:10]


@linux_only
@pytest.mark.parametrize(
    ("ending", "status"), [("return", "passed"), ("crash", "error"), ("timeout", "timeout")]
)
def test_a_double_forked_setsid_grandchild_does_not_outlive_grading(
    tmp_path: Path, launcher: Launcher, ending: str, status: str
) -> None:
    name, marker = _token(tmp_path), tmp_path / "escaped"
    path = _learner_file(tmp_path, ESCAPE.format(name=name, marker=str(marker), ending=ending))
    started = time.monotonic()
    (result,) = grade("1.4", file=path, timeout=TIME_LIMIT, launcher=launcher).results
    assert result.status == status, result.message
    if ending != "crash":  # a crash loses the printout with the process
        assert "grandchild running: True" in result.output, "the test proves nothing"
    assert not _named(name), "a process of the hand-in outlived grading"
    time.sleep(max(0.0, started + 2.1 - time.monotonic()))  # its marker would be there now
    assert not marker.exists(), "the escaped process wrote its file after grading"
    assert not _named(name)


# ---------------------------------------------------------------- memory

HOG = """
import numpy as np
_original_gate_weights = gate_weights


def gate_weights(gate):
    hog = {allocation}
    return _original_gate_weights(gate)
"""


@pytest.mark.parametrize(
    "allocation",
    ["bytearray(2 * {mb} * 2**20)", "np.ones(2 * {mb} * 2**20 // 8)"],
    ids=["bytearray", "numpy"],
)
def test_a_runaway_allocation_is_an_error_with_the_limit_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, allocation: str
) -> None:
    limit_mb = 1024
    monkeypatch.setenv(MEMORY_ENV, str(limit_mb))
    for warm in (True, False) if hasattr(os, "fork") else (False,):
        folder = tmp_path / ("warm" if warm else "cold")
        folder.mkdir()
        hog = _learner_file(folder, HOG.format(allocation=allocation.format(mb=limit_mb)))
        with Launcher(warm=warm) as launcher:  # started with the limit in its environment
            (result,) = grade("1.4", file=hog, timeout=20, launcher=launcher).results
            assert result.status == "error" and result.score == 0, result.message
            assert f"your code used more than {limit_mb} MB of memory" in result.message
            assert "MemoryError (line" in result.message and "hog = " in result.message
            # The same launcher (and warm starter) grades the next file as usual.
            (after,) = grade("1.4", file=SOLUTION_1, timeout=20, launcher=launcher).results
            assert after.passed, after.message


def test_a_memory_error_while_importing_is_reported_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MEMORY_ENV, "1024")
    path = _learner_file(tmp_path, "BIG = bytearray(3 * 2**30)\n")
    (result,) = grade("1.4", file=path, timeout=20).results
    assert result.status == "error"
    assert "your code used more than 1024 MB of memory" in result.message
    assert "`BIG = bytearray(3 * 2**30)`" in result.message


PRINT_LIMIT = """
import resource
print("RLIMIT_AS", resource.getrlimit(resource.RLIMIT_AS)[0])
"""


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS is enforced on Linux")
@pytest.mark.parametrize(("setting", "expected"), [(None, "default"), ("0", -1), ("2048", 2048)])
def test_the_limit_in_force_in_the_learners_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str | None, expected: object
) -> None:
    if setting is None:
        monkeypatch.delenv(MEMORY_ENV, raising=False)
        expected = 4096 + 64 * (os.cpu_count() or 1)
    else:
        monkeypatch.setenv(MEMORY_ENV, setting)
    (result,) = grade("1.4", file=_learner_file(tmp_path, PRINT_LIMIT), timeout=20).results
    assert result.passed, result.message
    shown = int(result.output.split("RLIMIT_AS")[1].split()[0])
    assert shown == (-1 if expected == -1 else expected * 2**20), result.output


def test_memory_setting_is_read_and_checked() -> None:
    assert memory_limit_mb({MEMORY_ENV: "0"}) == 0
    assert memory_limit_mb({MEMORY_ENV: " 300 "}) == 300
    assert memory_limit_mb({}) == 4096 + 64 * (os.cpu_count() or 1)
    for bad in ("-5", "2GB", "1.5"):
        with pytest.raises(ValueError, match=f"{MEMORY_ENV} should be a whole number"):
            memory_limit_mb({MEMORY_ENV: bad})


def test_a_bad_memory_setting_is_named_in_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MEMORY_ENV, "lots")
    (result,) = grade("1.4", file=SOLUTION_1, timeout=20).results
    assert result.status == "error"
    assert f"{MEMORY_ENV} should be a whole number of megabytes" in result.message


def test_a_crash_names_the_memory_limit_as_a_possible_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, launcher: Launcher
) -> None:
    # Compiled code (numba's LLVM) may abort instead of raising MemoryError at the limit.
    monkeypatch.setenv(MEMORY_ENV, "1024")
    path = _learner_file(tmp_path, "import os\ndef gate_weights(gate):\n    os.abort()\n")
    (result,) = grade("1.4", file=path, timeout=20, launcher=launcher).results
    assert result.status == "error"
    assert "crashed (signal SIGABRT); or it ran out of memory" in result.message
    assert f"the limit is 1024 MB (raise it with {MEMORY_ENV}=" in result.message


# ---------------------------------------------------------------- attacks on the grader's machine

from tinygrad_rnn.grading.sandbox.isolation import bwrap_problem  # noqa: E402

needs_bwrap = pytest.mark.skipif(
    bwrap_problem() is not None,
    reason=f"bubblewrap isolation unavailable: {bwrap_problem()}",
)

# gate_weights (exercise 1.4) first runs the attack, prints what it got as one line
# "ATTACK <result>", then answers correctly, so the exercise passes either way.
ATTACK = """
import os
_original_gate_weights = gate_weights


def _attack():
{body}


def gate_weights(gate):
    try:
        print("ATTACK", _attack())
    except Exception as exc:
        print("ATTACK refused", type(exc).__name__)
    return _original_gate_weights(gate)
"""


def _attack(tmp_path: Path, body: str, launcher: Launcher | None = None, **settings) -> str:
    """Grade a hand-in whose exercise 1.4 runs ``body``; the attack's one-line result."""
    folder = tmp_path / "hand-ins"
    folder.mkdir(exist_ok=True)
    code = ATTACK.format(body="\n".join("    " + line for line in body.strip().splitlines()))
    path = _learner_file(folder, code.format(**settings) if settings else code)
    (result,) = grade("1.4", file=path, timeout=20, launcher=launcher).results
    assert result.passed, result.message
    line = [ln for ln in result.output.splitlines() if ln.startswith("ATTACK")]
    assert line, f"the attack did not run: {result.output!r}"
    return line[0].removeprefix("ATTACK ").strip()


@linux_only
@needs_bwrap
def test_a_hand_in_cannot_overwrite_or_list_another_hand_in(tmp_path: Path) -> None:
    folder = tmp_path / "hand-ins"
    folder.mkdir()
    other = folder / "bob_01_neuron_exercises.py"
    other.write_text("# bob's work\n", encoding="utf-8")
    # Without isolation the hand-in's own folder is reachable by its absolute path.
    body = f"""
hits = []
for target in ({str(other)!r}, "../bob_01_neuron_exercises.py"):
    try:
        with open(target, "w") as fh:
            fh.write("# overwritten")
    except OSError:  # inside the sandbox "../" is its own throw-away root
        pass
try:
    hits += [n for n in os.listdir({str(folder)!r}) if n.startswith("bob")]
except OSError:
    pass
return hits
"""
    assert _attack(tmp_path, body) == "[]"
    assert other.read_text(encoding="utf-8") == "# bob's work\n"


@linux_only
@needs_bwrap
def test_a_hand_in_cannot_patch_the_installed_package(tmp_path: Path) -> None:
    import tinygrad_rnn

    # Opening for appending and writing nothing proves the file writable without harm.
    targets = [tinygrad_rnn.__file__, str(ROOT / "lessons" / "01_neuron_exercises.py")]
    body = f"""
opened = []
for target in {targets!r}:
    try:
        with open(target, "a"):
            opened.append(target)
    except OSError:
        pass
return opened
"""
    assert _attack(tmp_path, body) == "[]"


@linux_only
@needs_bwrap
def test_a_hand_in_cannot_read_the_reference_solutions(tmp_path: Path) -> None:
    body = f"""
try:
    return len(open({str(SOLUTION_1)!r}).read())
except OSError:
    pass
return os.path.isdir({str(ROOT / "tests")!r})
"""
    assert _attack(tmp_path, body) == "False"


@linux_only
@needs_bwrap
def test_a_hand_in_cannot_read_the_graders_memory_or_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "s" + _token(tmp_path)
    monkeypatch.setenv("TINYGRAD_RNN_TEST_SECRET", secret)
    body = f"""
found = []
for pid in [str(os.getppid()), str({os.getpid()})] + os.listdir("/proc"):
    if not pid.isdigit() or int(pid) == os.getpid():
        continue
    try:
        if {secret!r}.encode() in open("/proc/" + pid + "/environ", "rb").read():
            found.append("environ of " + pid)
    except OSError:
        pass
try:
    with open("/proc/{os.getpid()}/mem", "rb"):
        found.append("mem of the grader")
except OSError:
    pass
return found
"""
    assert _attack(tmp_path, body) == "[]"


@linux_only
@needs_bwrap
def test_dev_shm_is_private_and_gone_after_grading(tmp_path: Path) -> None:
    name = "tinygrad-rnn-" + _token(tmp_path)
    body = f"""
with open("/dev/shm/{name}", "wb") as fh:
    fh.write(b"x" * 2**20)
return "wrote"
"""
    assert _attack(tmp_path, body) == "wrote"
    assert not Path("/dev/shm", name).exists(), "the hand-in's /dev/shm file stayed"


@linux_only
@needs_bwrap
def test_the_sandbox_root_is_read_only(tmp_path: Path) -> None:
    # the root of a bubblewrap sandbox is an in-memory folder with no size limit: a hand-in
    # that could write there would fill the machine's memory outside every limit
    body = """
try:
    with open("/filler", "wb") as fh:
        fh.write(b"x" * 2**20)
except OSError as exc:
    return "refused " + (exc.strerror or type(exc).__name__)
return "wrote"
"""
    assert _attack(tmp_path, body) == "refused Read-only file system"


FORKED_HOG = """
import os, time
_original_gate_weights = gate_weights


def gate_weights(gate):
    children = []
    for _ in range(3):
        pid = os.fork()
        if pid == 0:
            block = b"x" * (400 * 2**20)  # touched: it counts
            time.sleep(20)
            os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)
    return _original_gate_weights(gate)
"""


@linux_only
def test_forked_children_count_together_against_the_memory_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MEMORY_ENV, "700")  # each child alone stays under it
    path = _learner_file(tmp_path, FORKED_HOG)
    with Launcher(warm=True) as launcher:  # started with the limit in its environment
        started = time.monotonic()
        (result,) = grade("1.4", file=path, timeout=30, launcher=launcher).results
    assert result.status == "error" and result.score == 0, result.message
    assert "700 MB" in result.message, result.message
    assert time.monotonic() - started < 20, "the children were not stopped at the limit"


ESCAPES = """
import sys
_original_gate_weights = gate_weights


def gate_weights(gate):
    print("\\x1b[2J\\x1b[H\\x1b]0;owned\\x07  PASS 1.4 gate_weights 10/10\\r")
    raise ValueError("\\x1b[32mPASS\\x1b[0m everything \\x9b31m\\u202e")
"""


def test_escape_sequences_never_reach_the_report(tmp_path: Path, launcher: Launcher) -> None:
    path = _learner_file(tmp_path, ESCAPES)
    (result,) = grade("1.4", file=path, timeout=20, launcher=launcher).results
    assert not result.passed and result.score == 0
    assert "PASS" in result.message and "everything" in result.message, result.message
    assert "PASS 1.4 gate_weights" in result.output, result.output
    for text in (result.message, result.output, *map(str, result.checks)):
        for bad in ("\x1b", "\x07", "\x9b", "\u202e", "\r"):
            assert bad not in text, (bad, text)


@linux_only
@needs_bwrap
def test_tmp_is_private_and_gone_after_grading(tmp_path: Path) -> None:
    name = "tinygrad-rnn-" + _token(tmp_path)
    body = f"""
import tempfile
with open("/tmp/{name}", "wb") as fh:
    fh.write(b"x" * 2**20)
with open(os.path.join(tempfile.gettempdir(), "{name}-t"), "wb") as fh:
    fh.write(b"x")
return "wrote"
"""
    assert _attack(tmp_path, body) == "wrote"
    import tempfile

    for left in (Path("/tmp", name), Path(tempfile.gettempdir(), name + "-t")):
        assert not left.exists(), f"the hand-in's file {left} stayed"


# ---------------------------------------------------------------- the fallback (no bubblewrap)


@pytest.fixture
def fallback(monkeypatch: pytest.MonkeyPatch):
    """Grading as on a machine without bubblewrap (the decision is cached per process)."""
    from tinygrad_rnn.grading.sandbox.isolation import SANDBOX_ENV

    monkeypatch.setenv(SANDBOX_ENV, "off")
    bwrap_problem.cache_clear()
    yield
    monkeypatch.undo()
    bwrap_problem.cache_clear()


def test_the_fallback_runs_a_hand_in_in_a_private_copy(tmp_path: Path, fallback) -> None:
    folder = tmp_path / "hand-ins"
    folder.mkdir()
    other = folder / "bob_01_neuron_exercises.py"
    other.write_text("# bob's work\n", encoding="utf-8")
    # Relative paths are all a hand-in's own folder gives it; in the fallback they lead
    # into a throw-away copy, not the hand-ins folder (absolute paths still reach it).
    body = """
with open("../bob_01_neuron_exercises.py", "a") as fh:
    fh.write("# overwritten")
return sorted(os.listdir(".")), os.getcwd()
"""
    got = _attack(tmp_path, body)
    assert other.read_text(encoding="utf-8") == "# bob's work\n"
    assert "bob" not in got and str(folder) not in got, got
    assert "01_neuron_exercises.py" in got, got


def test_the_fallback_says_so_once_on_stderr(tmp_path: Path, fallback, capsys) -> None:
    from tinygrad_rnn.cli import main

    path = _learner_file(tmp_path, "")
    assert main(["grade", "1.4", "--file", str(path), "--no-json"]) == 0
    err = capsys.readouterr().err
    assert err.count("note: grading without isolation") == 1, err
    assert "TINYGRAD_RNN_GRADE_SANDBOX=off" in err

    hand_ins = tmp_path / "class"
    hand_ins.mkdir()
    for who in ("alice", "bob"):
        (hand_ins / f"{who}.py").write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "reports"
    code = main(["instructor", "grade-class", "1.4", str(hand_ins), "--out", str(out)])
    assert code == 0
    assert capsys.readouterr().err.count("note: grading without isolation") == 1


@linux_only
@needs_bwrap
def test_with_bubblewrap_there_is_no_notice(tmp_path: Path, capsys) -> None:
    from tinygrad_rnn.cli import main

    path = _learner_file(tmp_path, "")
    assert main(["grade", "1.4", "--file", str(path), "--no-json"]) == 0
    assert "without isolation" not in capsys.readouterr().err


@linux_only
@needs_bwrap
def test_in_grade_class_a_hand_in_cannot_spoil_or_list_the_next_one(tmp_path: Path) -> None:
    from tinygrad_rnn.grading.classroom import grade_class

    hand_ins = tmp_path / "hand-ins"
    hand_ins.mkdir()
    honest = SOLUTION_1.read_text(encoding="utf-8")
    bob = hand_ins / "bob.py"
    bob.write_text(honest, encoding="utf-8")
    # alice is graded first (name order): she lists the class and overwrites bob's file,
    # by its absolute path and by a relative one, before answering correctly herself.
    body = f"""
seen = []
for folder in ({str(hand_ins)!r}, "..", "."):
    try:
        seen += [n for n in os.listdir(folder) if n.startswith("bob")]
    except OSError:
        pass
for target in ({str(bob)!r}, "../bob.py"):
    try:
        with open(target, "w") as fh:
            fh.write("raise SystemExit('spoiled')")
    except OSError:
        pass
return seen
"""
    code = ATTACK.format(body="\n".join("    " + line for line in body.strip().splitlines()))
    (hand_ins / "alice.py").write_text(honest + "\n\n" + code, encoding="utf-8")
    rows = grade_class("1", hand_ins, tmp_path / "reports", timeout=20)
    by_name = {row.name: row for row in rows}
    alice = {r.id: r for r in by_name["alice"].report.results}["1.4"]
    assert "ATTACK []" in alice.output, alice.output
    assert bob.read_text(encoding="utf-8") == honest
    assert by_name["bob"].report.all_passed, by_name["bob"].problem


# ---------------------------------------------------------------- forged reports

# gate_weights (exercise 1.4) answers wrongly, after leaving a double-forked, setsid
# grandchild behind that waits until grading is over and then overwrites the reports.
FORGER = """
import os, time
_TARGETS = {targets!r}


def gate_weights(gate):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(1.2)
            for path, text in _TARGETS:
                try:
                    with open(path, "w") as fh:
                        fh.write(text)
                except OSError:
                    pass
            os._exit(0)
        os._exit(0)
    os.wait()
    return None
"""


@pytest.fixture(params=["bwrap", "fallback"])
def isolation_kind(request, monkeypatch: pytest.MonkeyPatch):
    """Run a test with bubblewrap (skipped where it does not work) and in the fallback."""
    from tinygrad_rnn.grading.sandbox.isolation import SANDBOX_ENV

    if request.param == "bwrap" and bwrap_problem() is not None:
        pytest.skip(f"bubblewrap isolation unavailable: {bwrap_problem()}")
    if request.param == "fallback":
        monkeypatch.setenv(SANDBOX_ENV, "off")
        bwrap_problem.cache_clear()
    yield request.param
    monkeypatch.undo()
    bwrap_problem.cache_clear()


@linux_only
def test_a_report_forged_after_grading_does_not_stand(tmp_path: Path, isolation_kind) -> None:
    import json

    from tinygrad_rnn.cli import main

    report = tmp_path / "grade-report.json"
    forged = '{"all_passed": true, "forged": true}'
    path = _learner_file(tmp_path, FORGER.format(targets=[(str(report), forged)]))
    started = time.monotonic()
    assert main(["grade", "1.4", "--file", str(path), "--json", str(report)]) == 1
    time.sleep(max(0.0, started + 2.0 - time.monotonic()))  # the forger would be done now
    saved = json.loads(report.read_text(encoding="utf-8"))
    assert "forged" not in saved and saved["all_passed"] is False, saved


@linux_only
def test_a_summary_forged_after_grading_does_not_stand(tmp_path: Path, isolation_kind) -> None:
    from tinygrad_rnn.grading.classroom import grade_class

    hand_ins, out = tmp_path / "hand-ins", tmp_path / "reports"
    hand_ins.mkdir()
    forged = "learner,score\nmallory,10\n"
    code = FORGER.format(targets=[(str(out / "summary.csv"), forged)])
    _learner_file(tmp_path, code).rename(hand_ins / "mallory.py")
    started = time.monotonic()
    (row,) = grade_class("1.4", hand_ins, out, timeout=20)
    assert not row.all_passed
    time.sleep(max(0.0, started + 2.0 - time.monotonic()))
    summary = (out / "summary.csv").read_text(encoding="utf-8")
    assert summary != forged and "mallory,mallory,0," in summary, summary


def test_a_venv_reached_through_a_symlink_is_seen_under_both_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `.venv -> /elsewhere/venv`: Python runs as .venv/bin/python, so the sandbox must show
    # the venv under the link's name too (it once failed with "bwrap: execvp ...: No such file")
    from tinygrad_rnn.grading.sandbox import isolation

    real = Path(sys.prefix).resolve()
    link = tmp_path / ".venv"
    link.symlink_to(real, target_is_directory=True)
    monkeypatch.setattr(sys, "prefix", str(link))
    monkeypatch.setattr(sys, "exec_prefix", str(link))
    args = isolation._system_binds()
    pairs = list(zip(args, args[1:], args[2:], strict=False))
    assert ("--ro-bind", str(real), str(link)) in pairs
