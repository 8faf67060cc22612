"""The common check, declared instead of written: call the learner's function, compare.

About a third of the course's checks are the same three steps: turn a case's inputs into
arrays, call one of the learner's functions with them, and compare what comes back with the
expected answer within a tolerance. :func:`call` declares such a check in one statement::

    Check = call(
        "h_t matches the reference",
        _step_cases,
        "rnn_step", ("x_t", "h_prev", "W_ih", "W_hh", "b"),
        returns="h_t",
        diagnose=_transposed_weights,
    )

The probe (:func:`probe`, in the learner's process) and the judge (made here, in the
grader's process) are generic. What is special about an exercise stays code: ``diagnose`` is
called before the comparison and may name a specific mistake ("every state is one step
late"); when it returns ``None`` the generic comparison speaks.

How the pieces travel: each case's inputs are wrapped as ``{"call": spec, "inputs": ...}``
where ``spec`` says which function to call and how to convert its arguments and results. The
spec is plain data (it crosses into the learner's process as JSON, like every input); the
expected answers stay in the grader's process as always.

Argument names may carry a conversion after a colon: ``"xs"`` (the default) becomes a
float64 array when it is a list and stays as it is otherwise; ``"shape:tuple"`` becomes a
tuple; ``"targets:ints"`` becomes an int64 array (class labels, ids); ``"valid:bools"`` a
boolean array (a mask); ``"window:raw"`` is passed unchanged. ``keywords`` are passed by
name the same way. With ``quiet=True`` numpy's floating-point warnings are silenced during
the call (an overflow shows as inf or nan in the result, which the comparison or a diagnosis
names, instead of a warning in the output).

``returns`` names what comes back: one name (``"h_t"``) for a single result, a tuple of names
(``("grads", "h_T")``) for a tuple of that length. Each name may carry a kind after a colon:
``array`` (the default: a numpy array, compared entry by entry), ``number`` (a float) or
``int`` (a whole number, compared exactly). With ``keyed=True`` the function returns a dict
holding each of those names as a key instead of a tuple. ``order`` says in which order the
results are compared, the first that differs speaking (e.g. a cell state before the output
read from it); by default the order of ``returns``. ``compare`` names the results the
generic comparison looks at when it is not all of them: two checks on the same call, each
judging one result (the other still comes back, for ``diagnose``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from tinygrad_rnn.grading.probes import WrongType, as_number, describe
from tinygrad_rnn.grading.registry import Case, Check

__all__ = ["call", "probe", "as_tuple", "as_keyed", "split_name"]

KINDS = ("array", "number", "int")
CONVERSIONS = ("array", "tuple", "ints", "bools", "raw")


def split_name(entry: str, default: str) -> tuple[str, str]:
    """``"xs:array"`` -> ``("xs", "array")``; ``"xs"`` -> ``("xs", default)``."""
    name, _, kind = entry.partition(":")
    return name, kind or default


def as_tuple(result: Any, n: int, where: str, names: str) -> tuple[Any, ...]:
    """``result`` as a tuple of ``n`` items, if it is a tuple or list of that length.

    ``names`` is how the message shows the expected tuple, e.g. ``"(grads, h_T)"``.

    Raises:
        WrongType: for anything else.
    """
    if not isinstance(result, tuple | list) or len(result) != n:
        raise WrongType(f"{where} should return a tuple {names}, got {describe(result)}")
    return tuple(result)


def as_keyed(result: Any, returns: Sequence[Sequence[str]], where: str) -> list[Any]:
    """The values of ``result`` under each name of ``returns``, if it is a dict holding them.

    Raises:
        WrongType: for anything else, or a dict without some of the keys.
    """
    keys = [name for name, _ in returns]
    if not isinstance(result, dict):
        raise WrongType(
            f"{where} should return a dict with keys {', '.join(keys)}; got {describe(result)}"
        )
    missing = [k for k in keys if k not in result]
    if missing:
        raise WrongType(f"{where}'s dict has no {', '.join(missing)}")
    return [result[k] for k in keys]


def _argument(value: Any, how: str) -> Any:
    if how == "raw":
        return value
    if how == "tuple":
        return tuple(value)
    if how == "ints":
        import numpy as np

        return np.array(value, dtype=np.int64)
    if how == "bools":
        import numpy as np

        return np.array(value, dtype=bool)
    if isinstance(value, list):
        import numpy as np

        return np.array(value, dtype=np.float64)
    return value


def _result(value: Any, kind: str, where: str) -> Any:
    if kind == "number":
        return as_number(value, where)
    if kind == "int":
        if isinstance(value, bool) or type(value).__name__ not in _INT_TYPES:
            raise WrongType(f"{where} should be a whole number (an int), got {describe(value)}")
        return int(value)
    from tinygrad_rnn.grading.arrays import as_array

    return as_array(value, where)


_INT_TYPES = {"int", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}


def probe(learner: ModuleType, inputs: dict[str, Any]) -> Any:
    """The generic probe: call ``spec["fn"]`` with the converted inputs, convert the result.

    Runs in the learner's process. Returns one converted result, or a dict by name when the
    function returns a tuple.
    """
    spec, values = inputs["call"], inputs["inputs"]
    fn = spec["fn"]
    args = [_argument(values[name], how) for name, how in spec["args"]]
    keywords = {name: _argument(values[name], how) for name, how in spec["keywords"]}
    if spec.get("quiet"):
        import numpy as np

        with np.errstate(all="ignore"):
            result = getattr(learner, fn)(*args, **keywords)
    else:
        result = getattr(learner, fn)(*args, **keywords)
    returns = spec["returns"]
    if isinstance(returns[0], str):  # one result: [name, kind]
        name, kind = returns
        return _result(result, kind, fn if name == "result" else f"{fn}'s {name}")
    if spec.get("keyed"):
        return {
            name: _result(item, kind, f"{fn}'s {name}")
            for (name, kind), item in zip(returns, as_keyed(result, returns, fn), strict=True)
        }
    names = "(" + ", ".join(name for name, _ in returns) + ")"
    items = as_tuple(result, len(returns), fn, names)
    return {
        name: _result(item, kind, f"{fn}'s {name}")
        for (name, kind), item in zip(returns, items, strict=True)
    }


def _compare(
    label: str, what: str, kind: str, expected: Any, got: Any, rtol: float, atol: float
) -> str | None:
    from tinygrad_rnn.grading.checks import close, value_message

    if kind == "int":
        return None if got == expected else value_message(label, expected, got, what)
    if kind == "number":
        return (
            None
            if close(got, float(expected), rtol, atol)
            else value_message(label, float(expected), got, what)
        )
    import numpy as np

    from tinygrad_rnn.grading.arrays import array_problem

    return array_problem(label, what, np.asarray(expected, dtype=np.float64), got, rtol, atol)


def call(
    name: str,
    cases: Callable[[], Sequence[Case]],
    fn: str,
    args: Sequence[str],
    *,
    returns: str | Sequence[str] = "result",
    keywords: Sequence[str] = (),
    rtol: float | dict[str, float] = 1e-9,
    atol: float | dict[str, float] = 1e-12,
    what: str | dict[str, str] | None = None,
    diagnose: Callable[[Case, Any], str | None] | None = None,
    keyed: bool = False,
    order: Sequence[str] | None = None,
    compare: Sequence[str] | None = None,
    quiet: bool = False,
) -> Check:
    """A check that calls the learner's ``fn`` on each case and compares what it returns.

    Args:
        name: the check's name on the scorecard.
        cases: the case builder; each case's ``inputs`` is a dict holding every name in
            ``args`` and ``keywords``; its ``expected`` is the answer, or a dict holding each
            result by name (needed when ``returns`` is a tuple; other keys are for
            ``diagnose``).
        fn: the learner's function.
        args: positional arguments by input name, optionally ``"name:tuple"`` or
            ``"name:raw"`` (see the module's docstring).
        returns: what the function returns: one name, or a tuple of names, each optionally
            ``"name:number"`` or ``"name:int"``.
        keywords: arguments passed by name, with the same conversions.
        rtol, atol: the tolerance of the comparison (``|got - want| <= atol + rtol |want|``);
            a dict by name gives each result of a tuple its own.
        what: how a message names each result (default: the result's name); a dict by name
            for a tuple.
        diagnose: ``(case, got) -> str | None``, tried first: a message for a specific mistake.
            ``case`` is the case as the builder made it; ``got`` is what the probe returned
            (a dict by name for a tuple).
        keyed: the function returns a dict holding each name of ``returns`` (a tuple of
            names) as a key, not a tuple.
        order: the names of ``returns`` in the order they are compared; the first result that
            differs is the one reported (default: the order of ``returns``).
        compare: the names of ``returns`` the generic comparison checks (default: all); the
            others still come back, e.g. for ``diagnose``.
        quiet: silence numpy's floating-point warnings during the learner's call.
    """
    single = isinstance(returns, str)
    outputs = [split_name(r, "array") for r in ([returns] if single else returns)]
    for out_name, kind in outputs:
        if kind not in KINDS:
            raise ValueError(f"check {name!r}: result {out_name!r} has unknown kind {kind!r}")
    if keyed and single:
        raise ValueError(f"check {name!r}: keyed=True needs a tuple of names in returns")
    compared = outputs
    if order is not None:
        kinds = dict(outputs)
        if sorted(order) != sorted(kinds):
            raise ValueError(f"check {name!r}: order {order!r} should name each result once")
        compared = [(out_name, kinds[out_name]) for out_name in order]
    if compare is not None:
        if not compare or not set(compare) <= {out_name for out_name, _ in outputs}:
            raise ValueError(f"check {name!r}: compare {compare!r} should name some results")
        compared = [(out_name, kind) for out_name, kind in compared if out_name in compare]
    arg_spec = [list(split_name(a, "array")) for a in args]
    kw_spec = [list(split_name(k, "array")) for k in keywords]
    for arg_name, how in arg_spec + kw_spec:
        if how not in CONVERSIONS:
            raise ValueError(f"check {name!r}: argument {arg_name!r} has unknown kind {how!r}")
    spec = {
        "fn": fn,
        "args": arg_spec,
        "keywords": kw_spec,
        "returns": list(outputs[0]) if single else [list(o) for o in outputs],
        "keyed": keyed,
        "quiet": quiet,
    }

    @functools.wraps(cases)  # keeps __wrapped__ (the builder) and its cache_clear
    def wrapped() -> tuple[Case, ...]:
        return tuple(Case({"call": spec, "inputs": c.inputs}, c.expected, c.label) for c in cases())

    def names_for(out_name: str) -> str:
        if isinstance(what, dict):
            return what.get(out_name, out_name)
        if what is not None and single:
            return what
        return "the result" if out_name == "result" else out_name

    def tolerance(out_name: str) -> tuple[float, float]:
        r = rtol[out_name] if isinstance(rtol, dict) else rtol
        a = atol[out_name] if isinstance(atol, dict) else atol
        return r, a

    def judge(case: Case, got: Any) -> str | None:
        if diagnose is not None:
            message = diagnose(Case(case.inputs["inputs"], case.expected, case.label), got)
            if message is not None:
                return message
        results = {outputs[0][0]: got} if single else got
        for out_name, kind in compared:
            if isinstance(case.expected, dict):
                want = case.expected[out_name]
            else:
                want = case.expected
            problem = _compare(
                case.label,
                names_for(out_name),
                kind,
                want,
                results[out_name],
                *tolerance(out_name),
            )
            if problem is not None:
                return problem
        return None

    judge.__name__ = f"judge_{fn}"
    return Check(name, wrapped, probe, judge)
