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
# # Lesson 3: A feedforward network
#
# One neuron draws one straight line (lesson 1). Put neurons in layers, feed each layer's
# outputs to the next, and the network can draw curves. This lesson builds that network,
# follows data through it step by step, gives it a loss to minimise and trains it with
# gradient descent on the gradients from lesson 2.
#
# The target: two interleaving half-moons of points. No straight line separates them; by
# the end of the lesson a network of 337 weights and biases will.

# %%
import os
import time

import graphviz
import matplotlib.pyplot as plt
import numpy as np

from tinygrad_rnn import Value, autograd, graph, pictures
from tinygrad_rnn.data import make_moons
from tinygrad_rnn.scalar import MLP

lesson_start = time.perf_counter()
X, y = make_moons(100, noise=0.1, seed=1)
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=25)
ax.set_title("two moons: 100 points, 2 classes")
pictures.show(
    fig,
    "two-moons",
    "The two moons: 100 points in 2 classes that no straight line separates.",
)

# %% [markdown]
# ## Input, hidden and output layers
#
# A **feedforward** network (also called a multi-layer perceptron, MLP) is a row of layers
# where data only moves forward, from the input to the output, with no loops:
#
# - the **input layer** holds the data: here the two coordinates of a point;
# - the **hidden layers** are layers of neurons (lesson 1): each neuron takes a weighted sum
#   of *all* outputs of the layer before, adds its bias and applies an activation (ReLU here);
# - the **output layer** gives the prediction: one number, a *score*, positive for one moon
#   and negative for the other. It has no activation, so the score can be any size.
#
# As a block diagram, the way data flows:

# %%
blocks = graphviz.Digraph(
    graph_attr={"rankdir": "LR"},
    node_attr={"shape": "box", "style": "rounded,filled", "fontname": "Helvetica"},
)
blocks.node("in", "Input layer\n2 numbers", fillcolor="#e3f2fd")
blocks.node("h1", "Hidden layer 1\n16 ReLU neurons", fillcolor="#fff3e0")
blocks.node("h2", "Hidden layer 2\n16 ReLU neurons", fillcolor="#fff3e0")
blocks.node("more", "... more hidden\nlayers, if any", fillcolor="#ffffff", style="rounded,dashed")
blocks.node("out", "Output layer\n1 linear neuron", fillcolor="#e8f5e9")
blocks.edges([("in", "h1"), ("h1", "h2"), ("h2", "more"), ("more", "out")])
pictures.show(
    blocks, "block-diagram", "Data flows forward, layer by layer, from the input to the score."
)

# %% [markdown]
# In code, `MLP(2, [16, 16, 1])`: 2 inputs, then layers of 16, 16 and 1 neurons. Each
# neuron of the first hidden layer has 2 weights and a bias, each of the second 16 weights
# and a bias, the output neuron 16 weights and a bias:
#
# $$(2 + 1) \cdot 16 + (16 + 1) \cdot 16 + (16 + 1) \cdot 1 = 48 + 272 + 17 = 337.$$

# %%
model = MLP(2, [16, 16, 1], seed=0)
print(model.layers[0].neurons[0], "...")
print("parameters:", len(model.parameters()))

# %% [markdown]
# Zoomed in to single neurons, a smaller network `MLP(2, [3, 3, 1])`: every neuron is
# connected to every output of the layer before (the layers are *fully connected*).

# %%
# Positions are given by hand (the "neato" engine keeps them), so neurons stay in order.
net = graphviz.Digraph(
    engine="neato",
    graph_attr={"fontname": "Helvetica"},
    node_attr={"shape": "circle", "fontname": "Helvetica", "fixedsize": "true", "width": "0.55"},
)
sizes = [2, 3, 3, 1]
names = ["input layer", "hidden layer 1", "hidden layer 2", "output layer"]
colours = ["#e3f2fd", "#fff3e0", "#fff3e0", "#e8f5e9"]
for k, (size, name, colour) in enumerate(zip(sizes, names, colours, strict=True)):
    net.node(f"title_{k}", name, shape="plaintext", fixedsize="false", pos=f"{2.2 * k},1.5!")
    for j in range(size):
        text = f"x{j}" if k == 0 else ("ŷ" if k == 3 else f"h{k},{j}")
        y_pos = 0.9 * ((size - 1) / 2 - j)
        net.node(f"{k}_{j}", text, style="filled", fillcolor=colour, pos=f"{2.2 * k},{y_pos}!")
for k in range(len(sizes) - 1):
    for i in range(sizes[k]):
        for j in range(sizes[k + 1]):
            net.edge(f"{k}_{i}", f"{k + 1}_{j}", arrowsize="0.5")
pictures.show(
    net,
    "fully-connected",
    "MLP(2, [3, 3, 1]): every neuron reads every output of the layer before.",
)

# %% [markdown]
# ## The forward pass, step by step
#
# Computing the network's output from an input is the **forward pass**. Follow one point,
# $x = (0.5, -0.25)$, through `MLP(2, [3, 3, 1])`:
#
# 1. the point arrives at the input layer;
# 2. the first hidden layer receives it: every neuron there multiplies each input by its
#    weight, sums, adds its bias, and passes the total through its activation;
# 3. what the first hidden layer outputs is what the second one reads as its input;
# 4. the same hand-over happens between every pair of hidden layers, however many there are;
# 5. the output layer turns the last hidden layer's values into the prediction.

# %%
small = MLP(2, [3, 3, 1], seed=3)
point = [0.5, -0.25]

print("step 1, input layer:", point)
signal = point
for k, layer in enumerate(small.layers):
    is_output = k == len(small.layers) - 1
    title = (
        "step 5, output layer"
        if is_output
        else f"step {2 if k == 0 else '3-4'}, hidden layer {k + 1}"
    )
    print(title)
    outputs = []
    for j, neuron in enumerate(layer.neurons):
        z = sum(w.data * s for w, s in zip(neuron.w, signal, strict=True)) + neuron.b.data
        out = z if neuron.activation == "linear" else max(z, 0.0)
        terms = " + ".join(
            f"({w.data:.2f})({s:.3f})" for w, s in zip(neuron.w, signal, strict=True)
        )
        act = "(no activation)" if neuron.activation == "linear" else f"-> relu = {out:.3f}"
        print(f"   neuron {j}: {terms} + ({neuron.b.data:.2f}) = {z:.3f} {act}")
        outputs.append(out)
    signal = outputs  # step 3: this layer's outputs are the next layer's inputs
print("prediction by hand:", f"{signal[0]:.6f}", "  model(point):", f"{small(point).data:.6f}")

# %% [markdown]
# The biases start at zero and the weights are random, so this first prediction means
# nothing yet. The same forward pass built from `Value`s is a graph, the one backprop walks
# (shown for the small network; the big one has close to a thousand nodes per point):

# %%
score = small([Value(0.5, label="x0"), Value(-0.25, label="x1")])
score.label = "score"
score.backward()
print("nodes in this graph:", len(autograd.toposort(score)))
pictures.show(
    graph.draw(score, show_grad=False),
    "network-graph",
    "The network's graph for one input point: every weight and bias is a box of its own.",
)

# %% [markdown]
# ## A loss: how wrong is the network?
#
# Training needs a single number that is small when the predictions are good: the
# **loss**. With labels $y_i \in \{-1, +1\}$ (one per moon) and scores $s_i$, two classic
# choices are
#
# $$\text{hinge: } \frac{1}{N}\sum_i \max(0,\ 1 - y_i s_i), \qquad
# \text{mean squared error: } \frac{1}{N}\sum_i (s_i - y_i)^2.$$
#
# The product $y_i s_i$ is the **margin**: positive when the score has the right sign. Hinge
# loss is zero once a point is on the right side by a margin of at least 1, and grows
# linearly the more wrong it is. Squared error also punishes scores that are "too right"
# ($s_i = 3$ for $y_i = 1$), which a classifier does not need.

# %%
margins = np.linspace(-2, 3, 200)
fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(margins, np.maximum(0, 1 - margins), label="hinge  max(0, 1 - y s)")
ax.plot(margins, (margins - 1) ** 2, label="squared error  (s - y)², for y = 1")
ax.set_xlabel("margin y·s")
ax.set_ylabel("loss for one point")
ax.set_ylim(0, 4)
ax.legend()
pictures.show(
    fig,
    "hinge-loss",
    "Hinge loss and squared error for one point, as functions of the margin y·s.",
)

targets = [1.0 if label == 1 else -1.0 for label in y]
rows = [[float(a), float(b)] for a, b in X]


def hinge_loss(scores, targets):
    total = Value(0.0)
    for s, t in zip(scores, targets, strict=True):
        total = total + (1 - t * s).relu()
    return total * (1.0 / len(scores))


def accuracy(scores, targets):
    return sum((s.data > 0) == (t > 0) for s, t in zip(scores, targets, strict=True)) / len(targets)


scores = [model(r) for r in rows]
print(
    f"untrained: hinge loss {hinge_loss(scores, targets).data:.3f}, accuracy {accuracy(scores, targets):.0%}"
)

# %% [markdown]
# ## Gradient descent
#
# The gradient $\partial \text{loss} / \partial p$ says how the loss changes when parameter
# $p$ grows. So move every parameter a small step the other way:
#
# $$p \leftarrow p - \eta\, \frac{\partial\,\text{loss}}{\partial p}$$
#
# with a **learning rate** $\eta$. For a small enough step the loss goes down. One step,
# checked: (and `zero_grad()` first, because gradients accumulate, lesson 2)

# %%
params = model.parameters()
loss = hinge_loss([model(r) for r in rows], targets)
model.zero_grad()
loss.backward()
for p in params:
    p.data -= 0.5 * p.grad
after = hinge_loss([model(r) for r in rows], targets)
print(f"loss before the step {loss.data:.4f}, after {after.data:.4f}")

# %% [markdown]
# A step that is too large overshoots. From the same start, try several learning rates for
# one step each:


# %%
trial = MLP(2, [16, 16, 1], seed=0)
start_loss = hinge_loss([trial(r) for r in rows], targets)
trial.zero_grad()
start_loss.backward()
start_point = [(p, p.data, p.grad) for p in trial.parameters()]
for lr in [0.1, 0.5, 1.0, 10.0]:
    for p, data, grad in start_point:  # one step of size lr from the same start
        p.data = data - lr * grad
    after = hinge_loss([trial(r) for r in rows], targets)
    print(f"learning rate {lr:>4}: loss {start_loss.data:.3f} -> {after.data:.3f}")

# %% [markdown]
# Small steps are safe but slow; $\eta = 10$ is hopeless. $\eta = 1$ overshoots on this very
# first step, yet the training loop below starts with it and recovers within a few steps:
# one step is a noisy guide, and the curvature changes as the weights move.
#
# ## Training on the moons
#
# Now repeat: forward pass on all 100 points, loss, `zero_grad`, backward, update. The
# learning rate starts at 1 and shrinks linearly to 0.1, large steps first, careful ones
# at the end. The scalar engine is slow (every multiply is a Python object), so the default
# run is short; set the environment variable `LESSON_FULL=1` for a longer one.

# %%
steps = 100 if os.environ.get("LESSON_FULL") == "1" else 20
model = MLP(2, [16, 16, 1], seed=0)
params = model.parameters()
history = []
start = time.perf_counter()
for step in range(steps):
    scores = [model(r) for r in rows]
    loss = hinge_loss(scores, targets)
    model.zero_grad()
    loss.backward()
    lr = 1.0 - 0.9 * step / steps
    for p in params:
        p.data -= lr * p.grad
    history.append((loss.data, accuracy(scores, targets)))
    if step % 5 == 0 or step == steps - 1:
        print(f"step {step:3d}: loss {loss.data:.4f}, accuracy {history[-1][1]:.0%}")
seconds = time.perf_counter() - start
print(f"{steps} steps in {seconds:.1f} s ({seconds / steps:.2f} s per step)")

# %% [markdown]
# The loss curve, and the decision boundary: the network's score on a grid of points, with
# the line where the score crosses zero. The boundary curves between the moons.

# %%
xs = np.linspace(X[:, 0].min() - 0.4, X[:, 0].max() + 0.4, 25)
ys = np.linspace(X[:, 1].min() - 0.4, X[:, 1].max() + 0.4, 25)
grid = np.array([[model([float(a), float(b)]).data for a in xs] for b in ys])

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7.5, 3.4))
ax1.contourf(xs, ys, grid, levels=[-1e9, 0, 1e9], colors=["#9ecae1", "#fcbba1"], alpha=0.7)
ax1.contour(xs, ys, grid, levels=[0], colors="k", linewidths=1)
ax1.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=25)
ax1.set_title(f"decision boundary after {steps} steps")
ax2.plot([h[0] for h in history], label="hinge loss")
ax2.plot([1 - h[1] for h in history], label="error rate")
ax2.set_xlabel("step")
ax2.legend()
ax2.set_title("training")
fig.tight_layout()
pictures.show(
    fig,
    "decision-boundary",
    "Left: the decision boundary after training. Right: the training curves.",
)

# %% [markdown]
# ## Why the hidden layers?
#
# Train a network with *no* hidden layer, `MLP(2, [1])`: a single linear neuron, one
# straight line. Same loss, same schedule, and many more steps, since it is cheap:

# %%
linear = MLP(2, [1], seed=0)
for step in range(100):
    scores = [linear(r) for r in rows]
    loss = hinge_loss(scores, targets)
    linear.zero_grad()
    loss.backward()
    for p in linear.parameters():
        p.data -= (1.0 - 0.9 * step / 100) * p.grad
scores = [linear(r) for r in rows]
print(f"one straight line: accuracy {accuracy(scores, targets):.0%} after 100 steps")
print(f"two hidden layers: accuracy {history[-1][1]:.0%} after {steps} steps")
print(f"lesson ran in {time.perf_counter() - lesson_start:.1f} s")

# %% [markdown]
# A straight line gets most points right, but not the tips of the moons that reach into
# each other; the hidden layers, with their non-linear activations, bend the boundary
# around them. This is lesson 1's experiment (no activation means a straight line) at the
# scale of a real task.
#
# The scalar engine made every number a Python object: easy to read, slow to run (look at
# the seconds per step above). Lesson 4 keeps the same ideas and moves the numbers into
# arrays, and measures how much faster the same network trains.
#
# ## Check yourself
#
# Open `lessons/03_feedforward_exercises.py`, replace each `raise NotImplementedError`, then
# run `tinygrad-rnn grade 3` (or `tinygrad-rnn grade 3.4` for one exercise).
#
# | id | you write | this lesson's section |
# |---|---|---|
# | 3.1 | `mlp_forward(layers, x)`: the forward pass through a list of layers | The forward pass, step by step |
# | 3.2 | `hinge_loss(scores, targets)` and `mse_loss(scores, targets)` on Values | A loss |
# | 3.3 | `sgd_step(params, lr)`: update every parameter, then zero its gradient | Gradient descent |
# | 3.4 | `train_moons(X, y)`: a trained model reaching 90 % accuracy in time | Training on the moons |
#
# Questions for yourself: what accuracy does the network reach if you leave out
# `zero_grad()`? What happens to the training with a learning rate of 10?
