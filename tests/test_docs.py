"""Checks on the docs site: every lesson is in the nav, and the built site is self-contained.

Building the site executes every lesson, which takes a while, so the tests that need a built
site read it from ``DOCS_SITE_DIR`` (CI builds it once with ``mkdocs build --strict`` and
points this variable at ``site/``). Set ``DOCS_BUILD=1`` instead to have this module build a
fresh copy in a temporary directory. With neither, those tests are skipped and say how to run
them; the nav test and the checker's own tests always run.
"""

from __future__ import annotations

import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[1]
LESSON_RE = re.compile(r"^\d\d_[a-z0-9_]+\.py$")

# ---------------------------------------------------------------------------------------
# Finding resources that a page would load from outside the site.
# ---------------------------------------------------------------------------------------

_EXTERNAL = re.compile(r"^\s*(?:https?:)?//", re.I)
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)""", re.I)
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\()?\s*['"]?([^'")\s;]+)""", re.I)
# rel values whose href the browser fetches by itself (plain hyperlinks are fine).
_FETCHED_RELS = {
    "stylesheet",
    "preload",
    "prefetch",
    "modulepreload",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "manifest",
    "preconnect",
    "dns-prefetch",
}


def _css_urls(css: str) -> list[str]:
    return list(dict.fromkeys(_CSS_URL.findall(css) + _CSS_IMPORT.findall(css)))


class _ResourceParser(html.parser.HTMLParser):
    """Collects every URL an HTML page makes the browser fetch on its own."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str]] = []  # (what, url)
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "script" and a.get("src"):
            self.urls.append(("script src", a["src"]))
        elif tag == "link":
            rels = set(a.get("rel", "").lower().split())
            if rels & _FETCHED_RELS and a.get("href"):
                self.urls.append((f"link rel={a.get('rel')}", a["href"]))
        elif tag in {"img", "source", "audio", "video", "track", "iframe", "embed", "input"}:
            if a.get("src"):
                self.urls.append((f"{tag} src", a["src"]))
            for part in a.get("srcset", "").split(","):
                if part.strip():
                    self.urls.append((f"{tag} srcset", part.split()[0]))
        elif tag == "object" and a.get("data"):
            self.urls.append(("object data", a["data"]))
        elif tag == "image":  # <image> inside an inline SVG
            href = a.get("href") or a.get("xlink:href")
            if href:
                self.urls.append(("svg image", href))
        elif tag == "style":
            self._in_style = True
        if a.get("style"):
            self.urls += [("style attribute", u) for u in _css_urls(a["style"])]

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.urls += [("<style>", u) for u in _css_urls(data)]


def external_resources(site: Path) -> list[str]:
    """Every resource in ``site`` (HTML and CSS) that would be fetched from another host."""
    found = []
    for page in sorted(site.rglob("*.html")):
        parser = _ResourceParser()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        found += [
            f"{page.relative_to(site)}: {what} {url}"
            for what, url in parser.urls
            if _EXTERNAL.match(url)
        ]
    for sheet in sorted(site.rglob("*.css")):
        urls = _css_urls(sheet.read_text(encoding="utf-8", errors="replace"))
        found += [f"{sheet.relative_to(site)}: css {u}" for u in urls if _EXTERNAL.match(u)]
    return found


def test_checker_flags_outside_resources(tmp_path):
    (tmp_path / "index.html").write_text(
        "<html><head>"
        '<script src="https://cdn.example.org/mathjax.js"></script>'
        '<link rel="stylesheet" href="//fonts.example.org/css">'
        "<style>@import url('https://fonts.example.org/x.css');</style>"
        "</head><body>"
        '<img src="http://example.org/a.png">'
        '<a href="https://example.org/">a plain link is fine</a>'
        '<script src="assets/local.js"></script>'
        "</body></html>"
    )
    (tmp_path / "s.css").write_text("@font-face{src:url(https://x.example/f.woff2)}")
    found = external_resources(tmp_path)
    assert len(found) == 5, found
    assert not any("a plain link" in f or "local.js" in f for f in found)


def test_checker_accepts_a_local_page(tmp_path):
    (tmp_path / "index.html").write_text(
        '<link rel="stylesheet" href="assets/katex/katex.min.css">'
        '<img src="data:image/svg+xml;base64,AAAA"><a href="https://example.org/">x</a>'
    )
    (tmp_path / "k.css").write_text("@font-face{src:url(fonts/KaTeX_Main-Regular.woff2)}")
    assert external_resources(tmp_path) == []


# ---------------------------------------------------------------------------------------
# The link checker: every local href and src of every page must resolve.
# ---------------------------------------------------------------------------------------

_NOT_LOCAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)  # http:, mailto:, data:, //host
_LINK_ATTRS = {"href", "src", "xlink:href", "data", "poster"}


class _LinkParser(html.parser.HTMLParser):
    """Collects (tag, url) for every link-like attribute, and every id and name on a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if value is None:
                continue
            if key in _LINK_ATTRS and not (tag == "object" and key != "data"):
                self.links.append((tag, value.strip()))
            elif key == "srcset":
                self.links += [(tag, part.split()[0]) for part in value.split(",") if part.strip()]
            elif key == "id" or (key == "name" and tag == "a"):
                self.ids.add(value)

    handle_startendtag = handle_starttag


def _parse(page: Path) -> _LinkParser:
    parser = _LinkParser()
    parser.feed(page.read_text(encoding="utf-8", errors="replace"))
    return parser


def broken_links(site: Path) -> list[str]:
    """Every local link in ``site``'s HTML that points at no file, or at no anchor there."""
    site = site.resolve()
    parsed: dict[Path, _LinkParser] = {}

    def parse(page: Path) -> _LinkParser:
        if page not in parsed:
            parsed[page] = _parse(page)
        return parsed[page]

    broken = []
    for page in sorted(site.rglob("*.html")):
        for tag, url in parse(page).links:
            if not url or _NOT_LOCAL.match(url):
                continue
            path, _, fragment = url.partition("#")
            path = urllib.parse.unquote(path.split("?", 1)[0])
            if path.startswith("/"):
                target = site / path.lstrip("/")
            elif path:
                target = page.parent / path
            else:
                target = page
            target = Path(os.path.normpath(target))
            if target.is_dir():
                target = target / "index.html"
            where = f"{page.relative_to(site)}: <{tag}> {url}"
            if site != target and site not in target.parents:
                broken.append(f"{where} (outside the site)")
            elif not target.is_file():
                broken.append(f"{where} (no such file)")
            elif fragment and target.suffix == ".html":
                if urllib.parse.unquote(fragment) not in parse(target).ids:
                    broken.append(f"{where} (no anchor #{fragment})")
    for sheet in sorted(site.rglob("*.css")):  # fonts and images a stylesheet loads
        for url in _css_urls(sheet.read_text(encoding="utf-8", errors="replace")):
            if _NOT_LOCAL.match(url) or url.startswith("#"):
                continue
            target = Path(os.path.normpath(sheet.parent / url.split("?")[0].split("#")[0]))
            if not target.is_file():
                broken.append(f"{sheet.relative_to(site)}: url({url}) (no such file)")
    return broken


def test_link_checker_finds_missing_pages_files_and_anchors(tmp_path):
    (tmp_path / "lessons" / "02_autograd").mkdir(parents=True)
    (tmp_path / "lessons" / "02_autograd" / "index.html").write_text(
        '<h2 id="the-graph">x</h2><img src="01-graph.svg">'
    )
    (tmp_path / "lessons" / "02_autograd" / "01-graph.svg").write_text("<svg/>")
    (tmp_path / "index.html").write_text(
        '<a href="lessons/02_autograd/">ok</a>'
        '<a href="lessons/02_autograd/#the-graph">ok anchor</a>'
        '<a href="lessons/lessons/02_autograd/">the map bug</a>'
        '<a href="lessons/02_autograd/#the-graph-of-code">an anchor lost with its code</a>'
        '<img src="missing.png"><a href="#top">no such id here</a>'
        '<svg><a xlink:href="lessons/07_rnn/"><text>7</text></a></svg>'
        '<a href="https://example.org/x">external: not checked</a><a href="mailto:a@b">m</a>'
        '<a href="../../etc/passwd">outside</a>'
    )
    (tmp_path / "k.css").write_text("@font-face{src:url(fonts/gone.woff2)}")
    found = broken_links(tmp_path)
    assert len(found) == 7, found
    assert any("url(fonts/gone.woff2)" in f for f in found)
    assert any("lessons/lessons/02_autograd/" in f and "no such file" in f for f in found)
    assert any("#the-graph-of-code" in f and "no anchor" in f for f in found)
    assert any("lessons/07_rnn/" in f for f in found)
    assert any("outside the site" in f for f in found)
    assert not any("example.org" in f or "mailto" in f for f in found)


# ---------------------------------------------------------------------------------------
# mkdocs.yml
# ---------------------------------------------------------------------------------------


def _load_mkdocs_yml() -> dict:
    class Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml uses !ENV and python-name tags; their values do not matter here.
    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, s, node: None)
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)


def _nav_paths(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [p for item in node for p in _nav_paths(item)]
    if isinstance(node, dict):
        return [p for value in node.values() for p in _nav_paths(value)]
    return []


def lesson_files() -> list[str]:
    return sorted(
        p.name
        for p in (ROOT / "lessons").glob("*.py")
        if LESSON_RE.match(p.name) and not p.name.endswith("_exercises.py")
    )


def test_every_lesson_is_in_the_nav():
    nav = _nav_paths(_load_mkdocs_yml()["nav"])
    missing = [name for name in lesson_files() if f"lessons/{name}" not in nav]
    assert not missing, f"add these lessons to the nav of mkdocs.yml: {missing}"


def test_nav_points_at_files_that_exist():
    nav = _nav_paths(_load_mkdocs_yml()["nav"])
    absent = []
    for path in nav:
        if path.startswith(("http://", "https://")):
            continue
        is_lesson = LESSON_RE.match(path.removeprefix("lessons/"))
        where = ROOT / path if is_lesson else ROOT / "docs" / path
        if not where.exists():
            absent.append(path)
    assert not absent, f"nav entries without a file: {absent}"


def test_exercises_are_not_pages():
    nav = _nav_paths(_load_mkdocs_yml()["nav"])
    assert not [p for p in nav if p.endswith("_exercises.py")], (
        "exercise files raise NotImplementedError: link them from the lesson, never execute them"
    )


# ---------------------------------------------------------------------------------------
# The built site.
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    given = os.environ.get("DOCS_SITE_DIR")
    if given:
        path = Path(given)
        if not path.is_absolute():
            path = ROOT / path
        assert (path / "index.html").exists(), f"DOCS_SITE_DIR={given} holds no built site"
        return path
    if os.environ.get("DOCS_BUILD") != "1":
        pytest.skip(
            "needs a built site: run `mkdocs build --strict` and set DOCS_SITE_DIR=site, "
            "or set DOCS_BUILD=1 to build one here"
        )
    mkdocs = Path(sys.executable).with_name("mkdocs")
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [str(mkdocs), "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return out


@pytest.mark.timeout(900)  # with DOCS_BUILD=1 the site is built in this test's setup
def test_site_loads_nothing_from_outside(site):
    found = external_resources(site)
    assert not found, "the site must work offline, but these load from outside:\n" + "\n".join(
        found[:30]
    )


def test_katex_is_vendored_into_the_site(site):
    assert (site / "assets/katex/katex.min.js").exists()
    assert (site / "assets/katex/contrib/auto-render.min.js").exists()
    assert list((site / "assets/katex/fonts").glob("*.woff2"))


def nav_lessons() -> list[str]:
    """Lesson files listed in the nav: the ones the site publishes."""
    nav = _nav_paths(_load_mkdocs_yml()["nav"])
    names = [p.removeprefix("lessons/") for p in nav if p.startswith("lessons/")]
    return [name for name in names if LESSON_RE.match(name)]


def test_every_lesson_page_was_executed(site):
    lessons = nav_lessons()
    assert lessons, "the nav lists no lessons"
    for name in lessons:
        stem = name[:-3]
        page = site / "lessons" / stem / "index.html"
        assert page.exists(), f"no page for lessons/{name}"
        text = page.read_text(encoding="utf-8")
        assert "lesson-output" in text, f"lessons/{name} shows no executed output"
        assert "lesson-toolbar" in text, f"lessons/{name} has no notebook/exercises toolbar"
        assert "mathjax" not in text.lower(), f"lessons/{name} still loads MathJax"
        assert "In&nbsp;[" not in text and "jp-InputPrompt" not in text, "prompts are shown"
        assert "lesson ran in" not in text, f"lessons/{name} shows its timing cell"
        notebook = json.loads((site / "lessons" / f"{stem}.ipynb").read_text(encoding="utf-8"))
        assert notebook["cells"], f"lessons/{stem}.ipynb is empty"
        toolbar = text[text.index('class="lesson-toolbar"') :]
        toolbar = toolbar[: toolbar.index("</div>")]
        for href in re.findall(r'href="([^"#]+)" download', toolbar):
            target = (page.parent / href).resolve()
            assert target.is_file(), f"lessons/{name}: the toolbar links to missing {href}"


def test_search_index_finds_lessons(site):
    index = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))
    locations = {doc["location"].split("#")[0] for doc in index["docs"]}
    for name in nav_lessons():
        assert f"lessons/{name[:-3]}/" in locations, f"lessons/{name} is not in the search index"


@pytest.mark.browser
def test_site_in_a_real_browser(site, tmp_path):
    if shutil.which("chromium") is None:
        pytest.skip("needs Debian's chromium: apt-get install -y chromium")
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import check_site_browser
    finally:
        sys.path.pop(0)
    # Search must find a lesson for "LSTM" once a lesson teaches it; until then, for a word
    # that the first lesson's page certainly contains.
    pages = sorted((site / "lessons").glob("[0-9][0-9]_*/index.html"))
    if not pages:
        pytest.skip("no lesson pages in the site yet")
    query = "LSTM"
    if not any("LSTM" in p.read_text(encoding="utf-8") for p in pages):
        query = "neuron" if "neuron" in pages[0].read_text(encoding="utf-8") else "lesson"
    assert (
        check_site_browser.main(
            ["--site", str(site), "--shots", str(tmp_path)] + ["--query", query]
        )
        == 0
    )


def test_no_broken_local_links(site):
    found = broken_links(site)
    assert not found, f"{len(found)} broken local link(s):\n" + "\n".join(found[:40])


def test_api_reference_has_no_sphinx_maths(site):
    pages = sorted((site / "api").rglob("index.html"))
    assert pages, "no API reference pages in the site"
    left = [str(p.relative_to(site)) for p in pages if ":math:" in p.read_text(encoding="utf-8")]
    assert not left, f"Sphinx :math: roles printed as text on {left}"


def test_lesson_pages_show_every_picture_with_caption_and_alt(site):
    """The generated pages (docs/lesson_pages.py) hold every picture the lesson shows."""
    for name in nav_lessons():
        stem = name[:-3]
        source = (ROOT / "lessons" / name).read_text(encoding="utf-8")
        text = (site / "lessons" / stem / "index.html").read_text(encoding="utf-8")
        figures = re.findall(r'<figure class="lesson-figure.*?</figure>', text, re.S)
        assert len(figures) >= source.count("pictures.show("), (
            f"lessons/{name} shows {source.count('pictures.show(')} pictures, its page "
            f"{len(figures)}"
        )
        for figure in figures:
            img = re.search(r'<img alt="([^"]*)" src="([^"]+)"', figure)
            assert img and len(img.group(1)) > 10, f"lessons/{name}: a picture lacks alt text"
            assert "No description has been provided" not in img.group(1)
            assert not re.search(r"-output-\d+\.\w+$", img.group(2)), (
                f"lessons/{name}: {img.group(2)} was not shown with pictures.show"
            )
            assert "<figcaption" in figure, f"lessons/{name}: {img.group(2)} has no caption"
            assert (site / "lessons" / stem / img.group(2)).is_file(), img.group(2)


def test_site_weight(site):
    files = [p for p in site.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files)
    assert total <= 8 * 1024 * 1024, f"the site weighs {total / 1e6:.1f} MB (limit 8 MiB)"
    pages = {p: p.stat().st_size for p in site.rglob("*.html")}
    largest = max(pages, key=pages.get)
    assert pages[largest] <= 400 * 1024, f"{largest.relative_to(site)}: {pages[largest]} bytes"
    assert not [p for p in files if p.suffix == ".map"], "source maps are shipped"


def test_pytorch_page_examples_print_what_the_page_says():
    """docs/pytorch.md: every ```python block runs, in order, and prints the ```text after it."""
    import contextlib
    import importlib.util
    import io

    text = (ROOT / "docs" / "pytorch.md").read_text(encoding="utf-8")
    pairs = re.findall(r"```python\n(.*?)```\n\n```text\n(.*?)```", text, re.S)
    assert len(pairs) >= 5, "each difference on the page comes with code and its output"
    namespace: dict = {}
    has_torch = importlib.util.find_spec("torch") is not None
    for code, expected in pairs:
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, "docs/pytorch.md", "exec"), namespace)  # noqa: S102
        if "import torch" in code and not has_torch:
            continue  # the block says it needs PyTorch
        assert printed.getvalue() == expected, f"docs/pytorch.md block:\n{code}"
