#!/usr/bin/env bash
# Set up the course on a fresh Debian machine with Python 3.11, then run the tour.
# Installs Debian's graphviz (for the `dot` program), makes a virtual environment in .venv,
# installs the package with its test and docs extras, compiles the kernels once, and runs
# `tinygrad-rnn tour`, which writes its pictures to tour_output/.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> [setup %s] %s\n' "$1" "$2"; }

step 1/5 "graphviz's dot program (for graph pictures)"
if command -v dot >/dev/null 2>&1; then
  echo "found: $(command -v dot)"
else
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q graphviz
  else
    echo "graphviz's dot is missing: run 'sudo apt-get install -y graphviz' (graphs are still" \
         "written as .dot files without it)" >&2
  fi
fi
echo "--> bubblewrap's bwrap (isolates each hand-in in class grading)"
if command -v bwrap >/dev/null 2>&1; then
  echo "found: $(command -v bwrap)"
elif [ "$(id -u)" -eq 0 ] && apt-get update -q \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap; then
  echo "installed: $(command -v bwrap)"
else
  echo "bubblewrap could not be installed: grading still works, without isolation" \
       "(run 'sudo apt-get install -y bubblewrap' to add it)" >&2
fi

step 2/5 "Python 3.11+ and the virtual environment in .venv"
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Python 3.11 or newer is needed; found $("$PYTHON" --version 2>&1)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv with $("$PYTHON" --version 2>&1)"
  "$PYTHON" -m venv .venv
else
  echo "reusing .venv ($(.venv/bin/python --version 2>&1))"
fi

step 3/5 "pip: upgrading pip, then installing the course and its extras (a few minutes the first time)"
.venv/bin/python -m pip install --upgrade pip
.venv/bin/python -m pip install --progress-bar on -e '.[dev]'

step 4/5 "compiling the numba kernels once (cached for later runs)"
.venv/bin/tinygrad-rnn warmup || echo "warmup skipped"

step 5/5 "the tour: the course end to end on built-in data, pictures in tour_output/"
.venv/bin/tinygrad-rnn tour
echo
echo "setup done: try '.venv/bin/tinygrad-rnn --help'"
