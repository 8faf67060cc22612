"""Text to learn from, all of it already on your machine, and a character vocabulary.

Nothing here downloads anything. The corpora are:

- :func:`zen_of_python`: the 19 aphorisms that Python keeps, scrambled, in its ``this`` module
  (about 850 characters: small enough to count by hand, big enough to generate from);
- :func:`pydoc_topics`: the reference text behind ``help("if")`` and friends, shipped in
  ``pydoc_data.topics`` (about 465,000 characters of English and code);
- :func:`grammar_text`: sentences from a small generated grammar, as many as you ask for,
  with a vocabulary and structure simple enough to see a model learn them;
- :func:`load_text`: any text file you point at.

:class:`CharVocab` turns text into integer ids and back.

Example:
    >>> text = zen_of_python()
    >>> text.splitlines()[0]
    'The Zen of Python, by Tim Peters'
    >>> vocab = CharVocab.from_text(text)
    >>> vocab.decode(vocab.encode("Zen"))
    'Zen'
"""

from __future__ import annotations

import codecs
import contextlib
import io
import random
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = [
    "CharVocab",
    "Vocab",
    "grammar_text",
    "load_text",
    "pydoc_topics",
    "zen_of_python",
]


def zen_of_python() -> str:
    """The Zen of Python, decoded from the standard library's ``this`` module.

    Importing ``this`` prints the Zen as a side effect (that is the joke). This function
    keeps your output clean: it silences that one print and decodes the module's
    ROT13-scrambled string ``this.s`` itself.

    Returns:
        The text, starting with ``"The Zen of Python, by Tim Peters"``, without a final
        newline.
    """
    if "this" in sys.modules:
        this = sys.modules["this"]
    else:
        with contextlib.redirect_stdout(io.StringIO()):
            import this
    return codecs.decode(this.s, "rot13")


def pydoc_topics(max_chars: int | None = None) -> str:
    """The help texts Python ships for its statements and concepts, joined into one string.

    The texts come from ``pydoc_data.topics.topics`` (a dict from topic name to text). They
    are joined in sorted order of the topic names, separated by a blank line, so the result
    is the same on every run for a given Python version.

    Args:
        max_chars: keep only the first this many characters (``None``: everything).

    Returns:
        The text.

    Raises:
        ValueError: if ``max_chars`` is negative.
        RuntimeError: if this Python was installed without ``pydoc_data`` (some minimal
            distributions strip it); use :func:`load_text` with a file of your own then.
    """
    if max_chars is not None and max_chars < 0:
        raise ValueError(f"pydoc_topics: max_chars must be >= 0 or None, got {max_chars}")
    try:
        from pydoc_data.topics import topics
    except ImportError as exc:  # pragma: no cover - depends on the Python install
        raise RuntimeError(
            "pydoc_topics: this Python has no pydoc_data module, so its help texts are not "
            "available. Use load_text('some_file.txt') or zen_of_python() instead."
        ) from exc
    text = "\n\n".join(topics[name].strip("\n") for name in sorted(topics))
    return text if max_chars is None else text[:max_chars]


def load_text(path: str | Path, encoding: str = "utf-8", max_chars: int | None = None) -> str:
    """Read a text file to train on.

    Args:
        path: the file.
        encoding: how its bytes are to be read as characters.
        max_chars: keep only the first this many characters (``None``: everything).

    Returns:
        The file's text (line endings as Python's universal newlines make them: ``\\n``).

    Raises:
        FileNotFoundError: the file does not exist (the message names the full path).
        IsADirectoryError: the path is a folder.
        ValueError: the bytes are not valid text in ``encoding`` (the message says where).
    """
    file = Path(path).expanduser()
    if not file.exists():
        raise FileNotFoundError(
            f"load_text: no file at {str(file.resolve())!r} "
            f"(you passed {str(path)!r}; relative paths start from {str(Path.cwd())!r})"
        )
    if file.is_dir():
        raise IsADirectoryError(f"load_text: {str(file)!r} is a folder; pass a text file in it")
    try:
        with open(file, encoding=encoding) as handle:
            text = handle.read() if max_chars is None else handle.read(max_chars)
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"load_text: {str(file)!r} is not {encoding} text: byte {exc.start} "
            f"({exc.object[exc.start : exc.start + 1]!r}) cannot be decoded. If it is text in "
            "another encoding pass encoding='latin-1' (or the right one); if it is a binary "
            "file, pick a text file instead."
        ) from None
    return text


# ------------------------------------------------------------------ a small generated grammar

# Each rule maps a symbol to its alternatives; each alternative is a sequence of symbols.
# Anything that is not a key is a word. The grammar is small on purpose: a model that has
# learned it writes sentences you can check by eye ("the old dog sees a cat .").
_GRAMMAR: dict[str, list[list[str]]] = {
    "S": [["NP", "VP"], ["NP", "VP"], ["NP", "VP", "CONJ", "NP", "VP"]],
    "NP": [["DET", "N"], ["DET", "ADJ", "N"], ["NAME"]],
    "VP": [["VI"], ["VT", "NP"], ["VT", "NP", "PP"], ["VI", "PP"]],
    "PP": [["P", "NP"]],
    "DET": [["the"], ["a"], ["every"], ["my"]],
    "ADJ": [["small"], ["old"], ["happy"], ["red"], ["quiet"]],
    "N": [["cat"], ["dog"], ["bird"], ["river"], ["tree"], ["house"]],
    "NAME": [["ada"], ["alan"], ["grace"]],
    "VI": [["sleeps"], ["runs"], ["sings"], ["waits"]],
    "VT": [["sees"], ["likes"], ["follows"], ["finds"]],
    "P": [["near"], ["under"], ["behind"], ["with"]],
    "CONJ": [["and"], ["but"]],
}


def _expand(symbol: str, rng: random.Random, words: list[str]) -> None:
    """Expand ``symbol`` left to right into ``words``, with an explicit stack."""
    stack = [symbol]
    while stack:
        top = stack.pop()
        if top not in _GRAMMAR:
            words.append(top)
            continue
        choice = rng.choice(_GRAMMAR[top])
        stack.extend(reversed(choice))


def grammar_text(n_sentences: int = 200, seed: int = 0) -> str:
    """Sentences from a small generated English-like grammar, one per line.

    Each sentence is a noun phrase and a verb phrase (sometimes two, joined by "and" or
    "but"), lower case, ending with " .". There are 32 words; with the space, the full stop
    and the newline the text uses 26 distinct characters.

    Args:
        n_sentences: how many sentences.
        seed: the random seed; the same seed gives the same text.

    Returns:
        The sentences joined by newlines (no final newline).

    Example:
        >>> grammar_text(2, seed=0).count("\\n")
        1
    """
    if n_sentences < 0:
        raise ValueError(f"grammar_text: n_sentences must be >= 0, got {n_sentences}")
    rng = random.Random(seed)
    lines = []
    for _ in range(n_sentences):
        words: list[str] = []
        _expand("S", rng, words)
        lines.append(" ".join(words) + " .")
    return "\n".join(lines)


# ------------------------------------------------------------------ vocabulary


class CharVocab:
    """A fixed set of characters, each with an integer id.

    Ids follow sorted character order, so the same text always gives the same ids.

    Args:
        chars: the characters (duplicates are ignored).
        unknown: optional; a character of the vocabulary to use in place of any character
            that is not in it. Without it, encoding an unknown character is an error that
            names the character and where it is.

    Attributes:
        itos: list, id -> character.
        stoi: dict, character -> id.

    Example:
        >>> v = CharVocab("hello")
        >>> v.itos, v.encode("hole")
        (['e', 'h', 'l', 'o'], [1, 3, 2, 0])
    """

    def __init__(self, chars: Iterable[str], unknown: str | None = None) -> None:
        unique = set()
        for ch in chars:
            if not isinstance(ch, str) or len(ch) != 1:
                raise ValueError(f"CharVocab: expected single characters, got {ch!r}")
            unique.add(ch)
        if not unique:
            raise ValueError("CharVocab: the vocabulary is empty; build it from some text")
        self.itos: list[str] = sorted(unique)
        self.stoi: dict[str, int] = {ch: i for i, ch in enumerate(self.itos)}
        if unknown is not None and unknown not in self.stoi:
            raise ValueError(
                f"CharVocab: the unknown character {unknown!r} must itself be in the vocabulary"
            )
        self.unknown = unknown

    @classmethod
    def from_text(cls, text: str, unknown: str | None = None) -> CharVocab:
        """The vocabulary of every character that occurs in ``text``."""
        return cls(text, unknown=unknown)

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, ch: object) -> bool:
        return ch in self.stoi

    def encode(self, text: str) -> list[int]:
        """Turn text into a list of ids.

        Raises:
            ValueError: a character is not in the vocabulary (and no ``unknown`` was set);
                the message names it and its position.
        """
        stoi = self.stoi
        if self.unknown is not None:
            fallback = stoi[self.unknown]
            return [stoi.get(ch, fallback) for ch in text]
        try:
            return [stoi[ch] for ch in text]
        except KeyError:
            pos, ch = next((i, c) for i, c in enumerate(text) if c not in stoi)
            raise ValueError(
                f"CharVocab.encode: character {ch!r} at position {pos} is not in the "
                f"vocabulary of {len(self)} characters. Build the vocabulary from text that "
                "contains it, or pass unknown=<a vocabulary character> to stand in for it."
            ) from None

    def decode(self, ids: Sequence[int] | Iterable[int]) -> str:
        """Turn ids back into text.

        Raises:
            ValueError: an id is outside ``0 .. len(self) - 1``.
        """
        itos = self.itos
        out = []
        for pos, i in enumerate(ids):
            k = int(i)
            if not 0 <= k < len(itos):
                raise ValueError(
                    f"CharVocab.decode: id {k} at position {pos} is outside 0..{len(itos) - 1}"
                )
            out.append(itos[k])
        return "".join(out)

    def __repr__(self) -> str:
        shown = "".join(self.itos)
        if len(shown) > 40:
            shown = shown[:37] + "..."
        return f"CharVocab({len(self)} chars: {shown!r})"


Vocab = CharVocab
"""Another name for :class:`CharVocab` (the course's vocabularies are all characters)."""
