"""Show a figure or a graph under a name, with a caption, wherever a lesson runs.

Lessons (and your own scripts) call one function instead of ``plt.show()``::

    import matplotlib.pyplot as plt
    from tinygrad_rnn import graph
    from tinygrad_rnn.pictures import show

    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    ax.plot(norms)
    ax.set_title("gradient reaching each step")
    show(fig, "gradient-norms", "The gradient shrinks by the same factor at every step back.")

    show(graph.draw(loss), "unrolled-rnn", "One box per time step; the weights sit outside.")

``show(picture, name, caption="", alt="")``:

* ``picture`` is a matplotlib ``Figure`` (``None`` means the current figure), a
  :class:`~tinygrad_rnn.graph.GraphView` from ``graph.draw``, or a ``graphviz.Digraph``
  drawn by hand (a block diagram).
* ``name`` is a short slug for the file (``"gradient-norms"``); pictures are numbered in the
  order they are shown, so files sort as the lesson reads: ``03-gradient-norms.png``.
* ``caption`` is the sentence printed under the picture on the docs site (default: the
  figure's title). ``alt`` is the text for readers who cannot see it (default: the caption
  plus what the figure says about itself: titles, axis labels, legend entries).

What happens depends on where the code runs:

* **In Jupyter** (an IPython kernel) the picture is shown inline, as ``plt.show()`` would
  show it; figures as SVG (or a PNG at 4/3 of screen resolution when the SVG would be
  large). Name, caption and alt text travel in the output's metadata under
  ``"tinygrad_rnn"``, where the docs build (``docs/lesson_pages.py``) reads them.
* **As a script** (``tinygrad-rnn run 8`` or ``python lessons/08_gradients.py``) the picture
  is saved under ``out/lesson-08/`` in the current folder (figures as PNG, graphs as SVG and
  PNG), one line ``[picture] out/lesson-08/03-gradient-norms.png`` is printed per file where
  the lesson shows it, and the run ends with the list. The folder is named after the script
  (``NN_topic.py`` gives ``lesson-NN``); ``TINYGRAD_RNN_PICTURES=DIR`` chooses another one
  (``tinygrad-rnn run N --out DIR`` sets it) and ``TINYGRAD_RNN_OPEN=1`` opens the pictures
  with the system viewer at the end when there is a display (``tinygrad-rnn run N --open``).

Without graphviz's ``dot`` a graph is saved as its ``.dot`` source, with one line on how to
install graphviz.
"""

from __future__ import annotations

import atexit
import base64
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

__all__ = ["show", "saved", "output_dir", "describe", "compact_svg"]

OUT_ENV = "TINYGRAD_RNN_PICTURES"
OPEN_ENV = "TINYGRAD_RNN_OPEN"
METADATA_KEY = "tinygrad_rnn"
# An SVG figure larger than this (say a scatter of thousands of points) is shown as a PNG.
SVG_LIMIT = 300_000

_count = 0
_saved: list[Path] = []
_summary_registered = False
_LESSON_FILE = re.compile(r"^(\d\d)_[A-Za-z0-9_]+$")


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-")
    if not slug:
        raise ValueError(
            f"show: name {name!r} has no letters or digits; give the picture a short name "
            "such as 'loss-curve' (it becomes the file name)"
        )
    return slug[:60]


def _in_notebook() -> bool:
    """True inside an IPython kernel (Jupyter, the docs build), False in a plain script."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _main_stem() -> str:
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None) or (sys.argv[0] if sys.argv else "")
    return Path(path).stem if path else ""


def output_dir() -> Path:
    """Where a script's pictures go: ``$TINYGRAD_RNN_PICTURES``, else ``out/lesson-NN``."""
    given = os.environ.get(OUT_ENV)
    if given:
        return Path(given)
    stem = _main_stem()
    match = _LESSON_FILE.match(stem)
    if match:
        return Path("out") / f"lesson-{match.group(1)}"
    return Path("out") / (_slug(stem) if re.search(r"[A-Za-z0-9]", stem) else "pictures")


def saved() -> list[Path]:
    """The files written so far by :func:`show` in this process (script mode)."""
    return list(_saved)


def _is_figure(picture: Any) -> bool:
    return hasattr(picture, "savefig") and hasattr(picture, "get_size_inches")


def _is_graph(picture: Any) -> bool:
    return hasattr(picture, "digraph") and hasattr(picture, "save")


def describe(picture: Any) -> str:
    """A plain-text description of a figure (titles, axis labels, legends) or a graph."""
    if _is_graph(picture):
        source = picture.source
        boxes = source.count("shape=record")
        clusters = len(re.findall(r"subgraph cluster_", source))
        text = f"Computation graph with {boxes} data boxes"
        return text + (f" in {clusters} labelled clusters." if clusters else ".")
    parts = []
    suptitle = getattr(picture, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        parts.append(suptitle.get_text())
    axes = [ax for ax in picture.get_axes() if ax.get_visible() and ax.has_data()]
    if len(axes) > 1:
        parts.append(f"{len(axes)} panels")
    for ax in axes:
        bits = []
        if ax.get_title():
            bits.append(f"'{ax.get_title()}'")
        if ax.get_xlabel():
            bits.append(f"x: {ax.get_xlabel()}")
        if ax.get_ylabel():
            bits.append(f"y: {ax.get_ylabel()}")
        legend = ax.get_legend()
        if legend is not None:
            labels = [t.get_text() for t in legend.get_texts() if t.get_text()]
            if labels:
                bits.append("lines: " + "; ".join(labels))
        if bits:
            parts.append(", ".join(bits))
    return ". ".join(parts) + ("." if parts else "")


def _default_caption(picture: Any) -> str:
    if _is_figure(picture):
        suptitle = getattr(picture, "_suptitle", None)
        if suptitle is not None and suptitle.get_text():
            return suptitle.get_text()
        for ax in picture.get_axes():
            if ax.get_title():
                return ax.get_title()
    return ""


def _resolve(picture: Any) -> Any:
    if picture is None:
        import matplotlib.pyplot as plt

        if not plt.get_fignums():
            raise ValueError("show: no picture given and no open matplotlib figure to show")
        return plt.gcf()
    if _is_figure(picture) or _is_graph(picture):
        return picture
    if hasattr(picture, "pipe") and hasattr(picture, "source"):  # a graphviz.Digraph of one's own
        from tinygrad_rnn.graph import GraphView

        return GraphView(picture)
    raise TypeError(
        f"show: expected a matplotlib Figure, a graph from graph.draw or a graphviz.Digraph, got "
        f"{type(picture).__name__}"
    )


def _close(figure: Any) -> None:
    import matplotlib.pyplot as plt

    plt.close(figure)


def show(picture: Any = None, name: str = "", caption: str = "", alt: str = "") -> Path | None:
    """Show ``picture`` inline in a notebook, or save it (and say where) from a script.

    Args:
        picture: a matplotlib Figure (``None``: the current one), a ``graph.draw`` result or
            a ``graphviz.Digraph``.
        name: a short name for the file, e.g. ``"loss-curve"``; numbered in showing order.
        caption: one sentence shown under the picture (default: the figure's title).
        alt: a description for readers who cannot see the picture (default: caption plus
            the figure's titles, axis labels and legend entries).

    Returns:
        The first file written in script mode (``None`` in a notebook).
    """
    global _count
    picture = _resolve(picture)
    slug = _slug(name)
    _count += 1
    stem = f"{_count:02d}-{slug}"
    caption = caption or _default_caption(picture)
    alt = alt or " ".join(p for p in (caption, describe(picture)) if p)
    if _in_notebook():
        _display(picture, stem, caption, alt)
        return None
    return _save(picture, stem)


_SVG_NUMBER = re.compile(r"-?\d+\.\d+")
_SVG_GEOMETRY = re.compile(
    r'(\s(?:d|transform|x|y|x1|x2|y1|y2|width|height|points|cx|cy|r))="([^"]*)"'
)


def _tenth(match: re.Match[str]) -> str:
    text = f"{float(match.group(0)):.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def compact_svg(svg: str) -> str:
    """Matplotlib's SVG with coordinates rounded to 0.1 pt (invisible) and no metadata block.

    Only geometry attributes are touched, never text, so tick labels keep their digits.
    """
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, count=1, flags=re.S)
    return _SVG_GEOMETRY.sub(
        lambda m: f'{m.group(1)}="{" ".join(_SVG_NUMBER.sub(_tenth, m.group(2)).split())}"', svg
    )


def _trim_graph_svg(svg: str) -> str:
    """Graphviz's SVG without its comments and its titles of internal node names (n12)."""
    svg = re.sub(r"<!--.*?-->\n?", "", svg, flags=re.S)
    return re.sub(r"<title>n\d+(?:&#45;&gt;n\d+(?::\w+)?)?</title>\n?", "", svg)


def _figure_bundle(figure: Any) -> tuple[dict[str, str], dict[str, Any]]:
    import matplotlib as mpl

    width_px = int(round(figure.get_size_inches()[0] * 96))
    buffer = io.BytesIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "tinygrad_rnn"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = compact_svg(buffer.getvalue().decode("utf-8"))
    if len(svg) <= SVG_LIMIT:
        return {"image/svg+xml": svg}, {}
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=128, bbox_inches="tight")  # 4/3 of the SVG's size
    png = base64.b64encode(buffer.getvalue()).decode("ascii")
    return {"image/png": png}, {"image/png": {"width": width_px}}


def _display(picture: Any, stem: str, caption: str, alt: str) -> None:
    from IPython.display import display

    info = {"name": stem, "caption": caption, "alt": alt}
    if _is_figure(picture):
        bundle, metadata = _figure_bundle(picture)
        _close(picture)
        info["kind"] = "figure"
    else:
        bundle, metadata = dict(picture._repr_mimebundle_()), {}
        if "image/svg+xml" in bundle:
            bundle["image/svg+xml"] = _trim_graph_svg(bundle["image/svg+xml"])
        info["kind"] = "graph"
    bundle["text/plain"] = caption or stem
    metadata[METADATA_KEY] = info
    display(bundle, raw=True, metadata=metadata)


def _shown_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _save(picture: Any, stem: str) -> Path:
    folder = output_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(f"show: cannot create the picture folder {folder}: {exc}") from exc
    written: list[Path] = []
    if _is_figure(picture):
        path = folder / f"{stem}.png"
        picture.savefig(path, dpi=150, bbox_inches="tight")
        _close(picture)
        written.append(path)
    else:
        from tinygrad_rnn.graph import INSTALL_HINT, dot_available

        if dot_available():
            written.append(picture.save(folder / f"{stem}.svg", quiet=True))
            written.append(picture.save(folder / f"{stem}.png", quiet=True))
        else:
            written.append(picture.save(folder / f"{stem}.dot", fmt="dot"))
            if not any(p.suffix == ".dot" for p in _saved):
                print(INSTALL_HINT)
    for path in written:
        print(f"[picture] {_shown_path(path)}", flush=True)
    _saved.extend(written)
    _register_summary()
    return written[0]


def _register_summary() -> None:
    global _summary_registered
    if not _summary_registered:
        _summary_registered = True
        atexit.register(_summary)


def _summary() -> None:
    if not _saved:
        return
    folders = sorted({_shown_path(p.parent) for p in _saved})
    print(f"\n{len(_saved)} picture file(s) in {', '.join(folders)}:")
    for path in _saved:
        print(f"  {_shown_path(path)}")
    if os.environ.get(OPEN_ENV, "") not in ("", "0"):
        _open([p for p in _saved if p.suffix in (".png", ".dot")])


def _has_display() -> bool:
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open(paths: list[Path]) -> None:
    if not paths:
        return
    if not _has_display():
        print("--open: no display here (DISPLAY is not set); the pictures are listed above.")
        return
    if sys.platform == "win32":  # pragma: no cover - not tested on this platform
        for path in paths:
            os.startfile(path)  # noqa: S606
        return
    opener = "open" if sys.platform == "darwin" else shutil.which("xdg-open")
    if not opener:
        print("--open: found no program to open pictures with (xdg-open); see the list above.")
        return
    for path in paths:
        subprocess.Popen(  # noqa: S603
            [opener, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
