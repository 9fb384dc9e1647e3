"""EEG Transformer: a standard softmax Transformer encoder over temporal patches.

Vaswani et al., "Attention is all you need", NeurIPS 2017. The baseline for attention models on
raw EEG: a strided temporal convolution cuts the window into non-overlapping patches and mixes
all channels of each patch into one ``d_model`` token (as in ViT's patch embedding, Dosovitskiy
et al., ICLR 2021), a positional encoding is added, a pre-norm ``nn.TransformerEncoder`` with
full softmax self-attention mixes the tokens, and the mean token feeds the classifier.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .base import MODELS, EEGModel

__all__ = ["EEGTransformer"]


def _sinusoidal(n_positions: int, d_model: int) -> torch.Tensor:
    pos = torch.arange(n_positions, dtype=torch.float32)[:, None]           # (N, 1)
    freq = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32)
                     * (-math.log(10000.0) / d_model))                     # (ceil(d/2),)
    pe = torch.zeros(n_positions, d_model)
    pe[:, 0::2] = torch.sin(pos * freq)
    pe[:, 1::2] = torch.cos(pos * freq[: d_model // 2])
    return pe                                                               # (N, d_model)


@MODELS.register("eeg_transformer")
class EEGTransformer(EEGModel):
    """Patch-embedding Transformer encoder for (batch, n_chans, n_times) windows.

    Parameters
    ----------
    n_chans, n_outputs, n_times : int
        Input channels, outputs and samples per window.
    sfreq : float | None
        Sampling frequency in Hz (128 Hz assumed when ``None``); the patch length in seconds is
        converted with it.
    patch_time_s : float
        Patch length (and stride) in seconds; trailing samples that do not fill a patch are
        dropped.
    d_model : int
        Token dimension.
    n_heads : int
        Attention heads (must divide ``d_model``).
    n_layers : int
        Encoder layers.
    dim_feedforward : int
        Hidden units of each feed-forward block.
    pos_encoding : {"sinusoidal", "learned"}
        Fixed sinusoidal (Vaswani et al.) or learned absolute positional encoding.
    drop_prob : float
        Dropout in the encoder, after the embedding and before the classifier.
    """

    pos_table: torch.Tensor  # sinusoidal table (1, n_patches, d_model), when not learned

    test_config = {"n_chans": 4, "n_outputs": 3, "n_times": 128, "sfreq": 64.0, "d_model": 16,
                   "n_heads": 2, "dim_feedforward": 32, "pos_encoding": "learned"}

    def __init__(
        self,
        n_chans: int,
        n_outputs: int,
        n_times: int,
        sfreq: float | None = None,
        *,
        patch_time_s: float = 0.125,
        d_model: int = 64,
        n_heads: int = 4,
        n_layers: int = 2,
        dim_feedforward: int = 128,
        pos_encoding: str = "sinusoidal",
        drop_prob: float = 0.1,
    ) -> None:
        from .._validation import check_option

        super().__init__(n_chans, n_outputs, n_times, sfreq)
        fs = 128.0 if sfreq is None else float(sfreq)
        patch = max(1, int(round(patch_time_s * fs)))
        if n_times < patch:
            raise ValueError(
                f"n_times={n_times} is too short for patch_time_s={patch_time_s} at "
                f"sfreq={fs:g} Hz; need at least {patch} samples. Use longer windows or shorter "
                "patches."
            )
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} must be divisible by n_heads={n_heads}.")
        check_option(pos_encoding, ["sinusoidal", "learned"], "pos_encoding")
        self._store_config(patch_time_s=patch_time_s, d_model=d_model, n_heads=n_heads,
                           n_layers=n_layers, dim_feedforward=dim_feedforward,
                           pos_encoding=pos_encoding, drop_prob=drop_prob)
        self.n_patches = n_times // patch
        self.patch_embed = nn.Conv1d(n_chans, d_model, kernel_size=patch, stride=patch)
        self.pos: nn.Parameter | None
        if pos_encoding == "learned":
            self.pos = nn.Parameter(torch.zeros(1, self.n_patches, d_model))
            nn.init.trunc_normal_(self.pos, std=0.02)
        else:
            self.pos = None
            self.register_buffer("pos_table", _sinusoidal(self.n_patches, d_model)[None],
                                 persistent=False)
        self.embed_drop = nn.Dropout(drop_prob)
        layer = nn.TransformerEncoderLayer(d_model, n_heads, dim_feedforward, dropout=drop_prob,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, n_layers, norm=nn.LayerNorm(d_model),
                                             enable_nested_tensor=False)
        self.drop = nn.Dropout(drop_prob)
        self.head = nn.Linear(d_model, n_outputs)

    def forward_features(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Pooled features (batch, n_features) of ``inputs["eeg"]`` (batch, n_chans, n_times)."""
        x = self.patch_embed(inputs["eeg"]).transpose(1, 2)   # (B, N, d_model)
        pos = self.pos if self.pos is not None else self.pos_table
        x = self.embed_drop(x + pos)                          # (B, N, d_model)
        x = self.encoder(x)                                   # (B, N, d_model)
        return self.drop(x.mean(1))                           # (B, d_model)
