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
# # Lesson 5: Fast hot loops with numba
#
# Lesson 4 made the network hundreds of times faster by handing whole arrays to numpy.
# Some loops do not fit numpy's whole-array operations, though, and a recurrent network is
# full of them. This lesson writes such loops in plain Python and has **numba** compile
# them to machine code; it measures when that pays off and when it does not, and shows
# how this project keeps compiled code honest.
#
# Here is the target. The backward pass of an embedding table (lesson 11 uses one) adds
# row $n$ of a gradient into row `indices[n]` of the table's gradient, and indices repeat.
# numpy's tool for that is `np.add.at`; the library also has a compiled loop for it:

# %%
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from numba import njit

from tinygrad_rnn import kernels, pictures
from tinygrad_rnn.kernels import elementwise, elementwise_jit, products_jit

lesson_start = time.perf_counter()


def best_time(fn, *args, repeat: int = 5) -> float:
    """The fastest of `repeat` runs, in seconds (the least disturbed by anything else)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return min(times)


rng = np.random.default_rng(0)
grad_rows = rng.standard_normal((20_000, 32))  # (N, D): gradient of each looked-up row
indices = rng.integers(0, 100, size=20_000)  # (N,): which of 100 table rows each one was

elementwise_jit.embedding_backward(grad_rows[:2], indices[:2], 100)  # compile (or load) it once
numpy_seconds = best_time(elementwise.embedding_backward, grad_rows, indices, 100)
numba_seconds = best_time(elementwise_jit.embedding_backward, grad_rows, indices, 100)
same = np.allclose(
    elementwise.embedding_backward(grad_rows, indices, 100),
    elementwise_jit.embedding_backward(grad_rows, indices, 100),
)
print(f"np.add.at      : {numpy_seconds * 1e3:6.2f} ms")
speedup = numpy_seconds / numba_seconds
print(f"compiled loop  : {numba_seconds * 1e3:6.2f} ms  ({speedup:.0f}x faster)")
print("same result    :", same)

# %% [markdown]
# The compiled loop is the most obvious code there is: for each row, add it where it
# belongs. By the end of this lesson you will know how it was made, why it is much faster
# here while numba buys almost nothing for other operations, and why the library
# keeps the slow numpy version right beside it.
#
# ## Three ways to run one elementwise operation
#
# Take the sigmoid and its backward pass, fused into one function: given the input $x$
# and the gradient $g$ arriving from above, return $y = \sigma(x)$ and
# $g\,\sigma'(x) = g\,y(1-y)$. (A layer that saves memory by recomputing its forward pass
# during backward does exactly this.) The stable sigmoid needs a branch: for $x \ge 0$
# compute $1/(1+e^{-x})$, for $x < 0$ compute $e^{x}/(1+e^{x})$, so that `exp` never sees
# a large positive number.
#
# **1. A Python loop**, one number at a time:


# %%
def sigmoid_fused_python(x: list[float], grad_out: list[float]) -> tuple[list, list]:
    y, grad_x = [0.0] * len(x), [0.0] * len(x)
    for i in range(len(x)):
        v = x[i]
        if v >= 0.0:
            s = 1.0 / (1.0 + math.exp(-v))
        else:
            e = math.exp(v)
            s = e / (1.0 + e)
        y[i] = s
        grad_x[i] = grad_out[i] * s * (1.0 - s)
    return y, grad_x


# %% [markdown]
# **2. numpy**, whole arrays at a time. The branch becomes `np.where`, which computes
# *both* sides for every element and then picks; and each operation writes a temporary
# array, so the data goes through memory several times:


# %%
def sigmoid_fused_numpy(x: np.ndarray, grad_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    e = np.exp(-np.abs(x))  # never overflows
    y = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return y, grad_out * y * (1.0 - y)


# %% [markdown]
# **3. numba**: the Python loop again, with arrays instead of lists, under the `@njit`
# decorator ("no-Python just-in-time"). The first call with a new kind of argument (say,
# a 1-D float64 array) makes numba infer the type of every variable and compile the
# function with LLVM; later calls jump straight to the machine code. Inside, only
# what numba understands is allowed: numbers, numpy arrays, loops, `if`, most of `math`
# and numpy's maths functions; no lists of mixed things, no arbitrary Python objects.
# `error_model="numpy"` lets a division by zero give `inf` as numpy does instead of raising,
# which also leaves the compiler free to vectorise the loop.


# %%
@njit(error_model="numpy")
def sigmoid_fused_numba(x, grad_out):
    y = np.empty_like(x)
    grad_x = np.empty_like(x)
    for i in range(x.size):
        v = x[i]
        if v >= 0.0:
            s = 1.0 / (1.0 + np.exp(-v))
        else:
            e = np.exp(v)
            s = e / (1.0 + e)
        y[i] = s
        grad_x[i] = grad_out[i] * s * (1.0 - s)
    return y, grad_x


x = rng.standard_normal(1_000_000) * 4  # (N,) float64
g = rng.standard_normal(1_000_000)

start = time.perf_counter()
sigmoid_fused_numba(x[:10], g[:10])
first_call = time.perf_counter() - start
second_call = best_time(sigmoid_fused_numba, x[:10], g[:10])
print(f"first call (compiles): {first_call * 1e3:8.1f} ms")
print(f"second call          : {second_call * 1e3:8.4f} ms")

# %% [markdown]
# The first call took a good part of a second (numba starting up, then compiling); a call
# now costs microseconds. Now the three side by side, in nanoseconds per element (the
# Python loop gets a tenth of the data, or it would dominate the lesson's running time):

# %%
n_python = 100_000
x_list, g_list = x[:n_python].tolist(), g[:n_python].tolist()
start = time.perf_counter()
y_py, gx_py = sigmoid_fused_python(x_list, g_list)  # one run: it is slow enough to time
per_element = {
    "Python loop": (time.perf_counter() - start) / n_python,
    "numpy": best_time(sigmoid_fused_numpy, x, g) / x.size,
    "numba": best_time(sigmoid_fused_numba, x, g) / x.size,
}
y_np, gx_np = sigmoid_fused_numpy(x, g)
y_nb, gx_nb = sigmoid_fused_numba(x, g)
print(
    "numba vs numpy, largest difference:",
    max(np.abs(y_nb - y_np).max(), np.abs(gx_nb - gx_np).max()),
)
print("Python vs numpy, largest difference:", np.abs(np.array(gx_py) - gx_np[:n_python]).max())
for name, seconds in per_element.items():
    print(f"{name:12s} {seconds * 1e9:7.1f} ns per element")

fig, ax = plt.subplots(figsize=(6, 2.5))
ax.barh(
    list(per_element),
    [s * 1e9 for s in per_element.values()],
    color=["0.6", "tab:blue", "tab:orange"],
)
ax.set_xscale("log")
ax.set_xlim(1, 3 * max(per_element.values()) * 1e9)
ax.set_xlabel("ns per element (log scale)")
ax.set_title("fused sigmoid forward + backward, float64")
fig.tight_layout()
pictures.show(
    fig,
    "per-element-time",
    "Time per element of the fused sigmoid forward and backward, float64, on a log scale.",
)

# %% [markdown]
# The Python loop is many times slower than the other two: each element costs a
# round of the interpreter, boxed floats and function calls. But **numba and numpy are
# close**. numpy's operations are already compiled loops; for a few elementwise steps
# over large arrays, the time goes into `exp` and into moving memory, and the fused loop
# only saves some of the memory traffic. numba is not magic: it turns a *Python loop*
# into a *compiled loop*, which is what numpy gave us already whenever the work is a few
# whole-array operations.
#
# ## Where a compiled loop wins
#
# numba pays off when the work does **not** fit a few whole-array operations:
#
# - **scatter with repeats**, as in the target above. The obvious numpy line,
#   `grad[indices] += rows`, is *wrong* when an index repeats: numpy reads all the old
#   rows, adds, and writes back, so of two rows going to the same place one is lost.
#   `np.add.at` is right but handles one element at a time through a slow general path.
#   The compiled loop is right and fast.

# %%
table_grad = np.zeros((100, 32))
table_grad[indices] += grad_rows  # looks right, is wrong
reference = elementwise.embedding_backward(grad_rows, indices, 100)
print("fancy-index +=, largest error:", np.abs(table_grad - reference).max())
print("row 0 was looked up", int((indices == 0).sum()), "times; `+=` kept only one of them")

# %% [markdown]
# - **loops where each step needs the previous one.** A recurrent network computes
#   $h_t = \tanh(a\,h_{t-1} + x_t)$: step $t$ cannot start before step $t-1$ is done, so
#   there is no whole-array operation over time to hand to numpy. In Python each step pays
#   the interpreter; compiled, a step costs a few nanoseconds plus the `tanh`.


# %%
def recurrence_python(x: list[float], a: float) -> list[float]:
    h, out = 0.0, [0.0] * len(x)
    for t in range(len(x)):
        h = math.tanh(a * h + x[t])
        out[t] = h
    return out


@njit(error_model="numpy")
def recurrence_numba(x, a):
    out = np.empty_like(x)
    h = 0.0
    for t in range(x.size):
        h = np.tanh(a * h + x[t])
        out[t] = h
    return out


steps = rng.standard_normal(100_000)
recurrence_numba(steps[:3], 0.5)  # compile
start = time.perf_counter()
h_python = recurrence_python(steps.tolist(), 0.5)
python_s = time.perf_counter() - start
numba_s = best_time(recurrence_numba, steps, 0.5)
agree = np.allclose(h_python, recurrence_numba(steps, 0.5))
print(
    f"Python: {python_s * 1e9 / steps.size:6.1f} ns/step   "
    f"numba: {numba_s * 1e9 / steps.size:6.1f} ns/step   same: {agree}"
)

# %% [markdown]
# With one number of state the gain is modest, because `math.tanh` is itself compiled C.
# With a real hidden state (a vector of 128 numbers, a matrix product per step, four gates
# in an LSTM), the Python version pays interpreter and small-array overhead on every
# operation of every step. That is why the recurrent layers of lessons 7 to 10 have fused
# kernels that run the whole time loop compiled (`bench/` measures them against PyTorch).
#
# - **small matrix products, many times.** Each step of an LSTM multiplies the batch's
#   hidden states by the recurrent weight: with a batch of 8 and 64 hidden units an
#   (8, 64) @ (64, 256) product, a thousand times for a sequence of 1000 steps. BLAS
#   libraries are built for big products; on a small one the call and the repacking of
#   the matrices are a good part of the cost. A plain compiled loop can do better, *if*
#   it is written for how the processor works: multiply-adds are cheap, moving numbers
#   between memory and registers is not. Row $i$ of the result is a sum of rows of $W$,
#   $\text{out}_i = \sum_k a_{ik} W_k$. The first loop below reads and writes
#   $\text{out}_i$ once for every row of $W$; the library's
#   (`products_jit.recurrent_matmul`) adds four rows of $W$ per pass and works on two rows of
#   $a$ at once, so each number it loads serves four to eight multiply-adds.


# %%
@njit(fastmath={"contract"})
def matmul_rows(a, w, out):
    """out = a @ w, adding one row of w at a time: out[i] += a[i, k] * w[k]."""
    for i in range(a.shape[0]):
        out_i = out[i]
        out_i[:] = 0.0
        for k in range(a.shape[1]):
            a_ik, w_k = a[i, k], w[k]
            for n in range(out_i.shape[0]):
                out_i[n] += a_ik * w_k[n]


def repeat_numpy(a, w, out, times):
    for _ in range(times):
        np.matmul(a, w, out=out)  # numpy hands this to its BLAS library


@njit
def repeat_blas(a, w, out, times):
    for _ in range(times):
        np.dot(a, w, out)  # numba hands this to a BLAS library too


@njit
def repeat_rows(a, w, out, times):
    for _ in range(times):
        matmul_rows(a, w, out)


@njit
def repeat_library(a, w, out, times):
    for _ in range(times):
        products_jit.recurrent_matmul(a, w, out, True)  # True: its own loops, not BLAS


a_step = rng.standard_normal((8, 64)).astype(np.float32)  # (B, H): the hidden states
w_step = rng.standard_normal((64, 256)).astype(np.float32)  # (H, 4H): the recurrent weight
out_step = np.empty((8, 256), dtype=np.float32)
contenders = {
    "numpy's matmul, called from Python": repeat_numpy,
    "BLAS, called from numba": repeat_blas,
    "a loop, one row of W at a time": repeat_rows,
    "the library's loops": repeat_library,
}
for name, repeat in contenders.items():
    repeat(a_step, w_step, out_step, 1)  # compile
    seconds = best_time(repeat, a_step, w_step, out_step, 1000)
    error = np.abs(out_step - a_step @ w_step).max()
    print(f"{name:36s}: {seconds * 1e3:5.2f} us per product   (max error {error:.0e})")

# %% [markdown]
# On the machine this course was written on, the library's loops took about 5 µs per
# product, numpy's matmul 6 µs (its BLAS is good at small sizes, and the call from Python
# costs about a microsecond), the BLAS that numba calls 12 µs, and the naive loop 11 µs.
# The same arithmetic, twice as fast, from the order of the loads alone. Inside the fused
# kernels, where the time loop itself is compiled and numpy's matmul cannot be called,
# that is what made a small LSTM layer half again as fast. The errors are float32
# rounding: the sums are added up in different orders.

# %% [markdown]
# ## Keeping compiled code honest
#
# A compiled kernel is harder to read and much harder to debug than three lines of
# numpy. So every kernel in `tinygrad_rnn/kernels/elementwise_jit.py` has a twin in
# `tinygrad_rnn/kernels/elementwise.py`: same name, same arguments, written in plain numpy as the
# definition of what the kernel must compute. The tests run both on random inputs and
# demand the same answer, to within rounding (in float32 the kernel's tanh is a fast
# approximation, the last section of this lesson); the Tensor ops ask
# `kernels.ops_for(dtype)` which of the two to call.

# %%
print("kernels with a numpy twin:", ", ".join(kernels.KERNEL_NAMES))
for dtype in (np.float32, np.float64):
    z = (rng.standard_normal(1000) * 3).astype(dtype)
    y_kernel = elementwise_jit.tanh_forward(z)
    y_ref = elementwise.tanh_forward(z)
    print(
        f"tanh_forward {np.dtype(dtype).name}: kernel vs numpy max difference "
        f"{np.abs(y_kernel - y_ref).max():.1e}"
    )

kernels.use_numba(False)
print("numba switched off ->", kernels.ops_for(np.float64).__name__)
kernels.use_numba(True)
print("numba switched on  ->", kernels.ops_for(np.float64).__name__)

# %% [markdown]
# Three switches matter in practice:
#
# - `kernels.use_numba(False)` sends the Tensor ops to numpy (lesson 4 used it), so you
#   can check that a surprising result is not the kernel's fault.
# - The environment variable `NUMBA_DISABLE_JIT=1` makes `@njit` return your function
#   unchanged: the *same* loop runs as ordinary Python. Slow, but you can step through it
#   with a debugger and `print` inside it, and CI runs the kernel tests once this way to
#   be sure the kernels are correct Python and not only correct machine code.
# - `cache=True` (next section) saves the compiled code to disk.
#
# One kernel in that list, `grad_norm`, shows a second kind of care: the type in which a
# sum is taken. Gradient clipping (lessons 6 and 8) measures all of a model's gradients as
# one long vector, $\lVert g \rVert = \sqrt{\sum_k \sum_i g_{k,i}^2}$ over every array
# $k$. An exploding RNN produces float32 gradients of $10^{20}$ and more; squared, that is
# $10^{40}$, beyond float32's largest number (about $3.4 \times 10^{38}$). Summed in
# float32 the norm is `inf`; summed in float64 it is right. Both versions of `grad_norm`
# sum in float64, and exercise 5.2 asks you to do the same:

# %%
huge = [np.array([3e20], dtype=np.float32), np.array([[4e20]], dtype=np.float32)]
with np.errstate(over="ignore"):
    norm32 = float(np.sqrt(sum(np.sum(a * a) for a in huge)))
print(f"summed in float32: {norm32}   library (float64): {elementwise_jit.grad_norm(huge):.3e}")

# %% [markdown]
# ## Compiling once: `cache=True`
#
# Without a cache every new Python process compiles every kernel it calls again. With
# `@njit(cache=True)`, numba writes the machine code next to the source (in
# `__pycache__`, or wherever `NUMBA_CACHE_DIR` points), keyed by the function, the
# argument types and the source file's timestamp; the next process loads it instead of
# compiling. To see it, we run a small script three times, each in a fresh process: with
# an empty cache, with the cache it left behind, and with the JIT switched off.

# %%
work = Path("out") / "lesson05"
work.mkdir(parents=True, exist_ok=True)
script = work / "cached_kernel.py"
script.write_text(
    """import time

import numpy as np
from numba import njit

# CPU time of this process: other programs busy on the machine do not count.
clock = time.process_time


@njit(cache=True)
def add_one(x):
    return x + 1.0


@njit(cache=True)
def relu_then_sum(x):
    total = 0.0
    for i in range(x.size):
        if x[i] > 0.0:
            total += x[i]
    return total


start = clock()
add_one(1.0)  # numba's own start-up happens in the first call of any kernel
startup = clock() - start
x = np.linspace(-1.0, 1.0, 100_001)
start = clock()
value = relu_then_sum(x)
first_call = clock() - start
start = clock()
relu_then_sum(x)
print(startup, first_call, clock() - start, value)
"""
)
cache_dir = work / "numba_cache"
for old in cache_dir.glob("**/*.nb*"):  # start from an empty cache
    old.unlink()


def run_script(**extra_env: str) -> list[str]:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir.resolve()), **extra_env}
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.split()


print(f"{'':20s} {'numba start-up':>14s} {'first call':>11s} {'second call':>11s}  result")
for title, extra in [
    ("empty cache", {}),
    ("cache filled", {}),
    ("NUMBA_DISABLE_JIT=1", {"NUMBA_DISABLE_JIT": "1"}),
]:
    startup, first_call, second_call, value = (float(v) for v in run_script(**extra))
    print(
        f"{title:20s} {startup * 1e3:11.0f} ms {first_call * 1e3:8.1f} ms "
        f"{second_call * 1e3:8.2f} ms  {value:g}"
    )
print("cache files:", sorted(p.name for p in cache_dir.glob("**/*.nb*")))

# %% [markdown]
# Read the table column by column. numba itself needs a moment to start in every process
# (the first kernel call of any kind pays it), cache or not. The first call of
# `relu_then_sum` compiled it in the first process and loaded it from the `.nbi` (index)
# and `.nbc` (machine code) files in the second, many times faster. The third process
# ran the loop as plain Python: nothing to compile, and every call far slower than
# compiled code. Same result each time.
#
# The library's kernels all use `cache=True`. Compiling all of them, for float32 and
# float64, takes several seconds, so the command
#
# ```
# tinygrad-rnn warmup
# ```
#
# compiles them once, with a progress bar, and prints where the cache is. After that no
# lesson stalls on a first call. This process keeps the library's cache here:

# %%
from tinygrad_rnn.kernels._numba import cache_location

print(cache_location())

# %% [markdown]
# ## A fast tanh for float32, an exact one for float64
#
# `np.tanh` inside a numba loop calls the C library's `tanh` once per element (timed below),
# and a call to a library function stops the compiler from vectorising the loop. So the
# library's `tanh_forward` kernel (and the fused recurrent kernels) use, **in float32
# only**, a rational function: $\tanh x \approx x\,P(x^2)/Q(x^2)$ with two short
# polynomials, a few multiplications and one division that vectorise. Is it accurate
# enough? Compare it, and numpy's own float32 `tanh`, with the exact tanh in float64:

# %%
z64 = np.linspace(-12.0, 12.0, 400_001)  # (N,) float64
exact = np.tanh(z64)
z32 = z64.astype(np.float32)
fast = elementwise_jit.tanh_forward(z32)  # float32: the rational function
rounded = np.tanh(z32)  # float32: numpy's tanh, correctly rounded to float32
print(f"float32, rational tanh (kernel): max error {np.abs(fast - exact).max():.1e}")
print(f"float32, numpy's tanh          : max error {np.abs(rounded - exact).max():.1e}")
print(f"float32 spacing just below 1   : {np.spacing(np.float32(0.5)):.1e}")
exact_kernel = elementwise_jit.tanh_forward(z64)  # float64: the C library's tanh
print(f"float64, kernel                : max error {np.abs(exact_kernel - exact).max():.1e}")

per_value = {
    "kernel, float32 (rational)": best_time(elementwise_jit.tanh_forward, z32) / z32.size,
    "kernel, float64 (C library)": best_time(elementwise_jit.tanh_forward, z64) / z64.size,
    "numpy, float32": best_time(np.tanh, z32) / z32.size,
}
for name, seconds in per_value.items():
    print(f"{name:28s} {seconds * 1e9:5.1f} ns per value")

fig, ax = plt.subplots(figsize=(7, 3))
ax.plot(z64, fast - exact, lw=0.5, label="float32 rational tanh − exact")
ax.plot(z64, rounded - exact, lw=0.5, alpha=0.7, label="float32 numpy tanh − exact")
ax.set_xlabel("x")
ax.set_ylabel("error")
ax.legend(loc="lower left", fontsize=8)
ax.set_title("both errors are the size of float32 rounding")
fig.tight_layout()
pictures.show(
    fig,
    "float32-errors",
    "Both the fused kernel's and numpy's errors are the size of float32 rounding.",
)

# %% [markdown]
# The rational tanh's error is of the same size as float32's own rounding error, so in
# float32 almost nothing is lost, and the loop runs several times faster than one that
# calls the C library for every value. In **float64** the kernels always use the exact
# `np.tanh`: that is the precision in which gradients are checked against central
# differences and the fused kernels against the unrolled graph, to $10^{-10}$, and an
# approximation good only to a few times $10^{-8}$ would break those checks.
#
# There are two rational forms in the library, and the difference is on purpose. The
# `tanh_forward` kernel uses a truncated continued fraction (Lambert's), clamps the input at
# $|x| = 9$ and clips the result to $[-1, 1]$, so $\tanh$ of a large input, or of $\pm\infty$,
# is exactly $\pm 1$ and a NaN stays a NaN, which is what a Tensor op owes its caller. The
# fused LSTM, GRU and RNN kernels evaluate tanh four or five times per hidden unit and time
# step, and the sigmoid gates through it too ($\sigma(x) = \tfrac12 + \tfrac12\tanh(x/2)$).
# Inside those loops they use a shorter fit (a degree-6 over a degree-3 polynomial in $x^2$,
# found by least squares, clamped at $|x| = 8$), written with float32 constants so the
# whole gate loop stays in float32 and vectorises; its tail stops at $1 - 2.4 \cdot 10^{-7}$,
# which is harmless inside a gate but not what `Tensor.tanh` of $+\infty$ should return.
# Both are within float32 rounding of the exact value.

# %%
print(f"lesson ran in {time.perf_counter() - lesson_start:.1f} s")

# %% [markdown]
# ## Check yourself
#
# Open `lessons/05_numba_exercises.py`, replace each `raise NotImplementedError`, then run
# `tinygrad-rnn grade 5`. The grader runs your kernels compiled, so grading 5.1 and 5.3
# includes a second or two of compiling.
#
# | id | you write | this lesson's section |
# |---|---|---|
# | 5.1 | `tanh_fused(x, grad_out)`: tanh forward and backward in one numba loop | Three ways to run one elementwise operation |
# | 5.2 | `global_grad_norm(arrays)`: one norm over many gradient arrays, in float64 | Keeping compiled code honest (`grad_norm`) |
# | 5.3 | `scatter_add_rows(grad_out, indices, num_rows)`: the embedding backward | Where a compiled loop wins |
#
# Questions to answer for yourself:
#
# - Why is numba barely faster than numpy for the fused sigmoid, but many times faster for
#   the scatter-add?
# - What would go wrong if the float64 kernels used the rational tanh?
# - After you edit a `cache=True` kernel's source file, does the next process use the old
#   compiled code? (What is the cache keyed on?)
