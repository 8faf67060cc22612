#!/usr/bin/env bash
# Set up the course on a fresh Debian machine with Python 3.11, then run the tour.
# Installs Debian's graphviz (for the `dot` program), makes a virtual environment in .venv,
# installs the package with its test and docs extras, compiles the kernels once, and runs
# `tinygrad-rnn tour`, which writes its pictures to tour_output/.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dot >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q graphviz
  else
    echo "graphviz's dot is missing: run 'sudo apt-get install -y graphviz' (graphs are still" \
         "written as .dot files without it)" >&2
  fi
fi

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Python 3.11 or newer is needed; found $("$PYTHON" --version 2>&1)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'

.venv/bin/tinygrad-rnn warmup --quiet || echo "warmup skipped"
.venv/bin/tinygrad-rnn tour
