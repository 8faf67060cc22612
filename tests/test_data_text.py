"""Tests for the built-in text corpora and the character vocabulary."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_rnn.data import text as corpora
from tinygrad_rnn.data.text import (
    CharVocab,
    Vocab,
    grammar_text,
    load_text,
    pydoc_topics,
    zen_of_python,
)


def test_zen_is_decoded_and_import_prints_nothing():
    code = (
        "from tinygrad_rnn.data.text import zen_of_python\n"
        "z = zen_of_python()\n"
        "import sys; sys.stderr.write(str(len(z)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "", "importing `this` leaked the Zen to stdout"
    assert int(done.stderr) > 500


def test_zen_content():
    z = zen_of_python()
    assert z.startswith("The Zen of Python, by Tim Peters\n")
    assert "Beautiful is better than ugly." in z
    assert "Namespaces are one honking great idea" in z
    assert z == zen_of_python()  # second call (module already imported) gives the same


def test_pydoc_topics_deterministic_and_truncated():
    from pydoc_data.topics import topics

    full = pydoc_topics()
    assert full == pydoc_topics()
    first = sorted(topics)[0]
    assert full.startswith(topics[first].strip("\n"))
    assert len(full) > 100_000
    assert pydoc_topics(1000) == full[:1000]
    assert pydoc_topics(0) == ""
    with pytest.raises(ValueError, match="max_chars"):
        pydoc_topics(-1)


def test_load_text_reads_file(tmp_path):
    f = tmp_path / "t.txt"
    f.write_text("héllo\nworld\n", encoding="utf-8")
    assert load_text(f) == "héllo\nworld\n"
    assert load_text(str(f), max_chars=3) == "hél"


def test_load_text_missing_names_the_path(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        load_text(missing)


def test_load_text_folder_and_binary(tmp_path):
    with pytest.raises(IsADirectoryError, match="folder"):
        load_text(tmp_path)
    f = tmp_path / "blob.bin"
    f.write_bytes(b"ok\xff\xfe")
    with pytest.raises(ValueError, match=r"blob\.bin.*byte 2"):
        load_text(f)
    assert load_text(f, encoding="latin-1") == "ok\xff\xfe"


def test_grammar_text_seeded_and_well_formed():
    a = grammar_text(50, seed=3)
    assert a == grammar_text(50, seed=3)
    assert a != grammar_text(50, seed=4)
    lines = a.split("\n")
    assert len(lines) == 50
    words = {w for grammar_words in corpora._GRAMMAR.values() for alt in grammar_words for w in alt}
    for line in lines:
        assert line.endswith(" .")
        for w in line[:-2].split(" "):
            assert w in words and w not in corpora._GRAMMAR, (w, line)
    assert grammar_text(0) == ""
    with pytest.raises(ValueError):
        grammar_text(-1)


def test_vocab_basics():
    v = CharVocab.from_text("hello world")
    assert v.itos == sorted(set("hello world"))
    assert all(v.stoi[c] == i for i, c in enumerate(v.itos))
    assert len(v) == 8 and "h" in v and "z" not in v
    assert v.decode(v.encode("hello")) == "hello"
    assert Vocab is CharVocab
    assert "8 chars" in repr(v)


def test_vocab_errors_are_clear():
    v = CharVocab("abc")
    with pytest.raises(ValueError, match=r"'z' at position 2"):
        v.encode("abz")
    with pytest.raises(ValueError, match="id 7 at position 1"):
        v.decode([0, 7])
    with pytest.raises(ValueError, match="-1"):
        v.decode([-1])
    with pytest.raises(ValueError, match="empty"):
        CharVocab("")
    with pytest.raises(ValueError, match="unknown"):
        CharVocab("abc", unknown="?")


def test_vocab_unknown_fallback():
    v = CharVocab("ab?", unknown="?")
    assert v.decode(v.encode("abzb")) == "ab?b"


@settings(max_examples=50, deadline=None)
@given(st.text(min_size=1, max_size=60))
def test_vocab_roundtrip(s):
    v = CharVocab.from_text(s)
    ids = v.encode(s)
    assert all(0 <= i < len(v) for i in ids)
    assert v.decode(ids) == s
