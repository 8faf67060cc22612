"""The ``tinygrad-rnn`` command (also ``python -m tinygrad_rnn``).

Every subcommand has ``--help``. The heavy imports (numba, matplotlib) happen inside the
commands that need them, so ``tinygrad-rnn --help`` answers at once.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# The course multiplies small matrices, where a second BLAS thread gains nothing and, when the
# cores are busy with anything else, made tiny products 10-1000x slower (measured here).
# The command runs with one BLAS thread unless the user chose otherwise. Must happen before
# numpy is imported, hence at the top of the entry point rather than in the library.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def _cmd_tour(args: argparse.Namespace) -> int:
    from tinygrad_rnn.tour import run_tour

    return 0 if run_tour(Path(args.out)) else 1


def _cmd_graph(args: argparse.Namespace) -> int:
    from tinygrad_rnn import graph
    from tinygrad_rnn.scalar import Value

    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = Value(-2.0, label="f")
    loss = d * f
    loss.label = "L"
    loss.backward()
    try:
        written = graph.render(loss, args.out, title="L = (a*b + c) * f")
    except graph.RenderError as err:
        print(f"tinygrad-rnn graph: error: {err}", file=sys.stderr)
        return 1
    print(f"wrote {written}")
    return 0


def _cmd_warmup(args: argparse.Namespace) -> int:
    from tinygrad_rnn.kernels.warmup import warmup

    warmup(progress=not args.quiet)
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from tinygrad_rnn.grading.runner import find_lessons_dir

    try:
        folder = find_lessons_dir()
    except FileNotFoundError:
        print("run: no lessons/ folder here; run this from the course's top folder")
        return 2
    if args.lesson < 0:
        print(f"run: lesson must be a number from 0 up, not {args.lesson}")
        return 2
    number = f"{int(args.lesson):02d}"
    matches = sorted(p for p in folder.glob(f"{number}_*.py") if not p.stem.endswith("_exercises"))
    if not matches:
        print(f"run: no lesson {number} in {folder}")
        return 2
    out = Path(args.out) if args.out else Path("out") / f"lesson-{number}"
    if out.exists() and not out.is_dir():
        print(f"run: --out {out} exists and is not a folder")
        return 2
    env = dict(os.environ)
    # The lesson runs in the current folder and saves its pictures in `out` (tinygrad_rnn.pictures).
    env["TINYGRAD_RNN_PICTURES"] = str(out.resolve())
    env["TINYGRAD_RNN_OPEN"] = "1" if args.open else "0"
    env.setdefault("MPLBACKEND", "Agg")  # pictures are saved to files, never shown in windows
    print(f"running {matches[0].name}; pictures go to {out}{os.sep}")
    return subprocess.call([sys.executable, str(matches[0])], env=env)


def _check(name: str, ok: bool, detail: str, fix: str = "") -> tuple[str, bool, str, str]:
    return name, ok, detail, fix


def _doctor_checks() -> list[tuple[str, bool, str, str]]:
    import importlib.metadata as md

    checks = []
    py_ok = sys.version_info >= (3, 11)
    checks.append(
        _check("python", py_ok, platform.python_version(), "" if py_ok else "use Python 3.11+")
    )
    for dist, why in [
        ("numpy", "arrays"),
        ("numba", "fused kernels"),
        ("scipy", "np.dot inside numba kernels"),
        ("graphviz", "graph pictures (python package)"),
        ("matplotlib", "plots"),
        ("rich", "tables and progress bars"),
    ]:
        try:
            version = md.version(dist)
            checks.append(_check(dist, True, f"{version} ({why})"))
        except md.PackageNotFoundError:
            checks.append(_check(dist, False, f"missing ({why})", f"pip install {dist}"))
    dot = shutil.which("dot")
    if dot:
        try:
            out = subprocess.run([dot, "-V"], capture_output=True, text=True, timeout=10)
            version = (out.stderr or out.stdout).strip()
        except (OSError, subprocess.TimeoutExpired) as exc:
            version = f"found at {dot} but did not run: {exc}"
        checks.append(_check("dot binary", True, version))
    else:
        checks.append(
            _check(
                "dot binary",
                False,
                "not found: graphs are written as .dot source only",
                "apt-get install graphviz (Debian/Ubuntu) or brew install graphviz (macOS)",
            )
        )
    checks.append(_numba_cache_check())
    checks.append(_sandbox_check())
    return checks


def _sandbox_check() -> tuple[str, bool, str, str]:
    # Optional: without bubblewrap grading still runs, in a private folder (never fails).
    from tinygrad_rnn.grading.sandbox.isolation import bwrap_problem

    problem = bwrap_problem()
    if problem is None:
        return _check("sandbox", True, f"bwrap found and working ({shutil.which('bwrap')})")
    return _check(
        "sandbox",
        True,
        f"bwrap absent or not working ({problem}); class grading uses the fallback (a private "
        "folder, no isolation of the system)",
        "apt-get install bubblewrap (Linux only)",
    )


def _numba_cache_check() -> tuple[str, bool, str, str]:
    cache_dir = os.environ.get("NUMBA_CACHE_DIR")
    target = Path(cache_dir) if cache_dir else Path(__file__).resolve().parent
    where = f"NUMBA_CACHE_DIR={target}" if cache_dir else f"next to the package ({target})"
    try:
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target):
            pass
        return _check("numba cache", True, f"writable: {where}")
    except OSError:
        fallback = Path.home() / ".cache" / "tinygrad_rnn" / "numba"
        return _check(
            "numba cache",
            False,
            f"not writable: {where}",
            f"export NUMBA_CACHE_DIR={fallback} (the package also falls back to it by itself)",
        )


def _cmd_doctor(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    checks = _doctor_checks()
    table = Table(title="tinygrad-rnn doctor")
    table.add_column("check")
    table.add_column("")
    table.add_column("found")
    table.add_column("to fix")
    for name, ok, detail, fix in checks:
        table.add_row(name, "[green]ok[/green]" if ok else "[red]FIX[/red]", detail, fix)
    Console().print(table)
    bad = [c for c in checks if not c[1]]
    if bad:
        print(f"{len(bad)} problem(s) found; see 'to fix' above.")
        return 1
    print("everything the course needs is here.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinygrad-rnn",
        description="A deep-learning course you can run: lessons, graded exercises, and tools.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("tour", help="run the course end to end on built-in data")
    p.add_argument(
        "--out", default="tour_output", help="folder for pictures (default: %(default)s)"
    )
    p.set_defaults(func=_cmd_tour)

    p = sub.add_parser("doctor", help="check that everything the course needs is installed")
    p.set_defaults(func=_cmd_doctor)

    p = sub.add_parser("graph", help="draw a small example computation graph to a file")
    p.add_argument("--out", default="graph.svg", help="file to write: .svg, .png, .pdf or .dot")
    p.set_defaults(func=_cmd_graph)

    p = sub.add_parser("warmup", help="compile every numba kernel once and show the cache")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_warmup)

    p = sub.add_parser(
        "run",
        help="run one lesson as a script, e.g. `tinygrad-rnn run 2`; its pictures are saved",
        description="Run lessons/NN_topic.py top to bottom. Every figure and graph it shows is "
        "saved under --out (figures as PNG, graphs as SVG and PNG) and its path printed.",
    )
    p.add_argument("lesson", type=int, help="lesson number")
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="folder for the lesson's pictures (default: out/lesson-NN in the current folder)",
    )
    p.add_argument(
        "--open",
        action="store_true",
        help="open the pictures with the system viewer at the end (when there is a display)",
    )
    p.set_defaults(func=_cmd_run)

    _add_optional_commands(sub)
    return parser


def _add_optional_commands(sub: argparse._SubParsersAction) -> None:
    """Commands that live in their own modules (grading, training, benchmarks)."""
    from tinygrad_rnn.grading.cli import add_commands as add_grading_commands
    from tinygrad_rnn.train import add_commands as add_train_commands

    add_grading_commands(sub)

    add_train_commands(sub)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
