"""The declared check of grading/calls.py: a wrong answer gets the message, a wrong type the
WrongType sentence, the right answer passes; for dicts (``keyed``) and a comparison ``order``.

The probe and the judge run here in one process, on a small module standing in for the
learner's file.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest

from tinygrad_rnn.grading.calls import call
from tinygrad_rnn.grading.probes import WrongType
from tinygrad_rnn.grading.registry import Case

LABEL = "step(x)"


def _cases() -> tuple[Case, ...]:
    x = [1.0, 2.0]
    return (Case({"x": x}, {"h": np.array([2.0, 4.0]), "c": np.array([3.0, 6.0])}, LABEL),)


def _learner(fn) -> ModuleType:
    module = ModuleType("learner")
    module.step = fn
    return module


def _grade(check, fn) -> str | None:
    (case,) = check.cases()
    return check.judge(case, check.probe(_learner(fn), case.inputs))


def _keyed(**kw):
    return call("h and c", _cases, "step", ("x",), returns=("h", "c"), keyed=True, **kw)


def test_keyed_right_answer_passes() -> None:
    assert _grade(_keyed(), lambda x: {"h": 2 * x, "c": 3 * x, "extra": 0}) is None


def test_keyed_wrong_answer_names_the_key_and_the_entry() -> None:
    message = _grade(_keyed(), lambda x: {"h": 2 * x, "c": 3 * x + np.array([0.0, 1.0])})
    assert message == f"{LABEL}: expected 6, got 7 (c[1], first of 1 wrong entries)"


def test_keyed_not_a_dict_gets_the_wrong_type_sentence() -> None:
    with pytest.raises(WrongType, match=r"^step should return a dict with keys h, c; got tuple"):
        _grade(_keyed(), lambda x: (2 * x, 3 * x))


def test_keyed_missing_keys_are_named() -> None:
    with pytest.raises(WrongType, match=r"^step's dict has no c$"):
        _grade(_keyed(), lambda x: {"h": 2 * x})


def test_keyed_value_of_the_wrong_type_names_the_key() -> None:
    with pytest.raises(WrongType, match=r"^step's c should be one numpy array, got a list"):
        _grade(_keyed(), lambda x: {"h": 2 * x, "c": [3.0, 6.0]})


def test_order_decides_which_wrong_result_speaks() -> None:
    def both_wrong(x):
        return 2 * x + 1, 3 * x + 1

    plain = call("h and c", _cases, "step", ("x",), returns=("h", "c"))
    ordered = call("h and c", _cases, "step", ("x",), returns=("h", "c"), order=("c", "h"))
    assert "(h[0], first of 2 wrong entries)" in _grade(plain, both_wrong)
    assert "(c[0], first of 2 wrong entries)" in _grade(ordered, both_wrong)
    assert _grade(ordered, lambda x: (2 * x, 3 * x)) is None


def test_order_must_name_every_result_once() -> None:
    with pytest.raises(ValueError, match="order"):
        call("h and c", _cases, "step", ("x",), returns=("h", "c"), order=("c",))
    with pytest.raises(ValueError, match="keyed"):
        call("h", _cases, "step", ("x",), returns="h", keyed=True)


def _labels_cases() -> tuple[Case, ...]:
    x, t = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], [2, 0]
    return (Case({"x": x, "t": t}, {"picked": np.array([3.0, 4.0])}, "pick(x, t)"),)


def test_ints_arguments_arrive_as_int64_arrays() -> None:
    seen = []

    def pick(x, t):
        seen.append(t.dtype)
        return x[np.arange(len(t)), t]

    check = call("picked", _labels_cases, "pick", ("x", "t:ints"), returns="picked")
    (case,) = check.cases()
    learner = ModuleType("learner")
    learner.pick = pick
    assert check.judge(case, check.probe(learner, case.inputs)) is None
    assert seen == [np.dtype(np.int64)]


def test_compare_judges_only_the_named_results() -> None:
    def c_wrong(x):
        return 2 * x, 3 * x + 1

    def h_check(**kw):
        return call("h", _cases, "step", ("x",), returns=("h", "c"), compare=("h",), **kw)

    c_check = call("c", _cases, "step", ("x",), returns=("h", "c"), compare=("c",))
    assert _grade(h_check(), c_wrong) is None
    assert (
        _grade(c_check, c_wrong) == f"{LABEL}: expected 3, got 4 (c[0], first of 2 wrong entries)"
    )
    seen = []
    _grade(h_check(diagnose=lambda case, got: seen.append(sorted(got))), c_wrong)
    assert seen == [["c", "h"]]  # the results not compared still reach diagnose
    with pytest.raises(ValueError, match="compare"):
        call("h", _cases, "step", ("x",), returns=("h", "c"), compare=("z",))


def test_quiet_silences_numpy_warnings_and_the_comparison_names_the_inf() -> None:
    import warnings

    def overflows(x):
        return np.exp(1000.0 * x), 3 * x

    loud = call("h", _cases, "step", ("x",), returns=("h", "c"))
    quiet = call("h", _cases, "step", ("x",), returns=("h", "c"), quiet=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning, match="overflow"):
            _grade(loud, overflows)
        assert _grade(quiet, overflows) == f"{LABEL}: h holds nan or inf: [inf inf]"


def _mask_cases() -> tuple[Case, ...]:
    inputs = {"x": [1.0, 2.0, 3.0], "valid": [True, False, True]}
    return (Case(inputs, np.array([1.0, 0.0, 3.0]), "keep(x, valid)"),)


def test_bools_arguments_arrive_as_boolean_masks() -> None:
    seen = []

    def keep(x, valid):
        seen.append(valid.dtype)
        return np.where(~valid, 0.0, x)  # ~ of a float array raises TypeError

    check = call("kept", _mask_cases, "keep", ("x", "valid:bools"), what="the kept entries")
    (case,) = check.cases()
    learner = ModuleType("learner")
    learner.keep = keep
    assert check.judge(case, check.probe(learner, case.inputs)) is None
    assert seen == [np.dtype(bool)]
