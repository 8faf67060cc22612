r"""A character-level language model: train it on text, measure it, and let it write.

The model, :class:`CharLM`, reads one character id per step and predicts the next one:

.. code-block:: text

    ids (T, B) -> Embedding -> (T, B, E) -> LSTM / GRU / RNN -> (T, B, H) -> Linear -> (T, B, V)

Training (:func:`train_char_lm`) minimises the cross-entropy of the next character, in
nats per character, with **truncated backpropagation through time**: the text is cut into
``B`` long parallel streams, each step reads the next ``T`` characters of every stream,
and the hidden state is carried from one chunk to the next but *detached*, so that the
gradient flows back at most ``T`` steps while the memory reaches further.

Generation (:func:`sample`) feeds the model a prompt, then draws one character at a time
from :math:`\mathrm{softmax}(z / \tau)` and feeds it back in. :func:`sample_index` is
that single draw.

Example:
    >>> from tinygrad_rnn.data.text import zen_of_python
    >>> result = train_char_lm(zen_of_python(), steps=3, hidden_size=16, seq_len=16, seed=0)
    >>> len(result.history), result.vocab.decode(result.vocab.encode("Zen"))
    (3, 'Zen')
    >>> text = sample(result.model, result.vocab, "The ", 20, temperature=1.0, seed=0)
    >>> text.startswith("The "), len(text)
    (True, 24)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from tinygrad_rnn import nn, optim
from tinygrad_rnn.data.text import CharVocab
from tinygrad_rnn.nn.cells import detach_state
from tinygrad_rnn.nn.functional import cross_entropy
from tinygrad_rnn.nn.recurrent import LAYERS
from tinygrad_rnn.tensor import Tensor, no_grad

__all__ = [
    "CharLM",
    "CharLMResult",
    "detach_state",
    "batch_streams",
    "evaluate_nll",
    "perplexity",
    "sample_index",
    "sample",
    "train_char_lm",
]


class CharLM(nn.Module):
    """Embedding, a recurrent layer and a linear head: next-character logits.

    Args:
        vocab_size: number of characters, ``V``.
        embed_dim: size of each character's embedding, ``E``.
        hidden_size: size of the hidden state, ``H``.
        cell: ``"lstm"``, ``"gru"`` or ``"rnn"``.
        num_layers: stacked recurrent layers.
        rng: seed or generator for the initial weights.
        dtype: parameter dtype (float32 unless given).
    """

    def __init__(
        self,
        vocab_size: int,
        embed_dim: int = 32,
        hidden_size: int = 128,
        cell: str = "lstm",
        num_layers: int = 1,
        rng: Any = 0,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if cell not in LAYERS:
            raise ValueError(f"CharLM: cell must be one of {sorted(LAYERS)}, got {cell!r}")
        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        self.vocab_size, self.cell = int(vocab_size), cell
        self.embed = nn.Embedding(vocab_size, embed_dim, rng=gen, dtype=dtype)
        self.rnn = LAYERS[cell](embed_dim, hidden_size, num_layers=num_layers, rng=gen, dtype=dtype)
        self.head = nn.Linear(hidden_size, vocab_size, rng=gen, dtype=dtype)

    def forward(self, ids: Any, state: Any = None) -> tuple[Tensor, Any]:
        """Logits for the next character after every input character.

        Args:
            ids: ``(T, B)`` integer character ids, time first.
            state: the recurrent state to start from (``None``: zeros).

        Returns:
            ``(logits, state)``: logits ``(T, B, V)`` and the final recurrent state.
        """
        ids = np.asarray(ids)
        if ids.ndim != 2 or ids.dtype.kind not in "iu":
            raise ValueError(f"CharLM: ids must be a (T, B) integer array, got {ids.shape}")
        x = self.embed(ids)  # (T, B, E)
        hs, state = self.rnn(x, state)  # (T, B, H)
        return self.head(hs), state  # (T, B, V)


def batch_streams(ids: np.ndarray, batch_size: int) -> np.ndarray:
    """Cut a long id sequence into ``batch_size`` equal parallel streams, time first.

    Stream ``b`` is the ``b``-th consecutive piece of the text, so reading the columns of
    the result row by row continues each piece where the previous chunk stopped.

    Returns:
        ``(N, batch_size)`` ids, ``N = len(ids) // batch_size`` (the tail is dropped).
    """
    ids = np.asarray(ids, dtype=np.int64)
    n = len(ids) // batch_size
    if n < 2:
        raise ValueError(
            f"batch_streams: {len(ids)} ids are too few for {batch_size} streams of 2 or more"
        )
    return ids[: n * batch_size].reshape(batch_size, n).T.copy()  # (N, B)


def evaluate_nll(model: CharLM, vocab: CharVocab, text: str, seq_len: int = 256) -> float:
    """Mean negative log-likelihood of ``text`` in nats per predicted character.

    The first character is only context; every later one is predicted from all the
    characters before it (the state is carried across chunks of ``seq_len``).
    """
    ids = np.asarray(vocab.encode(text), dtype=np.int64)
    if len(ids) < 2:
        raise ValueError("evaluate_nll: the text needs at least two characters")
    total, state = 0.0, None
    with no_grad():
        for start in range(0, len(ids) - 1, seq_len):
            x = ids[start : start + seq_len]
            y = ids[start + 1 : start + 1 + seq_len]
            x = x[: len(y)]
            logits, state = model(x[:, None], state)  # (t, 1, V)
            total += float(cross_entropy(logits, y[:, None], reduction="sum").item())
    return total / (len(ids) - 1)


def sample_index(logits: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    r"""Draw one class from :math:`\mathrm{softmax}(z / \tau)`; ``temperature == 0``: argmax.

    Uses exactly one ``rng.random()`` per call (inverse-CDF sampling), so a seeded
    generator gives reproducible text.
    """
    z = np.asarray(logits, dtype=np.float64).ravel()
    if temperature < 0:
        raise ValueError(f"sample_index: temperature must be >= 0, got {temperature}")
    if temperature == 0:
        return int(np.argmax(z))
    z = z / temperature
    p = np.exp(z - z.max())
    cdf = np.cumsum(p / p.sum())
    return int(min(np.searchsorted(cdf, rng.random(), side="right"), len(z) - 1))


def sample(
    model: CharLM,
    vocab: CharVocab,
    prompt: str,
    n: int,
    temperature: float = 1.0,
    seed: int | np.random.Generator | None = 0,
) -> str:
    """Continue ``prompt`` with ``n`` characters drawn from the model, one at a time.

    Args:
        model: a trained :class:`CharLM`.
        vocab: the vocabulary it was trained with.
        prompt: text to read first (at least one character, all in ``vocab``).
        n: how many characters to write.
        temperature: below 1 safer and more repetitive, above 1 wilder; 0 is greedy.
        seed: seed or generator.

    Returns:
        ``prompt`` followed by the ``n`` new characters.
    """
    if not prompt:
        raise ValueError("sample: the prompt needs at least one character")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    ids = np.asarray(vocab.encode(prompt), dtype=np.int64)
    out: list[int] = []
    with no_grad():
        logits, state = model(ids[:, None])  # read the whole prompt
        for _ in range(n):
            nxt = sample_index(logits.data[-1, 0], temperature, rng)
            out.append(nxt)
            logits, state = model(np.array([[nxt]]), state)
    return prompt + vocab.decode(out)


class CharLMResult(NamedTuple):
    """What :func:`train_char_lm` returns."""

    model: CharLM
    vocab: CharVocab
    history: list[tuple[int, float, float]]  # (step, seconds so far, training loss)
    seconds: float


def train_char_lm(
    text: str,
    *,
    cell: str = "lstm",
    embed_dim: int = 32,
    hidden_size: int = 128,
    num_layers: int = 1,
    batch_size: int = 32,
    seq_len: int = 64,
    lr: float = 1e-2,
    clip: float = 1.0,
    steps: int = 200,
    max_seconds: float | None = None,
    seed: int = 0,
    vocab: CharVocab | None = None,
    log: Callable[[int, float, float], Any] | None = None,
    log_every: int = 50,
) -> CharLMResult:
    """Train a :class:`CharLM` on ``text`` with Adam and truncated BPTT.

    Args:
        text: the training text.
        cell, embed_dim, hidden_size, num_layers: the model (see :class:`CharLM`).
        batch_size: parallel streams ``B``.
        seq_len: characters per chunk ``T``: backpropagation reaches this far back.
        lr: Adam's learning rate.
        clip: global gradient-norm clipping (``0`` turns it off).
        steps: at most this many updates.
        max_seconds: stop after this much training time too (``None``: no limit).
        seed: seeds the weights.
        vocab: the vocabulary (default: every character of ``text``).
        log: called as ``log(step, seconds, loss)`` every ``log_every`` steps.
        log_every: see ``log``.

    Returns:
        A :class:`CharLMResult`; ``history`` has one entry per step.
    """
    vocab = vocab or CharVocab.from_text(text)
    streams = batch_streams(np.asarray(vocab.encode(text)), batch_size)  # (N, B)
    if len(streams) <= seq_len:
        raise ValueError(
            f"train_char_lm: {len(text)} characters in {batch_size} streams give only "
            f"{len(streams)} per stream; use a longer text, a smaller batch or seq_len"
        )
    model = CharLM(len(vocab), embed_dim, hidden_size, cell, num_layers, rng=seed)
    opt = optim.Adam(model.parameters(), lr=lr)
    history: list[tuple[int, float, float]] = []
    state, pos = None, 0
    start = time.perf_counter()
    for step in range(1, steps + 1):
        if pos + seq_len + 1 > len(streams):  # wrapped around: start the streams afresh
            state, pos = None, 0
        x = streams[pos : pos + seq_len]  # (T, B)
        y = streams[pos + 1 : pos + seq_len + 1]  # (T, B): the next characters
        pos += seq_len
        logits, state = model(x, state)
        loss = cross_entropy(logits, y)
        opt.zero_grad()
        loss.backward()
        if clip:
            optim.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        state = detach_state(state)
        elapsed = time.perf_counter() - start
        history.append((step, elapsed, float(loss.item())))
        if log is not None and (step % log_every == 0 or step == steps):
            log(step, elapsed, history[-1][2])
        if max_seconds is not None and elapsed >= max_seconds:
            break
    return CharLMResult(model, vocab, history, time.perf_counter() - start)


def perplexity(nll: float) -> float:
    """``exp(nll)``: the number of equally likely characters the model is choosing among."""
    return math.exp(nll)
