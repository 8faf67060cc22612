// Typeset maths with the vendored KaTeX, on first load and after every instant navigation.
//
// Two kinds of maths reach the browser:
//  * Markdown pages: pymdownx.arithmatex (generic mode) wraps maths in
//    <span class="arithmatex">\( ... \)</span> and <div class="arithmatex">\[ ... \]</div>.
//  * Lesson pages: notebook markdown cells keep their $...$ and $$...$$ as plain text
//    inside .jupyter-wrapper .jp-MarkdownOutput.
(function () {
  "use strict";

  const arithmatexDelimiters = [
    { left: "\\[", right: "\\]", display: true },
    { left: "\\(", right: "\\)", display: false },
  ];
  const notebookDelimiters = [
    { left: "$$", right: "$$", display: true },
    { left: "\\[", right: "\\]", display: true },
    { left: "$", right: "$", display: false },
    { left: "\\(", right: "\\)", display: false },
  ];

  function typeset(root) {
    if (typeof renderMathInElement !== "function") {
      return;
    }
    const options = { throwOnError: false, strict: "ignore" };
    root.querySelectorAll(".arithmatex").forEach(function (el) {
      renderMathInElement(el, Object.assign({ delimiters: arithmatexDelimiters }, options));
    });
    root.querySelectorAll(".jupyter-wrapper .jp-MarkdownOutput").forEach(function (el) {
      renderMathInElement(el, Object.assign({ delimiters: notebookDelimiters }, options));
    });
  }

  if (typeof document$ !== "undefined") {
    // mkdocs-material emits on the first load and after each instant navigation.
    document$.subscribe(function () {
      typeset(document.body);
    });
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      typeset(document.body);
    });
  } else {
    typeset(document.body);
  }
})();
