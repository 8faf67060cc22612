"""The learner's side of grading: run one exercise's probes and write back plain data.

Started by :mod:`tinygrad_rnn.grading.runner` as
``python -m tinygrad_rnn.grading._child JOB.json RESULT.json``, one process per exercise.

Order of events: read the job (the inputs of every case, no expected answers), import the
lesson's grading module (and with it the library), then import the learner's file and call
the probes. The result goes to ``RESULT.json``, never to stdout, so whatever the learner
prints cannot corrupt it. Nothing written here decides the grade: the grader compares the
data with answers it computed itself, in its own process.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

# Our own references, taken before any learner code runs.
_dumps = json.dumps
_replace = os.replace
_open = open
_exit = os._exit


def _learner_location(exc: BaseException, learner_file: str) -> str:
    """Where in the learner's file the exception came from, as ' (line 12, in f: `code`)'."""
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if os.path.abspath(f.filename) == learner_file]
    if not mine:
        return ""
    frame = mine[-1]
    code = f": `{frame.line.strip()}`" if frame.line else ""
    return f" (line {frame.lineno} of {Path(learner_file).name}, in {frame.name}{code})"


def _describe_exception(exc: BaseException, learner_file: str) -> str:
    where = _learner_location(exc, learner_file)
    if isinstance(exc, RecursionError):
        return (
            f"RecursionError: {exc}{where}. The graph is deeper than Python's recursion "
            "limit: walk it with your own stack (a list) instead of recursion"
        )
    text = str(exc)
    if len(text) > 300:
        text = text[:297] + "..."
    return f"{type(exc).__name__}: {text}{where}" if text else f"{type(exc).__name__}{where}"


def _import_learner(path: str) -> ModuleType:
    name = "learner_" + Path(path).stem
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _find_probe(ref: str) -> Any:
    module_name, _, qualname = ref.partition(":")
    return getattr(importlib.import_module(module_name), qualname)


def run(job: dict[str, Any]) -> dict[str, Any]:
    """Run every probe of one exercise on the learner's code; return plain data."""
    from tinygrad_rnn.grading import wire
    from tinygrad_rnn.grading.probes import WrongType

    learner_file = os.path.abspath(job["file"])
    # 1. The reference and the probes first, before any learner code exists.
    importlib.import_module(job["module"])
    probes = [_find_probe(check["probe"]) for check in job["checks"]]

    # 2. The learner's file.
    try:
        learner = _import_learner(learner_file)
    except SyntaxError as exc:
        line = f"\n    {exc.text.rstrip()}" if exc.text else ""
        return {
            "status": "syntax_error",
            "message": f"{Path(learner_file).name} line {exc.lineno}: {exc.msg}{line}",
        }
    except BaseException as exc:  # noqa: BLE001 - anything the learner's file raises
        return {
            "status": "import_error",
            "message": "importing the file failed: " + _describe_exception(exc, learner_file),
        }
    missing = [name for name in job["functions"] if not callable(getattr(learner, name, None))]
    if missing:
        needed = job["functions"]
        also = "" if missing == needed else f" (this exercise needs {', '.join(needed)})"
        return {
            "status": "missing",
            "message": f"the file has no function {', '.join(missing)}{also}; "
            "did you rename or delete it?",
        }

    # 3. The probes, one case at a time; the first error ends a check.
    results = []
    for probe, check in zip(probes, job["checks"], strict=True):
        outcomes: list[dict[str, Any]] = []
        for inputs in check["inputs"]:
            try:
                got = probe(learner, inputs)
            except NotImplementedError as exc:
                return {"status": "not_implemented", "message": str(exc) or "NotImplementedError"}
            except WrongType as exc:
                outcomes.append({"error": str(exc), "kind": "type"})
                break
            except BaseException as exc:  # noqa: BLE001 - the learner's code may raise anything
                outcomes.append(
                    {"error": _describe_exception(exc, learner_file), "kind": "exception"}
                )
                break
            try:
                outcomes.append({"ok": wire.to_plain(got)})
            except TypeError as exc:
                outcomes.append(
                    {"error": f"the result could not be sent back: {exc}", "kind": "type"}
                )
                break
        results.append(outcomes)
    return {"status": "ran", "checks": results}


def _cpu_backstop(limit: float) -> None:
    """Let the kernel end this process if it outlives its time limit by far.

    The grader stops it at the limit; this only matters if the grader itself is interrupted
    (Ctrl-C) while the learner's code spins in an endless loop.
    """
    try:
        import resource

        seconds = int(limit) + 10
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
    except (ImportError, ValueError, OSError):  # not on this platform: the grader suffices
        pass


def main(argv: list[str]) -> int:
    job_path, result_path = argv[1], argv[2]
    with _open(job_path, encoding="utf-8") as fh:
        job = json.load(fh)
    _cpu_backstop(float(job.get("limit", 60.0)))
    try:
        result = run(job)
        text = _dumps(result)
    except BaseException as exc:  # noqa: BLE001 - report, never crash silently
        text = _dumps({"status": "grader_error", "message": f"{type(exc).__name__}: {exc}"})
    tmp = result_path + ".part"
    with _open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    _replace(tmp, result_path)
    return 0


if __name__ == "__main__":
    code = main(sys.argv)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - the learner may have replaced or closed them
            pass
    # Leave now: threads the learner started and atexit hooks it registered must not keep
    # the process alive past its time limit or touch the result after it was written.
    _exit(code)
