"""Checkpoints: round trip, no pickle, atomic writes, clear errors naming key and file."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from tinygrad_rnn import checkpoint, nn
from tinygrad_rnn.checkpoint import CheckpointError


def model(seed):
    return nn.Sequential(nn.Linear(3, 4, rng=seed), nn.Tanh(), nn.LSTMCell(4, 2, rng=seed))


def test_round_trip(tmp_path):
    a, b = model(0), model(1)
    path = checkpoint.save(a, tmp_path / "ckpt.npz")
    assert path == tmp_path / "ckpt.npz" and path.exists()
    assert checkpoint.load(b, path) is b
    for (name, p), (_, q) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)
    assert list(checkpoint.load_state_dict(path)) == list(a.state_dict())


def test_suffix_added_and_folder_created(tmp_path):
    path = checkpoint.save(model(0), tmp_path / "runs" / "first")
    assert path == tmp_path / "runs" / "first.npz" and path.exists()


def test_written_atomically_and_no_temp_left(tmp_path, monkeypatch):
    a = model(0)
    path = checkpoint.save(a, tmp_path / "ckpt.npz")
    original = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        checkpoint.save(model(1), path)
    assert path.read_bytes() == original  # the old checkpoint survives
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.npz"]  # no temp file left


def test_replace_is_used(tmp_path, monkeypatch):
    calls = []
    real_replace = os.replace

    def spy(src, dst):
        calls.append((Path(src).parent, Path(dst)))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    path = checkpoint.save(model(0), tmp_path / "x.npz")
    assert calls == [(tmp_path, path)]  # temp file in the same folder, then renamed


def test_wrong_shape_missing_and_extra_keys_name_key_and_file(tmp_path):
    path = checkpoint.save(model(0), tmp_path / "ckpt.npz")
    other = nn.Sequential(nn.Linear(3, 5, rng=0), nn.Tanh(), nn.LSTMCell(5, 2, rng=0))
    with pytest.raises(CheckpointError) as info:
        checkpoint.load(other, path)
    message = str(info.value)
    assert "'0.weight'" in message and "(4, 3)" in message and "(5, 3)" in message
    assert "ckpt.npz" in message

    smaller = nn.Sequential(nn.Linear(3, 4, rng=0))
    with pytest.raises(CheckpointError, match="unexpected keys") as info:
        checkpoint.load(smaller, path)
    assert "2.weight_ih" in str(info.value) and "ckpt.npz" in str(info.value)
    checkpoint.load(smaller, path, strict=False)  # takes what fits

    bigger = nn.Sequential(*model(0), nn.Linear(2, 1, rng=0))
    with pytest.raises(CheckpointError, match=r"missing keys \['3.weight', '3.bias'\]"):
        checkpoint.load(bigger, path)


def test_pickled_content_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, **{"0.weight": np.array([{"payload": 1}], dtype=object)})
    with pytest.raises(CheckpointError, match="pickle"):
        checkpoint.load(model(0), path)


def test_not_a_checkpoint(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_text("hello")
    with pytest.raises(CheckpointError, match="junk.npz"):
        checkpoint.load(model(0), junk)
    with pytest.raises(FileNotFoundError, match="missing.npz"):
        checkpoint.load(model(0), tmp_path / "missing.npz")


@pytest.mark.torch
def test_checkpoint_loads_into_torch(tmp_path):
    torch = pytest.importorskip("torch")
    ours = nn.GRU(3, 4, num_layers=2, rng=0)
    path = checkpoint.save(ours, tmp_path / "gru.npz")
    theirs = torch.nn.GRU(3, 4, num_layers=2)
    state = checkpoint.load_state_dict(path)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    x = np.random.default_rng(0).normal(size=(5, 2, 3)).astype(np.float32)
    np.testing.assert_allclose(
        ours(x)[0].data, theirs(torch.from_numpy(x))[0].detach().numpy(), atol=2e-5
    )
