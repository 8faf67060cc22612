"""Data made by code or shipped with Python: nothing here downloads anything.

- :mod:`tinygrad_rnn.data.toy`: 2-D classification sets (moons, spirals, blobs).
- :mod:`tinygrad_rnn.data.text`: text corpora Python ships (Zen, pydoc topics), a generated
  grammar, any file you point at, and a character vocabulary.
- :mod:`tinygrad_rnn.data.sequences`: sequence tasks (sine waves, the adding problem, the
  copy task, Reber grammar strings).
"""

from tinygrad_rnn.data.sequences import (
    adding_problem,
    copy_task,
    embedded_reber_strings,
    is_reber,
    reber_strings,
    sine_waves,
)
from tinygrad_rnn.data.text import (
    CharVocab,
    Vocab,
    grammar_text,
    load_text,
    pydoc_topics,
    zen_of_python,
)
from tinygrad_rnn.data.toy import make_blobs, make_moons, make_spirals

__all__ = ["make_blobs", "make_moons", "make_spirals"]
__all__ += ["CharVocab", "Vocab", "grammar_text", "load_text", "pydoc_topics", "zen_of_python"]
__all__ += ["sine_waves", "adding_problem", "copy_task", "reber_strings"]
__all__ += ["embedded_reber_strings", "is_reber"]
