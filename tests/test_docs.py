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
        where = ROOT / path if path.startswith("lessons/") else ROOT / "docs" / path
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
    return [p.removeprefix("lessons/") for p in nav if p.startswith("lessons/")]


def test_every_lesson_page_was_executed(site):
    lessons = nav_lessons()
    assert lessons, "the nav lists no lessons"
    for name in lessons:
        stem = name[:-3]
        page = site / "lessons" / stem / "index.html"
        assert page.exists(), f"no page for lessons/{name}"
        text = page.read_text(encoding="utf-8")
        assert "jp-OutputArea-output" in text, f"lessons/{name} shows no executed output"
        assert "lesson-toolbar" in text, f"lessons/{name} has no notebook/exercises toolbar"
        assert "mathjax" not in text.lower(), f"lessons/{name} still loads MathJax"
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
