"""The character language model: shapes, truncated BPTT batches, NLL, sampling, training."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tinygrad_rnn.bigram import bigram_counts, bigram_probs, mean_nll
from tinygrad_rnn.data.text import CharVocab, grammar_text
from tinygrad_rnn.generate import (
    CharLM,
    batch_streams,
    detach_state,
    evaluate_nll,
    perplexity,
    sample,
    sample_index,
    train_char_lm,
)


def test_batch_streams_are_consecutive_pieces_time_first():
    ids = np.arange(23)
    streams = batch_streams(ids, 4)  # 5 per stream, 3 dropped
    assert streams.shape == (5, 4)
    assert streams[:, 1].tolist() == [5, 6, 7, 8, 9]
    with pytest.raises(ValueError, match="too few"):
        batch_streams(np.arange(5), 4)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_charlm_shapes_and_state_carry(cell):
    model = CharLM(7, embed_dim=4, hidden_size=5, cell=cell, rng=0)
    ids = np.random.default_rng(0).integers(0, 7, (6, 3))
    logits, state = model(ids)
    assert logits.shape == (6, 3, 7)
    assert state.h.shape == (1, 3, 5)
    # reading the sequence in two chunks with the state carried gives the same logits
    first, mid = model(ids[:4])
    second, _ = model(ids[4:], detach_state(mid))
    both = np.concatenate([first.data, second.data])
    np.testing.assert_allclose(both, logits.data, rtol=1e-5, atol=1e-6)
    assert not detach_state(mid).h._prev  # cut from the graph: BPTT stops here


def test_untrained_nll_is_near_log_vocab_and_matches_cross_entropy_by_hand():
    text = "abcabcabd" * 5
    vocab = CharVocab.from_text(text)
    model = CharLM(len(vocab), 3, 4, rng=1, dtype=np.float64)
    nll = evaluate_nll(model, vocab, text, seq_len=7)  # several chunks, state carried
    ids = np.array(vocab.encode(text))
    logits, _ = model(ids[:-1, None])
    z = logits.data[:, 0]  # (T-1, V)
    lse = np.log(np.exp(z - z.max(1, keepdims=True)).sum(1)) + z.max(1)
    by_hand = float(np.mean(lse - z[np.arange(len(z)), ids[1:]]))
    assert nll == pytest.approx(by_hand, rel=1e-10)
    assert abs(nll - math.log(len(vocab))) < 0.5
    assert perplexity(nll) == pytest.approx(math.exp(nll))


def test_sample_index_temperature():
    rng = np.random.default_rng(0)
    logits = np.array([2.0, 1.0, 0.0, -1.0])
    assert sample_index(logits, 0.0, rng) == 0
    for tau in (0.5, 1.0, 2.0):
        draws = np.array([sample_index(logits, tau, rng) for _ in range(4000)])
        p = np.exp(logits / tau) / np.exp(logits / tau).sum()
        freq = np.bincount(draws, minlength=4) / len(draws)
        assert np.abs(freq - p).max() < 0.03, (tau, freq, p)


def test_training_beats_the_bigram_model_on_a_regular_text():
    text = grammar_text(400, seed=0)
    train, held = text[:-2000], text[-2000:]
    result = train_char_lm(
        train, hidden_size=48, embed_dim=16, seq_len=32, batch_size=16, steps=150, lr=0.02
    )
    losses = [loss for _, _, loss in result.history]
    assert losses[-1] < losses[0] - 1.0
    vocab = result.vocab
    bigram = mean_nll(held, bigram_probs(bigram_counts(train, vocab)), vocab)
    assert evaluate_nll(result.model, vocab, held) < bigram
    text_out = sample(result.model, vocab, "the ", 50, temperature=0.5, seed=1)
    assert text_out.startswith("the ") and len(text_out) == 54
    assert text_out == sample(result.model, vocab, "the ", 50, temperature=0.5, seed=1)
