"""What an exercise is, and where the grader finds every lesson's exercises.

The three building blocks, from small to large:

* :class:`Case`: one input for the learner's function (plain data, sent to the learner's
  process) and the expected answer (kept in the grader's process, never sent).
* :class:`Check`: a named group of cases plus two functions: ``probe`` runs in the learner's
  process and turns the learner's result into plain data; ``judge`` runs in the grader's
  process and compares that data with the expected answer.
* :class:`Exercise`: an id such as ``"2.3"``, a title, points, the learner functions it
  needs, a hint, and its checks. :class:`Lesson` groups the exercises of one lesson file.

Every module ``tinygrad_rnn/grading/lessonNN.py`` defines one ``LESSON``; :func:`lessons`
finds them all, so adding a lesson never touches this file.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = [
    "Case",
    "Check",
    "Exercise",
    "Lesson",
    "LESSON_TITLES",
    "lessons",
    "get_lesson",
    "get_exercise",
    "resolve",
]

#: Every lesson of the course, numbered as in ``lessons/NN_topic.py``. Lessons without graded
#: exercises yet still appear in ``tinygrad-rnn lessons``.
LESSON_TITLES: dict[int, str] = {
    0: "Generative AI, LLMs, and where RNNs fit",
    1: "A single neuron",
    2: "Derivatives and the chain rule: autograd",
    3: "A feedforward network",
    4: "From scalars to tensors",
    5: "Fast hot loops with numba",
    6: "Training well",
    7: "Sequences and the unrolled RNN",
    8: "Vanishing and exploding gradients",
    9: "LSTM",
    10: "GRU",
    11: "Generating text",
    12: "Applications and next steps",
    13: "From the encoder-decoder to attention",
    14: "Capstone: your own character-level RNN",
}

DEFAULT_TIMEOUT = 5.0  # seconds per exercise in the learner's process


@dataclass(frozen=True)
class Case:
    """One input for the learner's code and the answer it should give.

    Attributes:
        inputs: plain data (numbers, strings, lists, dicts, numpy arrays) for the probe.
        expected: whatever the judge needs; stays in the grader's process.
        label: how a failure message names this case, e.g. ``"tanh_slope(-2.5)"``.
    """

    inputs: Any
    expected: Any
    label: str = ""


@dataclass(frozen=True)
class Check:
    """A named test of one exercise.

    Attributes:
        name: shown on the scorecard, e.g. ``"gradients match central differences"``.
        cases: ``() -> list[Case]``, called in the grader's process (seed your random numbers).
        probe: ``(learner, inputs) -> plain data``, called in the learner's process with the
            learner's module and one case's inputs. It must be a module-level function of the
            lesson's grading module (the learner's process imports it by name). Raise
            :class:`tinygrad_rnn.grading.probes.WrongType` when the learner returns the wrong
            kind of thing.
        judge: ``(case, got) -> str | None``, called in the grader's process: a message
            saying what differs, or ``None`` when the answer is right.
    """

    name: str
    cases: Callable[[], Sequence[Case]]
    probe: Callable[[ModuleType, Any], Any]
    judge: Callable[[Case, Any], str | None]

    def __post_init__(self) -> None:
        qualname = getattr(self.probe, "__qualname__", "")
        if "<" in qualname or "." in qualname:
            raise ValueError(
                f"Check {self.name!r}: the probe must be a module-level function "
                f"(the learner's process imports it by name), got {qualname!r}"
            )

    @property
    def probe_ref(self) -> str:
        """``"module:function"``, how the learner's process finds the probe."""
        return f"{self.probe.__module__}:{self.probe.__qualname__}"


@dataclass(frozen=True)
class Exercise:
    """One graded exercise.

    Attributes:
        id: ``"N.k"``: lesson number and position.
        title: a few words for the scorecard.
        points: awarded when every check passes (all or nothing).
        functions: names the learner's file must define for this exercise.
        todo: the one-line task; the stub raises ``NotImplementedError("Exercise N.k: <todo>")``.
            A tuple gives one task per function, in the order of ``functions``.
        hint: the hints, in levels: one string, or a tuple of 2-3 strings from the idea (level
            1, no code) to the worked answer (the last level). :attr:`hints` is always a tuple.
        checks: the checks, cheapest and most basic first.
        timeout: seconds for the whole exercise in the learner's process.
        forbidden: library functions the learner's code must not call while it is graded,
            as dotted names (``"tinygrad_rnn.autograd.toposort"``); see
            :mod:`tinygrad_rnn.grading.forbidden`.
        rule: what the exercise asks, for the forbidden-call message "exercise 9.1 asks you
            to <rule>: your code called tinygrad_rnn.nn.lstm_step".
    """

    id: str
    title: str
    points: int
    functions: tuple[str, ...]
    todo: str | tuple[str, ...]
    hint: str | tuple[str, ...]
    checks: tuple[Check, ...]
    timeout: float = DEFAULT_TIMEOUT
    forbidden: tuple[str, ...] = ()
    rule: str = "write this part yourself"

    def __post_init__(self) -> None:
        if not re.fullmatch(r"\d+\.\d+", self.id):
            raise ValueError(f"Exercise id must look like '3.2', got {self.id!r}")
        if not isinstance(self.todo, str) and len(self.todo) != len(self.functions):
            raise ValueError(f"Exercise {self.id}: give one todo per function, or one string")

    @property
    def lesson(self) -> int:
        return int(self.id.split(".")[0])

    @property
    def hints(self) -> tuple[str, ...]:
        """The hint levels, first (the idea) to last (the worked answer)."""
        return (self.hint,) if isinstance(self.hint, str) else tuple(self.hint)

    def stub_message(self, function: str) -> str:
        """The message the stub of ``function`` raises: ``"Exercise N.k: <todo>"``."""
        if isinstance(self.todo, str):
            return f"Exercise {self.id}: {self.todo}"
        return f"Exercise {self.id}: {self.todo[self.functions.index(function)]}"


@dataclass(frozen=True)
class Lesson:
    """The graded exercises of one lesson.

    Attributes:
        number: the lesson number (``1`` for ``lessons/01_neuron.py``).
        exercise_file: file name of the stubs inside the lessons folder.
        exercises: in order, easy to hard.
        title: defaults to :data:`LESSON_TITLES`.
        module: the grading module's name (set by :func:`lessons`).
    """

    number: int
    exercise_file: str
    exercises: tuple[Exercise, ...]
    title: str = ""
    module: str = field(default="", compare=False)

    @property
    def max_points(self) -> int:
        return sum(ex.points for ex in self.exercises)


@cache
def lessons() -> tuple[Lesson, ...]:
    """Every lesson with graded exercises, found as ``tinygrad_rnn.grading.lessonNN``."""
    package = __name__.rpartition(".")[0]  # tinygrad_rnn.grading, without importing it here
    found = []
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if re.fullmatch(r"lesson\d\d", info.name):
            found.append(_load(f"{package}.{info.name}"))
    found.sort(key=lambda lesson: lesson.number)
    return tuple(found)


def _load(module_name: str) -> Lesson:
    module = importlib.import_module(module_name)
    lesson = getattr(module, "LESSON", None)
    if not isinstance(lesson, Lesson):
        raise TypeError(f"{module_name} must define LESSON = Lesson(...)")
    if int(module_name[-2:]) != lesson.number:
        raise ValueError(f"{module_name} declares lesson {lesson.number}")
    for ex in lesson.exercises:
        if ex.lesson != lesson.number:
            raise ValueError(f"{module_name}: exercise {ex.id} is not in lesson {lesson.number}")
    title = lesson.title or LESSON_TITLES.get(lesson.number, f"Lesson {lesson.number}")
    return Lesson(lesson.number, lesson.exercise_file, lesson.exercises, title, module_name)


def get_lesson(number: int) -> Lesson | None:
    """The lesson with this number, or ``None`` when it has no graded exercises."""
    return next((lesson for lesson in lessons() if lesson.number == number), None)


def get_exercise(exercise_id: str) -> tuple[Lesson, Exercise] | None:
    """The exercise with this id and its lesson, or ``None``."""
    for lesson in lessons():
        for ex in lesson.exercises:
            if ex.id == exercise_id:
                return lesson, ex
    return None


def resolve(target: str) -> list[tuple[Lesson, list[Exercise]]]:
    """Turn ``"all"``, ``"3"`` or ``"3.2"`` into the lessons and exercises to grade.

    Raises:
        LookupError: with a message listing what exists, when nothing matches.
    """
    target = target.strip()
    known = ", ".join(str(lesson.number) for lesson in lessons())
    if target == "all":
        return [(lesson, list(lesson.exercises)) for lesson in lessons()]
    if re.fullmatch(r"\d+", target):
        lesson = get_lesson(int(target))
        if lesson is None:
            raise LookupError(
                f"lesson {target} has no graded exercises (lessons with some: {known})"
            )
        return [(lesson, list(lesson.exercises))]
    if re.fullmatch(r"\d+\.\d+", target):
        found = get_exercise(target)
        if found is None:
            lesson = get_lesson(int(target.split(".")[0]))
            ids = ", ".join(ex.id for ex in lesson.exercises) if lesson else "none"
            raise LookupError(f"there is no exercise {target} (this lesson has: {ids})")
        return [(found[0], [found[1]])]
    raise LookupError(
        f"don't know what to grade: {target!r}; give a lesson (2), an exercise (2.3) or 'all'"
    )
