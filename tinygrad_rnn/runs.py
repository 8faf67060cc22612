r"""A training run of the character model on disk: train, checkpoint, resume exactly, sample.

This is what ``tinygrad-rnn train text`` and ``tinygrad-rnn sample`` run. A run trains the
model of lesson 11 (:class:`tinygrad_rnn.generate.CharLM`: embedding, recurrent layer,
linear head) with Adam and truncated backpropagation through time on the built-in corpus
(Python's own help texts, :func:`tinygrad_rnn.data.text.pydoc_topics`) or a UTF-8 file.
The last tenth of the text is held out to measure the model on characters it never
trained on.

A run lives in a folder (``runs/<name>/`` by default) holding ``checkpoint.npz``: the
model's weights, Adam's state (PyTorch's layout, see
:meth:`tinygrad_rnn.optim.Optimizer.state_dict`), the recurrent state carried between
chunks, and a JSON record of the vocabulary, the step, the position in the text, the random
generator's state, the configuration and the loss history. It is written atomically (see
:mod:`tinygrad_rnn.checkpoint`), so a run stopped at any moment leaves the previous
checkpoint whole. ``config.json`` beside it is a readable copy of the settings.

Because everything that decides the next step is saved, a run resumed from its checkpoint
takes exactly the steps the uninterrupted run would have taken: the weights after
``--resume`` are bit-for-bit those of a run that never stopped.

Example:
    >>> import tempfile
    >>> from tinygrad_rnn.data.text import grammar_text
    >>> config = TextConfig(hidden=8, embed=4, seq_len=8, batch=4, steps=3, eval_every=3)
    >>> run = TextRun.create(config, grammar_text(60), source="grammar")
    >>> run.train(), run.step
    (True, 3)
    >>> folder = tempfile.mkdtemp()
    >>> _ = run.save(folder)
    >>> TextRun.load(folder, text=grammar_text(60)).step
    3
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_rnn import checkpoint, optim
from tinygrad_rnn.checkpoint import CheckpointError
from tinygrad_rnn.data.text import CharVocab, pydoc_topics
from tinygrad_rnn.generate import CharLM, batch_streams, evaluate_nll, sample
from tinygrad_rnn.nn.cells import GRUState, LSTMState, RNNState, detach_state
from tinygrad_rnn.nn.functional import cross_entropy
from tinygrad_rnn.tensor import Tensor

__all__ = [
    "TextConfig",
    "TextRun",
    "RunError",
    "CorpusError",
    "read_corpus",
    "BUILTIN",
    "CHECKPOINT_NAME",
    "default_prime",
    "load_model",
    "read_checkpoint",
]

FORMAT = "tinygrad-rnn text run"
VERSION = 1
CHECKPOINT_NAME = "checkpoint.npz"
BUILTIN = "builtin:pydoc_topics"
HELD_OUT = 0.1  # the last tenth of the text is held out
HELD_OUT_CHARS = 10_000  # at most this many held-out characters are scored per evaluation
_STATES = {"rnn": RNNState, "lstm": LSTMState, "gru": GRUState}


class RunError(Exception):
    """A run folder or checkpoint that cannot be used; the message names it and says why."""


class CorpusError(RunError):
    """A training text that cannot be used (missing, empty, binary, too short)."""


@dataclasses.dataclass
class TextConfig:
    """The settings of a run (what ``tinygrad-rnn train text`` flags set).

    Attributes:
        cell: ``"lstm"``, ``"gru"`` or ``"rnn"``.
        hidden: hidden size; ``embed``: embedding size; ``layers``: stacked layers.
        seq_len: characters per chunk (how far back the gradient reaches).
        batch: parallel streams per step.
        lr: Adam's learning rate; ``clip``: global gradient-norm limit (0: off).
        steps: total steps of the run (``None``: until ``max_seconds``).
        max_seconds: a training-time budget in seconds (``None``: none).
        seed: seeds the weights and the sample lines.
        eval_every: held-out loss every this many steps.
        sample_every: a sample line every this many steps (0: never).
        checkpoint_every: a checkpoint every this many steps (0: only at the end).
        sample_chars: length of each sample line.
    """

    cell: str = "lstm"
    hidden: int = 128
    embed: int = 32
    layers: int = 1
    seq_len: int = 64
    batch: int = 32
    lr: float = 1e-2
    clip: float = 1.0
    steps: int | None = 200
    max_seconds: float | None = None
    seed: int = 0
    eval_every: int = 50
    sample_every: int = 100
    checkpoint_every: int = 100
    sample_chars: int = 60

    # settings that decide the numbers; the rest may change when a run is resumed
    FIXED = ("cell", "hidden", "embed", "layers", "seq_len", "batch", "lr", "clip", "seed")

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TextConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise RunError(f"the run's config has settings this version does not know: {unknown}")
        return cls(**data)


def read_corpus(path: str | os.PathLike[str] | None, flag: str = "--corpus") -> tuple[str, str]:
    """The training text and where it came from: ``(text, source)``.

    ``None`` gives the built-in corpus. A file must be UTF-8 text.

    Raises:
        CorpusError: the file is missing, a folder, empty, binary or not UTF-8; the message
            starts with ``flag`` and names the file.
    """
    if path is None:
        return pydoc_topics(), BUILTIN
    file = Path(path).expanduser()
    shown = str(path)
    if not file.exists():
        raise CorpusError(f"{flag} {shown}: no such file (looked at {str(file.resolve())!r})")
    if file.is_dir():
        raise CorpusError(f"{flag} {shown}: is a folder; pass a text file")
    if not file.is_file():
        raise CorpusError(f"{flag} {shown}: is not a regular file")
    data = file.read_bytes()
    if not data.strip():
        raise CorpusError(f"{flag} {shown}: the file is empty; give it some text to learn from")
    if b"\x00" in data[:65536]:
        raise CorpusError(
            f"{flag} {shown}: looks like a binary file (it has NUL bytes); pass UTF-8 text"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise CorpusError(
            f"{flag} {shown}: is not UTF-8 text (byte {err.start} is "
            f"{data[err.start : err.start + 1]!r}); convert it to UTF-8 first"
        ) from None
    return text.replace("\r\n", "\n"), str(file.resolve())


def _fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _split(text: str) -> tuple[str, str]:
    cut = len(text) - max(2, int(len(text) * HELD_OUT))
    return text[:cut], text[cut:]


def _check_long_enough(text: str, config: TextConfig, source: str) -> None:
    train_text, _ = _split(text)
    needed = config.batch * (config.seq_len + 2)
    needed_total = math.ceil(needed / (1 - HELD_OUT)) + 2
    if len(train_text) < needed:
        where = "the built-in corpus" if source == BUILTIN else f"--corpus {source}"
        raise CorpusError(
            f"{where}: {len(text):,} characters are too few for --batch {config.batch} "
            f"streams of --seq-len {config.seq_len} (at least {needed_total:,} are needed, "
            f"a tenth is held out); use a longer text or a smaller --batch or --seq-len"
        )


class TextRun:
    """One run: the model, its optimiser, the data and where training stands.

    Build one with :meth:`create` (new) or :meth:`load` (from a folder); :meth:`train`
    continues it, :meth:`save` writes its checkpoint.
    """

    def __init__(
        self,
        config: TextConfig,
        text: str,
        source: str,
        vocab: CharVocab,
        model: CharLM,
        opt: optim.Adam,
        rng: np.random.Generator,
    ) -> None:
        self.config, self.text, self.source = config, text, source
        self.vocab, self.model, self.opt, self.rng = vocab, model, opt, rng
        self.train_text, self.held_text = _split(text)
        self.streams = batch_streams(np.asarray(vocab.encode(self.train_text)), config.batch)
        self.held_out = self.held_text[: HELD_OUT_CHARS + 1]
        self.step, self.pos, self.carry = 0, 0, None
        self.elapsed = 0.0  # training seconds so far, over every session of the run
        self.history: list[dict[str, Any]] = []  # {"step", "loss", "held_out"} at evaluations
        self.last_loss = float("nan")
        self.stop_requested = False

    # ------------------------------------------------------------------ building
    @classmethod
    def create(cls, config: TextConfig, text: str, source: str = BUILTIN) -> TextRun:
        """A new run of ``config`` on ``text`` (vocabulary: every character of ``text``)."""
        if config.cell not in _STATES:
            raise RunError(f"cell must be one of {sorted(_STATES)}, got {config.cell!r}")
        _check_long_enough(text, config, source)
        vocab = CharVocab.from_text(text)
        rng = np.random.default_rng(config.seed)
        model = _model(config, len(vocab), rng)
        opt = optim.Adam(model.parameters(), lr=config.lr)
        return cls(config, text, source, vocab, model, opt, rng)

    # ------------------------------------------------------------------ training
    def done(self) -> bool:
        """True once the run has taken ``steps`` steps or used its ``max_seconds``."""
        c = self.config
        if c.steps is not None and self.step >= c.steps:
            return True
        return c.max_seconds is not None and self.elapsed >= c.max_seconds

    def train_step(self) -> float:
        """One update on the next chunk of every stream; returns its loss in nats/char."""
        c = self.config
        start = time.perf_counter()
        if self.pos + c.seq_len + 1 > len(self.streams):  # end of the text: start again
            self.carry, self.pos = None, 0
        x = self.streams[self.pos : self.pos + c.seq_len]
        y = self.streams[self.pos + 1 : self.pos + c.seq_len + 1]
        logits, state = self.model(x, self.carry)
        loss = cross_entropy(logits, y)
        self.opt.zero_grad()
        loss.backward()
        if c.clip:
            optim.clip_grad_norm_(self.model.parameters(), c.clip)
        self.opt.step()
        self.carry = detach_state(state)
        self.pos += c.seq_len
        self.step += 1
        self.last_loss = float(loss.item())
        self.elapsed += time.perf_counter() - start
        return self.last_loss

    def held_out_loss(self) -> float:
        """Nats per character on (the first 10,000 characters of) the held-out text."""
        return evaluate_nll(self.model, self.vocab, self.held_out)

    def sample_line(self, prime: str | None = None) -> str:
        """A short sample with the run's own generator (so it is part of the saved state)."""
        prime = prime or default_prime(self.vocab)
        return sample(self.model, self.vocab, prime, self.config.sample_chars, 0.8, self.rng)

    def train(
        self,
        on_step: Callable[[TextRun], Any] | None = None,
        on_eval: Callable[[TextRun, float], Any] | None = None,
        on_sample: Callable[[TextRun, str], Any] | None = None,
        folder: str | os.PathLike[str] | None = None,
        catch_interrupt: bool = False,
    ) -> bool:
        """Train until :meth:`done` (or a stop request); returns ``True`` when done.

        Args:
            on_step: called after every step.
            on_eval: called with the held-out loss every ``eval_every`` steps.
            on_sample: called with a sample line every ``sample_every`` steps.
            folder: where to checkpoint every ``checkpoint_every`` steps and at the end.
            catch_interrupt: while training, Ctrl-C (SIGINT) asks the loop to stop after
                the current step (so the checkpoint is a consistent step boundary); a
                second Ctrl-C stops at once.
        """
        c = self.config
        previous = None
        if catch_interrupt:

            def request_stop(signum: int, frame: Any) -> None:
                if self.stop_requested:
                    raise KeyboardInterrupt
                self.stop_requested = True

            previous = signal.signal(signal.SIGINT, request_stop)
        try:
            while not self.done() and not self.stop_requested:
                self.train_step()
                if self.step % c.eval_every == 0:  # the same steps however a run is split
                    held = self.held_out_loss()
                    self.history.append(
                        {"step": self.step, "loss": self.last_loss, "held_out": held}
                    )
                    if on_eval is not None:
                        on_eval(self, held)
                if c.sample_every and self.step % c.sample_every == 0:
                    line = self.sample_line()
                    if on_sample is not None:
                        on_sample(self, line)
                if on_step is not None:
                    on_step(self)
                if (
                    folder is not None
                    and c.checkpoint_every
                    and self.step % c.checkpoint_every == 0
                ):
                    self.save(folder)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        if folder is not None:
            self.save(folder)
        return self.done()

    # ------------------------------------------------------------------ saving
    def save(self, folder: str | os.PathLike[str]) -> Path:
        """Write ``folder/checkpoint.npz`` (everything, atomically) and ``config.json``."""
        folder = Path(folder)
        arrays: dict[str, np.ndarray] = {}
        for name, value in self.model.state_dict().items():
            arrays[f"model.{name}"] = value
        opt_state = self.opt.state_dict()
        scalars: dict[str, dict[str, Any]] = {}
        for index, entry in opt_state["state"].items():
            for key, value in entry.items():
                if isinstance(value, np.ndarray):
                    arrays[f"optim.{index}.{key}"] = value
                else:
                    scalars.setdefault(str(index), {})[key] = value
        if self.carry is not None:
            for field, tensor in zip(self.carry._fields, self.carry, strict=True):
                arrays[f"carry.{field}"] = tensor.data
        meta = {
            "format": FORMAT,
            "version": VERSION,
            "config": self.config.to_json(),
            "corpus": {
                "source": self.source,
                "sha256": _fingerprint(self.text),
                "chars": len(self.text),
            },
            "vocab": self.vocab.itos,
            "step": self.step,
            "pos": self.pos,
            "elapsed": self.elapsed,
            "rng": self.rng.bit_generator.state,
            "optimizer": {"param_groups": opt_state["param_groups"], "scalars": scalars},
            "history": self.history,
            "last_loss": self.last_loss,
        }
        arrays["run"] = np.array(json.dumps(meta))
        path = checkpoint.save_arrays(arrays, folder / CHECKPOINT_NAME)
        config_text = json.dumps({"source": self.source, **self.config.to_json()}, indent=2)
        checkpoint.save_text(config_text + "\n", folder / "config.json")
        return path

    @classmethod
    def load(
        cls, where: str | os.PathLike[str], text: str | None = None, source: str | None = None
    ) -> TextRun:
        """The run saved in ``where`` (a run folder or its ``checkpoint.npz``).

        Args:
            where: the folder (or file).
            text: the training text; by default read again from the source the run names
                (the built-in corpus, or the file it was trained on).
            source: where ``text`` came from (shown in messages).

        Raises:
            RunError: no checkpoint there, a file that is not a text-model checkpoint, or a
                training text that differs from the one the run was trained on.
        """
        meta, arrays, path = read_checkpoint(where)
        config = TextConfig.from_json(meta["config"])
        corpus = meta["corpus"]
        if text is None:
            origin = corpus["source"]
            try:
                text, source = read_corpus(None if origin == BUILTIN else origin, flag="corpus")
            except CorpusError as err:
                raise RunError(f"{path}: the run's training text cannot be read: {err}") from None
        if _fingerprint(text) != corpus["sha256"]:
            raise RunError(
                f"{path}: the training text ({source}, {len(text):,} characters) is not the one "
                f"this run was trained on ({corpus['source']}, {corpus['chars']:,} characters); "
                "an exact resume needs the same text"
            )
        vocab = CharVocab(meta["vocab"])
        rng = np.random.default_rng(0)
        rng.bit_generator.state = meta["rng"]
        model = _model(config, len(vocab), np.random.default_rng(0))
        weights = {k[6:]: v for k, v in arrays.items() if k.startswith("model.")}
        try:
            model.load_state_dict(weights)
        except Exception as err:
            raise RunError(f"{path}: the weights do not fit the run's model: {err}") from None
        opt = optim.Adam(model.parameters(), lr=config.lr)
        state: dict[int, dict[str, Any]] = {}
        for key, value in arrays.items():
            if key.startswith("optim."):
                _, index, name = key.split(".", 2)
                state.setdefault(int(index), {})[name] = value
        for index, entry in meta["optimizer"]["scalars"].items():
            state.setdefault(int(index), {}).update(entry)
        try:
            opt.load_state_dict({"state": state, "param_groups": meta["optimizer"]["param_groups"]})
        except ValueError as err:
            raise RunError(f"{path}: the optimiser state does not fit: {err}") from None
        run = cls(config, text, source or corpus["source"], vocab, model, opt, rng)
        run.step, run.pos, run.elapsed = int(meta["step"]), int(meta["pos"]), float(meta["elapsed"])
        run.history, run.last_loss = list(meta["history"]), float(meta["last_loss"])
        fields = _STATES[config.cell]._fields
        if all(f"carry.{f}" in arrays for f in fields):
            run.carry = _STATES[config.cell](*(Tensor(arrays[f"carry.{f}"]) for f in fields))
        return run


def _model(config: TextConfig, vocab_size: int, rng: np.random.Generator) -> CharLM:
    return CharLM(
        vocab_size,
        embed_dim=config.embed,
        hidden_size=config.hidden,
        cell=config.cell,
        num_layers=config.layers,
        rng=rng,
    )


def default_prime(vocab: CharVocab) -> str:
    """``"The "`` when the vocabulary has those characters, else its first letter."""
    if all(ch in vocab for ch in "The "):
        return "The "
    letters = [ch for ch in vocab.itos if ch.isalpha()]
    return (letters or vocab.itos)[0]


def read_checkpoint(where: str | os.PathLike[str]) -> tuple[dict[str, Any], dict, Path]:
    """``(meta, arrays, path)`` of a text-run checkpoint, with clear errors.

    Raises:
        RunError: nothing there, an unreadable file, or a checkpoint of something else.
    """
    given = Path(where)
    path = given / CHECKPOINT_NAME if given.is_dir() else given
    if not path.exists():
        if given.is_dir():
            raise RunError(
                f"{given}: this folder has no {CHECKPOINT_NAME}; train one with "
                f"`tinygrad-rnn train text --out {given}`"
            )
        raise RunError(
            f"{given}: no such run folder or checkpoint; train one with "
            f"`tinygrad-rnn train text --out {given}`"
        )
    try:
        arrays = checkpoint.load_arrays(path)
    except (CheckpointError, OSError) as err:
        raise RunError(str(err)) from None
    foreign = (
        f"{path} is not a text-model checkpoint (it was not written by `tinygrad-rnn train text`"
    )
    raw = arrays.pop("run", None)
    if raw is None or raw.dtype.kind != "U" or raw.shape != ():
        names = ", ".join(sorted(arrays)[:4]) or "no arrays"
        raise RunError(f"{foreign}; it holds {names})")
    try:
        meta = json.loads(str(raw))
    except json.JSONDecodeError as err:
        raise RunError(f"{foreign}; its run record is not JSON: {err})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise RunError(f"{foreign}; its record says {str(meta)[:60]!r})")
    if meta.get("version") != VERSION:
        raise RunError(
            f"{path} is a text-model checkpoint of version {meta.get('version')}; this "
            f"tinygrad-rnn reads version {VERSION}"
        )
    return meta, arrays, path


def load_model(where: str | os.PathLike[str]) -> tuple[CharLM, CharVocab, dict[str, Any]]:
    """The trained model of a run, its vocabulary and its record, without the training text.

    Raises:
        RunError: see :func:`read_checkpoint`; also weights that do not fit the model.
    """
    meta, arrays, path = read_checkpoint(where)
    config = TextConfig.from_json(meta["config"])
    vocab = CharVocab(meta["vocab"])
    model = _model(config, len(vocab), np.random.default_rng(0))
    weights = {k[6:]: v for k, v in arrays.items() if k.startswith("model.")}
    try:
        model.load_state_dict(weights)
    except Exception as err:
        raise RunError(f"{path}: the weights do not fit the run's model: {err}") from None
    return model, vocab, meta
