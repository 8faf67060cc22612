"""Every worked answer that is code passes its exercise.

The last hint level (``tinygrad-rnn hint N.k --solution``) is the worked answer: a learner
who asks for it will type it in, so when it is code it must be right. Each such answer is
put in place of the function's body in the reference solution (``tests/solutions/``) and
that exercise is graded, with the imports of the exercise file as shipped; and every name
the answer uses must be one the learner's file has (its imports, helpers and functions) or
one the answer itself defines. A worked answer with several functions labels each part with the
function's name (or the start of it): ``relu_slope: return ...``; lines before the first
label belong to every part.

Some worked answers are sketches in words or of the loop's shape, where whole code would
hand over too much or not fit: those are listed in ``SKETCHES`` with nothing to run. Every
other worked answer must parse as code: a new one that does not is reported here rather
than skipped.
"""

from __future__ import annotations

import ast
import builtins
import re
import textwrap
from pathlib import Path

import pytest

from tinygrad_rnn.grading import grade, lessons
from tinygrad_rnn.grading.course import stub_source
from tinygrad_rnn.grading.processes import Launcher

SOLUTIONS = Path(__file__).parent / "solutions"

#: worked answers that describe the code rather than give it
SKETCHES = {
    "7.5", "8.2", "8.5", "8.6", "8.7", "9.4", "9.5", "9.6", "10.2", "10.4", "11.1", "11.4",
    "11.5", "13.1", "13.3", "13.4", "14.1", "14.2", "14.3",
}  # fmt: skip

EXERCISES = [(lesson, ex) for lesson in lessons() for ex in lesson.exercises]
WORKED = [(lesson, ex) for lesson, ex in EXERCISES if len(ex.hints) == 3 and ex.id not in SKETCHES]

_LABEL = re.compile(r"^(\w+): (.*)$")


def split_by_function(ex, answer: str) -> dict[str, str]:
    """``{function name: body}`` of a worked answer (see the module's docstring)."""
    if len(ex.functions) == 1:
        return {ex.functions[0]: answer}
    preamble: list[str] = []
    parts: dict[str, list[str]] = {}
    current = None
    for line in answer.splitlines():
        match = _LABEL.match(line)
        label = match.group(1) if match else None
        names = [f for f in ex.functions if f == label]
        names = names or [f for f in ex.functions if label and f.startswith(label)]
        if len(names) == 1:
            current = names[0]
            parts[current] = [match.group(2)]
        elif current is None:
            preamble.append(line)
        else:
            parts[current].append(line)
    assert set(parts) == set(ex.functions), (
        f"{ex.id}: the worked answer labels {sorted(parts)}, the exercise has {ex.functions}"
    )
    bodies = {}
    for name, (first, *rest) in parts.items():
        rest_text = textwrap.dedent("\n".join(rest))
        bodies[name] = "\n".join([*preamble, first] + ([rest_text] if rest else []))
    return bodies


def _module_names(tree: ast.Module) -> set[str]:
    """The names a module defines at its top level."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def unknown_names(stub: ast.Module, name: str, body: str) -> set[str]:
    """Names ``body`` reads that neither the stub file, the function's parameters, the
    answer itself nor Python's builtins define."""
    (function,) = [n for n in stub.body if isinstance(n, ast.FunctionDef) and n.name == name]
    args = function.args
    params = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    params |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    tree = ast.parse("def _():\n" + textwrap.indent(body, "    "))
    loaded, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.FunctionDef):
            bound.add(node.name)
    return loaded - bound - params - _module_names(stub) - set(dir(builtins))


def with_bodies(source: str, bodies: dict[str, str], imports: list[str]) -> str:
    """``source`` with each named module-level function's body replaced, and ``imports``
    (the shipped file's import lines) after its ``from __future__`` line."""
    lines = source.splitlines()
    tree = ast.parse(source)
    nodes = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name in bodies
    }
    assert set(nodes) == set(bodies), f"the solution lacks {set(bodies) - set(nodes)}"
    for node in sorted(nodes.values(), key=lambda n: n.lineno, reverse=True):
        start, end = node.body[0].lineno - 1, node.end_lineno
        lines[start:end] = textwrap.indent(bodies[node.name], "    ").splitlines()
    future = [
        n.end_lineno
        for n in tree.body
        if isinstance(n, ast.ImportFrom) and n.module == "__future__"
    ]
    at = future[-1] if future else 0
    lines[at:at] = imports
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def launcher():
    with Launcher() as launcher:
        yield launcher


def test_the_sketch_list_names_real_worked_answers() -> None:
    ids = {ex.id for _, ex in EXERCISES if len(ex.hints) == 3}
    assert SKETCHES <= ids, f"not exercises with a worked answer: {sorted(SKETCHES - ids)}"
    assert len(WORKED) >= 40, f"only {len(WORKED)} worked answers are checked"


@pytest.mark.parametrize("lesson, ex", WORKED, ids=[ex.id for _, ex in WORKED])
def test_worked_answer_passes(lesson, ex, launcher, tmp_path: Path) -> None:
    answer = ex.hints[-1]
    bodies = split_by_function(ex, answer)
    for name, body in bodies.items():
        try:
            ast.parse("def _():\n" + textwrap.indent(body, "    "))
        except SyntaxError as error:
            pytest.fail(f"{ex.id}: the worked answer for {name} is not code ({error}):\n{body}")
    stub_text = stub_source(lesson)
    stub = ast.parse(stub_text)
    for name, body in bodies.items():
        unknown = unknown_names(stub, name, body)
        assert not unknown, (
            f"{ex.id}: the worked answer for {name} uses {sorted(unknown)}, which the "
            "exercise file does not define"
        )
    imports = [
        ast.get_source_segment(stub_text, node)
        for node in stub.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        and getattr(node, "module", None) != "__future__"
    ]
    source = (SOLUTIONS / lesson.exercise_file).read_text(encoding="utf-8")
    path = tmp_path / lesson.exercise_file
    path.write_text(with_bodies(source, bodies, imports), encoding="utf-8")
    (result,) = grade(ex.id, file=path, timeout=30, launcher=launcher).results
    assert result.passed, f"{ex.id}'s worked answer fails: {result.status}: {result.message}"
