"""The HMS sample chain: 50-s EEG window + 10-min spectrogram window → two named inputs.

Following the HMS winners (``shared/reference/HMS_NOTES.md``): the referential EEG is turned
into the double-banana bipolar montage, band-passed and down-sampled; the Kaggle spectrogram
is log-compressed (natural log of the power clipped to ``[e^-4, e^8]``). Per-channel robust
statistics (EEG) and per-region mean/SD (log spectrogram) are fitted on training samples only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_fitted, check_option
from ..io.windows import Windows
from ._chain_base import ChainBase

__all__ = ["HMSChain"]

_LOG_CLIP = (float(np.exp(-4.0)), float(np.exp(8.0)))


class HMSChain(ChainBase):
    """Montage, filtering and resampling of the EEG; log spectrogram; fitted scaling.

    Parameters
    ----------
    montage : {"double_banana", "referential"}
        ``double_banana``: 16 bipolar derivations (LL, RL, LP, RP chains);
        ``referential``: the 19 recorded channels.
    bandpass : list of float | None
        Zero-phase band-pass of the EEG in Hz.
    resample : float | None
        EEG rate in Hz after filtering (200 Hz in the files).
    classes : list of str | None
        Class names (the six vote columns).
    ch_names : list of str | None
        Names of the referential EEG channels of ``X["eeg"]`` (default: the HMS 19).
    """

    kind = "hms"
    input_names = ("eeg", "spec")
    _params = ("montage", "bandpass", "resample", "classes", "ch_names")
    _learned = ("sfreq_", "eeg_names_")
    _fitted = ("center_", "scale_", "spec_mean_", "spec_std_")

    def __init__(self, *, montage: str = "double_banana", bandpass: Sequence[float] | None = (
                 0.5, 20.0), resample: float | None = 50.0, classes: Sequence[str] | None = None,
                 ch_names: Sequence[str] | None = None) -> None:
        self.montage = check_option(montage, ("double_banana", "referential"), "montage")
        self.bandpass = None if bandpass is None else [float(b) for b in bandpass]
        self.resample = resample
        self.classes = None if classes is None else list(classes)
        self.ch_names = None if ch_names is None else list(ch_names)

    def _channels(self) -> list[str]:
        from ..io.datasets.hms import HMS_SCALP_CHANNELS

        return self.ch_names or list(HMS_SCALP_CHANNELS)

    def check_record(self, rec: Any) -> None:
        """HMS samples are read per corpus (train.csv), never per record.

        Parameters
        ----------
        rec : Any
            Ignored.
        """
        raise ValueError("HMS samples are read from a competition folder (train.csv with "
                         "train_eegs/ and train_spectrograms/); pass that folder.")

    def prepare_windows(self, w: Windows) -> Windows:
        """Montage, filter and resample the EEG windows; log-compress the spectrograms.

        Parameters
        ----------
        w : Windows
            Samples from :meth:`mindstate.io.datasets.HMS.windows` with
            ``X = {"eeg": (n, 19, 10000) volts, "spec": (n, 4, F, S)}``.

        Returns
        -------
        Windows
            ``X = {"eeg": (n, C', T'), "spec": (n, 4, F, S) log power}``.
        """
        from ..preprocess import bandpass, bipolar, resample

        if not isinstance(w.X, dict) or "eeg" not in w.X or "spec" not in w.X:
            got = sorted(w.X) if isinstance(w.X, dict) else type(w.X).__name__
            raise ValueError(f"HMS samples must carry 'eeg' and 'spec' inputs; got {got}. Read "
                             "them with spectrogram=True.")
        eeg = np.asarray(w.X["eeg"], dtype=np.float64)
        names = self._channels()
        if eeg.shape[1] != len(names):
            eeg = eeg[:, :len(names)]
        sfreq = 200.0
        if self.montage == "double_banana":
            eeg, names = bipolar(eeg, names)
        if self.bandpass is not None:
            eeg = bandpass(eeg, sfreq, self.bandpass[0], self.bandpass[1])
        if self.resample is not None and abs(self.resample - sfreq) > 1e-9:
            eeg, sfreq = resample(eeg, sfreq, float(self.resample)), float(self.resample)
        spec = np.log(np.clip(np.asarray(w.X["spec"], dtype=np.float64), *_LOG_CLIP))
        self.sfreq_, self.eeg_names_ = sfreq, list(names)
        X = {"eeg": eeg.astype(np.float32), "spec": spec.astype(np.float32)}
        return Windows(X, w.y, w.groups, w.meta)

    def fit(self, X: dict[str, NDArray[Any]]) -> HMSChain:
        """Fit the EEG per-channel median/IQR and the per-region log-spectrogram mean/SD.

        Parameters
        ----------
        X : dict of str to ndarray
            Training samples from :meth:`prepare_windows`.

        Returns
        -------
        self : HMSChain
            The fitted chain.
        """
        from ..preprocess.normalize import RobustNormalizer

        scaler = RobustNormalizer(on_flat="ignore").fit(np.asarray(X["eeg"], dtype=np.float64))
        self.center_, self.scale_ = scaler.center_, np.where(scaler.scale_ > 0, scaler.scale_,
                                                              1.0)
        spec = np.asarray(X["spec"], dtype=np.float64)
        self.spec_mean_ = spec.mean(axis=(0, 2, 3))
        self.spec_std_ = np.maximum(spec.std(axis=(0, 2, 3)), 1e-6)
        return self

    def inputs(self, X: dict[str, NDArray[Any]]) -> dict[str, NDArray[np.float32]]:
        """Scaled model inputs ``{"eeg", "spec"}``.

        Parameters
        ----------
        X : dict of str to ndarray
            Samples from :meth:`prepare_windows`.

        Returns
        -------
        dict of str to ndarray
            float32 arrays.
        """
        check_fitted(self, ["center_", "spec_mean_"])
        eeg = (X["eeg"] - self.center_[None, :, None]) / self.scale_[None, :, None]
        spec = (X["spec"] - self.spec_mean_[None, :, None, None]) / \
            self.spec_std_[None, :, None, None]
        return {"eeg": eeg.astype(np.float32), "spec": spec.astype(np.float32)}

    def baseline_features(self, X: dict[str, NDArray[Any]]) -> NDArray[np.float64]:
        """Log band power of each EEG channel + mean log power per region in four bands.

        Parameters
        ----------
        X : dict of str to ndarray
            Samples from :meth:`prepare_windows`.

        Returns
        -------
        ndarray of shape (n, n_features)
            Features of the logistic floor.
        """
        from ..features.spectral import BandPower

        sfreq = float(self.sfreq_)
        top = min(sfreq / 2 - 0.5, 20.0)
        bands = {k: (lo, min(hi, top)) for k, (lo, hi) in
                 {"delta": (0.5, 4.0), "theta": (4.0, 8.0), "alpha": (8.0, 13.0),
                  "beta": (13.0, 20.0)}.items() if lo < top - 1.0}
        F = BandPower(sfreq=sfreq, bands=bands, log=True).fit_transform(
            np.asarray(X["eeg"], dtype=np.float64))
        spec = np.asarray(X["spec"], dtype=np.float64)
        edges = np.linspace(0, spec.shape[2], 5).astype(int)
        S = np.stack([spec[:, :, a:b].mean(axis=(2, 3)) for a, b in zip(edges[:-1], edges[1:])],
                     axis=-1)
        return np.concatenate([np.asarray(F).reshape(len(F), -1), S.reshape(len(S), -1)], axis=1)

    def contract(self) -> dict[str, Any]:
        """EEG montage, rate and filter; spectrogram layout.

        Returns
        -------
        dict
            The input contract.
        """
        return {"modality": "hms", "montage": self.montage, "ch_names": self._channels(),
                "derivations": getattr(self, "eeg_names_", None),
                "sfreq": getattr(self, "sfreq_", None), "bandpass": self.bandpass,
                "window_s": 50.0, "spectrogram_window_s": 600.0, "units": "V (EEG)",
                "inputs": {"eeg": ["n_chans", "n_times"],
                           "spec": ["n_regions", "n_freqs", "n_frames"]}}
