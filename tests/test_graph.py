"""Graph rendering: pictures when dot exists, .dot source and one hint when it does not."""

from __future__ import annotations

import math
import re

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


def unrolled_rnn(cell: str = "RNN"):
    from tinygrad_rnn import Tensor, nn

    layer = getattr(nn, cell)(input_size=1, hidden_size=2, fused=False, rng=0)
    x = Tensor([[[0.5]], [[-0.1]], [[0.8]]], requires_grad=True, label="x")
    out, _ = layer(x)
    loss = out[2].square().sum()
    loss.label = "loss"
    loss.backward()
    return loss


def _node_labels(source: str) -> list[str]:
    """First line of every node's label (a record's fields stay on that line, after "|")."""
    found = re.findall(r'\[label=(?:"([^"]*)"|([^\s\]"]+))', source)
    return [(quoted or bare).lstrip("{ ").splitlines()[0] for quoted, bare in found]


def test_compact_mode_folds_layout_ops_and_keeps_the_states():
    loss = unrolled_rnn()
    full = graph.draw(loss, compact=False).source
    assert "permute" in _node_labels(full) and "getitem" in _node_labels(full)
    compact = graph.draw(loss).source  # unrolled Tensor graph: compact by default
    labels = _node_labels(compact)
    assert "permute" not in labels and "getitem" not in labels and "reshape" not in labels
    assert "label=T" in compact and 'label="[ ]"' in compact  # folded into the arrows
    for state in ("h_1", "h_2", "h_3"):
        assert any(label.startswith(state) for label in labels if "|" in label), state
    for step in ("t=1", "t=2", "t=3"):
        assert f'label="{step}"' in compact
    assert "rankdir=TB" in compact
    assert compact.count("->") < full.count("->")


def test_compact_lstm_names_its_cell_states_and_gates():
    labels = _node_labels(graph.draw(unrolled_rnn("LSTM")).source)
    assert {"c_1", "c_2", "c_3"} <= {label.split(" ")[0] for label in labels}
    assert "f = sigmoid" in labels and "g = tanh" in labels  # gates are small ellipses


@pytest.mark.skipif(not graph.dot_available(), reason="needs graphviz's dot")
def test_compact_unrolled_graph_fits_a_column(tmp_path):
    # The full drawing of this 3-step RNN was 4,700 pt wide; a page column is about 560 pt.
    svg = graph.render(unrolled_rnn(), tmp_path / "g.svg").read_text()
    width = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    assert width < 800, width


def test_bad_rankdir_is_named():
    with pytest.raises(ValueError, match="rankdir must be"):
        graph.draw(small_graph(), rankdir="sideways")
