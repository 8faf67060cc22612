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
# # Lesson 6: Training well
#
# Lessons 3 and 4 trained small networks with the plainest recipe there is: a loss, its
# gradient, and a step of fixed size downhill. That works for a shallow network on easy
# data. This lesson is about everything else that decides whether training works: **which
# loss** to measure, **how to step** (SGD, momentum, Adam, the learning rate), and **where
# to start** (the initial weights), and, at the end, which **activation** lets a gradient
# through many layers. Three of these come back in lesson 8 as remedies for gradients that
# vanish or explode through time: gradient clipping, careful initialisation and ReLU.
#
# Here is the target. Three copies of the *same* deep network (8 hidden layers of 32 tanh
# units) learn the same data with the same optimiser. The only difference is how their
# weights were drawn before training started.

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np

from tinygrad_rnn import init, kernels, nn, optim, pictures
from tinygrad_rnn.data import make_spirals
from tinygrad_rnn.nn.functional import cross_entropy, mse
from tinygrad_rnn.tensor import Tensor

lesson_start = time.perf_counter()
kernels.use_numba(False)  # plain numpy kernels: this lesson is about training, not speed
FULL = os.environ.get("LESSON_FULL") == "1"  # LESSON_FULL=1 for longer runs

X, y = make_spirals(300, classes=3, noise=0.2, seed=0)  # X (300, 2), y (300,) in {0, 1, 2}
inputs = Tensor(X)  # (300, 2) float32


def deep_tanh_net(scheme: str, depth: int = 8, width: int = 32) -> nn.MLP:
    """An MLP 2 -> width x depth -> 3 with tanh, its weights drawn by `scheme`, biases 0."""
    model = nn.MLP([2] + [width] * depth + [3], activation="tanh", rng=0)
    gen = np.random.default_rng(0)
    for layer in model:
        if isinstance(layer, nn.Linear):
            if scheme == "N(0, 1)":
                init.normal_(layer.weight, gen, 0.0, 1.0)
            elif scheme == "N(0, 0.01²)":
                init.normal_(layer.weight, gen, 0.0, 0.01)
            else:  # Xavier, with tanh's gain (see "Initialisation" below)
                init.xavier_normal_(layer.weight, gen, gain=init.calculate_gain("tanh"))
            init.zeros_(layer.bias)
    return model


def train(model: nn.Module, opt: optim.Optimizer, steps: int) -> list[float]:
    """Full-batch training on the spirals with cross-entropy; returns the loss per step."""
    losses = []
    for _ in range(steps):
        loss = cross_entropy(model(inputs), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def accuracy(model: nn.Module) -> float:
    return float(np.mean(model(inputs).data.argmax(axis=1) == y))


TARGET_STEPS = 300 if FULL else 120
plt.figure(figsize=(7, 3.8))
for scheme in ["N(0, 1)", "N(0, 0.01²)", "Xavier"]:
    model = deep_tanh_net(scheme)
    losses = train(model, optim.SGD(model.parameters(), lr=0.1, momentum=0.9), TARGET_STEPS)
    plt.plot(losses, label=f"weights ~ {scheme}: accuracy {accuracy(model):.0%}")
plt.xlabel("step")
plt.ylabel("cross-entropy loss")
plt.yscale("log")
plt.title("one deep tanh network, three ways to start it")
plt.legend()
pictures.show(
    plt.gcf(),
    "three-starts",
    "The same deep tanh network, started from three weight distributions.",
)

# %% [markdown]
# Started with weights that are too large or too small, the network never leaves chance
# level (a third of the points right, a loss of $\ln 3 \approx 1.10$). Started with the
# right scale, it fits the spirals within a hundred steps. By the end of the lesson you will
# have seen *why*: what each start does to the signal inside the network and to its
# gradients. First, though, the two other ingredients: the loss and the step.
#
# ## Losses: what "wrong" means
#
# A loss turns the network's outputs and the targets into one number to minimise.
#
# **Mean squared error** is for outputs that are numbers (a temperature, the next value of
# a time series, lesson 7): $L = \frac{1}{N}\sum_n (p_n - y_n)^2$. Its gradient,
# $\partial L/\partial p_n = \frac{2}{N}(p_n - y_n)$, is proportional to the error, so
# it pushes hardest where the prediction is furthest off.

# %%
p = Tensor([2.5, 0.0, 1.0], requires_grad=True, dtype=np.float64)
target = np.array([3.0, -1.0, 1.0])
loss = mse(p, target)
loss.backward()
print("MSE:", loss.item(), "  gradient:", p.grad, "  2/N (p - y):", 2 / 3 * (p.data - target))

# %% [markdown]
# **Cross-entropy** is for classes. The network outputs one unnormalised score, a
# **logit** $z_c$, per class; softmax turns them into probabilities
# $p_c = e^{z_c} / \sum_j e^{z_j}$, and the loss is minus the log-probability of the right
# class $t$:
#
# $$ \ell = -\log p_t = \log \sum_j e^{z_j} - z_t . $$
#
# Computed literally, in that order, it breaks. $e^{z}$ overflows float32 for $z > 88$
# (float64 for $z > 709$), and a probability that underflows to 0 has a log of $-\infty$.
# Logits of that size are not exotic: a confident network, or one with a learning rate a
# little too high, produces them.

# %%
with np.errstate(over="ignore"):
    print("float32: exp(88) =", np.exp(np.float32(88.0)), "  exp(89) =", np.exp(np.float32(89.0)))
    print("float64: exp(709) =", np.exp(709.0), "  exp(710) =", np.exp(710.0))
    tiny = np.exp(np.float32(-104.0))  # a probability too small for float32
with np.errstate(divide="ignore"):
    print("float32: exp(-104) =", tiny, "  and its log =", np.log(tiny))


# %%
def naive_cross_entropy(z: np.ndarray, t: int) -> float:
    """Softmax, then -log: the textbook order, computed as it is written."""
    probs = np.exp(z) / np.exp(z).sum()
    return float(-np.log(probs[t]))


def stable_cross_entropy(z: np.ndarray, t: int) -> float:
    """log-sum-exp with the largest logit taken out first: nothing large is exponentiated."""
    top = z.max()
    return float(top + np.log(np.exp(z - top).sum()) - z[t])


cases = [
    ("ordinary logits", np.array([2.0, 1.0, -1.0], dtype=np.float32), 0),
    ("large logits", np.array([1000.0, 998.0, -5.0], dtype=np.float32), 1),
    ("a very wrong guess", np.array([0.0, -200.0], dtype=np.float32), 1),
]
with np.errstate(all="ignore"):  # let the naive version produce its nan and inf quietly
    for name, z, t in cases:
        library = cross_entropy(Tensor(z[None]), [t]).item()
        print(
            f"{name:<20} naive {naive_cross_entropy(z, t):>8.4f}   "
            f"stable {stable_cross_entropy(z, t):>8.4f}   library {library:>8.4f}"
        )

# %% [markdown]
# Subtracting the largest logit changes nothing mathematically (it cancels between the
# numerator and the denominator), but now the largest exponent is $e^0 = 1$ and the
# logarithm is taken of a sum that is at least 1. That is why the library's
# `cross_entropy` takes **logits**, never probabilities: it can only be stable if it sees
# the numbers before softmax. (You wrote this function yourself in exercise 4.4.)
#
# Its gradient is as simple as a gradient gets, $\partial \ell/\partial z = p - \text{onehot}(t)$:
# push the right class's logit up by how much probability it is missing, and every other
# logit down by the probability it wrongly took.

# %%
z = Tensor([[2.0, 1.0, -1.0]], requires_grad=True, dtype=np.float64)
cross_entropy(z, [0]).backward()
probs = np.exp(z.data) / np.exp(z.data).sum()
print("gradient        :", z.grad.round(4))
print("softmax - onehot:", (probs - np.array([[1.0, 0.0, 0.0]])).round(4))

# %% [markdown]
# ## The step: gradient descent and its learning rate
#
# From here on, the problem is the three-armed spiral above: 300 points, three classes,
# and a small ReLU network, `MLP([2, 32, 32, 3])`, trained on all the points at once.

# %%
plt.figure(figsize=(4, 4))
plt.scatter(X[:, 0], X[:, 1], c=y, cmap="brg", s=12)
plt.title("three spirals: 300 points, 3 classes")
plt.axis("equal")
pictures.show(plt.gcf(), "spirals", "The three spirals: 300 points in 3 classes.")

# %% [markdown]
# Plain (stochastic) gradient descent, **SGD**, steps against the gradient:
# $\theta \leftarrow \theta - \eta\, g$. The learning rate $\eta$ is the one number you
# always have to choose, and the loss curve tells you when it is wrong. Too small, and the
# network crawls; too large, and every step overshoots the valley it is meant to go down.

# %%
LR_STEPS = 300 if FULL else 200


def small_net() -> nn.MLP:
    return nn.MLP([2, 32, 32, 3], activation="relu", rng=0)  # the same start every time


plt.figure(figsize=(7, 3.8))
for lr in [0.01, 0.1, 1.0, 10.0]:
    model = small_net()
    losses = train(model, optim.SGD(model.parameters(), lr=lr), LR_STEPS)
    plt.plot(losses, label=f"lr = {lr:g}: final loss {losses[-1]:.2f}")
plt.xlabel("step")
plt.ylabel("cross-entropy loss (log scale)")
plt.yscale("log")
plt.title("SGD on the spirals: the learning rate decides")
plt.legend()
pictures.show(
    plt.gcf(),
    "learning-rates",
    "SGD on the spirals at four learning rates, from 0.01 to 10.",
)

# %% [markdown]
# At 0.01 the loss creeps down from $\ln 3 \approx 1.10$; 0.1 is slow but steady; 1.0 is fast;
# 10 makes the loss jump *up*, far above where it started, and it never settles. A good habit:
# try learning rates a factor of 3 to 10 apart, and keep the largest one whose curve still
# goes smoothly down.
#
# Every step in `train` goes in the same order: `zero_grad()`, forward, `backward()`,
# `step()`. The order is not a convention. `backward()` reads the weights that the forward
# pass used, and `step()` changes those very arrays in place, so a loss computed before a
# step cannot be differentiated after it: its gradient would mix old and new weights. The
# library keeps a version number on every tensor, which `step()` increases, and refuses:

# %%
model = small_net()
opt = optim.SGD(model.parameters(), lr=0.1)
loss = cross_entropy(model(inputs), y)
opt.zero_grad()
loss.backward()
opt.step()
try:
    loss.backward()  # wrong: this loss was computed with the weights from before the step
except RuntimeError as err:
    print("RuntimeError:", err)

# %% [markdown]
# ## Momentum: a heavy ball
#
# SGD looks only at the current slope. In a long narrow valley the slope points mostly
# *across* the valley, so SGD zig-zags from wall to wall and creeps along the floor. Give
# the point inertia instead: keep a running sum of past gradients, the **momentum buffer**
# $b$, and step along that:
#
# $$ b_t = \mu\, b_{t-1} + g_t, \qquad \theta_t = \theta_{t-1} - \eta\, b_t
#    \qquad (b_1 = g_1,\; \mu \approx 0.9). $$
#
# Components of the gradient that keep their sign (along the valley) pile up, to about
# $1/(1-\mu) = 10$ times their size; components that flip sign each step (across the
# valley) largely cancel, and stay near $1/(1+\mu) \approx 0.5$:

# %%
steady, flipping = 0.0, 0.0
for k in range(50):
    steady = 0.9 * steady + 1.0  # the same gradient, +1, every step
    flipping = 0.9 * flipping + (-1.0) ** k  # +1, -1, +1, ... every other step
print(
    f"after 50 steps: buffer for a steady gradient {steady:.2f}, for a flipping one {flipping:.2f}"
)

# %% [markdown]
# Watch it on a valley that is 50 times steeper across than along,
# $f(a, b) = \tfrac12 (a^2 + 50 b^2)$, starting from the same point:


# %%
def valley_path(make_opt, steps: int = 40) -> np.ndarray:
    """Where an optimiser goes on f(a, b) = (a² + 50 b²) / 2, from (-9, 1)."""
    point = Tensor([-9.0, 1.0], requires_grad=True, dtype=np.float64)
    opt = make_opt([point])
    path = [point.data.copy()]
    for _ in range(steps):
        loss = 0.5 * (point[0] * point[0] + 50.0 * point[1] * point[1])
        opt.zero_grad()
        loss.backward()
        opt.step()
        path.append(point.data.copy())
    return np.array(path)  # (steps + 1, 2)


paths = {
    "SGD, lr 0.038": valley_path(lambda p: optim.SGD(p, lr=0.038)),
    "SGD + momentum 0.8, lr 0.02": valley_path(lambda p: optim.SGD(p, lr=0.02, momentum=0.8)),
    "Adam, lr 0.3": valley_path(lambda p: optim.Adam(p, lr=0.3)),
}
a_grid, b_grid = np.meshgrid(np.linspace(-10, 2, 200), np.linspace(-1.6, 1.6, 200))
plt.figure(figsize=(7.5, 3.4))
plt.contour(a_grid, b_grid, 0.5 * (a_grid**2 + 50 * b_grid**2), levels=15, colors="#bbbbbb")
for name, path in paths.items():
    distance = np.linalg.norm(path[-1])
    plt.plot(path[:, 0], path[:, 1], "o-", markersize=3, label=f"{name}: ends {distance:.3f} away")
plt.plot(0, 0, "k*", markersize=12)
plt.title("40 steps down a narrow valley to the minimum at the star")
plt.legend(loc="lower right")
pictures.show(
    plt.gcf(),
    "narrow-valley",
    "Forty steps of each optimiser down a narrow valley towards the minimum at the star.",
)

# %% [markdown]
# SGD's learning rate cannot go above $2/50 = 0.04$ here, or the steep direction diverges
# (each step multiplies $b$ by $1 - 50\eta$), and so close to that limit it bounces across
# the valley while it crawls along it. Momentum, with a *smaller* learning rate, ends much
# closer: its buffer has built up speed along the floor, while the bounces across cancel.
# Adam rescales each coordinate by its own gradient size, so the steep and the flat
# direction both move at about its learning rate per step.
#
# One step of momentum by hand agrees with the library's `optim.SGD` (exercise 6.1 asks for
# exactly this function):

# %%
theta = Tensor([1.0, -2.0], requires_grad=True, dtype=np.float64)
opt = optim.SGD([theta], lr=0.1, momentum=0.9)
by_hand, buf = theta.data.copy(), None
for g in [np.array([0.5, 1.0]), np.array([0.4, -1.0])]:
    theta.grad = g.copy()
    opt.step()
    buf = g if buf is None else 0.9 * buf + g
    by_hand = by_hand - 0.1 * buf
    print("library:", theta.data, "  by hand:", by_hand)

# %% [markdown]
# ## Adam: a step size per parameter
#
# Some parameters get large gradients and others tiny ones; one learning rate cannot suit
# both. **Adam** keeps, per parameter, a running average of the gradient $m$ (momentum) and
# of its square $v$, and divides:
#
# $$ m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \qquad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,
#    \qquad \theta_t = \theta_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon} $$
#
# with $\beta_1 = 0.9$, $\beta_2 = 0.999$. Since $\sqrt{v}$ measures the gradient's typical
# size, the ratio $m/\sqrt v$ is about $\pm 1$ when the gradient is steady, whatever its
# scale: every parameter moves about $\eta$ per step. The hats are the **bias correction**:
# $m$ and $v$ start at zero, so after one step $m_1 = 0.1\, g_1$ and $v_1 = 0.001\, g_1^2$,
# both far too small. Dividing by $1 - \beta^t$ fixes exactly that, and its effect fades as
# $\beta^t \to 0$:

# %%
g1 = np.array([0.003, -40.0])  # two parameters whose gradients differ 10,000-fold
m1, v1 = 0.1 * g1, 0.001 * g1**2
print("without correction, m/sqrt(v):", (m1 / np.sqrt(v1)).round(3))
print("with correction              :", ((m1 / 0.1) / np.sqrt(v1 / 0.001)).round(3))
for t in [1, 10, 100, 1000]:
    print(f"step {t:>4}: 1 - 0.9^t = {1 - 0.9**t:.3f}   1 - 0.999^t = {1 - 0.999**t:.3f}")

# %% [markdown]
# Without the correction the first step is about 3 times too *long*: $m$ is 10 times too
# small, but $\sqrt v$ is $\sqrt{1000} \approx 32$ times too small. With it, both parameters
# move by exactly $\eta$ in the first step although their gradients differ 10,000-fold.
# Exercise 6.2 is this update.
#
# ## Three optimisers, one problem
#
# Now all three on the spirals, from the same starting weights, each with a learning
# rate that suits it (the valley showed why momentum can use a smaller one than SGD).

# %%
COMPARE_STEPS = 500 if FULL else 300
runs = {
    "SGD, lr 0.1": lambda params: optim.SGD(params, lr=0.1),
    "SGD + momentum 0.9, lr 0.1": lambda params: optim.SGD(params, lr=0.1, momentum=0.9),
    "Adam, lr 0.01": lambda params: optim.Adam(params, lr=0.01),
}
plt.figure(figsize=(7, 3.8))
for name, make_opt in runs.items():
    model = small_net()
    start = time.perf_counter()
    losses = train(model, make_opt(model.parameters()), COMPARE_STEPS)
    seconds = time.perf_counter() - start
    plt.plot(losses, label=f"{name}: accuracy {accuracy(model):.0%}")
    print(f"{name:<28} final loss {losses[-1]:.4f}  ({seconds:.2f} s)")
plt.yscale("log")
plt.xlabel("step")
plt.ylabel("cross-entropy loss (log scale)")
plt.title("the same network and data, three optimisers")
plt.legend()
pictures.show(plt.gcf(), "optimisers", "The same network and data with three optimisers.")

# %% [markdown]
# Plain SGD is still on its way after a few hundred steps; momentum and Adam fit the
# spirals. Adam is the usual first choice for recurrent networks (lesson 7 trains its RNN
# with it), because it copes with gradients of very different sizes in different weights.
#
# ## Clipping the step
#
# Recurrent networks sometimes produce one gradient that is thousands of times larger than
# usual (lesson 8 shows why). A single such step can throw the weights far away from
# everything learned so far. **Clipping by norm** caps the length of the whole step: treat
# all gradients as one long vector, and if its length $\lVert g \rVert$ is above a limit,
# scale *every* gradient by $\text{limit}/\lVert g \rVert$. The direction stays the same;
# only the length is capped. Clipping each value separately (`clip_grad_value_`) also caps
# it, but turns the direction:


# %%
def grads_of(arrays):
    tensors = [Tensor(np.zeros_like(a), requires_grad=True, dtype=np.float64) for a in arrays]
    for t, a in zip(tensors, arrays, strict=True):
        t.grad = a.copy()
    return tensors


def flat(tensors) -> np.ndarray:
    return np.concatenate([t.grad.ravel() for t in tensors])


spike = [np.array([300.0, -40.0]), np.array([[5.0, 900.0], [-2.0, 0.5]])]  # an exploded step
by_norm, by_value = grads_of(spike), grads_of(spike)
before = flat(by_norm)
total = optim.clip_grad_norm_(by_norm, max_norm=1.0)
optim.clip_grad_value_(by_value, clip_value=1.0)
for name, tensors in [("clip by norm", by_norm), ("clip by value", by_value)]:
    after = flat(tensors)
    cosine = after @ before / (np.linalg.norm(after) * np.linalg.norm(before))
    print(
        f"{name:<14} norm {np.linalg.norm(before):8.2f} -> {np.linalg.norm(after):5.3f}, "
        f"cosine with the original direction {cosine:.4f}"
    )
print("clip_grad_norm_ returned the norm before clipping:", round(total, 2))

# %% [markdown]
# Lesson 8 uses it on an RNN that would otherwise diverge, and its exercise 8.2 asks you
# to write both kinds of clipping.
#
# ## Initialisation: keep the signal's size
#
# Back to the target. Why did $N(0, 1)$ and $N(0, 0.01^2)$ fail? Follow one layer,
# $z_j = \sum_{i=1}^{n} W_{ji} x_i$, with $n$ inputs (the **fan in**). If the weights and
# inputs are independent with mean zero, the variances add up:
#
# $$ \operatorname{Var}(z_j) = n \operatorname{Var}(W) \operatorname{Var}(x). $$
#
# Each layer multiplies the signal's variance by $n \operatorname{Var}(W)$. With $n = 128$
# and $\operatorname{Var}(W) = 1$, that is 128 per layer, so ten layers multiply it by
# $10^{21}$; with standard deviation 0.01 it is $0.0128$ per layer, and the signal is
# gone after a few. Only $\operatorname{Var}(W) = 1/n$ keeps it. The schemes in
# `tinygrad_rnn.init` are refinements of that one rule:
#
# | scheme | draws $W$ with standard deviation | designed for |
# |---|---|---|
# | Xavier (Glorot) | $\sqrt{2/(n_{in} + n_{out})}$ | tanh, sigmoid: balances the forward pass ($1/n_{in}$) and the backward pass ($1/n_{out}$) |
# | Kaiming (He) | $\sqrt{2/n_{in}}$ | ReLU: it zeroes half of its inputs, halving the variance, so the weights make up a factor 2 |
# | orthogonal | a random rotation, $\lVert W x \rVert = \lVert x \rVert$ exactly | deep and recurrent nets: the length of every vector is kept, not just on average |
#
# Here is what each does to a batch of 256 random inputs pushed through 10 layers of 128
# units, with no training at all: the standard deviation of the activations after each
# layer.

# %%
DEPTH, WIDTH = 10, 128
signal = np.random.default_rng(1).standard_normal((256, WIDTH))  # (B, n) inputs, std 1
schemes = {
    "N(0, 1)": lambda w, gen: init.normal_(w, gen, 0.0, 1.0),
    "N(0, 0.01²)": lambda w, gen: init.normal_(w, gen, 0.0, 0.01),
    "Xavier": lambda w, gen: init.xavier_normal_(w, gen),
    "Kaiming": lambda w, gen: init.kaiming_normal_(w, gen),
    "orthogonal": lambda w, gen: init.orthogonal_(w, gen),
}
activations = {"tanh": np.tanh, "ReLU": lambda z: np.maximum(z, 0.0)}


def draw_weights(fill) -> list[np.ndarray]:
    """DEPTH weight matrices (n_out, n_in) filled by one scheme, from a fixed seed."""
    gen = np.random.default_rng(2)
    return [fill(np.empty((WIDTH, WIDTH)), gen) for _ in range(DEPTH)]


def forward_stats(weights: list[np.ndarray], act) -> tuple[list[float], np.ndarray]:
    """Std of the activations after each layer, and the last layer's activations."""
    h, stds = signal, []
    for W in weights:
        h = act(h @ W.T)  # (B, n)
        stds.append(float(h.std()))
    return stds, h


weights_by_scheme = {name: draw_weights(fill) for name, fill in schemes.items()}
fig, axes = plt.subplots(2, 1, figsize=(7, 6.4), sharex=True)
last_tanh = {}
for ax, (act_name, act) in zip(axes, activations.items(), strict=True):
    for name, weights in weights_by_scheme.items():
        stds, h = forward_stats(weights, act)
        ax.plot(range(1, DEPTH + 1), stds, "o-", markersize=4, label=name)
        if act_name == "tanh":
            last_tanh[name] = h
        else:  # how much each ReLU layer multiplies the size, on average
            factor = (stds[-1] / stds[0]) ** (1 / (DEPTH - 1))
            print(f"ReLU, {name:<12}: std x {factor:.3g} per layer")
    ax.set_yscale("log")
    ax.set_xlabel("layer")
    ax.set_ylabel("std of the activations")
    ax.set_title(f"{DEPTH} layers of {WIDTH} {act_name} units, untrained")
axes[0].legend()
pictures.show(
    fig,
    "activation-spread",
    "The spread of the activations, layer by layer, for each way to draw the weights: "
    "ReLU above, tanh below.",
)

# %% [markdown]
# With ReLU, $N(0, 1)$ explodes by a factor of about $\sqrt{128/2} = 8$ per layer and
# $N(0, 0.01^2)$ shrinks by about $0.01 \sqrt{128/2} = 0.08$; Xavier and orthogonal lose
# about a factor $\sqrt 2$ per layer (0.71) because they do not account for the zeroed
# half; Kaiming holds steady, as designed.
#
# With tanh the curve of $N(0, 1)$ looks healthy, and that is misleading: tanh cannot
# exceed 1, so "exploding" shows up as **saturation** instead. The histograms of the last
# layer's activations tell the real story:

# %%
fig, axes = plt.subplots(3, 1, figsize=(6.5, 6.5), sharey=True)
for ax, name in zip(axes, ["N(0, 1)", "N(0, 0.01²)", "Xavier"], strict=True):
    h = last_tanh[name].ravel()
    scale = max(np.abs(h).max(), 1e-30)
    ax.hist(h / scale, bins=50, color="tab:blue")
    saturated = np.mean(np.abs(h) > 0.99)
    ax.set_title(f"{name}: {saturated:.0%} of units at ±1")
    ax.set_xlabel(f"activation / {scale:.1g}")
axes[0].set_ylabel("count")
plt.suptitle("tanh activations after 10 layers")
plt.tight_layout()
pictures.show(
    fig,
    "saturation",
    "The last tanh layer's activations for three weight distributions: how many units sit at ±1.",
)

# %% [markdown]
# - $N(0, 1)$: almost every unit is pinned at $\pm 1$, where tanh is flat. The network
#   has become a jumpy, almost step-like function of its input: a small change of the
#   weights flips units from $-1$ to $+1$. Its gradient is useless for that reason, not
#   because it is small (the next section measures it: near the input it is a million
#   times *larger* than at the output). That is why the first network in the target never
#   learned.
# - $N(0, 0.01^2)$: every activation is a tiny number (see the axis scale): the input has
#   been forgotten, and (measured in the next section) the gradients are as tiny.
# - Xavier: a spread of values, most of them in tanh's responsive middle.
#
# Xavier's own curve sinks slowly with tanh, because tanh squeezes a little at every
# layer; PyTorch's recommended `gain` of $5/3$ for tanh (`init.calculate_gain("tanh")`,
# which the target used) makes up for it:

# %%
gain = init.calculate_gain("tanh")
for name, fill in [
    ("Xavier", lambda w, gen: init.xavier_normal_(w, gen)),
    (f"Xavier, gain {gain:.3g}", lambda w, gen: init.xavier_normal_(w, gen, gain=gain)),
]:
    stds, _ = forward_stats(draw_weights(fill), np.tanh)
    print(f"tanh, {name:<17}: std after layer 1 {stds[0]:.2f}, after layer {DEPTH} {stds[-1]:.2f}")

# %% [markdown]
# An orthogonal matrix keeps every length exactly, not only on average, even when it is
# applied over and over. That makes it a natural start for the recurrent weight $W_{hh}$,
# which an RNN applies again at every time step (lesson 8 comes back to this):

# %%
W_orth = init.orthogonal_(np.empty((WIDTH, WIDTH)), rng=3)
v = np.random.default_rng(4).standard_normal(WIDTH)
print(
    "‖v‖ =",
    round(float(np.linalg.norm(v)), 6),
    "  ‖W v‖ =",
    round(float(np.linalg.norm(W_orth @ v)), 6),
)
print("‖W^10 v‖ =", round(float(np.linalg.norm(np.linalg.matrix_power(W_orth, 10) @ v)), 6))

# %% [markdown]
# ## ReLU against sigmoid and tanh: gradients through depth
#
# The backward pass multiplies, at every layer, by the slope of the activation. Those
# slopes have very different sizes:
#
# - sigmoid: $\sigma'(z) = \sigma(z)(1 - \sigma(z)) \le 1/4$, so *every* layer shrinks the
#   gradient by at least 4 (before the weights);
# - tanh: $1 - \tanh^2(z) \le 1$, equal to 1 only at $z = 0$ and near 0 when saturated;
# - ReLU: exactly 1 for every active unit (and 0 for the others).

# %%
z_grid = np.linspace(-6, 6, 1201)
sig = 1 / (1 + np.exp(-z_grid))
print("largest slope of sigmoid:", round(float(np.max(sig * (1 - sig))), 4))
print("largest slope of tanh   :", round(float(np.max(1 - np.tanh(z_grid) ** 2)), 4))
print("slope of tanh at z = 2  :", round(float(1 - np.tanh(2.0) ** 2), 4))
print("slope of ReLU for z > 0 :", np.unique((z_grid > 0).astype(float)[z_grid > 0]))

# %% [markdown]
# Now measure the effect: 20 layers of 64 units, each activation with the initialisation
# designed for it (and tanh also with the two bad starts of the target), one backward pass of
# a simple loss, and the size of the gradient that reaches each layer's weights.


# %%
def gradient_per_layer(act: str, scheme: str, depth: int = 20, width: int = 64) -> list[float]:
    """‖dL/dW_l‖ for each layer l of an untrained deep net, input layer first."""
    gen = np.random.default_rng(5)
    x = Tensor(gen.standard_normal((256, width)), dtype=np.float64)  # (B, n)
    r = gen.standard_normal((256, width))  # L = mean over the batch of r · h_out
    weights = []
    h = x
    for _ in range(depth):
        W = np.empty((width, width))
        if scheme == "Xavier":
            init.xavier_normal_(W, gen)
        elif scheme == "Kaiming":
            init.kaiming_normal_(W, gen)
        elif scheme == "N(0, 0.01²)":
            init.normal_(W, gen, 0.0, 0.01)
        else:
            init.normal_(W, gen, 0.0, 1.0)
        W = Tensor(W, requires_grad=True, dtype=np.float64)
        weights.append(W)
        h = getattr(h @ W.T, act)()  # (B, n)
    loss = (h * Tensor(r, dtype=np.float64)).sum() / 256
    loss.backward()
    return [float(np.linalg.norm(W.grad)) for W in weights]


setups = [
    ("sigmoid", "Xavier"),
    ("tanh", "Xavier"),
    ("tanh", "N(0, 1)"),
    ("tanh", "N(0, 0.01²)"),
    ("relu", "Kaiming"),
]
plt.figure(figsize=(7, 3.8))
for act, scheme in setups:
    norms = gradient_per_layer(act, scheme)
    plt.plot(range(1, 21), norms, "o-", markersize=4, label=f"{act}, {scheme}")
    print(f"{act:>7}, {scheme:<11}: layer 20 {norms[-1]:.1e}   layer 1 {norms[0]:.1e}")
plt.yscale("log")
plt.xlabel("layer (1 = nearest the input)")
plt.ylabel("‖∂L/∂W‖ (log scale)")
plt.title("how much gradient reaches each layer of a 20-layer net")
plt.legend()
pictures.show(
    plt.gcf(),
    "layer-gradients",
    "How much gradient reaches each layer of a 20-layer network, by activation and start.",
)

# %% [markdown]
# The sigmoid network's first layer gets a gradient about ten orders of magnitude smaller
# than its last: it is not trained at all, however long you wait. That is the **vanishing
# gradient**. Tanh with a good start keeps its gradient (its slope is near 1 around 0).
# Started with $N(0, 1)$ it goes wrong the other way: the large weights multiply the
# gradient by more than the flat slopes take away, and it **explodes** towards the input,
# a million-fold over 20 layers. Started with $N(0, 0.01^2)$, every layer's gradient is
# about $10^{-20}$: near the output because the signal arriving there from the input has
# vanished (a weight's gradient is the incoming signal times the gradient coming back), near
# the input because the gradient coming back has. ReLU with Kaiming's start passes the
# gradient through all twenty layers at about the same size. Hence the two remedies in the
# source material that this lesson has now shown at work: **careful initialisation**
# (the right scale for the activation) and **ReLU** (a slope of exactly 1 where it is
# active). Lesson 8 applies both to an RNN, where "deep" means "many time steps".
#
# Exercise 6.4 asks you to compute these per-layer gradients yourself, in numpy: the
# forward pass keeping every layer's output, then the walk back, one slope and one weight
# matrix per layer.

# %%
print(f"lesson ran in {time.perf_counter() - lesson_start:.1f} s")

# %% [markdown]
# ## Check yourself
#
# Open `lessons/06_training_exercises.py`, replace each `raise NotImplementedError`, then
# run `tinygrad-rnn grade 6` (or `tinygrad-rnn grade 6.2` for one exercise).
#
# | id | you write | this lesson's section |
# |---|---|---|
# | 6.1 | `sgd_momentum_step(theta, grad, buf, lr, momentum)`, matching `optim.SGD` | Momentum: a heavy ball |
# | 6.2 | `adam_step(theta, grad, m, v, t, ...)` with bias correction | Adam: a step size per parameter |
# | 6.3 | `xavier_normal(shape, rng)` and `kaiming_normal(shape, rng)` | Initialisation: keep the signal's size |
# | 6.4 | `mlp_weight_grads(x, weights, activation, grad_out)`: backprop through depth by hand | ReLU against sigmoid and tanh |
#
# Questions for yourself:
#
# - Why does `cross_entropy` take logits rather than probabilities?
# - In the valley, what happens to SGD with a learning rate of 0.041? Work it out from the
#   steep direction's update $b \leftarrow (1 - 50\eta)\, b$, then try it.
# - A ReLU layer has 512 inputs. Which standard deviation keeps its activations' size, and
#   what happens after 10 such layers if you use Xavier's instead?
# - Why does the first Adam step move every parameter by about the learning rate?
