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
# # Lesson 10: The GRU
#
# The LSTM of lesson 9 keeps a long memory by giving the network a second state, the cell
# $c_t$, and three gates that decide what to write, keep and show. The **gated recurrent
# unit** (GRU, Cho et al., 2014) gets much of the same effect with less: one state $h_t$
# and two gates, an **update gate** $z$ and a **reset gate** $r$.
#
# Here is the target. A plain tanh RNN, an LSTM and a GRU, each with 32 hidden units, are
# trained on the same batches of the **adding problem** (lessons 8 and 9): 30 numbers go by, two
# of them are marked, and at the end the network must output the sum of the two marked
# numbers. Always answering 1 scores a mean squared error (MSE) of about 0.167; that is
# the line to beat.

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np

from tinygrad_rnn import graph, nn, pictures
from tinygrad_rnn.data import adding_problem
from tinygrad_rnn.tensor import Tensor
from tinygrad_rnn.train import train_adding

lesson_start = time.perf_counter()
FULL = os.environ.get("LESSON_FULL") == "1"  # LESSON_FULL=1 trains longer, on longer sequences
LENGTH = 50 if FULL else 30
STEPS = 2000 if FULL else 500
CELLS = ("rnn", "lstm", "gru")

races = {}
for kind in CELLS:
    races[kind] = train_adding(
        kind,
        length=LENGTH,
        hidden_size=32,
        steps=STEPS,
        batch_size=64,
        lr=1e-2,
        seed=0,
        eval_every=25,
        forget_bias=1.0 if kind == "lstm" else None,  # lesson 9's advice for LSTMs
    )

fig, ax = plt.subplots(figsize=(7.5, 3.6))
for kind in CELLS:
    steps_done, mses = zip(*races[kind].history, strict=True)
    ax.semilogy(steps_done, mses, label=f"{kind.upper()}  ({races[kind].seconds:.1f} s)")
ax.axhline(2 / 12, color="grey", ls="--", lw=1, label="always answer 1 (MSE 0.167)")
ax.set_xlabel("training step (one batch of 64 sequences)")
ax.set_ylabel("held-out MSE")
ax.set_title(f"the adding problem, T = {LENGTH}: same data, same optimiser, three cells")
ax.legend()
pictures.show(
    fig,
    "three-cells",
    "The adding problem: RNN, LSTM and GRU on the same data with the same optimiser.",
)

# %% [markdown]
# With this seed and budget, the GRU leaves the baseline first, the LSTM follows later
# (it sits longer on the plateau; in the short default run it gets off it only near the
# end, `LESSON_FULL=1` gives it more steps on longer sequences), and the plain RNN never
# leaves it: the gradient from
# the answer fades before it reaches the first marked number (lesson 8). This lesson opens
# the GRU to see why it works, draws its graph, and then compares the three cells on
# accuracy, size and speed in one table.
#
# ## The GRU's equations
#
# At each step the GRU computes two gates from the input and the previous state, both
# sigmoids (numbers between 0 and 1, one per hidden unit):
#
# $$ r = \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \qquad \text{reset gate} $$
#
# $$ z = \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \qquad \text{update gate} $$
#
# then a **candidate** state $n$, in which the reset gate decides how much of the old
# state may influence the new proposal,
#
# $$ n = \tanh\big(W_{in} x_t + b_{in} + r \odot (W_{hn} h_{t-1} + b_{hn})\big) $$
#
# and finally the update gate mixes old and new, unit by unit:
#
# $$ h_t = (1 - z) \odot n + z \odot h_{t-1} $$
#
# Two details trip people up, and this library follows PyTorch in both:
#
# - **Where the reset gate acts.** In Cho et al.'s paper, $r$ multiplies $h_{t-1}$
#   *before* the matrix product: $W_{hn}(r \odot h_{t-1})$. PyTorch (and cuDNN) apply it
#   *after* the product and its bias: $r \odot (W_{hn} h_{t-1} + b_{hn})$. That lets all
#   three recurrent products be done as one $(3H \times H)$ matrix product. The two
#   versions give different numbers, so weights move between libraries only if they agree.
# - **What $z$ means.** Here $z$ is the share of the **old** state that is kept, so
#   $z \approx 1$ means "remember" and $z \approx 0$ means "overwrite". Some texts write
#   $h_t = z \odot n + (1 - z) \odot h_{t-1}$ instead; it is the same model with $z$
#   renamed $1 - z$, but the weights are not interchangeable.
#
# The weights of the three parts are stacked in the order r, z, n: `weight_ih` is
# $(3H, I)$, `weight_hh` is $(3H, H)$ and each bias is $(3H,)$. Here is one step written out
# in numpy, checked against the library's `nn.GRUCell`:

# %%
cell = nn.GRUCell(input_size=3, hidden_size=4, rng=0, dtype=np.float64)
rng = np.random.default_rng(1)
x_t = rng.standard_normal((2, 3))  # (B, I)
h_prev = rng.uniform(-1, 1, (2, 4))  # (B, H)
W_ih, W_hh = cell.weight_ih.data, cell.weight_hh.data  # (3H, I), (3H, H)
b_ih, b_hh = cell.bias_ih.data, cell.bias_hh.data  # (3H,) each
H = 4


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


gi = x_t @ W_ih.T + b_ih  # (B, 3H): the input's part of r, z, n
gh = h_prev @ W_hh.T + b_hh  # (B, 3H): the old state's part
r = sigmoid(gi[:, :H] + gh[:, :H])
z = sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
n = np.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
h_t = (1 - z) * n + z * h_prev  # (B, H)

library = cell(Tensor(x_t, dtype=np.float64), nn.GRUState(Tensor(h_prev, dtype=np.float64)))
print("h_t by hand:\n", h_t.round(5))
print("largest difference from nn.GRUCell:", np.abs(h_t - library.h.data).max())

reset_first = (1 - z) * np.tanh(gi[:, 2 * H :] + (r * h_prev) @ W_hh[2 * H :].T + b_hh[2 * H :])
reset_first += z * h_prev
print("the paper's reset-before-product version differs by", np.abs(reset_first - h_t).max())

# %% [markdown]
# ## What the gates do: an experiment
#
# Take a GRU with one hidden unit and feed it 40 random inputs. Then force each gate
# towards 0 or 1 by giving it a large bias (the bias of a gate shifts its pre-activation,
# and a sigmoid of $\pm 8$ is within 0.0004 of 1 or 0) and watch $h_t$:
#
# - $z \approx 1$: the state is **kept**; the inputs barely move it.
# - $z \approx 0$: the state is **overwritten** every step by the candidate $n$.
# - $r \approx 0$ (with $z \approx 0$): the candidate ignores the old state altogether, so
#   $h_t$ depends only on $x_t$: a memoryless layer.

# %%
inputs = np.random.default_rng(2).standard_normal((40, 1, 1))  # (T, B=1, I=1)


def run_with_biases(z_bias: float, r_bias: float) -> np.ndarray:
    """h_t over the inputs, for a fixed 1-unit GRU whose gate biases are forced."""
    layer = nn.GRU(1, 1, rng=3, dtype=np.float64)
    w = layer.state_dict()
    w["weight_hh_l0"][:] = [[0.0], [0.0], [1.5]]  # strong recurrence into the candidate only
    w["weight_ih_l0"][:] = [[0.0], [0.0], [1.0]]  # the input drives only the candidate
    w["bias_ih_l0"][:] = [r_bias, z_bias, 0.0]  # r, z, n
    w["bias_hh_l0"][:] = 0.0
    layer.load_state_dict(w)
    h0 = Tensor(np.full((1, 1, 1), 0.9), dtype=np.float64)  # start from a remembered 0.9
    out, _ = layer(Tensor(inputs, dtype=np.float64), h0)
    return out.data[:, 0, 0]


settings = {
    "z ≈ 1 (keep)": (8.0, 0.0),
    "z ≈ 0, r ≈ 1 (overwrite, recurrent)": (-8.0, 8.0),
    "z ≈ 0, r ≈ 0 (overwrite, memoryless)": (-8.0, -8.0),
}
traces = {name: run_with_biases(*biases) for name, biases in settings.items()}
memoryless = np.tanh(inputs[:, 0, 0])  # what h_t would be with no memory at all

fig, ax = plt.subplots(figsize=(7.5, 3.4))
ax.plot(inputs[:, 0, 0], color="lightgrey", label="input x_t")
for name, trace in traces.items():
    ax.plot(trace, label=name)
ax.set_xlabel("time step")
ax.set_ylabel("h_t")
ax.set_title("the update gate keeps or overwrites; the reset gate cuts the old state out")
ax.legend(fontsize=8, loc="lower left")
pictures.show(
    fig,
    "gates",
    "The update gate keeps or overwrites; the reset gate cuts the old state out.",
)
keep = traces["z ≈ 1 (keep)"]
print(f"z ≈ 1: h_t stays at {keep[0]:.4f} .. {keep[-1]:.4f} after 40 steps (started at 0.9)")
gap = np.abs(traces["z ≈ 0, r ≈ 0 (overwrite, memoryless)"] - memoryless).max()
print(f"z ≈ 0, r ≈ 0: largest distance from tanh(x_t) alone: {gap:.1e}")

# %% [markdown]
# The update gate is the GRU's answer to the vanishing gradient. Where $z \approx 1$,
# $h_t \approx h_{t-1}$, so $\partial h_t / \partial h_{t-1} \approx 1$: the gradient
# passes back through that unit almost unchanged, much like the LSTM's cell state when its
# forget gate is open. A trained GRU learns *where* to hold ($z$ near 1, between the marked
# numbers) and where to write ($z$ near 0, at a marked number).
#
# The next cell measures that on the trained models: how strongly does the final answer
# depend on each input step, $\lVert \partial \hat y / \partial x_t \rVert$ averaged over
# 64 held-out sequences? The marked numbers can be anywhere, so a model that solved the
# task must stay sensitive to *every* step, the first ones included.

# %%
x_probe, _ = adding_problem(64, LENGTH, seed=99)  # (T, 64, 2)
sensitivity = {}
for kind in CELLS:
    model = races[kind].model
    x_in = Tensor(x_probe.astype(np.float32), requires_grad=True)
    model(x_in).sum().backward()  # the 64 answers are independent: one backward for all
    sensitivity[kind] = np.linalg.norm(x_in.grad, axis=2).mean(axis=1)  # (T,)

fig, ax = plt.subplots(figsize=(7.5, 3.2))
for kind in CELLS:
    ax.semilogy(np.arange(1, LENGTH + 1), sensitivity[kind], label=kind.upper())
ax.set_xlabel("input step t (the answer comes after the last step)")
ax.set_ylabel("mean ‖∂ŷ/∂x_t‖")
ax.set_title("how far back each trained model is listening")
ax.legend()
pictures.show(fig, "listening", "How far back each trained model is listening.")
for kind in CELLS:
    s = sensitivity[kind]
    print(f"{kind.upper():>4}: first step / last step sensitivity = {s[0] / s[-1]:.2e}")

# %% [markdown]
# The trained RNN's answer hardly depends on the early steps at all: it cannot solve a
# task whose marked numbers are there. The gated models that solved it keep listening
# all the way back.
#
# ## The GRU cell's graph
#
# Built with `fused=False`, a GRU layer records every operation of every step, and the
# gate outputs carry their names `r`, `z` and `n`. Here is one step of a GRU with two
# hidden units reading one number, with a loss on its output:

# %%
tiny = nn.GRU(input_size=1, hidden_size=2, fused=False, rng=0)
x_tiny = Tensor([[[0.5]]], requires_grad=True, label="x")  # (T=1, B=1, I=1)
h_start = Tensor(np.array([[[0.3, -0.2]]]), requires_grad=True, label="h_0")  # (1, B, H)
out_tiny, _ = tiny(x_tiny, h_start)
loss_tiny = out_tiny.square().sum()
loss_tiny.label = "loss"
loss_tiny.backward()
pictures.show(
    graph.draw(loss_tiny),
    "gru-graph",
    "One GRU step as a graph: the reset gate r, the update gate z and the new state h_1.",
)

# %% [markdown]
# Follow the three slices of each of the two matrix products (the `[ ]` marks on the
# arrows are `getitem` slices): the first two pairs are added and go through `sigmoid` to make `r` and `z`; in the third, the
# recurrent slice is first multiplied by `r` and then added to the input slice before the
# `tanh` that makes `n` (that is PyTorch's "reset after the product"). At the end,
# `(1 - z) * n + z * h_0` gives `h_1`. `h_0` reaches `h_1` by two roads: through the
# products and the gates, and directly through `z * h_0`, the road that keeps gradients
# alive.
#
# ## Counting parameters
#
# Each gate (and the candidate) has its own input weights, recurrent weights and two
# biases, so a layer with $G$ gate blocks has
#
# $$ G \cdot \big(H \cdot I + H \cdot H + 2H\big) $$
#
# parameters: $G = 1$ for the plain RNN, $G = 4$ for the LSTM (i, f, g, o), $G = 3$ for the
# GRU (r, z, n). For the same hidden size a GRU is three quarters of an LSTM.

# %%
layer_types = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}
for kind, layer_type in layer_types.items():
    layer = layer_type(2, 32, rng=0)
    gates = layer.weight_ih_l0.shape[0] // 32
    formula = gates * (32 * 2 + 32 * 32 + 2 * 32)
    print(
        f"{kind.upper():>4}(2, 32): G = {gates}, {layer.num_parameters():>5} parameters "
        f"(formula: {formula})"
    )

# %% [markdown]
# ## RNN vs LSTM vs GRU: one table
#
# Speed is measured on the fused layers (one numba kernel per layer, lesson 5), forward
# and backward for a batch of 64 sequences of 50 steps with 32 inputs and 128 hidden
# units, the best of five runs (the first call of each kind also loads or compiles its
# kernels, so it is run once before timing).


# %%
def time_forward_backward(layer_type: type, repeat: int = 5) -> float:
    """Best time of one fused forward + backward pass, in seconds."""
    layer = layer_type(32, 128, rng=0)
    x = Tensor(np.random.default_rng(0).standard_normal((50, 64, 32)).astype(np.float32))
    best = float("inf")
    for i in range(repeat + 1):
        start = time.perf_counter()
        out, _ = layer(x)
        out.sum().backward()
        if i:  # the first run warms up
            best = min(best, time.perf_counter() - start)
    return best


speed = {kind: time_forward_backward(layer_types[kind]) for kind in CELLS}


def first_step_below(history: list[tuple[int, float]], level: float) -> str:
    return next((str(step) for step, mse in history if mse < level), f"> {STEPS}")


print(
    f"{'cell':<5} {'gates':>5} {'states':>7} {'params (H=32)':>14} {'final MSE':>10} "
    f"{'steps to MSE<0.01':>18} {'fwd+bwd (ms)':>13}"
)
for kind in CELLS:
    result = races[kind]
    print(
        f"{kind.upper():<5} {layer_types[kind](2, 32).weight_ih_l0.shape[0] // 32:>5} "
        f"{'h, c' if kind == 'lstm' else 'h':>7} {result.model.num_parameters():>14} "
        f"{result.final_mse:>10.4f} {first_step_below(result.history, 0.01):>18} "
        f"{speed[kind] * 1e3:>13.1f}"
    )

# %% [markdown]
# Reading the table (your numbers will differ a little; the ranking is what to look at):
#
# | | RNN | LSTM | GRU |
# |---|---|---|---|
# | **state** | $h$ | $h$ and the cell $c$ | $h$ |
# | **gates** | none | input, forget, output (+ candidate $g$) | reset, update (+ candidate $n$) |
# | **how memory is kept** | only through $W_{hh}$ and tanh, which shrink gradients step after step | $c_t = f \odot c_{t-1} + i \odot g$: an additive path controlled by the forget gate | $h_t = z \odot h_{t-1} + (1-z) \odot n$: the same additive path, in $h$ itself |
# | **parameters** | $1\times$ | $4\times$ | $3\times$ |
# | **speed** | fastest (one matrix block per step) | slowest (four blocks) | in between (three) |
# | **long-range tasks** | fails beyond a few tens of steps | solves them | solves them, often with fewer steps |
#
# Neither gated cell wins everywhere. Empirical comparisons (e.g. Chung et al., 2014;
# Jozefowicz et al., 2015) found them close on most tasks, with the LSTM's forget-gate
# bias of 1 mattering more than the choice of cell. The GRU is smaller and a little faster
# for the same width; the LSTM's separate cell state gives it one more place to keep
# information apart from what it shows. In practice you try both.
#
# ## A GRU over a sequence
#
# A GRU layer is the step applied $T$ times with the state fed forward, the same loop as
# lesson 7's RNN. Exercise 10.3 asks for exactly that loop; here it is checked against the
# fused layer, which runs the whole loop in one kernel:

# %%
layer = nn.GRU(3, 4, rng=5, dtype=np.float64)
weights = {k: v for k, v in layer.state_dict().items()}
xs = np.random.default_rng(6).standard_normal((20, 2, 3))  # (T, B, I)
h = np.zeros((2, 4))
by_hand = []
for x_step in xs:
    gi = x_step @ weights["weight_ih_l0"].T + weights["bias_ih_l0"]
    gh = h @ weights["weight_hh_l0"].T + weights["bias_hh_l0"]
    r = sigmoid(gi[:, :4] + gh[:, :4])
    z = sigmoid(gi[:, 4:8] + gh[:, 4:8])
    n = np.tanh(gi[:, 8:] + r * gh[:, 8:])
    h = (1 - z) * n + z * h
    by_hand.append(h)
fused_out, _ = layer(Tensor(xs, dtype=np.float64))
print(
    "largest difference, numpy loop vs fused GRU:", np.abs(np.stack(by_hand) - fused_out.data).max()
)

# %%
print(f"lesson ran in {time.perf_counter() - lesson_start:.1f} s")

# %% [markdown]
# ## Check yourself
#
# Open `lessons/10_gru_exercises.py`, replace each `raise NotImplementedError`, then run
# `tinygrad-rnn grade 10` (or `tinygrad-rnn grade 10.1` for one exercise).
#
# | id | you write | this lesson's section |
# |---|---|---|
# | 10.1 | `gru_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh)`: one step, PyTorch's formula | The GRU's equations |
# | 10.2 | `recurrent_num_params(kind, input_size, hidden_size, num_layers, bias)` | Counting parameters |
# | 10.3 | `gru_forward(xs, h0, ...)`: every hidden state $h_1 \dots h_T$ | A GRU over a sequence |
# | 10.4 | `gru_bptt(xs, h0, ..., dhs)`: every gradient over the whole sequence | The GRU's equations; the GRU cell's graph |
#
# Questions for yourself:
#
# - In the gate experiment, what would $h_t$ do with $z \approx 1$ *and* $r \approx 0$?
#   Predict, then change the biases and run it.
# - Why does PyTorch's placement of the reset gate allow one $(3H \times H)$ matrix
#   product per step, and the paper's placement not?
# - An LSTM and a GRU with the same number of parameters: roughly what hidden sizes?
# - In the sensitivity plot, which model depends most on the last step, and why is that
#   not enough for the adding problem?
