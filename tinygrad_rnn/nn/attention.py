r"""Attention: a weighted look back over a whole sequence instead of one summary vector.

An encoder-decoder without attention hands the decoder one fixed-size state. Attention
keeps every encoder state (the **keys** :math:`k_j` and **values** :math:`v_j`, often the
same vectors) and, for each **query** :math:`q` (the decoder's state at one output step),
computes

.. math::

    e_j = \mathrm{score}(q, k_j), \qquad
    a_j = \frac{e^{e_j}}{\sum_{j'} e^{e_{j'}}}, \qquad
    c = \sum_j a_j v_j

the scores, the softmax weights (over the input positions :math:`j`, summing to one) and
the **context** vector. Two scores are here:

* :func:`additive_attention` / :class:`AdditiveAttention` (Bahdanau et al., 2015): a small
  network, :math:`e_j = w^\top \tanh(W_q q + W_k k_j)`;
* :func:`scaled_dot_product_attention` (Vaswani et al., 2017): :math:`e_j = q \cdot k_j /
  \sqrt{d}`, no parameters of its own (the transformer's score).

Both take an optional boolean ``mask`` (True = this position takes part, PyTorch's rule):
masked positions get a score of :math:`-10^{30}` *before* the softmax, so their weight is
exactly zero and the other weights still sum to one. A row with every position masked
gets equal weights over all of them (instead of NaN). Shapes are batch first:
``query (B, L, Dq)`` for ``L`` queries (or ``(B, Dq)`` for one), ``keys (B, S, Dk)``,
``values (B, S, Dv)``, ``mask`` broadcastable to ``(B, L, S)`` (a ``(B, S)`` mask of valid
input positions is the usual one). Everything is composed from Tensor primitives, so the
gradients come from autograd; the tests check them against central differences.

Example:
    >>> import numpy as np
    >>> from tinygrad_rnn.tensor import Tensor
    >>> keys = Tensor(np.eye(3)[None])                 # (B=1, S=3, D=3)
    >>> query = Tensor([[0.0, 10.0, 0.0]])             # (B=1, D=3): most like key 1
    >>> context, weights = scaled_dot_product_attention(query, keys, keys)
    >>> weights.data.round(3)
    array([[0.003, 0.994, 0.003]], dtype=float32)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_rnn import init
from tinygrad_rnn.nn import functional as F
from tinygrad_rnn.nn.layers import as_tensor
from tinygrad_rnn.nn.module import Module, Parameter
from tinygrad_rnn.tensor import ShapeError, Tensor, get_default_dtype, where

__all__ = [
    "MASKED_SCORE",
    "additive_attention",
    "scaled_dot_product_attention",
    "AdditiveAttention",
]

#: The score a masked position gets before the softmax: far below any real score, yet
#: finite in float32 and float64 (so a fully masked row gives equal weights, not NaN).
MASKED_SCORE = -1e30


def _batch_queries(op: str, query: Tensor, keys: Tensor, values: Tensor) -> tuple[Tensor, bool]:
    """Check the shapes; a single query per sequence ``(B, D)`` becomes ``(B, 1, D)``."""
    single = query.ndim == 2
    if single:
        query = query.reshape(query.shape[0], 1, query.shape[1])
    if query.ndim != 3 or keys.ndim != 3 or values.ndim != 3:
        raise ShapeError(
            f"{op}: expected query (B, L, Dq) or (B, Dq), keys (B, S, Dk) and values "
            f"(B, S, Dv), got query {query.shape}, keys {keys.shape}, values {values.shape}"
        )
    if keys.shape[:2] != values.shape[:2] or query.shape[0] != keys.shape[0]:
        raise ShapeError(
            f"{op}: batch and length must agree (query (B, L, Dq), keys (B, S, Dk), values "
            f"(B, S, Dv)), got query {query.shape}, keys {keys.shape}, values {values.shape}"
        )
    return query, single


def _masked_softmax(op: str, scores: Tensor, mask: Any) -> Tensor:
    """Softmax over the last axis (the input positions), masked positions set first."""
    if mask is not None:
        keep = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
        if keep.dtype != bool:
            raise TypeError(f"{op}: mask must be boolean (True = attend), got dtype {keep.dtype}")
        if keep.ndim == 2:  # (B, S): the valid positions of each sequence, for every query
            keep = keep[:, None, :]
        try:
            keep = np.broadcast_to(keep, scores.shape)
        except ValueError:
            raise ShapeError(
                f"{op}: mask of shape {np.shape(mask)} does not fit the scores (B, L, S) = "
                f"{scores.shape}"
            ) from None
        scores = where(keep, scores, MASKED_SCORE)
    return F.softmax(scores, axis=-1)  # (B, L, S): each row sums to one


def scaled_dot_product_attention(
    query: Any, keys: Any, values: Any, mask: Any = None, scale: float | None = None
) -> tuple[Tensor, Tensor]:
    r"""Dot-product attention, :math:`\mathrm{softmax}(Q K^\top / \sqrt{d})\, V`.

    Args:
        query: ``(B, L, d)`` or ``(B, d)``.
        keys: ``(B, S, d)``.
        values: ``(B, S, Dv)``.
        mask: booleans broadcastable to ``(B, L, S)``, or ``(B, S)``; True = attend.
        scale: multiplies the scores; :math:`1/\sqrt{d}` unless given.

    Returns:
        ``(context, weights)``: ``(B, L, Dv)`` and ``(B, L, S)`` (``(B, Dv)`` and ``(B, S)``
        for a single query per sequence).
    """
    op = "scaled_dot_product_attention"
    query, keys, values = as_tensor(query), as_tensor(keys), as_tensor(values)
    query, single = _batch_queries(op, query, keys, values)
    if query.shape[2] != keys.shape[2]:
        raise ShapeError(
            f"{op}: queries and keys need the same size d, got query {query.shape} and keys "
            f"{keys.shape}"
        )
    factor = 1.0 / math.sqrt(query.shape[2]) if scale is None else float(scale)
    scores = (query @ keys.transpose(1, 2)) * factor  # (B, L, S)
    weights = _masked_softmax(op, scores, mask)
    context = weights @ values  # (B, L, Dv)
    if single:
        return context[:, 0], weights[:, 0]
    return context, weights


def additive_attention(
    query: Any,
    keys: Any,
    values: Any,
    w_query: Any,
    w_key: Any,
    w_score: Any,
    mask: Any = None,
) -> tuple[Tensor, Tensor]:
    r"""Additive (Bahdanau) attention, :math:`e_j = w^\top \tanh(W_q q + W_k k_j)`.

    Args:
        query: ``(B, L, Dq)`` or ``(B, Dq)``.
        keys: ``(B, S, Dk)``.
        values: ``(B, S, Dv)``.
        w_query: :math:`W_q`, ``(A, Dq)``.
        w_key: :math:`W_k`, ``(A, Dk)``.
        w_score: :math:`w`, ``(A,)``.
        mask: booleans broadcastable to ``(B, L, S)``, or ``(B, S)``; True = attend.

    Returns:
        ``(context, weights)``: ``(B, L, Dv)`` and ``(B, L, S)`` (``(B, Dv)`` and ``(B, S)``
        for a single query per sequence).
    """
    op = "additive_attention"
    query, keys, values = as_tensor(query), as_tensor(keys), as_tensor(values)
    w_query, w_key, w_score = as_tensor(w_query), as_tensor(w_key), as_tensor(w_score)
    query, single = _batch_queries(op, query, keys, values)
    size = w_score.shape[0] if w_score.ndim == 1 else -1
    if (
        w_score.ndim != 1
        or w_query.shape != (size, query.shape[2])
        or w_key.shape != (size, keys.shape[2])
    ):
        raise ShapeError(
            f"{op}: expected w_query (A, Dq), w_key (A, Dk), w_score (A,) with Dq = "
            f"{query.shape[2]}, Dk = {keys.shape[2]}, got w_query {w_query.shape}, w_key "
            f"{w_key.shape}, w_score {w_score.shape}"
        )
    q = query @ w_query.T  # (B, L, A)
    k = keys @ w_key.T  # (B, S, A)
    batch, n_q, n_k = query.shape[0], query.shape[1], keys.shape[1]
    hidden = (q.reshape(batch, n_q, 1, size) + k.reshape(batch, 1, n_k, size)).tanh()
    scores = hidden @ w_score  # (B, L, S)
    weights = _masked_softmax(op, scores, mask)
    context = weights @ values  # (B, L, Dv)
    if single:
        return context[:, 0], weights[:, 0]
    return context, weights


class AdditiveAttention(Module):
    r"""Additive (Bahdanau) attention with its parameters: :math:`W_q`, :math:`W_k`, :math:`w`.

    ``attention(query, keys, values=None, mask=None) -> (context, weights)``; ``values``
    defaults to ``keys`` (the usual case: attend over the encoder's states and mix the same
    states). See :func:`additive_attention` for the shapes.

    Args:
        query_size: ``Dq``, e.g. the decoder's hidden size.
        key_size: ``Dk``, e.g. the encoder's output size (``2H`` when bidirectional).
        hidden_size: ``A``, the width of the scoring network.
        rng: seed or generator; weights start as :math:`U(\pm 1/\sqrt{n_{in}})`.
        dtype: parameter dtype.

    Example:
        >>> import numpy as np
        >>> att = AdditiveAttention(query_size=4, key_size=6, hidden_size=8, rng=0)
        >>> context, weights = att(np.zeros((2, 4)), np.ones((2, 5, 6)))
        >>> context.shape, weights.shape, weights.data.sum(axis=-1).round(6).tolist()
        ((2, 6), (2, 5), [1.0, 1.0])
    """

    def __init__(
        self,
        query_size: int,
        key_size: int,
        hidden_size: int,
        rng: init.Seed | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.query_size, self.key_size = int(query_size), int(key_size)
        self.hidden_size = int(hidden_size)
        gen = init.as_generator(rng)
        dt = np.dtype(dtype) if dtype is not None else get_default_dtype()

        def param(shape: tuple[int, ...], fan_in: int, name: str) -> Parameter:
            bound = 1.0 / math.sqrt(fan_in)
            return Parameter(init.uniform_(np.empty(shape, dt), gen, -bound, bound), dt, name)

        self.w_query = param((self.hidden_size, self.query_size), self.query_size, "w_query")
        self.w_key = param((self.hidden_size, self.key_size), self.key_size, "w_key")
        self.w_score = param((self.hidden_size,), self.hidden_size, "w_score")

    def forward(
        self, query: Any, keys: Any, values: Any = None, mask: Any = None
    ) -> tuple[Tensor, Tensor]:
        dtype = self.w_score.dtype
        keys = as_tensor(keys, dtype)
        values = keys if values is None else as_tensor(values, dtype)
        query = as_tensor(query, dtype)
        return additive_attention(
            query, keys, values, self.w_query, self.w_key, self.w_score, mask=mask
        )

    def extra_repr(self) -> str:
        return (
            f"query_size={self.query_size}, key_size={self.key_size}, "
            f"hidden_size={self.hidden_size}"
        )
