"""Build hooks for the docs site (loaded by mkdocs through ``hooks:`` in mkdocs.yml).

A lesson is published by exactly one line in the ``nav`` of mkdocs.yml
(``lessons/NN_topic.py``); these hooks do the rest, in build order:

1. ``on_config``: serve each nav lesson as the generated page ``lessons/NN_topic.md``.
2. ``on_pre_build``: run the nav's lessons, two at a time, with ``docs/lesson_pages.py``,
   which executes a lesson in a Jupyter kernel and writes it as a Markdown page plus its
   pictures (no mkdocs involved: any static site engine can serve those pages).
3. ``on_files``: add those pages and pictures, the lesson source ``lessons/NN_topic.py`` and
   an ``.ipynb`` copy for Jupyter as downloads, ``lessons/NN_topic_exercises.py`` as a plain
   download (the grader reads the ``.py``), and draw the graphviz pictures
   (``docs/diagrams/*.dot`` and the lesson map) as SVG with ``dot``.
4. ``on_pre_page``: point the "edit" button of a lesson page at ``lessons/NN_topic.py``.
5. ``on_page_markdown``: turn ``[text](lesson:7)`` into a link to lesson 7 when it is
   published (plain text until then), so pages can name lessons still being written.
6. ``on_page_content``: maths in a lesson's headings becomes plain text in the table of
   contents; other pages get their linked SVG pictures (the lesson map) inlined, with links
   made relative to the page, so the boxes lead to the lessons from any page.
7. ``on_post_build``: drop the theme's source maps.
"""

from __future__ import annotations

import html
import logging
import multiprocessing
import os
import posixpath
import re
import subprocess
import time
from pathlib import Path

import jupytext
from mkdocs.exceptions import PluginError
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
    (13, "From the encoder-decoder\nto attention", "Tensor"),
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
    listed = set(config.get("_lesson_nav") or _nav_paths(config.nav))
    return sorted(
        p
        for p in lessons_dir.glob("*.py")
        if LESSON_RE.match(p.name)
        and not p.name.endswith(EXERCISES_SUFFIX)
        and f"lessons/{p.name}" in listed
    )


def _is_lesson_page(page) -> bool:
    src = page.file.src_uri
    name = src.removeprefix("lessons/")
    return (
        src.startswith("lessons/")
        and src.endswith(".md")
        and LESSON_RE.match(name[:-3] + ".py") is not None
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
    rows = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11, 12, 13]]
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
# docs/lesson_pages.py executes a lesson in a Jupyter kernel and writes it as a Markdown page
# plus its pictures, with no site engine involved. Here every lesson in the nav is run that
# way, DOCS_JOBS at a time (default 2: the course machine has two cores), and the pages and
# pictures are handed to mkdocs as generated files. DOCS_LESSONS=2,7,8 runs only those
# lessons (a quick build to look at a few pages); the others get a one-line placeholder.
# ---------------------------------------------------------------------------------------

_PAGES: dict[str, dict] = {}  # lesson stem -> build_page result


def _lesson_pages_module():
    """docs/lesson_pages.py, loaded by path (docs/ is not a package)."""
    import importlib.util
    import sys

    name = "tinygrad_rnn_docs_lesson_pages"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("lesson_pages.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _page_path(nav_path: str) -> str:
    """``lessons/NN_topic.py`` in the nav is served as the generated ``lessons/NN_topic.md``."""
    if nav_path.startswith("lessons/") and LESSON_RE.match(nav_path.removeprefix("lessons/")):
        return nav_path[:-3] + ".md"
    return nav_path


def _rewrite_nav(node):
    if isinstance(node, str):
        return _page_path(node)
    if isinstance(node, list):
        return [_rewrite_nav(item) for item in node]
    if isinstance(node, dict):
        return {key: _rewrite_nav(value) for key, value in node.items()}
    return node


def on_config(config):
    config["_lesson_nav"] = _nav_paths(config.nav)  # the nav as written, for _lesson_sources
    config.nav = _rewrite_nav(config.nav)
    return config


# Two lessons already share the two cores: a multi-threaded BLAS in each of them would only
# fight over the cores (lesson 12 ran 3x slower with two BLAS threads than with one).
_ONE_THREAD = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _worker(tasks, done) -> None:
    """Run lessons from ``tasks`` until a None arrives; put (path, result) on ``done``."""
    for var in _ONE_THREAD:  # the kernels this worker starts inherit its environment
        os.environ.setdefault(var, "1")
    pages = _lesson_pages_module()
    while (path := tasks.get()) is not None:
        done.put((path, pages.build_page(path)))


def _selected(lessons: list[Path]) -> list[Path]:
    wanted = os.environ.get("DOCS_LESSONS", "").strip()
    if not wanted:
        return lessons
    numbers = {int(n) for n in re.split(r"[,\s]+", wanted) if n.isdigit()}
    return [p for p in lessons if int(p.name[:2]) in numbers]


def on_pre_build(config):
    _PAGES.clear()
    lessons = _lesson_sources(config)
    run = _selected(lessons)
    jobs = max(1, int(os.environ.get("DOCS_JOBS", "2")))
    start = time.perf_counter()
    results: dict[Path, dict] = {}
    if jobs == 1 or len(run) < 2:
        pages = _lesson_pages_module()
        for path in run:
            results[path] = pages.build_page(path)
    else:
        # Forked workers inherit this module, so nothing but paths and results is pickled.
        context = multiprocessing.get_context("fork")
        tasks, done = context.Queue(), context.Queue()
        for path in sorted(run, key=lambda p: -p.stat().st_size):  # longest first
            tasks.put(str(path))
        workers = [
            context.Process(target=_worker, args=(tasks, done)) for _ in range(min(jobs, len(run)))
        ]
        for worker in workers:
            tasks.put(None)
            worker.start()
        try:
            for _ in run:
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
        log.info(
            "lessons/%s ran in %.1f s (%d pictures)",
            path.name,
            result["seconds"],
            len(result["pictures"]),
        )
        _PAGES[path.stem] = result
    for path in lessons:
        if path.stem not in _PAGES:
            title = (
                f"# Lesson {int(path.name[:2])}\n\nNot built in this quick build (DOCS_LESSONS).\n"
            )
            _PAGES[path.stem] = {"markdown": title, "assets": {}, "pictures": []}
    log.info("ran %d lessons in %.1f s (%d at a time)", len(run), time.perf_counter() - start, jobs)


def _repo_file(config, rel: str) -> File:
    """A file that lives in the repository (outside docs/) but is published at ``rel``."""
    return File(
        rel,
        src_dir=str(_repo_root(config)),
        dest_dir=config.site_dir,
        use_directory_urls=config.use_directory_urls,
    )


def on_files(files: Files, config) -> Files:
    root = _repo_root(config)
    existing: dict[int, str] = {}
    for path in _lesson_sources(config):
        rel = f"lessons/{path.name}"
        files.append(_repo_file(config, rel))  # the source, offered as a download
        result = _PAGES.get(path.stem)
        if result is not None:
            files.append(File.generated(config, rel[:-3] + ".md", content=result["markdown"]))
            for asset, data in result["assets"].items():
                files.append(File.generated(config, f"lessons/{path.stem}/{asset}", content=data))
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


_LESSON_LINK = re.compile(r"\[([^\]]+)\]\(lesson:(\d+)(#[\w-]+)?\)")


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Resolve ``[text](lesson:7)`` links to lesson 7's page, or plain text if not written."""
    by_number = {int(p.name[:2]): f"lessons/{p.stem}.md" for p in _lesson_sources(config)}
    here = posixpath.dirname(page.file.src_uri)

    def resolve(match: re.Match[str]) -> str:
        text, number, anchor = match.group(1), int(match.group(2)), match.group(3) or ""
        target = by_number.get(number)
        if target is None:
            return text
        return f"[{text}]({posixpath.relpath(target, here or '.')}{anchor})"

    return _LESSON_LINK.sub(resolve, markdown)


def _inline_svg(match: re.Match[str], root: str) -> str:
    svg = _INLINE_SVGS.get(match.group(1))
    if svg is None or 'class="diagram"' not in match.group(0):
        return match.group(0)
    # The SVG's links are written relative to the site root; make them relative to this page.
    svg = re.sub(r'((?:xlink:)?href)="(lessons/[^"]*)"', lambda m: f'{m[1]}="{root}{m[2]}"', svg)
    alt = re.search(r'alt="([^"]*)"', match.group(0))
    label = f' role="img" aria-label="{alt.group(1)}"' if alt else ""
    return f'<div class="diagram diagram-inline"{label}>{svg}</div>'


_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η",
    "theta": "θ", "lambda": "λ", "mu": "μ", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ",
    "partial": "∂", "nabla": "∇", "cdot": "·", "times": "×", "odot": "⊙", "to": "→",
}  # fmt: skip


def _plain_maths(text: str) -> str:
    """``\\(W_{hh}\\)`` as plain text (W_hh), for the table of contents."""

    def one(match: re.Match[str]) -> str:
        body = match.group(1)
        body = re.sub(r"\\([A-Za-z]+)", lambda m: _GREEK.get(m[1], m[1]), body)
        body = body.replace("{", "").replace("}", "").replace("\\", "")
        return " ".join(body.split())

    text = re.sub(r"\\\((.*?)\\\)", one, text)
    return re.sub(r"\$(.+?)\$", one, text)


def _clean_toc(items) -> None:
    for item in items:
        item.title = _plain_maths(html.unescape(item.title))
        _clean_toc(item.children)


def on_page_content(html_text: str, page, config, files) -> str:
    if _is_lesson_page(page):
        _clean_toc(page.toc)
        return html_text
    # An <img> of a linked SVG cannot follow its links: inline those pictures.
    depth = page.url.count("/") if page.url else 0
    root = "../" * depth
    return _IMG_TAG.sub(lambda m: _inline_svg(m, root), html_text)


_KEEP_WHITESPACE = re.compile(r"<(pre|textarea|script)\b.*?</\1>", re.S | re.I)


def on_post_build(config):
    """Trim what a reader never downloads: source maps, search languages, old font formats."""
    site = Path(config.site_dir)
    for map_file in site.rglob("*.map"):
        map_file.unlink()
    for asset in [*site.rglob("*.min.js"), *site.rglob("*.min.css")]:
        text = asset.read_text(encoding="utf-8", errors="surrogateescape")
        stripped = re.sub(r"\n?/[/*]# sourceMappingURL=\S+?(?: \*/)?\s*$", "\n", text)
        if stripped != text:
            asset.write_text(stripped, encoding="utf-8", errors="surrogateescape")
    # The theme indents its HTML deeply: a sixth of the site was leading spaces. Drop them,
    # except where whitespace is content (<pre>, <textarea>) or code (<script>).
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        slim, last = [], 0
        for match in _KEEP_WHITESPACE.finditer(text):
            slim += [re.sub(r"\n[ \t]+", "\n", text[last : match.start()]), match.group(0)]
            last = match.end()
        slim = "".join([*slim, re.sub(r"\n[ \t]+", "\n", text[last:])])
        if slim != text:
            page.write_text(slim, encoding="utf-8")
    # The search index is English; the theme ships word splitters for 30 other languages.
    search = config.plugins.get("search") or config.plugins.get("material/search")
    languages = set((search.config.get("lang") if search else None) or ["en"])
    lunr = site / "assets" / "javascripts" / "lunr"
    for path in [*lunr.glob("min/lunr.*.min.js"), lunr / "tinyseg.js", lunr / "wordcut.js"]:
        code = path.name.removeprefix("lunr.").removesuffix(".min.js")
        if path.exists() and code not in languages | {"multi", "stemmer.support"}:
            path.unlink()
    # Every browser that runs this site reads woff2: drop KaTeX's woff and ttf copies.
    katex = site / "assets" / "katex"
    sheet = katex / "katex.min.css"
    if sheet.exists():
        css = sheet.read_text(encoding="utf-8")
        css = re.sub(r',url\(fonts/[\w-]+\.(?:woff|ttf)\) format\("(?:woff|truetype)"\)', "", css)
        sheet.write_text(css, encoding="utf-8")
        for font in [*katex.glob("fonts/*.woff"), *katex.glob("fonts/*.ttf")]:
            font.unlink()


def on_pre_page(page, config, files):
    if _is_lesson_page(page):
        page.edit_url = None
        if config.repo_url and config.edit_uri:
            # Lessons live in lessons/ at the top of the repository, not in docs/.
            base = config.edit_uri.strip("/").removesuffix("docs").strip("/")
            source = page.file.src_uri[:-3] + ".py"
            page.edit_url = f"{config.repo_url.rstrip('/')}/{base}/{source}"
    return page
