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
# # Lesson 13: From the encoder-decoder to attention
#
# Lesson 12 ended with a toy translator: an encoder GRU reads a sequence, hands its final
# hidden state to a decoder GRU, and the decoder writes the sequence reversed. Everything
# the decoder knows about the input has to pass through that **one** vector. This lesson
# measures what that costs as the input grows, then removes the bottleneck the way the
# field did, step by step:
#
# 1. a **bidirectional** encoder, which keeps one state per input position, each knowing
#    about both sides of it;
# 2. **additive attention** (Bahdanau et al., 2015): at every output step the decoder
#    scores every encoder state, turns the scores into weights with a softmax and reads
#    their weighted mix;
# 3. **teacher forcing** against feeding back the model's own outputs, and what goes wrong
#    in between (exposure bias);
# 4. **greedy decoding against beam search**, with the code;
# 5. **self-attention**: queries, keys and values from one sequence, the step to the
#    transformers of lesson 0.
#
# The task is the same in every part, so the models can be compared: **reverse a string of
# digits**, `3 1 4 1 5` $\to$ `5 1 4 1 3`, for strings of 2 to 12 digits. The first output
# digit is the *last* input digit and the last output digit is the *first*: every output
# needs a different part of the input, and the whole input is needed.

# %%
import os

# This course multiplies small matrices, where a second BLAS thread gains nothing and, on a
# machine whose cores are busy, made this lesson ten times slower. (`tinygrad-rnn run`
# does the same.) It must happen before numpy is first imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import time  # noqa: E402

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from tinygrad_rnn import nn, optim, pictures  # noqa: E402
from tinygrad_rnn.nn.functional import cross_entropy, log_softmax  # noqa: E402
from tinygrad_rnn.tensor import Tensor, concat, no_grad  # noqa: E402

lesson_start = time.perf_counter()
FULL = os.environ.get("LESSON_FULL") == "1"  # LESSON_FULL=1 trains every model longer
SCALE = 4 if FULL else 1

PAD, BOS = 0, 1  # token 0 fills unused positions, token 1 starts the decoder
VOCAB = 12  # PAD, BOS and the ten digits (digit d is token d + 2)
MIN_LEN, MAX_LEN = 2, 12
LENGTHS = np.arange(MIN_LEN, MAX_LEN + 1)


def make_batch(n: int, seed, length: int | None = None):
    """`n` digit strings and their reversals, time first.

    Returns `source` (MAX_LEN, n), right-aligned (PAD in front: the encoder reads padding
    first, then the digits, so its last step is the last digit); `target` (MAX_LEN, n),
    the reversed digits from the top (PAD after them); `decoder_in`, the target shifted
    down by one behind BOS (what the decoder reads under teacher forcing); the lengths.
    """
    rng = np.random.default_rng(seed)
    lengths = np.full(n, length) if length else rng.integers(MIN_LEN, MAX_LEN + 1, n)
    source = np.full((MAX_LEN, n), PAD, dtype=np.int64)
    target = np.full((MAX_LEN, n), PAD, dtype=np.int64)
    for b, k in enumerate(lengths):
        digits = rng.integers(2, VOCAB, k)
        source[MAX_LEN - k :, b] = digits
        target[:k, b] = digits[::-1]
    decoder_in = np.concatenate([np.full((1, n), BOS), target[:-1]])
    return source, target, decoder_in, lengths


def text(tokens) -> str:
    """Tokens as digits, padding dropped: [0, 0, 5, 3] -> '3 1'."""
    return " ".join(str(t - 2) for t in tokens if t >= 2)


source, target, decoder_in, lengths = make_batch(3, seed=0)
for b in range(3):
    print(f"source {text(source[:, b]):<24} -> target {text(target[:, b])}")
print("the arrays the models read, one column per string (0 = PAD, 1 = BOS, digit + 2):")
print(np.concatenate([source, target, decoder_in], axis=1)[:, [0, 3, 6]].T)

# %% [markdown]
# Strings of different lengths share one array: the source is padded in front, the
# target at the end. The loss ignores padded target positions, and every model is told
# the length of its output (it writes as many digits as it read), so that accuracy
# measures reversal and nothing else.
#
# ## The bottleneck: one state for the whole input
#
# The encoder-decoder of lesson 12, with 64 hidden units, trained on strings of every
# length from 2 to 12 at once.


# %%
def masked_loss(logits: Tensor, target: np.ndarray) -> Tensor:
    """Mean cross-entropy over the real (non-PAD) target positions."""
    real = (target != PAD).astype(np.float32)
    losses = cross_entropy(logits, target, reduction="none")  # (T, B)
    return (losses * Tensor(real)).sum() / float(real.sum())


class Seq2Seq(nn.Module):
    """Encoder GRU -> its final state -> decoder GRU, as in lesson 12."""

    def __init__(self, hidden_size: int = 64, rng: int = 0) -> None:
        super().__init__()
        gen = np.random.default_rng(rng)
        self.embed = nn.Embedding(VOCAB, 16, rng=gen)
        self.encoder = nn.GRU(16, hidden_size, rng=gen)
        self.decoder = nn.GRU(16, hidden_size, rng=gen)
        self.head = nn.Linear(hidden_size, VOCAB, rng=gen)

    def forward(self, source, decoder_in) -> Tensor:
        """Teacher forcing: the decoder reads the true previous digits. (T, B, V) logits."""
        _, summary = self.encoder(self.embed(source))  # everything it knows: (1, B, H)
        hs, _ = self.decoder(self.embed(decoder_in), summary)
        return self.head(hs)

    # decoding one step at a time, used by greedy and beam search below
    def start(self, source):
        return self.encoder(self.embed(source))[1].h  # (1, B, H)

    def step(self, tokens: np.ndarray, state):
        """Read one token per row (B,); return log-probabilities (B, V) and the new state."""
        hs, new = self.decoder(self.embed(tokens[None]), state)
        return log_softmax(self.head(hs[0]), axis=-1).data, new.h

    def reorder(self, state, rows: np.ndarray):
        return state[:, rows]  # pick (and copy) rows of the state, for beam search


def train(model: nn.Module, steps: int, seed: int = 1, lr: float = 0.01) -> list[float]:
    """Adam on fresh batches of 64 strings of random lengths; returns the losses."""
    opt = optim.Adam(model.parameters(), lr=lr)
    stream = np.random.default_rng(seed)
    losses = []
    for _ in range(steps):
        source, target, decoder_in, _ = make_batch(64, stream)
        loss = masked_loss(model(source, decoder_in), target)
        opt.zero_grad()
        loss.backward()
        optim.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    return losses


def greedy(model: nn.Module, source: np.ndarray) -> np.ndarray:
    """Free running: each step reads the model's own previous output. (T, B) tokens."""
    state = model.start(source)
    tokens = np.full(source.shape[1], BOS)
    out = []
    for _ in range(MAX_LEN):
        log_p, state = model.step(tokens, state)
        tokens = log_p.argmax(axis=1)  # the most likely token, fed back in
        out.append(tokens)
    return np.stack(out)


# one test set for every model: 200 new strings of each length
test = [make_batch(200, seed=1000 + k, length=k) for k in LENGTHS]
test_source = np.concatenate([t[0] for t in test], axis=1)
test_target = np.concatenate([t[1] for t in test], axis=1)
test_decoder_in = np.concatenate([t[2] for t in test], axis=1)
test_lengths = np.concatenate([t[3] for t in test])


def accuracy_by_length(predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Share of right digits, and of wholly right strings, at each length."""
    real = test_target != PAD
    right = (predicted == test_target) | ~real
    digits = [((predicted == test_target) & real)[:, test_lengths == k].sum() for k in LENGTHS]
    digits = np.array(digits) / (LENGTHS * 200)
    whole = np.array([right[:, test_lengths == k].all(axis=0).mean() for k in LENGTHS])
    return digits, whole


t0 = time.perf_counter()
plain = Seq2Seq()
plain_losses = train(plain, 500 * SCALE)
with no_grad():
    plain_digits, plain_whole = accuracy_by_length(greedy(plain, test_source))
print(f"trained in {time.perf_counter() - t0:.1f} s; last loss {plain_losses[-1]:.3f}")
print("length         " + " ".join(f"{k:>5}" for k in LENGTHS))
print("digits right   " + " ".join(f"{a:5.0%}" for a in plain_digits))
print("strings right  " + " ".join(f"{a:5.0%}" for a in plain_whole))

# %% [markdown]
# Short strings come out right; as the strings grow, first whole strings and then single
# digits go wrong. Sixty-four numbers can hold a dozen digits in principle (lesson 12's
# model held six), but the decoder must read them back in the opposite order they were
# written, and every extra digit crowds the same state. More hidden units and more
# training move the curve to the right (try `LESSON_FULL=1`), and every fixed size has a
# length where it bends down.
#
# ## A bidirectional encoder: one state per position
#
# Instead of throwing away all the encoder's states but the last, keep them all: output
# $j$ of the encoder describes the input around position $j$. A left-to-right GRU's state
# at $j$ has read only $x_1 \dots x_j$. A **bidirectional** layer runs a second GRU from
# the end to the start and concatenates the two states at every position:
#
# $$ \overrightarrow{h}_j = \mathrm{GRU}_\to(x_j, \overrightarrow{h}_{j-1}), \qquad
#    \overleftarrow{h}_j = \mathrm{GRU}_\leftarrow(x_j, \overleftarrow{h}_{j+1}), \qquad
#    h_j = [\overrightarrow{h}_j ; \overleftarrow{h}_j] $$
#
# so $h_j$ has read the whole string, from position $j$'s point of view. In the library it
# is one flag, `nn.GRU(..., bidirectional=True)`, as in PyTorch: outputs $(T, B, 2H)$,
# the forward half first, and a second set of weights named `weight_ih_l0_reverse` and so
# on. What each half sees can be measured: change one input and look at which outputs
# move.

# %%
probe = nn.GRU(1, 3, bidirectional=True, rng=0)
x = np.random.default_rng(0).normal(size=(8, 1, 1)).astype(np.float32)
changed = x.copy()
changed[4] += 1.0  # change input 5 of 8
with no_grad():
    out, final = probe(Tensor(x))
    moved = np.abs(probe(Tensor(changed))[0].data - out.data)[:, 0]  # (T, 2H)
print("output shape", out.shape, "; final state", final.h.shape, "(direction, B, H)")
print("position              " + " ".join(f"{t:>2}" for t in range(1, 9)))
for name, half in (("forward half moved", moved[:, :3]), ("reverse half moved", moved[:, 3:])):
    print(f"{name:<22}" + " ".join(" x" if m > 0 else " ." for m in half.max(axis=1)))
print(sorted(probe.state_dict()))

# %% [markdown]
# The forward half changes from position 5 on, the reverse half up to position 5: each
# position's concatenated state has seen the change. Exercise 13.4 builds a bidirectional
# layer out of two ordinary ones: run one on the sequence, the other on the sequence
# reversed, and reverse the second one's outputs back before concatenating (forgetting
# that last step is the classic bug: output $j$ would then pair position $j$ with
# position $T + 1 - j$).
#
# ## Additive attention
#
# The decoder now has a state $s_i$ at output step $i$ and the encoder's states $h_1
# \dots h_S$. Attention asks, at every output step, *which input positions matter now*:
#
# $$ e_{ij} = w^\top \tanh(W_q s_i + W_k h_j), \qquad
#    a_{ij} = \frac{\exp e_{ij}}{\sum_{j'} \exp e_{ij'}}, \qquad
#    c_i = \sum_j a_{ij} h_j $$
#
# The **scores** $e_{ij}$ come from a small network with one hidden layer (hence
# *additive*: $W_q s_i$ and $W_k h_j$ are added before the $\tanh$); the **weights**
# $a_{ij}$ are a softmax over the input positions $j$, positive and summing to one; the
# **context** $c_i$ is their weighted mix of encoder states. Padded positions get the
# score $-10^{30}$ before the softmax, so their weight is exactly zero (exercise 13.2;
# masking *after* the softmax leaves weights that no longer sum to one). Here is one step
# by hand, checked against the library's `nn.AdditiveAttention`:

# %%
attention = nn.AdditiveAttention(query_size=4, key_size=6, hidden_size=5, rng=0)
rng = np.random.default_rng(1)
s = rng.normal(size=(1, 4)).astype(np.float32)  # one decoder state, (B, Dq)
h = rng.normal(size=(1, 7, 6)).astype(np.float32)  # seven encoder states, (B, S, Dk)
valid = np.array([[False, False, True, True, True, True, True]])  # two PAD positions

W_q, W_k, w = attention.w_query.data, attention.w_key.data, attention.w_score.data
scores = np.tanh(s @ W_q.T + h[0] @ W_k.T) @ w  # (S,): one score per input position
scores = np.where(valid[0], scores, -1e30)  # mask BEFORE the softmax
weights = np.exp(scores - scores.max())
weights /= weights.sum()
context = weights @ h[0]  # (Dk,)
lib_context, lib_weights = attention(s, h, mask=valid)
print("scores ", np.round(np.where(valid[0], scores, np.nan), 3))
print("weights", np.round(weights, 3), " sum", round(float(weights.sum()), 6))
print("context", np.round(context, 3))
print(
    "library agrees:",
    np.allclose(lib_weights.data[0], weights, atol=1e-6),
    np.allclose(lib_context.data[0], context, atol=1e-6),
)

# %% [markdown]
# The model: a bidirectional GRU encoder (32 units each way, so $h_j$ has 64 numbers), a
# decoder GRU whose first state is made from both directions' final states, and additive
# attention from every decoder state over the encoder states. The output layer reads the
# decoder state and its context side by side. (Bahdanau's decoder fed the context into
# its next step; computing it *after* the step, as Luong et al., 2015 did, lets all output
# steps run as one batch during training. The scoring is the same.)


# %%
class AttentionSeq2Seq(nn.Module):
    def __init__(self, hidden_size: int = 32, rng: int = 0) -> None:
        super().__init__()
        gen = np.random.default_rng(rng)
        both = 2 * hidden_size
        self.embed = nn.Embedding(VOCAB, 16, rng=gen)
        self.encoder = nn.GRU(16, hidden_size, bidirectional=True, rng=gen)
        self.bridge = nn.Linear(both, both, rng=gen)  # final states -> decoder's first state
        self.decoder = nn.GRU(16, both, rng=gen)
        self.attention = nn.AdditiveAttention(both, both, 32, rng=gen)
        self.head = nn.Linear(2 * both, VOCAB, rng=gen)

    def encode(self, source):
        states, final = self.encoder(self.embed(source))  # (S, B, 2H), (2, B, H)
        first = self.bridge(concat([final.h[0], final.h[1]], axis=1)).tanh()  # (B, 2H)
        keys = states.transpose(0, 1)  # (B, S, 2H): batch first for attention
        return keys, (source != PAD).T, first.reshape(1, *first.shape)

    def forward(self, source, decoder_in) -> Tensor:
        keys, valid, first = self.encode(source)
        hs, _ = self.decoder(self.embed(decoder_in), first)  # (T, B, 2H)
        queries = hs.transpose(0, 1)  # (B, T, 2H): every output step at once
        context, self.last_weights = self.attention(queries, keys, mask=valid)
        return self.head(concat([queries, context], axis=2)).transpose(0, 1)  # (T, B, V)

    def start(self, source):
        keys, valid, first = self.encode(source)
        return first, keys, valid

    def step(self, tokens: np.ndarray, state):
        h, keys, valid = state
        hs, new = self.decoder(self.embed(tokens[None]), h)
        context, _ = self.attention(hs[0], keys, mask=valid)  # (B, 2H)
        logits = self.head(concat([hs[0], context], axis=1))
        return log_softmax(logits, axis=-1).data, (new.h, keys, valid)

    def reorder(self, state, rows: np.ndarray):
        h, keys, valid = state
        return h[:, rows], keys[rows], valid[rows]


t0 = time.perf_counter()
attentive = AttentionSeq2Seq()
attentive_losses = train(attentive, 600 * SCALE)
with no_grad():
    attentive_digits, attentive_whole = accuracy_by_length(greedy(attentive, test_source))
print(f"trained in {time.perf_counter() - t0:.1f} s; last loss {attentive_losses[-1]:.3f}")
print("length                " + " ".join(f"{k:>5}" for k in LENGTHS))
print("digits, no attention  " + " ".join(f"{a:5.0%}" for a in plain_digits))
print("digits, attention     " + " ".join(f"{a:5.0%}" for a in attentive_digits))

fig, ax = plt.subplots(figsize=(7, 3.6))
ax.plot(LENGTHS, plain_digits, "o-", label="no attention: digits right")
ax.plot(LENGTHS, plain_whole, "o--", label="no attention: whole strings right")
ax.plot(LENGTHS, attentive_digits, "s-", label="attention: digits right")
ax.plot(LENGTHS, attentive_whole, "s--", label="attention: whole strings right")
ax.set_xlabel("length of the digit string")
ax.set_ylabel("accuracy (200 new strings per length)")
ax.set_ylim(0, 1.03)
ax.legend(fontsize=8, loc="lower left")
ax.set_title("reversing digit strings, decoding greedily")
pictures.show(
    fig,
    "accuracy-by-length",
    "Accuracy against the length of the string, with and without attention.",
)

# %% [markdown]
# With attention the long strings come out nearly as well as the short ones, from an
# encoder that holds 32 numbers per direction instead of 64: nothing has to squeeze
# through one state any more. The weights show *how*: for one string, draw
# $a_{ij}$ for every output step $i$ (rows) and input position $j$ (columns).

# %%
one_source, one_target, one_decoder_in, _ = make_batch(1, seed=7, length=MAX_LEN)
with no_grad():
    attentive(one_source, one_decoder_in)
weights = attentive.last_weights.data[0]  # (T, S)

fig, ax = plt.subplots(figsize=(5.2, 4.6))
ax.imshow(weights, cmap="Blues", vmin=0, vmax=1)
ax.set_xticks(range(MAX_LEN), text(one_source[:, 0]).split())
ax.set_yticks(range(MAX_LEN), text(one_target[:, 0]).split())
ax.set_xlabel("input digit (position 1 to 12)")
ax.set_ylabel("output digit (step 1 to 12)")
ax.set_title("attention weights: each output reads one input")
pictures.show(
    fig,
    "attention-heatmap",
    "Attention weights of one 12-digit string: output step 1 reads the last input digit.",
)
print("largest weight of each output step at input position:", weights.argmax(axis=1) + 1)

# %% [markdown]
# The bright cells run along the anti-diagonal: output step 1 reads input position 12,
# step 2 reads position 11, and so on, which is exactly what reversal needs; only the
# last two steps, which read the first two digits, spread their weight over both. Nobody
# told the model where to look; the alignment was learned from the loss alone. In
# translation the same picture shows which source words each target word came from,
# mostly diagonal with jumps where the two languages order words differently.
#
# ## Teacher forcing and exposure bias
#
# Both models were trained with **teacher forcing**: at step $i$ the decoder read the
# *true* digit $y_{i-1}$, whatever it had predicted. At test time there is no truth to
# read, so it reads its own previous output. Those inputs differ as soon as it makes a
# mistake, and it never saw its own mistakes during training: **exposure bias**. The gap
# is measurable: score the same model on the same strings both ways.

# %%
with no_grad():
    forced = plain(test_source, test_decoder_in).data.argmax(axis=2)  # reads the truth
    own = greedy(plain, test_source)  # reads itself
real = test_target != PAD
longest = test_lengths == MAX_LEN
forced_by_step = ((forced == test_target) & real)[:, longest].mean(axis=1)
own_by_step = ((own == test_target) & real)[:, longest].mean(axis=1)
print("output step         " + " ".join(f"{i:>4}" for i in range(1, MAX_LEN + 1)))
print("reading the truth   " + " ".join(f"{a:4.0%}" for a in forced_by_step))
print("reading itself      " + " ".join(f"{a:4.0%}" for a in own_by_step))
for b in np.flatnonzero(longest & (own != forced).any(axis=0))[:3]:
    print(f"  target {text(test_target[:, b])}")
    print(f"  forced {text(forced[:, b])}   own {text(own[:, b])}")

fig, ax = plt.subplots(figsize=(6.5, 3.2))
ax.plot(range(1, MAX_LEN + 1), forced_by_step, "o-", label="teacher forcing (reads the truth)")
ax.plot(range(1, MAX_LEN + 1), own_by_step, "s-", label="free running (reads its own outputs)")
ax.set_xlabel("output step (strings of 12 digits, no attention)")
ax.set_ylabel("digits right")
ax.set_ylim(0, 1.03)
ax.legend(fontsize=8)
ax.set_title("exposure bias: one mistake changes the next input")
pictures.show(
    fig,
    "exposure-bias",
    "Digits right at each output step, reading the true previous digit or its own.",
)

# %% [markdown]
# The first step is the same both ways (both read BOS). After it, reading the truth the
# model gets more digits right at every step than reading itself, and the gap widens
# along the string: a wrong digit becomes the next input, the decoder's state goes
# somewhere it never went in training, and later digits suffer too. The examples show
# it: under teacher forcing each mistake costs only its own digit; free running, the
# digits after a mistake tend to go wrong as well.
# Remedies exist (scheduled sampling mixes the model's own outputs into training;
# sequence-level training scores whole outputs), but the cheapest is a model that makes
# fewer mistakes in the first place: the attention model reads the input afresh at every
# step, so a wrong previous digit matters much less.
#
# ## Decoding: greedy against beam search
#
# Greedy decoding takes the most likely digit at each step. The most likely *string* can
# start with a digit that is not the most likely first digit, so greedy decoding can miss
# it. **Beam search** keeps the $K$ best partial strings (the *beam*) instead of one. At
# each step it extends every one of them by every token, scores each extension by the
# **sum of log-probabilities** so far, $\log P(y_1 \dots y_i) = \sum_{t \le i} \log
# P(y_t \mid y_{<t}, x)$, and keeps the best $K$ of all $K \cdot V$ extensions. (Sum logs:
# summing the probabilities themselves does not give the probability of the string.)
# Width 1 is greedy decoding.


# %%
def beam_search(model: nn.Module, source: np.ndarray, width: int):
    """The best string of MAX_LEN tokens found with `width` beams, for every source at once.

    Returns `(tokens, score)`: (T, B) tokens of the best beam and its log-probability (B,).
    Row b * width + k of the decoder state is beam k of source b.
    """
    batch = source.shape[1]
    state = model.reorder(model.start(source), np.repeat(np.arange(batch), width))
    scores = np.full((batch, width), -np.inf)
    scores[:, 0] = 0.0  # at the start only one beam exists (the others would be copies)
    history = np.zeros((0, batch, width), dtype=np.int64)  # (steps so far, B, K)
    tokens = np.full(batch * width, BOS)
    for _ in range(MAX_LEN):
        log_p, state = model.step(tokens, state)  # (B*K, V)
        total = scores[:, :, None] + log_p.reshape(batch, width, VOCAB)  # (B, K, V)
        flat = total.reshape(batch, width * VOCAB)
        best = np.argsort(-flat, axis=1, kind="stable")[:, :width]  # best K, best first
        parent, token = best // VOCAB, best % VOCAB  # which beam it extends, with what
        scores = np.take_along_axis(flat, best, axis=1)
        history = np.take_along_axis(history, parent[None], axis=2)  # the parents' pasts
        history = np.concatenate([history, token[None]])
        state = model.reorder(state, (np.arange(batch)[:, None] * width + parent).ravel())
        tokens = token.ravel()
    return history[:, :, 0], scores[:, 0]


def decoding_table(model: nn.Module, widths=(1, 2, 4, 8)):
    """Mean log-probability of the string found, and its accuracy, for each beam width."""
    rows = []
    for width in widths:
        with no_grad():
            tokens, score = beam_search(model, test_source, width)
        digits, whole = accuracy_by_length(tokens)
        rows.append((width, score.mean(), digits.mean(), whole.mean(), whole[-1]))
    return rows


with no_grad():
    same = np.array_equal(beam_search(plain, test_source, 1)[0], greedy(plain, test_source))
print("beam width 1 gives exactly the greedy strings:", same)
tables = {"no attention": decoding_table(plain), "attention": decoding_table(attentive)}
print(f"{'model':<14}{'width':>6}{'mean log P':>12}{'digits':>8}{'strings':>9}{'len 12':>8}")
for name, rows in tables.items():
    for width, score, digits, whole, whole_12 in rows:
        print(f"{name:<14}{width:>6}{score:>12.3f}{digits:>8.1%}{whole:>9.1%}{whole_12:>8.1%}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7.5, 3.2), layout="constrained")
for name, rows in tables.items():
    widths = [r[0] for r in rows]
    ax1.plot(widths, [r[1] for r in rows], "o-", label=name)
    ax2.plot(widths, [r[3] for r in rows], "o-", label=name)
for ax, label in ((ax1, "mean log P of the string found"), (ax2, "whole strings right")):
    ax.set_xscale("log", base=2)
    ax.set_xticks([1, 2, 4, 8], ["1 (greedy)", "2", "4", "8"])
    ax.set_xlabel("beam width")
    ax.set_ylabel(label)
    ax.legend(fontsize=8)
ax1.set_title("wider beams: more likely strings")
ax2.set_title("... but not always more right ones")
pictures.show(
    fig,
    "greedy-vs-beam",
    "Greedy decoding against beam search: likelihood of the string found, and accuracy.",
)

# %% [markdown]
# Wider beams find strings that are more likely *under the model* (the first column).
# That holds on average, not for every string: greedy's own string can drop out of the
# beam halfway when $K$ others look better. Whether more likely also means more often
# right depends on the model. For the model without attention it does not: its
# probabilities for long strings are wrong, and the more likely strings a wider beam
# finds are no more often right (here slightly less often). A beam searches the model's
# beliefs more thoroughly; it cannot correct them. For the attention model, which is
# unsure only at a few steps of the longest strings, a beam of 2 rescues some of those
# strings (the last column), and wider beams add almost nothing, because nearly all of
# its probability sits on one or two strings. Real systems also need an end-of-sequence
# token: beams then end at different lengths, and log-probabilities must be normalised
# by length, or short outputs win.
# Exercise 13.3 writes beam search for a small given model; the grader compares it with
# an exhaustive search over every possible string.
#
# ## The step to self-attention
#
# Attention let the decoder look at any input position. **Self-attention** lets every
# position of *one* sequence look at every other, and drops the recurrence altogether.
# Each position $p$ holds a vector $x_p$ and makes three from it:
#
# $$ q_p = W_Q x_p, \quad k_p = W_K x_p, \quad v_p = W_V x_p, \qquad
#    \mathrm{out}_p = \sum_{p'} \mathrm{softmax}_{p'}\Big(\frac{q_p \cdot k_{p'}}{\sqrt d}
#    \Big)\, v_{p'} $$
#
# a **query** (what this position is looking for), a **key** (what it offers to others)
# and a **value** (what it hands over when chosen); the score is a scaled dot product
# (`nn.scaled_dot_product_attention`), cheaper than the additive one. Nothing in it knows
# about order: shuffle the positions and the outputs shuffle with them. So **positional
# information** has to be added to the inputs: here a learned vector per position,
# $x_p = E[\text{token}_p] + P[p]$.
#
# One layer, on the same task, written as a language model: the sequence is the padded
# source, then BOS and the reversed digits, and position $p$ predicts the token at $p + 1$
# from positions $\le p$ only (a **causal mask**; padding is masked too). Because the
# source is right-aligned, output step $i$ (predicted at position $12 + i$, counting from
# 1) must read position $13 - i$, whatever the length of the string: a fixed relation
# between positions that the position vectors can learn.


# %%
class SelfAttentionReverser(nn.Module):
    def __init__(self, dim: int = 32, rng: int = 0) -> None:
        super().__init__()
        gen = np.random.default_rng(rng)
        self.embed = nn.Embedding(VOCAB, dim, rng=gen)
        self.position = nn.Embedding(2 * MAX_LEN, dim, rng=gen)  # one vector per position
        self.query = nn.Linear(dim, dim, bias=False, rng=gen)
        self.key = nn.Linear(dim, dim, bias=False, rng=gen)
        self.value = nn.Linear(dim, dim, bias=False, rng=gen)
        self.head = nn.Linear(dim, VOCAB, rng=gen)

    def forward(self, source, decoder_in) -> Tensor:
        seq = np.concatenate([source, decoder_in]).T  # (B, N): source, BOS, y_1 ...
        n = seq.shape[1]
        x = self.embed(seq) + self.position(np.arange(n))  # (B, N, d)
        causal = np.tril(np.ones((n, n), dtype=bool))  # position p sees p' <= p
        mask = causal[None] & (seq != PAD)[:, None, :]  # ... and no padding
        out, self.last_weights = nn.scaled_dot_product_attention(
            self.query(x), self.key(x), self.value(x), mask=mask
        )
        return self.head(out[:, MAX_LEN:]).transpose(0, 1)  # (T, B, V): the target half

    def generate(self, source) -> np.ndarray:
        """Free running: append each greedy choice and run the layer again. (T, B)."""
        written = np.full((MAX_LEN, source.shape[1]), PAD)
        written[0] = BOS
        for i in range(MAX_LEN):
            tokens = self(source, written).data[i].argmax(axis=1)
            if i + 1 < MAX_LEN:
                written[i + 1] = tokens
            last = tokens
        return np.concatenate([written[1:], last[None]])


t0 = time.perf_counter()
self_attentive = SelfAttentionReverser()
self_losses = train(self_attentive, 150 * SCALE, lr=0.01)
with no_grad():
    self_digits, self_whole = accuracy_by_length(self_attentive.generate(test_source))
print(f"trained in {time.perf_counter() - t0:.1f} s; last loss {self_losses[-1]:.4f}")
print(
    f"parameters: no attention {plain.num_parameters():,}, attention "
    f"{attentive.num_parameters():,}, self-attention {self_attentive.num_parameters():,}"
)
print("length                " + " ".join(f"{k:>5}" for k in LENGTHS))
for name, acc in (
    ("no attention", plain_digits),
    ("attention", attentive_digits),
    ("self-attention", self_digits),
):
    print(f"digits, {name:<14}" + " ".join(f"{a:5.0%}" for a in acc))


def steps_to(losses: list[float], level: float = 0.05) -> str:
    smooth = np.convolve(losses, np.ones(10) / 10, mode="valid")
    below = np.flatnonzero(smooth < level)
    return str(below[0] + 10) if below.size else f"not within {len(losses)}"


for name, losses in (
    ("no attention", plain_losses),
    ("attention", attentive_losses),
    ("self-attention", self_losses),
):
    print(f"{name:<15} steps until the loss (mean of 10 steps) is below 0.05: {steps_to(losses)}")

with no_grad():
    self_attentive(one_source, one_decoder_in)
grid = self_attentive.last_weights.data[0][MAX_LEN:, :MAX_LEN]  # target rows, source columns

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7.5, 3.4), layout="constrained")
ax1.plot(plain_losses, lw=0.8, label="no attention")
ax1.plot(attentive_losses, lw=0.8, label="bidirectional + additive attention")
ax1.plot(self_losses, lw=0.8, label="one self-attention layer")
ax1.set_yscale("log")
ax1.set_xlabel("training step (64 strings each)")
ax1.set_ylabel("training loss")
ax1.legend(fontsize=8)
ax1.set_title("the same task, three models")
ax2.imshow(grid, cmap="Blues", vmin=0, vmax=1)
ax2.set_xticks(range(MAX_LEN), text(one_source[:, 0]).split())
ax2.set_yticks(range(MAX_LEN), text(one_target[:, 0]).split())
ax2.set_xlabel("source position")
ax2.set_ylabel("position predicting output digit")
ax2.set_title("self-attention weights on the source")
pictures.show(
    fig,
    "self-attention",
    "Training loss of the three models, and the self-attention weights on the source.",
)

# %% [markdown]
# One self-attention layer, with about an eighth of the parameters, learns the task in
# about a fifth of the steps the attention model needed and reverses every test string;
# each step is cheaper too: all positions are computed at once, with no loop over time, so the whole
# forward pass is a few matrix products. Its weights show the same
# anti-diagonal, found through the position vectors alone. On this task the comparison
# flatters it: reversal is *pure* lookup by position, which one attention layer can do
# and a recurrent network has to build out of memory. Tasks that need counting or
# carrying state along (the adding problem of lesson 9, parity) are easier for a
# recurrence, and a single attention layer cannot do them at all.
#
# ## From here to the transformers of lesson 0
#
# The layer above is the core of a transformer, and the real thing adds four ideas that
# are each small to write and matter a great deal in practice. **Multi-head attention**
# runs several attention layers side by side on smaller slices of $d$ (8 to 96 heads), so
# one position can look for several things at once (the previous word, the subject of
# the sentence, a matching bracket) and concatenates what they find. **Residual
# connections** add each layer's output to its input, $x \leftarrow x +
# \mathrm{Attention}(x)$, so that dozens of layers can be stacked and gradients still
# reach the bottom, for the same reason the LSTM's additive cell state let gradients
# cross many time steps in lesson 9. **Layer normalisation** rescales each position's
# vector to zero mean and unit variance before every sub-layer, which keeps those deep
# stacks trainable at high learning rates. And between attention layers sits a small
# **position-wise MLP**, where much of a model's learned knowledge is stored. Stack one
# block of these (attention, MLP, a residual and a normalisation around each) a few dozen
# times and the layer above becomes the architecture of GPT.
#
# What a real transformer adds beyond the architecture is **scale**, and nothing here
# pretends to it. The models of this lesson have a few thousand parameters and read
# strings of 12 digits; a large language model has billions of parameters, a context of
# thousands to millions of subword tokens (attention over $N$ positions costs $N^2$, which
# is why long contexts are hard), and is trained on trillions of tokens on thousands of
# accelerators for weeks, then tuned further to follow instructions. It is trained
# exactly like lesson 11's character model, to predict the next token, and it generates
# exactly like it, one token at a time, sampled or with beam search. The recurrent
# networks of this course are not gone either: their cost per step does not grow with
# the length of what came before, which is why recent state-space and linear-recurrent
# models bring a fixed-size state back for very long sequences.

# %%
print(f"lesson ran in {time.perf_counter() - lesson_start:.1f} s")

# %% [markdown]
# ## Check yourself
#
# Open `lessons/13_attention_exercises.py`, replace each `raise NotImplementedError`,
# then run `tinygrad-rnn grade 13` (or `tinygrad-rnn grade 13.3` for one exercise).
#
# | id | you write | this lesson's section |
# |---|---|---|
# | 13.1 | `additive_attention` and its gradient, in numpy | Additive attention |
# | 13.2 | `masked_softmax(scores, valid)`: padded positions get weight 0 | Additive attention |
# | 13.3 | `beam_search(step, state, n_steps, width)` | Decoding |
# | 13.4 | `bidirectional(forward, backward, x)` from two one-way layers | A bidirectional encoder |
#
# Questions for yourself:
#
# - Why does the model without attention get the *last* output digits wrong first?
# - The heatmap is an anti-diagonal. What would it look like for copying the string
#   instead of reversing it, and for sorting it?
# - Why does beam search not help the attention model here? Construct a model (two
#   steps, two tokens) where greedy decoding misses the most likely string.
# - Remove the position vectors from the self-attention model. What can it still learn?
