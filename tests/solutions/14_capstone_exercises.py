"""Reference solution of the capstone exercises: your own character-level RNN.

Replace each ``raise NotImplementedError(...)`` line with your code, then check your work:

    tinygrad-rnn grade 14        # every exercise of the capstone
    tinygrad-rnn grade 14.3      # just one exercise

You assemble a character model from pieces you built in lessons 4 to 11, in plain numpy
(float64), without the library's layers, optimisers or autograd: an LSTM reads one character
at a time and a read-out layer turns its hidden state into scores (logits) for the next
character. Bring your own code over from the earlier exercise files or write it afresh.

The model is a dict of numpy arrays, with ``V`` characters and ``H`` hidden units:

* ``"W_ih"`` ``(4H, V)``, ``"W_hh"`` ``(4H, H)``, ``"b_ih"`` and ``"b_hh"`` ``(4H,)``: the
  LSTM, gates stacked in the order **i, f, g, o** as in lesson 9. The input is a one-hot
  row, so ``x_t @ W_ih.T`` is simply the column of ``W_ih`` of the character read.
* ``"W_out"`` ``(V, H)`` and ``"b_out"`` ``(V,)``: ``logits_t = h_t @ W_out.T + b_out``.

The grader runs your weights in its own process: it scores 14.3's trained model on sentences
you never see, and tests 14.2's samples against the probabilities your weights give.

| id   | points | what you write                                                          |
|------|--------|-------------------------------------------------------------------------|
| 14.1 | 4      | ``chunk_loss_and_grads``: forward, loss, BPTT over a chunk, final state |
| 14.2 | 3      | ``sample``: characters drawn one at a time, with temperature            |
| 14.3 | 5      | ``train_char_rnn``: the training loop, to a held-out target              |
"""

from __future__ import annotations

import time

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + exp(-z)), a helper you may use (it is not graded)."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # the same function, without overflow warnings


def chunk_loss_and_grads(
    params: dict[str, np.ndarray],
    x_ids: np.ndarray,
    y_ids: np.ndarray,
    h0: np.ndarray,
    c0: np.ndarray,
) -> tuple[float, dict[str, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    r"""Exercise 14.1 (4 points): the loss of one chunk, its gradients, and the state after it.

    ``x_ids[t, b]`` is the character stream ``b`` reads at step ``t``, and ``y_ids[t, b]`` the
    character that comes next (the target). Starting from the state ``(h0, c0)`` carried over
    from the previous chunk, run the LSTM over the ``T`` steps and the read-out at every step.
    The loss is the mean cross-entropy over all ``T * B`` predictions, in nats:

    .. math::

        L = \frac{1}{TB} \sum_{t, b} \Big( \ln \sum_j e^{z_{t,b,j}} - z_{t,b,y_{t,b}} \Big)

    Then backpropagate through time: the gradient of every parameter, summed over every step
    that used it. ``h0`` and ``c0`` are constants here (no gradient goes into them: that is
    what lets the next chunk start where this one ended without reaching back into it).

    Args:
        params: the model (see the top of this file).
        x_ids: ``(T, B)`` integer ids of the characters read.
        y_ids: ``(T, B)`` integer ids of the characters to predict.
        h0, c0: ``(B, H)`` the state to start from.

    Returns:
        ``(loss, grads, (h_T, c_T))``: the loss as a float; ``grads`` a dict with the same keys
        and shapes as ``params``; the state after the last step, each ``(B, H)``.

    Explained in: lesson 9, "Why the cell state keeps the gradient alive"; lesson 11, "The
    loss: nats per character, and perplexity".
    """
    W_ih, W_hh, W_out = params["W_ih"], params["W_hh"], params["W_out"]
    T, B = x_ids.shape
    H, V = W_hh.shape[1], W_out.shape[0]
    xa = W_ih.T[x_ids] + params["b_ih"] + params["b_hh"]  # (T, B, 4H): one-hot products
    hs, cs = np.empty((T + 1, B, H)), np.empty((T + 1, B, H))
    hs[0], cs[0] = h0, c0
    gates, tanh_c = np.empty((T, B, 4 * H)), np.empty((T, B, H))
    for t in range(T):
        a = xa[t] + hs[t] @ W_hh.T
        gates[t, :, : 2 * H] = sigmoid(a[:, : 2 * H])  # i, f
        gates[t, :, 2 * H : 3 * H] = np.tanh(a[:, 2 * H : 3 * H])  # g
        gates[t, :, 3 * H :] = sigmoid(a[:, 3 * H :])  # o
        i, f, g, o = np.split(gates[t], 4, axis=1)
        cs[t + 1] = f * cs[t] + i * g
        tanh_c[t] = np.tanh(cs[t + 1])
        hs[t + 1] = o * tanh_c[t]
    logits = hs[1:] @ W_out.T + params["b_out"]  # (T, B, V)
    z = logits - logits.max(axis=2, keepdims=True)
    probs = np.exp(z)
    probs /= probs.sum(axis=2, keepdims=True)
    t_idx, b_idx = np.meshgrid(np.arange(T), np.arange(B), indexing="ij")
    loss = float(-np.log(probs[t_idx, b_idx, y_ids]).mean())

    N = T * B
    dlogits = probs
    dlogits[t_idx, b_idx, y_ids] -= 1.0
    dlogits /= N
    grads = {
        "W_out": dlogits.reshape(N, V).T @ hs[1:].reshape(N, H),
        "b_out": dlogits.sum(axis=(0, 1)),
    }
    dh_out = dlogits @ W_out  # (T, B, H): what reaches each h_t from its own prediction
    das = np.empty((T, B, 4 * H))
    dh, dc = np.zeros((B, H)), np.zeros((B, H))
    for t in range(T - 1, -1, -1):
        i, f, g, o = np.split(gates[t], 4, axis=1)
        dh = dh + dh_out[t]
        dc = dc + dh * o * (1.0 - tanh_c[t] ** 2)
        das[t, :, :H] = dc * g * i * (1.0 - i)
        das[t, :, H : 2 * H] = dc * cs[t] * f * (1.0 - f)
        das[t, :, 2 * H : 3 * H] = dc * i * (1.0 - g**2)
        das[t, :, 3 * H :] = dh * tanh_c[t] * o * (1.0 - o)
        dh = das[t] @ W_hh
        dc = dc * f
    flat = das.reshape(N, 4 * H)
    grads["W_hh"] = flat.T @ hs[:-1].reshape(N, H)
    dW_ih_T = np.zeros((V, 4 * H))
    np.add.at(dW_ih_T, x_ids.ravel(), flat)  # each step adds into the column it read
    grads["W_ih"] = dW_ih_T.T
    grads["b_ih"] = flat.sum(axis=0)
    grads["b_hh"] = grads["b_ih"].copy()
    return loss, grads, (hs[-1].copy(), cs[-1].copy())


def sample(
    params: dict[str, np.ndarray],
    itos: list[str],
    prefix: str,
    n: int,
    temperature: float,
    rng: np.random.Generator,
) -> str:
    r"""Exercise 14.2 (3 points): write ``n`` characters after ``prefix``, drawn from the model.

    Start from the zero state, read the characters of ``prefix`` one at a time, then draw:
    each new character comes from :math:`\mathrm{softmax}(z / \tau)` of the current logits
    :math:`z`, and is read by the model before the next draw. Temperature ``0`` means always
    the most likely character. Draw with ``rng`` only, so that the same seed gives the same
    text.

    Args:
        params: the model.
        itos: id -> character (``itos[k]`` is the character of id ``k``).
        prefix: at least one character, all of them in ``itos``.
        n: how many new characters.
        temperature: :math:`\tau \ge 0`.
        rng: a ``np.random.Generator``.

    Returns:
        The ``n`` new characters as one ``str`` (without the prefix).

    Explained in: lesson 11, "Sampling with temperature".
    """
    stoi = {ch: k for k, ch in enumerate(itos)}
    W_ih, W_hh = params["W_ih"], params["W_hh"]
    bias = params["b_ih"] + params["b_hh"]
    H = W_hh.shape[1]
    h, c = np.zeros((1, H)), np.zeros((1, H))

    def read(k: int, h: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a = W_ih[:, k] + bias + h @ W_hh.T
        i, f = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H])
        g, o = np.tanh(a[:, 2 * H : 3 * H]), sigmoid(a[:, 3 * H :])
        c = f * c + i * g
        return o * np.tanh(c), c

    for ch in prefix:
        h, c = read(stoi[ch], h, c)
    out = []
    for _ in range(n):
        z = (h @ params["W_out"].T + params["b_out"])[0]
        if temperature == 0:
            k = int(np.argmax(z))
        else:
            q = np.exp((z - z.max()) / temperature)
            k = int(rng.choice(len(q), p=q / q.sum()))
        out.append(itos[k])
        h, c = read(k, h, c)
    return "".join(out)


def train_char_rnn(text: str, seconds: float) -> tuple[dict[str, np.ndarray], list[str]]:
    r"""Exercise 14.3 (5 points): train your model on ``text`` within ``seconds``.

    The grader gives you 600 sentences of the small generated grammar
    (``tinygrad_rnn.data.grammar_text``) and scores the model you return on 60 other
    sentences of the same grammar, in its own process: the held-out loss must be **below
    0.75 nats per character** (the bigram model of lesson 0 scores 1.69 there; guessing
    uniformly, ln 26 = 3.26). Then it draws samples with your ``sample`` from your trained
    weights and checks that they fit the probabilities those weights give.

    Stop when ``seconds`` have passed (``time.perf_counter()``); the grader's time limit is a
    minute longer. Stopping earlier, once your own held-back text scores well below the
    target, is fine.

    Args:
        text: the training text.
        seconds: the time budget.

    Returns:
        ``(params, itos)``: the trained model (the dict described at the top of this file) and
        its characters, id -> character, every character of ``text`` among them.

    Explained in: lesson 11, the training loop and "Training"; lesson 6, "Clipping the step".
    """
    hidden, streams_n, steps, lr, max_norm = 64, 16, 32, 0.01, 5.0
    start = time.perf_counter()
    itos = sorted(set(text))
    stoi = {ch: k for k, ch in enumerate(itos)}
    ids = np.array([stoi[ch] for ch in text])
    held_back, ids = ids[-len(ids) // 20 :], ids[: -len(ids) // 20]  # our own check text
    V, H = len(itos), hidden
    rng = np.random.default_rng(0)
    s = 1.0 / np.sqrt(H)
    params = {
        "W_ih": rng.uniform(-s, s, (4 * H, V)),
        "W_hh": rng.uniform(-s, s, (4 * H, H)),
        "b_ih": np.zeros(4 * H),
        "b_hh": np.zeros(4 * H),
        "W_out": rng.uniform(-s, s, (V, H)),
        "b_out": np.zeros(V),
    }
    params["b_ih"][H : 2 * H] = 1.0  # the forget gate starts open (lesson 9)
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v2 = {k: np.zeros_like(v) for k, v in params.items()}
    N = len(ids) // streams_n
    streams = ids[: N * streams_n].reshape(streams_n, N).T  # (N, B): column b is one stream
    h, c = np.zeros((streams_n, H)), np.zeros((streams_n, H))
    pos, step = 0, 0
    while time.perf_counter() - start < seconds:
        if pos + steps + 1 > N:  # the streams are used up: start again from zero states
            pos, h, c = 0, np.zeros((streams_n, H)), np.zeros((streams_n, H))
        x, y = streams[pos : pos + steps], streams[pos + 1 : pos + steps + 1]
        pos += steps
        _, grads, (h, c) = chunk_loss_and_grads(params, x, y, h, c)
        norm = np.sqrt(sum(float(np.sum(g * g)) for g in grads.values()))
        scale = min(1.0, max_norm / (norm + 1e-6))  # clipping by norm keeps the direction
        step += 1
        for k in params:
            g = grads[k] * scale
            m[k] = 0.9 * m[k] + 0.1 * g
            v2[k] = 0.999 * v2[k] + 0.001 * g * g
            m_hat, v_hat = m[k] / (1 - 0.9**step), v2[k] / (1 - 0.999**step)
            params[k] -= lr * m_hat / (np.sqrt(v_hat) + 1e-8)
        if step % 25 == 0:  # stop early once our held-back text is well below the target
            zeros = np.zeros((1, H))
            check, _, _ = chunk_loss_and_grads(
                params, held_back[:-1, None], held_back[1:, None], zeros, zeros
            )
            if check < 0.6:
                break
    return params, itos
