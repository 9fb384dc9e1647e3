"""A small MLP on precomputed DE/PSD features: the floor model of SEED-style feature inputs.

Input ``{"de": (batch, n_chans, seq_len, n_bands)}`` (e.g. SEED-VII's 62 channels x 5 bands
over ``seq_len`` feature windows, standardised by
:class:`~mindstate.data.feature_chain.FeatureChain`). The sequence is averaged, the
``n_chans * n_bands`` vector goes through Linear → GELU → dropout blocks and a linear head —
the classic "DE + MLP" baseline of the SEED papers.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from .base import MODELS, BaseModel, InputSpec

__all__ = ["DEMLP"]


@MODELS.register("de_mlp")
class DEMLP(BaseModel):
    """Mean over feature windows, then an MLP over (channel, band) features.

    Parameters
    ----------
    n_chans : int
        Channels of the feature array.
    seq_len : int
        Feature windows per sample.
    n_bands : int
        Frequency bands per channel (5 for SEED: delta ... gamma).
    n_outputs : int
        Outputs (classes or regression targets).
    hidden : list of int | None
        Widths of the hidden layers (default ``[64]``; empty: a linear model).
    drop_prob : float
        Dropout after each hidden layer.
    """

    input_spec: ClassVar[dict[str, InputSpec]] = {
        "de": InputSpec(("n_chans", "seq_len", "n_bands"))}
    test_config: ClassVar[dict[str, object]] = {"n_chans": 4, "seq_len": 3, "n_bands": 5,
                                                "n_outputs": 3, "hidden": [8]}

    def __init__(self, n_chans: int, seq_len: int, n_bands: int, n_outputs: int, *,
                 hidden: list[int] | None = None, drop_prob: float = 0.3) -> None:
        from .._validation import check_int, check_range

        n_chans = check_int(n_chans, "n_chans", min_value=1)
        seq_len = check_int(seq_len, "seq_len", min_value=1)
        n_bands = check_int(n_bands, "n_bands", min_value=1)
        hidden = [64] if hidden is None else [check_int(h, "hidden[i]", min_value=1)
                                              for h in hidden]
        check_range(drop_prob, "drop_prob", 0.0, 1.0, inclusive=(True, False))
        super().__init__(n_outputs, n_chans=n_chans, seq_len=seq_len, n_bands=n_bands)
        self._store_config(hidden=list(hidden), drop_prob=drop_prob)
        layers: list[nn.Module] = []
        width = n_chans * n_bands
        for h in hidden:
            layers += [nn.Linear(width, h), nn.GELU(), nn.Dropout(drop_prob)]
            width = h
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(width, n_outputs)

    def forward_features(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Hidden representation (batch, width) of ``inputs["de"]``."""
        x = inputs["de"].mean(dim=2)                      # (B, C, F): average over windows
        return self.body(x.flatten(1))                    # (B, width)
