"""The chain of precomputed feature inputs: ``{"de": (n, n_chans, seq_len, n_bands)}``.

Datasets such as SEED-VII ship features already extracted from the EEG: differential entropy
(DE) or power spectral density per channel, frequency band and feature window
(:mod:`mindstate.io.datasets.seed_vii`, :mod:`mindstate.io.datasets.seed_de`). A sample is
``seq_len`` consecutive windows of one trial. The only learned step is a per-(channel, band)
standardisation, fitted on training samples only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_array, check_fitted
from ..exceptions import DataQualityError
from ..io.windows import Windows
from ._chain_base import ChainBase

__all__ = ["FeatureChain"]

#: Relative floor of a (channel, band) standard deviation: below ``EPS`` times the largest
#: one, the feature is taken as constant (dimensionless, relative to the data scale).
EPS = 1e-9


class FeatureChain(ChainBase):
    """Check precomputed feature samples and standardise them per channel and band.

    Parameters
    ----------
    classes : list of str | None
        Class names.
    ch_names : list of str | None
        Channel names of the feature axis 1 (for the contract).
    bands : list of str | None
        Band names of the last axis (for the contract).
    """

    kind = "features"
    input_names = ("de",)
    _params = ("classes", "ch_names", "bands")
    _learned = ("n_chans_", "seq_len_", "n_bands_")
    _fitted = ("mean_", "std_")

    def __init__(self, *, classes: Sequence[str] | None = None,
                 ch_names: Sequence[str] | None = None,
                 bands: Sequence[str] | None = None) -> None:
        self.classes = None if classes is None else list(classes)
        self.ch_names = None if ch_names is None else list(ch_names)
        self.bands = None if bands is None else list(bands)

    def check_record(self, rec: Any) -> None:
        """Feature samples are read per corpus (``dataset.windows(root)``), never per record.

        Parameters
        ----------
        rec : Any
            Ignored.
        """
        raise ValueError("precomputed features are read as a whole corpus: pass the dataset "
                         "root (or its feature folder or one feature file) of a features "
                         "dataset such as seed-vii-de.")

    def _check(self, X: Any, where: str) -> NDArray[np.float32]:
        if not isinstance(X, dict) or "de" not in X:
            got = sorted(X) if isinstance(X, dict) else type(X).__name__
            raise ValueError(f"{where} must be a dict with a 'de' array of shape (n, n_chans, "
                             f"seq_len, n_bands); got {got}.")
        de = check_array(X["de"], f"{where}['de']", ndim=4,
                         shape_hint="(n, n_chans, seq_len, n_bands)", dtype=np.float32)
        n_bands = len(self.bands) if self.bands else 5
        if de.shape[-1] != n_bands:
            raise ValueError(f"{where}['de'] must have {n_bands} bands on its last axis "
                             f"(n, n_chans, seq_len, n_bands); got shape {de.shape}.")
        if self.ch_names and de.shape[1] != len(self.ch_names):
            raise ValueError(f"{where}['de'] must have {len(self.ch_names)} channels on axis 1; "
                             f"got shape {de.shape}.")
        return de

    def prepare_windows(self, w: Windows) -> Windows:
        """Check the samples (float, 4-D, finite) and learn their sizes.

        Parameters
        ----------
        w : Windows
            Samples with ``X = {"de": (n, n_chans, seq_len, n_bands)}``.

        Returns
        -------
        Windows
            The same samples, ``X["de"]`` as float32.
        """
        de = self._check(w.X, "X")
        self.n_chans_, self.seq_len_, self.n_bands_ = (int(s) for s in de.shape[1:])
        return Windows({"de": de}, w.y, w.groups, w.meta)

    def fit(self, X: dict[str, NDArray[Any]]) -> FeatureChain:
        """Fit the mean and standard deviation of every (channel, band) on training samples.

        Parameters
        ----------
        X : dict of str to ndarray
            Training samples, ``X["de"]`` of shape (n, n_chans, seq_len, n_bands).

        Returns
        -------
        self : FeatureChain
            The fitted chain.
        """
        de = self._check(X, "X").astype(np.float64)
        self.mean_ = de.mean(axis=(0, 2))                                 # (C, B)
        std = de.std(axis=(0, 2))                                         # (C, B)
        flat = std <= EPS * max(float(std.max()), np.finfo(np.float64).tiny)
        if flat.any():
            pairs = [f"{self._ch(c)}/{self._band(b)}" for c, b in np.argwhere(flat)[:10]]
            raise DataQualityError(f"X['de'] is constant over the training samples for "
                                   f"(channel/band) {', '.join(pairs)}; drop those channels or "
                                   "check the feature files.")
        self.std_ = std
        return self

    def _ch(self, c: int) -> str:
        return self.ch_names[c] if self.ch_names else str(c)

    def _band(self, b: int) -> str:
        return self.bands[b] if self.bands else str(b)

    def inputs(self, X: dict[str, NDArray[Any]]) -> dict[str, NDArray[np.float32]]:
        """Standardised model inputs ``{"de": (n, n_chans, seq_len, n_bands)}``.

        Parameters
        ----------
        X : dict of str to ndarray
            Samples from :meth:`prepare_windows`.

        Returns
        -------
        dict of str to ndarray
            float32 arrays.
        """
        check_fitted(self, ["mean_", "std_"])
        de = self._check(X, "X")
        if de.shape[1] != len(self.mean_) or de.shape[-1] != self.mean_.shape[1]:
            raise ValueError(f"X['de'] must have shape (n, {len(self.mean_)}, seq_len, "
                             f"{self.mean_.shape[1]}) as in training; got {de.shape}.")
        out = (de - self.mean_[None, :, None, :]) / self.std_[None, :, None, :]
        return {"de": out.astype(np.float32)}

    def baseline_features(self, X: dict[str, NDArray[Any]]) -> NDArray[np.float64]:
        """The features averaged over the sequence axis: (n, n_chans * n_bands).

        Parameters
        ----------
        X : dict of str to ndarray
            Samples from :meth:`prepare_windows`.

        Returns
        -------
        ndarray of shape (n, n_chans * n_bands)
            Features of the logistic floor.
        """
        de = self._check(X, "X").astype(np.float64)
        return de.mean(axis=2).reshape(len(de), -1)

    def contract(self) -> dict[str, Any]:
        """Channels, bands and sequence length of the feature samples.

        Returns
        -------
        dict
            The input contract.
        """
        return {"modality": "features", "ch_names": self.ch_names, "bands": self.bands,
                "n_chans": getattr(self, "n_chans_", None),
                "seq_len": getattr(self, "seq_len_", None),
                "n_bands": getattr(self, "n_bands_", None),
                "units": "as stored in the feature files (DE: log band power)",
                "inputs": {"de": ["n_chans", "seq_len", "n_bands"]}}
