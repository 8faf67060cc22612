"""Benchmark the scalar engine against micrograd 0.1.0 (when installed).

Workload: one training step of ``MLP(2, [16, 16, 1])`` on 100 two-moons points, full batch,
mean hinge loss, forward + backward + SGD update. Each engine runs in its own process with
Python's default settings (garbage collector on): in one process the engine whose garbage
has cycles would make the other pay for collecting it. Reported: the median step after
warm-up. Also: backward through a chain of 1,000,000 Values.

Run:  python bench/bench_scalar.py [--steps 15]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import textwrap

WORKER = textwrap.dedent(
    """
    import json, sys, time
    engine, steps = sys.argv[1], int(sys.argv[2])
    from tinygrad_rnn.data import make_moons
    X, y = make_moons(100, noise=0.1, seed=1)
    rows = [[float(a), float(b)] for a, b in X]
    targets = [1.0 if label else -1.0 for label in y]
    if engine == "micrograd":
        from micrograd.nn import MLP
        import random
        random.seed(0)
        model = MLP(2, [16, 16, 1])
    else:
        from tinygrad_rnn.scalar import MLP
        model = MLP(2, [16, 16, 1], seed=0)
    params = model.parameters()
    times = []
    for _ in range(steps + 2):
        start = time.perf_counter()
        scores = [model(row) for row in rows]
        losses = [(1 + -t * s).relu() for t, s in zip(targets, scores)]
        loss = sum(losses) * (1.0 / len(losses))
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= 0.05 * p.grad
        times.append(time.perf_counter() - start)
    result = {"step_times": times[2:], "loss": loss.data}
    if engine == "tinygrad_rnn":
        from tinygrad_rnn import Value
        x = Value(0.5)
        node = x
        for i in range(999_999):  # 1,000,000 nodes in all, alternating two cheap ops
            node = node.tanh() if i % 2 else node.relu()
        start = time.perf_counter()
        node.backward()
        result["chain_backward"] = time.perf_counter() - start
    print(json.dumps(result))
    """
)


def run(engine: str, steps: int) -> dict | None:
    proc = subprocess.run(
        [sys.executable, "-c", WORKER, engine, str(steps)], capture_output=True, text=True
    )
    if proc.returncode != 0:
        if "No module named 'micrograd'" in proc.stderr:
            return None
        raise RuntimeError(f"{engine} worker failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=15, help="timed steps after 2 warm-up")
    args = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    ours = run("tinygrad_rnn", args.steps)
    peer = run("micrograd", args.steps)
    table = Table(title="MLP(2, [16, 16, 1]) on 100 two-moons points, one SGD step (gc on)")
    table.add_column("engine")
    table.add_column("median step (ms)", justify="right")
    table.add_column("vs micrograd", justify="right")
    ours_ms = 1000 * statistics.median(ours["step_times"])
    if peer is None:
        table.add_row("tinygrad_rnn", f"{ours_ms:.1f}", "micrograd not installed")
    else:
        peer_ms = 1000 * statistics.median(peer["step_times"])
        table.add_row("micrograd 0.1.0", f"{peer_ms:.1f}", "1.00x")
        table.add_row("tinygrad_rnn", f"{ours_ms:.1f}", f"{peer_ms / ours_ms:.2f}x faster")
    console = Console()
    console.print(table)
    console.print(f"backward through a chain of 1,000,000 Values: {ours['chain_backward']:.2f} s")
    if peer is None:
        console.print("install the peer with: pip install micrograd==0.1.0")


if __name__ == "__main__":
    main()
