"""Forbidden calls: library functions an exercise asks the learner to write, not to call.

An :class:`~tinygrad_rnn.grading.registry.Exercise` lists them as dotted names
(``"tinygrad_rnn.nn.lstm_step"``). In the learner's process, before the probes run,
:func:`forbid` turns each of them into a guard: called from code in the learner's file
(directly, or through other library code that the learner's code called), it records the
call and raises :class:`ForbiddenCall` with a sentence naming the exercise and its rule;
called from anywhere else (the probes, the library itself) it does exactly what it did before.

How it reaches every way of calling:

* A plain function has its code object swapped for a small trampoline, so the very function
  object changes behaviour: a name the learner bound before grading
  (``from tinygrad_rnn.nn import lstm_step``), an alias in a table, a reference held by other
  library code all lead to the guard. The original code lives on in a copy of the function.
* A class gets a guarding ``__init__`` set on the class object itself (subclasses too).
* Anything else that can be called (a compiled numba dispatcher) is replaced, wherever a
  loaded module's globals hold it, by a guarding wrapper.

Whether a call comes from the learner is read from the call stack: a frame whose code was
compiled from the learner's file. Helpers the exercise file offers are code of that file, so
they may be used; only the listed library functions are guarded.

This runs only in the learner's process, which ends after one exercise: nothing is undone.
"""

from __future__ import annotations

import importlib
import os
import sys
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["ForbiddenCall", "forbid", "resolve_name", "violations"]


class ForbiddenCall(RuntimeError):
    """The learner's code called a library function its exercise asks it to write."""


@dataclass
class _Guarded:
    name: str
    message: str
    original: Callable[..., Any]


_TABLE: list[_Guarded] = []
_LEARNER_FILES: set[str] = set()
#: Every forbidden call seen, as its message, first first (the learner's code may catch the
#: exception; the exercise fails all the same).
violations: list[str] = []


def resolve_name(dotted: str) -> Any:
    """The object a dotted name points at: ``"tinygrad_rnn.nn.LSTM"``, ``"pkg.mod.Cls.meth"``.

    Raises:
        LookupError: when no module and attribute path matches.
    """
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            continue
        return obj
    raise LookupError(f"forbidden name {dotted!r} names nothing importable")


def _from_learner() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename in _LEARNER_FILES:
            return True
        frame = frame.f_back
    return False


def _call(key: int, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    entry = _TABLE[key]
    if _from_learner():
        violations.append(entry.message)
        raise ForbiddenCall(entry.message)
    return entry.original(*args, **kwargs)


def _trampoline(*args: Any, **kwargs: Any) -> Any:
    # Runs with the guarded function's globals: reach this module through sys.modules.
    return __import__("sys").modules["tinygrad_rnn.grading.forbidden"]._call(-1, args, kwargs)


def _copy_function(fn: types.FunctionType) -> types.FunctionType:
    copy = types.FunctionType(
        fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__
    )
    copy.__kwdefaults__ = fn.__kwdefaults__
    copy.__dict__.update(fn.__dict__)
    copy.__qualname__ = fn.__qualname__
    return copy


def _guard_function(fn: types.FunctionType, key: int) -> bool:
    """Swap ``fn``'s code for the trampoline; False when it cannot be done (a closure)."""
    if fn.__code__.co_freevars:
        return False
    code = _trampoline.__code__
    consts = tuple(key if c == -1 and type(c) is int else c for c in code.co_consts)
    fn.__code__ = code.replace(
        co_consts=consts, co_name=fn.__code__.co_name, co_qualname=fn.__code__.co_qualname
    )
    fn.__defaults__ = None
    fn.__kwdefaults__ = None
    return True


def _guard_class(cls: type, key: int) -> None:
    original_init = cls.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if _from_learner():
            violations.append(_TABLE[key].message)
            raise ForbiddenCall(_TABLE[key].message)
        original_init(self, *args, **kwargs)

    cls.__init__ = __init__


def _replace_everywhere(obj: Any, key: int) -> None:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return _call(key, args, kwargs)

    for module in list(sys.modules.values()):
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        for attr, value in list(namespace.items()):
            if value is obj:
                namespace[attr] = wrapper


def forbid(exercise: str, rule: str, names: Sequence[str], learner_file: str) -> None:
    """Guard every function in ``names`` against calls from ``learner_file``.

    The message reads ``"exercise 9.1 asks you to <rule>: your code called <name>"``.

    Raises:
        LookupError: a name that resolves to nothing (a mistake in the registry).
    """
    _LEARNER_FILES.add(os.path.abspath(learner_file))
    for name in names:
        obj = resolve_name(name)
        message = f"exercise {exercise} asks you to {rule}: your code called {name}"
        key = len(_TABLE)
        if isinstance(obj, types.FunctionType):
            original = _copy_function(obj)
            _TABLE.append(_Guarded(name, message, original))
            if not _guard_function(obj, key):
                _replace_everywhere(obj, key)
        elif isinstance(obj, type):
            _TABLE.append(_Guarded(name, message, obj))
            _guard_class(obj, key)
        elif callable(obj):
            _TABLE.append(_Guarded(name, message, obj))
            _replace_everywhere(obj, key)
        else:
            raise LookupError(f"forbidden name {name!r} is not callable")
