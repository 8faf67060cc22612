"""`tinygrad-rnn train text`, `sample` and `train adding`'s flags: runs, exact resume, errors."""

from __future__ import annotations

import json
import os
import signal

import numpy as np
import pytest

from tinygrad_rnn import checkpoint
from tinygrad_rnn.cli import main
from tinygrad_rnn.data.text import grammar_text
from tinygrad_rnn.runs import TextRun

TINY = ["--hidden", "8", "--embed", "4", "--seq-len", "8", "--batch", "4", "--no-progress"]
EVERY = ["--eval-every", "4", "--sample-every", "3", "--checkpoint-every", "5"]


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "grammar.txt"
    path.write_text(grammar_text(60, seed=1))
    return path


def train(corpus, out, *extra):
    return main(["train", "text", "--corpus", str(corpus), "--out", str(out), *TINY, *extra])


def saved(folder):
    arrays = checkpoint.load_arrays(folder / "checkpoint.npz")
    meta = json.loads(str(arrays.pop("run")))
    return arrays, meta


def assert_same_run(a, b):
    arrays_a, meta_a = saved(a)
    arrays_b, meta_b = saved(b)
    assert sorted(arrays_a) == sorted(arrays_b)
    assert any(k.startswith("optim.") for k in arrays_a) and "carry.c" in arrays_a
    for key in arrays_a:
        np.testing.assert_array_equal(arrays_a[key], arrays_b[key], err_msg=key)  # bit for bit
    for key in ("step", "pos", "rng", "vocab", "optimizer", "last_loss"):
        assert meta_a[key] == meta_b[key], key
    assert meta_a["history"] == meta_b["history"]


def test_a_run_trains_checkpoints_and_reports(corpus, tmp_path, capsys):
    assert train(corpus, tmp_path / "run", "--steps", "8", *EVERY) == 0
    out = capsys.readouterr().out
    assert "held-out" in out and "nats/char" in out
    assert out.count("sample: 'a") == 2  # steps 3 and 6, from the default prime
    assert "done: step 8" in out and f"tinygrad-rnn sample {tmp_path / 'run'}" in out
    arrays, meta = saved(tmp_path / "run")
    assert meta["step"] == 8 and meta["config"]["hidden"] == 8
    assert "".join(meta["vocab"]) == "".join(sorted(set(corpus.read_text())))
    assert {"model.embed.weight", "model.head.weight", "optim.0.exp_avg"} <= set(arrays)
    assert json.loads((tmp_path / "run" / "config.json").read_text())["seq_len"] == 8


def test_resume_is_bit_identical_to_the_uninterrupted_run(corpus, tmp_path, capsys):
    assert train(corpus, tmp_path / "straight", "--steps", "13", *EVERY) == 0
    assert train(corpus, tmp_path / "parts", "--steps", "6", *EVERY) == 0
    assert main(["train", "text", "--resume", str(tmp_path / "parts"), "--steps", "13"]) == 0
    assert "resuming" in capsys.readouterr().out
    assert_same_run(tmp_path / "straight", tmp_path / "parts")


def test_ctrl_c_saves_says_how_to_resume_and_resume_is_exact(corpus, tmp_path, capsys, monkeypatch):
    assert train(corpus, tmp_path / "straight", "--steps", "11", *EVERY) == 0
    real_step = TextRun.train_step

    def step_then_interrupt(self):
        loss = real_step(self)
        if self.step == 7:  # Ctrl-C arrives in the middle of the run
            os.kill(os.getpid(), signal.SIGINT)
        return loss

    monkeypatch.setattr(TextRun, "train_step", step_then_interrupt)
    folder = tmp_path / "stopped"
    assert train(corpus, folder, "--steps", "11", *EVERY) == 130
    out = capsys.readouterr().out
    assert "interrupted at step 7" in out
    assert f"resume with: tinygrad-rnn train text --resume {folder}" in out
    assert saved(folder)[1]["step"] == 7
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored
    monkeypatch.setattr(TextRun, "train_step", real_step)
    assert main(["train", "text", "--resume", str(folder)]) == 0
    assert_same_run(tmp_path / "straight", folder)


def test_the_built_in_corpus_is_the_default(tmp_path, capsys):
    code = main(["train", "text", "--out", str(tmp_path / "b"), *TINY, "--steps", "2"])
    assert code == 0 and "built-in corpus" in capsys.readouterr().out


def one_error_line(capsys):
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err + captured.out
    return lines[0]


def test_corpus_errors_name_the_flag_and_file(tmp_path, capsys):
    def error_for(path):
        code = main(["train", "text", "--corpus", str(path), "--out", str(tmp_path / "r"), *TINY])
        assert code == 2
        line = one_error_line(capsys)
        assert "--corpus" in line and str(path.name) in line
        return line

    assert "no such file" in error_for(tmp_path / "missing.txt")
    (tmp_path / "empty.txt").write_text("")
    assert "empty" in error_for(tmp_path / "empty.txt")
    (tmp_path / "model.bin").write_bytes(bytes(range(256)) * 4)
    assert "binary" in error_for(tmp_path / "model.bin")
    (tmp_path / "latin.txt").write_bytes("caf\xe9 ".encode("latin-1") * 100)
    assert "not UTF-8" in error_for(tmp_path / "latin.txt")
    (tmp_path / "short.txt").write_text("just a few words")
    assert "too few" in error_for(tmp_path / "short.txt")
    assert "folder" in error_for(tmp_path)


def test_resume_errors(corpus, tmp_path, capsys):
    folder = tmp_path / "run"
    assert train(corpus, folder, "--steps", "3") == 0
    capsys.readouterr()
    assert train(corpus, folder, "--steps", "3") == 2
    assert "already holds a run" in one_error_line(capsys)
    assert main(["train", "text", "--resume", str(folder), "--hidden", "16"]) == 2
    assert "--hidden 16 differs from the run's 8" in one_error_line(capsys)
    assert main(["train", "text", "--resume", str(tmp_path / "nowhere")]) == 2
    assert "no such run folder" in one_error_line(capsys)
    other = tmp_path / "other.txt"
    other.write_text(grammar_text(60, seed=2))
    assert main(["train", "text", "--resume", str(folder), "--corpus", str(other)]) == 2
    assert "not the one this run was trained on" in one_error_line(capsys)
    (tmp_path / "a_file").write_text("")
    assert train(corpus, tmp_path / "a_file", "--steps", "3") == 2
    assert "is a file, not a folder" in one_error_line(capsys)
    assert main(["train", "text", "--resume", str(folder)]) == 0  # at step 3 of 3 already
    assert "already at step 3" in capsys.readouterr().out


@pytest.mark.parametrize(
    "flags, flag",
    [
        (["--hidden", "0"], "--hidden"),
        (["--batch", "0"], "--batch"),
        (["--seq-len", "-3"], "--seq-len"),
        (["--lr", "nan"], "--lr"),
        (["--lr", "-1"], "--lr"),
        (["--clip", "-1"], "--clip"),
        (["--steps", "0"], "--steps"),
        (["--time", "0"], "--time"),
        (["--eval-every", "0"], "--eval-every"),
        (["--layers", "two"], "--layers"),
    ],
)
def test_train_text_bad_flags(flags, flag, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "text", "--out", str(tmp_path / "r"), *flags])
    assert info.value.code == 2
    assert f"argument {flag}:" in one_error_line(capsys)


# ------------------------------------------------------------------ sample
@pytest.fixture
def trained(corpus, tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs") / "run"
    assert train(corpus, folder, "--steps", "6") == 0
    return folder


def test_sample_prints_text_and_temperature_zero_is_greedy(trained, capsys):
    capsys.readouterr()
    assert main(["sample", str(trained), "--length", "40", "--seed", "1"]) == 0
    first = capsys.readouterr().out
    # the default prime is "The " when the vocabulary has it; this lower-case text has no T
    assert first.startswith("a") and len(first.rstrip("\n")) == 41
    assert main(["sample", str(trained), "--length", "40", "--seed", "2"]) == 0
    assert capsys.readouterr().out != first  # a different seed draws differently
    greedy = []
    for seed in ("1", "2"):
        args = ["sample", str(trained), "--temperature", "0", "--length", "30", "--seed", seed]
        assert main([*args, "--prime", "the "]) == 0
        greedy.append(capsys.readouterr().out)
    assert greedy[0] == greedy[1] and greedy[0].startswith("the ")


def test_sample_errors(trained, tmp_path, capsys):
    assert main(["sample", str(trained), "--prime", "the ZZ€"]) == 2
    line = one_error_line(capsys)
    assert "--prime" in line and "'Z', '€'" in line and "vocabulary" in line
    assert main(["sample", str(tmp_path / "nothing")]) == 2
    assert "no such run folder" in one_error_line(capsys)
    (tmp_path / "empty").mkdir()
    assert main(["sample", str(tmp_path / "empty")]) == 2
    assert "no checkpoint.npz" in one_error_line(capsys)
    from tinygrad_rnn import nn

    foreign = checkpoint.save(nn.Linear(2, 2, rng=0), tmp_path / "weights.npz")
    assert main(["sample", str(foreign)]) == 2
    assert "not a text-model checkpoint" in one_error_line(capsys)
    for flags, flag in [
        (["--temperature", "-1"], "--temperature"),
        (["--length", "0"], "--length"),
    ]:
        with pytest.raises(SystemExit):
            main(["sample", str(trained), *flags])
        assert f"argument {flag}:" in one_error_line(capsys)


# ------------------------------------------------------------------ train adding (item 4)
@pytest.mark.parametrize(
    "flags, flag",
    [
        (["--hidden", "0"], "--hidden"),
        (["--batch", "0"], "--batch"),
        (["--eval-every", "0"], "--eval-every"),
        (["--lr", "-1"], "--lr"),
        (["--lr", "nan"], "--lr"),
        (["--steps", "0"], "--steps"),
        (["--clip", "-0.5"], "--clip"),
        (["--forget-bias", "inf"], "--forget-bias"),
    ],
)
def test_train_adding_bad_flags_are_one_line_naming_the_flag(flags, flag, capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "adding", *flags])
    assert info.value.code == 2
    assert f"argument {flag}:" in one_error_line(capsys)


def test_train_adding_forget_bias_and_clip(capsys):
    code = main(["train", "adding", "--steps", "2", "--length", "5", "--hidden", "4"])
    assert code == 0 and "forget bias 1" in capsys.readouterr().out
    args = ["train", "adding", "--steps", "2", "--length", "5", "--hidden", "4", "--clip", "0"]
    assert main([*args, "--forget-bias", "2.5"]) == 0
    out = capsys.readouterr().out
    assert "forget bias 2.5" in out and "no clipping" in out
    assert main(["train", "adding", "--cell", "gru", "--forget-bias", "1"]) == 2
    assert "--forget-bias applies to --cell lstm only" in one_error_line(capsys)


def test_every_flag_has_help_with_its_default(capsys):
    for command in (["train", "adding"], ["train", "text"], ["sample"]):
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        out = capsys.readouterr().out
        for line in out.split("options:")[1].split("\n  -")[2:]:  # skip -h
            assert "default" in line or line.split()[0] in (
                "-corpus",
                "-name",
                "-out",
                "-resume",
                "-no-progress",
                "-prime",
            ), line
