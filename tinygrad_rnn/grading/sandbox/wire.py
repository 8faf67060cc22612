"""The data that crosses between the grader and the learner's process: JSON, nothing else.

The learner's process sends back only JSON text, which the grader parses as data. (Pickle
would let code in the learner's process run code in the grader's process when the result is
read.) Numpy arrays travel as ``{"__ndarray__": nested lists, "dtype": ..., "shape": ...}``;
``nan`` and ``inf`` travel as JSON's ``NaN`` and ``Infinity``.

Example:
    >>> decode(encode({"x": (1.0, 2)}))
    {'x': [1.0, 2]}
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["clean_text", "encode", "decode", "to_plain"]

# Terminal escape sequences (CSI ``ESC [ ... final``, OSC ``ESC ] ... BEL/ST``, two-byte
# ``ESC x``), then every other control character but newline and tab, C1 controls included.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|\x9b[0-?]*[ -/]*[@-~]"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """``text`` without terminal escape sequences and control characters (newline, tab stay).

    Learner code decides what its messages, exceptions and printout say; this keeps them
    from moving the cursor, clearing the screen, retitling the terminal or reordering text
    (bidirectional overrides) when the grader shows them. ``\\r`` goes too, so a line cannot
    overwrite the one before it.

    Example:
        >>> clean_text("ok\\x1b[2J\\x1b]0;title\\x07\\rPASS")
        'okPASS'
    """
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def to_plain(obj: Any) -> Any:
    """Turn ``obj`` into JSON-ready data; tuples become lists, numpy arrays tagged dicts."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [to_plain(item) for item in obj]
    if isinstance(obj, dict):
        return {str(key): to_plain(value) for key, value in obj.items()}
    kind = type(obj).__module__
    if kind == "numpy":
        import numpy as np

        if isinstance(obj, np.ndarray):
            return {"__ndarray__": obj.tolist(), "dtype": str(obj.dtype), "shape": list(obj.shape)}
        if isinstance(obj, np.generic):
            return obj.item()
    raise TypeError(f"cannot send a {type(obj).__name__} between processes: {obj!r:.80}")


def _revive(obj: dict[str, Any]) -> Any:
    if "__ndarray__" in obj:
        import numpy as np

        return np.array(obj["__ndarray__"], dtype=obj["dtype"]).reshape(obj["shape"])
    return obj


def encode(obj: Any) -> str:
    """JSON text for ``obj`` (see :func:`to_plain` for what is allowed)."""
    return json.dumps(to_plain(obj))


def decode(text: str) -> Any:
    """Data from JSON text made by :func:`encode`."""
    return json.loads(text, object_hook=_revive)
