r"""Generated sequence tasks for recurrent networks: nothing to download, seeded, numpy.

Arrays are **time-major**, ``(T, N, ...)`` with ``T`` steps and ``N`` sequences, because
that is what the recurrent layers take by default (pass ``batch_first=True`` to a layer and
``np.swapaxes(x, 0, 1)`` to use the other order).

=========================  =====================================  ==============================
function                   inputs                                 targets
=========================  =====================================  ==============================
:func:`sine_waves`         ``(T, N, 1)`` noisy sines              ``(T, N, 1)`` the next value
:func:`adding_problem`     ``(T, N, 2)`` values and two markers   ``(N, 1)`` sum of marked values
:func:`copy_task`          ``(T, N)`` symbol ids                  ``(T, N)`` ids (blank, then copy)
:func:`reber_strings`      strings of the Reber grammar           (:func:`is_reber` checks one)
=========================  =====================================  ==============================

The adding problem and the copy task are long-memory tests (Hochreiter & Schmidhuber,
1997): the answer depends on inputs many steps back, which a plain tanh RNN struggles to
keep while an LSTM or GRU learns it.

Every function takes ``seed``: an integer, a ``np.random.Generator`` (to draw several
batches from one stream), or ``None`` for fresh randomness.

Example:
    >>> x, y = adding_problem(4, length=50, seed=0)
    >>> x.shape, y.shape
    ((50, 4, 2), (4, 1))
    >>> bool(np.allclose(y[:, 0], (x[:, :, 0] * x[:, :, 1]).sum(axis=0)))
    True
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "sine_waves",
    "adding_problem",
    "copy_task",
    "reber_strings",
    "embedded_reber_strings",
    "is_reber",
    "REBER_ALPHABET",
]

Seed = int | np.random.Generator | None


def _rng(seed: Seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def _positive(name: str, **values: int) -> None:
    for key, value in values.items():
        if not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name}: {key} must be a positive integer, got {value!r}")


def sine_waves(
    n: int,
    length: int = 50,
    noise: float = 0.0,
    period_range: tuple[float, float] = (10.0, 30.0),
    seed: Seed = 0,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Sine waves of random period, phase and amplitude: predict the next value.

    Series :math:`k` is :math:`s_k(t) = A_k \sin(2\pi t / P_k + \varphi_k)` (plus Gaussian
    noise of standard deviation ``noise``) with :math:`A_k \sim U(0.5, 1)`,
    :math:`P_k \sim U(\text{period\_range})` steps and :math:`\varphi_k \sim U(0, 2\pi)`.

    Args:
        n: number of series.
        length: steps per input sequence, ``T``.
        noise: standard deviation of noise added to the inputs and targets.
        period_range: smallest and largest period, in steps.
        seed: seed or generator.

    Returns:
        ``(x, y)``, both ``(T, n, 1)`` float64: ``y[t]`` is the series at step ``t + 1``,
        so ``y[:-1] == x[1:]`` when there is no noise.
    """
    _positive("sine_waves", n=n, length=length)
    rng = _rng(seed)
    amplitude = rng.uniform(0.5, 1.0, n)
    period = rng.uniform(period_range[0], period_range[1], n)
    phase = rng.uniform(0.0, 2.0 * np.pi, n)
    t = np.arange(length + 1)[:, None]  # (T+1, 1)
    series = amplitude * np.sin(2.0 * np.pi * t / period + phase)  # (T+1, n)
    if noise:
        series = series + rng.normal(0.0, noise, series.shape)
    return series[:-1, :, None], series[1:, :, None]


def adding_problem(n: int, length: int = 50, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""The adding problem: add the two marked numbers of a long sequence.

    Each step carries two features: a value :math:`u_t \sim U(0, 1)` and a marker
    :math:`m_t \in \{0, 1\}`. Exactly two steps are marked, one in the first half and one in
    the second; the target is the sum of their values, in :math:`[0, 2]`. Always answering
    1 scores a mean squared error of :math:`\mathrm{Var}(u_a + u_b) = 2/12 \approx 0.167`,
    the baseline a network must beat.

    Args:
        n: number of sequences.
        length: steps per sequence, ``T`` (at least 2).
        seed: seed or generator.

    Returns:
        ``(x, y)``: ``x`` (T, n, 2) float64 (values, markers) and ``y`` (n, 1) float64.
    """
    _positive("adding_problem", n=n, length=length)
    if length < 2:
        raise ValueError(f"adding_problem: length must be at least 2, got {length}")
    rng = _rng(seed)
    values = rng.uniform(0.0, 1.0, (length, n))
    half = length // 2
    first = rng.integers(0, half, n)
    second = rng.integers(half, length, n)
    markers = np.zeros((length, n))
    columns = np.arange(n)
    markers[first, columns] = 1.0
    markers[second, columns] = 1.0
    x = np.stack([values, markers], axis=2)  # (T, n, 2)
    y = (values[first, columns] + values[second, columns])[:, None]  # (n, 1)
    return x, y


def copy_task(
    n: int, length: int = 10, n_symbols: int = 8, delay: int = 20, seed: Seed = 0
) -> tuple[np.ndarray, np.ndarray]:
    r"""The copy task: read a random string, wait, then write it back.

    Symbol ids: ``0`` is blank, ``1 .. n_symbols`` are the symbols, ``n_symbols + 1`` is the
    "now copy" marker, so a model needs ``n_symbols + 2`` classes. A sequence has
    ``T = 2 * length + delay`` steps:

    .. code-block:: text

        input:   s1 s2 .. sL  0 .. 0 (delay-1)  M   0 .. 0 (L)
        target:  0  0  .. 0   0 .. 0            0   s1 s2 .. sL

    Args:
        n: number of sequences.
        length: symbols to remember, ``L``.
        n_symbols: alphabet size.
        delay: steps from the end of the string to the end of the marker (at least 1).
        seed: seed or generator.

    Returns:
        ``(x, y)``, both ``(T, n)`` int64. Always answering blank, then guessing, gets
        ``length * log(n_symbols) / T`` nats of cross-entropy per step at best.
    """
    _positive("copy_task", n=n, length=length, n_symbols=n_symbols, delay=delay)
    rng = _rng(seed)
    total = 2 * length + delay
    symbols = rng.integers(1, n_symbols + 1, (length, n))
    x = np.zeros((total, n), dtype=np.int64)
    y = np.zeros((total, n), dtype=np.int64)
    x[:length] = symbols
    x[length + delay - 1] = n_symbols + 1
    y[length + delay :] = symbols
    return x, y


# --------------------------------------------------------------------------- Reber grammar
REBER_ALPHABET = "BTSXPVE"

# The Reber grammar as a finite automaton: state -> [(symbol, next state), ...], two
# choices per state taken with equal probability; state 6 only emits the final E.
_REBER = {
    0: [("B", 1)],
    1: [("T", 2), ("P", 3)],
    2: [("S", 2), ("X", 4)],
    3: [("T", 3), ("V", 5)],
    4: [("X", 3), ("S", 6)],
    5: [("P", 4), ("V", 6)],
    6: [("E", None)],
}


def _reber_one(rng: np.random.Generator, max_length: int) -> str:
    while True:
        state: int | None = 0
        out = []
        while state is not None and len(out) < max_length:
            options = _REBER[state]
            symbol, state = options[int(rng.integers(len(options)))]
            out.append(symbol)
        if state is None:
            return "".join(out)


def reber_strings(n: int, seed: Seed = 0, max_length: int = 30) -> list[str]:
    """Random strings of the Reber grammar, e.g. ``"BTSSXXTVVE"`` or ``"BPVVE"``.

    The grammar is a small automaton (Reber, 1967): from each state two symbols are
    possible, each with probability 1/2. A network trained to predict the next symbol
    should learn which symbols can follow: the test of grammar learning in Hochreiter &
    Schmidhuber's LSTM paper.

    Args:
        n: number of strings.
        seed: seed or generator.
        max_length: longer draws are discarded and drawn again.

    Returns:
        A list of ``n`` strings over :data:`REBER_ALPHABET`, each starting with ``B`` and
        ending with ``E``.
    """
    _positive("reber_strings", n=n, max_length=max_length)
    if max_length < 5:
        raise ValueError(f"reber_strings: max_length must be at least 5, got {max_length}")
    rng = _rng(seed)
    return [_reber_one(rng, max_length) for _ in range(n)]


def embedded_reber_strings(n: int, seed: Seed = 0, max_length: int = 34) -> list[str]:
    """Strings of the *embedded* Reber grammar: ``B T <reber> T E`` or ``B P <reber> P E``.

    The second symbol must be repeated just before the end, many steps later: a long-range
    dependency a plain RNN rarely learns.
    """
    _positive("embedded_reber_strings", n=n, max_length=max_length)
    rng = _rng(seed)
    out = []
    for _ in range(n):
        branch = "T" if rng.integers(2) == 0 else "P"
        out.append("B" + branch + _reber_one(rng, max_length - 4) + branch + "E")
    return out


def is_reber(text: str, embedded: bool = False) -> bool:
    """True when ``text`` is a (complete) string of the Reber grammar, or its embedded form.

    Example:
        >>> is_reber("BTSSXXTVVE"), is_reber("BTSSXXTVPE")
        (True, False)
    """
    if embedded:
        if len(text) < 4 or text[0] != "B" or text[-1] != "E" or text[1] not in "TP":
            return False
        if text[-2] != text[1]:
            return False
        return is_reber(text[2:-2])
    state: int | None = 0
    for symbol in text:
        if state is None:
            return False
        nexts = dict(_REBER[state])
        if symbol not in nexts:
            return False
        state = nexts[symbol]
    return state is None
