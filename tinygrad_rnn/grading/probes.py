"""Helpers for probes: the code that runs beside the learner's code and reports what it did.

A probe calls the learner's function and turns the result into plain data. When the learner
returns the wrong kind of thing, the probe raises :class:`WrongType` with a sentence the
learner understands; the scorecard shows it as that exercise's failure.

This module is imported in the learner's process, so it imports nothing heavy.
"""

from __future__ import annotations

from typing import Any

__all__ = ["WrongType", "as_number", "as_value", "as_list", "describe"]


class WrongType(Exception):
    """The learner's function returned something of the wrong type or length."""


def describe(obj: Any) -> str:
    """A short description of an object for a message: type and a clipped repr."""
    text = repr(obj)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(obj).__name__} {text}"


def as_number(obj: Any, where: str) -> float:
    """``obj`` as a float, if it is a real number (int, float or numpy scalar, not bool).

    Raises:
        WrongType: for anything else, a Value included.
    """
    if isinstance(obj, bool) or obj is None:
        raise WrongType(f"{where} should return a number (a float), got {describe(obj)}")
    if isinstance(obj, (int, float)):
        return float(obj)
    if type(obj).__module__ == "numpy" and getattr(obj, "shape", None) == ():
        try:
            return float(obj)
        except (TypeError, ValueError):
            pass
    if type(obj).__name__ == "Value":
        raise WrongType(
            f"{where} should return a plain float, got a Value ({obj!r}); "
            "return a number, e.g. its .data, or compute with math instead"
        )
    raise WrongType(f"{where} should return a number (a float), got {describe(obj)}")


def as_value(obj: Any, where: str) -> Any:
    """``obj`` itself if it is a :class:`~tinygrad_rnn.scalar.Value` with a real ``data``.

    Raises:
        WrongType: for anything else; a plain number gets a message about the lost graph.
    """
    from tinygrad_rnn.scalar import Value

    if isinstance(obj, Value):
        if not isinstance(obj.data, (int, float)) or isinstance(obj.data, bool):
            raise WrongType(f"{where} returned a Value whose data is {describe(obj.data)}")
        return obj
    if isinstance(obj, (int, float)) and not isinstance(obj, bool):
        raise WrongType(
            f"{where} should return a Value, got the plain number {obj!r}: "
            "build the result from Value operations so that backward() can reach the inputs"
        )
    raise WrongType(f"{where} should return a Value, got {describe(obj)}")


def as_list(obj: Any, where: str, item: str = "Values") -> list[Any]:
    """``obj`` as a list if it is a list or tuple.

    Raises:
        WrongType: for anything else.
    """
    if isinstance(obj, (list, tuple)):
        return list(obj)
    raise WrongType(f"{where} should return a list of {item}, got {describe(obj)}")
