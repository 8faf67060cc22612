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
# # Lesson 12: Applications and next steps
#
# Recurrent networks were built for ordered data where context matters: speech, time
# series, language. This last lesson puts the pieces of the course to work on small,
# honest versions of three applications, each a different *shape* of sequence problem:
#
# | application | shape | here |
# |---|---|---|
# | speech recognition | a sequence in, one label out | classify noisy synthetic signals (a toy stand-in) |
# | time series prediction | a sequence in, several future values out | multi-step forecasts of a noisy sum of sines |
# | translation | a sequence in, a different sequence out | reverse a sequence of symbols with an encoder-decoder (a toy) |
#
# Then it moves trained weights to PyTorch and back, and ends with where the field went
# next.
#
# Here is the target of the first part: a GRU that hears 60 noisy samples of a signal and
# names its shape, with its confusion matrix on signals it never saw.

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np

from tinygrad_rnn import checkpoint, nn, optim, pictures
from tinygrad_rnn.nn.functional import cross_entropy, mse
from tinygrad_rnn.tensor import Tensor, no_grad

lesson_start = time.perf_counter()
FULL = os.environ.get("LESSON_FULL") == "1"  # LESSON_FULL=1 trains every model longer
SCALE = 4 if FULL else 1
OUT = "out"
os.makedirs(OUT, exist_ok=True)

CLASSES = ("sine", "square", "sawtooth", "chirp")
LENGTH = 60


def make_signals(n: int, seed: int, noise: float = 0.4) -> tuple[np.ndarray, np.ndarray]:
    """`n` noisy signals of LENGTH samples, time first, and their class ids."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(CLASSES), n)
    t = np.arange(LENGTH)[:, None]  # (T, 1)
    period = rng.uniform(8, 20, n)  # samples per cycle
    phase = rng.uniform(0, 1, n)
    amplitude = rng.uniform(0.6, 1.2, n)
    cycles = t / period + phase  # (T, n)
    shapes = {
        "sine": np.sin(2 * np.pi * cycles),
        "square": np.sign(np.sin(2 * np.pi * cycles)),
        "sawtooth": 2 * (cycles % 1.0) - 1,
        "chirp": np.sin(2 * np.pi * (phase + t / 30 + (t / LENGTH) ** 2 * LENGTH / 12)),
    }
    clean = np.choose(labels, [shapes[name] for name in CLASSES])  # (T, n)
    x = amplitude * clean + rng.normal(0, noise, clean.shape)
    return x[:, :, None].astype(np.float32), labels  # (T, n, 1), (n,)


examples, example_labels = make_signals(400, seed=1)
fig, axes = plt.subplots(2, 2, figsize=(7, 4.2), sharex=True, sharey=True)
for k, ax in enumerate(axes.flat):
    i = int(np.flatnonzero(example_labels == k)[0])
    ax.plot(examples[:, i, 0], lw=1)
    ax.set_title(CLASSES[k])
fig.suptitle("one training example of each class (noise std 0.4)")
fig.tight_layout()
pictures.show(fig, "four-classes", "One training example of each of the four classes of sequence.")

# %% [markdown]
# ## Sequence classification: a toy stand-in for speech recognition
#
# The model reads the signal one sample at a time with a GRU and classifies from the
# **last** hidden state, through a linear layer, with cross-entropy. Nothing tells it
# where the edges of a square wave are or that a chirp speeds up; it has to find features
# that tell the classes apart in the noise.


# %%
class SignalClassifier(nn.Module):
    """GRU over the signal, then a linear layer on the final hidden state: (T, B, 1) -> (B, C)."""

    def __init__(self, hidden_size: int = 32, n_classes: int = 4, rng: int = 0) -> None:
        super().__init__()
        gen = np.random.default_rng(rng)
        self.rnn = nn.GRU(1, hidden_size, rng=gen)
        self.head = nn.Linear(hidden_size, n_classes, rng=gen)

    def forward(self, x) -> Tensor:
        _, state = self.rnn(x)
        return self.head(state.h[-1])  # (B, C) logits


classifier = SignalClassifier()
opt = optim.Adam(classifier.parameters(), lr=0.01)
stream = np.random.default_rng(10)
class_losses = []
for _ in range(200 * SCALE):
    x, y = make_signals(64, seed=stream)
    loss = cross_entropy(classifier(Tensor(x)), y)
    opt.zero_grad()
    loss.backward()
    optim.clip_grad_norm_(classifier.parameters(), 1.0)
    opt.step()
    class_losses.append(loss.item())

test_x, test_y = make_signals(1000, seed=12345)
with no_grad():
    predicted = classifier(Tensor(test_x)).data.argmax(axis=1)
confusion = np.zeros((4, 4), dtype=int)
np.add.at(confusion, (test_y, predicted), 1)  # rows: true class, columns: predicted
accuracy = np.trace(confusion) / confusion.sum()
print(f"held-out accuracy on 1000 new signals: {accuracy:.1%} (chance: 25%)")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7.5, 3.4))
ax1.plot(class_losses, lw=0.8)
ax1.set_xlabel("training step")
ax1.set_ylabel("cross-entropy")
ax1.set_title("training loss")
ax2.imshow(confusion, cmap="Blues")
for i in range(4):
    for j in range(4):
        colour = "white" if confusion[i, j] > confusion.max() / 2 else "black"
        ax2.text(j, i, confusion[i, j], ha="center", va="center", color=colour)
ax2.set_xticks(range(4), CLASSES)
ax2.set_yticks(range(4), CLASSES)
ax2.set_xlabel("predicted")
ax2.set_ylabel("true")
ax2.set_title(f"confusion matrix, accuracy {accuracy:.1%}")
pictures.show(
    fig,
    "classifier",
    "Left: the classifier's training loss. Right: its confusion matrix on held-out sequences.",
)

# %% [markdown]
# The diagonal holds the right answers; an off-diagonal cell $(i, j)$ counts signals of
# class $i$ taken for class $j$, which says *which* classes the model mixes up, not just
# how often it is wrong. Exercise 12.2 builds this matrix.
#
# **What real speech recognition needs.** A spoken word is also a noisy one-dimensional
# signal, but at 16,000 samples per second. Real systems first turn it into a sequence of
# short-time spectra (a frame every 10 ms: which frequencies are loud), then run recurrent
# (or, today, transformer) layers over those frames, and they output not one label but a
# *transcript*, a sequence of characters of unknown length and timing. That needs a loss
# that sums over all alignments of audio frames to characters (CTC, Graves et al., 2006)
# or an encoder-decoder like the one at the end of this lesson, and thousands of hours of
# recorded, transcribed speech. The classifier above shows only the first idea: a
# recurrent network can summarise a noisy signal into features that identify it.
#
# ## Multi-step forecasting
#
# Lesson 7 predicted one step ahead and then fed its own predictions back in, and the
# forecast drifted. Here we forecast $K = 20$ steps of a noisy sum of two sines from a
# window of the last $W = 40$ observations, in two ways:
#
# - **autoregressive**: train a one-step predictor, then roll it out: predict $\hat x_{t+1}$,
#   append it to the input as if it were observed, predict $\hat x_{t+2}$, and so on;
# - **direct**: train a model whose output layer gives all $K$ future values at once.
#
# First the data: cut long series into (window, future) pairs with a **sliding window**
# (exercise 12.1).

# %%
WINDOW, HORIZON = 40, 20


def make_series(n: int, length: int, seed) -> np.ndarray:
    """`n` series of a sum of two sines with random phases and amplitudes, plus noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(length)[None, :]  # (1, L)
    a = rng.uniform(0.6, 1.0, (n, 1)) * np.sin(2 * np.pi * t / 23 + rng.uniform(0, 7, (n, 1)))
    b = rng.uniform(0.2, 0.5, (n, 1)) * np.sin(2 * np.pi * t / 7 + rng.uniform(0, 7, (n, 1)))
    return (a + b + rng.normal(0, 0.05, (n, length))).astype(np.float32)  # (n, L)


def sliding_windows(series: np.ndarray, window: int, horizon: int):
    """Every (past window, future values) pair of one series."""
    count = len(series) - window - horizon + 1
    past = np.stack([series[i : i + window] for i in range(count)])  # (N, W)
    future = np.stack([series[i + window : i + window + horizon] for i in range(count)])
    return past, future


demo_past, demo_future = sliding_windows(np.arange(8.0), window=3, horizon=2)
print("sliding_windows(0..7, window=3, horizon=2):")
for p, f in zip(demo_past, demo_future, strict=True):
    print(f"   past {p}  ->  future {f}")


def forecasting_batch(n: int, seed) -> tuple[np.ndarray, np.ndarray]:
    """Random (window, future) pairs: (W, n, 1) inputs time first and (n, K) targets."""
    rng = np.random.default_rng(seed)
    series = make_series(n, WINDOW + HORIZON + 30, rng)
    starts = rng.integers(0, 31, n)
    pairs = [sliding_windows(s, WINDOW, HORIZON) for s in series]
    past = np.stack([p[0][k] for p, k in zip(pairs, starts, strict=True)])  # (n, W)
    future = np.stack([p[1][k] for p, k in zip(pairs, starts, strict=True)])  # (n, K)
    return past.T[:, :, None].copy(), future


# %% [markdown]
# Both models are a GRU with 32 units. The one-step model predicts the next value after
# *every* step of its window (many training targets per window, like lesson 7). The
# direct model reads the window and maps its last hidden state to 20 numbers.


# %%
class OneStep(nn.Module):
    def __init__(self, rng: int = 0) -> None:
        super().__init__()
        gen = np.random.default_rng(rng)
        self.rnn, self.head = nn.GRU(1, 32, rng=gen), nn.Linear(32, 1, rng=gen)

    def forward(self, x, state=None):
        hs, state = self.rnn(x, state)  # (T, B, 32)
        return self.head(hs), state  # (T, B, 1): a guess of the next value after each step


class Direct(nn.Module):
    def __init__(self, rng: int = 0) -> None:
        super().__init__()
        gen = np.random.default_rng(rng)
        self.rnn, self.head = nn.GRU(1, 32, rng=gen), nn.Linear(32, HORIZON, rng=gen)

    def forward(self, x):
        _, state = self.rnn(x)
        return self.head(state.h[-1])  # (B, K): all the future values at once


one_step, direct = OneStep(rng=1), Direct(rng=2)
opt_one = optim.Adam(one_step.parameters(), lr=0.01)
opt_direct = optim.Adam(direct.parameters(), lr=0.01)
stream = np.random.default_rng(20)
for _ in range(300 * SCALE):
    past, future = forecasting_batch(64, stream)
    both = np.concatenate([past, future.T[:, :, None]])  # (W + K, B, 1): the whole stretch
    guesses, _ = one_step(Tensor(both[:-1]))
    loss_one = mse(guesses, Tensor(both[1:]))  # next value at every step
    opt_one.zero_grad()
    loss_one.backward()
    opt_one.step()
    loss_direct = mse(direct(Tensor(past)), Tensor(future))
    opt_direct.zero_grad()
    loss_direct.backward()
    opt_direct.step()


def rollout(step_fn, x_last: np.ndarray, state, n: int) -> np.ndarray:
    """Feed each prediction back in as the next input, n times: (n, B, 1)."""
    predictions = []
    x = x_last
    for _ in range(n):
        y, state = step_fn(x, state)
        predictions.append(y)
        x = y
    return np.stack(predictions)


def one_step_fn(x: np.ndarray, state):
    out, state = one_step(Tensor(x[None]), state)  # a sequence of one step
    return out.data[0], state  # (B, 1)


test_past, test_future = forecasting_batch(500, seed=777)
with no_grad():
    guesses, state = one_step(Tensor(test_past))  # read the window
    first = guesses.data[-1]  # (B, 1): the forecast of step 1
    rest = rollout(one_step_fn, first, state, HORIZON - 1)  # steps 2..K, fed back
    auto_forecast = np.concatenate([first[None], rest])[:, :, 0].T  # (B, K)
    direct_forecast = direct(Tensor(test_past)).data  # (B, K)
last_value = np.repeat(test_past[-1], HORIZON, axis=1)  # (B, K): "nothing changes"

errors = {
    "repeat the last value": ((last_value - test_future) ** 2).mean(axis=0),
    "autoregressive rollout": ((auto_forecast - test_future) ** 2).mean(axis=0),
    "direct, 20 outputs": ((direct_forecast - test_future) ** 2).mean(axis=0),
}
for name, err in errors.items():
    print(
        f"{name:<24} MSE at step 1: {err[0]:.4f}   step 10: {err[9]:.4f}   step 20: {err[-1]:.4f}"
    )

fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(7, 6.8))
k = 3
ax1.plot(range(WINDOW), test_past[:, k, 0], "k.-", lw=0.8, label="observed window")
future_axis = range(WINDOW, WINDOW + HORIZON)
ax1.plot(future_axis, test_future[k], "k--", lw=1, label="what happened")
ax1.plot(future_axis, auto_forecast[k], "o-", ms=3, label="autoregressive")
ax1.plot(future_axis, direct_forecast[k], "s-", ms=3, label="direct")
ax1.set_xlabel("time step")
ax1.legend(fontsize=8, loc="lower left")
ax1.set_title("one held-out forecast")
for name, err in errors.items():
    ax2.plot(range(1, HORIZON + 1), err, "o-", ms=3, label=name)
ax2.set_xlabel("steps ahead")
ax2.set_ylabel("MSE over 500 held-out windows")
ax2.set_yscale("log")
ax2.legend(fontsize=8)
ax2.set_title("error by horizon")
pictures.show(
    fig,
    "forecasts",
    "Above: one held-out forecast, autoregressive and direct. Below: the error by horizon.",
)

# %% [markdown]
# Both learned models beat "nothing changes" by a wide margin. The **autoregressive**
# rollout is best at the first step it was trained for and then gets worse along the
# horizon: it was trained only on one-step errors, from true inputs, and during the
# rollout each of its errors becomes part of the next input, so errors compound
# (exercise 12.3 writes the rollout). The **direct** model was trained on exactly the
# 20-step task, and here its error stays nearly flat, close to the floor set by the noise
# it cannot predict ($0.05^2 = 0.0025$ per value): a window of 40 values pins down a sum of
# two sines of fixed periods, so the far future is no harder than the near one. On real
# series, where the window does not determine the future, every method's error grows
# with the horizon. The direct model pays in other ways: it must learn 20 output mappings
# and cannot be asked for step 21. Which strategy wins depends on the data, the horizon
# and the training budget; run it again with `LESSON_FULL=1` and compare.
#
# ## A toy translation: an encoder-decoder
#
# Translation maps a sentence to a sentence of a different length and word order. The
# recurrent answer (Sutskever et al., 2014; Cho et al., 2014) is the **encoder-decoder**:
# one RNN, the *encoder*, reads the source sequence into its final hidden state; a second
# RNN, the *decoder*, starts from that state and writes the target sequence one token at a
# time, each output fed back as its next input.
#
# Our "language pair" is a toy: the target is the source **reversed**. Tokens are the
# symbols 1..8; the decoder's first input is a start symbol 0. During training the decoder
# reads the true previous token (**teacher forcing**); at test time it reads its own
# previous guess.

# %%
SYMBOLS, SEQ = 8, 6


def reversal_batch(n: int, seed):
    rng = np.random.default_rng(seed)
    source = rng.integers(1, SYMBOLS + 1, (SEQ, n))  # (T, B)
    target = source[::-1].copy()  # the "translation"
    decoder_in = np.concatenate([np.zeros((1, n), dtype=np.int64), target[:-1]])  # 0, y_1, ...
    return source, target, decoder_in


class Seq2Seq(nn.Module):
    def __init__(self, hidden_size: int = 64, rng: int = 0) -> None:
        super().__init__()
        gen = np.random.default_rng(rng)
        self.embed = nn.Embedding(SYMBOLS + 1, 16, rng=gen)  # 0 is the start symbol
        self.encoder = nn.GRU(16, hidden_size, rng=gen)
        self.decoder = nn.GRU(16, hidden_size, rng=gen)
        self.head = nn.Linear(hidden_size, SYMBOLS + 1, rng=gen)

    def forward(self, source, decoder_in):
        _, summary = self.encoder(self.embed(source))  # everything it knows: one vector
        hs, _ = self.decoder(self.embed(decoder_in), summary)
        return self.head(hs)  # (T, B, V)

    def translate(self, source) -> np.ndarray:
        _, state = self.encoder(self.embed(source))
        token = np.zeros((1, source.shape[1]), dtype=np.int64)
        out = []
        for _ in range(source.shape[0]):
            hs, state = self.decoder(self.embed(token), state)
            token = self.head(hs).data.argmax(axis=2)  # (1, B): greedy choice
            out.append(token[0])
        return np.stack(out)  # (T, B)


seq2seq = Seq2Seq()
opt = optim.Adam(seq2seq.parameters(), lr=0.01)
stream = np.random.default_rng(30)
for _ in range(300 * SCALE):
    source, target, decoder_in = reversal_batch(64, stream)
    loss = cross_entropy(seq2seq(source, decoder_in), target)
    opt.zero_grad()
    loss.backward()
    optim.clip_grad_norm_(seq2seq.parameters(), 1.0)
    opt.step()

source, target, _ = reversal_batch(1000, seed=999)
with no_grad():
    translated = seq2seq.translate(source)
per_position = (translated == target).mean(axis=1)
print(
    f"tokens right: {(translated == target).mean():.1%}; whole sequences right: "
    f"{(translated == target).all(axis=0).mean():.1%}"
)
for b in range(3):
    print(f"   {source[:, b]} -> {translated[:, b]}   (right answer {target[:, b]})")
print("accuracy by output position:", np.round(per_position, 3))

plt.figure(figsize=(6, 3))
plt.bar(range(1, SEQ + 1), per_position)
plt.xlabel("output position (1 = the LAST source symbol)")
plt.ylabel("accuracy")
plt.ylim(0, 1.05)
plt.title("the decoder must recall the oldest input last")
pictures.show(plt.gcf(), "recall-order", "The decoder must recall the oldest input last.")

# %% [markdown]
# The toy works, and its weak spot is visible: all the encoder passes on is **one**
# hidden vector, and the symbols the encoder read first (the decoder's last outputs) are
# the hardest to recall from it. That bottleneck is what **attention** (Bahdanau et al.,
# 2015) removed: at every output step, the decoder looks back at *all* the encoder's
# hidden states and takes a weighted mix of them.
#
# What real translation would need, honestly: a vocabulary of tens of thousands of words
# or subword pieces on both sides; millions of aligned sentence pairs; sequences of
# different lengths with an end-of-sentence token so that the decoder decides when to
# stop; attention; beam search instead of greedy decoding; and hours to days of training
# on accelerators. None of it is different in kind from the toy above, but every part is
# larger.
#
# ## Moving weights to PyTorch
#
# The library names and shapes its parameters as PyTorch does (`weight_ih_l0` of shape
# $(3H, I)$ for a GRU, gates in the order r, z, n, two bias vectors), so `state_dict()`
# moves between the two. Here the trained signal classifier goes to PyTorch, gives the
# same predictions there, and comes back. Without PyTorch installed the cell shows what
# would be moved: plain numpy arrays with their names and shapes.

# %%
weights = classifier.state_dict()  # {name: numpy array}
for name, array in weights.items():
    print(f"  {name:<20} {str(array.shape):<10} {array.dtype}")

try:
    import torch
except ImportError:
    torch = None
    print("PyTorch is not installed: the arrays above are what would be loaded into it.")

if torch is not None:

    class TorchClassifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = torch.nn.GRU(1, 32)
            self.head = torch.nn.Linear(32, 4)

        def forward(self, x):
            _, h = self.rnn(x)
            return self.head(h[-1])

    twin = TorchClassifier()
    twin.load_state_dict({name: torch.from_numpy(array) for name, array in weights.items()})
    with torch.no_grad():
        torch_logits = twin(torch.from_numpy(test_x)).numpy()
    with no_grad():
        our_logits = classifier(Tensor(test_x)).data
    print(f"largest difference in the logits: {np.abs(torch_logits - our_logits).max():.2e}")
    agree = (torch_logits.argmax(axis=1) == our_logits.argmax(axis=1)).mean()
    print(f"same predicted class on {agree:.1%} of the 1000 test signals")

    back = SignalClassifier(rng=99)  # different random weights ...
    back.load_state_dict(twin.state_dict())  # ... replaced by the ones from PyTorch
    same = all(np.array_equal(back.state_dict()[k], weights[k]) for k in weights)
    print("round trip ours -> PyTorch -> ours gives identical arrays:", same)

# %% [markdown]
# With PyTorch installed, the logits differ only by float32 rounding (the two libraries
# add in different orders) and the predicted classes agree. To keep weights between
# sessions without PyTorch, `checkpoint.save` writes the same dictionary to a `.npz` file
# (plain arrays, no pickle) and `checkpoint.load` puts it back:

# %%
path = checkpoint.save(classifier, os.path.join(OUT, "signal_classifier.npz"))
restored = checkpoint.load(SignalClassifier(rng=5), path)
with no_grad():
    again = restored(Tensor(test_x)).data.argmax(axis=1)
print(
    f"saved to {path}; the restored model predicts the same classes: {bool((again == predicted).all())}"
)

# %% [markdown]
# ## Where to go next
#
# The encoder-decoder's bottleneck led to attention, and attention led further than
# anyone expected. The **transformer** (Vaswani et al., 2017) dropped the recurrence
# altogether: every position of a sequence looks at every other position through
# attention, all positions are computed in parallel instead of one step after another,
# and the order is supplied by position encodings. Parallel training on very large text
# collections is what made today's **large language models** possible: GPT and its
# successors are transformer decoders trained, exactly like lesson 11's LSTM, to predict
# the next token, with subword tokens instead of characters and billions of parameters
# instead of a hundred thousand. Recurrence has not disappeared: its constant cost per
# step and fixed-size state are attractive for long streams, and recent state-space and
# linear-recurrent models revisit them. Everything you built here, a computation graph,
# backpropagation, careful initialisation, gradient clipping, gates that let gradients
# flow, cross-entropy and sampling with temperature, carries straight over.
#
# Lesson 13 takes that first step with code: it gives the toy translator above a
# bidirectional encoder and attention, measures the bottleneck against the length of
# the input, decodes with beam search, and ends with one self-attention layer, the core
# of a transformer, trained on the same task.

# %%
print(f"lesson ran in {time.perf_counter() - lesson_start:.1f} s")

# %% [markdown]
# ## Check yourself
#
# Open `lessons/12_applications_exercises.py`, replace each `raise NotImplementedError`,
# then run `tinygrad-rnn grade 12` (or `tinygrad-rnn grade 12.3` for one exercise).
#
# | id | you write | this lesson's section |
# |---|---|---|
# | 12.1 | `sliding_windows(series, window, horizon)`: forecasting pairs | Multi-step forecasting |
# | 12.2 | `accuracy` and `confusion_matrix(y_true, y_pred, n_classes)` | Sequence classification |
# | 12.3 | `rollout(step, x, state, n)`: feed predictions back in | Multi-step forecasting |
#
# Questions for yourself:
#
# - Which two signal classes does the classifier confuse most, and why those two?
# - Why can the one-step forecaster be trained on every step of its window, and the
#   direct one only on the 20 values after it?
# - How would you let the reversal model handle sequences of different lengths?
# - What changes in the PyTorch round trip if the layer has `num_layers=2`?
