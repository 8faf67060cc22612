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
# # Lesson 9: LSTM
#
# Lesson 8 ended with a verdict: a plain RNN's gradient fades (or blows up) as it travels
# back through time, and of the remedies the gated cells were the dependable one. This
# lesson takes apart the most famous of them, the **long short-term memory** cell (LSTM,
# Hochreiter and Schmidhuber 1997): its gates, its cell state, and the one design choice
# that lets a gradient survive a hundred steps. Then we stack LSTMs into layers and check
# that the fast fused implementation computes exactly what the readable one does.
#
# Here is the target: the adding problem of lesson 8 at length $T = 50$ (add the two
# marked numbers of a 50-step sequence; always answering 1 scores a mean squared error of
# about 0.167). A tanh RNN and an LSTM of the same width, trained the same way with the
# library's trainer (`tinygrad_rnn.train.train_adding`, the function behind
# `tinygrad-rnn train adding --cell lstm`): Adam, batches of 64, gradient clipping by norm
# at 1, and for the LSTM a forget-gate bias of 1 (explained below).

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np

from tinygrad_rnn import graph, init, nn, pictures
from tinygrad_rnn.data.sequences import adding_problem
from tinygrad_rnn.tensor import Tensor
from tinygrad_rnn.train import train_adding

lesson_start = time.perf_counter()
FULL = os.environ.get("LESSON_FULL") == "1"  # LESSON_FULL=1 for a longer training run

STEPS = 2000 if FULL else 700
trained = {}
plt.figure(figsize=(7, 3.6))
for cell in ["rnn", "lstm"]:
    result = train_adding(
        cell,
        length=50,
        hidden_size=32,
        steps=STEPS,
        batch_size=64,
        lr=0.02,
        eval_every=25,
        forget_bias=1.0 if cell == "lstm" else None,
    )
    trained[cell] = result.model
    steps, mse = zip(*result.history, strict=True)
    name = "tanh RNN" if cell == "rnn" else "LSTM"
    plt.plot(steps, mse, label=f"{name}: held-out MSE {result.final_mse:.4f}")
    print(
        f"{name:<8} final held-out MSE {result.final_mse:.4f} after {steps[-1]} steps "
        f"({result.seconds:.1f} s)"
    )
plt.axhline(1 / 6, color="gray", ls="--", label="always answer 1")
plt.yscale("log")
plt.xlabel("training step")
plt.ylabel("held-out mean squared error")
plt.title("adding problem, T = 50")
plt.legend()
pictures.show(
    plt.gcf(),
    "adding-problem",
    "The adding problem with T = 50: held-out error during training for each model.",
)

# %% [markdown]
# The tanh RNN never leaves the baseline: the first marked number lies 26 to 50 steps
# back, beyond the reach of its gradient. The LSTM sits at the baseline for a while,
# then finds the trick and drops to a small fraction of it. Let us see what it has that
# the RNN lacks.
#
# ## Gates and the cell state
#
# An LSTM carries two vectors from step to step: the **hidden state** $h_t$ (its output,
# as in an RNN) and the **cell state** $c_t$ (its memory). From the input $x_t$ and the
# previous hidden state it computes four vectors at once, in this order (PyTorch's, and
# this library's):
#
# $$
# \begin{aligned}
# i_t &= \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}) && \text{input gate: how much to write} \\
# f_t &= \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf}) && \text{forget gate: how much to keep} \\
# g_t &= \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg}) && \text{candidate: what to write} \\
# o_t &= \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho}) && \text{output gate: how much to show}
# \end{aligned}
# $$
#
# and then
#
# $$ c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t) . $$
#
# The gates are sigmoids, numbers between 0 and 1 that multiply elementwise ($\odot$):
# soft switches. The four weight matrices for the input are stacked into one
# `weight_ih` of shape $(4H, I)$, rows $[W_{ii}; W_{if}; W_{ig}; W_{io}]$, and likewise
# `weight_hh` $(4H, H)$ and the biases $(4H,)$, so one matrix product computes all four
# pre-activations, which are then cut into quarters. Here is the whole step in a few
# lines of Tensor code, checked against the library's `nn.LSTMCell`:


# %%
def my_lstm_step(x_t, h_prev, c_prev, W_ih, W_hh, b_ih, b_hh):
    """One LSTM step from Tensor ops; returns (h_t, c_t), each (B, H)."""
    H = h_prev.shape[1]
    gates = x_t @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh  # (B, 4H), order i, f, g, o
    i = gates[:, 0 * H : 1 * H].sigmoid()
    f = gates[:, 1 * H : 2 * H].sigmoid()
    g = gates[:, 2 * H : 3 * H].tanh()
    o = gates[:, 3 * H : 4 * H].sigmoid()
    c_t = f * c_prev + i * g  # (B, H)
    h_t = o * c_t.tanh()  # (B, H)
    return h_t, c_t


cell = nn.LSTMCell(3, 5, rng=0, dtype=np.float64)
rng = np.random.default_rng(1)
x_t, h_prev, c_prev = (
    Tensor(rng.standard_normal(s), dtype=np.float64) for s in [(4, 3), (4, 5), (4, 5)]
)
mine = my_lstm_step(x_t, h_prev, c_prev, cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)
library = cell(x_t, nn.LSTMState(h_prev, c_prev))
print(
    "weight_ih:",
    cell.weight_ih.shape,
    " weight_hh:",
    cell.weight_hh.shape,
    " bias_ih:",
    cell.bias_ih.shape,
)
print(
    "max |difference| h:",
    np.abs(mine[0].data - library.h.data).max(),
    " c:",
    np.abs(mine[1].data - library.c.data).max(),
)

# %% [markdown]
# Exercise 9.1 asks for the same step in numpy, and 9.2 for the loop over a sequence.
#
# ## The LSTM's graph, unrolled over two steps
#
# The unrolled layer (`fused=False`) builds exactly these operations at every step and
# files each step's nodes under a cluster `t=1`, `t=2`. One input, two units, one
# sequence, two steps; the loss is the sum of the last hidden state; the graph reads from
# top to bottom. Follow the cell state: from $c_1$ to $c_2$ there is one multiplication by
# $f$ and one addition, and that is the whole path. (At $t = 1$ the forget gate's gradient
# is 0: the sequence starts from $c_0 = 0$, so there was nothing to forget.)

# %%
tiny = nn.LSTM(1, 2, fused=False, rng=0, dtype=np.float64)
out, (h_n, c_n) = tiny(Tensor(np.array([[[0.5]], [[-1.0]]]), dtype=np.float64))
loss = out[-1].sum()
loss.label = "L"
loss.backward()
pictures.show(
    graph.draw(loss, rankdir="TB", title="an LSTM unrolled over 2 steps (I = 1, H = 2)"),
    "lstm-graph",
    "An LSTM unrolled over 2 steps: the gates i, f, g, o of each step and the states h_t, c_t.",
)

# %% [markdown]
# ## Why the cell state keeps the gradient alive
#
# In a tanh RNN, one step back multiplies the gradient by
# $J_t = \operatorname{diag}(1 - h_t^2)\, W_{hh}$: a squashing slope times a weight matrix,
# both usually shrinking it (lesson 8). In an LSTM, differentiate
# $c_t = f_t \odot c_{t-1} + i_t \odot g_t$ with respect to $c_{t-1}$:
#
# $$ \frac{\partial c_t}{\partial c_{t-1}} = \operatorname{diag}(f_t)
#    \; + \; \text{(terms through } h_{t-1} = o_{t-1} \odot \tanh(c_{t-1})
#    \text{ and the gates)} . $$
#
# The first term is the **direct path**, there because the new cell state is a *sum* that
# contains $c_{t-1}$ itself: no weight matrix, no squashing slope, only the forget gate.
# The other terms go through $h_{t-1}$ into the gates and look like the RNN's Jacobian;
# they may fade like the RNN's. The direct path fades only if the network lets it: it is
# multiplied per step by $f_t$, a number the network controls, and with $f_t$ near 1 the
# gradient passes almost unchanged (the "constant error carousel" of the original paper).
#
# Measure it. Both models of the target, before and after training, read the same batch of
# 50-step sequences; we backpropagate from their answer and record
# $\lVert \partial L/\partial c_t \rVert$ for the LSTM and $\lVert \partial L/\partial h_t
# \rVert$ for the RNN, with the forward pass unrolled step by step so that every state is
# a node of the graph.


# %%
def state_grads(model: nn.Module, x: np.ndarray):
    """‖∂L/∂c_t‖ (LSTM) or ‖∂L/∂h_t‖ (RNN) for every step, L = the model's answers summed."""
    layer = model.rnn
    weights = [Tensor(w.data, dtype=np.float64) for w in layer.layer_weights(0)]
    B, H = x.shape[1], layer.hidden_size
    h = Tensor(np.zeros((B, H)), requires_grad=True, dtype=np.float64)
    c = Tensor(np.zeros((B, H)), requires_grad=True, dtype=np.float64)
    memory = []
    for t in range(x.shape[0]):
        x_t = Tensor(x[t], dtype=np.float64)
        if isinstance(layer, nn.LSTM):
            h, c = nn.lstm_step(x_t, nn.LSTMState(h, c), *weights)
            memory.append(c)
        else:
            (h,) = nn.rnn_step(x_t, nn.RNNState(h), *weights)
            memory.append(h)
    head_w = Tensor(model.head.weight.data, dtype=np.float64)
    (h @ head_w.T).sum().backward()
    return np.array([np.linalg.norm(m.grad) for m in memory])


def forget_gates(layer: nn.LSTM, x: np.ndarray) -> np.ndarray:
    """Each unit's forget gate f_t, averaged over the steps and sequences of a batch: (H,)."""
    W_ih, W_hh, b_ih, b_hh = (w.data.astype(np.float64) for w in layer.layer_weights(0))
    H = layer.hidden_size
    h = c = np.zeros((x.shape[1], H))
    total = np.zeros(H)
    for x_t in x:
        a = x_t @ W_ih.T + b_ih + h @ W_hh.T + b_hh  # (B, 4H)
        i, f, o = (1 / (1 + np.exp(-a[:, k * H : (k + 1) * H])) for k in (0, 1, 3))
        c = f * c + i * np.tanh(a[:, 2 * H : 3 * H])
        h = o * np.tanh(c)
        total += f.mean(axis=0)
    return total / len(x)


x_batch, _ = adding_problem(64, 50, seed=5)
fresh = {
    "rnn": train_adding("rnn", length=50, steps=0, seed=0).model,
    "lstm": train_adding("lstm", length=50, steps=0, seed=0, forget_bias=1.0).model,
}
plt.figure(figsize=(7, 3.6))
for label, model, style in [
    ("tanh RNN, untrained: ‖∂L/∂h_t‖", fresh["rnn"], "C0:"),
    ("tanh RNN, trained: ‖∂L/∂h_t‖", trained["rnn"], "C0-"),
    ("LSTM, untrained: ‖∂L/∂c_t‖", fresh["lstm"], "C1:"),
    ("LSTM, trained: ‖∂L/∂c_t‖", trained["lstm"], "C1-"),
]:
    norms = state_grads(model, x_batch)
    plt.plot(np.arange(1, 51), norms / norms[-1], style, label=label)
    print(f"{label:<34} step 1 / step 50: {norms[0] / norms[-1]:.1e}")
for name, model in [("untrained", fresh["lstm"]), ("trained", trained["lstm"])]:
    f = forget_gates(model.rnn, x_batch)
    print(
        f"{name:>9} LSTM: forget gate {f.mean():.3f} on average; {np.sum(f > 0.95)} of "
        f"{len(f)} units keep f > 0.95 (the largest: {f.max():.4f})"
    )
plt.yscale("log")
plt.xlabel("time step t (the answer is read after step 50)")
plt.ylabel("gradient norm / its value at t = 50")
plt.title("how much gradient reaches each step's memory")
plt.legend(fontsize=8)
pictures.show(plt.gcf(), "cell-memory", "How much gradient reaches each step's memory.")

# %% [markdown]
# The tanh RNN passes back a gradient of about $10^{-13}$ of its size to the first step
# before training and even less after: training has not given it a memory. The LSTM
# starts with far more (its cell state is multiplied by the forget gate, about 0.73 per
# step here) and after training the gradient along its cell state reaches step 1 *at full
# size*. The per-unit forget gates show how: on average the gates are not especially open,
# but training has set one unit's gate to about 0.998, a unit that keeps what it stored
# ($0.998^{100} \approx 0.82$: most of it survives a hundred steps), while the other units
# are free to forget. The network has
# *learned* where to keep a long memory, which is exactly what the plain RNN cannot do.
#
# ## The forget-gate bias
#
# Look again at the untrained LSTM: with the forget gate near $\sigma(b_f)$, where $b_f$
# is its bias, a gradient along the cell state shrinks by roughly that factor per step.
# PyTorch's default initialisation puts every bias near 0, so $f \approx \sigma(0) = 0.5$:
# the memory halves at every step until training learns otherwise. Setting the forget gate's bias to 1
# (`init.lstm_forget_bias_`, Jozefowicz et al. 2015) starts it at $\sigma(1) \approx 0.73$;
# larger values start the memory longer still. The per-step factor of the untrained cell
# state follows the gate:

# %%
for bias in [0.0, 1.0, 3.0]:
    model = train_adding("lstm", length=50, steps=0, seed=0).model
    if bias:
        init.lstm_forget_bias_(model.rnn.bias_hh_l0, bias)
    norms = state_grads(model, x_batch)
    factor = (norms[0] / norms[-1]) ** (1 / 49)
    print(
        f"forget bias {bias:3.1f}: mean forget gate {forget_gates(model.rnn, x_batch).mean():.3f}, "
        f"‖∂L/∂c_t‖ changes by × {factor:.3f} per step"
    )

# %% [markdown]
# The per-step factor rises with the forget gate. It comes out a little above the
# *mean* gate, because the gradient's norm is dominated by the units whose gates are most
# open, and with the bias at 3 the cell state passes the gradient back undiminished from
# the very first training step. Exercise 9.4 sets this bias by hand.
#
# ## Stacking LSTMs
#
# A recurrent layer turns a sequence of inputs into a sequence of hidden states, so its
# output can be the input of another recurrent layer: `nn.LSTM(..., num_layers=2)` runs
# layer 0 over the inputs, then layer 1 over layer 0's hidden states. The output is the
# top layer's $h_t$ at every step; the final state holds one $(h, c)$ per layer. Each
# layer adds its own weights and its own nonlinear step between the input and the output.

# %%
stacked = nn.LSTM(input_size=2, hidden_size=16, num_layers=2, rng=0, dtype=np.float64)
x = Tensor(adding_problem(4, 10, seed=0)[0], dtype=np.float64)  # (T=10, B=4, I=2)
out, (h_n, c_n) = stacked(x)
print("output:", out.shape, "  h_n:", h_n.shape, "  c_n:", c_n.shape)
for name, p in stacked.named_parameters():
    print(f"  {name:<12} {p.shape}")
I, H = 2, 16
formula = (4 * H * I + 4 * H * H + 8 * H) + (4 * H * H + 4 * H * H + 8 * H)
print("parameters:", stacked.num_parameters(), "  formula 4H(I+H) + 8H + 4H(H+H) + 8H =", formula)

# %% [markdown]
# Layer 1's `weight_ih_l1` is $(4H, H)$: it reads hidden states, not inputs. Stacking is
# nothing more than composition: two one-layer LSTMs holding the same weights, the second
# reading the first one's output, give the same numbers.

# %%
lower = nn.LSTM(2, 16, rng=0, dtype=np.float64)
upper = nn.LSTM(16, 16, rng=0, dtype=np.float64)
state = stacked.state_dict()
lower.load_state_dict({k: v for k, v in state.items() if k.endswith("l0")})
upper.load_state_dict({k.replace("l1", "l0"): v for k, v in state.items() if k.endswith("l1")})
out_composed, _ = upper(lower(x)[0])
print("max |stacked - composed|:", np.abs(out.data - out_composed.data).max())

# %% [markdown]
# Drawn unrolled, a two-layer LSTM over two steps has four clusters; the hidden state of
# each lower cluster feeds the upper cluster of the same step *and* the lower cluster of
# the next step.

# %%
tiny2 = nn.LSTM(1, 1, num_layers=2, fused=False, rng=0, dtype=np.float64)
out2, _ = tiny2(Tensor(np.array([[[0.5]], [[-1.0]]]), dtype=np.float64))
loss2 = out2[-1].sum()
loss2.label = "L"
loss2.backward()
pictures.show(
    graph.draw(loss2, show_grad=False, title="two stacked LSTM layers over 2 steps (I = H = 1)"),
    "stacked-lstm",
    "Two stacked LSTM layers over 2 steps: layer 2 reads the states of layer 1.",
)

# %% [markdown]
# ## Fused and unrolled: the same numbers, different speeds
#
# The training above used `fused=True` (the default): one operation per layer for the
# whole sequence, whose forward and backward passes through time run in a compiled
# numba kernel (lesson 5). `fused=False` builds the graph you just saw, dozens of Tensor
# operations per step. They must agree. In float64, with the same weights and the same
# input, compare the outputs and every parameter's gradient:

# %%
T, B, I, H = 30, 8, 3, 16
x_np = np.random.default_rng(2).standard_normal((T, B, I))
layers = {
    fused: nn.LSTM(I, H, num_layers=2, fused=fused, rng=3, dtype=np.float64)
    for fused in (True, False)
}
results = {}
for fused, layer in layers.items():
    out, (h_n, c_n) = layer(Tensor(x_np, dtype=np.float64))
    (out * out).sum().backward()  # a loss that uses every output
    grads = {name: p.grad for name, p in layer.named_parameters()}
    results[fused] = (out.data, grads)
diff_out = np.abs(results[True][0] - results[False][0]).max()
diff_grad = max(np.abs(results[True][1][k] - results[False][1][k]).max() for k in results[True][1])
print(
    f"max |fused - unrolled|: outputs {diff_out:.1e}, gradients of all 8 parameters {diff_grad:.1e}"
)


# %%
def time_step(layer: nn.LSTM, x: np.ndarray, repeats: int) -> float:
    """Best time of `repeats` forward + backward passes, in milliseconds."""
    best = np.inf
    for _ in range(repeats):
        layer.zero_grad()
        start = time.perf_counter()
        out, _ = layer(Tensor(x, dtype=np.float32))
        out.sum().backward()
        best = min(best, time.perf_counter() - start)
    return 1000 * best


x32 = np.random.default_rng(4).standard_normal((50, 32, 2)).astype(np.float32)  # (T, B, I)
speed = {}
for fused in (True, False):
    layer = nn.LSTM(2, 32, fused=fused, rng=0)
    time_step(layer, x32, 1)  # warm up (compiles the kernels on first use)
    speed[fused] = time_step(layer, x32, 5 if fused else 3)
print(
    f"LSTM, T=50, B=32, H=32, forward + backward: fused {speed[True]:.1f} ms, "
    f"unrolled {speed[False]:.1f} ms ({speed[False] / speed[True]:.0f}x slower)"
)

# %% [markdown]
# The same numbers to within float64 rounding, and the fused version is many times
# faster: the unrolled graph pays Python's price for every one of its thousands of
# small operations, the kernel pays it once per layer. Use `fused=False` to *look* at an
# LSTM (draw it, label its gates, debug a new cell); use `fused=True` to train one.

# %%
print(f"lesson ran in {time.perf_counter() - lesson_start:.1f} s")

# %% [markdown]
# ## Check yourself
#
# Open `lessons/09_lstm_exercises.py`, replace each `raise NotImplementedError`, then run
# `tinygrad-rnn grade 9` (or `tinygrad-rnn grade 9.3` for one exercise).
#
# | id | you write | this lesson's section |
# |---|---|---|
# | 9.1 | `lstm_step(x_t, h_prev, c_prev, ...)` in numpy, gates in the order i, f, g, o | Gates and the cell state |
# | 9.2 | `lstm_forward(xs, h0, c0, ...)`: every $h_t$ and the final $(h_T, c_T)$ | Gates and the cell state; the graph |
# | 9.3 | `lstm_step_backward(...)`: one step's backward pass, checked by central differences | Why the cell state keeps the gradient alive |
# | 9.4 | `lstm_num_params(...)` and `set_forget_bias_(bias, value)` | Stacking LSTMs; the forget-gate bias |
# | 9.5 | `lstm_bptt(xs, h0, c0, ..., dhs)`: every gradient over the whole sequence | Why the cell state keeps the gradient alive |
# | 9.6 | experiment: `first_step_gradients(...)`, the gradient reaching step 1 of 50 with your LSTM against your RNN | Why the cell state keeps the gradient alive; the forget-gate bias |
#
# Questions for yourself:
#
# - Which gate would you close to make an LSTM forget everything it has seen so far? Which
#   one to make it ignore the current input?
# - Why is $\partial c_t / \partial c_{t-1}$ a diagonal matrix (up to the terms through
#   $h_{t-1}$), while the RNN's $\partial h_t / \partial h_{t-1}$ is a full one?
# - An LSTM layer has $I = 10$ inputs and $H = 20$ units. How many parameters, with both
#   biases? And with a second layer stacked on top?
# - Why can the forget-gate bias be set in either `bias_ih` or `bias_hh`?
