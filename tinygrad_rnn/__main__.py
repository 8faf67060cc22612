"""``python -m tinygrad_rnn`` is the ``tinygrad-rnn`` command."""

from tinygrad_rnn.cli import main

raise SystemExit(main())
