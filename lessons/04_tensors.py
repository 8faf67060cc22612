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
# # Lesson 4: From scalars to tensors
#
# The scalar engine of lessons 1 to 3 makes one Python object for every number it touches.
# That is what makes it easy to read, and it is also why it is slow: a small network on a
# hundred points already builds tens of thousands of nodes per step. This lesson keeps
# the same idea, a graph that remembers how every result was made, but puts a whole array
# in each node: a **tensor**.
#
# Here is the target. The network of lesson 3, `MLP(2, [16, 16, 1])`, runs forward on 100
# points twice: once with `Value`s, once with `Tensor`s holding *the same weights*.

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np

from tinygrad_rnn import graph, kernels, pictures
from tinygrad_rnn.data import make_moons
from tinygrad_rnn.function import ShapeError, unbroadcast
from tinygrad_rnn.gradcheck import gradcheck_tensors
from tinygrad_rnn.scalar import MLP, Value
from tinygrad_rnn.tensor import Tensor

lesson_start = time.perf_counter()
# Lesson 5 is about the compiled kernels; here every Tensor op is plain numpy.
kernels.use_numba(False)

X, y = make_moons(100, noise=0.1, seed=1)  # X (100, 2), y (100,) in {0, 1}
scalar_model = MLP(2, [16, 16, 1], seed=1)


def copy_weights(model: MLP) -> list[Tensor]:
    """The scalar model's weights as float64 Tensors: [W1, b1, W2, b2, W3, b3]."""
    params = []
    for k, layer in enumerate(model.layers, start=1):
        W = [[w.data for w in neuron.w] for neuron in layer.neurons]  # (out, in)
        b = [neuron.b.data for neuron in layer.neurons]  # (out,)
        params.append(Tensor(W, requires_grad=True, dtype=np.float64, label=f"W{k}"))
        params.append(Tensor(b, requires_grad=True, dtype=np.float64, label=f"b{k}"))
    return params


def tensor_mlp(params: list[Tensor], x: Tensor) -> Tensor:
    """The same MLP on a whole batch: ReLU hidden layers, a linear output, shape (B,)."""
    h = x  # (B, 2)
    for k in range(0, len(params), 2):
        W, b = params[k], params[k + 1]
        h = h @ W.T + b  # (B, out)
        if k + 2 < len(params):
            h = h.relu()
    return h.reshape(-1)  # (B,)


tensor_params = copy_weights(scalar_model)

start = time.perf_counter()
scores_scalar = [scalar_model([float(a), float(b)]).data for a, b in X]
scalar_seconds = time.perf_counter() - start

start = time.perf_counter()
scores_tensor = tensor_mlp(tensor_params, Tensor(X, dtype=np.float64)).data
tensor_seconds = time.perf_counter() - start

print(f"scalar engine: {scalar_seconds * 1e3:7.2f} ms for 100 points")
print(f"tensor engine: {tensor_seconds * 1e3:7.2f} ms for 100 points")
print("largest difference between the two:", np.abs(np.array(scores_scalar) - scores_tensor).max())

# %% [markdown]
# The same numbers, to within float64 rounding, in a small fraction of the time. By the end
# of the lesson the whole training loop runs both ways, with the same loss curve, and you will
# have measured how many times faster the tensor version is. On the way you meet the three
# ideas that make it possible: **batching**, **broadcasting** and the **matrix product**,
# each with its gradient.
#
# ## Batching: one array instead of many numbers
#
# A layer of lesson 1 computed, for each neuron $j$, $z_j = \sum_i W_{ji} x_i + b_j$ with
# a Python loop over $i$ and another over $j$. Stack the weights of the layer into a
# matrix $W$ of shape `(out, in)` (one row per neuron, as in lesson 1) and the inputs of
# a whole **batch** of $B$ examples into a matrix $X$ of shape `(B, in)`, one example per
# row. Then every neuron on every example is one expression:
#
# $$ Z = X W^\top + b, \qquad Z_{nj} = \sum_i X_{ni} W_{ji} + b_j $$
#
# with $Z$ of shape `(B, out)`. numpy runs the triple loop in compiled code, and the
# autograd graph gets one node for the whole product instead of $B \cdot \text{out} \cdot
# \text{in}$ multiplications and additions.

# %%
rng = np.random.default_rng(0)
X_batch = rng.standard_normal((5, 3))  # (B, in) = 5 examples, 3 features
W = rng.standard_normal((4, 3))  # (out, in) = 4 neurons
b = rng.standard_normal(4)  # (out,)

Z = X_batch @ W.T + b  # (5, 4)
loops = np.array(
    [[sum(X_batch[n, i] * W[j, i] for i in range(3)) + b[j] for j in range(4)] for n in range(5)]
)
print("Z has shape", Z.shape, "; matches the loops:", np.allclose(Z, loops))

# %% [markdown]
# The shapes tell you whether an expression can be right before you run it, so this
# course writes them beside every tensor line: `# (B, out)`. Getting them wrong is the most
# common bug in array code, and the engine names the op and both shapes when you do:

# %%
try:
    Tensor(X_batch) @ Tensor(W)  # forgot the transpose: (5, 3) @ (4, 3)
except ShapeError as err:
    print("ShapeError:", err)

# %% [markdown]
# ## Broadcasting: how `+ b` works
#
# In $X W^\top + b$ a matrix of shape `(5, 4)` meets a vector of shape `(4,)`. numpy
# (and the Tensor engine, which uses numpy's rule) **broadcasts**: it acts as if `b` were
# copied into every row. The rule, for two shapes:
#
# 1. line the shapes up **from the right**; a shape with fewer axes gets size-1 axes added
#    on the left (`(4,)` becomes `(1, 4)`);
# 2. on each axis the sizes must be **equal**, or one of them must be **1**;
# 3. a size-1 axis is stretched (copied) to the other size.
#
# Nothing is actually copied in memory; the picture below is what the rule means. Dark
# cells hold the real numbers, light cells are the copies the rule pretends exist.


# %%
def draw_shape(ax, rows: int, cols: int, x0: float, real: tuple[int, int], color: str, name: str):
    """Draw a rows x cols grid at x0; the top-left real[0] x real[1] cells are the real ones."""
    for r in range(rows):
        for c in range(cols):
            is_real = r < real[0] and c < real[1]
            ax.add_patch(
                plt.Rectangle(
                    (x0 + c, -r - 1),
                    0.92,
                    0.92,
                    color=color,
                    alpha=0.9 if is_real else 0.25,
                )
            )
    ax.text(x0 + cols / 2, 0.4, name, ha="center", fontsize=11)


fig, axes = plt.subplots(1, 2, figsize=(7.5, 2.4))
examples = [
    ("(5, 4)", (5, 4), (5, 4), "(4,) → (1, 4) → (5, 4)", (5, 4), (1, 4)),
    ("(5, 1) → (5, 4)", (5, 4), (5, 1), "(1, 4) → (5, 4)", (5, 4), (1, 4)),
]
for ax, (left_name, left_shape, left_real, right_name, right_shape, right_real) in zip(
    axes, examples, strict=True
):
    draw_shape(ax, *left_shape, 0, left_real, "tab:blue", left_name)
    ax.text(4.7, -2.7, "+", fontsize=18, ha="center")
    draw_shape(ax, *right_shape, 5.5, right_real, "tab:orange", right_name)
    ax.text(10.2, -2.7, "=", fontsize=18, ha="center")
    draw_shape(ax, 5, 4, 11, (5, 4), "tab:green", "(5, 4)")
    ax.set_xlim(-0.5, 15.5)
    ax.set_ylim(-5.5, 1.2)
    ax.set_aspect("equal")
    ax.axis("off")
axes[0].set_title("a matrix plus a bias row")
axes[1].set_title("a column plus a row: both stretch")
pictures.show(
    fig,
    "broadcasting",
    "Broadcasting: a bias row is repeated down a matrix; a column and a row both stretch.",
)

# %% [markdown]
# Some shapes side by side, with what `np.broadcast_shapes` says about them:

# %%
for left, right in [((5, 4), (4,)), ((5, 1), (1, 4)), ((2, 5, 4), (5, 1)), ((5, 4), (5,))]:
    try:
        print(f"{left!s:>10} with {right!s:<8} -> {np.broadcast_shapes(left, right)}")
    except ValueError:
        print(f"{left!s:>10} with {right!s:<8} -> error: 4 and 5 are neither equal nor 1")

# %% [markdown]
# The last one is the classic mistake: a bias with one entry per *example* instead of one
# per *neuron*. Rule 1 lines the bias's 5 up with the last axis, the 4 neurons, and they
# don't fit.
#
# ### The gradient of a broadcast is a sum
#
# If `b` was copied into all 5 rows, each $b_j$ was **used 5 times**. Lesson 2 showed what
# happens to a value that is used more than once (`b = a + a`): its gradient is the sum of
# the gradients of all its uses. So the gradient of a broadcast input is the output's
# gradient **summed over the axes it was stretched along**:
#
# $$ Z = A + b \;\Rightarrow\; \frac{\partial L}{\partial b_j} = \sum_n \frac{\partial L}{\partial Z_{nj}} $$
#
# Watch the engine do it. `G` below plays the role of $\partial L/\partial Z$: we make
# $L = \sum_{nj} G_{nj} Z_{nj}$, whose gradient with respect to $Z$ is exactly `G`.

# %%
A = Tensor(rng.standard_normal((5, 4)), requires_grad=True, dtype=np.float64)
bias = Tensor(rng.standard_normal(4), requires_grad=True, dtype=np.float64)
G = rng.standard_normal((5, 4))

Z = A + bias  # (5, 4): bias broadcast along the rows
(Z * G).sum().backward()
print("A.grad has shape", A.grad.shape, "  bias.grad has shape", bias.grad.shape)
print("bias.grad      :", bias.grad.round(4))
print("G summed down  :", G.sum(axis=0).round(4))

# %% [markdown]
# Every Tensor op hands the gradient of its *output* shape back, and one function of the
# engine, `unbroadcast(grad, shape)`, folds it to each input's shape. Its two steps follow
# the rule: sum away the axes that were added on the left, then sum (keeping the axis) every
# axis where the input had size 1. Exercise 4.1 asks you to write it.

# %%
g = np.ones((2, 5, 4))  # a gradient of ones: each entry of the result counts the copies
for shape in [(5, 4), (4,), (5, 1), (1, 4), (2, 1, 1)]:
    folded = unbroadcast(g, shape)
    print(
        f"(2, 5, 4) summed back to {shape!s:<9} -> shape {folded.shape!s:<9}, "
        f"every entry {folded.flat[0]:g}"
    )

# %% [markdown]
# And the independent check of lesson 2, central differences, agrees for a broadcasting
# function (`gradcheck_tensors` does everything in float64):

# %%
report = gradcheck_tensors(
    lambda a, c: (a * c + c).tanh(), [rng.standard_normal((5, 4)), rng.standard_normal((5, 1))]
)
print(report)

# %% [markdown]
# ## The matrix product and its gradient
#
# For $C = AB$ with $A$ of shape `(n, k)` and $B$ of shape `(k, m)`, each entry is
# $C_{ij} = \sum_p A_{ip} B_{pj}$. Write $G = \partial L/\partial C$, of $C$'s shape
# `(n, m)`. Entry $A_{ip}$ appears in every $C_{ij}$ of row $i$, multiplied by $B_{pj}$, so
#
# $$ \frac{\partial L}{\partial A_{ip}} = \sum_j G_{ij} B_{pj} = (G B^\top)_{ip}, \qquad \frac{\partial L}{\partial B} = A^\top G $$
#
# (the second by the same argument, column by column).
#
# You do not have to memorise which side the transpose goes on: **the shapes decide**.
# `dA` must have $A$'s shape `(n, k)`, and the only way to make `(n, k)` from `G (n, m)`
# and `B (k, m)` is `G @ B.T`. The same argument gives `A.T @ G` of shape `(k, m)`.

# %%
A = Tensor(rng.standard_normal((3, 4)), requires_grad=True, dtype=np.float64, label="A")
B = Tensor(rng.standard_normal((4, 2)), requires_grad=True, dtype=np.float64, label="B")
G = rng.standard_normal((3, 2))  # (n, m) = dL/dC

C = A @ B  # (3, 2)
(C * G).sum().backward()
print("dA = G @ B.T :", np.allclose(A.grad, G @ B.data.T), "  shape", A.grad.shape)
print("dB = A.T @ G :", np.allclose(B.grad, A.data.T @ G), "  shape", B.grad.shape)
print(gradcheck_tensors(lambda a, b: a @ b, [A.data, B.data]))

# %% [markdown]
# A batched linear layer $Z = X W^\top + b$ is a product, a transpose and a broadcast add,
# so its three gradients follow from the pieces: $\partial L/\partial X = G W$,
# $\partial L/\partial W = G^\top X$ and $\partial L/\partial b = \sum_n G_{n\cdot}$. In
# words: the weight gradient adds up, over the batch, each example's input times the error
# signal that reached the neuron. That sum over the batch is batching's whole trick for
# the backward pass.
#
# ## The graph of a tensor network
#
# A Tensor remembers its inputs and the op that made it, exactly like a Value, and the
# same `graph.draw` draws it. Each box is now a whole array, so it shows a **shape**
# instead of a number; the ellipses are ops (`permute` is the `.T`). Here is one small
# layer and a loss, on a batch of 8:

# %%
x = Tensor(rng.standard_normal((8, 3)), label="x")
W1 = Tensor(rng.standard_normal((4, 3)), requires_grad=True, label="W1")
b1 = Tensor(np.zeros(4), requires_grad=True, label="b1")
w2 = Tensor(rng.standard_normal(4), requires_grad=True, label="w2")
hidden = (x @ W1.T + b1).tanh()  # (8, 4)
hidden.label = "hidden"
loss = (hidden @ w2).square().mean()
loss.label = "loss"
loss.backward()
pictures.show(
    graph.draw(loss),
    "tensor-graph",
    "The same kind of graph with Tensors: each box is a whole array, shown by its shape.",
)

# %% [markdown]
# Eight op nodes, whatever the batch size. (`x` needs no gradient, so the graph walk never
# visits it; `.square()` is `h * h`, one node used twice, as in lesson 2; `.mean()` is a
# sum times $1/8$.) The same computation in the scalar engine is a
# graph of about 360 nodes for this batch of 8, and about 42,000 for a batch of a thousand.
#
# ## The same network, trained twice
#
# Now the real comparison. Both engines start from **identical weights** (copied from the
# scalar `MLP` as above), see the same 100 points, use the same loss and the same
# learning rate, in float64. The loss is lesson 3's hinge loss with labels
# $t \in \{-1, +1\}$: $L = \frac{1}{N}\sum_n \max(0,\; 1 - t_n s_n)$, where $s_n$ is the
# network's score. If the tensor engine is right, the two loss curves are the same curve.

# %%
# The scalar engine needs a few tenths of a second per step, so the default run is short;
# set the environment variable `LESSON_FULL=1` for a longer one.
SCALAR_STEPS = 40 if os.environ.get("LESSON_FULL") == "1" else 10
LEARNING_RATE = 0.5
targets = np.where(y == 1, 1.0, -1.0)  # (100,)


def train_scalar(model: MLP, steps: int) -> tuple[list[float], float]:
    """Full-batch gradient descent with Values; returns (losses, seconds per step)."""
    rows = [[float(a), float(b)] for a, b in X]
    params = model.parameters()
    losses = []
    start = time.perf_counter()
    for _ in range(steps):
        scores = [model(row) for row in rows]
        margins = [(1.0 - t * s).relu() for t, s in zip(targets, scores, strict=True)]
        loss = sum(margins, Value(0.0)) * (1.0 / len(margins))
        model.zero_grad()
        loss.backward()
        for p in params:
            p.data -= LEARNING_RATE * p.grad
        losses.append(loss.data)
    return losses, (time.perf_counter() - start) / steps


def train_tensor(params: list[Tensor], steps: int) -> tuple[list[float], float]:
    """The same loop with Tensors: one forward, one backward, one update per parameter."""
    inputs = Tensor(X, dtype=np.float64)  # (100, 2)
    t = Tensor(targets, dtype=np.float64)  # (100,)
    losses = []
    start = time.perf_counter()
    for _ in range(steps):
        scores = tensor_mlp(params, inputs)  # (100,)
        loss = (1.0 - t * scores).relu().mean()
        for p in params:
            p.zero_grad()
        loss.backward()
        for p in params:
            p.data -= LEARNING_RATE * p.grad
        losses.append(loss.item())
    return losses, (time.perf_counter() - start) / steps


scalar_model = MLP(2, [16, 16, 1], seed=1)
tensor_params = copy_weights(scalar_model)  # the same starting point, before any training

scalar_losses, scalar_step = train_scalar(scalar_model, SCALAR_STEPS)
tensor_losses, _ = train_tensor(tensor_params, SCALAR_STEPS)
print(
    "max |loss difference| over",
    SCALAR_STEPS,
    "steps:",
    np.abs(np.array(scalar_losses) - np.array(tensor_losses)).max(),
)

# %% [markdown]
# A difference of zero or a few units in the last place of a float64: the two engines do
# the same arithmetic in a different order. Now the speed. One tensor step is over so
# quickly that we time a few hundred of them, on a fresh copy of the same starting weights.

# %%
_, tensor_step = train_tensor(copy_weights(MLP(2, [16, 16, 1], seed=1)), 300)
print(f"scalar engine: {scalar_step * 1e3:8.2f} ms per training step")
print(f"tensor engine: {tensor_step * 1e3:8.2f} ms per training step")
print(f"the tensor engine is {scalar_step / tensor_step:.0f} times faster on this machine")

# %% [markdown]
# Where do the hundreds come from? The scalar step creates and then walks tens of
# thousands of Python objects, one per multiplication; the tensor step creates about
# thirty, and the multiplications happen inside numpy's compiled loops. And the
# tensor step hardly grows with the batch (numpy's loops are fast), while the scalar step grows
# in proportion to it. The picture shows both runs, and then the tensor engine carrying
# on for a few hundred steps, which costs it less time than the scalar engine spent on
# the handful above.

# %%
long_params = copy_weights(MLP(2, [16, 16, 1], seed=1))
long_losses, _ = train_tensor(long_params, 400)

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7.5, 3.4))
ax1.plot(scalar_losses, "o-", label="scalar engine (Value)", markersize=7)
ax1.plot(tensor_losses, "x--", label="tensor engine (Tensor)", markersize=7, color="k")
ax1.set_xlabel("step")
ax1.set_ylabel("hinge loss")
ax1.set_title("same weights, same data: the same curve")
ax1.legend()

xs = np.linspace(X[:, 0].min() - 0.5, X[:, 0].max() + 0.5, 150)
ys = np.linspace(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5, 150)
grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)  # (22500, 2): one batch
scores = tensor_mlp(long_params, Tensor(grid, dtype=np.float64)).data.reshape(150, 150)
ax2.contourf(xs, ys, scores > 0, alpha=0.3, cmap="coolwarm")
ax2.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", s=20)
accuracy = np.mean((tensor_mlp(long_params, Tensor(X, dtype=np.float64)).data > 0) == (y == 1))
ax2.set_title(f"tensor engine after 400 steps: accuracy {accuracy:.0%}")
pictures.show(
    fig,
    "same-curve",
    "Left: with the same weights and data, the scalar and the tensor engine trace the "
    "same curve. Right: the tensor engine's decision boundary after 400 steps.",
)

# %% [markdown]
# The decision boundary on the right needed the network's score at 22,500 grid points.
# For the tensor engine that is one more batch, computed in one call; the scalar engine
# would need a few seconds just for this picture.

# %% [markdown]
# ## How the gap grows with the batch
#
# The scalar engine builds a separate graph for every point, so its step time grows in
# proportion to the number of points. The tensor engine pays a fixed cost per op (about
# thirty ops per step) plus numpy's loops, which are fast. Time one training step of each
# for several batch sizes (the scalar engine only on small ones):


# %%
def step_seconds(engine: str, n_points: int) -> float:
    """Seconds for one full-batch training step on `n_points` moons."""
    X_n, y_n = make_moons(n_points, noise=0.1, seed=2)
    t_n = np.where(y_n == 1, 1.0, -1.0)
    model = MLP(2, [16, 16, 1], seed=1)
    if engine == "scalar":

        def scalar_step() -> None:
            scores = [model([float(a), float(b)]) for a, b in X_n]
            margins = [(1.0 - t * s).relu() for t, s in zip(t_n, scores, strict=True)]
            (sum(margins, Value(0.0)) * (1.0 / n_points)).backward()

        return best_time_of(scalar_step, repeat=3 if n_points <= 30 else 1)
    params = copy_weights(model)
    inputs, t = Tensor(X_n, dtype=np.float64), Tensor(t_n, dtype=np.float64)

    def one_step() -> None:
        (1.0 - t * tensor_mlp(params, inputs)).relu().mean().backward()

    return best_time_of(one_step)


def best_time_of(fn, repeat: int = 10) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


scalar_sizes = [10, 30, 100]
tensor_sizes = [10, 30, 100, 300, 1_000]
scalar_times = [step_seconds("scalar", n) for n in scalar_sizes]
tensor_times = [step_seconds("tensor", n) for n in tensor_sizes]
per_point = scalar_times[-1] / scalar_sizes[-1]  # the scalar step grows in proportion

fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(scalar_sizes, scalar_times, "o-", label="scalar engine (measured)")
ax.loglog(
    tensor_sizes,
    [per_point * n for n in tensor_sizes],
    ":",
    color="tab:blue",
    label="scalar engine (in proportion)",
)
ax.loglog(tensor_sizes, tensor_times, "s-", label="tensor engine (measured)")
ax.set_xlabel("points in the batch")
ax.set_ylabel("seconds per training step")
ax.legend()
fig.tight_layout()
pictures.show(
    fig,
    "engine-speed",
    "Seconds per training step against batch size, for the scalar and the tensor engine.",
)
for n, seconds in zip(tensor_sizes, tensor_times, strict=True):
    print(
        f"{n:6d} points: tensor {seconds * 1e3:7.2f} ms, scalar about {per_point * n:8.2f} s "
        f"-> {per_point * n / seconds:7.0f} times faster"
    )

# %% [markdown]
# At a thousand points the tensor engine is thousands of times faster: the scalar engine
# would need seconds for the step (the dotted line: its measured cost per point, times the
# number of points), the tensor engine about a millisecond. (Much larger batches hand
# numpy's matrix products to a multi-threaded BLAS library, whose speed then depends on
# what else the machine is doing; lesson 5 looks at speed more closely.)
#
# ## A loss over many classes, computed safely
#
# The moons had two classes and one score. With $C$ classes (the next character, later in
# the course) the network gives one score $z_j$ per class, the **softmax**
# $p_j = e^{z_j} / \sum_k e^{z_k}$ turns the scores into probabilities, and the
# **cross-entropy** loss is $-\ln p_t$ for the true class $t$: the same "minus log of the
# probability given to what really came" as the bigram model's score in lesson 0. Its
# gradient with respect to the scores is simply $p - \text{onehot}(t)$. Written naively it
# breaks on large scores, because $e^{1000}$ does not fit a float; subtracting the row's
# largest score first changes nothing in the softmax and keeps every exponent at most 0:

# %%
scores_row = np.array([1000.0, 998.0, 990.0])  # three classes, very confident scores
with np.errstate(over="ignore", invalid="ignore"):
    naive = np.exp(scores_row) / np.exp(scores_row).sum()
shifted = np.exp(scores_row - scores_row.max())
print("naive softmax  :", naive)
print("shifted softmax:", np.round(shifted / shifted.sum(), 6))

# %%
print(f"lesson ran in {time.perf_counter() - lesson_start:.1f} s")

# %% [markdown]
# ## Check yourself
#
# Open `lessons/04_tensors_exercises.py`, replace each `raise NotImplementedError`, then run
# `tinygrad-rnn grade 4`.
#
# | id | you write | this lesson's section |
# |---|---|---|
# | 4.1 | `unbroadcast(grad, shape)`: sum a gradient back to an input's shape | The gradient of a broadcast is a sum |
# | 4.2 | `linear_forward(x, W, b)`: a batched layer, with its shapes checked | Batching |
# | 4.3 | `matmul_backward(A, B, dC)`: `dA` and `dB` of a product | The matrix product and its gradient |
# | 4.4 | `softmax_cross_entropy(logits, targets)`: loss and gradient, stable | A loss over many classes |
#
# Questions to answer for yourself:
#
# - What shape does the gradient of a bias of shape `(1, 4)` have when it was added to a
#   `(5, 4)` matrix, and which axis was summed?
# - Why does `dA = G @ B.T` have to be right just from the shapes of `G`, `A` and `B`?
# - The scalar engine's time per step grows with the number of points. Why does the tensor
#   engine's time hardly change between 10 and 1000 points?
