"""`tinygrad-rnn train text` against the same model in PyTorch: same weights, batches, Adam.

Runs the training loop of :class:`tinygrad_rnn.runs.TextRun` (lesson 11's character model:
embedding 32, LSTM 128, linear head; batch 32 x 64 characters, Adam lr 0.01, clipping at
norm 1, truncated BPTT with the state carried) for ``--steps`` steps, and the same loop in
PyTorch starting from a copy of the same initial weights and reading the same chunks. Both
use one thread. Prints the seconds each took, the last training loss and the held-out loss.

    .venv/bin/python bench/bench_text.py --steps 200

PyTorch is optional for the course; without it only this library's side runs.
"""

from __future__ import annotations

import argparse
import os
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

from tinygrad_rnn.runs import TextConfig, TextRun, read_corpus  # noqa: E402


def ours(run: TextRun, steps: int) -> tuple[float, float, float]:
    start = time.perf_counter()
    for _ in range(steps):
        run.train_step()
    seconds = time.perf_counter() - start
    return seconds, run.last_loss, run.held_out_loss()


def theirs(run: TextRun, weights: dict[str, np.ndarray], steps: int) -> tuple[float, float, float]:
    import torch

    torch.set_num_threads(1)
    c = run.config
    vocab_size = len(run.vocab)

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = torch.nn.Embedding(vocab_size, c.embed)
            self.rnn = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[c.cell](
                c.embed, c.hidden, num_layers=c.layers
            )
            self.head = torch.nn.Linear(c.hidden, vocab_size)

        def forward(self, ids, state):
            hs, state = self.rnn(self.embed(ids), state)
            return self.head(hs), state

    model = Model()
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in weights.items()})
    opt = torch.optim.Adam(model.parameters(), lr=c.lr)
    streams = torch.from_numpy(run.streams)
    state, pos = None, 0
    start = time.perf_counter()
    for _ in range(steps):
        if pos + c.seq_len + 1 > len(streams):
            state, pos = None, 0
        x, y = streams[pos : pos + c.seq_len], streams[pos + 1 : pos + c.seq_len + 1]
        pos += c.seq_len
        logits, state = model(x, state)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, vocab_size), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        if c.clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), c.clip)
        opt.step()
        state = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
    seconds = time.perf_counter() - start
    held = np.array(run.vocab.encode(run.held_out))
    with torch.no_grad():
        ids = torch.from_numpy(held[:-1, None])
        logits, _ = model(ids, None)
        nll = torch.nn.functional.cross_entropy(
            logits[:, 0], torch.from_numpy(held[1:]), reduction="mean"
        )
    return seconds, float(loss.detach()), float(nll)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--cell", default="lstm", choices=("lstm", "gru", "rnn"))
    args = parser.parse_args()
    text, source = read_corpus(None)
    run = TextRun.create(TextConfig(cell=args.cell, steps=args.steps), text, source)
    weights = run.model.state_dict()
    print(f"{args.cell.upper()} 128, batch 32 x 64, {args.steps} Adam steps on {source}")
    warm = TextRun.create(TextConfig(cell=args.cell, steps=2), text, source)
    ours(warm, 2)  # compile (or load from cache) the kernels outside the timing
    rows = [("tinygrad_rnn", *ours(run, args.steps))]
    try:
        import torch  # noqa: F401
    except ImportError:
        print("torch is not installed: only this library's side ran")
    else:
        rows.append((f"torch {torch.__version__}", *theirs(run, weights, args.steps)))
    print(f"{'':<22} {'seconds':>8} {'last loss':>10} {'held-out':>9}  (nats/char)")
    for name, seconds, last, held in rows:
        print(f"{name:<22} {seconds:>8.2f} {last:>10.3f} {held:>9.3f}")


if __name__ == "__main__":
    main()
