"""``python -m tinygrad_rnn.grading``: the grading commands on their own."""

from tinygrad_rnn.grading.cli import main

raise SystemExit(main())
