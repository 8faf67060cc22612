// Click a lesson's graph to see it full screen, then zoom (wheel, pinch, buttons) and pan
// (drag) with the vendored svg-pan-zoom. The picture on the page stays fitted to the column.
// When the SVG cannot be fetched (a page opened from file://), the click simply opens it.
(function () {
  "use strict";

  function close(overlay) {
    if (overlay.panZoom) {
      overlay.panZoom.destroy();
    }
    overlay.remove();
    document.removeEventListener("keydown", overlay.onKey);
  }

  function open(link) {
    const href = link.getAttribute("href");
    fetch(href)
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.text();
      })
      .then(function (text) {
        const doc = new DOMParser().parseFromString(text, "image/svg+xml");
        const svg = doc.documentElement;
        if (!svg || svg.nodeName.toLowerCase() !== "svg") {
          throw new Error("not an SVG");
        }
        const overlay = document.createElement("div");
        overlay.className = "graph-overlay";
        overlay.setAttribute("role", "dialog");
        overlay.setAttribute("aria-label", "Picture: zoom and pan");
        const bar = document.createElement("div");
        bar.className = "graph-overlay__bar";
        bar.innerHTML =
          '<button type="button" data-act="close">Close (Esc)</button>' +
          '<button type="button" data-act="in">Zoom in</button>' +
          '<button type="button" data-act="out">Zoom out</button>' +
          '<button type="button" data-act="fit">Fit</button>' +
          '<a target="_blank" rel="noopener">Full-size SVG</a>' +
          "<span>Drag to pan, wheel or pinch to zoom.</span>";
        bar.querySelector("a").setAttribute("href", href);
        const view = document.createElement("div");
        view.className = "graph-overlay__view";
        svg.removeAttribute("width");
        svg.removeAttribute("height");
        view.appendChild(document.importNode(svg, true));
        overlay.appendChild(bar);
        overlay.appendChild(view);
        document.body.appendChild(overlay);
        if (typeof svgPanZoom === "function") {
          overlay.panZoom = svgPanZoom(view.querySelector("svg"), {
            zoomEnabled: true,
            controlIconsEnabled: false,
            fit: true,
            center: true,
            minZoom: 0.5,
            maxZoom: 40,
          });
        }
        bar.addEventListener("click", function (event) {
          const act = event.target.getAttribute("data-act");
          const pz = overlay.panZoom;
          if (act === "close") {
            close(overlay);
          } else if (pz && act === "in") {
            pz.zoomIn();
          } else if (pz && act === "out") {
            pz.zoomOut();
          } else if (pz && act === "fit") {
            pz.resetZoom();
            pz.center();
          }
        });
        overlay.onKey = function (event) {
          if (event.key === "Escape") {
            close(overlay);
          }
        };
        document.addEventListener("keydown", overlay.onKey);
      })
      .catch(function () {
        window.location.href = href;
      });
  }

  function attach(root) {
    root.querySelectorAll("a.graph-zoom").forEach(function (link) {
      if (link.dataset.zoomReady) {
        return;
      }
      link.dataset.zoomReady = "1";
      link.addEventListener("click", function (event) {
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) {
          return; // a new tab or window: let the browser open the SVG itself
        }
        event.preventDefault();
        open(link);
      });
    });
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(function () {
      attach(document.body);
    });
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      attach(document.body);
    });
  } else {
    attach(document.body);
  }
})();
