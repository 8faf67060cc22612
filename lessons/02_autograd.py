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
# # Lesson 2: Derivatives, the chain rule, and autograd
#
# Training a network means adjusting its weights and biases to make its error smaller. To
# know which way to adjust each one, we need the derivative of the error with respect to
# every parameter: thousands of them, for every training step. This lesson builds the
# machine that computes all of them in one backward sweep, **automatic differentiation**,
# and the tools to trust it.
#
# The target: a small expression, its graph, every gradient filled in by one call to
# `backward()`, and an independent check that they are right.

# %%
import math
import sys
import time

import matplotlib.pyplot as plt
import numpy as np

from tinygrad_rnn import Value, autograd, graph, pictures
from tinygrad_rnn.gradcheck import gradcheck


def expression(a, b, c, f):
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return L


a, b = Value(2.0, label="a"), Value(-3.0, label="b")
c, f = Value(10.0, label="c"), Value(-2.0, label="f")
L = expression(a, b, c, f)
L.backward()
print(gradcheck(expression, [2.0, -3.0, 10.0, -2.0]))
pictures.show(
    graph.draw(L, title="L = (a b + c) f"),
    "expression-graph",
    "The graph of L = (ab + c)f: each box holds a value and its gradient after backward().",
)

# %% [markdown]
# ## The derivative as a slope
#
# The derivative $f'(x)$ is the slope of $f$ at $x$: nudge $x$ by a tiny $h$ and see how
# much $f$ moves, relative to $h$. Two ways to estimate it from evaluations of $f$:
#
# $$\text{one-sided: } \frac{f(x + h) - f(x)}{h}, \qquad
# \text{central: } \frac{f(x + h) - f(x - h)}{2h}.$$
#
# Try both on $f(x) = x^3$ at $x = 2$, where the exact answer is $3 \cdot 2^2 = 12$:


# %%
def cube(x):
    return x**3


for h in [1e-1, 1e-3, 1e-5]:
    one_sided = (cube(2 + h) - cube(2)) / h
    central = (cube(2 + h) - cube(2 - h)) / (2 * h)
    print(f"h = {h:.0e}: one-sided {one_sided:.10f}   central {central:.10f}   exact 12")

# %% [markdown]
# The central difference is far more accurate for the same $h$: stepping to both sides
# cancels the curvature term, so its error shrinks like $h^2$ rather than $h$. But $h$
# cannot shrink forever: below about $10^{-5}$ the two values of $f$ agree in almost all
# their digits and subtracting them throws the digits away (floating-point rounding).

# %%
hs = np.logspace(-13, -0.5, 60)
err_one = [abs((cube(2 + h) - cube(2)) / h - 12) for h in hs]
err_central = [abs((cube(2 + h) - cube(2 - h)) / (2 * h) - 12) for h in hs]
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.loglog(hs, err_one, label="one-sided")
ax.loglog(hs, err_central, label="central")
ax.set_xlabel("step h")
ax.set_ylabel("error in the slope of x³ at 2")
ax.legend()
pictures.show(fig, "slope-error", "Error of the two slope estimates against the step h.")
best = hs[int(np.argmin(err_central))]
print(f"the central difference is most accurate near h = {best:.0e}")

# %% [markdown]
# This is the method of the **gradient check** below. It is simple and independent of any
# backward rule, but it costs two evaluations of the whole function *per parameter*: for a
# network with a million weights, two million forward passes per step. We need something
# better for training, and this for checking it.
#
# ## The chain rule, by hand
#
# Take the expression from the top: $e = a b$, $d = e + c$, $L = d f$. Each step has a
# simple **local** derivative:
#
# $$\frac{\partial L}{\partial d} = f,\quad \frac{\partial L}{\partial f} = d,\quad
# \frac{\partial d}{\partial e} = 1,\quad \frac{\partial d}{\partial c} = 1,\quad
# \frac{\partial e}{\partial a} = b,\quad \frac{\partial e}{\partial b} = a.$$
#
# The **chain rule** says how they combine: the effect of $a$ on $L$ goes through $e$ and
# then $d$, and the rates multiply along the way,
#
# $$\frac{\partial L}{\partial a} = \frac{\partial L}{\partial d}\cdot
# \frac{\partial d}{\partial e}\cdot\frac{\partial e}{\partial a} = f \cdot 1 \cdot b.$$

# %%
av, bv, cv, fv = 2.0, -3.0, 10.0, -2.0
ev = av * bv
dv = ev + cv
by_hand = {"a": fv * 1 * bv, "b": fv * 1 * av, "c": fv * 1, "f": dv}


def L_of(**kw):
    vals = {"a": av, "b": bv, "c": cv, "f": fv, **kw}
    return (vals["a"] * vals["b"] + vals["c"]) * vals["f"]


for name, g in by_hand.items():
    h = 1e-6
    base = {"a": av, "b": bv, "c": cv, "f": fv}[name]
    numeric = (L_of(**{name: base + h}) - L_of(**{name: base - h})) / (2 * h)
    print(f"dL/d{name}: chain rule {g:+.4f}   central difference {numeric:+.4f}")

# %% [markdown]
# ## backward() by hand, node by node
#
# Doing that for every path by hand does not scale. Notice instead that every node only
# needs two things to pass gradient to its inputs: its own gradient $\partial L/\partial
# \text{node}$ and its local derivatives. So start at the end with
# $\partial L/\partial L = 1$ and walk backwards, each node handing gradient to its inputs.
#
# Each `Value` stores the function that does exactly this for its op, `node._backward`.
# Let's call them ourselves, one at a time, on a fresh copy of the expression:

# %%
a, b = Value(2.0, label="a"), Value(-3.0, label="b")
c, f = Value(10.0, label="c"), Value(-2.0, label="f")
L = expression(a, b, c, f)
e, d = L._a._a, L._a  # the interior nodes, found through the inputs each node keeps


def show(step):
    grads = ", ".join(f"{n.label}={n.grad:+g}" for n in (L, d, f, e, c, a, b))
    print(f"{step:22} {grads}")


show("start")
L.grad = 1.0
show("L.grad = 1")
L._backward(L)
show("L._backward(L)")
d._backward(d)
show("d._backward(d)")
e._backward(e)
show("e._backward(e)")
hand = {n.label: n.grad for n in (a, b, c, f)}

# %% [markdown]
# Each call fills in the gradients of one node's inputs: the multiplication $L = d f$ gives
# $d$ the gradient $f = -2$ and $f$ the gradient $d = 4$; the addition passes $-2$ on
# unchanged to $e$ and $c$; the last multiplication gives $a$ the gradient $b \cdot (-2)$.
# Those are the numbers the chain rule gave.
#
# ## Backpropagation, automatically
#
# Automating it takes one decision: **in which order** to call the `_backward`s. A node may
# hand on its gradient only after *every* node that uses it has handed gradient to it. The
# automatic version is then three lines:
#
# 1. list the nodes so that each comes after its inputs (a topological order);
# 2. set the root's gradient to 1;
# 3. call `_backward` on each node in the *reverse* of that order.
#
# That is what `Value.backward()` does, through `tinygrad_rnn.autograd.backward`:

# %%
a2, b2 = Value(2.0, label="a"), Value(-3.0, label="b")
c2, f2 = Value(10.0, label="c"), Value(-2.0, label="f")
L2 = expression(a2, b2, c2, f2)
L2.backward()
for name, node in zip("abcf", (a2, b2, c2, f2), strict=True):
    print(f"dL/d{name}: by hand {hand[name]:+g}   backward() {node.grad:+g}")

# %% [markdown]
# ## Topological order
#
# `autograd.toposort(root)` returns every node the root depends on, inputs first, the root
# last. Here is the order for our expression, and the same graph with a bigger, branching
# expression:

# %%
print([n.label for n in autograd.toposort(L2)])

x = Value(0.5, label="x")
y = Value(-1.5, label="y")
p = x * y
p.label = "p"
q = p.tanh()
q.label = "q"
r = p + x
r.label = "r"
s = q * r
s.label = "s"
order = autograd.toposort(s)
print([n.label for n in order])
position = {n: i for i, n in enumerate(order)}
print(
    "every node after all its inputs:",
    all(position[parent] < position[n] for n in order for parent in n._prev),
)

# %% [markdown]
# Why the order matters: walk the nodes in the *wrong* order (forward instead of reversed)
# and nodes hand on their gradient before they have received it.

# %%
s.zero_grad()
s.grad = 1.0
for node in order:  # wrong: forward order
    if node._backward is not None:
        node._backward(node)
wrong = (x.grad, y.grad)
s.backward()
print(f"forward order : dx = {wrong[0]:+.4f}, dy = {wrong[1]:+.4f}")
print(f"reversed order: dx = {x.grad:+.4f}, dy = {y.grad:+.4f}")
print(gradcheck(lambda x, y: (x * y).tanh() * (x * y + x), [0.5, -1.5]))

# %% [markdown]
# ## Nodes used more than once
#
# In $s = q \cdot r$ above, $p$ feeds both $q$ and $r$, and $x$ feeds both $p$ and $r$. A node
# used in several places influences the output along each path, and its gradient is the
# **sum** over the paths (the multivariate chain rule). That is why every backward rule
# *adds* into `grad` with `+=`. The smallest example: $b = a + a$, $c = b + b$, so $c = 4a$:

# %%
a = Value(3.0, label="a")
b = a + a
b.label = "b"
c = b + b
c.label = "c"
c.backward()
print("dc/da =", a.grad, "(c = 4a)")
print("nodes in the graph:", [n.label for n in autograd.toposort(c)], "(a appears once)")
pictures.show(graph.draw(c), "reused-node", "a is used twice by b, and b twice by c: c = 4a.")

# %% [markdown]
# What goes wrong with `=` instead of `+=`? Swap in a broken addition rule that assigns
# and run the same graph:


# %%
def add_backward_assigning(out):  # the bug: "=" overwrites the first path's share
    out._a.grad = out.grad
    out._b.grad = out.grad


for node in (b, c):
    node._backward = add_backward_assigning
a.grad = 0.0
c.backward()
print("with '=' instead of '+=': dc/da =", a.grad, "(wrong: should be 4)")

# %% [markdown]
# ## Gradient accumulation, and zero_grad
#
# Because gradients add up, calling `backward()` a second time adds the same gradients
# again. The library's rule (the same as PyTorch's): **leaves accumulate**, interior nodes
# start afresh on every call. So after two calls a leaf holds twice its gradient:

# %%
w = Value(0.8, label="w")
x_in = Value(2.0, label="x")
h = (w * x_in).tanh()
h.label = "h"
h.backward()
first = w.grad
h.backward()
print(f"after 1 call: dh/dw = {first:.5f};  after 2 calls: {w.grad:.5f} (twice)")
h.zero_grad()
h.backward()
print(f"after zero_grad and 1 call: {w.grad:.5f}")

# %% [markdown]
# Accumulation is a feature: the gradient of a sum of losses over several examples is the
# sum of their gradients, so you can call `backward()` on each example and the parameters
# collect the total. It is also the most common training bug: forget `zero_grad()` between
# steps and every step uses the sum of all previous gradients. Lesson 3's training loop
# calls `model.zero_grad()` before each `backward()`.
#
# ## Adding an operation to the engine
#
# Each op of `Value` is a pair: a forward method that computes the result and creates the
# output node, and a backward function beside it that applies the local derivative. The
# node is built as `Value(data, first_input, second_input_or_None, "op name")`; its
# `_prev` property then lists the inputs for the graph walk, and the backward function finds
# its input as `out._a`. As an example, **softplus**,
# $\mathrm{softplus}(a) = \ln(1 + e^{a})$, a smooth cousin of ReLU whose slope is the sigmoid:
#
# $$\frac{d}{da}\ln(1 + e^{a}) = \frac{e^{a}}{1 + e^{a}} = \sigma(a).$$


# %%
def softplus(a):
    # max(a, 0) + log(1 + e^-|a|) equals log(1 + e^a) and never overflows.
    data = max(a.data, 0.0) + math.log1p(math.exp(-abs(a.data)))
    out = Value(data, a, None, "softplus")
    out._backward = softplus_backward
    return out


def softplus_backward(out):
    a = out._a
    slope = (
        1.0 / (1.0 + math.exp(-a.data))
        if a.data >= 0
        else math.exp(a.data) / (1.0 + math.exp(a.data))
    )
    a.grad += slope * out.grad  # chain rule: local slope times the gradient arriving


z = Value(0.7, label="z")
sp = softplus(z) * 3.0
sp.backward()
print(
    f"softplus(0.7) = {softplus(Value(0.7)).data:.6f}   log(1 + e^0.7) = {math.log1p(math.exp(0.7)):.6f}"
)
print(f"d(3 softplus(z))/dz = {z.grad:.6f}   3 sigmoid(0.7) = {3 / (1 + math.exp(-0.7)):.6f}")
print("softplus(1000) =", softplus(Value(1000.0)).data, "(no overflow)")
print(gradcheck(lambda t: softplus(t * t - 1.0) * t, [0.4]))

# %% [markdown]
# ## Gradient check: trust, but verify
#
# A backward rule with a mistake still produces numbers; they are just wrong, and training
# then quietly goes nowhere. `tinygrad_rnn.gradcheck.gradcheck(fn, inputs)` compares the
# gradients from `backward()` with central differences at the point `inputs`. Here it
# catches a softplus whose backward forgot to multiply by the arriving gradient:


# %%
def softplus_backward_buggy(out):
    a = out._a
    a.grad += 1.0 / (1.0 + math.exp(-a.data))  # forgot "* out.grad"


def softplus_buggy(a):
    out = softplus(a)
    out._backward = softplus_backward_buggy
    return out


print("right rule:", gradcheck(lambda t: softplus(t) * 3.0, [0.7]))
print("buggy rule:", gradcheck(lambda t: softplus_buggy(t) * 3.0, [0.7]))

# %% [markdown]
# Notice the buggy rule is *right* when `softplus` is the last op (the arriving gradient is
# then 1): a check on the op alone would pass. Always check an op inside a larger expression.
# The check works for any function of several inputs built from `Value` operations:


# %%
def mixed(a, b, c):
    return ((a * b).sigmoid() + (c**2 + 1.0).log()) * (a - c).relu() / (b * b + 1.0)


report = gradcheck(mixed, [1.3, -0.4, 0.2])
print(report)
print("backprop:", [round(g, 6) for g in report.analytic])
print("numeric :", [round(g, 6) for g in report.numeric])

# %% [markdown]
# ## Deep graphs: 100,000 steps
#
# An RNN unrolled over a long sequence becomes a very deep graph: a chain of thousands of
# nodes. The simple way to write the topological sort, a recursive function, fails there,
# because Python stops recursing at about 1,000 nested calls:


# %%
def recursive_toposort(root):
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for parent in node._prev:
                visit(parent)
            order.append(node)

    visit(root)
    return order


chain_start = Value(1.0)
y = chain_start
for _ in range(5_000):
    y = y * 0.9999
try:
    recursive_toposort(y)
    print("recursive sort: fine")
except RecursionError as err:
    print(f"recursive sort on 5,000 nodes: RecursionError ({err}); limit {sys.getrecursionlimit()}")

# %% [markdown]
# The library's `toposort` keeps its own stack in a list instead, so depth is no problem.
# Backpropagate through a chain of 100,000 multiplications by $0.99999$: the gradient should
# be $0.99999^{100000} \approx e^{-1}$.

# %%
x0 = Value(1.0)
y = x0
for _ in range(100_000):
    y = y * 0.99999
start = time.perf_counter()
y.backward()
seconds = time.perf_counter() - start
print(f"dy/dx0 = {x0.grad:.6f}   0.99999**100000 = {0.99999**100_000:.6f}")
print(f"backward through {len(autograd.toposort(y)):,} nodes took {seconds:.2f} s")

# %% [markdown]
# ## Check yourself
#
# Open `lessons/02_autograd_exercises.py`, replace each `raise NotImplementedError`, then run
# `tinygrad-rnn grade 2` (or `tinygrad-rnn grade 2.3` for one exercise).
#
# | id | you write | this lesson's section |
# |---|---|---|
# | 2.1 | `numerical_derivative(f, x, h)`: the central difference | The derivative as a slope |
# | 2.2 | `sin(a)` and `sin_backward(out)`: a new op | Adding an operation to the engine |
# | 2.3 | `topological_order(root)`: each node once, no recursion | Topological order, Deep graphs |
# | 2.4 | `backward(root)`: reset, seed, walk in reverse | Backpropagation, automatically |
#
# Questions for yourself: in $c = b \cdot b$ with $b = a + a$, what is $dc/da$ at $a = 1$,
# and which of your functions makes it come out right? Why does `backward()` reset interior
# gradients but not leaves?
