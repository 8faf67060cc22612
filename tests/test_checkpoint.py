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


# ------------------------------------------------------------------ hardening (saving)
def _same_weights(a, b):
    return all(
        np.array_equal(p.data, q.data) for p, q in zip(a.parameters(), b.parameters(), strict=True)
    )


def test_saving_to_a_symlink_writes_its_target_and_keeps_the_link(tmp_path):
    real = checkpoint.save(model(0), tmp_path / "real.npz")
    link = tmp_path / "latest.npz"
    link.symlink_to(real.name)
    checkpoint.save(model(1), link)
    assert link.is_symlink() and os.readlink(link) == "real.npz"
    assert _same_weights(checkpoint.load(model(2), real), model(1))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.npz", "real.npz"]


def test_saving_to_a_device_a_folder_or_a_pipe_is_refused(tmp_path):
    with pytest.raises(CheckpointError, match="'/dev/null'.*character device"):
        checkpoint.save(model(0), "/dev/null")
    (tmp_path / "folder.npz").mkdir()
    with pytest.raises(CheckpointError, match="folder.npz.*a folder"):
        checkpoint.save(model(0), tmp_path / "folder.npz")
    os.mkfifo(tmp_path / "pipe.npz")
    with pytest.raises(CheckpointError, match="pipe.npz.*named pipe"):
        checkpoint.save(model(0), tmp_path / "pipe.npz")
    link = tmp_path / "to_null.npz"
    link.symlink_to("/dev/null")
    with pytest.raises(CheckpointError, match="points to '/dev/null'"):
        checkpoint.save(model(0), link)


def test_a_stale_temp_file_from_a_killed_save_is_removed_by_the_next_save(tmp_path):
    stale = tmp_path / ".ckpt.npz.k1ll3d.tmp"
    stale.write_bytes(b"half a checkpoint")
    other = tmp_path / ".other.npz.x.tmp"  # belongs to another file: left alone
    other.write_bytes(b"")
    checkpoint.save(model(0), tmp_path / "ckpt.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.npz.x.tmp", "ckpt.npz"]


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_the_saved_file_mode_follows_the_umask(tmp_path, mask, mode):
    old = os.umask(mask)
    try:
        path = checkpoint.save(model(0), tmp_path / "ckpt.npz")
        np.savez(tmp_path / "plain.npz", x=np.zeros(1))
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == mode
    assert (tmp_path / "plain.npz").stat().st_mode & 0o777 == mode  # as numpy's own savez


# ------------------------------------------------------------------ hardening (loading)
def test_loading_a_npy_file_says_so(tmp_path):
    np.save(tmp_path / "weights.npy", np.zeros(3))
    with pytest.raises(CheckpointError, match=r"weights.npy.*single .npy array"):
        checkpoint.load(model(0), tmp_path / "weights.npy")


def test_loading_a_text_file_says_it_is_text(tmp_path):
    notes = tmp_path / "notes.npz"
    notes.write_text("my model, step 200\n")
    with pytest.raises(CheckpointError, match=r"notes.npz' is text.*my model"):
        checkpoint.load(model(0), notes)
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    with pytest.raises(CheckpointError, match="empty.npz' is empty"):
        checkpoint.load(model(0), empty)


def test_loading_a_truncated_file_names_it(tmp_path):
    path = checkpoint.save(model(0), tmp_path / "cut.npz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="cut.npz' is a damaged or truncated"):
        checkpoint.load(model(0), path)


def _npz_with_member(path, name, header_shape, payload):
    import io
    import zipfile

    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": "<f8", "fortran_order": False, "shape": header_shape}
    )
    with zipfile.ZipFile(path, "w") as archive:
        member = buf.getvalue()
        archive.writestr(name + ".npy", member + payload)
    return path


def test_a_truncated_member_names_member_and_sizes(tmp_path):
    path = _npz_with_member(tmp_path / "short.npz", "0.weight", (4, 3), np.zeros(5).tobytes())
    with pytest.raises(CheckpointError) as info:
        checkpoint.load(model(0), path)
    message = str(info.value)
    assert "short.npz" in message and "'0.weight.npy'" in message
    assert "(4, 3)" in message and "96 bytes" in message and "40 bytes" in message


def test_a_header_claiming_an_enormous_shape_is_refused_without_allocating(tmp_path):
    import tracemalloc

    path = _npz_with_member(tmp_path / "huge.npz", "0.weight", (2**26,), np.zeros(2).tobytes())
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError, match=r"huge.npz.*claims shape \(67108864,\)"):
            checkpoint.load_state_dict(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20  # the claimed 512 MiB were never asked for


def test_float64_weights_that_overflow_float32_are_refused(tmp_path):
    target = model(0)
    state = {k: v.astype(np.float64) for k, v in target.state_dict().items()}
    state["0.bias"][1] = 1e300
    np.savez(tmp_path / "big.npz", **state)
    before = target.state_dict()
    with pytest.raises(CheckpointError, match=r"big.npz.*'0.bias'.*1e\+300.*inf"):
        checkpoint.load(target, tmp_path / "big.npz")
    for k, v in target.state_dict().items():
        np.testing.assert_array_equal(v, before[k])  # nothing changed
    state["0.bias"][1] = 0.5  # float64 values that fit are fine
    np.savez(tmp_path / "ok.npz", **state)
    checkpoint.load(target, tmp_path / "ok.npz")
    assert target.state_dict()["0.bias"][1] == np.float32(0.5)
