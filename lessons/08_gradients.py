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
# # Lesson 8: Vanishing and exploding gradients
#
# Lesson 7 trained an RNN by backpropagation through time: the loss at the end of a
# sequence sends its gradient back through every step. This lesson follows that gradient
# on its way back and measures how much of it arrives. The answer is the central
# difficulty of recurrent networks: after a few dozen steps, the gradient is usually
# either almost nothing (**vanishing**) or astronomically large (**exploding**). Both have
# the same cause, and four remedies, and we try all of them.
#
# Here is the target. A tanh RNN with 32 units reads 60 random inputs; the loss looks at
# the last hidden state only. The plot shows the size of the gradient that reaches each
# earlier hidden state, $\lVert \partial L / \partial h_t \rVert$, for three sizes of the
# recurrent weight matrix (measured by its spectral radius $\rho$, defined below). Note the
# log scale.

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np

from tinygrad_rnn import graph, init, nn, optim, pictures
from tinygrad_rnn.data.sequences import adding_problem
from tinygrad_rnn.tensor import Tensor, no_grad

lesson_start = time.perf_counter()
FULL = os.environ.get("LESSON_FULL") == "1"  # LESSON_FULL=1 for the longer training runs


def recurrent_matrix(rho: float, hidden: int, rng: np.random.Generator) -> np.ndarray:
    """A random (H, H) Gaussian matrix rescaled so that its spectral radius is `rho`."""
    W = rng.standard_normal((hidden, hidden))
    return W * (rho / np.max(np.abs(np.linalg.eigvals(W))))


def hidden_grads(activation: str, rho: float, steps: int = 60, hidden: int = 32, seed: int = 0):
    """Run an RNN with the Tensor engine; return every h_t, a_t and the loss's gradients.

    h_t = phi(a_t), a_t = W_hh h_{t-1} + W_ih x_t, for a batch of 8 random sequences;
    the loss is a fixed random projection of the last state, L = sum(r * h_T).
    """
    rng = np.random.default_rng(seed)
    W_hh = Tensor(recurrent_matrix(rho, hidden, rng), requires_grad=True, dtype=np.float64)
    W_ih = Tensor(rng.standard_normal((hidden, 1)), requires_grad=True, dtype=np.float64)
    xs = Tensor(rng.standard_normal((steps, 8, 1)), requires_grad=True, dtype=np.float64)
    h = Tensor(np.zeros((8, hidden)), requires_grad=True, dtype=np.float64)  # h_0
    hs, pre = [h], []
    for t in range(steps):
        a = xs[t] @ W_ih.T + h @ W_hh.T  # (B, H) the pre-activation a_t
        if activation == "tanh":
            h = a.tanh()
        elif activation == "sigmoid":
            h = a.sigmoid()
        else:
            h = a.relu()
        hs.append(h)
        pre.append(a)
    loss = (h * Tensor(rng.standard_normal((8, hidden)), dtype=np.float64)).sum()
    loss.backward()
    return {"hs": hs, "pre": pre, "W_hh": W_hh, "xs": xs, "loss": loss}


def grad_norms(run) -> np.ndarray:
    """‖∂L/∂h_t‖ for t = 0 .. T (over the whole batch)."""
    return np.array([np.linalg.norm(h.grad) for h in run["hs"]])


plt.figure(figsize=(7, 3.6))
for rho in [0.5, 1.0, 3.0]:
    norms = grad_norms(hidden_grads("tanh", rho))
    plt.plot(norms, label=f"spectral radius ρ = {rho}")
    print(f"ρ = {rho}: ‖∂L/∂h_0‖ / ‖∂L/∂h_60‖ = {norms[0] / norms[-1]:.1e}")
plt.yscale("log")
plt.xlabel("time step t (the loss sits at t = 60)")
plt.ylabel("‖∂L/∂h_t‖ (log scale)")
plt.title("gradient reaching each step of a tanh RNN")
plt.legend()
pictures.show(
    plt.gcf(),
    "spectral-radius",
    "Gradient reaching each step of a tanh RNN for four spectral radii ρ of W_hh.",
)

# %% [markdown]
# With $\rho = 0.5$ the gradient that reaches the first step is about $10^{-28}$ of what
# left the loss: whatever the first inputs did, training cannot tell. With $\rho = 3$ it is
# some $10^{4}$ times *larger* at the start than at the end. Only near $\rho = 1$ does a
# usable amount arrive, and even there it fades. By the end of this lesson you will know
# why, what each failure does to training, and how the four standard remedies (gradient
# clipping, LSTM/GRU cells, careful initialisation, ReLU) change the picture.
#
# ## The gradient through time is a product
#
# One step of the RNN is $a_t = W_{hh} h_{t-1} + W_{ih} x_t + b$, $h_t = \phi(a_t)$, with
# $\phi$ = tanh, sigmoid or ReLU. The chain rule through one step gives the **Jacobian**
# of $h_t$ with respect to $h_{t-1}$, an $H \times H$ matrix:
#
# $$ J_t = \frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}\big(\phi'(a_t)\big)\, W_{hh} . $$
#
# A loss that depends on $h_T$ reaches an earlier state $h_k$ through every step in
# between, so its gradient (a row vector) is multiplied by one Jacobian per step:
#
# $$ \frac{\partial L}{\partial h_k} = \frac{\partial L}{\partial h_T}\, J_T\, J_{T-1} \cdots J_{k+1} . $$
#
# That is $T - k$ matrix products. Taking norms, each factor can stretch a vector by at
# most $\lVert J_t \rVert \le \gamma\, \lVert W_{hh} \rVert$, where $\gamma$ is the largest
# slope of $\phi$ (1 for tanh and ReLU, $1/4$ for sigmoid):
#
# $$ \Big\lVert \frac{\partial L}{\partial h_k} \Big\rVert \le
#    \Big\lVert \frac{\partial L}{\partial h_T} \Big\rVert\, \big(\gamma\, \lVert W_{hh} \rVert\big)^{T-k} . $$
#
# A number below 1 raised to the power 50 is tiny; a number above 1 raised to the power 50
# is huge. Nothing in between is stable except a factor of almost exactly 1 at every step.
#
# First, check the formula against the autograd engine. Take the tanh run with $\rho = 1$,
# multiply the Jacobians by hand (for one sequence of the batch), and compare with the
# gradient that `backward()` left in `h_k.grad`:

# %%
run = hidden_grads("tanh", 1.0)
hs, pre, W = run["hs"], run["pre"], run["W_hh"].data
T = len(pre)
row = hs[T].grad[0]  # ∂L/∂h_T for sequence 0, shape (H,)
worst = 0.0
for k in range(T - 1, -1, -1):  # from h_{T-1} back to h_0
    slope = 1.0 - np.tanh(pre[k].data[0]) ** 2  # φ'(a_{k+1}) for tanh, (H,)
    J = slope[:, None] * W  # J_{k+1} = diag(φ'(a)) W_hh, (H, H)
    row = row @ J  # ∂L/∂h_k = ∂L/∂h_{k+1} J_{k+1}
    worst = max(worst, float(np.abs(row - hs[k].grad[0]).max()))
print(f"product of Jacobians vs backward(), all {T} steps: max difference {worst:.1e}")

# %% [markdown]
# They agree to rounding error: backpropagation through time *is* this product of
# Jacobians, computed from right to left one vector at a time.
#
# ## How big is $W_{hh}$? The spectral radius
#
# If you multiply a vector by the same matrix $W$ again and again, its length eventually
# grows or shrinks like $\rho^k$, where the **spectral radius** $\rho(W)$ is the largest
# absolute value of $W$'s eigenvalues. (The norm $\lVert W \rVert$ bounds one step; $\rho$
# decides the long run, $\lVert W^k \rVert^{1/k} \to \rho$.) A linear RNN, $\phi(a) = a$,
# has $J_t = W_{hh}$ at every step, so $k$ steps back its gradient has been multiplied by
# $W_{hh}^k$, whose size per step settles at $\rho$:

# %%
W4 = recurrent_matrix(1.3, 32, np.random.default_rng(1))
eigs = np.linalg.eigvals(W4)
print("spectral radius ρ:", round(float(np.max(np.abs(eigs))), 4))
print("largest singular value ‖W‖:", round(float(np.linalg.norm(W4, 2)), 4))
for k in [1, 5, 20, 80]:
    per_step = np.linalg.norm(np.linalg.matrix_power(W4, k), 2) ** (1 / k)
    print(f"‖W^{k}‖^(1/{k}) = {per_step:.4f}")

# %% [markdown]
# One step can stretch by $\lVert W \rVert \approx 2.4$, but in the long run every step
# multiplies by about $\rho = 1.3$. The matrices in the plots of this lesson are made with
# an exact spectral radius ($W$ rescaled by $\rho / \rho(W)$). Exercise 8.3 computes
# $\rho$ and the norms of these Jacobian products.
#
# ## Measuring it: three activations, four weight scales
#
# Now the full picture: tanh, sigmoid and ReLU RNNs, each with $\rho$ = 0.5, 1, 1.5 and 3,
# the same inputs and the same loss on the last state. For each curve we also compute the
# **per-step factor**, the geometric mean of how much the gradient shrinks or grows per
# step, $(\lVert \partial L/\partial h_0 \rVert / \lVert \partial L/\partial h_T \rVert)^{1/T}$
# (exercise 8.1): below 1 it vanishes, above 1 it explodes.


# %%
def per_step_factor(norms: np.ndarray) -> float:
    """Geometric mean of the change per step, from the last entry back to the first."""
    return float((norms[0] / norms[-1]) ** (1.0 / (len(norms) - 1)))


fig, axes = plt.subplots(3, 1, figsize=(7, 8.4), sharex=True, sharey=True)
factors = {}
for ax, activation in zip(axes, ["tanh", "sigmoid", "relu"], strict=True):
    for rho in [0.5, 1.0, 1.5, 3.0]:
        norms = grad_norms(hidden_grads(activation, rho))
        factors[activation, rho] = per_step_factor(norms)
        ax.plot(norms, label=f"ρ = {rho}: × {factors[activation, rho]:.2f} per step")
    ax.set_yscale("log")
    ax.set_title(f"{activation} RNN")
    ax.set_xlabel("time step t")
    ax.legend(fontsize=8)
axes[0].set_ylabel("‖∂L/∂h_t‖")
plt.tight_layout()
pictures.show(
    fig,
    "activations",
    "The same measurement for tanh, sigmoid and ReLU RNNs: the per-step factor decides.",
)

# %% [markdown]
# Read the three panels with the bound $\gamma\, \lVert W_{hh} \rVert$ in mind:
#
# - **sigmoid** vanishes at every scale shown: its slope is at most $1/4$, so even
#   $\rho = 3$ gives a factor below 1 per step.
# - **tanh** vanishes for $\rho \le 1.5$. At $\rho = 3$ it explodes backwards, but far
#   less than $3^{60}$: large weights push tanh into its flat tails, where the slopes are
#   small, and that partly cancels the large weights.
# - **ReLU** behaves like the linear RNN where units are active (slope exactly 1) and
#   blocks the gradient where they are not (slope 0). With $\rho = 3$ it explodes hardest.
#
# ## Vanishing gradients
#
# **What happens.** Going back through the steps, the gradient shrinks geometrically (the
# curves with a factor below 1). **Why.** The sigmoid's slope is at most $1/4$, tanh's is
# at most 1 and much smaller once a unit saturates: squashing functions give small
# factors, and $T - k$ small factors multiply to a number that shrinks exponentially.
# Here are the slopes the tanh and sigmoid RNNs actually used, over every unit and step:

# %%
for activation in ["tanh", "sigmoid"]:
    a = np.concatenate([a_t.data.ravel() for a_t in hidden_grads(activation, 1.0)["pre"]])
    if activation == "tanh":
        slope = 1.0 - np.tanh(a) ** 2
    else:
        sig = 1.0 / (1.0 + np.exp(-a))
        slope = sig * (1.0 - sig)
    print(
        f"{activation:>7}: slope φ'(a) mean {slope.mean():.3f}, median {np.median(slope):.3f}, "
        f"max {slope.max():.3f}; per-step factor with ρ = 1: {factors[activation, 1.0]:.3f}"
    )

# %% [markdown]
# **Effect.** The gradient of a weight matrix is the *sum* of what every step contributes
# (lesson 7 split it up over 12 steps). For $W_{hh}$, step $t$ contributes
# $\delta_t^\top h_{t-1}$ with $\delta_t = \partial L/\partial a_t$. When the gradient
# has vanished before it reaches step $t$, that step contributes nothing: the weights are
# updated only for what the last few steps did, and the early steps are invisible to
# training. Measured on the tanh RNN with $\rho = 1$ (its first state is $h_0 = 0$, so
# step 1 contributes exactly 0; we start at step 2):

# %%
run = hidden_grads("tanh", 1.0)
contributions = [
    a.grad.T @ h_prev.data for a, h_prev in zip(run["pre"], run["hs"][:-1], strict=True)
]  # (H, H) each: step t's share of ∂L/∂W_hh
total = np.sum(contributions, axis=0)
print("sum of the per-step shares == W_hh.grad:", np.allclose(total, run["W_hh"].grad))
share = np.array([np.linalg.norm(c) for c in contributions])
last10 = np.linalg.norm(np.sum(contributions[-10:], axis=0)) / np.linalg.norm(total)
print(f"‖share‖ of step 2: {share[1]:.1e}   of step 60: {share[-1]:.1e}")
print(f"the last 10 of 60 steps alone give {last10:.1%} of the gradient's norm")
input_grads = np.linalg.norm(run["xs"].grad, axis=(1, 2))  # ‖∂L/∂x_t‖ per step
print(f"‖∂L/∂x_1‖ = {input_grads[0]:.1e}   ‖∂L/∂x_60‖ = {input_grads[-1]:.1e}")

# %% [markdown]
# The same shows in a drawing. Here is a tiny unrolled tanh RNN (4 steps, 2 units, one
# cluster per step) with a small recurrent weight, the loss on the last state, and every
# box shaded by the size of its gradient (`color_by_grad=True`, log scale): the colour
# drains out of the early steps.

# %%
small = nn.RNN(1, 2, fused=False, rng=0, dtype=np.float64)
small.weight_hh_l0.data[...] = 0.3 * np.eye(2)
out, _ = small(Tensor(np.ones((4, 1, 1)), dtype=np.float64, label="x"))
tiny_loss = out[-1].sum()
tiny_loss.label = "L"
tiny_loss.backward()
pictures.show(
    graph.draw(tiny_loss, color_by_grad=True, title="gradient size shaded: t=1 is pale"),
    "shaded-gradients",
    "The unrolled graph shaded by gradient size: the earliest step, t=1, is the palest.",
)

# %% [markdown]
# **Impact.** A network cannot learn a dependency it receives no gradient about. The
# **adding problem** (from `tinygrad_rnn.data`) makes this concrete: every step carries a
# random number and a marker; exactly two steps are marked, one in each half of the
# sequence, and the answer is the sum of the two marked numbers. Always answering 1 scores
# a mean squared error of about $1/6 \approx 0.167$; beating it needs a memory that
# reaches back to the first marker. The same tanh RNN, the same training, two lengths:


# %%
class Reader(nn.Module):
    """A recurrent layer over (T, B, 2) and a Linear readout of the last hidden state."""

    def __init__(self, layer: nn.Module, hidden: int, rng: np.random.Generator) -> None:
        super().__init__()
        self.rnn = layer
        self.head = nn.Linear(hidden, 1, rng=rng)

    def forward(self, x: Tensor) -> Tensor:
        _, state = self.rnn(x)
        return self.head(state.h[-1])  # (B, 1)


def train_adding(model, length, steps, lr=0.01, clip_norm=None, clip_value=None, seed=0):
    """Adam on fresh batches of the adding problem; returns held-out MSE every 25 steps."""
    rng = np.random.default_rng(seed)
    opt = optim.Adam(model.parameters(), lr=lr)
    x_val, y_val = adding_problem(256, length, seed=1000 + seed)
    x_val, y_val = Tensor(x_val, dtype=np.float32), y_val.astype(np.float32)
    history = []
    for step in range(1, steps + 1):
        x, y = adding_problem(64, length, seed=rng)
        diff = model(Tensor(x, dtype=np.float32)) - Tensor(y, dtype=np.float32)
        loss = (diff * diff).mean()
        opt.zero_grad()
        loss.backward()
        if clip_norm is not None:
            optim.clip_grad_norm_(model.parameters(), clip_norm)
        if clip_value is not None:
            optim.clip_grad_value_(model.parameters(), clip_value)
        opt.step()
        if step % 25 == 0:
            with no_grad():
                history.append(float(((model(x_val).data - y_val) ** 2).mean()))
    return history


LENGTH, HIDDEN = 30, 32  # the adding problem's length and the width of every model below
TRAIN_STEPS = 1200 if FULL else 500  # this run and the remedies below
impact_runs = {}  # length: (held-out MSE every 25 steps, seconds)
plt.figure(figsize=(7, 3.4))
for length in [8, LENGTH]:
    gen = np.random.default_rng(0)
    start = time.perf_counter()
    model = Reader(nn.RNN(2, HIDDEN, rng=gen), HIDDEN, gen)  # a tanh RNN, PyTorch's start
    curve = train_adding(model, length, TRAIN_STEPS, lr=0.02)
    impact_runs[length] = (curve, time.perf_counter() - start)
    plt.plot(np.arange(1, len(curve) + 1) * 25, curve, label=f"T = {length}: {curve[-1]:.3f}")
    print(f"tanh RNN, adding problem with T = {length}: held-out MSE {curve[-1]:.4f}")
plt.axhline(1 / 6, color="gray", ls="--", label="always answer 1")
plt.axhline(1 / 12, color="gray", ls=":", label="knows only the second number")
plt.yscale("log")
plt.xlabel("training step")
plt.ylabel("held-out MSE")
plt.title("the same tanh RNN: short memory yes, long memory no")
plt.legend()
pictures.show(
    plt.gcf(),
    "memory-length",
    "The same tanh RNN learns a short memory but not a long one.",
)

# %% [markdown]
# With 8 steps the markers are at most 7 steps before the answer and the RNN learns the
# sum. With 30 steps the first marker is 15 to 30 steps back, the gradient from the answer
# has faded long before it gets there, and the network stays near the baseline. (The
# dotted line, $\operatorname{Var}(u_a) = 1/12 \approx 0.083$, is what a model would score
# that knew only the *second* number and guessed the first: the tanh RNN does not even get
# that far within this budget.)
#
# ## Exploding gradients
#
# **What happens.** When the per-step factor is above 1 (the $\rho = 3$ curves), the
# gradient *grows* geometrically on its way back. **Why.** The derivatives in the chain
# rule, the Jacobians $J_t$, stretch vectors by more than 1, and repeated multiplication
# compounds it: a factor of 1.25 per step is $1.25^{60} \approx 650{,}000$ after 60 steps.
#
# **Effect and impact.** A huge gradient makes a huge step. The weights jump far from
# where they were, the next gradient is computed there and is larger still, and within a
# few steps the numbers overflow: the loss becomes `inf`, then `nan`, and every weight is
# `nan` from then on. Here is such a run: a tanh RNN started with $\rho = 3$ and trained
# with plain SGD, next to the *same* run (same start, same batches) with the gradient
# clipped to norm 1, and with every gradient entry clipped to $[-0.1, 0.1]$.


# %%
def diverging_run(clip_norm=None, clip_value=None, steps=120):
    """SGD(lr=0.1) on the adding problem (T=30) from W_hh with ρ = 3; loss and ‖g‖ per step."""
    rng = np.random.default_rng(0)
    layer = nn.RNN(2, 32, rng=rng)
    layer.weight_hh_l0.data[...] = recurrent_matrix(3.0, 32, rng)
    model = Reader(layer, 32, rng)
    opt = optim.SGD(model.parameters(), lr=0.1)
    losses, norms = [], []
    with np.errstate(all="ignore"):  # let overflow produce its inf and nan quietly
        for _ in range(steps):
            x, y = adding_problem(32, 30, seed=rng)
            diff = model(Tensor(x, dtype=np.float32)) - Tensor(y, dtype=np.float32)
            loss = (diff * diff).mean()
            opt.zero_grad()
            loss.backward()
            # clip_grad_norm_ returns the norm before clipping; an infinite limit only measures
            norms.append(optim.clip_grad_norm_(model.parameters(), clip_norm or np.inf))
            if clip_value is not None:
                optim.clip_grad_value_(model.parameters(), clip_value)
            opt.step()
            losses.append(loss.item())
    return np.array(losses), np.array(norms)


runs = {
    "no clipping": diverging_run(),
    "clip by norm (1.0)": diverging_run(clip_norm=1.0),
    "clip by value (0.1)": diverging_run(clip_value=0.1),
}
fig, axes = plt.subplots(2, 1, figsize=(7, 6.4), sharex=True)
for name, (losses, norms) in runs.items():
    first_bad = np.flatnonzero(~np.isfinite(losses))
    where = f"nan/inf from step {first_bad[0] + 1}" if first_bad.size else "finite throughout"
    print(
        f"{name:<20} loss at step 1: {losses[0]:.3g}, step 120: {losses[-1]:.3g} "
        f"({where}); largest gradient norm {np.nanmax(norms):.3g}"
    )
    axes[0].plot(np.where(np.isfinite(losses), losses, np.nan), label=name)
    axes[1].plot(np.where(np.isfinite(norms), norms, np.nan), label=name)
axes[0].set_ylabel("training loss (log)")
axes[1].set_ylabel("gradient norm before clipping (log)")
for ax in axes:
    ax.set_yscale("log")
    ax.set_xlabel("SGD step")
    ax.legend()
plt.tight_layout()
pictures.show(
    fig,
    "exploding",
    "Training loss (above) and the gradient norm before clipping (below) for each run, on "
    "log scales.",
)

# %% [markdown]
# Unclipped, the loss climbs by orders of magnitude every few steps until float32
# overflows (the curve stops where the values became `inf` or `nan`). Clipped, the same
# model from the same start keeps a finite loss: the large gradients still occur (right
# panel), but no single step can be longer than the limit.
#
# An explosion does not always end in `nan`. When the oversized steps stay finite, the
# weights are thrown back and forth and the loss jumps up and down instead of settling,
# as it did in lesson 6 with a learning rate of 10: the numbers are unstable and training
# converges badly, if at all.
#
# ## Four remedies
#
# 1. **Gradient clipping** caps the size of a step, which is exactly what an exploding
#    gradient needs, as just shown. *By norm* scales all gradients together so their joint
#    length is at most a limit, keeping the direction (`optim.clip_grad_norm_`); *by value*
#    clamps each entry into $[-c, c]$, which also bends the direction
#    (`optim.clip_grad_value_`). Exercise 8.2. Clipping does nothing for a gradient that
#    has already vanished: it only ever makes gradients smaller.
# 2. **LSTM and GRU cells** carry their memory along a path that is updated by addition
#    and gated multiplication instead of a squashing function of a matrix product (lessons
#    9 and 10). Along that path the per-step factor is a *gate* that the network can hold
#    near 1.
# 3. **Careful initialisation** starts $W_{hh}$ where the per-step factor is 1. An
#    **orthogonal** matrix has every singular value equal to 1, so $\lVert W v \rVert =
#    \lVert v \rVert$ for every $v$ (lesson 6); the **identity** is the simplest one
#    (exercise 8.4).
# 4. **ReLU** has slope exactly 1 wherever it is active, instead of tanh's and sigmoid's
#    shrinking slopes. Combined with an identity start, a ReLU RNN (an **IRNN**, Le, Jaitly
#    and Hinton 2015) initially copies its state forward unchanged.
#
# First the gradient at the start of training, before any learning, for each remedy. The
# measure is how strongly the loss at the end depends on the *input* at step $t$,
# $\lVert \partial L/\partial x_t \rVert$, on a batch of the adding problem (T = 30):


# %%
def make_layer(kind: str, rng: np.random.Generator) -> nn.Module:
    """One recurrent layer for each remedy (2 inputs, HIDDEN units, float32)."""
    if kind in ("lstm", "gru"):
        layer = (nn.LSTM if kind == "lstm" else nn.GRU)(2, HIDDEN, rng=rng)
        if kind == "lstm":
            init.lstm_forget_bias_(layer.bias_hh_l0, 1.0)  # lesson 9 explains this
        return layer
    nonlinearity = "relu" if kind in ("relu", "irnn") else "tanh"
    layer = nn.RNN(2, HIDDEN, nonlinearity=nonlinearity, rng=rng)
    if kind == "orthogonal":
        init.orthogonal_(layer.weight_hh_l0, rng)
    if kind == "irnn":
        init.identity_(layer.weight_hh_l0)
        init.zeros_(layer.bias_hh_l0)
        init.zeros_(layer.bias_ih_l0)
    return layer


REMEDIES = {  # name: (layer kind, clip by norm, clip by value)
    "tanh RNN (plain)": ("tanh", None, None),
    "tanh RNN + clip by norm": ("tanh", 1.0, None),
    "tanh RNN + clip by value": ("tanh", None, 0.1),
    "tanh RNN, orthogonal W_hh": ("orthogonal", 1.0, None),
    "ReLU RNN": ("relu", 1.0, None),
    "IRNN (ReLU, W_hh = I)": ("irnn", 1.0, None),
    "LSTM": ("lstm", 1.0, None),
    "GRU": ("gru", 1.0, None),
}
x_probe, y_probe = adding_problem(64, LENGTH, seed=7)
plt.figure(figsize=(7, 3.6))
early_vs_late = {}
for kind in ["tanh", "orthogonal", "relu", "irnn", "lstm", "gru"]:
    gen = np.random.default_rng(0)
    model = Reader(make_layer(kind, gen), HIDDEN, gen)
    x = Tensor(x_probe, requires_grad=True, dtype=np.float32)
    diff = model(x) - Tensor(y_probe, dtype=np.float32)
    (diff * diff).mean().backward()
    norms = np.linalg.norm(x.grad, axis=(1, 2))  # (T,) ‖∂L/∂x_t‖
    early_vs_late[kind] = norms[0] / norms[-1]
    plt.plot(
        np.arange(1, LENGTH + 1), norms, label=f"{kind}: first/last = {norms[0] / norms[-1]:.0e}"
    )
plt.yscale("log")
plt.xlabel(f"input step t (the answer is read after step {LENGTH})")
plt.ylabel("‖∂L/∂x_t‖ at initialisation")
plt.title("how much the first inputs matter to the gradient, before training")
plt.legend(fontsize=8)
pictures.show(
    plt.gcf(),
    "first-inputs",
    "How much the first inputs matter to the gradient at initialisation, for each setting.",
)

# %% [markdown]
# At the start of training the plain tanh RNN and the ReLU RNN (PyTorch's default start,
# weights $U(\pm 1/\sqrt H)$) pass almost nothing back to the first inputs. The orthogonal
# start passes several orders of magnitude more, and the IRNN passes the gradient back
# undiminished: its state is copied forward unchanged. The gated cells sit in between at
# this point; their advantage is that training can open their gates further, which a
# plain RNN has no way to do. (Clipping is not in this plot: it changes only how long a
# step is, not how the gradient is spread over time.)
#
# Now the real test: train each on the adding problem with T = 30, the same batches, Adam
# with learning rate 0.02, and the clipping its name says (clipping by norm at 1.0 for all
# but the first three, as insurance).

# %%
results = {}
plt.figure(figsize=(7.5, 4))
for name, (kind, clip_norm, clip_value) in REMEDIES.items():
    if (kind, clip_norm, clip_value) == ("tanh", None, None):
        # the same model, batches and optimiser as the T = 30 run of "Impact": reuse it
        curve, seconds = impact_runs[LENGTH]
    else:
        gen = np.random.default_rng(0)
        model = Reader(make_layer(kind, gen), HIDDEN, gen)
        start = time.perf_counter()
        curve = train_adding(
            model, LENGTH, TRAIN_STEPS, lr=0.02, clip_norm=clip_norm, clip_value=clip_value
        )
        seconds = time.perf_counter() - start
    results[name] = (curve[-1], min(curve), seconds)
    plt.plot(np.arange(1, len(curve) + 1) * 25, curve, label=name)
plt.axhline(1 / 6, color="gray", ls="--", label="always answer 1")
plt.yscale("log")
plt.xlabel("training step")
plt.ylabel("held-out MSE")
plt.title(f"adding problem, T = {LENGTH}: the remedies side by side")
plt.legend(fontsize=8, ncol=2)
pictures.show(plt.gcf(), "remedies", "The adding problem with the remedies side by side.")
print(f"{'model':<28}{'final MSE':>10}{'best MSE':>10}{'seconds':>9}")
for name, (final, best, seconds) in results.items():
    print(f"{name:<28}{final:>10.4f}{best:>10.4f}{seconds:>9.1f}")

# %% [markdown]
# The lesson's run is short (`LESSON_FULL=1` trains longer); the table shows what
# happened within it:
#
# - **clipping** alone, by norm or by value, leaves the tanh RNN near the baseline: its
#   problem on this task is a *vanishing* gradient, and clipping can only make gradients
#   smaller. Its job is the exploding case shown above.
# - **LSTM and GRU** solve the task: the memory path that keeps their gradient alive is
#   built into the cell, whatever the weights become during training (lesson 9 takes the
#   LSTM apart, lesson 10 the GRU).
# - **careful initialisation and ReLU** together, the IRNN, also get far below the
#   baseline. Each alone is not enough here: the orthogonal start helps the tanh RNN's
#   gradient at the beginning but nothing keeps $W_{hh}$ orthogonal during training, and a
#   ReLU RNN with an ordinary start loses its gradient through inactive units.
#
# In practice these are combined: an LSTM or GRU, a sensible start (orthogonal recurrent
# weights, a forget-gate bias of 1), and gradient clipping by norm as insurance against the
# occasional explosion. The rest of the course trains its recurrent models with gated
# cells and clipping by norm: whether a deep or recurrent network learns at all depends
# less on its size than on keeping its gradients within a usable range.

# %%
print(f"lesson ran in {time.perf_counter() - lesson_start:.1f} s")

# %% [markdown]
# ## Check yourself
#
# Open `lessons/08_gradients_exercises.py`, replace each `raise NotImplementedError`, then
# run `tinygrad-rnn grade 8` (or `tinygrad-rnn grade 8.3` for one exercise).
#
# | id | you write | this lesson's section |
# |---|---|---|
# | 8.1 | `grad_norms(grads)` and `per_step_factor(norms)` | Measuring it |
# | 8.2 | `clip_by_norm(grads, max_norm)` and `clip_by_value(grads, clip_value)`, matching `optim` | Exploding gradients; Four remedies |
# | 8.3 | `spectral_radius(W)` and `jacobian_norms(W_hh, hs)` for a tanh RNN | The gradient through time is a product; the spectral radius |
# | 8.4 | `orthogonal(n, rng)` and `identity(n)`: starts for $W_{hh}$ | Four remedies |
# | 8.5 | `rnn_train_step(params, xs, h0, ys, lr, max_norm)`: a training step with clipping inside it | Exploding gradients; Four remedies |
# | 8.6 | experiment: `clipping_directions(grads, threshold)`, your numbers must show which clipping keeps the direction | Four remedies |
# | 8.7 | experiment: `predict_growth(W_hh)` and `measure_growth(W_hh, u, steps)` on matrices chosen to fool the norm | The spectral radius |
#
# Questions for yourself:
#
# - A sigmoid RNN has $\lVert W_{hh} \rVert = 3$. Can its gradient explode? What does the
#   bound $\gamma \lVert W_{hh} \rVert$ say?
# - Why does clipping help against exploding gradients but not against vanishing ones?
# - The tanh RNN with $\rho = 3$ exploded far less than $3^{60}$. Where did the rest go?
# - An orthogonal $W_{hh}$ keeps $\lVert W v \rVert = \lVert v \rVert$. Why does the
#   gradient of a tanh RNN with an orthogonal $W_{hh}$ still shrink a little per step?
