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
# # Lesson 0: Generative AI, LLMs, and where RNNs fit
#
# This course ends with a recurrent network that writes text one character at a time.
# Before any neurons, this lesson builds the simplest machine that *generates* text at all,
# using nothing but counting, and uses it to pin down three words you will meet everywhere:
# **generative AI**, **large language model**, and **recurrent neural network**.
#
# Here is the target. These lines were written by a model that read the Zen of Python
# (about 850 characters that ship inside Python itself) and learned, by counting, which character
# tends to follow which:

# %%
import math
import time
from collections import Counter, defaultdict

import matplotlib.pyplot as plt
import numpy as np

from tinygrad_rnn import bigram, pictures
from tinygrad_rnn.data.text import CharVocab, grammar_text, pydoc_topics, zen_of_python

lesson_start = time.perf_counter()
zen = zen_of_python()
vocab = CharVocab.from_text(zen)
model = bigram.bigram_probs(bigram.bigram_counts(zen, vocab), alpha=0.1)
print(bigram.sample(model, vocab, 200, start="B", seed=7, temperature=0.8))

# %% [markdown]
# It is nonsense, but it is *new* nonsense with the look of the original: capital letters
# after line breaks, full stops before them, fragments such as "the". Nobody wrote
# these lines; the model produced them from patterns it found in data. That, in miniature, is
# what generative AI does.
#
# ## What generative AI is
#
# A **generative** model produces new content rather than a label or a number. Ask a
# classifier "is this e-mail spam?" and it answers yes or no; ask a generative model and it
# writes an e-mail. The content can be:
#
# - **text**: stories, answers, summaries, e-mails (GPT is the best-known family);
# - **images**: pictures made from a written description (DALL-E, Stable Diffusion);
# - **music and audio**: melodies, whole songs, speech (music generation models such as Jukebox);
# - **code**: programs completed or written from a description.
#
# All of them work the same way at heart: **learn the patterns of a large collection of
# examples, then produce outputs that follow those patterns without copying any one
# example**. Our bigram model is that recipe with the smallest possible "pattern": how often
# one character follows another.
#
# Where it is used:
#
# - **creative work**: drafts, illustrations, music sketches, ideas to react to;
# - **content generation** at scale: product descriptions, reports, translations, code;
# - **data augmentation**: making extra training examples for *another* model when real data
#   is scarce (more sentences, more images, rare cases), which we try at the end of this lesson.
#
# ## Generative AI and LLMs are not the same thing
#
# "LLM" and "generative AI" are often used as if they meant one thing. They don't: one is a
# family inside the other.
#
# | aspect | generative AI | LLMs (large language models) |
# |---|---|---|
# | what it means | any system that makes new content: text, pictures, sound, ... | a generative model specialised in language |
# | range | wide: text, images, audio, video, code and more | narrow: mainly text, and understanding language |
# | examples | GPT, DALL-E, Stable Diffusion, Jukebox | GPT-3, GPT-4, BERT, LLaMA |
# | technology inside | many kinds: LLMs, GANs, VAEs, diffusion models, ... | transformer neural networks |
# | typical uses | content creation, art, music, synthetic data, simulation | writing text, summarising, translating, answering questions |
# | what goes in and out | can mix modalities (text in, image out, ...) | text in, text out (mostly) |
# | how they relate | the larger family | one member of that family: every LLM is generative AI, not the reverse |
#
# (BERT sits in the table because it is a large language model, though it was built to
# understand text rather than to write it.)
#
# Our character model is a *language model*, a very small one: it assigns a probability to
# the next character. Made much larger, with a far better predictor than a count table, the
# same "predict the next piece, then sample it" loop is how an LLM writes.
#
# ## Where recurrent networks fit
#
# Text, speech, music and measurements over time are **sequences**: the order carries the
# meaning, and what comes next depends on what came before. A **recurrent neural network**
# (RNN) is a network built for sequences. It reads one element at a time and keeps a
# **hidden state**, a memory of what it has read so far, which it feeds back into itself at
# the next step. That feedback loop (a *cycle* in the network's wiring) is what "recurrent"
# means. It suits any job in which what came earlier changes what comes next: modelling
# language, recognising speech, forecasting a series of measurements.
#
# Our bigram model has the opposite property: no memory at all beyond the current character.
# By the end of this lesson you will have measured what that costs, and lessons 7 to 11 build
# the RNN, LSTM and GRU that fix it.
#
# ## Step 1: text becomes numbers
#
# A model works with numbers, so each distinct character gets an integer id. The vocabulary
# is the sorted set of characters in the text.

# %%
print(f"{len(zen)} characters, {len(vocab)} distinct")
print(vocab)
print("'Zen' ->", vocab.encode("Zen"), "->", repr(vocab.decode(vocab.encode("Zen"))))

# %% [markdown]
# ## Step 2: learning is counting
#
# Walk through the text and, for each neighbouring pair of characters, add one to a table:
# row = the current character, column = the one after it. This is **all** the training
# this model gets.

# %%
counts = np.zeros((len(vocab), len(vocab)), dtype=np.int64)
ids = vocab.encode(zen)
for current, following in zip(ids[:-1], ids[1:], strict=True):
    counts[current, following] += 1

assert (counts == bigram.bigram_counts(zen, vocab)).all()  # the library agrees
print("pairs counted:", counts.sum(), "= len(text) - 1 =", len(zen) - 1)

t = vocab.stoi["t"]
top = np.argsort(counts[t])[::-1][:6]
print("after 't' come:", ", ".join(f"{vocab.itos[j]!r} x{counts[t, j]}" for j in top))

# %% [markdown]
# The whole table, as a picture (only the lower-case letters, space and newline, so it stays
# readable). The darkest cells are the most frequent pairs, listed under the picture.

# %%
shown = [c for c in vocab.itos if c.islower() or c in " \n"]
rows = [vocab.stoi[c] for c in shown]
labels = [{" ": "␣", "\n": "⏎"}.get(c, c) for c in shown]
fig, ax = plt.subplots(figsize=(7, 6))
image = ax.imshow(counts[np.ix_(rows, rows)], cmap="Blues")
ax.set_xticks(range(len(shown)), labels)
ax.set_yticks(range(len(shown)), labels)
ax.set_xlabel("next character")
ax.set_ylabel("current character")
ax.set_title("Bigram counts in the Zen of Python")
fig.colorbar(image, ax=ax, shrink=0.8)
pictures.show(
    fig,
    "bigram-counts",
    "How often each character follows each other one in the Zen of Python: the whole "
    "bigram model is this table.",
)

flat_order = np.argsort(counts, axis=None)[::-1][:6]
pairs = [np.unravel_index(k, counts.shape) for k in flat_order]
print(
    "most frequent pairs:",
    ", ".join(f"{vocab.itos[i] + vocab.itos[j]!r} x{counts[i, j]}" for i, j in pairs),
)

# %% [markdown]
# ## Step 3: counts become probabilities
#
# Divide each row by its total and it becomes a probability distribution over the next
# character:
#
# $$P(c_{t+1} = j \mid c_t = i) = \frac{N_{ij} + \alpha}{\sum_k N_{ik} + \alpha V}$$
#
# The $\alpha$ is **smoothing**: a small pretend count for every pair. Without it, a pair
# that never occurred in its roughly 850 characters would get probability exactly zero, and the model
# would call it impossible. We will see below why that matters.

# %%
alpha = 0.1
probs = (counts + alpha) / (counts + alpha).sum(axis=1, keepdims=True)
assert np.allclose(probs, bigram.bigram_probs(counts, alpha))
print("every row sums to 1:", np.allclose(probs.sum(axis=1), 1.0))
print(f"P(next = 'h' | current = 't') = {probs[t, vocab.stoi['h']]:.3f}")
unseen = vocab.itos[int(np.argmin(counts[t]))]
print(f"P(next = {unseen!r} | current = 't') = {probs[t, vocab.stoi[unseen]]:.4f}", end=" ")
print(f"(the pair was seen {counts[t, vocab.stoi[unseen]]} times: this is the smoothing)")

# %% [markdown]
# ## Step 4: generating is sampling
#
# To write, start from a character, draw the next one from its row of probabilities, make
# that the current character, and repeat. A seed makes the draws reproducible.


# %%
def generate(probs, start, n, seed):
    rng = np.random.default_rng(seed)
    current = vocab.stoi[start]
    out = [start]
    for _ in range(n):
        current = rng.choice(len(vocab), p=probs[current])
        out.append(vocab.itos[current])
    return "".join(out)


for seed in range(3):
    print(repr(generate(probs, "T", 70, seed)))

# %% [markdown]
# Is this new text, or copies of the training text? Count how many of the generated
# stretches of 3, 5 and 8 characters occur anywhere in the Zen:

# %%
sampled = generate(probs, "T", 3000, seed=0)
for width in [3, 5, 8]:
    windows = [sampled[i : i + width] for i in range(len(sampled) - width)]
    copied = sum(w in zen for w in windows) / len(windows)
    print(f"{copied:6.1%} of generated {width}-character stretches appear in the training text")

# %% [markdown]
# About a third of the 3-character pieces occur somewhere in the training text; almost no
# 8-character piece does. The model recombines small patterns into text that is new.
#
# ## Temperature: how adventurous the sampling is
#
# Before drawing, raise every probability to the power $1/\tau$ and renormalise.
# $\tau < 1$ sharpens the distribution (the likely gets likelier), $\tau > 1$ flattens it,
# and $\tau \to 0$ always takes the single most likely character. Here is the row for "t":


# %%
def with_temperature(row, tau):
    w = row ** (1.0 / tau)
    return w / w.sum()


order = np.argsort(probs[t])[::-1][:10]
fig, ax = plt.subplots(figsize=(7.5, 3))
for k, tau in enumerate([0.5, 1.0, 2.0]):
    ax.bar(
        np.arange(10) + 0.27 * (k - 1),
        with_temperature(probs[t], tau)[order],
        0.27,
        label=f"τ = {tau}",
    )
ax.set_xticks(range(10), [repr(vocab.itos[j]) for j in order])
ax.set_ylabel("probability")
ax.set_title("next character after 't' at three temperatures")
ax.legend()
pictures.show(
    fig,
    "temperature",
    "The next-character distribution after 't' at three temperatures: low sharpens it, "
    "high flattens it.",
)

for tau in [0.0, 0.5, 1.0, 1.5]:
    text = bigram.sample(probs, vocab, 70, start="T", seed=1, temperature=tau)
    print(f"τ = {tau}: {text!r}")

# %% [markdown]
# At $\tau = 0$ the model falls into a loop ("than than than"): always choosing the most
# likely character is a poor way to write. At $\tau = 1.5$ rare characters creep in.
#
# ## Measuring the model: negative log-likelihood
#
# How good is a language model? Ask how much probability it gave to the text that actually
# came. For each position take $-\ln P(c_{t+1} \mid c_t)$ and average:
#
# $$\mathrm{NLL} = -\frac{1}{T-1} \sum_{t=1}^{T-1} \ln P(c_{t+1} \mid c_t)
# \quad\text{(nats per character; lower is better)}$$
#
# A model that knows nothing and spreads probability evenly over $V$ characters scores
# exactly $\ln V$. This is the same loss that trains the recurrent networks in lesson 11.

# %%
nll = -np.mean([math.log(probs[a, b]) for a, b in zip(ids[:-1], ids[1:], strict=True)])
uniform = np.full((len(vocab), len(vocab)), 1 / len(vocab))
print(
    f"uniform guessing: NLL  = {bigram.mean_nll(zen, uniform, vocab):.3f}, and ln V = {math.log(len(vocab)):.3f}"
)
print(f"bigram model:     NLL  = {nll:.3f} nats/char on its own training text")
assert math.isclose(nll, bigram.mean_nll(zen, probs, vocab))

# %% [markdown]
# Scoring a model on the text it counted flatters it. The honest test is text it has not
# seen. The generated grammar gives as much fresh text as we like; train on one part, score
# on another, with and without smoothing:

# %%
train_text = grammar_text(300, seed=0)
test_text = grammar_text(100, seed=1)
g_vocab = CharVocab.from_text(train_text + test_text)
g_counts = bigram.bigram_counts(train_text[:400], g_vocab)  # only 400 characters of training
print(f"uniform guessing: {math.log(len(g_vocab)):.3f}")
for a in [0.0, 0.01, 0.1, 1.0]:
    p = bigram.bigram_probs(g_counts, a)
    train_nll = bigram.mean_nll(train_text[:400], p, g_vocab)
    test_nll = bigram.mean_nll(test_text, p, g_vocab)
    print(f"alpha = {a:<4}: train NLL {train_nll:.3f}, held-out NLL {test_nll:.3f}")

# %% [markdown]
# With $\alpha = 0$ the held-out score is **infinite**: one pair that never showed up in
# training gets probability 0, and $-\ln 0 = \infty$. A little smoothing fixes it, at a small
# cost on the training text. Too much smoothing drifts back towards uniform guessing.
#
# ## What memory buys: more context
#
# The bigram model sees one character. What if it saw the last $k$? Count $k$-character
# contexts on 200,000 characters of Python's own documentation (`pydoc_data`, shipped with
# Python) and score the next 20,000:

# %%
docs = pydoc_topics(220_000)
d_vocab = CharVocab.from_text(docs)
d_train, d_test = docs[:200_000], docs[200_000:]


def context_nll(k, alpha=0.05):
    table = defaultdict(Counter)
    for i in range(k, len(d_train)):
        table[d_train[i - k : i]][d_train[i]] += 1
    total, unseen = 0.0, 0
    for i in range(k, len(d_test)):
        seen = table.get(d_test[i - k : i])
        unseen += seen is None
        n_ctx = sum(seen.values()) if seen else 0
        n_pair = seen[d_test[i]] if seen else 0
        total -= math.log((n_pair + alpha) / (n_ctx + alpha * len(d_vocab)))
    n = len(d_test) - k
    return total / n, len(table), unseen / n


print(f"uniform guessing: {math.log(len(d_vocab)):.3f} nats/char")
for k in [1, 2, 3, 4, 6]:
    held_out, n_contexts, new_share = context_nll(k)
    print(
        f"context of {k} chars: held-out NLL {held_out:.3f}, {n_contexts:>6} contexts in "
        f"training, {new_share:6.1%} of test contexts never seen"
    )

# %% [markdown]
# More context helps, a lot, up to a point. Then it hurts: the table of contexts explodes
# (there are $V^k$ possible ones), more and more of the contexts in new text never occurred
# in training (a quarter of them at 6 characters) so the model knows nothing about those,
# and the ones it did see were seen fewer times each (200,000 characters spread over ever
# more contexts). Counting cannot remember far back.
#
# That is the gap recurrent networks fill. Instead of a table indexed by the exact last $k$
# characters, an RNN keeps a **fixed-size** hidden state that it updates at every character
# and that can, in principle, carry information from arbitrarily far back; and it *learns*
# what to keep, so similar contexts share what they learn. Getting there takes a neuron
# (lesson 1), gradients (lesson 2), networks (lesson 3), tensors (lessons 4 to 6) and then the
# recurrent cells themselves (lessons 7 to 11).
#
# ## Data augmentation, in miniature
#
# One use of generative models is making more training data. Train the character model on
# the grammar's sentences and let it write: how many of the words it writes are real words?

# %%
g_probs = bigram.bigram_probs(bigram.bigram_counts(train_text, g_vocab), 0.01)
written = bigram.sample(g_probs, g_vocab, 2000, start="\n", seed=3)
real_words = set(train_text.split())
made_words = written.split()
print(
    f"{sum(w in real_words for w in made_words) / len(made_words):.0%} of generated words are real"
)
print(written[1:].split("\n")[0])

# %% [markdown]
# A character model with one character of memory cannot even keep words together. The same
# counting over **words** instead of characters (a word bigram model) keeps every word
# intact; its sentences are then new combinations, some grammatical and some not. Look:

# %%
word_counts = defaultdict(Counter)
for line in train_text.split("\n"):
    words = ["<s>", *line.split(), "</s>"]
    for w_prev, w_next in zip(words[:-1], words[1:], strict=True):
        word_counts[w_prev][w_next] += 1

rng = np.random.default_rng(5)
train_lines = set(train_text.split("\n"))
for _ in range(8):
    words, w = [], "<s>"
    while True:
        options = word_counts[w]
        w = rng.choice(list(options), p=np.array(list(options.values())) / sum(options.values()))
        if w == "</s>":
            break
        words.append(w)
    line = " ".join(words)
    print("  seen " if line in train_lines else "  new  ", line)

# %% [markdown]
# Most lines are sentences the training text did not contain, and you can judge by eye which
# of them a grammar would accept. Useful augmentation needs a generator that gets the
# structure right, not just the pieces: that is what the better models are for.

# %%
print(f"lesson ran in {time.perf_counter() - lesson_start:.1f} s")

# %% [markdown]
# ## Check yourself
#
# Open `lessons/00_generative_ai_exercises.py`, replace each `raise NotImplementedError`,
# then run `tinygrad-rnn grade 0`.
#
# | id | you write | this lesson's section |
# |---|---|---|
# | 0.1 | `bigram_counts(text, vocab)`: the count table | Step 2: learning is counting |
# | 0.2 | `bigram_probs(counts, alpha)`: rows of probabilities, smoothed | Step 3 |
# | 0.3 | `mean_nll(text, probs, vocab)`: the score of a text | Measuring the model |
#
# Questions to answer for yourself:
#
# - Why does the uniform model score exactly $\ln V$, whatever the text?
# - Which row of the count table would be all zeros if the text ended with a character
#   that occurs nowhere else, and what does `bigram_probs` do with it when $\alpha = 0$?
# - Name one generative AI system that is not an LLM, and say why it is not.
