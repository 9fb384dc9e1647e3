"""The base class every registered model derives from, and the model registry."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import torch
from torch import nn

from ..registry import Registry

__all__ = ["MODELS", "BaseModel", "create_model"]


class BaseModel(nn.Module, ABC):
    """Common interface: ``forward = forward_head ∘ forward_features``, config round-trip.

    Subclasses call ``super().__init__(n_chans, n_outputs, n_times, sfreq)`` and then
    :meth:`_store_config` with their own keyword arguments, so that
    ``cls.from_config(model.get_config())`` rebuilds the same architecture.

    Parameters
    ----------
    n_chans : int
        Number of input channels (>= 1).
    n_outputs : int
        Number of outputs: classes (logits) or regression targets (>= 1).
    n_times : int
        Number of time samples per input window (>= 1).
    sfreq : float | None
        Sampling frequency of the inputs, in Hz; ``None`` when unknown or not needed.

    Attributes
    ----------
    modality : str
        ``"eeg"``, ``"physio"``, ``"text"`` or ``"multi"``; picks fake inputs in tests and
        the serve layer.
    test_config : dict
        A tiny configuration used by the registry-wide model tests.
    """

    modality: ClassVar[str] = "eeg"
    test_config: ClassVar[dict[str, Any]] = {"n_chans": 4, "n_outputs": 3, "n_times": 128,
                                             "sfreq": 64.0}
    head: nn.Linear  # the classifier, created by each subclass's __init__

    def __init__(self, n_chans: int, n_outputs: int, n_times: int,
                 sfreq: float | None = None) -> None:
        super().__init__()
        from .._validation import check_int

        self.n_chans = check_int(n_chans, "n_chans", min_value=1)
        self.n_outputs = check_int(n_outputs, "n_outputs", min_value=1)
        self.n_times = check_int(n_times, "n_times", min_value=1)
        self.sfreq = None if sfreq is None else float(sfreq)
        self._config: dict[str, Any] = {"n_chans": self.n_chans, "n_outputs": self.n_outputs,
                                        "n_times": self.n_times, "sfreq": self.sfreq}

    def _store_config(self, **kwargs: Any) -> None:
        self._config.update(kwargs)

    def get_config(self) -> dict[str, Any]:
        """The ``__init__`` keyword arguments (JSON-serialisable)."""
        return dict(self._config)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> BaseModel:
        """Build a model from :meth:`get_config` output."""
        return cls(**config)

    def _check_input(self, x: torch.Tensor) -> None:
        if x.ndim != 3 or x.shape[1] != self.n_chans:
            raise ValueError(
                f"x must have shape (batch, n_chans={self.n_chans}, n_times); got "
                f"{tuple(x.shape)}."
            )

    @abstractmethod
    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """Map ``x`` (batch, n_chans, n_times) to pooled features (batch, n_features)."""

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:
        """Map features to logits (batch, n_outputs)."""
        return self.head(features)

    def reset_head(self, n_outputs: int) -> None:
        """Replace the classifier with a fresh one giving ``n_outputs`` outputs."""
        from .._validation import check_int

        n_outputs = check_int(n_outputs, "n_outputs", min_value=1)
        self.head = nn.Linear(self.head.in_features, n_outputs)
        self.n_outputs = n_outputs
        self._config["n_outputs"] = n_outputs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of shape (batch, n_outputs) for ``x`` of shape (batch, n_chans, n_times)."""
        self._check_input(x)
        return self.forward_head(self.forward_features(x))


MODELS: Registry[type[BaseModel]] = Registry("model")


def create_model(name: str, **kwargs: Any) -> BaseModel:
    """Instantiate the registered model ``name`` with ``kwargs``.

    Parameters
    ----------
    name : str
        A name in :data:`MODELS`.
    **kwargs
        Constructor arguments (``n_chans``, ``n_outputs``, ``n_times``, ``sfreq`` ...).

    Returns
    -------
    BaseModel
        The model.
    """
    return MODELS.get(name)(**kwargs)
