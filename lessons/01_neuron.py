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
# # Lesson 1: A single neuron
#
# Every network in this course, up to the LSTM that writes text, is made of one small
# part repeated: the **neuron**. This lesson builds one from plain arithmetic, looks at the
# three activation functions you will meet most, shows why they are needed at all, and
# draws the neuron as a computation graph with the gradients that will let it learn.
#
# The target: one neuron, three inputs, computed and drawn. Every box is a number the
# engine keeps; every ellipse is an operation; "grad" says how much the output would move
# if that number moved a little (lesson 2 explains how it is found).

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

from tinygrad_rnn import Value, graph, pictures
from tinygrad_rnn.scalar import MLP, Layer, Neuron

x = [Value(1.0, label="x0"), Value(-2.0, label="x1"), Value(0.5, label="x2")]
w = [Value(0.4, label="w0"), Value(0.3, label="w1"), Value(-0.6, label="w2")]
b = Value(0.1, label="b")
z = w[0] * x[0] + w[1] * x[1] + w[2] * x[2] + b
z.label = "z"
out = z.tanh()
out.label = "out"
out.backward()
pictures.show(
    graph.draw(out, title="out = tanh(w0 x0 + w1 x1 + w2 x2 + b)"),
    "neuron-graph",
    "One neuron as a graph: each input times its weight, summed with the bias, then tanh.",
)

# %% [markdown]
# ## The parts of a neural network
#
# A neural network is a handful of kinds of parts, each with one job:
#
# - **input layer**: receives the raw data (pixel values, the id of a character, a row of
#   numbers) and hands it on; it computes nothing itself;
# - **hidden layers**: the layers of neurons (at least one) between input and output; each turns
#   what it receives into new features, and stacked together they learn more and more
#   complex representations of the input;
# - **neurons** (nodes): the units inside each layer; each takes a weighted sum of its inputs
#   and applies an activation function;
# - **weights and biases**: the numbers inside every neuron that training adjusts so that
#   the network's predictions become less wrong;
# - **activation functions**: fixed non-linear functions such as ReLU, sigmoid and tanh;
#   without them the whole network could only ever compute a straight-line (linear)
#   function, as we show below;
# - **output layer**: the last layer, whose neurons give the prediction: a class, a score,
#   the probabilities of the next character.
#
# Here they are in the library's small network class (a multi-layer perceptron, built in
# lesson 3): 2 inputs, two hidden layers of 4 neurons, 1 output.

# %%
net = MLP(2, [4, 4, 1], activation="tanh", seed=0)
print("input layer   : 2 numbers, no parameters")
for i, layer in enumerate(net.layers):
    kind = "output layer" if i == len(net.layers) - 1 else f"hidden layer {i + 1}"
    n_params = len(layer.parameters())
    print(
        f"{kind:14}: {len(layer.neurons)} neurons x ({len(layer.neurons[0].w)} weights + 1 bias)"
        f" = {n_params} parameters, activation {layer.neurons[0].activation}"
    )
print("total weights and biases:", len(net.parameters()))
print("prediction for the input (0.5, -1.0):", net([0.5, -1.0]))

# %% [markdown]
# **How they are used.** Put together and trained, these parts do image recognition
# (pixels in, "cat" out), natural language processing (words in, translation or sentiment
# out), speech recognition (sound in, text out), recommendations (your history in, a score
# per item out) and much more. In each case data goes in at the input layer and is
# transformed, one layer of weighted sums and activations after another, into a
# meaningful output. The rest of this lesson is about one of those transformations.
#
# ## Weighted sum, bias, activation
#
# A neuron with inputs $x_0, \dots, x_{n-1}$ has one weight per input and one bias. It
# computes
#
# $$z = w_0 x_0 + w_1 x_1 + \dots + w_{n-1} x_{n-1} + b, \qquad \text{out} = \mathrm{act}(z).$$
#
# The weights say how much each input matters (and with which sign); the bias shifts the
# sum, so the neuron can be "on" even when all inputs are zero. Here is the neuron from the
# top of the lesson in plain floats, next to what the engine computed:

# %%
xs, ws, bias = [1.0, -2.0, 0.5], [0.4, 0.3, -0.6], 0.1
z_by_hand = sum(w_i * x_i for w_i, x_i in zip(ws, xs, strict=True)) + bias
print(f"z   = 0.4*1 + 0.3*(-2) + (-0.6)*0.5 + 0.1 = {z_by_hand:.4f}   engine: {z.data:.4f}")
print(f"out = tanh(z) = {math.tanh(z_by_hand):.4f}                      engine: {out.data:.4f}")

# %% [markdown]
# The library's `Neuron` class does exactly this. Give it the same weights and it agrees:

# %%
neuron = Neuron(3, activation="tanh")
for param, value in zip(neuron.parameters(), [*ws, bias], strict=True):
    param.data = value
print(neuron, "->", neuron(xs).data)

# %% [markdown]
# ## Activation functions and their slopes
#
# The three activation functions of this course:
#
# | name | formula | output range | slope |
# |---|---|---|---|
# | ReLU | $\max(0, z)$ | $[0, \infty)$ | $1$ if $z > 0$, else $0$ |
# | sigmoid | $\sigma(z) = \dfrac{1}{1 + e^{-z}}$ | $(0, 1)$ | $\sigma(z)\,(1 - \sigma(z))$ |
# | tanh | $\tanh z = \dfrac{e^{z} - e^{-z}}{e^{z} + e^{-z}}$ | $(-1, 1)$ | $1 - \tanh^2 z$ |
#
# The slope (derivative) matters as much as the function: learning sends signals backwards
# through these slopes (lesson 2), and a slope near zero lets almost nothing through. Below,
# each function with its slope. The dashed slope line uses the formula in the table; the dots
# are the engine's own answer (`backward()` on a single `Value`), and they agree.

# %%
zs = np.linspace(-5, 5, 201)
acts = {
    "relu": (lambda v: np.maximum(v, 0.0), lambda v: (v > 0).astype(float)),
    "sigmoid": (lambda v: 1 / (1 + np.exp(-v)), lambda v: np.exp(-v) / (1 + np.exp(-v)) ** 2),
    "tanh": (np.tanh, lambda v: 1 - np.tanh(v) ** 2),
}
fig, axes = plt.subplots(3, 1, figsize=(6.5, 7.5), sharex=True)
for ax, (name, (f, slope)) in zip(axes, acts.items(), strict=True):
    ax.plot(zs, f(zs), label=name)
    ax.plot(zs, slope(zs), "--", label="slope")
    probe = np.linspace(-4.5, 4.5, 10)
    engine_slopes = []
    for p in probe:
        v = Value(float(p))
        getattr(v, name)().backward()
        engine_slopes.append(v.grad)
    ax.plot(probe, engine_slopes, "o", ms=4, label="engine's slope")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_title(name)
    ax.legend(fontsize=8)
fig.tight_layout()
pictures.show(
    fig,
    "activations",
    "Three activations (solid), their slopes (dashed) and the slopes the engine computes (dots).",
)

# %% [markdown]
# Three things to read off the plots, and to check with numbers:
#
# - the sigmoid's slope is at most $0.25$ (at $z = 0$), tanh's at most $1$;
# - both sigmoid and tanh **saturate**: far from zero their slope is almost nothing;
# - ReLU's slope is exactly $1$ for every positive input and exactly $0$ for negative ones.

# %%
for name, (_f, slope) in acts.items():
    print(
        f"{name:8} slope at z=0: {slope(np.array(0.0)):.4f}   at z=5: {slope(np.array(5.0)):.6f}"
        f"   at z=-5: {slope(np.array(-5.0)):.6f}"
    )

# %% [markdown]
# A gradient passing back through ten layers is multiplied by ten such slopes. With the
# sigmoid, even in the best case that is $0.25^{10} \approx 10^{-6}$. Check it with the
# engine: apply an activation ten times in a row, starting at $0.5$, and ask for the
# derivative of the result with respect to the start.

# %%
for name in ["sigmoid", "tanh", "relu"]:
    start = Value(0.5)
    chained = start
    for _ in range(10):
        chained = getattr(chained, name)()
    chained.backward()
    print(f"10 x {name:7}: d(output)/d(input) = {start.grad:.2e}")
print(f"0.25 ** 10 = {0.25**10:.2e}")

# %% [markdown]
# The sigmoid chain passes back less than a millionth; tanh keeps more, ReLU passes the
# gradient unchanged on its positive side. That shrinking is the *vanishing gradient* of
# lesson 8, already visible here.
#
# Computing the sigmoid needs a little care: `math.exp(800)` overflows, so the engine uses
# $e^{z} / (1 + e^{z})$ for negative $z$, which never exponentiates a large positive number.

# %%
try:
    math.exp(800.0)
except OverflowError as err:
    print("math.exp(800) ->", err)
print(
    "Value(-800).sigmoid() =",
    Value(-800.0).sigmoid().data,
    "  Value(800).sigmoid() =",
    Value(800.0).sigmoid().data,
)

# %% [markdown]
# ## Why non-linearity matters
#
# Why not skip the activation? Then each layer computes $W x + b$, and two such layers
# compute $W_2 (W_1 x + b_1) + b_2 = (W_2 W_1) x + (W_2 b_1 + b_2)$: again just one linear
# layer. However many you stack, the result is a single matrix and a single bias. Check it
# numerically with three random layers:

# %%
rng = np.random.default_rng(0)
W1, b1 = rng.normal(size=(8, 2)), rng.normal(size=8)
W2, b2 = rng.normal(size=(8, 8)), rng.normal(size=8)
W3, b3 = rng.normal(size=(1, 8)), rng.normal(size=1)


def stack(inputs, act):
    h1 = act(inputs @ W1.T + b1)
    h2 = act(h1 @ W2.T + b2)
    return h2 @ W3.T + b3


W_single = W3 @ W2 @ W1  # the one matrix the linear stack collapses into
b_single = W3 @ (W2 @ b1 + b2) + b3
points = rng.normal(size=(1000, 2))
gap = np.abs(stack(points, lambda v: v) - (points @ W_single.T + b_single)).max()
print(f"three linear layers vs one: max difference {gap:.1e} over 1000 inputs")

# %% [markdown]
# Zero, up to rounding: three linear layers are one. The picture makes the same point. Feed
# a line of inputs through the stack; without activations the output along the line is
# straight, with tanh or ReLU in between it bends, and bending is what lets a network carve
# out curved decision boundaries (lesson 3).

# %%
line = np.stack([np.linspace(-3, 3, 300), np.linspace(-1, 2, 300)], axis=1)
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.plot(line[:, 0], stack(line, lambda v: v), label="no activation")
ax.plot(line[:, 0], stack(line, np.tanh), label="tanh")
ax.plot(line[:, 0], stack(line, lambda v: np.maximum(v, 0)), label="ReLU")
ax.set_xlabel("position along the input line")
ax.set_ylabel("network output")
ax.legend()
pictures.show(
    fig,
    "bending",
    "A line of inputs through three layers: straight without activations, bent with tanh or ReLU.",
)

# %% [markdown]
# ## The neuron as a graph, and its gradients
#
# The engine records every step as a node, so the neuron is a small graph. Training needs
# to know how the output changes when each weight changes: the **gradient**. For this
# neuron you can work it out from the slope of tanh:
#
# $$\frac{\partial\, \text{out}}{\partial w_i} = (1 - \tanh^2 z)\, x_i, \qquad
# \frac{\partial\, \text{out}}{\partial b} = 1 - \tanh^2 z, \qquad
# \frac{\partial\, \text{out}}{\partial x_i} = (1 - \tanh^2 z)\, w_i.$$
#
# The engine computed these when we called `out.backward()` at the top. Compare:

# %%
local = 1 - out.data**2
for i in range(3):
    print(f"d out/d w{i}: formula {local * x[i].data:+.5f}   engine {w[i].grad:+.5f}")
print(f"d out/d b : formula {local:+.5f}   engine {b.grad:+.5f}")
for i in range(3):
    print(f"d out/d x{i}: formula {local * w[i].data:+.5f}   engine {x[i].grad:+.5f}")

# %% [markdown]
# Read them as advice: $\partial \text{out}/\partial w_1 < 0$ because $x_1 = -2$, so making
# $w_1$ a little *smaller* makes the output *larger*. Try it:

# %%
step = 0.01
before = out.data
w_new = [0.4, 0.3 - step, -0.6]
after = math.tanh(sum(a * c for a, c in zip(w_new, xs, strict=True)) + bias)
print(f"out before {before:.5f}, after w1 -= {step}: {after:.5f}")
print(f"predicted change {-step * w[1].grad:+.5f}, actual change {after - before:+.5f}")

# %% [markdown]
# ## From one neuron to a layer
#
# A **layer** is several neurons side by side, all reading the same inputs, each with its
# own weights and bias. Stack the weight vectors as the rows of a matrix $W$ (one row per
# neuron, one column per input) and the layer computes
#
# $$\text{out}_j = \mathrm{act}\Big(\sum_i W_{ji}\, x_i + b_j\Big), \qquad j = 0, \dots, m-1.$$

# %%
W = [[0.2, -0.5, 1.0], [0.7, 0.1, -0.3]]  # 2 neurons x 3 inputs
bs = [0.0, 0.5]
by_hand = [math.tanh(sum(W[j][i] * xs[i] for i in range(3)) + bs[j]) for j in range(2)]

layer = Layer(3, 2, activation="tanh")
for n, row, b_j in zip(layer.neurons, W, bs, strict=True):
    for param, value in zip(n.parameters(), row + [b_j], strict=True):
        param.data = value
print("by hand:", [round(v, 5) for v in by_hand])
print("Layer  :", [round(o.data, 5) for o in layer(xs)])

# %% [markdown]
# A layer of $m$ neurons on $n$ inputs has $m \times n$ weights and $m$ biases; this one
# should have $2 \times 3 + 2 = 8$ parameters:

# %%
print("parameters in the layer:", len(layer.parameters()))

# %% [markdown]
# ## What one neuron can decide
#
# A sigmoid neuron with two inputs outputs more than $0.5$ exactly when
# $w_0 x_0 + w_1 x_1 + b > 0$: on one side of a straight line. So one neuron can separate
# anything a single straight line separates, and nothing else. On inputs that are 0 or 1,
# that makes it a logic gate. For example "$x_0$ and not $x_1$" (true only for (1, 0)):


# %%
def set_parameters(unit, weights, bias_):
    for param, value in zip(unit.parameters(), [*weights, bias_], strict=True):
        param.data = value


corners = [(0, 0), (0, 1), (1, 0), (1, 1)]
gate_w, gate_b = [6.0, -6.0], -3.0
gate = Neuron(2, activation="sigmoid")
set_parameters(gate, gate_w, gate_b)
for c in corners:
    print(c, "->", f"{gate(c).data:.3f}")

grid = np.linspace(-0.5, 1.5, 101)
G0, G1 = np.meshgrid(grid, grid)
fig, ax = plt.subplots(figsize=(4, 4))
ax.contourf(
    G0,
    G1,
    1 / (1 + np.exp(-(gate_w[0] * G0 + gate_w[1] * G1 + gate_b))),
    levels=20,
    cmap="coolwarm",
    alpha=0.6,
)
ax.contour(G0, G1, gate_w[0] * G0 + gate_w[1] * G1 + gate_b, levels=[0], colors="k")
for c in corners:
    ax.scatter(*c, s=80, c="k" if c == (1, 0) else "w", edgecolors="k")
ax.set_title("x0 AND NOT x1: one straight line")
pictures.show(fig, "and-not", "A single neuron separates x0 AND NOT x1 with one straight line.")

# %% [markdown]
# Which of the 16 possible gates on two inputs can one neuron compute at all? Try 200,000
# random weight settings and record which gate each one computes (output above or below
# 0.5 at each corner):

# %%
trials = np.random.default_rng(1).uniform(-10, 10, size=(200_000, 3))  # w0, w1, b
corner_array = np.array(corners, dtype=float)  # (4, 2)
fires = (trials[:, :2] @ corner_array.T + trials[:, 2:]) > 0  # (trials, 4 corners)
codes = fires @ np.array([8, 4, 2, 1])  # truth table as a 4-bit number
found = set(np.unique(codes).tolist())
xor_code, xnor_code = 0b0110, 0b1001
print(f"gates reached: {len(found)} of 16")
print("XOR reached:", xor_code in found, "  XNOR reached:", xnor_code in found)

# %% [markdown]
# Fourteen of the sixteen gates, but never XOR ("exactly one input is on") or its opposite:
# no straight line puts (0, 1) and (1, 0) on one side and (0, 0) and (1, 1) on the other.
# Two layers of neurons can, which is where lesson 3 begins.
#
# ## Check yourself
#
# Open `lessons/01_neuron_exercises.py`, replace each `raise NotImplementedError`, then run
# `tinygrad-rnn grade 1` (or `tinygrad-rnn grade 1.3` for one exercise).
#
# | id | you write | this lesson's section |
# |---|---|---|
# | 1.1 | `neuron_forward(w, x, b, activation)` with Value operations | Weighted sum, bias, activation |
# | 1.2 | `relu_slope`, `sigmoid_slope`, `tanh_slope` (mind $z = -800$) | Activation functions and their slopes |
# | 1.3 | `layer_forward(W, x, b, activation)`: rows of `W` are neurons | From one neuron to a layer |
# | 1.4 | `gate_weights("and" / "or" / "nand")` | What one neuron can decide |
#
# Before you grade, answer for yourself: why must exercise 1.1 use `Value` operations and
# not `math.tanh` on `.data`? (Draw the graph of your answer with `graph.draw` and look for
# the weights.)
