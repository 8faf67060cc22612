"""The tour: the course end to end on built-in data, in about a minute.

``tinygrad-rnn tour`` runs each stop below in order, writes its pictures to an output folder
and prints one summary line per stop. Each stop is a function ``stop(out: Path) -> str`` that
returns its summary line; add a stop by appending to :data:`STOPS`.

A stop that fails does not end the tour: its error is shown, the remaining stops still run,
and the command exits non-zero at the end.
"""

from __future__ import annotations

import random
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from tinygrad_rnn import graph
from tinygrad_rnn.scalar import MLP, Value

Stop = Callable[[Path], str]


def stop_neuron(out: Path) -> str:
    """Lesson 1: one neuron, its forward value, its gradients and its graph."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    written = graph.render(o, out / "neuron.svg", quiet=True)
    return (
        f"a tanh neuron gives o = {o.data:.4f}; do/dw1 = {w1.grad:.4f}, do/dx1 = {x1.grad:.4f}"
        f" -> {written.name}"
    )


def stop_gradcheck(out: Path) -> str:
    """Lesson 2: backprop agrees with central differences."""
    from tinygrad_rnn.gradcheck import gradcheck

    def f(a: Value, b: Value, c: Value) -> Value:
        return (a * b + c.exp()).tanh() * a - (b**2).sigmoid() + (a * a).log()

    report = gradcheck(f, [0.5, -1.2, 0.3])
    if not report.ok:
        raise AssertionError(report.message)
    return report.message


def stop_scalar_mlp(out: Path) -> str:
    """Lesson 3 preview: a scalar MLP learns the two-moons set; its decision boundary."""
    from tinygrad_rnn.data import make_moons

    X, y = make_moons(100, noise=0.1, seed=1)
    targets = [1.0 if label == 1 else -1.0 for label in y]
    rows = [[float(a), float(b)] for a, b in X]
    random.seed(1)
    model = MLP(2, [16, 16, 1], seed=1)
    params = model.parameters()
    losses = []
    steps = 40
    start = time.perf_counter()
    for step in range(steps):
        scores = [model(row) for row in rows]
        hinge = [(1 + -t * s).relu() for t, s in zip(targets, scores, strict=True)]
        data_loss = sum(hinge, Value(0.0)) * (1.0 / len(hinge))
        reg = sum((p * p for p in params), Value(0.0)) * 1e-4
        loss = data_loss + reg
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * step / steps
        for p in params:
            p.data -= lr * p.grad
        losses.append(loss.data)
    seconds = time.perf_counter() - start
    accuracy = sum((s.data > 0) == (t > 0) for s, t in zip(scores, targets, strict=True)) / len(
        targets
    )
    picture = _plot_boundary(model, X, y, losses, out / "moons_boundary.png")
    return (
        f"scalar MLP(2, [16, 16, 1]) on two moons: loss {losses[0]:.3f} -> {losses[-1]:.3f}, "
        f"accuracy {accuracy:.0%} in {steps} steps ({seconds:.1f} s) -> {picture}"
    )


def _plot_boundary(model: MLP, X, y, losses: list[float], path: Path) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    xs = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 40)
    ys = np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, 40)
    grid = np.array([[model([float(a), float(b)]).data for a in xs] for b in ys])
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.contourf(xs, ys, grid > 0, alpha=0.3, cmap="coolwarm")
    ax1.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=20)
    ax1.set_title("decision boundary")
    ax2.plot(losses)
    ax2.set_xlabel("step")
    ax2.set_ylabel("loss")
    ax2.set_title("training loss")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path.name


def stop_tensor_spirals(out: Path) -> str:
    """Lesson 4: the Tensor engine trains a 3-class spiral classifier in about a second."""
    import numpy as np

    from tinygrad_rnn.data import make_spirals
    from tinygrad_rnn.nn.functional import cross_entropy
    from tinygrad_rnn.tensor import Tensor, no_grad

    X, y = make_spirals(300, classes=3, noise=0.2, seed=0)  # (300, 2), (300,)
    rng = np.random.default_rng(0)
    sizes = [2, 32, 32, 3]
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        W = rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / n_in)  # (out, in)
        params += [Tensor(W, requires_grad=True), Tensor(np.zeros(n_out), requires_grad=True)]

    def scores(x: Tensor) -> Tensor:
        h = x  # (B, 2)
        for k in range(0, len(params), 2):
            h = h @ params[k].T + params[k + 1]  # (B, out)
            if k + 2 < len(params):
                h = h.relu()
        return h  # (B, 3)

    inputs = Tensor(X)
    steps, lr = 600, 0.5
    losses = []
    start = time.perf_counter()
    for _ in range(steps):
        loss = cross_entropy(scores(inputs), y)
        for p in params:
            p.zero_grad()
        loss.backward()
        for p in params:
            p.data -= lr * p.grad
        losses.append(loss.item())
    seconds = time.perf_counter() - start
    with no_grad():
        accuracy = float((scores(inputs).data.argmax(axis=1) == y).mean())
        picture = _plot_regions(scores, X, y, losses, out / "spirals_boundary.png")
    return (
        f"tensor MLP(2, [32, 32, 3]) on 3-class spirals: loss {losses[0]:.3f} -> "
        f"{losses[-1]:.3f}, accuracy {accuracy:.0%} in {steps} steps "
        f"({seconds:.1f} s, {seconds / steps * 1e3:.2f} ms per step) -> {picture}"
    )


def _plot_regions(scores, X, y, losses: list[float], path: Path) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from tinygrad_rnn.tensor import Tensor

    xs = np.linspace(X[:, 0].min() - 0.3, X[:, 0].max() + 0.3, 200)
    ys = np.linspace(X[:, 1].min() - 0.3, X[:, 1].max() + 0.3, 200)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)  # (40000, 2): one batch
    classes = scores(Tensor(grid)).data.argmax(axis=1).reshape(200, 200)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.contourf(xs, ys, classes, levels=[-0.5, 0.5, 1.5, 2.5], alpha=0.3, cmap="viridis")
    ax1.scatter(X[:, 0], X[:, 1], c=y, cmap="viridis", edgecolors="k", s=15)
    ax1.set_title("decision regions (40,000 grid points, one batch)")
    ax2.plot(losses)
    ax2.set_xlabel("step")
    ax2.set_ylabel("cross-entropy")
    ax2.set_title("training loss")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path.name


def stop_char_lstm(out: Path) -> str:
    """Lesson 11: a character-level LSTM trained for about ten seconds writes some text."""
    from tinygrad_rnn.data.text import pydoc_topics
    from tinygrad_rnn.generate import sample, train_char_lm

    result = train_char_lm(pydoc_topics(max_chars=100_000), steps=400, max_seconds=10.0, seed=0)
    steps, seconds, loss = result.history[-1]
    text = sample(result.model, result.vocab, "The ", 300, temperature=0.7, seed=0)
    path = out / "char_lstm_sample.txt"
    path.write_text(text + "\n", encoding="utf-8")
    first_line = " ".join(text.split())[:70]
    return (
        f"char-LSTM on pydoc topics: {steps} steps in {seconds:.1f} s, loss {loss:.2f} "
        f"nats/char; it writes: {first_line!r}... -> {path.name}"
    )


STOPS: list[tuple[str, Stop]] = [
    ("a single neuron", stop_neuron),
    ("autograd, checked", stop_gradcheck),
    ("a feedforward net on two moons", stop_scalar_mlp),
    ("tensors: the same idea, batched", stop_tensor_spirals),
    ("a character-level LSTM writes text", stop_char_lstm),
]


def run_tour(out: Path, console=None) -> bool:
    """Run every stop, print a summary line each, and return True if all succeeded."""
    from rich.console import Console

    console = console or Console()
    out.mkdir(parents=True, exist_ok=True)
    console.print(f"[bold]tinygrad-rnn tour[/bold]: writing pictures to {out}/")
    ok = True
    total = time.perf_counter()
    for i, (title, stop) in enumerate(STOPS, 1):
        start = time.perf_counter()
        try:
            summary = stop(out)
        except Exception as exc:  # a broken stop must not hide the others
            ok = False
            console.print(f"[red]{i:2d}. {title}: FAILED[/red] {type(exc).__name__}: {exc}")
            console.print(traceback.format_exc(), markup=False, highlight=False)
            continue
        console.print(
            f"[green]{i:2d}. {title}[/green] ({time.perf_counter() - start:.1f} s): {summary}",
            highlight=False,
        )
    if not graph.dot_available():
        console.print(f"[yellow]note:[/yellow] {graph.INSTALL_HINT}")
    verdict = "[green]done[/green]" if ok else "[red]some stops failed[/red]"
    console.print(f"{verdict} in {time.perf_counter() - total:.1f} s; pictures in {out}/")
    return ok
