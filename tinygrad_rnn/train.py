r"""Train small recurrent models on the generated sequence tasks, from Python or the CLI.

``tinygrad-rnn train adding --cell lstm`` trains a one-layer recurrent network on the
adding problem (:func:`tinygrad_rnn.data.sequences.adding_problem`) and prints the mean
squared error on a held-out batch as it goes. The baseline of always answering 1 scores
about 0.167; an LSTM or a GRU gets below 0.01 within seconds, a plain tanh RNN usually
stays near the baseline, because the gradient from the answer fades before it reaches the
first marked step.

The model is :class:`AddingModel`: a recurrent layer over the sequence and a ``Linear``
readout of its last hidden state.

Example:
    >>> result = train_adding("gru", length=10, steps=5, seed=0)
    >>> len(result.history), result.history[0][0]
    (1, 5)
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from tinygrad_rnn import init, nn, optim
from tinygrad_rnn.checkpoint import CheckpointError
from tinygrad_rnn.cliargs import (
    fail,
    finite_float,
    nonnegative_float,
    nonnegative_int,
    one_line_errors,
    positive_float,
    positive_int,
)
from tinygrad_rnn.data.sequences import adding_problem
from tinygrad_rnn.generate import sample
from tinygrad_rnn.nn.recurrent import LAYERS
from tinygrad_rnn.runs import (
    BUILTIN,
    CHECKPOINT_NAME,
    RunError,
    TextConfig,
    TextRun,
    default_prime,
    load_model,
    read_corpus,
)
from tinygrad_rnn.tensor import Tensor, no_grad

__all__ = ["AddingModel", "TrainResult", "train_adding", "add_commands"]


class AddingModel(nn.Module):
    """A recurrent layer and a linear readout of its final hidden state: (T, B, 2) -> (B, 1).

    Args:
        cell: ``"rnn"`` (tanh), ``"lstm"`` or ``"gru"``.
        hidden_size: size of the hidden state.
        fused: use the fused kernels (``False`` builds the unrolled graph; slow).
        rng: seed or generator for the initial weights.
        forget_bias: for an LSTM, set the forget gate's part of ``bias_hh_l0`` to this
            (``1.0`` is the usual choice, see :func:`tinygrad_rnn.init.lstm_forget_bias_`);
            ``None`` keeps PyTorch's default initialisation.
    """

    def __init__(
        self,
        cell: str,
        hidden_size: int = 32,
        fused: bool = True,
        rng: Any = 0,
        forget_bias: float | None = None,
    ):
        super().__init__()
        if cell not in LAYERS:
            raise ValueError(f"AddingModel: cell must be one of {sorted(LAYERS)}, got {cell!r}")
        gen = np.random.default_rng(rng) if not isinstance(rng, np.random.Generator) else rng
        self.rnn = LAYERS[cell](2, hidden_size, fused=fused, rng=gen)
        self.head = nn.Linear(hidden_size, 1, rng=gen)
        if cell == "lstm" and forget_bias is not None:
            init.lstm_forget_bias_(self.rnn.bias_hh_l0, forget_bias)

    def forward(self, x: Any) -> Tensor:
        _, state = self.rnn(x)
        return self.head(state.h[-1])  # (B, 1) from the last layer's final h


class TrainResult(NamedTuple):
    """What :func:`train_adding` returns."""

    model: AddingModel
    history: list[tuple[int, float]]  # (step, held-out MSE)
    final_mse: float
    seconds: float


def train_adding(
    cell: str = "lstm",
    length: int = 50,
    hidden_size: int = 32,
    steps: int = 800,
    batch_size: int = 64,
    lr: float = 0.02,
    clip: float = 1.0,
    seed: int = 0,
    eval_every: int = 50,
    target: float | None = None,
    forget_bias: float | None = None,
    log: Any = None,
) -> TrainResult:
    """Train :class:`AddingModel` with Adam on fresh batches of the adding problem.

    Args:
        cell: ``"rnn"``, ``"lstm"`` or ``"gru"``.
        length: sequence length ``T``.
        hidden_size: hidden state size.
        steps: number of Adam steps (one fresh batch each).
        batch_size: sequences per step.
        lr: Adam's learning rate.
        clip: the global gradient norm is clipped to this (``0`` turns clipping off).
        seed: seeds the weights, the batches and the held-out set.
        eval_every: evaluate the held-out MSE every this many steps (and at the end).
        target: stop early once the held-out MSE is below this.
        forget_bias: LSTM only: initial forget-gate bias (``None``: PyTorch's default).
        log: called as ``log(step, mse)`` after each evaluation (``print``-like).

    Returns:
        A :class:`TrainResult` with the model, the ``(step, mse)`` history, the final
        held-out MSE and the training time in seconds.
    """
    rng = np.random.default_rng(seed)
    model = AddingModel(cell, hidden_size, rng=rng, forget_bias=forget_bias)
    opt = optim.Adam(model.parameters(), lr=lr)
    x_val, y_val = adding_problem(256, length, seed=rng)
    x_val, y_val = x_val.astype(np.float32), y_val.astype(np.float32)
    history: list[tuple[int, float]] = []
    start = time.perf_counter()
    mse = float("nan")
    for step in range(1, steps + 1):
        x, y = adding_problem(batch_size, length, seed=rng)
        prediction = model(Tensor(x, dtype=np.float32))
        diff = prediction - Tensor(y, dtype=np.float32)
        loss = (diff * diff).mean()
        opt.zero_grad()
        loss.backward()
        if clip:
            optim.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        if step % eval_every == 0 or step == steps:
            with no_grad():
                mse = float(((model(Tensor(x_val)).data - y_val) ** 2).mean())
            history.append((step, mse))
            if log is not None:
                log(step, mse)
            if target is not None and mse < target:
                break
    return TrainResult(model, history, mse, time.perf_counter() - start)


# ---------------------------------------------------------------------------------- CLI
def _cmd_train_adding(args: argparse.Namespace) -> int:
    forget_bias = args.forget_bias
    if args.cell != "lstm" and forget_bias is not None:
        return fail(args.prog, f"--forget-bias applies to --cell lstm only, not {args.cell}")
    if args.cell == "lstm" and forget_bias is None:
        forget_bias = 1.0
    extra = f", forget bias {forget_bias:g}" if args.cell == "lstm" else ""
    clip = f"clip {args.clip:g}" if args.clip else "no clipping"
    print(
        f"adding problem, T={args.length}: {args.cell.upper()} with hidden size {args.hidden}"
        f"{extra}, Adam lr={args.lr:g}, {clip}, batch {args.batch}, {args.steps} steps "
        "(baseline MSE ~0.167)"
    )

    def log(step: int, mse: float) -> None:
        print(f"  step {step:5d}   held-out MSE {mse:.4f}")

    result = train_adding(
        args.cell,
        length=args.length,
        hidden_size=args.hidden,
        steps=args.steps,
        batch_size=args.batch,
        lr=args.lr,
        clip=args.clip,
        seed=args.seed,
        eval_every=args.eval_every,
        forget_bias=forget_bias,
        log=log,
    )
    if not np.isfinite(result.final_mse):
        print(
            f"final MSE {result.final_mse} after {result.seconds:.1f} s: training diverged; "
            "try a smaller --lr or a --clip"
        )
        return 1
    verdict = "solved (< 0.01)" if result.final_mse < 0.01 else "not solved"
    print(f"final MSE {result.final_mse:.4f} in {result.seconds:.1f} s: {verdict}")
    return 0


def _add_adding(tasks: argparse._SubParsersAction) -> None:
    p = one_line_errors(
        tasks.add_parser(
            "adding",
            help="the adding problem (long-range memory)",
            description="Train a recurrent network on the adding problem with Adam.",
        )
    )
    d = "(default: %(default)s)"
    p.add_argument("--cell", choices=sorted(LAYERS), default="lstm", help=f"recurrent cell {d}")
    p.add_argument("--length", type=positive_int, default=50, help=f"sequence length T {d}")
    p.add_argument("--hidden", type=positive_int, default=32, help=f"hidden size {d}")
    p.add_argument("--steps", type=positive_int, default=800, help=f"Adam steps {d}")
    p.add_argument("--batch", type=positive_int, default=64, help=f"sequences per step {d}")
    p.add_argument("--lr", type=positive_float, default=0.02, help=f"learning rate {d}")
    p.add_argument(
        "--clip", type=nonnegative_float, default=1.0, help=f"gradient-norm limit, 0 = off {d}"
    )
    p.add_argument(
        "--forget-bias",
        type=finite_float,
        default=None,
        help="LSTM only: initial forget-gate bias (default: 1.0 for lstm)",
    )
    p.add_argument("--seed", type=nonnegative_int, default=0, help=f"random seed {d}")
    p.add_argument(
        "--eval-every", type=positive_int, default=50, help=f"held-out MSE every N steps {d}"
    )
    p.set_defaults(func=_cmd_train_adding, prog=p.prog)


# ------------------------------------------------------------------ train text and sample
_TEXT_DEFAULTS = TextConfig()
_TEXT_FLAGS = {  # flag -> (config field, type, help)
    "--cell": ("cell", str, "recurrent cell: lstm, gru or rnn"),
    "--hidden": ("hidden", positive_int, "hidden size"),
    "--embed": ("embed", positive_int, "character embedding size"),
    "--layers": ("layers", positive_int, "stacked recurrent layers"),
    "--seq-len": ("seq_len", positive_int, "characters per chunk (backprop reaches this far)"),
    "--batch": ("batch", positive_int, "parallel streams per step"),
    "--lr": ("lr", positive_float, "Adam's learning rate"),
    "--clip": ("clip", nonnegative_float, "gradient-norm limit, 0 = off"),
    "--steps": ("steps", positive_int, "total steps of the run"),
    "--time": ("max_seconds", positive_float, "training-time budget in seconds"),
    "--seed": ("seed", nonnegative_int, "seeds the weights and the sample lines"),
    "--eval-every": ("eval_every", positive_int, "held-out loss every N steps"),
    "--sample-every": ("sample_every", nonnegative_int, "a sample line every N steps, 0 = never"),
    "--checkpoint-every": (
        "checkpoint_every",
        nonnegative_int,
        "checkpoint every N steps, 0 = at the end only",
    ),
}
_CHANGEABLE = ("steps", "max_seconds", "eval_every", "sample_every", "checkpoint_every")


def _add_text(tasks: argparse._SubParsersAction) -> None:
    p = one_line_errors(
        tasks.add_parser(
            "text",
            help="a character-level language model (lesson 11's) on the built-in corpus or a file",
            description=(
                "Train lesson 11's character model with Adam and truncated BPTT. The run is "
                "checkpointed into --out (model, optimiser, vocabulary, step, RNG, config); "
                "Ctrl-C saves and says how to resume; --resume DIR continues it exactly."
            ),
        )
    )
    for flag, (field, kind, text) in _TEXT_FLAGS.items():
        default = getattr(_TEXT_DEFAULTS, field)
        shown = "none" if default is None else default
        kwargs: dict[str, Any] = {"default": None, "help": f"{text} (default: {shown})"}
        if flag == "--cell":
            kwargs["choices"] = sorted(LAYERS)
        else:
            kwargs["type"] = kind
        p.add_argument(flag, **kwargs)
    p.add_argument("--corpus", metavar="FILE", help="UTF-8 text to train on (default: built-in)")
    p.add_argument("--name", help="run name, for the default --out runs/NAME")
    p.add_argument("--out", metavar="DIR", help="run folder (default: runs/NAME)")
    p.add_argument("--resume", metavar="DIR", help="continue the run saved in DIR, exactly")
    p.add_argument("--no-progress", action="store_true", help="plain lines, no progress bar")
    p.set_defaults(func=_cmd_train_text, prog=p.prog)


def _text_run_from_args(args: argparse.Namespace) -> tuple[Any, Path]:
    """The run to train and its folder; raises RunError with a one-line reason."""
    given = {field: getattr(args, field.replace("-", "_")) for field in _flag_fields()}
    given = {field: value for field, value in given.items() if value is not None}
    if args.resume:
        if args.corpus is None:
            run = TextRun.load(args.resume)
        else:
            text, source = read_corpus(args.corpus)
            run = TextRun.load(args.resume, text=text, source=source)
        for field, value in given.items():
            if field not in _CHANGEABLE and value != getattr(run.config, field):
                flag = _flag_of(field)
                raise RunError(
                    f"{flag} {value} differs from the run's {getattr(run.config, field)}; a "
                    "resumed run keeps its settings (only --steps, --time and the --*-every "
                    "flags may change)"
                )
        for field in _CHANGEABLE:
            if field in given:
                setattr(run.config, field, given[field])
        if "max_seconds" in given and "steps" not in given:
            run.config.steps = None
        return run, Path(args.out or args.resume)
    config = TextConfig(**{f: v for f, v in given.items() if f != "max_seconds"})
    if "max_seconds" in given:
        config.max_seconds = given["max_seconds"]
        if "steps" not in given:
            config.steps = None
    text, source = read_corpus(args.corpus)
    stem = "pydoc" if args.corpus is None else Path(args.corpus).stem
    name = args.name or f"{config.cell}-{stem}"
    folder = Path(args.out or Path("runs") / name)
    existing = folder / CHECKPOINT_NAME
    if folder.exists() and not folder.is_dir():
        raise RunError(f"--out {folder} is a file, not a folder; pick a folder for the run")
    if existing.exists():
        raise RunError(
            f"--out {folder} already holds a run; continue it with --resume {folder}, or pick "
            "another --out or --name"
        )
    return TextRun.create(config, text, source), folder


def _flag_fields() -> list[str]:
    return [field for field, _, _ in _TEXT_FLAGS.values()]


def _flag_of(field: str) -> str:
    return next(flag for flag, (f, _, _) in _TEXT_FLAGS.items() if f == field)


def _cmd_train_text(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    # argparse stores --seq-len as seq_len and --time as time: map to config fields
    args.max_seconds = args.time
    try:
        run, folder = _text_run_from_args(args)
        folder.mkdir(parents=True, exist_ok=True)
    except (RunError, CheckpointError) as err:
        return fail(args.prog, str(err))
    except OSError as err:
        return fail(args.prog, f"--out {args.out or args.resume}: cannot create the folder: {err}")
    except KeyboardInterrupt:
        print("stopped before training began; nothing was saved")
        return 130
    c = run.config
    if run.done():
        limit = f"{c.steps} steps" if c.steps is not None else f"--time {c.max_seconds:g} s"
        print(
            f"{folder}: the run is already at step {run.step} ({limit}); pass a larger --steps "
            "to train on"
        )
        return 0
    where = "built-in corpus (Python's help texts)" if run.source == BUILTIN else run.source
    verb = f"resuming {folder} at step {run.step}" if args.resume else f"new run in {folder}"
    until = []
    if c.steps is not None:
        until.append(f"{c.steps} steps")
    if c.max_seconds is not None:
        until.append(f"{c.max_seconds:g} s")
    print(
        f"{verb}: {c.cell.upper()} hidden {c.hidden} x {c.layers} layer(s), embed {c.embed}, "
        f"{len(run.vocab)} characters, on {where} ({len(run.text):,} chars, a tenth held out); "
        f"batch {c.batch} x {c.seq_len} chars, Adam lr {c.lr:g}, clip {c.clip:g}, until "
        f"{' or '.join(until)}"
    )
    console = Console(highlight=False, soft_wrap=True)
    session_start, session_step = time.perf_counter(), run.step
    tokens_per_step = c.batch * c.seq_len

    def rate() -> str:
        seconds = time.perf_counter() - session_start
        done = run.step - session_step
        return f"{done * tokens_per_step / seconds:,.0f} tok/s" if seconds > 0 and done else ""

    def on_eval(r: TextRun, held: float) -> None:
        console.print(
            f"step {r.step:>6}  loss {r.last_loss:.3f}  held-out {held:.3f} nats/char "
            f"(perplexity {math.exp(held):.1f})  {rate()}"
        )

    def on_sample(r: TextRun, line: str) -> None:
        console.print(f"step {r.step:>6}  sample: {line!r}")

    held_text = "-"
    columns = [
        TextColumn("[bold]train text"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]}  held-out {task.fields[held]}  {task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    ]
    progress = Progress(*columns, console=console, disable=args.no_progress, transient=False)
    total = c.steps
    with progress:
        task = progress.add_task(
            "train", total=total, completed=run.step, loss="-", held="-", rate=""
        )

        def on_step(r: TextRun) -> None:
            nonlocal held_text
            if r.history and r.history[-1]["step"] == r.step:
                held_text = f"{r.history[-1]['held_out']:.3f}"
            progress.update(
                task, completed=r.step, loss=f"{r.last_loss:.3f}", held=held_text, rate=rate()
            )

        try:
            finished = run.train(
                on_step=on_step,
                on_eval=on_eval,
                on_sample=on_sample if c.sample_every else None,
                folder=folder,
                catch_interrupt=True,
            )
        except KeyboardInterrupt:  # a second Ctrl-C: the last periodic checkpoint stands
            progress.stop()
            print(f"stopped at once; the last checkpoint in {folder} stands")
            print(f"resume with: tinygrad-rnn train text --resume {folder}")
            return 130
    if not finished:
        print(f"interrupted at step {run.step}: checkpoint saved in {folder}")
        print(f"resume with: tinygrad-rnn train text --resume {folder}")
        return 130
    last = run.history[-1] if run.history else None
    held = last["held_out"] if last and last["step"] == run.step else run.held_out_loss()
    print(
        f"done: step {run.step}, training loss {run.last_loss:.3f}, held-out {held:.3f} "
        f"nats/char, {run.elapsed:.1f} s of training in all; checkpoint in {folder}"
    )
    print(f"write with it: tinygrad-rnn sample {folder}")
    return 0


def _cmd_sample(args: argparse.Namespace) -> int:
    try:
        model, vocab, meta = load_model(args.run)
    except RunError as err:
        return fail(args.prog, str(err))
    prime = args.prime if args.prime is not None else default_prime(vocab)
    if prime == "":
        return fail(args.prog, "--prime: give at least one character")
    unknown = list(dict.fromkeys(ch for ch in prime if ch not in vocab))
    if unknown:
        shown = ", ".join(repr(ch) for ch in unknown)
        where = ", ".join(str(prime.index(ch)) for ch in unknown)
        return fail(
            args.prog,
            f"--prime: {shown} (at position {where}) not in the model's vocabulary of "
            f"{len(vocab)} characters: {''.join(vocab.itos)!r}",
        )
    print(sample(model, vocab, prime, args.length, temperature=args.temperature, seed=args.seed))
    return 0


def _add_sample(subparsers: argparse._SubParsersAction) -> None:
    p = one_line_errors(
        subparsers.add_parser(
            "sample",
            help="write text with a model trained by `train text`",
            description="Continue --prime with characters drawn from a trained text model.",
        )
    )
    d = "(default: %(default)s)"
    p.add_argument("run", metavar="DIR", help="a run folder (or its checkpoint.npz)")
    p.add_argument(
        "--temperature",
        type=nonnegative_float,
        default=0.8,
        help=f"below 1 safer, above 1 wilder, 0 = always the likeliest character {d}",
    )
    p.add_argument("--prime", help="text to start from (default: 'The ' when the model knows it)")
    p.add_argument("--length", type=positive_int, default=300, help=f"characters to write {d}")
    p.add_argument("--seed", type=nonnegative_int, default=0, help=f"random seed {d}")
    p.set_defaults(func=_cmd_sample, prog=p.prog)


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``train`` (tasks ``adding`` and ``text``) and ``sample`` to ``tinygrad-rnn``."""
    train = subparsers.add_parser("train", help="train a model: the adding problem, or text")
    tasks = train.add_subparsers(dest="task", metavar="TASK", required=True)
    _add_adding(tasks)
    _add_text(tasks)
    _add_sample(subparsers)


def main(argv: list[str] | None = None) -> int:
    """Run the ``train`` command on its own: ``python -m tinygrad_rnn.train adding``."""
    parser = argparse.ArgumentParser(prog="python -m tinygrad_rnn.train")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["train", *(argv if argv is not None else sys.argv[1:])])
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
