"""Class reports in formats other tools read: Gradescope, JUnit XML and Markdown feedback.

``tinygrad-rnn instructor grade-class --format gradescope,junit,markdown`` writes, beside
``summary.csv`` and the ``<name>.json`` reports:

- ``gradescope``: ``OUT/<name>/results.json`` per learner, in the format of Gradescope's
  autograder specification: the top-level ``score``, ``execution_time`` (seconds),
  ``output``, ``visibility`` and ``stdout_visibility``, and one entry of ``tests`` per
  exercise with ``name``, ``number``, ``score``, ``max_score``, ``status`` (``"passed"`` or
  ``"failed"``), ``output`` and ``visibility``. A ``run_autograder`` script copies it to
  ``/autograder/results/results.json``.
- ``junit``: one ``OUT/junit.xml`` with a ``<testsuite>`` per learner and a ``<testcase>`` per
  check of every exercise (a failed check, or one that never ran, has a ``<failure>``; a
  crash or a time-out an ``<error>``), for CI systems and LMS plug-ins that read JUnit.
- ``markdown``: ``OUT/<name>.md`` per learner, feedback to read or to post as it is.

Every text a learner's code could have written was cleaned of escape and control sequences
by the grader (:func:`tinygrad_rnn.grading.sandbox.wire.clean_text`); here it is escaped once
more for the format (XML escaping, Markdown code fences). Hints appear only when the caller
asks for them (``--hints``).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from tinygrad_rnn.grading.registry import get_exercise
from tinygrad_rnn.grading.runner import ExerciseResult
from tinygrad_rnn.grading.sandbox.wire import clean_text

if TYPE_CHECKING:
    from tinygrad_rnn.grading.classroom import ClassRow

__all__ = [
    "FORMATS",
    "gradescope_results",
    "junit_tree",
    "markdown_feedback",
    "write_exports",
]

FORMATS = ("gradescope", "junit", "markdown")

_WORDS = {
    "passed": "passed",
    "failed": "failed",
    "not_implemented": "not implemented yet",
    "timeout": "timed out",
    "error": "error",
}
_OUTPUT_CHARS = 2000  # of a learner's printed output, per exercise
# Characters XML 1.0 cannot carry at all, even escaped (clean_text already took the controls).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("", clean_text(value))


def _printed(result: ExerciseResult) -> str:
    out = _text(result.output).strip()
    if len(out) > _OUTPUT_CHARS:
        out = out[:_OUTPUT_CHARS] + f"\n... ({len(result.output) - _OUTPUT_CHARS} more characters)"
    return out


def _check_names(result: ExerciseResult) -> list[str]:
    """The exercise's check names: from the result, or the registry when none ran."""
    if result.checks:
        return [c.name for c in result.checks]
    found = get_exercise(result.id)
    return [c.name for c in found[1].checks] if found is not None else []


def _feedback(result: ExerciseResult, hints: bool) -> str:
    """Plain-text feedback on one exercise: the verdict, each check, the hint, the output."""
    word = _WORDS.get(result.status, result.status)
    failed = sum(not c.passed for c in result.checks)
    if failed:  # the message repeats the first failed check's: say it once, below
        lines = [f"{word}: {failed} of {len(result.checks)} checks failed"]
    elif _text(result.message).startswith(word):  # "not implemented yet (...)"
        lines = [_text(result.message)]
    else:
        lines = [f"{word}: {_text(result.message)}"]
    for check in result.checks:
        mark = "ok    " if check.passed else "FAILED"
        detail = f": {_text(check.message)}" if check.message and not check.passed else ""
        lines.append(f"  {mark} {_text(check.name)}{detail}")
    if hints and result.hint:
        lines.append(f"hint: {_text(result.hint)}")
    printed = _printed(result)
    if printed and not result.passed:
        # each printed line behind "> ", so none can pass for a line of the grader's
        lines += ["your code printed:", *(f"> {line}" for line in printed.splitlines())]
    return "\n".join(lines)


def gradescope_results(row: ClassRow, hints: bool = False) -> dict:
    """One learner's Gradescope ``results.json``, as JSON-ready data."""
    report = row.report
    if report is None:
        return {
            "score": 0.0,
            "execution_time": 0.0,
            "output": f"not graded: {_text(row.problem)}",
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "tests": [],
        }
    tests = []
    for r in report.results:
        tests.append(
            {
                "name": f"{r.id} {r.title}",
                "number": r.id,
                "score": float(r.score),
                "max_score": float(r.points),
                "status": "passed" if r.passed else "failed",
                "output": _feedback(r, hints),
                "visibility": "visible",
            }
        )
    passed = sum(r.passed for r in report.results)
    return {
        "score": float(report.score),
        "execution_time": round(sum(r.seconds for r in report.results), 3),
        "output": (
            f"tinygrad-rnn grade {report.target}: {report.score}/{report.max_score} points, "
            f"{passed} of {len(report.results)} exercises passed"
        ),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def junit_tree(rows: Iterable[ClassRow], target: str, hints: bool = False) -> ET.ElementTree:
    """JUnit XML for a class: a ``<testsuite>`` per learner, a ``<testcase>`` per check."""
    root = ET.Element("testsuites", name=f"tinygrad-rnn grade {target}")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for row in rows:
        suite = ET.SubElement(root, "testsuite", name=row.label)
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="report", value=row.report_name)
        counts = {"tests": 0, "failures": 0, "errors": 0}
        seconds = 0.0
        if row.report is None:
            case = ET.SubElement(suite, "testcase", classname=row.report_name, name="hand-in")
            problem = _text(row.problem)
            ET.SubElement(
                case, "error", message=_first_line(problem), type="not_graded"
            ).text = problem
            counts["tests"] += 1
            counts["errors"] += 1
        for r in row.report.results if row.report is not None else []:
            seconds += r.seconds
            checks = {c.name: c for c in r.checks}
            names = _check_names(r) or [r.title]
            for name in names:
                counts["tests"] += 1
                case = ET.SubElement(
                    suite,
                    "testcase",
                    classname=f"{row.report_name}.{r.id}",
                    name=f"{r.id} {r.title}: {_text(name)}",
                    time=f"{r.seconds / len(names):.3f}",
                )
                check = checks.get(name)
                if check is not None and check.passed:
                    continue
                if r.status in ("error", "timeout"):
                    tag, kind = "error", r.status
                    counts["errors"] += 1
                else:
                    tag, kind = "failure", r.status
                    counts["failures"] += 1
                message = _text(check.message) if check is not None else _text(r.message)
                element = ET.SubElement(case, tag, message=_first_line(message), type=kind)
                element.text = _feedback(r, hints)
                printed = _printed(r)
                if printed:
                    ET.SubElement(case, "system-out").text = printed
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", f"{seconds:.3f}")
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return ET.ElementTree(root)


def _fenced(text: str) -> str:
    """``text`` in a Markdown code fence longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def _inline(text: str) -> str:
    """One line of learner-influenced text, safe in Markdown prose (no HTML, no markup)."""
    text = " ".join(_text(text).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]#|!])", r"\\\1", text)


def markdown_feedback(row: ClassRow, hints: bool = False) -> str:
    """One learner's feedback as a Markdown page."""
    report = row.report
    lines = [f"# Feedback for {_inline(row.name)}", ""]
    if report is None:
        lines += ["Not graded:", "", _fenced(_text(row.problem)), ""]
        return "\n".join(lines)
    passed = sum(r.passed for r in report.results)
    lines += [
        f"`tinygrad-rnn grade {_inline(report.target)}`: **{report.score}/{report.max_score} "
        f"points**, {passed} of {len(report.results)} exercises passed.",
        "",
        "| exercise | result | points |",
        "|---|---|---|",
    ]
    for r in report.results:
        word = _WORDS.get(r.status, r.status)
        lines.append(f"| {r.id} {_inline(r.title)} | {word} | {r.score}/{r.points} |")
    lines.append("")
    shown: set[tuple[str, str]] = set()
    for r in report.results:
        if r.passed:
            continue
        word = _WORDS.get(r.status, r.status)
        same = [o for o in report.results if (o.status, o.message) == (r.status, r.message)]
        if r.status == "error" and len(same) > 1:  # e.g. a file that does not import
            if (r.status, r.message) in shown:
                continue
            shown.add((r.status, r.message))
            ids = ", ".join(o.id for o in same)
            lines += [f"## {ids}: {word}", "", "The same problem stopped each of them:", ""]
            lines += [_fenced(_text(r.message)), ""]
            continue
        lines += [f"## {r.id} {_inline(r.title)}: {word}", ""]
        lines += [_fenced(_text(r.message)), ""]
        if r.checks:
            for check in r.checks:
                mark = "passed" if check.passed else "**failed**"
                lines.append(f"- {mark}: {_inline(check.name)}")
            lines.append("")
        if hints and r.hint:
            lines += [f"Hint: {_inline(r.hint)}", ""]
        printed = _printed(r)
        if printed:
            lines += ["Your code printed:", "", _fenced(printed), ""]
    if report.all_passed:
        lines += ["Every exercise passed.", ""]
    return "\n".join(lines)


def write_exports(
    rows: list[ClassRow], out: Path, formats: Iterable[str], target: str, hints: bool = False
) -> list[Path]:
    """Write each format's files for every row into ``out``; return the paths written."""
    written = []
    formats = set(formats)
    for row in rows:
        if "gradescope" in formats:
            path = out / row.report_name / "results.json"
            path.parent.mkdir(exist_ok=True)
            data = gradescope_results(row, hints)
            path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
            written.append(path)
        if "markdown" in formats:
            path = out / f"{row.report_name}.md"
            path.write_text(markdown_feedback(row, hints), encoding="utf-8")
            written.append(path)
    if "junit" in formats:
        path = out / "junit.xml"
        junit_tree(rows, target, hints).write(path, encoding="utf-8", xml_declaration=True)
        written.append(path)
    return written
