"""Run each lesson once and write it as a Markdown page plus its pictures: no site engine needed.

    .venv/bin/python docs/lesson_pages.py OUT [lessons/07_rnn.py ...]

executes every lesson named (default: all of ``lessons/NN_topic.py``) top to bottom in a
Jupyter kernel, as a reader's notebook would, and writes for each one

* ``OUT/NN_topic.md``: the lesson's text, its code in ```` ```python ```` fences, what the code
  printed in ```` ``` {.text .lesson-output} ```` fences, and every picture as an image with a
  caption and an alt text;
* ``OUT/NN_topic/NN-name.svg`` (or ``.png``): the pictures, named as the lesson's
  :func:`tinygrad_rnn.pictures.show` calls name them (the same names a script run saves under
  ``out/lesson-NN/``).

The pages are plain Markdown with three widely supported extensions (attribute lists,
Markdown inside ``<figure>`` and ``<div>``, ``$...$`` maths), so any static site engine that
reads Python-Markdown or CommonMark with those extensions can serve them. ``docs/hooks.py``
calls :func:`build_page` for mkdocs; see "Switching the site engine" in
``docs/contributing.md``.

The links a page makes are relative to the page's Markdown file: ``NN_topic.py``,
``NN_topic.ipynb`` and ``NN_topic_exercises.py`` beside it (the toolbar), pictures in
``NN_topic/``, and ``../exercises.md``.
"""

from __future__ import annotations

import base64
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LESSON_RE = re.compile(r"^(\d\d)_[a-z0-9_]+\.py$")
EXERCISES_SUFFIX = "_exercises.py"
META = "tinygrad_rnn"  # the output metadata key written by tinygrad_rnn.pictures.show
# A code cell that only reports how long the lesson took is for the script run, not the page.
_TIMING_CELL = re.compile(r"^print\(f[\"']lesson ran in", re.M)
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_LIST_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d+[.)])\s+\S")


def lesson_files(folder: Path = ROOT / "lessons") -> list[Path]:
    return sorted(
        p
        for p in folder.glob("*.py")
        if LESSON_RE.match(p.name) and not p.name.endswith(EXERCISES_SUFFIX)
    )


def execute(path: Path, timeout: int = 900):
    """Run the lesson at ``path`` in a fresh kernel (in an empty folder); return the notebook."""
    import jupytext
    from nbclient import NotebookClient

    notebook = jupytext.read(path)
    # A lesson may train a little longer for its page than for a quick script run (lesson 11);
    # the kernel inherits the environment when it starts.
    before = os.environ.get("LESSON_SITE")
    os.environ["LESSON_SITE"] = "1"
    try:
        with tempfile.TemporaryDirectory(prefix="lesson-page-") as work:
            client = NotebookClient(
                notebook,
                kernel_name="python3",
                timeout=timeout,
                allow_errors=False,
                resources={"metadata": {"path": work}},
            )
            client.execute()
    finally:
        if before is None:
            os.environ.pop("LESSON_SITE", None)
        else:
            os.environ["LESSON_SITE"] = before
    return notebook


def _fence(text: str, info: str) -> str:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return f"{ticks} {info}\n{text.rstrip()}\n{ticks}"


def _markdown_cell(source: str) -> str:
    """Python-Markdown wants a blank line before a list; Jupyter does not. Add it."""
    out: list[str] = []
    in_fence = False
    for line in source.splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        if (
            not in_fence
            and _LIST_ITEM.match(line)
            and out
            and out[-1].strip()
            and not _LIST_ITEM.match(out[-1])
            and not out[-1].startswith((" ", "\t"))
        ):
            out.append("")
        out.append(line)
    return "\n".join(out)


def _alt(text: str) -> str:
    text = " ".join(text.split())
    for ch in "\\[]*_`":
        text = text.replace(ch, "\\" + ch)
    return text


def _text(data) -> str:
    return data if isinstance(data, str) else "".join(data)


class _Page:
    def __init__(self, stem: str) -> None:
        self.stem = stem
        self.assets: dict[str, bytes] = {}
        self.pictures: list[str] = []

    def asset(self, name: str, data: bytes) -> str:
        base, dot, ext = name.rpartition(".")
        candidate, n = name, 1
        while candidate in self.assets:
            n += 1
            candidate = f"{base}-{n}{dot}{ext}"
        self.assets[candidate] = data
        return f"{self.stem}/{candidate}"

    def picture(self, output, index: int) -> str | None:
        data, meta = output.get("data", {}), output.get("metadata", {})
        info = meta.get(META, {})
        number = len(self.pictures) + 1
        name = info.get("name") or f"{number:02d}-output-{index}"
        kind = info.get("kind", "figure")
        caption = info.get("caption", "")
        alt = info.get("alt") or caption or f"Picture {number} of {self.stem}"
        if "image/svg+xml" in data:
            rel = self.asset(f"{name}.svg", _text(data["image/svg+xml"]).encode("utf-8"))
            size = ""
        elif "image/png" in data:
            rel = self.asset(f"{name}.png", base64.b64decode(_text(data["image/png"])))
            width = (meta.get("image/png") or {}).get("width")
            size = f'{{ width="{int(width)}" }}' if width else ""
        else:
            return None
        self.pictures.append(rel)
        image = f"![{_alt(alt)}]({rel}){size}"
        if kind == "graph":
            image = f"[{image}]({rel}){{ .graph-zoom title='Click to zoom and pan' }}"
            more = f"[full-size graph]({rel})"
            caption = f"{caption} ({more})" if caption else more.capitalize()
        elif rel.endswith(".svg"):  # a plot: on a phone, a click shows it large
            image = f"[{image}]({rel}){{ .graph-zoom title='Click to enlarge' }}"
        else:
            image = f"[{image}]({rel})"
        lines = [f'<figure class="lesson-figure lesson-{kind}" markdown="1">', "", image, ""]
        if caption:
            lines.append(f'<figcaption markdown="span">{caption}</figcaption>')
        lines.append("</figure>")
        return "\n".join(lines)


def _outputs(cell, page: _Page) -> list[str]:
    parts: list[str] = []
    stream: list[str] = []

    def flush() -> None:
        if stream:
            text = _ANSI.sub("", "".join(stream))
            if text.strip():
                parts.append(_fence(text, "{.text .lesson-output}"))
            stream.clear()

    for index, output in enumerate(cell.get("outputs", [])):
        kind = output.get("output_type")
        if kind == "stream":
            stream.append(_text(output.get("text", "")))
            continue
        flush()
        if kind == "error":
            raise RuntimeError(f"{page.stem}: a cell raised {output.get('ename')}")
        data = output.get("data", {})
        figure = page.picture(output, index)
        if figure is not None:
            parts.append(figure)
        elif "text/html" in data:
            parts.append(f'<div class="lesson-output-html">\n{_text(data["text/html"])}\n</div>')
        elif "text/markdown" in data:
            parts.append(_text(data["text/markdown"]))
        elif "text/plain" in data:
            parts.append(_fence(_ANSI.sub("", _text(data["text/plain"])), "{.text .lesson-output}"))
    flush()
    return parts


def _toolbar(stem: str, folder: Path) -> str:
    number = int(stem[:2])
    has_exercises = (folder / f"{stem}{EXERCISES_SUFFIX}").exists()
    links = [
        f'[Open as notebook (.ipynb)]({stem}.ipynb){{ .md-button download="{stem}.ipynb" }}',
        f'[Lesson source (.py)]({stem}.py){{ .md-button download="{stem}.py" }}',
    ]
    note = (
        f"This page is `lessons/{stem}.py`, run top to bottom when the site was built. Run it "
        f"yourself with `tinygrad-rnn run {number}` (its pictures are saved under "
        f"`out/lesson-{number:02d}/`) or open the notebook in Jupyter."
    )
    if has_exercises:
        ex = f"{stem}_exercises"
        links.append(
            f'[Exercises ({ex}.py)]({ex}.py){{ .md-button .md-button--primary download="{ex}.py" }}'
        )
        note += (
            f" Then edit `lessons/{ex}.py` and grade it with `tinygrad-rnn grade {number}` "
            "(see the [exercises guide](../exercises.md))."
        )
    return (
        '<div class="lesson-toolbar" markdown="1">\n\n' + "\n".join(links) + f"\n\n{note}\n\n</div>"
    )


def to_markdown(notebook, stem: str, folder: Path = ROOT / "lessons") -> tuple[str, _Page]:
    """The Markdown page of an executed notebook, and its pictures (``page.assets``)."""
    page = _Page(stem)
    blocks: list[str] = []
    toolbar_done = False
    for cell in notebook.cells:
        source = cell.source
        if cell.cell_type == "markdown":
            text = _markdown_cell(source)
            if not toolbar_done and re.search(r"^# ", text, re.M):
                head, _, rest = text.partition("\n")
                while not head.startswith("# "):
                    line, _, rest = rest.partition("\n")
                    head = f"{head}\n{line}"
                blocks += [head, _toolbar(stem, folder)]
                if rest.strip():
                    blocks.append(rest)
                toolbar_done = True
            else:
                blocks.append(text)
        elif cell.cell_type == "code":
            if _TIMING_CELL.search(source):
                continue
            if source.strip():
                blocks.append(_fence(source, "python"))
            blocks += _outputs(cell, page)
    if not toolbar_done:
        blocks.insert(0, _toolbar(stem, folder))
    return "\n\n".join(blocks) + "\n", page


def build_page(path: Path | str) -> dict:
    """Execute one lesson and convert it; never raises (the error text is returned)."""
    import traceback

    path = Path(path)
    start = time.perf_counter()
    try:
        notebook = execute(path)
        markdown, page = to_markdown(notebook, path.stem, path.parent)
    except Exception:
        return {"error": traceback.format_exc(limit=4)[-6000:]}
    return {
        "markdown": markdown,
        "assets": page.assets,
        "pictures": page.pictures,
        "seconds": time.perf_counter() - start,
    }


def write(result: dict, stem: str, out: Path) -> list[Path]:
    """Write a :func:`build_page` result under ``out``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    page = out / f"{stem}.md"
    page.write_text(result["markdown"], encoding="utf-8")
    written = [page]
    for name, data in result["assets"].items():
        target = out / stem / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    out = Path(argv[0])
    paths = [Path(a) for a in argv[1:]] or lesson_files()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    failed = 0
    for path in paths:
        if not path.is_file() or not LESSON_RE.match(path.name):
            print(f"lesson_pages: {path} is not a lesson file (lessons/NN_topic.py)")
            failed += 1
            continue
        result = build_page(path)
        if "error" in result:
            print(f"lesson_pages: {path.name} failed:\n{result['error']}")
            failed += 1
            continue
        files = write(result, path.stem, out)
        print(
            f"{path.name}: {files[0]} with {len(result['pictures'])} picture(s) "
            f"in {result['seconds']:.1f} s"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
