r"""Weight initialisation schemes, each filling a Tensor (or numpy array) in place.

How a network starts decides whether its signals survive the first forward pass. With
:math:`n_{in}` inputs per unit ("fan in") and :math:`n_{out}` outputs ("fan out"):

=====================  ==============================================  ============================
scheme                 draws from                                      keeps stable
=====================  ==============================================  ============================
``uniform_``           :math:`U(a, b)`                                 (you choose)
``normal_``            :math:`N(\mu, \sigma^2)`                        (you choose)
``xavier_uniform_``    :math:`U(\pm g\sqrt{6/(n_{in}+n_{out})})`       variance forward and backward
``xavier_normal_``     :math:`N(0, g^2\, 2/(n_{in}+n_{out}))`          (tanh, sigmoid, linear)
``kaiming_uniform_``   :math:`U(\pm g\sqrt{3/n})`, :math:`n` a fan     variance through ReLUs
``kaiming_normal_``    :math:`N(0, g^2/n)`                             (:math:`g = \sqrt 2`)
``orthogonal_``        a random orthogonal matrix times :math:`g`      norms, step after step
``identity_``          :math:`g I` (an "IRNN")                         a ReLU RNN's memory
``lstm_forget_bias_``  the forget-gate part of an LSTM bias set to 1   an LSTM's memory early on
=====================  ==============================================  ============================

Every random scheme takes ``rng`` explicitly: an integer seed or a
``np.random.Generator``, so an experiment is reproducible by construction. Each function
returns the tensor it filled. The names and formulas follow ``torch.nn.init`` (with a
trailing ``_`` for "in place"); ``glorot_*`` and ``he_*`` are aliases.

Example:
    >>> import numpy as np
    >>> from tinygrad_rnn.tensor import Tensor
    >>> w = Tensor(np.empty((256, 128)))
    >>> _ = kaiming_normal_(w, rng=0)
    >>> round(float(w.data.std() * np.sqrt(128)), 1)  # std = sqrt(2 / fan_in)
    1.4
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = [
    "as_generator",
    "calculate_gain",
    "fans",
    "zeros_",
    "ones_",
    "constant_",
    "uniform_",
    "normal_",
    "xavier_uniform_",
    "xavier_normal_",
    "glorot_uniform_",
    "glorot_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "he_uniform_",
    "he_normal_",
    "orthogonal_",
    "identity_",
    "lstm_forget_bias_",
]

Seed = int | np.random.Generator


def as_generator(rng: Seed | None) -> np.random.Generator:
    """A ``np.random.Generator`` from a seed, a generator (returned as is) or ``None`` (fresh).

    Example:
        >>> bool(as_generator(0).integers(10) == as_generator(0).integers(10))
        True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, int | np.integer):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be an int seed or a np.random.Generator, got {type(rng).__name__}")


def _array(tensor: Any) -> np.ndarray:
    """The array to fill: a Tensor's ``.data`` or the ndarray itself."""
    arr = tensor if isinstance(tensor, np.ndarray) else getattr(tensor, "data", None)
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"init: expected a Tensor or a numpy array, got {type(tensor).__name__}")
    if arr.dtype.kind != "f":
        raise TypeError(f"init: can only fill floating arrays, got dtype {arr.dtype}")
    return arr


def _fill(tensor: Any, values: np.ndarray) -> Any:
    arr = _array(tensor)
    arr[...] = values
    return _written(tensor)


def _written(tensor: Any) -> Any:
    """Record an in-place fill on a Tensor (a graph built before it refuses backward)."""
    mark = getattr(tensor, "mark_modified", None)
    if mark is not None:
        mark()
    return tensor


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    r"""``(fan_in, fan_out)`` of a weight of ``shape``, PyTorch's convention.

    A ``Linear`` weight is ``(out_features, in_features)``: fan in is the number of columns,
    fan out the number of rows. Extra trailing axes (a convolution kernel) multiply both.

    Example:
        >>> fans((32, 16))
        (16, 32)
    """
    if len(shape) < 2:
        raise ValueError(f"fans: need a weight with at least 2 axes, got shape {tuple(shape)}")
    receptive = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive, shape[0] * receptive


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    r"""The gain :math:`g` that keeps activations' variance for a nonlinearity.

    ``"linear"``/``"sigmoid"``: 1, ``"tanh"``: 5/3, ``"relu"``: :math:`\sqrt 2`,
    ``"leaky_relu"``: :math:`\sqrt{2/(1+s^2)}` with slope ``param`` (0.01 by default).
    """
    if nonlinearity in ("linear", "identity", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + slope * slope))
    raise ValueError(
        f"calculate_gain: unknown nonlinearity {nonlinearity!r}; "
        "use 'linear', 'sigmoid', 'tanh', 'relu' or 'leaky_relu'"
    )


# ------------------------------------------------------------------------------ constants
def constant_(tensor: Any, value: float) -> Any:
    """Fill with ``value``."""
    return _fill(tensor, value)


def zeros_(tensor: Any) -> Any:
    """Fill with zeros."""
    return _fill(tensor, 0.0)


def ones_(tensor: Any) -> Any:
    """Fill with ones."""
    return _fill(tensor, 1.0)


# --------------------------------------------------------------------------------- random
def uniform_(tensor: Any, rng: Seed, low: float = 0.0, high: float = 1.0) -> Any:
    r"""Fill with samples of :math:`U(\text{low}, \text{high})`."""
    arr = _array(tensor)
    return _fill(tensor, as_generator(rng).uniform(low, high, arr.shape))


def normal_(tensor: Any, rng: Seed, mean: float = 0.0, std: float = 1.0) -> Any:
    r"""Fill with samples of :math:`N(\text{mean}, \text{std}^2)`."""
    arr = _array(tensor)
    return _fill(tensor, as_generator(rng).normal(mean, std, arr.shape))


def xavier_uniform_(tensor: Any, rng: Seed, gain: float = 1.0) -> Any:
    r"""Glorot & Bengio (2010): :math:`U(-a, a)`, :math:`a = g\sqrt{6/(n_{in}+n_{out})}`.

    Keeps the variance of activations (forward) and of gradients (backward) about equal from
    layer to layer for activations that are linear near zero (tanh, sigmoid).
    """
    fan_in, fan_out = fans(_array(tensor).shape)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, rng, -bound, bound)


def xavier_normal_(tensor: Any, rng: Seed, gain: float = 1.0) -> Any:
    r"""Glorot & Bengio (2010): :math:`N(0, \sigma^2)` with
    :math:`\sigma = g\sqrt{2/(n_{in}+n_{out})}`.

    The normal-distribution twin of :func:`xavier_uniform_`, with the same variance.
    """
    fan_in, fan_out = fans(_array(tensor).shape)
    return normal_(tensor, rng, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def _kaiming_std(shape: tuple[int, ...], mode: str, nonlinearity: str, a: float) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fans(shape)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(
    tensor: Any, rng: Seed, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "relu"
) -> Any:
    r"""He et al. (2015): :math:`U(-b, b)`, :math:`b = g\sqrt{3/n}`, :math:`n` = fan in (or out).

    With :math:`g = \sqrt 2` for ReLU the activations keep their variance through a deep
    ReLU network: half the units are zero, so each surviving one gets twice the weight.
    ``a`` is the negative slope when ``nonlinearity="leaky_relu"``.
    """
    std = _kaiming_std(_array(tensor).shape, mode, nonlinearity, a)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, rng, -bound, bound)


def kaiming_normal_(
    tensor: Any, rng: Seed, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "relu"
) -> Any:
    r"""He et al. (2015): :math:`N(0, g^2/n)`, :math:`n` = fan in (or out)."""
    std = _kaiming_std(_array(tensor).shape, mode, nonlinearity, a)
    return normal_(tensor, rng, 0.0, std)


glorot_uniform_ = xavier_uniform_
glorot_normal_ = xavier_normal_
he_uniform_ = kaiming_uniform_
he_normal_ = kaiming_normal_


def orthogonal_(tensor: Any, rng: Seed, gain: float = 1.0, blocks: int = 1) -> Any:
    r"""Fill with a (semi-)orthogonal matrix times ``gain`` (Saxe et al., 2014).

    An orthogonal recurrent matrix preserves the length of the hidden state it multiplies,
    so repeated steps neither shrink nor blow it up (before the nonlinearity). Made from the
    QR decomposition of a Gaussian matrix, with the signs fixed so that the result is
    uniformly distributed.

    Args:
        tensor: a 2-D weight ``(rows, cols)`` (more axes are flattened into the columns).
        rng: seed or generator.
        gain: scale of the result.
        blocks: split the rows into this many equal blocks and make each orthogonal on its
            own: ``blocks=4`` for an LSTM's ``weight_hh`` (4H, H), one per gate.
    """
    arr = _array(tensor)
    if arr.ndim < 2:
        raise ValueError(f"orthogonal_: needs at least 2 axes, got shape {arr.shape}")
    rows, cols = arr.shape[0], int(np.prod(arr.shape[1:]))
    if rows % blocks:
        raise ValueError(f"orthogonal_: {rows} rows do not split into {blocks} equal blocks")
    gen = as_generator(rng)
    step = rows // blocks
    out = np.empty((rows, cols))
    for k in range(blocks):
        gauss = gen.standard_normal((max(step, cols), min(step, cols)))
        q, r = np.linalg.qr(gauss)
        q *= np.sign(np.diag(r))  # makes the distribution uniform over orthogonal matrices
        out[k * step : (k + 1) * step] = q if step >= cols else q.T
    return _fill(tensor, gain * out.reshape(arr.shape))


def identity_(tensor: Any, gain: float = 1.0, blocks: int = 1) -> Any:
    r"""Fill a 2-D weight with ``gain`` times the identity (ones on the diagonal).

    Le, Jaitly & Hinton (2015): a ReLU RNN whose recurrent weight starts as the identity
    (an "IRNN") copies its state forward unchanged, so it can remember from the start.
    A non-square weight gets ones on its main diagonal; ``blocks`` repeats that per block
    of rows (one per gate).
    """
    arr = _array(tensor)
    if arr.ndim != 2:
        raise ValueError(f"identity_: needs a 2-D weight, got shape {arr.shape}")
    rows, cols = arr.shape
    if rows % blocks:
        raise ValueError(f"identity_: {rows} rows do not split into {blocks} equal blocks")
    step = rows // blocks
    return _fill(tensor, gain * np.tile(np.eye(step, cols), (blocks, 1)))


def lstm_forget_bias_(bias: Any, value: float = 1.0) -> Any:
    r"""Set the forget-gate part of an LSTM bias ``(4H,)`` to ``value`` (gate order i, f, g, o).

    Jozefowicz et al. (2015): with :math:`b_f = 1` the forget gate starts near
    :math:`\sigma(1) \approx 0.73`, so the cell state is kept rather than wiped at every step
    while the network is still untrained. In a layer with both ``bias_ih`` and ``bias_hh``
    their sum is what counts: set one of them.
    """
    arr = _array(bias)
    if arr.ndim != 1 or arr.shape[0] % 4:
        raise ValueError(f"lstm_forget_bias_: needs an LSTM bias of shape (4H,), got {arr.shape}")
    hidden = arr.shape[0] // 4
    arr[hidden : 2 * hidden] = value
    return _written(bias)
