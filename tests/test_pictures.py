"""tinygrad_rnn.pictures: one call that shows a picture in a notebook and saves it from a script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from tinygrad_rnn import Value, graph, pictures  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """A clean picture counter, the current folder in tmp_path, no folder override."""
    monkeypatch.setattr(pictures, "_count", 0)
    monkeypatch.setattr(pictures, "_saved", [])
    monkeypatch.setattr(pictures, "_summary_registered", True)  # no atexit in the test process
    monkeypatch.delenv(pictures.OUT_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def small_graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a * b).tanh()
    c.label = "c"
    c.backward()
    return graph.draw(c)


def test_script_mode_saves_numbered_files_and_says_where(fresh, monkeypatch, capsys):
    monkeypatch.setenv(pictures.OUT_ENV, str(fresh / "pics"))
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3])
    ax.set_title("a line")
    first = pictures.show(fig, "Loss curve!", "The loss falls.")
    assert first == fresh / "pics" / "01-loss-curve.png"
    assert first.read_bytes()[:4] == b"\x89PNG"
    assert not plt.get_fignums(), "a shown figure is closed, as plt.show() would leave it"
    pictures.show(small_graph(), "tiny graph")
    names = sorted(p.name for p in (fresh / "pics").iterdir())
    if graph.dot_available():
        assert names == ["01-loss-curve.png", "02-tiny-graph.png", "02-tiny-graph.svg"]
    else:
        assert names == ["01-loss-curve.png", "02-tiny-graph.dot"]
    out = capsys.readouterr().out
    printed = [line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("[picture] ")]
    assert sorted(Path(p).name for p in printed) == names
    assert all(p.startswith("pics/") for p in printed), printed
    pictures._summary()
    summary = capsys.readouterr().out
    assert f"{len(names)} picture file(s) in pics" in summary


def test_default_folder_is_named_after_the_lesson(fresh, monkeypatch):
    monkeypatch.setattr(pictures, "_main_stem", lambda: "08_gradients")
    assert pictures.output_dir() == Path("out") / "lesson-08"
    monkeypatch.setattr(pictures, "_main_stem", lambda: "my script")
    assert pictures.output_dir() == Path("out") / "my-script"
    monkeypatch.setenv(pictures.OUT_ENV, "elsewhere")
    assert pictures.output_dir() == Path("elsewhere")


def test_bad_input_is_named(fresh):
    with pytest.raises(TypeError, match="expected a matplotlib Figure, a graph.*list"):
        pictures.show([1, 2], "x")
    fig = plt.figure()
    with pytest.raises(ValueError, match="no letters or digits"):
        pictures.show(fig, "!!!")
    plt.close("all")
    with pytest.raises(ValueError, match="no open matplotlib figure"):
        pictures.show(None, "nothing")


def test_alt_text_describes_the_figure(fresh):
    fig, ax = plt.subplots()
    ax.plot([1, 2], label="tanh")
    ax.plot([2, 1], label="relu")
    ax.set_xlabel("step")
    ax.set_ylabel("norm")
    ax.set_title("gradients")
    ax.legend()
    text = pictures.describe(fig)
    assert "'gradients'" in text and "x: step" in text and "y: norm" in text
    assert "tanh" in text and "relu" in text
    assert pictures._default_caption(fig) == "gradients"
    plt.close(fig)
    assert "Computation graph with 4 data boxes" in pictures.describe(small_graph())


def test_in_a_kernel_the_picture_is_shown_inline_with_its_caption(tmp_path):
    """Run show() in a real Jupyter kernel: one display output, SVG, metadata for the site."""
    pytest.importorskip("nbclient")
    import nbformat
    from nbclient import NotebookClient

    code = (
        "import matplotlib.pyplot as plt\n"
        "from tinygrad_rnn import pictures\n"
        "fig, ax = plt.subplots()\n"
        "ax.plot([1, 2, 3])\n"
        "pictures.show(fig, 'rising', 'It rises.', alt='A rising line.')\n"
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(
        notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": tmp_path}}
    ).execute()
    outputs = notebook.cells[0].outputs
    assert len(outputs) == 1, outputs  # no second copy from the inline backend
    assert "<svg" in outputs[0]["data"]["image/svg+xml"]
    info = outputs[0]["metadata"]["tinygrad_rnn"]
    assert info == {"name": "01-rising", "caption": "It rises.", "alt": "A rising line.",
                    "kind": "figure"}  # fmt: skip
    assert not list(tmp_path.iterdir()), "nothing is saved to disk in a notebook"


def test_a_script_gets_a_list_at_the_end(tmp_path):
    script = tmp_path / "05_demo.py"
    script.write_text(
        "import matplotlib.pyplot as plt\n"
        "from tinygrad_rnn import pictures\n"
        "plt.plot([1, 2])\n"
        "pictures.show(None, 'first')\n"
        "print('between')\n"
        "plt.plot([2, 1])\n"
        "pictures.show(plt.gcf(), 'second')\n",
        encoding="utf-8",
    )
    env = {"MPLBACKEND": "Agg", "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:3] == [
        "[picture] out/lesson-05/01-first.png",
        "between",
        "[picture] out/lesson-05/02-second.png",
    ], lines
    assert "2 picture file(s) in out/lesson-05:" in done.stdout
    assert json.dumps(sorted(p.name for p in (tmp_path / "out/lesson-05").iterdir())) == (
        '["01-first.png", "02-second.png"]'
    )


def test_compact_svg_rounds_geometry_but_never_text():
    svg = (
        "<svg><metadata><rdf:RDF>big</rdf:RDF></metadata>"
        '<path d="M 44.845313 244.078125 \nL 47.077312 -0.0001"/>'
        '<g transform="translate(30.283125 250.676562)"><text x="1.23456">0.125</text></g></svg>'
    )
    small = pictures.compact_svg(svg)
    assert "metadata" not in small
    assert 'd="M 44.8 244.1 L 47.1 0"' in small
    assert 'transform="translate(30.3 250.7)"' in small and 'x="1.2"' in small
    assert ">0.125</text>" in small  # a tick label keeps every digit


def test_graph_svg_loses_internal_names_but_keeps_its_labels():
    svg = small_graph()._repr_mimebundle_().get("image/svg+xml")
    if svg is None:
        pytest.skip("needs graphviz's dot")
    trimmed = pictures._trim_graph_svg(svg)
    assert "<!--" not in trimmed and "<title>n1</title>" not in trimmed
    assert trimmed.count("<text") == svg.count("<text") and len(trimmed) < len(svg)
