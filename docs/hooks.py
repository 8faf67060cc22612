"""Build hooks for the docs site (loaded by mkdocs through ``hooks:`` in mkdocs.yml).

A lesson is published by exactly one line in the ``nav`` of mkdocs.yml; these hooks do the
rest, in build order:

1. ``on_config``: point mkdocs-jupyter's cache at a new temporary folder.
2. ``on_pre_build``: run the nav's lessons, two at a time, and hand the executed pages to
   mkdocs-jupyter through that cache (see "Running the lessons" below).
3. ``on_files``: bring each nav lesson ``lessons/NN_topic.py`` into the site as a page (the
   lessons live at the top of the repository, not under ``docs/``), add an ``.ipynb`` copy
   for Jupyter, publish ``lessons/NN_topic_exercises.py`` as a plain download (the grader
   reads the ``.py``, so it gets no notebook copy), and draw the graphviz pictures
   (``docs/diagrams/*.dot`` and the lesson map) as SVG with ``dot``.
4. ``on_pre_page``: point the "edit" button of a lesson page at ``lessons/``.
5. ``on_page_markdown``: turn ``[text](lesson:7)`` into a link to lesson 7 when it is
   published (plain text until then), so pages can name lessons still being written.
6. ``on_page_content``: give each lesson page a toolbar (notebook, source, exercises, grading
   command, edit link) and drop the MathJax and mermaid loaders that the notebook converter
   adds (they load from a CDN; the vendored KaTeX typesets the maths). Other pages get their
   linked SVG pictures inlined, so the links inside them work.
"""

from __future__ import annotations

import html
import json
import logging
import multiprocessing
import os
import posixpath
import re
import shutil
import subprocess
import tempfile
import time
import traceback
from pathlib import Path

import jupytext
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.hooks.lessons")

LESSON_RE = re.compile(r"^(\d\d)_[a-z0-9_]+\.py$")
EXERCISES_SUFFIX = "_exercises.py"

# The course plan (CURRICULUM.md); the lesson map draws every planned lesson and links the
# ones that exist. Titles here are short labels for the picture only.
PLANNED_LESSONS: list[tuple[int, str, str]] = [
    (0, "Generative AI, LLMs\nand where RNNs fit", "intro"),
    (1, "A single neuron", "Value"),
    (2, "Derivatives, chain rule,\nautograd", "Value"),
    (3, "A feedforward network", "Value"),
    (4, "From scalars to tensors", "Tensor"),
    (5, "Fast hot loops with numba", "Tensor"),
    (6, "Training well", "Tensor"),
    (7, "Sequences and the\nunrolled RNN", "Tensor"),
    (8, "Vanishing and\nexploding gradients", "Tensor"),
    (9, "LSTM", "Tensor"),
    (10, "The GRU", "Tensor"),
    (11, "Generating text", "Tensor"),
    (12, "Applications and\nnext steps", "Tensor"),
]

_EXTERNAL_LOADERS = [
    # nbconvert's MathJax loader: an external script plus its config block.
    re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S),
    re.compile(
        r"<script[^>]*\bsrc=\"https?://[^\"]*mathjax[^\"]*\"[^>]*>\s*</script>", re.S | re.I
    ),
    # nbconvert's mermaid loader imports its library from a CDN; lessons do not use mermaid.
    re.compile(r"<script type=\"module\">(?:(?!</script>).)*?mermaid.*?</script>", re.S),
]


# SVGs that pages show inline (so the links inside them work), keyed by file name.
_INLINE_SVGS: dict[str, str] = {}
_IMG_TAG = re.compile(r'<img\b[^>]*\bsrc="(?:[^"]*/)?([\w.-]+\.svg)"[^>]*>')


def _repo_root(config) -> Path:
    return Path(config.config_file_path).absolute().parent


def _nav_paths(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [p for item in node for p in _nav_paths(item)]
    if isinstance(node, dict):
        return [p for value in node.values() for p in _nav_paths(value)]
    return []


def _lesson_sources(config) -> list[Path]:
    """The lessons listed in the nav: the nav line is what publishes (and runs) a lesson, so a
    lesson still being written is neither executed nor shown until it is added there."""
    lessons_dir = _repo_root(config) / "lessons"
    listed = set(_nav_paths(config.nav))
    return sorted(
        p
        for p in lessons_dir.glob("*.py")
        if LESSON_RE.match(p.name)
        and not p.name.endswith(EXERCISES_SUFFIX)
        and f"lessons/{p.name}" in listed
    )


def _is_lesson_page(page) -> bool:
    src = page.file.src_uri
    return (
        src.startswith("lessons/")
        and src.endswith(".py")
        and not src.endswith(EXERCISES_SUFFIX)
        and LESSON_RE.match(src.removeprefix("lessons/")) is not None
    )


def _dot_to_svg(source: str, what: str) -> str:
    """Render graphviz source to SVG text with the ``dot`` binary."""
    try:
        result = subprocess.run(
            ["dot", "-Tsvg"], input=source, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:
        raise RuntimeError(
            f"drawing {what} needs graphviz's `dot` binary: apt-get install -y graphviz"
        ) from exc
    if result.returncode != 0:
        raise RuntimeError(f"dot failed on {what}: {result.stderr.strip()}")
    # Drop the XML prologue and DOCTYPE so the SVG can also be inlined in a page.
    return result.stdout[result.stdout.index("<svg") :]


def _lesson_map_dot(existing: dict[int, str]) -> str:
    """Graphviz source of the lesson map; lessons that exist link to their page."""
    lines = [
        "digraph lessons {",
        '  graph [rankdir=TB, bgcolor="transparent", nodesep=0.25, ranksep=0.35,',
        '         fontname="Helvetica", tooltip="Lesson map"];',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=13,',
        '        margin="0.15,0.06", penwidth=1.2];',
        '  edge [color="#888888", arrowsize=0.7];',
    ]
    fills = {"intro": "#fde68a", "Value": "#bfdbfe", "Tensor": "#bbf7d0"}
    for number, title, engine in PLANNED_LESSONS:
        label = f"{number:02d}  {title}".replace("\n", "\\n")
        attrs = [f'label="{label}"', f'fillcolor="{fills[engine]}"', 'fontcolor="#111111"']
        if number in existing:
            attrs += [f'href="{existing[number]}"', 'target="_top"', 'color="#334155"']
            attrs.append(f'tooltip="Lesson {number}"')
        else:
            attrs += ['color="#94a3b8"', 'style="rounded,filled,dashed"']
            attrs.append(f'tooltip="Lesson {number} (not written yet)"')
        lines.append(f"  l{number} [{', '.join(attrs)}];")
    # Three rows: the scalar engine, the tensor engine, recurrent networks.
    rows = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11, 12]]
    for row in rows:
        lines.append("  { rank=same; " + " ".join(f"l{n};" for n in row) + " }")
    for row in rows:
        # An edge inside a rank=same group puts its head to the right of its tail.
        for a, b in zip(row, row[1:], strict=False):
            lines.append(f"  l{a} -> l{b};")
    for upper, lower in zip(rows, rows[1:], strict=False):
        lines.append(f"  l{upper[-1]} -> l{lower[0]} [constraint=false];")
    # Invisible edges keep the rows stacked and left-aligned.
    for upper, lower in zip(rows, rows[1:], strict=False):
        lines.append(f"  l{upper[0]} -> l{lower[0]} [style=invis];")
    lines.append("}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Running the lessons: in parallel, before the pages are rendered.
#
# mkdocs-jupyter runs one notebook after another while it renders pages. Here every lesson
# is run first, DOCS_JOBS at a time (default 2: the course machine has two cores), with
# mkdocs-jupyter's own converter and options, and the result is handed to it through its
# cache, in a fresh temporary folder for every build, so nothing stale is ever shown.
# DOCS_JOBS=1 leaves the running to mkdocs-jupyter alone.
# ---------------------------------------------------------------------------------------


_CACHE_DIRS: list[str] = []  # temporary cache folders to remove when the build ends


def _jupyter_plugin(config):
    return config.plugins.get("mkdocs-jupyter")


def on_config(config):
    plugin = _jupyter_plugin(config)
    if plugin is not None:
        plugin.config["cache"] = True
        plugin.config["cache_dir"] = tempfile.mkdtemp(prefix="tinygrad-rnn-docs-")
        _CACHE_DIRS.append(plugin.config["cache_dir"])
    return config


def _run_lesson(path: str, options: dict, toc_depth: int) -> dict:
    """Execute and convert one lesson (in a worker process); never raises."""
    from mkdocs_jupyter import convert
    from mkdocs_jupyter.plugin import _get_nb_toc_tokens

    start = time.perf_counter()
    try:
        body = convert.nb2html(path, execute=True, **options)
        toc_tokens, title = _get_nb_toc_tokens(path, toc_depth)
    except Exception:
        return {"error": traceback.format_exc(limit=3)[-6000:]}
    return {
        "content": body,
        "toc_tokens": toc_tokens,
        "title": title,
        "seconds": time.perf_counter() - start,
    }


# Two lessons already share the two cores: a multi-threaded BLAS in each of them would only
# fight over the cores (lesson 12 ran 3x slower with two BLAS threads than with one).
_ONE_THREAD = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _worker(tasks, done, options: dict, toc_depth: int) -> None:
    """Run lessons from ``tasks`` until a None arrives; put (path, result) on ``done``."""
    for var in _ONE_THREAD:  # the kernels this worker starts inherit its environment
        os.environ.setdefault(var, "1")
    while (path := tasks.get()) is not None:
        done.put((path, _run_lesson(path, options, toc_depth)))


def on_pre_build(config):
    plugin = _jupyter_plugin(config)
    jobs = int(os.environ.get("DOCS_JOBS", "2"))
    lessons = _lesson_sources(config)
    if plugin is None or jobs < 2 or len(lessons) < 2 or not plugin.config["execute"]:
        return
    from mkdocs_jupyter.plugin import _compute_cache_key, _get_cache_path

    pc = plugin.config
    options = {
        "kernel_name": pc["kernel_name"],
        "theme": pc["theme"],
        "allow_errors": pc["allow_errors"],
        "show_input": pc["show_input"],
        "no_input": pc["no_input"],
        "no_prompt": pc["no_prompt"],
        "remove_tag_config": pc["remove_tag_config"],
        "highlight_extra_classes": pc["highlight_extra_classes"],
        "include_requirejs": pc["include_requirejs"],
        "custom_mathjax_url": pc["custom_mathjax_url"],
    }
    start = time.perf_counter()
    # Forked workers inherit this module, so nothing but paths and results is pickled.
    context = multiprocessing.get_context("fork")
    tasks, done = context.Queue(), context.Queue()
    for path in sorted(lessons, key=lambda p: -p.stat().st_size):  # longest first
        tasks.put(str(path))
    workers = [
        context.Process(target=_worker, args=(tasks, done, options, pc["toc_depth"]))
        for _ in range(min(jobs, len(lessons)))
    ]
    for worker in workers:
        tasks.put(None)
        worker.start()
    try:
        results = {}
        for _ in lessons:
            name, result = done.get(timeout=1800)
            results[Path(name)] = result
    finally:
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.kill()
    for path, result in sorted(results.items()):
        if "error" in result:
            raise PluginError(
                f"lessons/{path.name} failed while the site was built:\n{result['error']}"
            )
        log.info("lessons/%s ran in %.1f s", path.name, result.pop("seconds"))
        key = _compute_cache_key(str(path), pc, True)
        cache_path = _get_cache_path(pc["cache_dir"], key)
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        cache_path.write_text(json.dumps(result), encoding="utf-8")
    log.info(
        "ran %d lessons in %.1f s (%d at a time)", len(lessons), time.perf_counter() - start, jobs
    )


def _remove_cache_dirs() -> None:
    while _CACHE_DIRS:
        shutil.rmtree(_CACHE_DIRS.pop(), ignore_errors=True)


def on_post_build(config):
    _remove_cache_dirs()


def on_build_error(error):
    _remove_cache_dirs()


def _repo_file(config, rel: str) -> File:
    """A file that lives in the repository (outside docs/) but is published at ``rel``."""
    return File(
        rel,
        src_dir=str(_repo_root(config)),
        dest_dir=config.site_dir,
        use_directory_urls=config.use_directory_urls,
    )


@event_priority(50)  # before mkdocs-jupyter wraps notebook files
def on_files(files: Files, config) -> Files:
    root = _repo_root(config)
    existing: dict[int, str] = {}
    for path in _lesson_sources(config):
        rel = f"lessons/{path.name}"
        files.append(_repo_file(config, rel))
        notebook = jupytext.writes(jupytext.read(path), fmt="ipynb")
        files.append(File.generated(config, rel[:-3] + ".ipynb", content=notebook))
        exercises = path.with_name(path.stem + EXERCISES_SUFFIX)
        if exercises.exists():
            ex_rel = f"lessons/{exercises.name}"
            files.append(_repo_file(config, ex_rel))
        # The map sits on the home page, so links are relative to the site root.
        existing[int(path.name[:2])] = f"lessons/{path.stem}/"

    map_svg = _dot_to_svg(_lesson_map_dot(existing), "the lesson map")
    _INLINE_SVGS["lesson-map.svg"] = map_svg
    files.append(File.generated(config, "assets/diagrams/lesson-map.svg", content=map_svg))
    for dot_file in sorted((root / "docs" / "diagrams").glob("*.dot")):
        svg = _dot_to_svg(dot_file.read_text(encoding="utf-8"), dot_file.name)
        files.append(File.generated(config, f"assets/diagrams/{dot_file.stem}.svg", content=svg))
    return files


def _lesson_toolbar(page, config) -> str:
    stem = Path(page.file.src_uri).stem
    number = int(stem[:2])
    repo_root = _repo_root(config)
    has_exercises = (repo_root / "lessons" / f"{stem}{EXERCISES_SUFFIX}").exists()
    links = [
        f'<a class="md-button" href="../{stem}.ipynb" download>Open as notebook (.ipynb)</a>',
        f'<a class="md-button" href="{stem}.py" download>Lesson source (.py)</a>',
    ]
    if has_exercises:
        ex = f"{stem}_exercises"
        links.append(
            f'<a class="md-button md-button--primary" href="../{ex}.py" download>'
            f"Exercises ({ex}.py)</a>"
        )
    if page.edit_url:
        links.append(
            f'<a class="md-button" href="{html.escape(page.edit_url)}">Edit this lesson</a>'
        )
    note = (
        f"<p>This page is <code>lessons/{stem}.py</code>, run top to bottom when the site was "
        f"built. Run it yourself with <code>.venv/bin/python lessons/{stem}.py</code> or open "
        "the notebook in Jupyter."
    )
    if has_exercises:
        note += (
            f" Then edit <code>lessons/{stem}{EXERCISES_SUFFIX}</code> and grade it with "
            f"<code>.venv/bin/tinygrad-rnn grade {number}</code> (see the "
            '<a href="../../exercises/">exercises guide</a>).'
        )
    note += "</p>"
    return f'<div class="lesson-toolbar">{"".join(links)}{note}</div>'


_LESSON_LINK = re.compile(r"\[([^\]]+)\]\(lesson:(\d+)(#[\w-]+)?\)")


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Resolve ``[text](lesson:7)`` links to lesson 7's page, or plain text if not written."""
    by_number = {int(p.name[:2]): f"lessons/{p.name}" for p in _lesson_sources(config)}
    here = posixpath.dirname(page.file.src_uri)

    def resolve(match: re.Match[str]) -> str:
        text, number, anchor = match.group(1), int(match.group(2)), match.group(3) or ""
        target = by_number.get(number)
        if target is None:
            return text
        return f"[{text}]({posixpath.relpath(target, here or '.')}{anchor})"

    return _LESSON_LINK.sub(resolve, markdown)


def _inline_svg(match: re.Match[str]) -> str:
    svg = _INLINE_SVGS.get(match.group(1))
    if svg is None or 'class="diagram"' not in match.group(0):
        return match.group(0)
    alt = re.search(r'alt="([^"]*)"', match.group(0))
    label = f' role="img" aria-label="{alt.group(1)}"' if alt else ""
    return f'<div class="diagram diagram-inline"{label}>{svg}</div>'


def on_page_content(html_text: str, page, config, files) -> str:
    if not _is_lesson_page(page):
        # An <img> of a linked SVG cannot follow its links: inline those pictures.
        return _IMG_TAG.sub(_inline_svg, html_text)
    for pattern in _EXTERNAL_LOADERS:
        html_text = pattern.sub("", html_text)
    toolbar = _lesson_toolbar(page, config)
    # Put the toolbar under the lesson's title when there is one.
    match = re.search(r"</h1>", html_text)
    if match:
        return html_text[: match.end()] + toolbar + html_text[match.end() :]
    return toolbar + html_text


def on_pre_page(page, config, files):
    if _is_lesson_page(page):
        page.edit_url = None
        if config.repo_url and config.edit_uri:
            # Lessons live in lessons/ at the top of the repository, not in docs/.
            base = config.edit_uri.strip("/").removesuffix("docs").strip("/")
            page.edit_url = f"{config.repo_url.rstrip('/')}/{base}/{page.file.src_uri}"
    return page
