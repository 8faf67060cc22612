r"""Graded exercises: the registry, the checks, the runner and the scorecard.

A learner edits ``lessons/NN_topic_exercises.py`` and runs ``tinygrad-rnn grade N``. For
each exercise the grader computes the expected answers here, from the library (the
reference) and central differences; a fresh Python process imports the learner's file and
sends back plain JSON; the answers are compared here. Learner code therefore cannot change
its grade by patching the library or the grader, and an endless loop, a crash, a syntax
error or a flood of prints costs only that one exercise.

Modules:

* :mod:`~tinygrad_rnn.grading.registry`: ``Case``, ``Check``, ``Exercise``, ``Lesson``.
* :mod:`~tinygrad_rnn.grading.checks`: comparisons and messages for judges (grader side).
* :mod:`~tinygrad_rnn.grading.probes`: ``WrongType`` and type helpers (learner side).
* :mod:`~tinygrad_rnn.grading.runner`: ``grade()``: cases, the learner's process, judging.
* :mod:`~tinygrad_rnn.grading.processes`: starting learner processes (forked from a warm
  per-lesson starter, :mod:`._zygote`, or started anew), time limits, printout.
* :mod:`~tinygrad_rnn.grading.report`: the rich scorecard and the JSON report.
* :mod:`~tinygrad_rnn.grading.cli`: ``grade``, ``lessons`` and ``instructor`` commands.
* ``lessonNN.py``: one module per lesson, each defining ``LESSON``.

Recipe: adding the exercises of lesson N
========================================

1. Write ``lessons/NN_topic_exercises.py``. Each exercise function has a Google-style
   docstring (what to do, the signature, an example, the lesson section that explains it)
   and the body ``raise NotImplementedError("Exercise N.k: <one-line task>")``. An exercise
   may span several functions (1.2 has three).
2. Create ``tinygrad_rnn/grading/lessonNN.py`` (two digits; found automatically). For each
   check write three module-level functions:

   * ``cases() -> tuple[Case, ...]``, run by the grader: seeded inputs (plain data: numbers,
     lists, dicts, strings, numpy arrays) and the expected answers computed with the library.
     Decorate with ``functools.cache`` when two checks share cases.
   * ``probe(learner, inputs)``, run in the learner's process: build the objects (Values,
     Tensors) from ``inputs``, call ``learner.<function>``, return plain data. Use
     ``probes.as_number`` / ``as_value`` / ``as_list`` or raise ``probes.WrongType`` for a
     result of the wrong kind. Never compute the expected answer here.
   * ``judge(case, got) -> str | None``, run by the grader: ``None`` when right, else one
     sentence naming the inputs and expected vs got (``checks.value_message``), the input
     whose gradient differs with analytic vs numeric (``checks.first_gradient_error``), or
     both shapes (``checks.shape_message``).

3. End the module with::

       LESSON = Lesson(
           number=N,
           exercise_file="NN_topic_exercises.py",
           exercises=(
               Exercise(
                   id="N.1", title="...", points=2, functions=("my_function",),
                   todo="<the same one-line task as in the stub>", hint="...",
                   checks=(Check("what it checks", cases, probe, judge), ...),
                   timeout=5.0,  # seconds in the learner's process
               ),
           ),
       )

4. Keep the module's top-level imports light (the library's scalar and tensor modules are
   fine). Import numba-backed code inside ``cases``/``probe`` so that lessons that do not
   need it start fast, and raise ``timeout`` for exercises that compile kernels.
5. Add ``tests/solutions/NN_topic_exercises.py`` (a reference solution, same function
   names) and at least one wrong implementation per exercise in ``tests/bug_zoo/`` (with
   ``BUG_FOR = "N.k"`` and a docstring naming the bug). ``tests/test_grading_lessons.py``
   picks them up: the stubs must score 0, the solutions full points, every bug must fail.

Example:
    >>> from tinygrad_rnn.grading import get_exercise
    >>> lesson, exercise = get_exercise("2.3")
    >>> exercise.title, lesson.exercise_file
    ('Topological order without recursion', '02_autograd_exercises.py')
"""

from tinygrad_rnn.grading.registry import (
    LESSON_TITLES,
    Case,
    Check,
    Exercise,
    Lesson,
    get_exercise,
    get_lesson,
    lessons,
    resolve,
)

# The runner (subprocess, threads, temporary files) loads on first use: the learner's process
# imports this package too, and should start fast.
_FROM_RUNNER = ("ExerciseResult", "GradeReport", "grade")


def __getattr__(name: str) -> object:
    if name in _FROM_RUNNER:
        from tinygrad_rnn.grading import runner

        return getattr(runner, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "LESSON_TITLES",
    "Case",
    "Check",
    "Exercise",
    "ExerciseResult",
    "GradeReport",
    "Lesson",
    "get_exercise",
    "get_lesson",
    "grade",
    "lessons",
    "resolve",
]
