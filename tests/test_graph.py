"""Graph rendering: pictures when dot exists, .dot source and one hint when it does not."""

from __future__ import annotations

import math

import pytest

from tinygrad_rnn import Value, graph


def small_graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b", group="t=1")
    c = (a * b + 1.0).tanh()
    c.label = "c"
    c.backward()
    return c


def test_source_has_labels_ops_and_clusters():
    src = graph.draw(small_graph()).source
    assert "a" in src and "tanh" in src and "+1" in src
    assert "cluster_0" in src and "t=1" in src
    assert "rankdir=LR" in src


@pytest.mark.skipif(not graph.dot_available(), reason="needs graphviz's dot")
def test_svg_and_png_written(tmp_path):
    svg = graph.render(small_graph(), tmp_path / "g.svg")
    assert svg.read_text().lstrip().startswith("<?xml")
    png = graph.render(small_graph(), tmp_path / "g.png")
    assert png.read_bytes()[:4] == b"\x89PNG"
    bundle = graph.draw(small_graph())._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def test_missing_dot_writes_source_and_says_how_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    written = graph.render(small_graph(), tmp_path / "g.svg")
    assert written.suffix == ".dot" and "digraph" in written.read_text()
    out = capsys.readouterr().out
    assert "apt-get install graphviz" in out and out.count("\n") == 1
    bundle = graph.draw(small_graph())._repr_mimebundle_()
    assert "text/plain" in bundle and "digraph" in bundle["text/plain"]


def test_color_by_grad_shades_nodes():
    src = graph.draw(small_graph(), color_by_grad=True).source
    assert "#ef6c00" in src  # the largest gradient gets the darkest shade


def test_an_infinite_gradient_does_not_flatten_the_shading():
    # A diverging run: one inf gradient made the log-scale span inf, so every finite node
    # got the lightest shade.
    a, w = Value(2.0, label="a"), Value(1e200, label="w")
    b = (a * 3.0 + 1.0) ** 2 + (a * 1e-3).tanh() + (w * w) * (w * w)
    b.backward()
    assert w.grad == math.inf
    src = graph.draw(b, color_by_grad=True).source
    assert "#ef6c00" in src


def test_refuses_huge_graphs_with_a_reason():
    x = Value(1.0)
    for _ in range(50):
        x = x * 1.01
    with pytest.raises(ValueError, match="max_nodes=10"):
        graph.draw(x, max_nodes=10)
