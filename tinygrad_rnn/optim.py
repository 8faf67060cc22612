r"""Optimisers (SGD with momentum, RMSprop, Adam, AdamW) and gradient clipping.

An optimiser holds a list of parameters and, at each :meth:`Optimizer.step`, moves every
parameter against its gradient. The formulas are PyTorch's, term for term, so a run here
and the same run in ``torch.optim`` take the same steps (the tests check it). With
gradient :math:`g_t`, learning rate :math:`\eta` and weight decay :math:`\lambda`:

=========  ====================================================================================
SGD        :math:`g \leftarrow g + \lambda\theta`; momentum :math:`b_t = \mu b_{t-1} + (1-d) g`
           (:math:`b_1 = g`); Nesterov uses :math:`g + \mu b_t`, else :math:`b_t`;
           :math:`\theta \leftarrow \theta - \eta \cdot` that
RMSprop    :math:`v_t = \alpha v_{t-1} + (1-\alpha) g^2`;
           :math:`\theta \leftarrow \theta - \eta\, g / (\sqrt{v_t} + \epsilon)`
Adam       :math:`m_t = \beta_1 m_{t-1} + (1-\beta_1) g`,
           :math:`v_t = \beta_2 v_{t-1} + (1-\beta_2) g^2`;
           :math:`\theta \leftarrow \theta - \eta\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)` with
           :math:`\hat m_t = m_t / (1-\beta_1^t)`, :math:`\hat v_t = v_t / (1-\beta_2^t)`
AdamW      Adam, with the decay applied to :math:`\theta` directly:
           :math:`\theta \leftarrow \theta (1 - \eta\lambda)` before the Adam step
=========  ====================================================================================

Updates happen in place on each parameter's array (under the hood, no graph is recorded),
so modules and optimisers keep pointing at the same arrays. A parameter whose ``.grad`` is
``None`` (unused in the loss) is skipped. Each update counts as an in-place change of the
parameter (see :meth:`~tinygrad_rnn.tensor.Tensor.mark_modified`): calling ``backward()`` on
a loss computed *before* ``step()`` raises instead of returning gradients that mix old and
new weights. Clipping changes only ``.grad``, so it does not count.

Example:
    >>> import numpy as np
    >>> from tinygrad_rnn.nn import Parameter
    >>> w = Parameter(np.array([1.0, -2.0]), dtype=np.float64)
    >>> opt = SGD([w], lr=0.1)
    >>> (w * w).sum().backward()          # gradient 2w
    >>> opt.step(); w.data
    array([ 0.8, -1.6])
    >>> opt.zero_grad(); w.grad is None
    True
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_rnn import kernels
from tinygrad_rnn.tensor import Tensor

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "clip_grad_norm_", "clip_grad_value_"]


def _param_list(params: Any, who: str) -> list[Tensor]:
    """A list of Tensors from a Tensor, a Module's ``parameters()``, or any iterable."""
    if isinstance(params, Tensor):
        return [params]
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()
    out = list(params)
    for i, p in enumerate(out):
        if not isinstance(p, Tensor):
            raise TypeError(f"{who}: item {i} of params is a {type(p).__name__}, not a Tensor")
    return out


class Optimizer:
    """Base class: keeps the parameters and per-parameter state; subclasses write ``_update``.

    Args:
        params: the tensors to optimise (``model.parameters()``, a list, or a module).
        lr: the learning rate (change it between steps with ``opt.lr = ...``).
    """

    def __init__(self, params: Any, lr: float) -> None:
        name = type(self).__name__
        self.params = _param_list(params, name)
        if not self.params:
            raise ValueError(f"{name}: got an empty list of parameters")
        if not (math.isfinite(lr) and lr >= 0):
            raise ValueError(f"{name}: lr must be a finite number >= 0, got {lr}")
        self.lr = float(lr)
        self.state: list[dict[str, Any]] = [{} for _ in self.params]
        self.steps = 0

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``.grad = None``)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient, in place."""
        self.steps += 1
        for p, state in zip(self.params, self.state, strict=True):
            if p.grad is None:
                continue
            grad = np.asarray(p.grad, dtype=p.data.dtype)
            if grad.shape != p.data.shape:
                raise ValueError(
                    f"{type(self).__name__}.step: a gradient of shape {grad.shape} for a "
                    f"parameter of shape {p.data.shape}"
                )
            self._update(p.data, grad, state)
            p._version += 1  # a graph built before this step can no longer run backward

    def _update(self, theta: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------ saving and restoring
    # Internal state key -> PyTorch's name for it. Counters (PyTorch's "step") are ints here.
    _state_names: dict[str, str] = {}
    _counters: tuple[str, ...] = ()

    def _hyper(self) -> dict[str, Any]:
        """The hyper-parameters, as PyTorch names them in a param group."""
        return {"lr": self.lr}

    def _set_hyper(self, group: dict[str, Any]) -> None:
        self.lr = float(group["lr"])

    def state_dict(self) -> dict[str, Any]:
        """The optimiser's state in PyTorch's layout, copied (later steps do not change it).

        Returns:
            ``{"state": {index: {name: value}}, "param_groups": [{hyper-parameters...,
            "params": [0, 1, ...]}]}``. ``state`` has an entry for each parameter that has
            been updated at least once, keyed by its position in the parameter list, with
            PyTorch's names (``momentum_buffer``; ``step``, ``exp_avg``, ``exp_avg_sq``;
            ``square_avg``, ``grad_avg``) holding numpy arrays (``step`` a float, as
            PyTorch's ``tensor(3.)``). There is one param group with every parameter.

        Example:
            >>> import numpy as np
            >>> from tinygrad_rnn.nn import Parameter
            >>> w = Parameter(np.ones(2)); opt = Adam([w], lr=0.1)
            >>> (w * w).sum().backward(); opt.step()
            >>> sorted(opt.state_dict()["state"][0]), opt.state_dict()["param_groups"][0]["lr"]
            (['exp_avg', 'exp_avg_sq', 'step'], 0.1)
        """
        state: dict[int, dict[str, Any]] = {}
        for i, entry in enumerate(self.state):
            if not entry:
                continue
            out: dict[str, Any] = {}
            for key, value in entry.items():
                name = self._state_names.get(key, key)
                out[name] = float(value) if key in self._counters else np.array(value, copy=True)
            state[i] = out
        group = dict(self._hyper())
        group["params"] = list(range(len(self.params)))
        return {"state": state, "param_groups": [group]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state saved by :meth:`state_dict` (arrays are copied in).

        The hyper-parameters come back too (as in PyTorch). Everything is checked before
        anything changes: one param group listing every parameter, known state names, and
        arrays of each parameter's shape.

        Raises:
            ValueError: the dict does not fit this optimiser; the message says where.
        """
        who = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            keys = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict)
            raise ValueError(f"{who}: expected keys 'state' and 'param_groups', got {keys}")
        groups = state_dict["param_groups"]
        if not isinstance(groups, list) or len(groups) != 1:
            raise ValueError(f"{who}: expected one param group, got {groups!r:.80}")
        group = groups[0]
        wanted = set(self._hyper()) | {"params"}
        if not isinstance(group, dict) or not wanted <= set(group):
            missing = sorted(wanted - set(group)) if isinstance(group, dict) else wanted
            raise ValueError(f"{who}: the param group lacks {missing}")
        if list(group["params"]) != list(range(len(self.params))):
            raise ValueError(
                f"{who}: the saved group has {len(group['params'])} parameters, this optimiser "
                f"has {len(self.params)}"
            )
        back = {v: k for k, v in self._state_names.items()}
        restored: list[dict[str, Any]] = [{} for _ in self.params]
        for index, entry in state_dict["state"].items():
            i = int(index)
            if not 0 <= i < len(self.params):
                raise ValueError(
                    f"{who}: state for parameter {i}, but there are {len(self.params)}"
                )
            p = self.params[i]
            for name, value in entry.items():
                if name not in back:
                    raise ValueError(
                        f"{who}: unknown state {name!r} for parameter {i}; "
                        f"{type(self).__name__} keeps {sorted(back)}"
                    )
                key = back[name]
                if key in self._counters:
                    restored[i][key] = int(value)
                    continue
                arr = np.asarray(value)
                if arr.shape != p.data.shape:
                    raise ValueError(
                        f"{who}: state {name!r} of parameter {i} has shape {arr.shape}, the "
                        f"parameter has shape {p.data.shape}"
                    )
                restored[i][key] = np.array(arr, dtype=p.data.dtype, copy=True)
        self._set_hyper(group)
        self.state = restored
        counts = [v for entry in restored for k, v in entry.items() if k in self._counters]
        self.steps = max(counts, default=self.steps)

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v}" for k, v in vars(self).items() if k in self._shown)
        return f"{type(self).__name__}({len(self.params)} tensors, {settings})"

    _shown: tuple[str, ...] = ("lr",)


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum, Nesterov and weight decay.

    Args:
        params: the tensors to optimise.
        lr: learning rate :math:`\eta`.
        momentum: :math:`\mu` (0 turns momentum off).
        dampening: :math:`d`, scales the new gradient in the momentum buffer.
        nesterov: look ahead: step along :math:`g + \mu b_t` instead of :math:`b_t`.
        weight_decay: :math:`\lambda`, adds :math:`\lambda\theta` to the gradient (L2).
    """

    _shown = ("lr", "momentum", "dampening", "nesterov", "weight_decay")

    def __init__(
        self,
        params: Any,
        lr: float = 0.01,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov needs momentum > 0 and dampening = 0")
        self.momentum, self.dampening = float(momentum), float(dampening)
        self.nesterov, self.weight_decay = bool(nesterov), float(weight_decay)

    _state_names = {"momentum": "momentum_buffer"}

    def _hyper(self):
        return {
            "lr": self.lr,
            "momentum": self.momentum,
            "dampening": self.dampening,
            "weight_decay": self.weight_decay,
            "nesterov": self.nesterov,
        }

    def _set_hyper(self, group):
        self.lr, self.momentum = float(group["lr"]), float(group["momentum"])
        self.dampening, self.weight_decay = float(group["dampening"]), float(group["weight_decay"])
        self.nesterov = bool(group["nesterov"])

    def _update(self, theta, grad, state):
        if self.weight_decay:
            grad = grad + self.weight_decay * theta
        if self.momentum:
            buf = state.get("momentum")
            if buf is None:
                buf = state["momentum"] = grad.copy()
            else:
                buf *= self.momentum
                buf += (1.0 - self.dampening) * grad
            grad = grad + self.momentum * buf if self.nesterov else buf
        theta -= self.lr * grad


class RMSprop(Optimizer):
    r"""RMSprop: divide each gradient by a running root mean square of its recent values.

    Args:
        params: the tensors to optimise.
        lr: learning rate :math:`\eta`.
        alpha: smoothing :math:`\alpha` of the running mean of :math:`g^2`.
        eps: :math:`\epsilon`, added to the root for safety.
        weight_decay: :math:`\lambda` (L2, added to the gradient).
        momentum: :math:`\mu`: step along :math:`b_t = \mu b_{t-1} + g/(\sqrt{v_t}+\epsilon)`.
        centered: divide by an estimate of the gradient's *variance*
            :math:`v_t - \bar g_t^2` instead of its mean square.
    """

    _shown = ("lr", "alpha", "eps", "weight_decay", "momentum", "centered")

    def __init__(
        self,
        params: Any,
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.alpha, self.eps = float(alpha), float(eps)
        self.weight_decay, self.momentum = float(weight_decay), float(momentum)
        self.centered = bool(centered)

    _state_names = {
        "t": "step",
        "square_avg": "square_avg",
        "grad_avg": "grad_avg",
        "momentum": "momentum_buffer",
    }
    _counters = ("t",)

    def _hyper(self):
        return {
            "lr": self.lr,
            "alpha": self.alpha,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "momentum": self.momentum,
            "centered": self.centered,
        }

    def _set_hyper(self, group):
        self.lr, self.alpha, self.eps = (
            float(group["lr"]),
            float(group["alpha"]),
            float(group["eps"]),
        )
        self.weight_decay, self.momentum = float(group["weight_decay"]), float(group["momentum"])
        self.centered = bool(group["centered"])

    def _update(self, theta, grad, state):
        if self.weight_decay:
            grad = grad + self.weight_decay * theta
        if "square_avg" not in state:
            state["square_avg"] = np.zeros_like(theta)
        state["t"] = state.get("t", 0) + 1  # PyTorch's per-parameter "step", for state_dict
        square_avg = state["square_avg"]
        square_avg *= self.alpha
        square_avg += (1.0 - self.alpha) * grad * grad
        if self.centered:
            grad_avg = state.setdefault("grad_avg", np.zeros_like(theta))
            grad_avg *= self.alpha
            grad_avg += (1.0 - self.alpha) * grad
            denom = np.sqrt(square_avg - grad_avg * grad_avg) + self.eps
        else:
            denom = np.sqrt(square_avg) + self.eps
        if self.momentum:
            buf = state.setdefault("momentum", np.zeros_like(theta))
            buf *= self.momentum
            buf += grad / denom
            theta -= self.lr * buf
        else:
            theta -= self.lr * grad / denom


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015): momentum on the gradient, scaled by its running RMS.

    Args:
        params: the tensors to optimise.
        lr: learning rate :math:`\eta`.
        betas: :math:`(\beta_1, \beta_2)`, decay rates of the two running averages.
        eps: :math:`\epsilon` in the denominator.
        weight_decay: :math:`\lambda` (L2, added to the gradient; see :class:`AdamW`).
    """

    _shown = ("lr", "betas", "eps", "weight_decay")

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        beta1, beta2 = betas
        if not (0.0 <= beta1 < 1.0 and 0.0 <= beta2 < 1.0):
            raise ValueError(f"{type(self).__name__}: betas must be in [0, 1), got {betas}")
        self.betas = (float(beta1), float(beta2))
        self.eps, self.weight_decay = float(eps), float(weight_decay)

    _state_names = {"t": "step", "m": "exp_avg", "v": "exp_avg_sq"}
    _counters = ("t",)

    def _hyper(self):
        return {
            "lr": self.lr,
            "betas": self.betas,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "amsgrad": False,
        }

    def _set_hyper(self, group):
        if group.get("amsgrad"):
            raise ValueError(f"{type(self).__name__}.load_state_dict: amsgrad is not supported")
        beta1, beta2 = group["betas"]
        self.lr, self.betas = float(group["lr"]), (float(beta1), float(beta2))
        self.eps, self.weight_decay = float(group["eps"]), float(group["weight_decay"])

    def _decay(self, theta, grad):
        return grad + self.weight_decay * theta if self.weight_decay else grad

    def _update(self, theta, grad, state):
        grad = self._decay(theta, grad)
        beta1, beta2 = self.betas
        if "m" not in state:
            state["m"], state["v"], state["t"] = np.zeros_like(theta), np.zeros_like(theta), 0
        m, v = state["m"], state["v"]
        state["t"] += 1
        t = state["t"]
        m *= beta1
        m += (1.0 - beta1) * grad
        v *= beta2
        v += (1.0 - beta2) * grad * grad
        step_size = self.lr / (1.0 - beta1**t)
        denom = np.sqrt(v) / math.sqrt(1.0 - beta2**t) + self.eps
        theta -= step_size * m / denom


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019):
    :math:`\theta \leftarrow \theta(1 - \eta\lambda)` before each Adam step.

    Args are those of :class:`Adam`; ``weight_decay`` defaults to 0.01 as in PyTorch.
    """

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)

    def _decay(self, theta, grad):
        theta *= 1.0 - self.lr * self.weight_decay
        return grad


# ---------------------------------------------------------------------------- clipping
def clip_grad_norm_(params: Any, max_norm: float, eps: float = 1e-6) -> float:
    r"""Scale all gradients together so that their global 2-norm is at most ``max_norm``.

    The norm is taken over every gradient as if they were one long vector,
    :math:`\|g\| = \sqrt{\sum_k \|g_k\|^2}`; when it is above ``max_norm`` every gradient is
    multiplied by :math:`\text{max\_norm} / (\|g\| + \epsilon)`. The direction of the step
    is kept; only its length is capped, which stops one exploding step from wrecking a
    recurrent network.

    Args:
        params: tensors (or a module) whose ``.grad`` to clip; ``None`` grads are skipped.
        max_norm: the largest allowed norm.
        eps: added to the norm in the scale, as in PyTorch.

    Returns:
        The total norm *before* clipping, as a Python float (log it: it is the best early
        warning of exploding gradients).

    Example:
        >>> import numpy as np
        >>> from tinygrad_rnn.tensor import Tensor
        >>> w = Tensor([0.0, 0.0], requires_grad=True); w.grad = np.array([3.0, 4.0])
        >>> clip_grad_norm_([w], max_norm=1.0)
        5.0
        >>> np.round(w.grad, 3)
        array([0.6, 0.8])
    """
    if max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    grads = [p.grad for p in _param_list(params, "clip_grad_norm_") if p.grad is not None]
    if not grads:
        return 0.0
    dtype = grads[0].dtype
    total = float(kernels.ops_for(dtype).grad_norm(grads))
    scale = max_norm / (total + eps)
    if scale < 1.0:
        for g in grads:
            g *= g.dtype.type(scale)
    return total


def clip_grad_value_(params: Any, clip_value: float) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]``, in place.

    Unlike :func:`clip_grad_norm_` this changes the direction of the step; it is cruder but
    never lets one element explode.
    """
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for p in _param_list(params, "clip_grad_value_"):
        if p.grad is not None:
            np.clip(p.grad, -clip_value, clip_value, out=p.grad)
