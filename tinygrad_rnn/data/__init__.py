"""Data made by code or shipped with Python: nothing here downloads anything.

- :mod:`tinygrad_rnn.data.toy`: 2-D classification sets (moons, spirals, blobs).
- :mod:`tinygrad_rnn.data.text`: text corpora Python ships (Zen, pydoc topics), a generated
  grammar, any file you point at, and a character vocabulary.
"""

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
