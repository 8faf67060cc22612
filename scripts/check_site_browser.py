"""Open the built docs site in headless Chromium and check what a learner would see.

Usage::

    .venv/bin/mkdocs build --strict          # writes site/
    .venv/bin/python scripts/check_site_browser.py [--site site] [--shots DIR]

Needs Debian's ``chromium`` (``apt-get install -y chromium``). The site is served from
127.0.0.1 by Python's http.server and Chromium is driven over the DevTools protocol through
a pipe (``--remote-debugging-pipe``), so nothing beyond the standard library is needed.

Checks, each printed as PASS/FAIL:

* every request the pages make goes to the local server (or is a ``data:``/``blob:`` URL);
* a lesson page shows maths typeset by KaTeX (``.katex`` elements, no ``.katex-error``),
  no leftover ``$...$`` in its text, and a graph drawn as SVG;
* the home page draws the lesson map;
* the search box finds a lesson for "LSTM";
* maths also renders after an instant (in-page) navigation to a lesson;
* the dark palette switches on, and no page throws an uncaught JavaScript error.

Screenshots of a lesson page (light and dark) and the home page are written to ``--shots``.
Exit status is 0 only when every check passes.
"""

from __future__ import annotations

import argparse
import base64
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
]

# Pictures in a lesson page (docs/lesson_pages.py): an <img> of an SVG inside a figure.
SVG_PICTURES = """document.querySelectorAll('.lesson-figure img[src$=".svg"]').length"""


def find_chromium() -> str | None:
    """Return the path of a Chromium binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class names it so
        pass


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``site`` on 127.0.0.1 (a free port) in a daemon thread."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


class Browser:
    """A minimal DevTools-protocol client over Chromium's debugging pipe."""

    def __init__(self, binary: str):
        self.profile = tempfile.mkdtemp(prefix="docs-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # Chromium reads commands from fd 3 and writes replies to fd 4.
        self.proc = subprocess.Popen(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4, to_browser_r, from_browser_w),
            preexec_fn=functools.partial(_wire_fds, to_browser_r, from_browser_w),
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        self.session: str | None = None

    def close(self) -> None:
        try:
            self.send("Browser.close", browser_level=True, timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("no reply from chromium")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the debugging pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params=None, *, browser_level=False, timeout=30.0) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if self.session and not browser_level:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def open_page(self, width: int = 1280, height: int = 900) -> None:
        target = self.send("Target.createTarget", {"url": "about:blank"}, browser_level=True)
        attached = self.send(
            "Target.attachToTarget",
            {"targetId": target["targetId"], "flatten": True},
            browser_level=True,
        )
        self.session = attached["sessionId"]
        self.send("Page.enable")
        self.send("Network.enable")
        self.send("Runtime.enable")
        self.width, self.height = width, height
        self._viewport(height)

    def evaluate(self, expression: str, timeout: float = 30.0):
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20.0):
        """Poll a JS expression until it is truthy; return its last value."""
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.25)
        return value

    def goto(self, url: str) -> None:
        self.send("Page.navigate", {"url": url})
        self.wait_for("document.readyState === 'complete'")
        time.sleep(0.5)  # let document$ subscribers (KaTeX) run

    def screenshot(self, path: Path, full_page: bool = False) -> None:
        """Save a PNG of the viewport, or of the whole page (up to 8000 px tall)."""
        if full_page:
            height = min(int(self.evaluate("document.documentElement.scrollHeight")), 8000)
            self._viewport(height)
        data = self.send("Page.captureScreenshot", {"format": "png"}, timeout=60)["data"]
        path.write_bytes(base64.b64decode(data))
        if full_page:
            self._viewport(self.height)

    def _viewport(self, height: int) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def script_errors(self) -> list[str]:
        """Uncaught JavaScript exceptions seen so far."""
        return [
            e["params"]["exceptionDetails"].get("exception", {}).get("description")
            or e["params"]["exceptionDetails"].get("text", "?")
            for e in self.events
            if e.get("method") == "Runtime.exceptionThrown"
        ]

    def requested_urls(self) -> list[str]:
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]


def _wire_fds(to_browser_r: int, from_browser_w: int) -> None:
    """In the child: put the pipe ends where Chromium expects them (fd 3 in, fd 4 out)."""
    # Copy both ends out of the way first, so neither dup2 can clobber the other.
    read_end, write_end = os.dup(to_browser_r), os.dup(from_browser_w)
    os.dup2(read_end, 3)
    os.dup2(write_end, 4)


def lesson_pages(site: Path) -> list[str]:
    """Site-relative URLs of the rendered lesson pages, in lesson order."""
    pages = sorted(p.parent.name for p in (site / "lessons").glob("[0-9][0-9]_*/index.html"))
    return [f"lessons/{name}/" for name in pages]


class Report:
    def __init__(self) -> None:
        self.failures = 0

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        print(f"{'PASS' if ok else 'FAIL'}  {what}" + (f"  ({detail})" if detail else ""))
        self.failures += not ok
        return ok


def run_checks(site: Path, shots: Path, query: str) -> int:
    binary = find_chromium()
    if binary is None:
        print("chromium not found: apt-get update && apt-get install -y chromium")
        return 2
    lessons = lesson_pages(site)
    report = Report()
    if not report.check(bool(lessons), "the site has at least one lesson page"):
        return 1
    shots.mkdir(parents=True, exist_ok=True)
    server, base = serve(site)
    browser = Browser(binary)
    try:
        browser.open_page()

        # Home page and its lesson map.
        browser.goto(base)
        n_boxes = browser.wait_for("document.querySelectorAll('.diagram-inline svg g.node').length")
        n_links = browser.evaluate(
            "document.querySelectorAll('.diagram-inline svg g.node a[*|href]').length"
        )
        report.check(
            bool(n_boxes),
            "home page draws the lesson map as inline SVG",
            f"{n_boxes} lessons, {n_links} with a link",
        )
        browser.screenshot(shots / "home.png")
        browser.screenshot(shots / "home-full.png", full_page=True)

        # A Markdown page with maths (pymdownx.arithmatex) is typeset too.
        browser.goto(base + "concepts/")
        n_katex = browser.wait_for("document.querySelectorAll('.arithmatex .katex').length", 5)
        raw = browser.evaluate(
            "[...document.querySelectorAll('.arithmatex')]"
            ".filter(e => !e.querySelector('.katex')).length"
        )
        report.check(
            bool(n_katex) and raw == 0,
            "concepts/: Markdown maths typeset by KaTeX",
            f"{n_katex} typeset, {raw} left raw",
        )

        # Every lesson page: maths typeset with no KaTeX error and no raw $...$ left.
        leftover_js = (
            "[...document.querySelectorAll('.md-content article > p, .md-content article li')]"
            ".map(e => e.innerText).join('\\n').match(/\\$[^$\\n]{1,80}\\$/g) || []"
        )
        chosen = None
        for url in lessons:
            browser.goto(base + url)
            n_katex = browser.wait_for("document.querySelectorAll('.katex').length", 5) or 0
            n_errors = browser.evaluate("document.querySelectorAll('.katex-error').length")
            leftover = browser.evaluate(leftover_js)
            n_svg = browser.evaluate(SVG_PICTURES)
            report.check(
                n_errors == 0 and not leftover,
                f"{url}: maths typeset cleanly",
                f"{n_katex} .katex, {n_errors} .katex-error"
                + (f", raw: {', '.join(leftover[:3])}" if leftover else ""),
            )
            if chosen is None and n_katex and n_svg:
                chosen = url
        # One lesson page with maths and a graph, looked at closely.
        report.check(chosen is not None, "a lesson page shows maths and a graph as SVG")
        chosen = chosen or lessons[0]
        browser.goto(base + chosen)
        n_katex = browser.wait_for("document.querySelectorAll('.katex').length", 10) or 0
        n_svg = browser.evaluate(SVG_PICTURES)
        report.check(n_katex > 0, f"{chosen}: KaTeX typeset the maths", f"{n_katex} .katex")
        report.check(
            n_svg > 0, f"{chosen}: shows a graph as SVG", f"{n_svg} SVG pictures or graph nodes"
        )
        browser.screenshot(shots / "lesson.png")
        browser.screenshot(shots / "lesson-full.png", full_page=True)

        # The same page in the dark palette.
        browser.evaluate(
            "document.querySelector('label[for=__palette_1]') ? "
            "document.querySelector('label[for=__palette_1]').click() : null"
        )
        time.sleep(0.5)
        scheme = browser.evaluate("document.body.getAttribute('data-md-color-scheme')")
        report.check(scheme == "slate", "the palette toggle switches to the dark scheme", scheme)
        browser.screenshot(shots / "lesson-dark.png")
        browser.evaluate(
            "document.querySelector('label[for=__palette_0]') ? "
            "document.querySelector('label[for=__palette_0]').click() : null"
        )

        # Instant navigation: go home, click the lesson link, maths must render again.
        browser.goto(base)
        browser.evaluate(
            f"(() => {{ const a = [...document.querySelectorAll('a')]"
            f".find(a => a.getAttribute('href') && a.href.endsWith('{chosen}'));"
            " if (a) { a.click(); return true } return false })()"
        )
        time.sleep(1.0)
        same_doc = browser.evaluate(f"location.href.endsWith('{chosen}')")
        n_katex_nav = browser.wait_for("document.querySelectorAll('.katex').length", 10) or 0
        report.check(
            bool(same_doc) and n_katex_nav > 0,
            "maths renders after instant navigation to the lesson",
            f"{n_katex_nav} .katex",
        )

        # Search.
        browser.goto(base)
        hits = browser.evaluate(
            """(async () => {
              const input = document.querySelector('[data-md-component=search-query]');
              if (!input) return 'no search box';
              for (let i = 0; i < 40; i++) {
                input.focus();
                input.value = QUERY;
                input.dispatchEvent(new Event('input', {bubbles: true}));
                input.dispatchEvent(new KeyboardEvent('keyup', {bubbles: true}));
                await new Promise(r => setTimeout(r, 250));
                const links = [...document.querySelectorAll(
                  '.md-search-result__item a, .md-search-result__link')].map(a => a.href);
                if (links.length) return links;
              }
              return [];
            })()""".replace("QUERY", json.dumps(query)),
            timeout=30,
        )
        if not isinstance(hits, list):
            hits = []
        lesson_hits = [h for h in hits if re.search(r"/lessons/\d\d_", h)]
        report.check(
            bool(lesson_hits),
            f'search for "{query}" returns a lesson',
            f"{len(hits)} results; first lesson: {lesson_hits[0] if lesson_hits else 'none'}",
        )
        browser.screenshot(shots / "search.png")

        errors = browser.script_errors()
        report.check(not errors, "no uncaught JavaScript errors", "; ".join(errors[:3])[:300])

        # Nothing may come from outside the local server.
        outside = sorted(
            {
                u
                for u in browser.requested_urls()
                if not u.startswith((base, "data:", "blob:", "about:"))
            }
        )
        report.check(not outside, "every request stays on the local server", ", ".join(outside))
    finally:
        browser.close()
        server.shutdown()
    print(f"screenshots in {shots}/")
    print(f"{report.failures} check(s) failed" if report.failures else "all checks passed")
    return 1 if report.failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=Path("site"), help="built site directory")
    parser.add_argument(
        "--shots",
        type=Path,
        default=Path(tempfile.gettempdir()) / "tinygrad_rnn_site_shots",
        help="where to save the screenshots (default: a folder in the temp dir)",
    )
    parser.add_argument("--query", default="LSTM", help="search term that must find a lesson")
    args = parser.parse_args(argv)
    if not (args.site / "index.html").exists():
        print(f"{args.site}/index.html not found: run `.venv/bin/mkdocs build --strict` first")
        return 2
    return run_checks(args.site.resolve(), args.shots, args.query)


if __name__ == "__main__":
    sys.exit(main())
