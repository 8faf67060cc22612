"""`tinygrad-rnn graph` and GraphView.save when the picture cannot be made: one line, .dot kept."""

from __future__ import annotations

import os
import stat

import pytest

from tinygrad_rnn import graph
from tinygrad_rnn.cli import main
from tinygrad_rnn.scalar import Value


def fake_dot(folder, body):
    """Put a program called `dot` first on the PATH that runs the shell ``body``."""
    folder.mkdir(exist_ok=True)
    program = folder / "dot"
    program.write_text(f"#!/bin/sh\n{body}\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    return f"{folder}{os.pathsep}{os.environ['PATH']}"


def run_graph(out, capsys):
    code = main(["graph", "--out", str(out)])
    captured = capsys.readouterr()
    return code, captured.err.strip().splitlines(), captured.out


def test_unknown_extension_is_one_line_and_the_dot_file_is_written(tmp_path, capsys):
    code, err, _ = run_graph(tmp_path / "g.xyz", capsys)
    assert code == 1 and len(err) == 1
    assert "unknown picture format 'xyz'" in err[0] and ".svg, .png, .pdf, .dot" in err[0]
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    assert "Traceback" not in err[0]


def test_a_broken_dot_is_one_line_and_the_dot_file_is_written(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", fake_dot(tmp_path / "bin", "echo 'Error: bad layout' >&2; exit 3"))
    code, err, _ = run_graph(tmp_path / "g.svg", capsys)
    assert code == 1 and len(err) == 1
    assert "failed (exit status 3): Error: bad layout" in err[0]
    assert str(tmp_path / "g.dot") in err[0] and (tmp_path / "g.dot").exists()
    assert not (tmp_path / "g.svg").exists()


def test_a_dot_that_crashes_is_reported(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", fake_dot(tmp_path / "bin", "kill -SEGV $$"))
    code, err, _ = run_graph(tmp_path / "g.png", capsys)
    assert code == 1 and len(err) == 1 and "crashed (signal 11)" in err[0]
    assert (tmp_path / "g.dot").exists()


def test_a_dot_that_hangs_times_out(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", fake_dot(tmp_path / "bin", "exec sleep 30"))
    monkeypatch.setenv("TINYGRAD_RNN_DOT_TIMEOUT", "0.5")
    code, err, _ = run_graph(tmp_path / "g.svg", capsys)
    assert code == 1 and len(err) == 1
    assert "did not answer within 0.5 s" in err[0] and (tmp_path / "g.dot").exists()


def test_save_raises_render_error_from_python(tmp_path):
    view = graph.draw(Value(1.0, label="a") * 2)
    with pytest.raises(graph.RenderError, match="unknown picture format 'bmpx'"):
        view.save(tmp_path / "pic.bmpx")
    assert (tmp_path / "pic.dot").exists()


@pytest.mark.skipif(not graph.dot_available(), reason="needs graphviz's dot")
def test_a_working_dot_still_writes_the_picture(tmp_path, capsys):
    code, err, out = run_graph(tmp_path / "g.svg", capsys)
    assert code == 0 and not err and "<svg" in (tmp_path / "g.svg").read_text()
