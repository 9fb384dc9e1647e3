"""A small multilayer perceptron on fixed-size feature vectors (e.g. frozen sentence embeddings).

The floor for text regression (EmoBank V/A/D on frozen all-MiniLM-L6-v2 embeddings) and for any
modality reduced to one vector per sample: ``{"embedding": (batch, n_features)}``.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from .base import MODELS, BaseModel, InputSpec

__all__ = ["EmbeddingMLP"]


@MODELS.register("embedding_mlp")
class EmbeddingMLP(BaseModel):
    """Linear → GELU → dropout blocks, then a linear head.

    Parameters
    ----------
    n_features : int
        Length of the input vector.
    n_outputs : int
        Outputs (classes or regression targets).
    hidden : list of int
        Widths of the hidden layers (empty: a linear model).
    drop_prob : float
        Dropout after each hidden layer (and on the input when ``input_dropout``).
    input_dropout : float
        Dropout applied to the input vector.
    """

    input_spec: ClassVar[dict[str, InputSpec]] = {"embedding": InputSpec(("n_features",))}
    test_config: ClassVar[dict[str, object]] = {"n_features": 16, "n_outputs": 3,
                                                "hidden": [8]}

    def __init__(self, n_features: int, n_outputs: int, *, hidden: list[int] | None = None,
                 drop_prob: float = 0.1, input_dropout: float = 0.0) -> None:
        from .._validation import check_int, check_range

        n_features = check_int(n_features, "n_features", min_value=1)
        hidden = [256] if hidden is None else [check_int(h, "hidden[i]", min_value=1)
                                               for h in hidden]
        check_range(drop_prob, "drop_prob", 0.0, 1.0, inclusive=(True, False))
        super().__init__(n_outputs, n_features=n_features)
        self._store_config(hidden=list(hidden), drop_prob=drop_prob, input_dropout=input_dropout)
        layers: list[nn.Module] = [nn.Dropout(input_dropout)] if input_dropout else []
        width = n_features
        for h in hidden:
            layers += [nn.Linear(width, h), nn.GELU(), nn.Dropout(drop_prob)]
            width = h
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(width, n_outputs)

    def forward_features(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Hidden representation (batch, width) of ``inputs["embedding"]`` (batch, n_features)."""
        return self.body(inputs["embedding"])               # (B, width)
