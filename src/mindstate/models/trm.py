"""TinyRecursiveModel: a small weight-shared network that refines a Pleasure-Arousal-Dominance
estimate over K iterations, on a sentence embedding.

What each part computes, in plain terms (``d = d_model``, ``T`` targets, e.g. V, A, D):

- **Input.** The sentence embedding ``x`` is layer-normalised and projected to an input vector
  ``e`` (d) and an initial latent state ``z_0`` (d). The first estimate is ``y_0 = head(z_0)``.
  Estimates live in standardised target units (training mean 0, SD 1 per target) and are mapped
  back to the 1-5 scale at the output, so every target weighs the same in the loss.
- **One iteration** (the same weights every time): the latent is updated from itself, the input
  and the current estimate, ``z_k = z_{k-1} + MLP(LN(z_{k-1} + e + P(y_{k-1}) [+ reads]))``, and
  a new estimate and a confidence are read from it. Repeating this K times is the recursion;
  because the weights are shared the model stays small however many iterations run.
- **v1 (base).** The estimate is re-read from the latent each time: ``y_k = head(z_k)``.
- **v2 (+ attention).** ``SelfAttentionTiny``: before the update the latent attends (one head,
  d = 128 by default) over ``n_ctx`` context tokens (learned projections of the embedding) and
  over its own earlier states, so an iteration can look back at what it already computed.
- **v3 (+ explicit PAD head).** ``PADRegressionHead``: the estimate is refined instead of
  re-read, ``y_k = y_{k-1} + MLP([z_k, y_{k-1}])``.
- **v4 (+ RINSE, a reflective head).** ``RINSEHead`` looks at the latent, the estimate and how
  much the estimate just moved, and outputs a correction, a gate in (0, 1) deciding how much of
  the correction to accept, and the iteration's confidence.
- **v6 (+ SoulKernel, persistent memory).** ``SoulKernel`` keeps ``memory_slots`` prototypes of
  the final latent state together with the mean standardised target of the training sentences
  closest to each (an online k-means, updated by exponential moving averages during training,
  not by gradients). Each iteration reads it by attention: the latent gets the attended
  prototype and its target as extra inputs. The memory is a buffer of the model, so it is saved
  and restored with the checkpoint and carries over when training resumes or continues.
- **Confidence per iteration.** ``c_k = sigmoid(w · z_k)`` (from RINSE in v4+) is trained to
  predict ``exp(-e_k)``, where ``e_k`` is the mean squared standardised error of ``y_k``, so it
  reads as "how close this iteration expects to be". The output is the confidence-weighted
  mean of the iterations' estimates (``readout="weighted"``, weights ``softmax(logit c_k)``) or
  the last one (``readout="last"``).
- **Training signal.** Besides the task loss on the output, every iteration's estimate gets the
  same loss (deep supervision, weight ``deep_supervision``) and the confidences a binary
  cross-entropy to their targets (weight ``confidence_weight``); see :meth:`auxiliary_loss`.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import torch
from torch import nn
from torch.nn import functional as F

from .base import MODELS, BaseModel, InputSpec

__all__ = ["TRM_VERSIONS", "PADRegressionHead", "RINSEHead", "SelfAttentionTiny", "SoulKernel",
           "TinyRecursiveModel", "has_trajectory"]


def has_trajectory(model: Any) -> bool:
    """Whether ``model`` refines its estimate over iterations (``model.trajectory`` works).

    Parameters
    ----------
    model : nn.Module
        Any model.

    Returns
    -------
    bool
        True for TinyRecursiveModel and models with one as their head.
    """
    return callable(getattr(model, "trajectory", None)) and \
        bool(getattr(model, "has_trajectory", True))

#: The seed's versions as component switches.
TRM_VERSIONS: dict[str, dict[str, bool]] = {
    "v1": {"attention": False, "pad_head": False, "rinse": False, "memory": False},
    "v2": {"attention": True, "pad_head": False, "rinse": False, "memory": False},
    "v3": {"attention": True, "pad_head": True, "rinse": False, "memory": False},
    "v4": {"attention": True, "pad_head": True, "rinse": True, "memory": False},
    "v6": {"attention": True, "pad_head": True, "rinse": True, "memory": True},
}


class SelfAttentionTiny(nn.Module):
    """Single-head scaled dot-product attention of one query over a set of tokens.

    Parameters
    ----------
    d_model : int
        Width of the query and the tokens (128 in the seed).
    drop_prob : float
        Dropout on the attention weights.
    """

    def __init__(self, d_model: int = 128, drop_prob: float = 0.0) -> None:
        super().__init__()
        self.q = nn.Linear(d_model, d_model)
        self.k = nn.Linear(d_model, d_model)
        self.v = nn.Linear(d_model, d_model)
        self.out = nn.Linear(d_model, d_model)
        self.drop = nn.Dropout(drop_prob)
        self.scale = 1.0 / math.sqrt(d_model)

    def project(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Keys and values of ``tokens`` (batch, n, d); computed once per token and reused
        across iterations."""
        return self.k(tokens), self.v(tokens)

    def attend(self, query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor
               ) -> tuple[torch.Tensor, torch.Tensor]:
        """Attend with projected keys and values (see :meth:`forward`)."""
        q = self.q(query).unsqueeze(1)                                    # (B, 1, d)
        w = torch.softmax((q * keys).sum(-1) * self.scale, dim=-1)        # (B, n)
        out = (self.drop(w).unsqueeze(-1) * values).sum(1)                # (B, d)
        return self.out(out), w

    def forward(self, query: torch.Tensor, tokens: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Attend.

        Parameters
        ----------
        query : Tensor of shape (batch, d)
            The latent state.
        tokens : Tensor of shape (batch, n, d)
            What it attends over.

        Returns
        -------
        out : Tensor of shape (batch, d)
            The attended summary.
        weights : Tensor of shape (batch, n)
            The attention weights (sum to 1).
        """
        keys, values = self.project(tokens)
        return self.attend(query, keys, values)


class PADRegressionHead(nn.Module):
    """Residual refinement of the estimate: ``Δy = MLP([z, y])``.

    Parameters
    ----------
    d_model : int
        Latent width.
    n_targets : int
        Number of targets.
    """

    def __init__(self, d_model: int, n_targets: int) -> None:
        super().__init__()
        out = nn.Linear(d_model, n_targets)
        with torch.no_grad():  # start close to "keep the estimate"
            out.weight.mul_(0.1)
            out.bias.zero_()
        self.net = nn.Sequential(nn.Linear(d_model + n_targets, d_model), nn.GELU(), out)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The correction (batch, n_targets) for latent ``z`` and estimate ``y``."""
        return self.net(torch.cat([z, y], dim=-1))


class RINSEHead(nn.Module):
    """Reflective head: from the latent, the estimate and its last change, a gated correction
    and a confidence logit.

    Parameters
    ----------
    d_model : int
        Latent width.
    n_targets : int
        Number of targets.
    """

    def __init__(self, d_model: int, n_targets: int) -> None:
        super().__init__()
        self.n_targets = n_targets
        out = nn.Linear(d_model // 2, 2 * n_targets + 1)
        with torch.no_grad():
            out.weight.mul_(0.1)
            out.bias.zero_()
        self.net = nn.Sequential(nn.Linear(d_model + 2 * n_targets, d_model // 2), nn.GELU(),
                                 out)

    def forward(self, z: torch.Tensor, y: torch.Tensor, dy: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Refined estimate (batch, T) and confidence logit (batch,)."""
        out = self.net(torch.cat([z, y, dy], dim=-1))
        t = self.n_targets
        gate = torch.sigmoid(out[:, :t])
        return y + gate * out[:, t:2 * t], out[:, 2 * t]


class SoulKernel(nn.Module):
    """Persistent memory: ``n_slots`` latent prototypes with their mean standardised targets.

    Written during training (:meth:`write`, an exponential moving average towards the latent
    states and targets assigned to each slot, nearest by cosine similarity; empty slots take
    the first states they see), read by attention (:meth:`read`). Buffers, not parameters:
    they are saved with the model and never receive gradients. ``stats`` keeps running means
    of Hope, Faith and Love over training batches (see :mod:`mindstate.evaluate.regression`).

    Parameters
    ----------
    d_model : int
        Latent width.
    n_targets : int
        Number of targets.
    n_slots : int
        Memory size.
    momentum : float
        Weight of the old value in each moving-average update.
    """

    keys: torch.Tensor
    values: torch.Tensor
    counts: torch.Tensor
    stats: torch.Tensor

    def __init__(self, d_model: int, n_targets: int, n_slots: int = 16,
                 momentum: float = 0.9) -> None:
        super().__init__()
        self.momentum = momentum
        self.register_buffer("keys", torch.zeros(n_slots, d_model))
        self.register_buffer("values", torch.zeros(n_slots, n_targets))
        self.register_buffer("counts", torch.zeros(n_slots))
        self.register_buffer("stats", torch.zeros(3))  # hope, faith, love (running means)

    def read(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Attend over the filled slots.

        Parameters
        ----------
        z : Tensor of shape (batch, d)
            The latent state.

        Returns
        -------
        memory : Tensor of shape (batch, d)
            The attended prototype (zeros while the memory is empty).
        prior : Tensor of shape (batch, n_targets)
            The attended slot target.
        """
        filled = self.counts > 0
        if not bool(filled.any()):
            return z.new_zeros(z.shape), z.new_zeros(z.shape[0], self.values.shape[1])
        keys = F.normalize(self.keys[filled], dim=-1)
        w = torch.softmax(F.normalize(z, dim=-1) @ keys.T / 0.1, dim=-1)  # cosine, sharpened
        return w @ self.keys[filled], w @ self.values[filled]

    @torch.no_grad()
    def write(self, z: torch.Tensor, y: torch.Tensor) -> None:
        """Update the memory with latent states ``z`` (batch, d) and their standardised
        targets ``y`` (batch, n_targets)."""
        z, y = z.detach().float(), y.detach().float()
        empty = torch.nonzero(self.counts == 0).flatten()
        start = 0
        if len(empty):  # seed empty slots with the first states seen
            take = min(len(empty), len(z))
            self.keys[empty[:take]] = z[:take]
            self.values[empty[:take]] = y[:take]
            self.counts[empty[:take]] = 1.0
            start = take
        if start >= len(z):
            return
        z, y = z[start:], y[start:]
        sim = F.normalize(z, dim=-1) @ F.normalize(self.keys, dim=-1).T     # (B, M)
        slot = sim.argmax(dim=1)
        for m in torch.unique(slot).tolist():
            pick = slot == m
            a = self.momentum
            self.keys[m] = a * self.keys[m] + (1 - a) * z[pick].mean(0)
            self.values[m] = a * self.values[m] + (1 - a) * y[pick].mean(0)
            self.counts[m] += float(pick.sum())

    @torch.no_grad()
    def track(self, hope: float, faith: float, love: float) -> None:
        """Fold one batch's Hope, Faith and Love into the running means."""
        new = torch.tensor([hope, faith, love], dtype=self.stats.dtype,
                           device=self.stats.device)
        self.stats.mul_(self.momentum).add_((1 - self.momentum) * new)


@MODELS.register("trm")
class TinyRecursiveModel(BaseModel):
    """TinyRecursiveModel on a sentence embedding ``{"embedding": (batch, n_features)}``.

    See the module docstring for what each component computes.

    Parameters
    ----------
    n_features : int
        Embedding size (384 for all-MiniLM-L6-v2).
    n_outputs : int
        Number of targets (3 for V, A, D).
    version : {"v1", "v2", "v3", "v4", "v6"}
        The seed's versions; the component switches below override it when given.
    attention, pad_head, rinse, memory : bool | None
        Component switches (``None``: as ``version`` says).
    d_model : int
        Latent width (128 in the seed).
    n_iter : int
        Recursion depth K.
    n_ctx : int
        Context tokens the attention reads (learned projections of the embedding).
    memory_slots : int
        SoulKernel size.
    readout : {"weighted", "last"}
        Output = confidence-weighted mean of the iterations' estimates, or the last one.
    drop_prob : float
        Dropout in the update MLP and on the input.
    deep_supervision : float
        Weight of the per-iteration losses in :meth:`auxiliary_loss`.
    confidence_weight : float
        Weight of the confidence loss in :meth:`auxiliary_loss`.
    """

    input_spec: ClassVar[dict[str, InputSpec]] = {"embedding": InputSpec(("n_features",))}
    target_mean: torch.Tensor
    target_std: torch.Tensor
    test_config: ClassVar[dict[str, Any]] = {"n_features": 16, "n_outputs": 3, "d_model": 16,
                                             "n_iter": 3, "n_ctx": 2, "memory_slots": 4}

    def __init__(self, n_features: int, n_outputs: int, *, version: str = "v6",
                 attention: bool | None = None, pad_head: bool | None = None,
                 rinse: bool | None = None, memory: bool | None = None, d_model: int = 128,
                 n_iter: int = 4, n_ctx: int = 8, memory_slots: int = 32,
                 readout: str = "weighted", drop_prob: float = 0.1,
                 deep_supervision: float = 0.5, confidence_weight: float = 0.1) -> None:
        from .._validation import check_int, check_option, check_range

        n_features = check_int(n_features, "n_features", min_value=1)
        check_option(version, list(TRM_VERSIONS), "version")
        check_option(readout, ["weighted", "last"], "readout")
        d_model = check_int(d_model, "d_model", min_value=4)
        n_iter = check_int(n_iter, "n_iter", min_value=1)
        n_ctx = check_int(n_ctx, "n_ctx", min_value=1)
        memory_slots = check_int(memory_slots, "memory_slots", min_value=1)
        check_range(drop_prob, "drop_prob", 0.0, 1.0, inclusive=(True, False))
        check_range(deep_supervision, "deep_supervision", 0.0, None)
        check_range(confidence_weight, "confidence_weight", 0.0, None)
        super().__init__(n_outputs, n_features=n_features)
        switches = dict(TRM_VERSIONS[version])
        for key, value in (("attention", attention), ("pad_head", pad_head), ("rinse", rinse),
                           ("memory", memory)):
            if value is not None:
                switches[key] = bool(value)
        self._store_config(version=version, attention=attention, pad_head=pad_head,
                           rinse=rinse, memory=memory, d_model=d_model, n_iter=n_iter,
                           n_ctx=n_ctx, memory_slots=memory_slots, readout=readout,
                           drop_prob=drop_prob, deep_supervision=deep_supervision,
                           confidence_weight=confidence_weight)
        self.switches = switches
        self.d_model, self.n_iter, self.n_ctx, self.readout = d_model, n_iter, n_ctx, readout
        self.memory_slots = memory_slots
        self.deep_supervision, self.confidence_weight = deep_supervision, confidence_weight
        self.norm_in = nn.LayerNorm(n_features)
        self.drop_in = nn.Dropout(drop_prob)
        self.in_proj = nn.Linear(n_features, d_model)
        self.z0_proj = nn.Linear(n_features, d_model)
        self.update = nn.Sequential(nn.LayerNorm(d_model), nn.Linear(d_model, 2 * d_model),
                                    nn.GELU(), nn.Dropout(drop_prob),
                                    nn.Linear(2 * d_model, d_model))
        if switches["attention"]:
            self.ctx_proj = nn.Linear(n_features, n_ctx * d_model)
            self.ctx_pos = nn.Parameter(torch.zeros(n_ctx, d_model))
            self.attn_norm = nn.LayerNorm(d_model)
            self.attn = SelfAttentionTiny(d_model, drop_prob)
        if switches["memory"]:
            self.mem_proj = nn.Linear(d_model, d_model)
        self._build_outputs(n_outputs)
        self.register_buffer("target_mean", torch.zeros(n_outputs))
        self.register_buffer("target_std", torch.ones(n_outputs))
        self._aux: tuple[list[torch.Tensor], list[torch.Tensor], torch.Tensor] | None = None

    def _build_outputs(self, n_outputs: int) -> None:
        d, sw = self.d_model, self.switches
        self.head = nn.Linear(d, n_outputs)
        self.y_proj = nn.Linear(n_outputs, d)
        if not sw["rinse"]:
            self.conf_head = nn.Linear(d, 1)
        if sw["pad_head"]:
            self.pad_head = PADRegressionHead(d, n_outputs)
        if sw["rinse"]:
            self.rinse = RINSEHead(d, n_outputs)
        if sw["memory"]:
            self.soul = SoulKernel(d, n_outputs, self.memory_slots)
            self.prior_proj = nn.Linear(n_outputs, d)

    def reset_head(self, n_outputs: int) -> None:
        """Rebuild every output-sized part for ``n_outputs`` targets (the memory is emptied).

        Parameters
        ----------
        n_outputs : int
            New number of targets.
        """
        from .._validation import check_int

        n_outputs = check_int(n_outputs, "n_outputs", min_value=1)
        self._build_outputs(n_outputs)
        self.target_mean = torch.zeros(n_outputs)
        self.target_std = torch.ones(n_outputs)
        self.n_outputs = n_outputs
        self._config["n_outputs"] = n_outputs

    def set_target_stats(self, mean: Any, std: Any) -> None:
        """Set the training targets' mean and SD (the model works in standardised units).

        Parameters
        ----------
        mean, std : array-like of shape (n_outputs,)
            Per-target mean and standard deviation (SD of 0 is treated as 1).
        """
        mean_t = torch.as_tensor(mean, dtype=self.target_mean.dtype).reshape(-1)
        std_t = torch.as_tensor(std, dtype=self.target_std.dtype).reshape(-1)
        if mean_t.shape != self.target_mean.shape or std_t.shape != self.target_std.shape:
            raise ValueError(f"mean and std must have shape ({self.n_outputs},); got "
                             f"{tuple(mean_t.shape)} and {tuple(std_t.shape)}.")
        with torch.no_grad():
            self.target_mean.copy_(mean_t)
            self.target_std.copy_(torch.where(std_t > 0, std_t, torch.ones_like(std_t)))
            self.head.bias.zero_()

    # ------------------------------------------------------------------ recursion
    def _recurse(self, x: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor],
                                                 torch.Tensor]:
        sw = self.switches
        x = self.drop_in(self.norm_in(x))
        e = self.in_proj(x)
        z = self.z0_proj(x)
        y = self.head(z)
        keys: list[torch.Tensor] = []
        values: list[torch.Tensor] = []
        if sw["attention"]:
            ctx = self.ctx_proj(x).view(len(x), self.n_ctx, self.d_model) + self.ctx_pos
            tokens = torch.cat([ctx, z.unsqueeze(1)], dim=1)
            k0, v0 = self.attn.project(tokens)
            keys, values = [k0], [v0]
        ys: list[torch.Tensor] = []
        conf: list[torch.Tensor] = []
        for _ in range(self.n_iter):
            h = z + e + self.y_proj(y)
            if sw["memory"]:
                mem, prior = self.soul.read(z)
                h = h + self.mem_proj(mem) + self.prior_proj(prior)
            if keys:  # context tokens and every earlier latent state
                a, _ = self.attn.attend(self.attn_norm(h), torch.cat(keys, 1),
                                        torch.cat(values, 1))
                h = h + a
            z = z + self.update(h)
            y_prev = y
            y = y + self.pad_head(z, y) if sw["pad_head"] else self.head(z)
            if sw["rinse"]:
                y, c = self.rinse(z, y, y - y_prev)
            else:
                c = self.conf_head(z).squeeze(-1)
            ys.append(y)
            conf.append(c)
            if keys:
                k, v = self.attn.project(z.unsqueeze(1))
                keys.append(k)
                values.append(v)
        return ys, conf, z

    def forward_features(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Every iteration's estimate and confidence logit, packed (batch, K * (T + 1)):
        the K standardised estimates (K * T) followed by the K confidence logits."""
        ys, conf, z = self._recurse(inputs["embedding"])
        self._aux = (ys, conf, z) if self.training else None
        return torch.cat([torch.stack(ys, dim=1).flatten(1), torch.stack(conf, dim=1)], dim=1)

    def _unpack(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        k, t = self.n_iter, self.n_outputs
        ys = features[:, : k * t].reshape(len(features), k, t)
        return ys, features[:, k * t:]

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:
        """Output on the targets' scale (batch, T) from :meth:`forward_features`."""
        ys, conf = self._unpack(features)
        if self.readout == "last":
            y = ys[:, -1]
        else:
            y = (torch.softmax(conf, dim=1).unsqueeze(-1) * ys).sum(1)
        return self.target_mean + self.target_std * y

    def trajectory(self, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Every iteration's estimate and confidence.

        Parameters
        ----------
        inputs : dict of str to Tensor
            ``{"embedding": (batch, n_features)}``.

        Returns
        -------
        dict
            ``trajectory`` (batch, K, T) on the targets' scale, ``confidence`` (batch, K) in
            (0, 1), ``weights`` (batch, K) of the weighted readout (one-hot on the last
            iteration with ``readout="last"``).
        """
        ys, conf = self._unpack(self.forward_features(self.check_inputs(inputs)))
        if self.readout == "last":
            w = torch.zeros_like(conf)
            w[:, -1] = 1.0
        else:
            w = torch.softmax(conf, dim=1)
        return {"trajectory": self.target_mean + self.target_std * ys,
                "confidence": torch.sigmoid(conf), "weights": w}

    def auxiliary_loss(self, y: torch.Tensor, loss_fn: nn.Module) -> torch.Tensor:
        """Deep supervision and confidence loss of the last training forward pass; writes the
        SoulKernel memory.

        Parameters
        ----------
        y : Tensor of shape (batch, T)
            The targets on their own scale.
        loss_fn : nn.Module
            The task loss (applied to every iteration's estimate).

        Returns
        -------
        Tensor
            ``deep_supervision * mean_k loss(y_k) + confidence_weight * BCE(c_k, exp(-e_k))``.
        """
        if self._aux is None:
            return y.new_zeros(())
        ys, conf, z = self._aux
        self._aux = None
        y = y.reshape(len(y), -1).to(ys[0].dtype)
        ystd = (y - self.target_mean) / self.target_std
        total = y.new_zeros(())
        if self.deep_supervision:
            per = [loss_fn(self.target_mean + self.target_std * yk, y) for yk in ys]
            total = total + self.deep_supervision * torch.stack(per).mean()
        err = torch.stack([((yk - ystd) ** 2).mean(-1) for yk in ys], dim=1).detach()
        logits = torch.stack(conf, dim=1)
        if self.confidence_weight:
            total = total + self.confidence_weight * F.binary_cross_entropy_with_logits(
                logits, torch.exp(-err))
        if self.switches["memory"]:
            self.soul.write(z, ystd)
            with torch.no_grad():
                final = ys[-1]
                hope = float((1 - (self.target_std * (final - ystd)).abs()).mean())
                faith = float(torch.tanh(torch.sigmoid(logits)).mean())
                spread = float((self.target_std * torch.stack(ys, 1)).var(1, unbiased=False)
                               .mean())
                mse = float(((self.target_std * (final - ystd)) ** 2).mean())
                self.soul.track(hope, faith, math.exp(-mse) * (1 - spread))
        return total
