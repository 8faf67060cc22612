r"""``Module`` and ``Parameter``: the containers a network is built from, shaped like PyTorch's.

A :class:`Parameter` is a :class:`~tinygrad_rnn.tensor.Tensor` that requires a gradient and
that a :class:`Module` finds on its own. A module is any object whose attributes hold
parameters and other modules; :meth:`Module.named_parameters` walks them in the order they
were assigned and names each one by its path, ``"0.weight"`` or ``"cell.weight_hh"``, so
that a ``state_dict`` (a plain ``dict`` of numpy arrays) can be saved, loaded and moved to
and from PyTorch.

Example:
    >>> import numpy as np
    >>> from tinygrad_rnn.tensor import Tensor
    >>> class Affine(Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.w = Parameter(np.ones((2, 3)))
    ...         self.b = Parameter(np.zeros(3))
    ...     def forward(self, x):
    ...         return x @ self.w + self.b
    >>> m = Affine()
    >>> [name for name, _ in m.named_parameters()]
    ['w', 'b']
    >>> m(Tensor([[1.0, 2.0]])).shape
    (1, 3)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from tinygrad_rnn.tensor import Tensor

__all__ = ["Module", "Parameter", "StateDictError"]


class StateDictError(KeyError, ValueError):
    """A ``state_dict`` that does not fit the module: a missing, extra or mis-shaped key."""

    def __str__(self) -> str:  # KeyError would print the message with quotes around it
        return str(self.args[0]) if self.args else ""


class Parameter(Tensor):
    """A Tensor that requires grad and is registered by the :class:`Module` that holds it.

    Args:
        data: the initial values (an array, a list, or a Tensor whose data is taken).
        dtype: the dtype to store; by default the Tensor default (float32).
        label: a name for graph drawings.

    Example:
        >>> p = Parameter([1.0, 2.0])
        >>> p.requires_grad, p.dtype
        (True, dtype('float32'))
    """

    __slots__ = ()

    def __init__(self, data: Any, dtype: Any = None, label: str | None = None) -> None:
        super().__init__(data, requires_grad=True, dtype=dtype, label=label)

    def __repr__(self) -> str:
        return "Parameter" + super().__repr__().removeprefix("Tensor")


class Module:
    """Base class of every layer: subclass it, assign parameters and sub-modules, write
    ``forward``.

    Attributes assigned in ``__init__`` are found by walking the instance's ``__dict__`` in
    assignment order: :class:`Parameter` values are this module's parameters, :class:`Module`
    values are its children. Names starting with ``_`` are private and never walked.

    Attributes:
        training: ``True`` after :meth:`train` (the default), ``False`` after :meth:`eval`.
            Layers that act differently while training (dropout) read it.
    """

    def __init__(self) -> None:
        self.training = True

    # ------------------------------------------------------------------------ calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the module's output; every subclass defines it."""
        raise NotImplementedError(f"{type(self).__name__}.forward is not written")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # -------------------------------------------------------------------- the tree walk
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` for each direct sub-module, in assignment order."""
        for name, value in vars(self).items():
            if not name.startswith("_") and isinstance(value, Module):
                yield name, value

    def children(self) -> Iterator[Module]:
        """Yield each direct sub-module."""
        for _, child in self.named_children():
            yield child

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """Yield ``(dotted_name, module)`` for this module (name ``""``) and every descendant."""
        yield prefix, self
        for name, child in self.named_children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """Yield ``(dotted_name, parameter)`` for every parameter, this module's first.

        A parameter shared by two sub-modules is yielded once, under its first name.
        """
        seen: set[int] = set()
        for module_name, module in self.named_modules(prefix):
            for name, value in vars(module).items():
                if name.startswith("_") or not isinstance(value, Parameter):
                    continue
                if id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{module_name}.{name}" if module_name else name), value

    def parameters(self) -> Iterator[Parameter]:
        """Yield every parameter (what an optimizer is given)."""
        for _, p in self.named_parameters():
            yield p

    def num_parameters(self) -> int:
        """The total number of scalar parameters."""
        return int(sum(p.size for p in self.parameters()))

    # ------------------------------------------------------------------ modes and grads
    def zero_grad(self) -> None:
        """Forget every parameter's gradient (set ``.grad`` to ``None``)."""
        # a plain walk (no names, no duplicate check): this runs once per training step,
        # so the attributes are filtered in C (`Parameter.__instancecheck__(v)` is
        # `isinstance(v, Parameter)` as a function of one argument)
        todo = [self]
        while todo:
            module = todo.pop()
            values = vars(module).values()
            for param in filter(Parameter.__instancecheck__, values):
                param.grad = None
            if any(map(Module.__instancecheck__, values)):
                todo.extend(child for _, child in module.named_children())

    def train(self, mode: bool = True) -> Module:
        """Put this module and every descendant in training mode (or eval mode if ``mode``
        is false). Returns ``self``."""
        for _, module in self.named_modules():
            module.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Put this module and every descendant in evaluation mode. Returns ``self``."""
        return self.train(False)

    def to(self, dtype: Any) -> Module:
        """Convert every parameter to ``dtype`` in place (``np.float64`` for gradient checks).

        Returns ``self``. Gradients are dropped, since they belonged to the old arrays.
        """
        dt = np.dtype(dtype)
        if dt.kind != "f":
            raise TypeError(f"{type(self).__name__}.to: needs a floating dtype, got {dt}")
        for p in self.parameters():
            p.data = p.data.astype(dt)
            p.grad = None
        return self

    # ---------------------------------------------------------------------- state dicts
    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter as ``{dotted_name: numpy array}``, in parameter order.

        The names and shapes follow PyTorch's where a layer has a PyTorch twin, so
        ``torch_module.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})``
        works.
        """
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> Module:
        """Copy arrays from ``state`` into the parameters, in place.

        Args:
            state: ``{dotted_name: array}``; arrays may be numpy arrays, Tensors, or anything
                with a ``.numpy()`` method (a PyTorch tensor, after ``.detach()``).
            strict: when true, every parameter must be present and no other key may be.

        Returns:
            ``self``.

        Raises:
            StateDictError: for a missing or unexpected key, or an array of the wrong shape
                or a non-numeric dtype; the message names the key and both shapes.
        """
        owner = type(self).__name__
        params = dict(self.named_parameters())
        if strict:
            missing = [k for k in params if k not in state]
            extra = [k for k in state if k not in params]
            if missing or extra:
                parts = []
                if missing:
                    parts.append(f"missing keys {missing}")
                if extra:
                    parts.append(f"unexpected keys {extra}")
                raise StateDictError(
                    f"{owner}.load_state_dict: {' and '.join(parts)}; "
                    f"the module's keys are {list(params)}"
                )
        arrays = {}
        for name, p in params.items():  # check everything before changing anything
            if name not in state:
                continue
            arr = _to_numpy(state[name])
            if arr.shape != p.shape:
                raise StateDictError(
                    f"{owner}.load_state_dict: key {name!r} has shape {arr.shape} but the "
                    f"parameter has shape {p.shape}"
                )
            if arr.dtype.kind not in "fiu":
                raise StateDictError(
                    f"{owner}.load_state_dict: key {name!r} has dtype {arr.dtype}, not numbers"
                )
            if arr.dtype.kind == "f" and arr.dtype.itemsize > p.data.dtype.itemsize and arr.size:
                finite = np.abs(arr[np.isfinite(arr)])
                limit = np.finfo(p.data.dtype).max
                if finite.size and finite.max() > limit:
                    raise StateDictError(
                        f"{owner}.load_state_dict: key {name!r} holds {arr.dtype} values up to "
                        f"{finite.max():.3g}, beyond {p.data.dtype}'s largest {limit:.3g}; "
                        f"they would become inf, so the load is refused"
                    )
            arrays[name] = arr
        for name, arr in arrays.items():
            params[name].data[...] = arr  # in place: optimizers keep pointing at the same array
            params[name].mark_modified()  # a graph built before the load can't run backward
        return self

    # ---------------------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """The settings shown inside the parentheses of ``repr``; override in subclasses."""
        return ""

    def __repr__(self) -> str:
        children = list(self.named_children())
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not children:
            return head + ")"
        lines = [head]
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"


def _to_numpy(value: Any) -> np.ndarray:
    """An array from a numpy array, a Tensor, or a PyTorch tensor (anything with .numpy())."""
    if isinstance(value, Tensor):
        return value.data
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        return value.detach().cpu().numpy()
    return np.asarray(value)
