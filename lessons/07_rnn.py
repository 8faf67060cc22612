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
# # Lesson 7: Sequences and the unrolled RNN
#
# Every network so far took one fixed-size input and gave one output, and each input was
# handled as if nothing had come before it. Text, speech, sensor readings and prices are
# not like that: they arrive in **order**, one step at a time, and what comes next
# depends on what came before. A **recurrent neural network** (RNN) reads such a sequence
# one step at a time and carries a **hidden state** from each step to the next: its memory.
#
# Here is the target. Below, an RNN with 16 hidden units reads sine waves, one value per
# step, and after every value predicts the next one. Beside it, a feedforward network gets
# the same values, one at a time, and must make the same prediction without any memory.
# Both are trained for a second or two on random waves and then tested on waves they have
# never seen.

# %%
import os
import time

import graphviz
import matplotlib.pyplot as plt
import numpy as np

from tinygrad_rnn import graph, nn, optim, pictures
from tinygrad_rnn.autograd import toposort
from tinygrad_rnn.data import sine_waves
from tinygrad_rnn.gradcheck import gradcheck_tensors
from tinygrad_rnn.nn.functional import mse
from tinygrad_rnn.tensor import Tensor

lesson_start = time.perf_counter()
FULL = os.environ.get("LESSON_FULL") == "1"  # LESSON_FULL=1 trains longer
TRAIN_STEPS = 1500 if FULL else 300

rnn = nn.RNN(input_size=1, hidden_size=16, rng=0)  # reads x_t, keeps h_t (16 numbers)
head = nn.Linear(16, 1, rng=1)  # turns h_t into a prediction of x_{t+1}
mlp = nn.MLP([1, 16, 16, 1], activation="tanh", rng=2)  # sees only x_t
rnn_opt = optim.Adam([*rnn.parameters(), *head.parameters()], lr=0.01)
mlp_opt = optim.Adam(mlp.parameters(), lr=0.01)

# The fused RNN kernels compile the first time they run (a few seconds, once: numba caches
# them on disk; `tinygrad-rnn warmup` does it ahead of time). Do that before the clock starts.
rnn(Tensor(np.zeros((2, 1, 1))))[0].sum().backward()
rnn.zero_grad()

stream = np.random.default_rng(0)  # a fresh batch of waves at every step
train_start = time.perf_counter()
for _ in range(TRAIN_STEPS):
    xs, ys = sine_waves(32, length=40, seed=stream)  # (T, B, 1) each: ys[t] = xs[t + 1]
    xs, ys = Tensor(xs), Tensor(ys)  # float32
    hs, _ = rnn(xs)  # (T, B, 16): the hidden state after every step
    rnn_loss = mse(head(hs), ys)
    rnn_opt.zero_grad()
    rnn_loss.backward()
    rnn_opt.step()

    mlp_loss = mse(mlp(xs), ys)  # the MLP maps each x_t to a guess, independently
    mlp_opt.zero_grad()
    mlp_loss.backward()
    mlp_opt.step()
train_seconds = time.perf_counter() - train_start

test_x, test_y = sine_waves(3, length=60, seed=123)  # (60, 3, 1): unseen waves
rnn_pred = head(rnn(Tensor(test_x))[0]).data  # (60, 3, 1)
mlp_pred = mlp(Tensor(test_x)).data
rnn_mse = float(np.mean((rnn_pred - test_y)[5:] ** 2))  # skip 5 warm-up steps
mlp_mse = float(np.mean((mlp_pred - test_y)[5:] ** 2))
print(f"trained both for {TRAIN_STEPS} steps in {train_seconds:.1f} s")
print(f"test MSE, RNN: {rnn_mse:.5f}   feedforward: {mlp_mse:.5f}")

fig, axes = plt.subplots(2, 1, figsize=(7, 5.8), sharex=True, sharey=True)
for ax, pred, name in [(axes[0], rnn_pred, "RNN"), (axes[1], mlp_pred, "feedforward")]:
    ax.plot(test_y[:, 0, 0], "k-", label="true next value")
    ax.plot(pred[:, 0, 0], "o", markersize=3, label=f"{name}'s prediction")
    ax.set_xlabel("time step t")
    ax.set_title(f"{name}: predict x(t+1) from what it has read")
    ax.legend(loc="lower left")
pictures.show(
    fig,
    "rnn-vs-feedforward",
    "Predicting the next value of a test sequence: the RNN above, the feedforward network below.",
)

# %% [markdown]
# The RNN tracks the wave after a few steps of warming up. The feedforward network is
# systematically late or early: it cannot tell whether the wave is going **up** or
# **down**, because the current value alone does not say. This lesson builds up what makes
# the difference: the hidden state, the weights shared across time steps, the unrolled
# graph, and backpropagation through time.
#
# ## Why order and memory matter
#
# Plot each value of the training waves against the value that follows it. If the next
# value were a function of the current one, the points would lie on one curve. They don't:
# every current value has two futures, one on the way up and one on the way down, and the
# best a memoryless network can do is to aim between them.

# %%
xs_all, ys_all = sine_waves(200, length=40, seed=7)
grid = np.linspace(-1, 1, 101, dtype=np.float32)[:, None]  # (101, 1)
plt.figure(figsize=(5, 4))
plt.scatter(xs_all.ravel(), ys_all.ravel(), s=1, alpha=0.2, label="(x_t, x_{t+1}) in the data")
plt.plot(grid[:, 0], mlp(Tensor(grid)).data[:, 0], "r-", lw=2, label="feedforward: f(x_t)")
plt.xlabel("current value x_t")
plt.ylabel("next value x_{t+1}")
plt.legend(loc="upper left", fontsize=8)
plt.title("one input, two possible futures")
pictures.show(
    plt.gcf(),
    "two-futures",
    "One input value, two possible next values: a function of the current value alone "
    "must average them.",
)

# %% [markdown]
# To choose between the two branches you need to remember at least the previous value:
# the past has to be carried along. Here is how recurrent networks differ from the
# feedforward networks of lessons 3 to 6, and where this lesson shows each difference at
# work:
#
# | | recurrent network (RNN) | feedforward network |
# |---|---|---|
# | **memory** | a hidden state $h_t$ summarises everything read so far and is passed on to the next step (the next section shows two sequences that differ only in their first value still differing at step 5) | none: each input is processed on its own, and the same input always gives the same output (the red curve above) |
# | **data handling** | made for ordered data of any length: text, time series, speech; the same network reads 5 steps or 500 | made for fixed-size inputs without an order between them: a table row, an image |
# | **architecture** | a loop: the cell's output comes back as its own input at the next step; unrolled, it is a chain of copies of one cell | connections go only forward, from the input layer through the hidden layers to the output |
# | **parameter sharing** | the same weights $W_{ih}, W_{hh}, b$ at every time step, so the number of parameters does not grow with the length (counted below) | every layer has its own weights, and the input size is fixed when the network is built |
# | **applications** | language models and text generation (lesson 11), translation, speech recognition, forecasting time series (this lesson, lesson 12) | image classification, regression on fixed features, pattern recognition in general (the spirals of lesson 6) |
#
# ## The recurrence
#
# An RNN is built around one small **cell**. At step $t$ it takes the current input $x_t$
# and its own previous output $h_{t-1}$, and computes the new hidden state:
#
# $$ h_t = \tanh\left(W_{ih}\, x_t + b_{ih} + W_{hh}\, h_{t-1} + b_{hh}\right) $$
#
# with $W_{ih}$ of shape `(H, I)` (from the input), $W_{hh}$ of shape `(H, H)` (from the
# previous state, the **recurrent** weights) and two bias vectors of shape `(H,)`; the
# sequence starts from $h_0 = 0$. It is one layer of lesson 3 with a second input: its own
# last output. To predict something at step $t$ (the next value of the wave) a
# feedforward layer reads $h_t$, like `head` above.
#
# The library's `nn.RNNCell` is this step. Run one by hand over two short sequences that
# differ **only in their first value**:

# %%
cell = nn.RNNCell(input_size=1, hidden_size=3, rng=0, dtype=np.float64)
print("W_ih", cell.weight_ih.shape, " W_hh", cell.weight_hh.shape, " b_ih", cell.bias_ih.shape)

sequences = {
    "starts with +1": [1.0, 0.0, 0.0, 0.0, 0.0],
    "starts with -1": [-1.0, 0.0, 0.0, 0.0, 0.0],
}
states = {}
for name, values in sequences.items():
    state = cell.initial_state(batch_size=1)  # RNNState(h) with h = zeros (1, 3)
    states[name] = []
    for x in values:
        state = cell(Tensor([[x]], dtype=np.float64), state)  # h_t from x_t and h_{t-1}
        states[name].append(state.h.data[0].copy())
for t in range(5):
    a, b = states["starts with +1"][t], states["starts with -1"][t]
    x_a, x_b = sequences["starts with +1"][t], sequences["starts with -1"][t]
    print(
        f"t={t + 1}  x_t={x_a:+.0f}/{x_b:+.0f}"
        f"  h_t: {np.round(a, 3)} vs {np.round(b, 3)}   difference {np.abs(a - b).max():.4f}"
    )

# %% [markdown]
# From step 2 on both sequences feed in exactly the same zeros, and a feedforward network
# would give identical outputs. The RNN's hidden states still differ at step 5: the first
# value is remembered. (Whether such a memory survives 50 or 500 steps, and how LSTMs help
# it to, is the subject of lessons 8 and 9.)
#
# ## The data flow
#
# The same cell is applied at every step. Drawn **rolled up** it is one box with a loop; drawn
# **unrolled** over the steps of a sequence, it is a chain: each copy gets the current input
# $x_t$ and the previous hidden state, and passes its new hidden state to the right. An
# output layer reads the hidden state wherever a prediction is needed (here, at every step).


# %%
def data_flow(steps: int = 3) -> graph.GraphView:
    """The RNN's data flow, rolled up and unrolled over `steps` steps."""
    dot = graphviz.Digraph(graph_attr={"rankdir": "LR", "fontname": "Helvetica"})
    dot.attr("node", fontname="Helvetica", fontsize="11")
    dot.attr("edge", fontname="Helvetica", fontsize="10")
    cell_style = {"shape": "box", "style": "rounded,filled", "fillcolor": "#e3f2fd"}
    with dot.subgraph(name="cluster_rolled") as rolled:
        rolled.attr(label="rolled up: one cell with a loop", style="dashed")
        with rolled.subgraph() as column:  # output above, cell, input below
            column.attr(rank="same")
            column.node("ry", "output layer → ŷ_t", shape="box")
            column.node("rcell", "RNN cell", **cell_style)
            column.node("rx", "x_t", shape="plaintext")
        rolled.edge("rx", "rcell")
        rolled.edge("rcell:e", "rcell:e", label="h_t → t+1")
        rolled.edge("rcell", "ry")
    with dot.subgraph(name="cluster_unrolled") as unrolled:
        unrolled.attr(label="unrolled: the same cell at every step", style="dashed")
        unrolled.node("h0", "h_0 = 0", shape="plaintext")
        previous = "h0"
        for t in range(1, steps + 1):
            with unrolled.subgraph() as column:
                column.attr(rank="same")
                column.node(f"y{t}", f"output layer → ŷ_{t}", shape="box")
                column.node(f"cell{t}", "RNN cell", **cell_style)
                column.node(f"x{t}", f"x_{t}", shape="plaintext")
                column.edge(f"x{t}", f"cell{t}")
                column.edge(f"cell{t}", f"y{t}", label=f"h_{t}")
            unrolled.edge(previous, f"cell{t}", label=f"h_{t - 1}")
            previous = f"cell{t}"
        unrolled.node("more", "… h_T", shape="plaintext")
        unrolled.edge(previous, "more", label=f"h_{steps}")
    return graph.GraphView(dot)


pictures.show(
    data_flow(),
    "data-flow",
    "The RNN cell rolled up (one cell with a loop) and unrolled over three steps.",
)

# %% [markdown]
# ## Unrolling: the real graph, one cluster per time step
#
# The picture above is a sketch. The real thing is the computation graph the Tensor engine
# records, which is what backpropagation walks. `nn.RNN(..., fused=False)` builds it step by
# step from the cell's operations and tags every node with its time step, so
# `graph.draw` puts each step in its own box. Here is an RNN with 2 hidden units reading 3
# steps of 1 value, with a squared-error loss on the last state (the input gets
# `requires_grad=True` only so that the drawing shows where each $x_t$ enters):

# %%
tiny = nn.RNN(input_size=1, hidden_size=2, fused=False, rng=0)
x_tiny = Tensor([[[0.5]], [[-0.1]], [[0.8]]], requires_grad=True, label="x")  # (T=3, B=1, I=1)
out_tiny, _ = tiny(x_tiny)  # (3, 1, 2)
loss_tiny = out_tiny[2].square().sum()
loss_tiny.label = "loss"
loss_tiny.backward()
pictures.show(
    graph.draw(loss_tiny, color_by_grad=True),
    "unrolled-rnn",
    "The recorded graph of a 2-unit RNN over 3 steps: one box per time step, shaded by "
    "gradient size; the weights sit outside and feed every step.",
)

# %% [markdown]
# Read it top to bottom. The four parameters, `weight_ih_l0` and `weight_hh_l0` at the top
# and the two biases beside the clusters, appear **once**, outside every cluster, and each
# sends an arrow into every one of the clusters `t=1`, `t=2`, `t=3`: that is parameter
# sharing, visible. (`stack` collects the three states into the layer's output.) Inside each
# cluster are the step's operations: two matrix products (a `T` on an arrow is the
# transpose, a `[ ]` the slice of `x` for that step), the additions, the `tanh`, and the
# result `h_1`, `h_2`, `h_3`, which feeds the next cluster. The
# `grad norm` entries were filled in by `backward()`, and the boxes are shaded by them (darker is
# larger, on a log scale): the gradient enters at the loss, flows back through `t=3`, then
# `t=2`, then `t=1`, and is smaller at every step back.
#
# ## Parameters are shared across time
#
# Because the cell is reused, an RNN has the same number of parameters whatever the length
# of the sequence: $H \cdot I + H \cdot H + 2H$ per layer. A feedforward network that
# wanted to look at a whole window of $T$ values at once would need an input layer of $T$
# units, and its first weight matrix would grow with $T$. The same RNN object also reads
# sequences of any length; the feedforward one is built for one window size.

# %%
rnn_16 = nn.RNN(input_size=1, hidden_size=16, rng=0)
for steps in (5, 500):
    seq = Tensor(np.zeros((steps, 1, 1)))
    out, _ = rnn_16(seq)
    window_net = nn.MLP([steps, 16, 1], rng=0)  # reads the whole window of `steps` values
    print(
        f"T = {steps:>3}: RNN output {out.shape}, RNN parameters {rnn_16.num_parameters()}, "
        f"window MLP parameters {window_net.num_parameters()}"
    )
print("H*I + H*H + 2H =", 16 * 1 + 16 * 16 + 2 * 16)

# %% [markdown]
# Stacking (the `num_layers` argument) puts a second RNN on top of the first: layer 2
# reads the hidden states of layer 1 as its inputs, so its $W_{ih}$ is `(H, H)`. Each layer
# adds its own weights, still independent of $T$. Exercise 7.4 counts them. The cell itself
# can also be swapped for a gated one, an LSTM or a GRU (lessons 9 and 10), which were
# designed against the vanishing gradient: same call, same shapes in and out, four or
# three times the weights of the plain cell.

# %%
for layers in (1, 2, 3):
    stacked = nn.RNN(input_size=1, hidden_size=16, num_layers=layers, rng=0)
    print(f"num_layers={layers}: {stacked.num_parameters():>4} parameters")
    if layers == 2:
        for name, p in stacked.named_parameters():
            print(f"    {name:<13} {p.shape}")
for layer_type in (nn.RNN, nn.LSTM, nn.GRU):
    layer = layer_type(input_size=1, hidden_size=16, fused=False, rng=0)  # nothing to compile
    out, _ = layer(Tensor(np.zeros((5, 1, 1))))
    print(f"{layer_type.__name__:<4}: output {out.shape}, {layer.num_parameters()} parameters")

# %% [markdown]
# ## Backpropagation through time
#
# Training an RNN needs $\partial L/\partial W_{hh}$. In the unrolled graph $W_{hh}$ is
# used at every step, so (lesson 2: a value used several times) its gradient is the **sum**
# of one contribution per step. And the gradient reaching $h_t$ has two parts: what the
# loss says about $h_t$ directly, plus what comes back from step $t+1$, which used
# $h_t$. Walking the unrolled graph backwards, from the last step to the first, is all
# there is to **backpropagation through time** (BPTT). With
# $\delta_t = \frac{\partial L}{\partial h_t} \odot (1 - h_t^2)$ (tanh's slope),
#
# $$ \frac{\partial L}{\partial h_{t-1}} = \frac{\partial L}{\partial h_{t-1}}\Big|_{\text{direct}}
#    + \delta_t\, W_{hh}, \qquad
#    \frac{\partial L}{\partial W_{hh}} = \sum_{t=1}^{T} \delta_t^\top\, h_{t-1} . $$
#
# Let us watch it. We unroll a cell by hand over 12 steps, keep every $h_t$, put the loss
# on the **last** state only, and after `backward()` read off each $\partial L/\partial h_t$
# (the engine keeps the gradients of interior nodes) and each step's contribution to
# $\partial L/\partial W_{hh}$:

# %%
T_BPTT = 12
cell = nn.RNNCell(input_size=1, hidden_size=8, rng=3, dtype=np.float64)
x_seq = np.sin(np.arange(T_BPTT) / 2.0).reshape(T_BPTT, 1, 1)  # (T, B=1, I=1)
state = cell.initial_state(batch_size=1)
hs = [state.h]  # h_0, h_1, ..., h_T
for t in range(T_BPTT):
    state = cell(Tensor(x_seq[t], dtype=np.float64), state)
    hs.append(state.h)
loss = (hs[-1] - 0.5).square().sum()  # a loss on the last step only
loss.backward()

grad_h = [float(np.linalg.norm(h.grad)) for h in hs[1:]]  # ‖∂L/∂h_t‖, t = 1..T
contributions = []
for t in range(1, T_BPTT + 1):
    delta = hs[t].grad * (1.0 - hs[t].data ** 2)  # (1, H): gradient before the tanh
    contributions.append(delta.T @ hs[t - 1].data)  # (H, H): step t's part of dL/dW_hh
total = np.sum(contributions, axis=0)
shrink = (grad_h[-1] / grad_h[0]) ** (1 / (T_BPTT - 1))
print(f"each step back, ‖∂L/∂h_t‖ shrinks by a factor of {shrink:.2f} on average")
print(
    "largest difference between the sum of the contributions and weight_hh.grad:",
    np.abs(total - cell.weight_hh.grad).max(),
)

fig, ax = plt.subplots(figsize=(7, 3.4))
steps_axis = np.arange(1, T_BPTT + 1)
ax.semilogy(steps_axis, grad_h, "o-", label="‖∂L/∂h_t‖")
ax.semilogy(
    steps_axis[1:],
    [np.linalg.norm(c) for c in contributions[1:]],
    "s-",
    label="‖step t's contribution to ∂L/∂W_hh‖",
)
ax.set_xlabel("time step t (the loss is at t = 12)")
ax.set_title("BPTT: the gradient flows back through every step")
ax.legend()
pictures.show(
    fig,
    "bptt",
    "Backpropagation through time: the gradient flows back through every step.",
)

# %% [markdown]
# Every step contributes (except step 1, whose contribution $\delta_1^\top h_0$ is zero
# because the sequence started from $h_0 = 0$), and the contributions add up to exactly the
# gradient the engine computed. They also shrink the further back they come from: each step
# back multiplies the gradient by $W_{hh}$ and by tanh's slope, and here that costs a factor
# of almost 2 per step. Over a few steps that is fine; over a hundred it would leave the
# early inputs with practically no say in training: the **vanishing gradient** of lesson 8.
#
# As always, the independent check is central differences. `gradcheck_tensors` treats the
# whole unrolled computation as a function of $W_{hh}$ and $h_0$, in float64:


# %%
def unrolled_loss(w_hh: Tensor, h0: Tensor) -> Tensor:
    h = h0
    for t in range(T_BPTT):
        (h,) = nn.rnn_step(
            Tensor(x_seq[t], dtype=np.float64),
            nn.RNNState(h),
            cell.weight_ih,
            w_hh,
            cell.bias_ih,
            cell.bias_hh,
        )
    return (h - 0.5).square().sum()


print(gradcheck_tensors(unrolled_loss, [cell.weight_hh.data, np.zeros((1, 8))]))

# %% [markdown]
# Exercise 7.3 asks you to write this backward walk yourself, in numpy.
#
# ## Predicting a time series
#
# The target at the top of the lesson was trained with exactly this machinery. Each training
# step drew 32 fresh waves of 40 steps (random period, phase and amplitude), ran the RNN over
# all of them at once, predicted $x_{t+1}$ from $h_t$ at every step, and took one Adam step
# on the mean squared error over all steps. BPTT ran through all 40 steps.
#
# A next-step predictor can also look **further ahead**: feed it the true values for a
# while, so that its hidden state knows where on the wave it is, then feed its own
# predictions back in as if they were the data. Each prediction's error is now part of the
# next input, so errors compound.

# %%
WARMUP, AHEAD = 20, 30
wave_x, wave_y = sine_waves(1, length=WARMUP + AHEAD, seed=321)  # (50, 1, 1)
series = np.concatenate([wave_x[:1], wave_y])[:, 0, 0]  # the wave at steps 0..50
hs_warm, state = rnn(Tensor(wave_x[:WARMUP]))  # read the first 20 true values
guess = head(hs_warm[WARMUP - 1]).data  # (1, 1): the prediction of step 20
forecast = []
for _ in range(AHEAD):
    forecast.append(float(guess[0, 0]))
    out, state = rnn(Tensor(guess[None]), state)  # feed the prediction back as the input
    guess = head(out[0]).data
errors = np.abs(np.array(forecast) - series[WARMUP : WARMUP + AHEAD])
for ahead in (1, 2, 3, 5, 10, 30):
    print(f"{ahead:>2} steps ahead: absolute error {errors[ahead - 1]:.3f}")

plt.figure(figsize=(7.5, 3.2))
plt.plot(series, "k-", label="the wave")
plt.plot(range(WARMUP), series[:WARMUP], "ko", markersize=3, label="read by the RNN")
plt.plot(
    range(WARMUP, WARMUP + AHEAD),
    forecast,
    "o--",
    color="tab:orange",
    markersize=3,
    label="forecast, fed back",
)
plt.axvline(WARMUP - 0.5, color="grey", lw=0.8)
plt.xlabel("time step")
plt.legend(loc="lower left")
plt.title("reading 20 steps, then forecasting 30 on its own")
pictures.show(
    plt.gcf(),
    "forecast",
    "Reading 20 steps of the wave, then forecasting 30 steps on its own.",
)

# %% [markdown]
# The first steps ahead are close. After that the forecast slips out of phase and, by 30
# steps, it is a wave of its own: the network was only ever trained to take *one* step from
# true data, and it has never seen its own mistakes as inputs. Training for the forecast
# itself (predicting several steps at once, or feeding predictions back during training)
# is what lesson 12 does for multi-step forecasting.
#
# ## Fused and unrolled: the same numbers, different speeds
#
# The unrolled graph is the picture of BPTT, but it is slow: every step adds its own
# Tensor operations (count them in the small graph drawn above), each a Python call forward
# and another backward. The default
# `fused=True` computes the same thing as **one** operation per layer: the input
# projections of all steps as one matrix product, and the recurrence, forward and
# backward through time, in a compiled kernel (lesson 5). Same weights, same input, in
# float64, the two must agree, on the outputs and on every gradient:

# %%
ops_per_step = sum(1 for node in toposort(loss_tiny) if node.group == "t=2")
print(f"operations recorded per time step in the unrolled graph: {ops_per_step}")

T_CMP, B_CMP = 50, 8
rng = np.random.default_rng(11)
x_cmp = rng.standard_normal((T_CMP, B_CMP, 1))
weights = nn.RNN(1, 16, rng=4, dtype=np.float64).state_dict()
layers = {}
for fused in (True, False):
    layer = nn.RNN(1, 16, fused=fused, dtype=np.float64)
    layer.load_state_dict(weights)
    layers[fused] = layer


def forward_backward(layer: nn.RNN) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    layer.zero_grad()
    out, _ = layer(Tensor(x_cmp, dtype=np.float64))
    (out * out).mean().backward()
    return out.data, {name: p.grad.copy() for name, p in layer.named_parameters()}


out_fused, grads_fused = forward_backward(layers[True])
out_unrolled, grads_unrolled = forward_backward(layers[False])
print("max |difference| in the outputs:", np.abs(out_fused - out_unrolled).max())
for name in grads_fused:
    print(
        f"max |difference| in d loss/d {name}: "
        f"{np.abs(grads_fused[name] - grads_unrolled[name]).max():.1e}"
    )


def best_time(layer: nn.RNN, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        forward_backward(layer)
        times.append(time.perf_counter() - start)
    return min(times)


fused_time, unrolled_time = best_time(layers[True]), best_time(layers[False])
print(
    f"forward + backward, T={T_CMP}, B={B_CMP}, H=16: fused {fused_time * 1e3:.2f} ms, "
    f"unrolled {unrolled_time * 1e3:.1f} ms ({unrolled_time / fused_time:.0f} times slower)"
)

# %% [markdown]
# Differences at the level of float64 rounding, and a large factor in speed. The lessons use
# `fused=False` when they want to draw or inspect the graph, and the default `fused=True` to
# train.

# %%
print(f"lesson ran in {time.perf_counter() - lesson_start:.1f} s")

# %% [markdown]
# ## Check yourself
#
# Open `lessons/07_rnn_exercises.py`, replace each `raise NotImplementedError`, then run
# `tinygrad-rnn grade 7` (or `tinygrad-rnn grade 7.3` for one exercise).
#
# | id | you write | this lesson's section |
# |---|---|---|
# | 7.1 | `rnn_step(x_t, h_prev, W_ih, W_hh, b_ih, b_hh)`: one step, in numpy | The recurrence |
# | 7.2 | `rnn_forward(xs, h0, ...)`: all hidden states $h_1 \dots h_T$ | The recurrence; Unrolling |
# | 7.3 | `rnn_bptt(xs, h0, ..., dhs)`: $\partial L/\partial W_{hh}$ by walking back in time | Backpropagation through time |
# | 7.4 | `rnn_num_params(input_size, hidden_size, num_layers, bias)` | Parameters are shared across time |
# | 7.5 | `truncated_bptt(xs, h0, ..., dhs, window)`: one $\partial L_k/\partial W_{hh}$ per window, the state carried but not the gradient | Backpropagation through time; lesson 11's truncated BPTT |
#
# Questions for yourself:
#
# - Why can't any feedforward network that sees only $x_t$ reach the RNN's error on the
#   sine waves, however large it is?
# - How many parameters does `nn.RNN(3, 32, num_layers=2)` have, and how many would it
#   have for sequences ten times as long?
# - In the BPTT plot, which steps' inputs have the least influence on the gradient, and
#   why?
# - What would you have to change in the fused/unrolled comparison to see the difference
#   in float32, and how large do you expect it to be?
