"""Draw computation graphs with graphviz, for Values and Tensors alike.

Each data node is a box with its label, its value (a Value's number, or a Tensor's shape
and dtype) and its gradient (a Value's grad, or the norm of a Tensor's grad). Each
operation is a small ellipse between its inputs and its output. Graphs read left to right,
in the order the forward pass ran. Nodes that share a ``group`` (say ``"t=3"``) are drawn
inside one labelled box, which is how an unrolled RNN shows one cluster per time step.

Unrolled recurrent graphs are drawn **compact** by default (``compact=None`` turns it on for
Tensor graphs with time-step groups; ``True`` or ``False`` forces it): the layout-only ops
(``permute``, ``getitem``, ``reshape``) are not drawn as nodes but folded into the arrow that
leaves their input, marked ``T`` (transpose), ``[ ]`` (a slice) or ``reshape``; an unnamed
intermediate result and the op that made it share one small ellipse (op name and shape);
named results such as the
states ``h_1``, ``c_1`` and the parameters keep their boxes. The picture is then a few times
narrower and shows only what the lessons talk about.

With ``color_by_grad=True`` the boxes are shaded by the size of their gradient on a log
scale, so a vanishing gradient is visible at a glance: the early time steps fade out.

Rendering needs graphviz's ``dot`` program. Without it nothing crashes: :func:`render`
still writes the ``.dot`` source and prints one line on how to install graphviz, and in a
notebook the graph shows as its source text.

Example:
    >>> from tinygrad_rnn import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b
    >>> c.label = "c"
    >>> view = draw(c)
    >>> "a" in view.source and "*" in view.source
    True
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import graphviz

from tinygrad_rnn.autograd import toposort

__all__ = ["GraphView", "draw", "render", "dot_available", "INSTALL_HINT", "RenderError"]

INSTALL_HINT = (
    "graphviz's `dot` program was not found, so only the .dot source was written. "
    "Install it with `apt-get install graphviz` (Debian/Ubuntu) or `brew install graphviz` "
    "(macOS), then run again to get the picture."
)

# Light to dark: how strongly a node's gradient is felt (log scale within one graph).
_SHADES = ["#ffffff", "#fff3e0", "#ffe0b2", "#ffcc80", "#ffb74d", "#ffa726", "#fb8c00", "#ef6c00"]


FORMATS = ("svg", "png", "pdf")
"""The picture formats :meth:`GraphView.save` renders (``.dot`` is the source itself)."""

DOT_TIMEOUT = 10.0
"""Seconds to wait for graphviz's ``dot`` before giving up on a picture."""


class RenderError(RuntimeError):
    """The picture could not be made; the ``.dot`` source was written and is named."""


def _run_dot(dot: str, fmt: str, source: str, dot_path: Path, timeout: float | None) -> bytes:
    """Render ``source`` with the ``dot`` program, or write the source and raise RenderError."""
    if timeout is None:
        timeout = float(os.environ.get("TINYGRAD_RNN_DOT_TIMEOUT", DOT_TIMEOUT))
    problem = ""
    try:
        done = subprocess.run(
            [dot, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        problem = f"graphviz's dot ({dot}) did not answer within {timeout:g} s"
    except OSError as err:
        problem = f"graphviz's dot ({dot}) could not be run: {err.strerror or err}"
    else:
        if done.returncode == 0 and done.stdout:
            return done.stdout
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        if done.returncode < 0:
            problem = f"graphviz's dot ({dot}) crashed (signal {-done.returncode})"
        else:
            problem = f"graphviz's dot ({dot}) failed (exit status {done.returncode})"
        if said:
            problem += f": {said[0][:120]}"
    dot_path.write_text(source)
    raise RenderError(f"{problem}; wrote the graph's source to {dot_path}")


def dot_available() -> bool:
    """True when graphviz's ``dot`` program is on the PATH."""
    return shutil.which("dot") is not None


def _escape(text: str) -> str:
    """Escape the characters that have a meaning inside a graphviz record label."""
    for ch in '\\{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text


def _is_tensor(node: Any) -> bool:
    return hasattr(node, "shape") and hasattr(node, "dtype")


def _grad_size(node: Any) -> float | None:
    grad = getattr(node, "grad", None)
    if grad is None:
        return None
    if _is_tensor(node):
        import numpy as np

        return float(np.sqrt(np.sum(np.square(np.asarray(grad, dtype=np.float64)))))
    return abs(float(grad))


def _node_text(node: Any, show_grad: bool, stacked: bool = False) -> str:
    label = getattr(node, "label", "") or ""
    parts = [_escape(label)] if label else []
    if _is_tensor(node):
        shape = tuple(node.shape)
        parts.append(_escape(f"{shape} {node.dtype}"))
        if show_grad:
            size = _grad_size(node)
            parts.append("grad norm —" if size is None else f"grad norm {size:.3g}")
    else:
        parts.append(f"data {node.data:.4f}")
        if show_grad:
            parts.append(f"grad {node.grad:.4f}")
    # In a left-to-right graph "{ }" lays the fields out side by side; without it they stack.
    return " | ".join(parts) if stacked else "{ " + " | ".join(parts) + " }"


class GraphView:
    """A drawn graph: save it, or let a notebook show it inline.

    Attributes:
        digraph: the underlying ``graphviz.Digraph``.
    """

    def __init__(self, digraph: graphviz.Digraph) -> None:
        self.digraph = digraph

    @property
    def source(self) -> str:
        """The graph in graphviz's dot language."""
        return self.digraph.source

    def save(
        self,
        path: str | Path,
        fmt: str | None = None,
        quiet: bool = False,
        timeout: float | None = None,
    ) -> Path:
        """Write the picture to ``path`` (format from its suffix: svg, png, pdf or dot).

        Returns the path written. Without the ``dot`` program, writes ``<path>.dot`` instead,
        prints one line on how to install graphviz (unless ``quiet``), and returns that path.

        Raises:
            RenderError: an unknown format, a ``dot`` that fails or crashes, or one that
                does not answer within ``timeout`` seconds (default :data:`DOT_TIMEOUT`, or
                the environment variable ``TINYGRAD_RNN_DOT_TIMEOUT``). The ``.dot`` source
                is written beside ``path`` first, and the message names it.
        """
        path = Path(path)
        fmt = (fmt or (path.suffix.lstrip(".") or "svg")).lower()
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "dot":
            path.write_text(self.source)
            return path
        dot_path = path.with_suffix(".dot")
        if fmt not in FORMATS:
            dot_path.write_text(self.source)
            raise RenderError(
                f"{path}: unknown picture format {fmt!r}; use one of "
                f"{', '.join('.' + f for f in (*FORMATS, 'dot'))} (wrote the source to {dot_path})"
            )
        dot = shutil.which("dot")
        if dot is None:
            dot_path.write_text(self.source)
            if not quiet:
                print(f"{INSTALL_HINT} Wrote {dot_path}.")
            return dot_path
        path.write_bytes(_run_dot(dot, fmt, self.source, dot_path, timeout))
        return path

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        if dot_available():
            return {"image/svg+xml": self.digraph.pipe(format="svg", encoding="utf-8")}
        return {"text/plain": f"{INSTALL_HINT}\n\n{self.source}"}

    def __repr__(self) -> str:
        return f"GraphView({self.source.count('->')} edges)"


# Ops that only move or select numbers: drawn as a mark on an arrow in compact mode.
LAYOUT_OPS = {"permute": "T", "getitem": "[ ]", "reshape": "reshape"}


def _op_of(node: Any) -> str:
    return getattr(node, "op_label", None) or getattr(node, "_op", "") or ""


def _wants_compact(order: list[Any]) -> bool:
    return any(_is_tensor(n) and (getattr(n, "group", None) or "") for n in order)


def draw(
    root: Any,
    show_grad: bool = True,
    color_by_grad: bool = False,
    rankdir: str | None = None,
    max_nodes: int = 3000,
    title: str = "",
    compact: bool | None = None,
) -> GraphView:
    """Draw the graph that produced ``root``.

    Args:
        root: a Value or Tensor (the output, usually a loss).
        show_grad: include gradients in the boxes (run ``backward()`` first).
        color_by_grad: shade boxes by gradient size on a log scale.
        rankdir: ``"LR"`` left to right or ``"TB"`` top to bottom (default: ``"TB"`` for a
            compact graph, so the time steps stack down a narrow column, else ``"LR"``).
        max_nodes: refuse graphs larger than this: a picture of 50,000 boxes helps nobody.
        title: a caption under the graph.
        compact: fold layout-only ops into arrows and draw unnamed intermediates small
            (``None``: on for Tensor graphs whose nodes carry time-step groups).

    Returns:
        A :class:`GraphView`.
    """
    order = toposort(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"draw: the graph has {len(order)} nodes, more than max_nodes={max_nodes}. "
            "Draw a smaller example (fewer time steps or units), or raise max_nodes."
        )
    # Short node names in drawing order (n1, n2, ...): the SVG repeats them in every title.
    names = {id(node): f"n{k}" for k, node in enumerate(order, 1)}
    if compact is None:
        compact = _wants_compact(order)
    if rankdir is None:
        rankdir = "TB" if compact else "LR"
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw: rankdir must be 'LR', 'TB', 'RL' or 'BT', not {rankdir!r}")
    graph_attr = {"rankdir": rankdir, "fontname": "Helvetica", "label": title}
    if compact:
        graph_attr.update(nodesep="0.18", ranksep="0.3")
    graph = graphviz.Digraph(
        graph_attr=graph_attr,
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"color": "#555555", "fontname": "Helvetica", "fontsize": "10"},
    )
    shade = _shader(order) if color_by_grad else None
    clusters: dict[str, graphviz.Digraph] = {}
    # Compact mode: a folded layout node is replaced by (its source's name, marks on the arrow).
    folded: dict[int, tuple[str, list[str]]] = {}

    def source_of(parent: Any) -> tuple[str, list[str]]:
        return folded.get(id(parent), (names[id(parent)], []))

    for node in order:
        op = _op_of(node)
        if (
            compact
            and _is_tensor(node)
            and op in LAYOUT_OPS
            and len(node._prev) == 1
            and not getattr(node, "label", None)
        ):
            (parent,) = node._prev
            name, marks = source_of(parent)
            folded[id(node)] = (name, marks + [LAYOUT_OPS[op]])
            continue
        group = getattr(node, "group", "") or ""
        target = graph
        if group:
            if group not in clusters:
                clusters[group] = graphviz.Digraph(
                    name=f"cluster_{len(clusters)}",
                    graph_attr={"label": group, "style": "rounded,dashed", "color": "#888888"},
                )
            target = clusters[group]
        name = names[id(node)]
        fill = shade(node) if shade else "#ffffff"
        label = getattr(node, "label", None) or ""
        # States (h_1, c_1, ...) and the loss keep their boxes; gates and other steps shrink.
        state = bool(re.fullmatch(r"[hc]_\d+'?|loss|L", label))
        merged = compact and _is_tensor(node) and bool(node._prev) and not state
        if merged:
            shape = "×".join(str(d) for d in node.shape) or "scalar"
            text = f"{label} = {op or '?'}" if label else (op or "?")
            target.node(
                name,
                f"{text}\n{shape}",
                shape="ellipse",
                style="filled",
                fillcolor=fill if shade else "#e3f2fd",
                fontsize="9",
                margin="0.04,0.02",
                height="0.3",
            )
            op_name = name
        else:
            text = _node_text(node, show_grad, stacked=compact and rankdir in ("LR", "RL"))
            target.node(name, text, shape="record", style="filled", fillcolor=fill)
            op_name = name + "_op"
            if node._prev:
                target.node(
                    op_name, op or "?", shape="ellipse", style="filled", fillcolor="#e3f2fd"
                )
                graph.edge(op_name, name)
        if node._prev:
            for parent in node._prev:
                source, marks = source_of(parent)
                if marks:
                    graph.edge(source, op_name, label=" ".join(marks))
                else:
                    graph.edge(source, op_name)
    for sub in clusters.values():
        graph.subgraph(sub)
    return GraphView(graph)


def _shader(order: list[Any]):
    sizes = [s for s in (_grad_size(n) for n in order) if s is not None and 0.0 < s < math.inf]
    if not sizes:
        return lambda node: _SHADES[0]
    lo, hi = math.log10(min(sizes)), math.log10(max(sizes))
    span = max(hi - lo, 1e-12)

    def shade(node: Any) -> str:
        size = _grad_size(node)
        if size is None or size <= 0.0 or not math.isfinite(size):
            return _SHADES[0]
        level = (math.log10(size) - lo) / span
        return _SHADES[min(len(_SHADES) - 1, 1 + int(level * (len(_SHADES) - 2) + 0.5))]

    return shade


def render(root: Any, path: str | Path, quiet: bool = False, **kwargs: Any) -> Path:
    """Draw ``root``'s graph and save it; see :func:`draw` for options and :meth:`GraphView.save`.

    Returns the file written (the ``.dot`` source when graphviz's ``dot`` is missing).
    """
    return draw(root, **kwargs).save(path, quiet=quiet)
