# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 11: Generating text
#
# Lesson 0 built the smallest generative model of text: count which character follows
# which, then sample. It writes text that *looks* a little like its source, but it only
# ever sees one character of context. This lesson replaces the counts with an LSTM that
# reads everything written so far, trains it on text that Python ships with (the
# documentation behind `help()`), and lets it write.
#
# Here is the target: the model after a short training run (seconds; `LESSON_FULL=1`
# trains for a few minutes), asked to continue a prompt.

# %%
import math
import os
import time

import matplotlib.pyplot as plt
import numpy as np

from tinygrad_rnn import bigram, optim, pictures
from tinygrad_rnn.data import CharVocab, pydoc_topics
from tinygrad_rnn.generate import (
    CharLM,
    batch_streams,
    detach_state,
    evaluate_nll,
    sample,
)
from tinygrad_rnn.nn.functional import cross_entropy
from tinygrad_rnn.tensor import no_grad

lesson_start = time.perf_counter()
FULL = os.environ.get("LESSON_FULL") == "1"
SITE = os.environ.get("LESSON_SITE") == "1"  # set when the docs site runs the lesson
TRAIN_STEPS = 1500 if FULL else 480 if SITE else 120
BATCH, SEQ_LEN = 32, 64  # 32 parallel streams, 64 characters of backprop per update

corpus = pydoc_topics(max_chars=120_000)
train_text, held_text = corpus[:100_000], corpus[100_000:]  # the last 20,000 are held out
vocab = CharVocab.from_text(corpus)
model = CharLM(len(vocab), embed_dim=32, hidden_size=128, cell="lstm", rng=0)
opt = optim.Adam(model.parameters(), lr=1e-2)

streams = batch_streams(np.array(vocab.encode(train_text)), BATCH)  # (N, B) ids
losses, state, pos = [], None, 0
train_start = time.perf_counter()
for _ in range(TRAIN_STEPS):
    if pos + SEQ_LEN + 1 > len(streams):  # end of the text: start again from the top
        state, pos = None, 0
    x = streams[pos : pos + SEQ_LEN]  # (T, B): 64 characters of every stream
    y = streams[pos + 1 : pos + SEQ_LEN + 1]  # (T, B): the character after each of them
    pos += SEQ_LEN
    logits, state = model(x, state)  # (T, B, V)
    loss = cross_entropy(logits, y)  # mean over T*B predictions, nats per character
    opt.zero_grad()
    loss.backward()
    optim.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    state = detach_state(state)  # keep the memory, cut the graph: truncated BPTT
    losses.append(loss.item())
train_seconds = time.perf_counter() - train_start
print(f"{TRAIN_STEPS} updates in {train_seconds:.1f} s, last training loss {losses[-1]:.3f}")
print()
print(sample(model, vocab, "The ", 300, temperature=0.7, seed=0))

# %% [markdown]
# (A plain run makes 120 updates, in seconds; the docs site builds this page with 480.)
# After a few hundred updates it has picked up spaces and line breaks, quotes and
# punctuation, the documentation's rows of asterisks under titles, common short words and
# some of its vocabulary ("the", "sequence", "attribute"), and it invents the rest: words
# that look English, in sentences that mean nothing. (`LESSON_FULL=1` trains 1,500 updates
# and spells much better.) The rest of the lesson takes this apart:
# what a language model is, how the text becomes numbers, how the loss is measured and
# what the numbers mean, why the training loop carries its state, and how sampling turns
# probabilities into text.
#
# ## Language modelling, and where this sits in generative AI
#
# A **language model** assigns a probability to text. Written one character at a time,
#
# $$ P(c_1, c_2, \dots, c_T) = \prod_{t=1}^{T} P(c_t \mid c_1, \dots, c_{t-1}) $$
#
# so it is enough to predict the **next** character from everything before it. The
# bigram model of lesson 0 approximated $P(c_t \mid c_{1..t-1})$ by
# $P(c_t \mid c_{t-1})$. A recurrent network summarises the whole prefix in its state
# $h_{t-1}$ and predicts from that.
#
# This is generative AI in miniature: the model **learns patterns from data** (it is
# trained only to predict the next character of real text) and then **generates
# original output** by sampling from those predictions one step at a time, feeding each
# choice back in. Large language models such as GPT do the same with subword tokens
# instead of characters, a transformer instead of an LSTM, and a trillion training
# tokens instead of a hundred thousand characters.
#
# "Original" is a claim worth checking: is the model just copying its training text?
# Take a long sample and look for each of its 20-character pieces in the training text:

# %%
long_sample = sample(model, vocab, "The ", 2000, temperature=0.7, seed=1)[4:]
pieces = [long_sample[i : i + 20] for i in range(0, len(long_sample) - 20, 5)]
copied = sum(piece in train_text for piece in pieces)
print(f"{copied} of {len(pieces)} twenty-character pieces of the sample occur in the training text")
words = [w.strip(".,:()\"'") for w in long_sample.split()]
known = set(w.strip(".,:()\"'") for w in train_text.split())
real = sum(w in known for w in words if w)
print(f"{real} of {len(words)} words of the sample are words of the training text")

# %% [markdown]
# A good share of the words are real words, but most 20-character stretches appear
# nowhere in the training text; those that do are mostly common phrases and the rows of
# asterisks the documentation uses as underlines. The model recombines what it learned. (With far more training and far more parameters,
# models *can* memorise and repeat long passages; that is one of the open problems of
# large language models.)
#
# ## From text to numbers
#
# A `CharVocab` gives every character of the corpus an integer id (in sorted order). The
# model's input at each step is an id; its output is one score per possible next
# character. An **embedding** (the lookup table whose backward pass is lesson 5's
# scatter-add) turns each id into a learned vector of 32 numbers, the LSTM reads those
# vectors, and a linear **head** turns each hidden state into $V$ scores (logits):
#
# $$ \text{ids} \;(T, B) \xrightarrow{\text{Embedding}} (T, B, 32)
#    \xrightarrow{\text{LSTM}} (T, B, 128) \xrightarrow{\text{Linear}} (T, B, V) $$

# %%
print(vocab)
ids = vocab.encode("def f(x):")
print("encode('def f(x):') =", ids, "   decode back:", repr(vocab.decode(ids)))
print(model)
for name, p in model.named_parameters():
    print(f"  {name:<22} {str(p.shape):<12} {p.size:>7}")
print("parameters:", model.num_parameters())

# %% [markdown]
# ## The loss: nats per character, and perplexity
#
# For each position the model outputs logits $z$; softmax turns them into probabilities
# and the loss is the **cross-entropy**, the negative log-probability of the character
# that actually came next:
#
# $$ \ell_t = -\ln \operatorname{softmax}(z_t)_{c_{t+1}}
#    = \ln \sum_j e^{z_{t,j}} - z_{t, c_{t+1}} $$
#
# averaged over all predictions. With natural logarithms its unit is **nats per
# character** (divide by $\ln 2$ for bits). Two reference points:
#
# - a model that knows nothing gives every character probability $1/V$ and scores
#   $\ln V$; an untrained network starts close to that;
# - $e^{\text{NLL}}$, the **perplexity**, is the number of equally likely characters the
#   model is effectively choosing between. $\ln V$ nats is a perplexity of $V$.

# %%
fresh = CharLM(len(vocab), 32, 128, rng=42)
fresh_nll = evaluate_nll(fresh, vocab, held_text[:5000])
print(f"V = {len(vocab)}: ln V = {math.log(len(vocab)):.3f} nats (perplexity {len(vocab)})")
print(
    f"untrained model on held-out text: {fresh_nll:.3f} nats/char, perplexity {math.exp(fresh_nll):.1f}"
)

# the same number by hand, from the logits, for one short piece
piece = np.array(vocab.encode(held_text[:200]))
with no_grad():
    z = fresh(piece[:-1, None])[0].data[:, 0].astype(np.float64)  # (199, V)
lse = np.log(np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1)) + z.max(axis=1)
by_hand = np.mean(lse - z[np.arange(len(z)), piece[1:]])
print(
    f"by hand on 200 chars: {by_hand:.4f}   library: {evaluate_nll(fresh, vocab, held_text[:200]):.4f}"
)

# %% [markdown]
# ## Truncated backpropagation through time
#
# The training text is 100,000 characters long. Backpropagating through all of it at
# once would need the whole unrolled graph in memory and would give one update per pass.
# Instead, the training loop at the top:
#
# 1. cuts the text into `B = 32` long **streams** (stream $b$ is the $b$-th consecutive
#    32nd of the text) and reads them side by side, a batch of 32;
# 2. takes the next `T = 64` characters of every stream per update;
# 3. **carries the state** $h, c$ from one chunk to the next, so the model's memory
#    runs on across chunk boundaries, but
# 4. **detaches** it (`detach_state`): the carried state is a constant for the next
#    chunk's graph, so backpropagation stops after 64 steps.
#
# Here are the first characters of three of the streams, and of the next chunk of the
# first stream, which starts exactly where the first one stopped:

# %%
for b in range(3):
    print(f"stream {b}, chunk 0: {vocab.decode(streams[:40, b])!r}")
print(f"stream 0, chunk 1: {vocab.decode(streams[SEQ_LEN : SEQ_LEN + 40, 0])!r}")
x0, y0 = streams[0:SEQ_LEN, 0], streams[1 : SEQ_LEN + 1, 0]  # the first (input, target) pair
print(f"input  x[:12, 0] = {vocab.decode(x0[:12])!r}")
print(f"target y[:12, 0] = {vocab.decode(y0[:12])!r}  (the input moved by one character)")

# %% [markdown]
# Does the carried state matter? Score the held-out text twice with the trained model:
# once carrying the state across 64-character chunks, as in training, and once starting
# every chunk from a zero state, which forgets everything at each boundary:

# %%
held_ids = np.array(vocab.encode(held_text[:8000]))


def nll_in_chunks(carry: bool) -> float:
    total, state = 0.0, None
    with no_grad():
        for start in range(0, len(held_ids) - 1, SEQ_LEN):
            x = held_ids[start : start + SEQ_LEN]
            y = held_ids[start + 1 : start + SEQ_LEN + 1]
            logits, new_state = model(x[: len(y), None], state if carry else None)
            total += cross_entropy(logits, y[:, None], reduction="sum").item()
            state = new_state
    return total / (len(held_ids) - 1)


print(f"state carried across chunks: {nll_in_chunks(True):.4f} nats/char")
print(f"state reset every 64 chars:  {nll_in_chunks(False):.4f} nats/char")

# %% [markdown]
# Resetting costs a little accuracy (the text's context is mostly local, so the cost is
# small but it is there): after each reset the model has to guess the first characters of
# the chunk without context. Carrying the state is free and keeps that
# context; detaching it keeps each update's cost fixed at 64 steps.
#
# ## Training: the loss curve, against the bigram model
#
# The training loss is measured on the chunk just trained on. The honest test is text the
# model never saw: the held-out 20,000 characters. Lesson 0's bigram model, counted on the
# same 100,000 training characters (with add-one smoothing), is the baseline.

# %%
counts = bigram.bigram_counts(train_text, vocab)
bigram_nll = bigram.mean_nll(held_text, bigram.bigram_probs(counts, alpha=1.0), vocab)
lstm_nll = evaluate_nll(model, vocab, held_text)
smooth = np.convolve(losses, np.ones(10) / 10, mode="valid")

fig, ax = plt.subplots(figsize=(7.5, 3.6))
ax.plot(losses, color="lightsteelblue", label="training loss (each chunk)")
ax.plot(np.arange(9, len(losses)), smooth, color="tab:blue", label="training loss, 10-step mean")
ax.axhline(
    math.log(len(vocab)),
    color="grey",
    ls=":",
    label=f"uniform guess, ln V = {math.log(len(vocab)):.2f}",
)
ax.axhline(bigram_nll, color="tab:red", ls="--", label=f"bigram model, held out: {bigram_nll:.2f}")
ax.axhline(lstm_nll, color="tab:green", ls="--", label=f"LSTM, held out: {lstm_nll:.2f}")
ax.set_xlabel("update")
ax.set_ylabel("nats per character")
ax.set_title("character-level LSTM on pydoc topics")
ax.legend(fontsize=8)
pictures.show(
    fig,
    "training-loss",
    "The character-level LSTM on pydoc topics: loss in nats per character during training.",
)

print(f"{'model':<22} {'held-out NLL':>13} {'perplexity':>11} {'bits/char':>10}")
for name, value in [
    ("uniform", math.log(len(vocab))),
    ("bigram (lesson 0)", bigram_nll),
    ("LSTM", lstm_nll),
]:
    print(f"{name:<22} {value:>13.3f} {math.exp(value):>11.2f} {value / math.log(2):>10.3f}")

# %% [markdown]
# Perplexity makes the comparison concrete: the bigram model is as unsure as if it were
# choosing uniformly among the number of characters in its row of the table, the LSTM
# among fewer, because it conditions on the whole prefix rather than the last character.
# Training longer (`LESSON_FULL=1`, 1,500 updates) widens the gap. No amount of training
# data gets a bigram model below the uncertainty that remains about the next character
# *given only the previous one*; the LSTM has no such limit.
#
# ## Sampling with temperature
#
# To write, the model reads a prompt, then repeatedly turns its logits for the next
# character into probabilities, draws one character, and feeds it back in. **Temperature**
# $\tau$ divides the logits before the softmax,
#
# $$ p_j = \frac{e^{z_j / \tau}}{\sum_k e^{z_k / \tau}} $$
#
# $\tau < 1$ sharpens the distribution (the likely characters become likelier: safer,
# more repetitive text); $\tau > 1$ flattens it (more surprise, more mistakes);
# $\tau \to 0$ always takes the most likely character. Here is what it does to the
# model's prediction after one prompt:

# %%
prompt = "The return "
with no_grad():
    last_logits = model(np.array(vocab.encode(prompt))[:, None])[0].data[-1, 0].astype(np.float64)
order = np.argsort(last_logits)[::-1][:12]
fig, ax = plt.subplots(figsize=(7.5, 3.2))
for k, tau in enumerate((0.5, 1.0, 1.5)):
    p = np.exp((last_logits - last_logits.max()) / tau)
    p /= p.sum()
    ax.bar(np.arange(12) + (k - 1) * 0.27, p[order], width=0.27, label=f"τ = {tau}")
ax.set_xticks(np.arange(12), [repr(vocab.itos[i])[1:-1] or "·" for i in order])
ax.set_title(f"next-character probabilities after {prompt!r}, at three temperatures")
ax.legend()
pictures.show(
    fig,
    "temperatures",
    "Next-character probabilities after the prompt, at three temperatures.",
)

for tau in (0.5, 1.0, 1.5):
    print(f"--- temperature {tau} ---")
    print(sample(model, vocab, "The ", 200, temperature=tau, seed=2))
    print()

# %% [markdown]
# At 0.5 the text is the most word-like and repeats common words and phrases; at 1.0 it
# is the model's honest distribution, with more invented words; at 1.5 the low-probability
# characters get enough weight to break words apart. Every sample is reproducible: the
# seed fixes the random draws.

# %%
print(f"lesson ran in {time.perf_counter() - lesson_start:.1f} s")

# %% [markdown]
# ## Train your own, from the command line
#
# Everything this lesson did by hand is one command away, with checkpoints. On the
# built-in corpus (the same help texts), 200 updates of this lesson's model take about ten
# seconds on two cores and end near 1.9 nats per character on held-out text:
#
# ```bash
# tinygrad-rnn train text --steps 200      # the run is saved in runs/lstm-pydoc/
# tinygrad-rnn sample runs/lstm-pydoc --temperature 0.7 --prime "The " --length 300
# ```
#
# `--corpus FILE` trains on a UTF-8 text of your own. `--cell gru`, `--hidden`, `--layers`,
# `--seq-len`, `--batch`, `--lr`, `--clip`, `--steps` or `--time SECONDS` change the run;
# `tinygrad-rnn train text --help` lists every flag with its default. The run's folder holds
# one checkpoint with the weights, Adam's running averages, the state carried from chunk to
# chunk, the vocabulary, the step and the random generator's state. Press Ctrl-C and the
# run finishes the current update, saves, and prints the command that continues it;
# `tinygrad-rnn train text --resume runs/lstm-pydoc` then ends with the same weights, bit
# for bit, as a run that was never stopped. `sample --temperature 0` always takes the
# likeliest character, so its text does not depend on `--seed`.

# %% [markdown]
# ## Check yourself
#
# Open `lessons/11_text_generation_exercises.py`, replace each `raise
# NotImplementedError`, then run `tinygrad-rnn grade 11` (or `tinygrad-rnn grade 11.2`
# for one exercise).
#
# | id | you write | this lesson's section |
# |---|---|---|
# | 11.1 | `encode`, `decode` and `lm_batches`: text to ids and shifted (input, target) chunks | From text to numbers; Truncated BPTT |
# | 11.2 | `sample_with_temperature(logits, temperature, rng)`: one draw | Sampling with temperature |
# | 11.3 | `nll_and_perplexity(logits, targets)`: nats per character and perplexity | The loss |
# | 11.4 | `train_language_model(text, steps)`: a model that beats a target loss within a budget of steps | Training |
# | 11.5 | `generate_text(model, itos, prompt, n, temperature, rng)`: text drawn from a model | Sampling with temperature |
#
# Then the capstone, `lessons/14_capstone_exercises.py` (`tinygrad-rnn grade 14`): your own
# character-level LSTM in numpy, built from your pieces of lessons 6 to 11 (the step and its
# BPTT, the loss, clipping, Adam, sampling), trained to a held-out loss the grader measures on
# your weights, and sampled with your sampler.
#
# Questions for yourself:
#
# - The untrained model scores close to $\ln V$. Why close to it and not exactly it?
# - What happens to the training loss curve if you do not detach the state (try it on a
#   few steps)? What happens to the time per update?
# - Why is the bigram model's held-out loss a fair baseline only if both models use the
#   same vocabulary and the same held-out text?
# - At which temperature would you expect the samples' held-out NLL, scored by the model
#   itself, to be lowest?
