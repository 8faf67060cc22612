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
from typing import Any

__all__ = ["encode", "decode", "to_plain"]


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
