"""Loss functions, registered by name: ``create_loss("focal", gamma=2.0)``.

Every classification loss takes ``logits`` of shape (batch, n_classes) and a target that is
either hard class indices (batch,) (int64) or soft labels (batch, n_classes) (vote counts or
fractions, normalised per row). The regression losses take (batch,) or (batch, n_targets).

==================  ==============================================  ==========
name                loss                                            targets
==================  ==============================================  ==========
``ce``              cross-entropy                                   hard, soft
``weighted_ce``     cross-entropy with (balanced) class weights     hard, soft
``label_smoothing`` cross-entropy with label smoothing (0.1)        hard, soft
``focal``           focal loss (Lin et al., 2017)                   hard, soft
``kl``              KL(target ‖ softmax(logits)), batch mean        soft, hard
``mse``             mean squared error                              regression
``scaled_mse``      MSE of each target in units of its training SD  regression
``ccc``             1 − concordance correlation, averaged           regression
==================  ==============================================  ==========
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import NDArray
from torch import nn

from .._validation import check_array, check_int, check_range, describe, suggest
from ..registry import Registry

__all__ = [
    "LOSSES",
    "CCCLoss",
    "CrossEntropyLoss",
    "FocalLoss",
    "KLDivergenceLoss",
    "LabelSmoothingCrossEntropy",
    "MSELoss",
    "ScaledMSELoss",
    "WeightedCrossEntropyLoss",
    "class_weights",
    "create_loss",
]

LOSSES: Registry[type[nn.Module]] = Registry("loss")


# ---------------------------------------------------------------------------------------------
# helpers


def class_weights(y: Any, n_classes: int) -> NDArray[np.float64]:
    """Balanced class weights ``n_samples / (n_classes * count_c)`` (scikit-learn's "balanced").

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_classes)
        Class indices, or soft labels (their per-row fractions are summed as counts).
    n_classes : int
        Number of classes.

    Returns
    -------
    weights : ndarray of shape (n_classes,)
        Mean weight over samples is 1 for hard labels.

    Raises
    ------
    ValueError
        If a class has no samples (its weight would be infinite): pass weights explicitly.
    """
    n_classes = check_int(n_classes, "n_classes", min_value=2)
    arr = check_array(y, "y", ndim=(1, 2))
    if arr.ndim == 1:
        if not np.all(arr == np.round(arr)) or arr.min() < 0 or arr.max() >= n_classes:
            raise ValueError(
                f"y must hold class indices in 0..{n_classes - 1}; got values in "
                f"{arr.min():g}..{arr.max():g}."
            )
        counts = np.bincount(arr.astype(np.int64), minlength=n_classes).astype(np.float64)
    else:
        if arr.shape[1] != n_classes or np.any(arr < 0):
            raise ValueError(
                f"Soft y must be non-negative with shape (n_samples, {n_classes}); got "
                f"{describe(arr)}."
            )
        sums = arr.sum(axis=1, keepdims=True)
        if np.any(sums <= 0):
            raise ValueError("Soft y has a row summing to 0; every row needs a vote.")
        counts = (arr / sums).sum(axis=0)
    if np.any(counts <= 0):
        missing = np.flatnonzero(counts <= 0).tolist()
        raise ValueError(
            f"class_weights: class(es) {missing} have no samples in y, so a balanced weight is "
            "undefined. Pass weight=[...] explicitly or check the training split."
        )
    return counts.sum() / (n_classes * counts)


def _check_logits(logits: torch.Tensor, name: str = "logits") -> None:
    if not isinstance(logits, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor; got {describe(logits)}.")
    if logits.ndim != 2:
        raise ValueError(
            f"{name} must have shape (batch, n_classes); got {tuple(logits.shape)}. For one "
            f"sample use {name}[None]."
        )


def _soft_target(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """(batch, n_classes) distribution: one-hot for hard labels, row-normalised soft labels."""
    if not isinstance(target, torch.Tensor):
        raise TypeError(f"target must be a torch.Tensor; got {describe(target)}.")
    n, c = logits.shape
    if target.ndim == 1 and not target.is_floating_point():
        if target.shape[0] != n:
            raise ValueError(f"target must have shape ({n},); got {tuple(target.shape)}.")
        if target.numel() and (int(target.min()) < 0 or int(target.max()) >= c):
            raise ValueError(
                f"target class indices must lie in 0..{c - 1}; got "
                f"{int(target.min())}..{int(target.max())}."
            )
        return F.one_hot(target.long(), c).to(logits.dtype)
    if target.ndim == 2 and target.is_floating_point():
        if tuple(target.shape) != (n, c):
            raise ValueError(
                f"Soft target must have shape ({n}, {c}) like logits; got {tuple(target.shape)}."
            )
        sums = target.sum(dim=1, keepdim=True)
        if bool((sums <= 0).any()) or bool((target < 0).any()):
            raise ValueError(
                "Soft target rows must be non-negative with a positive sum (votes or "
                "fractions)."
            )
        return (target / sums).to(logits.dtype)
    raise ValueError(
        f"target must be class indices (batch,) of an integer dtype or soft labels (batch, "
        f"n_classes) of a float dtype; got shape {tuple(target.shape)} and dtype {target.dtype}."
    )


def _weight_tensor(weight: Any, name: str = "weight") -> torch.Tensor | None:
    if weight is None:
        return None
    w = torch.as_tensor(check_array(weight, name, ndim=1), dtype=torch.float32)
    if bool((w < 0).any()):
        raise ValueError(f"{name} must be non-negative; got {w.tolist()}.")
    return w


class _ClassificationLoss(nn.Module):
    task: ClassVar[str] = "classification"
    accepts_soft: ClassVar[bool] = True

    def _weight(self, logits: torch.Tensor) -> torch.Tensor | None:
        w = getattr(self, "weight", None)
        if w is None:
            return None
        if w.shape[0] != logits.shape[1]:
            raise ValueError(
                f"weight has {w.shape[0]} entries but logits have {logits.shape[1]} classes."
            )
        return w.to(device=logits.device, dtype=logits.dtype)


# ---------------------------------------------------------------------------------------------
# classification losses


@LOSSES.register("ce")
class CrossEntropyLoss(_ClassificationLoss):
    """Cross-entropy on hard or soft targets (``torch.nn.functional.cross_entropy``).

    Parameters
    ----------
    weight : sequence of float | None
        Per-class weights of shape (n_classes,).
    label_smoothing : float
        Smoothing in [0, 1): the target becomes ``(1 - s) * y + s / n_classes``.
    """

    def __init__(self, weight: Sequence[float] | None = None, label_smoothing: float = 0.0):
        super().__init__()
        self.label_smoothing = check_range(label_smoothing, "label_smoothing", 0.0, 1.0,
                                           inclusive=(True, False))
        self.register_buffer("weight", _weight_tensor(weight), persistent=False)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean loss over the batch (hard labels with weights: weighted mean, as torch does).

        Parameters
        ----------
        logits : Tensor of shape (batch, n_classes)
            Pre-softmax outputs.
        target : Tensor of shape (batch,) or (batch, n_classes)
            Class indices (int64) or soft labels (float).

        Returns
        -------
        loss : Tensor of shape ()
            Cross-entropy in nats.
        """
        _check_logits(logits)
        soft = _soft_target(logits, target)  # validates hard labels, normalises soft ones
        if target.ndim == 2:
            target = soft
        return F.cross_entropy(logits, target, weight=self._weight(logits),
                               label_smoothing=self.label_smoothing)


@LOSSES.register("weighted_ce")
class WeightedCrossEntropyLoss(CrossEntropyLoss):
    """Cross-entropy with class weights, given or balanced from the training labels.

    Parameters
    ----------
    weight : sequence of float | None
        Per-class weights; default computed by :func:`class_weights` from ``y``.
    y : array-like of shape (n_samples,) or (n_samples, n_classes) | None
        Training labels used to compute balanced weights when ``weight`` is None.
    n_classes : int | None
        Number of classes (needed with hard ``y``; inferred from soft ``y``).
    label_smoothing : float
        As in :class:`CrossEntropyLoss`.
    """

    def __init__(
        self,
        weight: Sequence[float] | None = None,
        *,
        y: Any = None,
        n_classes: int | None = None,
        label_smoothing: float = 0.0,
    ):
        if weight is None:
            if y is None:
                raise ValueError(
                    "weighted_ce needs weight=[...] or the training labels y=... (with "
                    "n_classes) to compute balanced class weights."
                )
            y_arr = np.asarray(y)
            if n_classes is None:
                if y_arr.ndim != 2:
                    raise ValueError("weighted_ce with hard labels y needs n_classes=...")
                n_classes = y_arr.shape[1]
            weight = class_weights(y_arr, n_classes).tolist()
        super().__init__(weight=weight, label_smoothing=label_smoothing)


@LOSSES.register("label_smoothing")
class LabelSmoothingCrossEntropy(CrossEntropyLoss):
    """Cross-entropy with label smoothing (default 0.1).

    Parameters
    ----------
    smoothing : float
        Label smoothing in [0, 1).
    weight : sequence of float | None
        Per-class weights of shape (n_classes,).
    """

    def __init__(self, smoothing: float = 0.1, weight: Sequence[float] | None = None):
        super().__init__(weight=weight, label_smoothing=smoothing)


@LOSSES.register("focal")
class FocalLoss(_ClassificationLoss):
    """Focal loss ``-sum_c alpha_c y_c (1 - p_c)^gamma log p_c``, averaged over the batch.

    With hard labels this is Lin et al.'s ``-alpha_t (1 - p_t)^gamma log p_t``; ``gamma=0``
    and ``alpha=None`` give the cross-entropy.

    Parameters
    ----------
    gamma : float
        Focusing parameter (>= 0).
    alpha : float | sequence of float | None
        A scalar factor, or one weight per class.
    """

    def __init__(self, gamma: float = 2.0, alpha: float | Sequence[float] | None = None):
        super().__init__()
        self.gamma = check_range(gamma, "gamma", 0.0, None)
        if alpha is None or np.ndim(alpha) == 0:
            self.alpha_scalar = 1.0 if alpha is None else check_range(alpha, "alpha", 0.0, None)
            self.register_buffer("weight", None, persistent=False)
        else:
            self.alpha_scalar = 1.0
            self.register_buffer("weight", _weight_tensor(alpha, "alpha"), persistent=False)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean focal loss over the batch.

        Parameters
        ----------
        logits : Tensor of shape (batch, n_classes)
            Pre-softmax outputs.
        target : Tensor of shape (batch,) or (batch, n_classes)
            Class indices (int64) or soft labels (float).

        Returns
        -------
        loss : Tensor of shape ()
            Focal loss in nats.
        """
        _check_logits(logits)
        y = _soft_target(logits, target)                       # (B, C)
        logp = F.log_softmax(logits, dim=1)                    # (B, C)
        focus = (1.0 - logp.exp()).clamp_min(0.0) ** self.gamma
        cell = -y * focus * logp                               # (B, C)
        w = self._weight(logits)
        if w is not None:
            cell = cell * w[None, :]
        return self.alpha_scalar * cell.sum(dim=1).mean()


@LOSSES.register("kl")
class KLDivergenceLoss(_ClassificationLoss):
    """KL(target ‖ softmax(logits)) per row, averaged over the batch ("batchmean").

    Per row this equals the Kaggle HMS metric (``y ln(y / p)`` with 0 where ``y == 0``)
    except that no clipping of ``p`` is needed: the log-probabilities come from
    ``log_softmax``. Targets are vote counts or fractions (normalised per row); hard labels
    are one-hot (then the loss equals the cross-entropy). It takes no arguments.
    """

    def __init__(self) -> None:
        super().__init__()

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Batch-mean KL divergence.

        Parameters
        ----------
        logits : Tensor of shape (batch, n_classes)
            Pre-softmax outputs.
        target : Tensor of shape (batch, n_classes) or (batch,)
            Vote counts or fractions (float), or class indices (int64).

        Returns
        -------
        loss : Tensor of shape ()
            KL divergence in nats.
        """
        _check_logits(logits)
        y = _soft_target(logits, target)
        logp = F.log_softmax(logits, dim=1)
        return F.kl_div(logp, y, reduction="batchmean")


# ---------------------------------------------------------------------------------------------
# regression losses


def _check_regression(pred: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor,
                                                                         torch.Tensor]:
    for name, t in (("pred", pred), ("target", target)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor; got {describe(t)}.")
    if pred.shape != target.shape or pred.ndim not in (1, 2):
        raise ValueError(
            f"pred and target must have the same shape (batch,) or (batch, n_targets); got "
            f"{tuple(pred.shape)} and {tuple(target.shape)}."
        )
    if pred.ndim == 1:
        pred, target = pred[:, None], target[:, None]
    return pred, target.to(pred.dtype)


@LOSSES.register("mse")
class MSELoss(nn.Module):
    """Mean squared error over batch and targets, in squared target units (no arguments)."""

    def __init__(self) -> None:
        super().__init__()

    task: ClassVar[str] = "regression"
    accepts_soft: ClassVar[bool] = False

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean of ``(pred - target)^2``.

        Parameters
        ----------
        pred : Tensor of shape (batch,) or (batch, n_targets)
            Predictions.
        target : Tensor of the same shape
            Targets.

        Returns
        -------
        loss : Tensor of shape ()
            In squared target units.
        """
        pred, target = _check_regression(pred, target)
        return F.mse_loss(pred, target)


@LOSSES.register("scaled_mse")
class ScaledMSELoss(nn.Module):
    """Mean squared error with each target divided by its scale: every target weighs the same
    whatever its spread (EmoBank: SD 0.35 for valence, 0.21 for dominance).

    Parameters
    ----------
    scale : sequence of float
        One positive scale per target, usually the training SD (the regression task fills it
        in from the training targets when it is not given).
    """

    task: ClassVar[str] = "regression"
    accepts_soft: ClassVar[bool] = False
    scale: torch.Tensor

    def __init__(self, scale: Sequence[float]) -> None:
        super().__init__()
        arr = check_array(scale, "scale", ndim=1, dtype=np.float64)
        if not (np.isfinite(arr).all() and (arr > 0).all()):
            raise ValueError(f"scale must hold positive finite numbers; got {arr.tolist()}.")
        self.register_buffer("scale", torch.as_tensor(arr, dtype=torch.float32))

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Mean of ``((pred - target) / scale)^2``.

        Parameters
        ----------
        pred : Tensor of shape (batch,) or (batch, n_targets)
            Predictions.
        target : Tensor of the same shape
            Targets.

        Returns
        -------
        loss : Tensor of shape ()
            In squared SD units.
        """
        pred, target = _check_regression(pred, target)
        if pred.shape[1] != len(self.scale):
            raise ValueError(f"scaled_mse has {len(self.scale)} scale(s); the predictions have "
                             f"{pred.shape[1]} target(s).")
        scale = self.scale.to(pred.dtype)
        return F.mse_loss(pred / scale, target / scale)


@LOSSES.register("ccc")
class CCCLoss(nn.Module):
    """``1 - CCC`` per target over the batch, averaged over targets (Lin's concordance).

    ``CCC = 2 cov / (var_p + var_t + (mean_p - mean_t)^2 + eps)`` with population moments.

    Parameters
    ----------
    eps : float
        Added to the denominator, in squared target units, so a constant batch gives a
        finite loss.
    """

    task: ClassVar[str] = "regression"
    accepts_soft: ClassVar[bool] = False

    def __init__(self, eps: float = 1e-8):
        super().__init__()
        self.eps = check_range(eps, "eps", 0.0, None)

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Compute ``1 - CCC`` averaged over targets.

        Parameters
        ----------
        pred : Tensor of shape (batch,) or (batch, n_targets)
            Predictions (batch >= 2).
        target : Tensor of the same shape
            Targets.

        Returns
        -------
        loss : Tensor of shape ()
            In [0, 2]; 0 when the predictions equal the targets.
        """
        pred, target = _check_regression(pred, target)
        if pred.shape[0] < 2:
            raise ValueError(
                f"ccc needs a batch of at least 2 samples (a correlation); got {pred.shape[0]}."
            )
        mp, mt = pred.mean(dim=0), target.mean(dim=0)          # (T,)
        vp = pred.var(dim=0, unbiased=False)
        vt = target.var(dim=0, unbiased=False)
        cov = ((pred - mp) * (target - mt)).mean(dim=0)
        ccc = 2 * cov / (vp + vt + (mp - mt) ** 2 + self.eps)
        return (1.0 - ccc).mean()


# ---------------------------------------------------------------------------------------------
# factory


def create_loss(name: str, **kwargs: Any) -> nn.Module:
    """Build a registered loss by name.

    Parameters
    ----------
    name : str
        One of :data:`LOSSES` (``ce``, ``weighted_ce``, ``label_smoothing``, ``focal``, ``kl``,
        ``mse``, ``ccc``).
    **kwargs
        Constructor arguments of that loss.

    Returns
    -------
    loss : torch.nn.Module
        Called as ``loss(logits_or_pred, target)``; it has class attributes ``task``
        (``"classification"`` or ``"regression"``) and ``accepts_soft``.
    """
    cls = LOSSES.get(name)
    params = [
        p.name for p in inspect.signature(cls.__init__).parameters.values()
        if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    unknown = [k for k in kwargs if k not in params]
    if unknown:
        hint = suggest(unknown[0], params)
        accepted = ", ".join(params) or "(none)"
        raise TypeError(
            f"loss {name!r} got unexpected argument(s) {unknown}; accepted: {accepted}.{hint}"
        )
    return cls(**kwargs)
