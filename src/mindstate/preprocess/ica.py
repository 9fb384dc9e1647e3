"""Removal of ocular (EOG) and muscle (EMG) components with MNE's ICA.

MNE fits and applies the decomposition; the component scoring here is not delegated to
``ICA.find_bads_eog`` / ``find_bads_muscle`` because their results differ from ours (not a
refactor, a behaviour change): ``find_bads_eog`` band-passes with a 10-s FIR instead of our
4th-order Butterworth, so the correlations change, and ``find_bads_muscle`` returns a logistic
score in [0, 1] (with spatial criteria when positions exist) instead of the spectral slope that
``muscle_scores_`` reports.

References
----------
- Dharmaprani et al. (2016), *A comparison of independent component analysis algorithms and
  measures to discriminate between EEG and artifact components*, IEEE EMBC (log-log spectral
  slope of muscle components).
"""

from __future__ import annotations

import importlib.util
import logging
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from .._validation import (
    check_array,
    check_channels,
    check_finite,
    check_fitted,
    check_option,
    check_range,
    check_sfreq,
    check_type,
)
from ..exceptions import DataQualityError
from ..io.recording import Recording
from .filters import _zero_phase
from .normalize import FLAT_REL_EPS, _check_ch_names, _data_scale

__all__ = ["ICAArtifactRemover"]

logger = logging.getLogger(__name__)


def _looks_unfiltered(X: NDArray[np.float64], sfreq: float) -> bool:
    """Heuristic: more than 30 % of the power (DC included) below 0.5 Hz on most channels."""
    spec = np.abs(np.fft.rfft(X, axis=-1)) ** 2
    freqs = np.fft.rfftfreq(X.shape[-1], 1.0 / sfreq)
    total = spec.sum(axis=-1)
    low = spec[..., freqs < 0.5].sum(axis=-1)
    frac = low / np.where(total > 0, total, 1.0)
    return bool(np.median(frac) > 0.3)


def _corr_rows(A: NDArray[np.float64], B: NDArray[np.float64]) -> NDArray[np.float64]:
    """Pearson correlation of every row of A with every row of B: (n_a, n_b)."""
    A = A - A.mean(axis=-1, keepdims=True)
    B = B - B.mean(axis=-1, keepdims=True)
    na = np.linalg.norm(A, axis=-1, keepdims=True)
    nb = np.linalg.norm(B, axis=-1, keepdims=True)
    A = A / np.where(na > 0, na, 1.0)
    B = B / np.where(nb > 0, nb, 1.0)
    return A @ B.T


def _loglog_slope(
    psd: NDArray[np.float64], freqs: NDArray[np.float64], fmin: float, fmax: float
) -> NDArray[np.float64]:
    """Least-squares slope of log10(PSD) against log10(f) over [fmin, fmax], per row."""
    sel = (freqs >= fmin) & (freqs <= fmax)
    lf = np.log10(freqs[sel])
    lp = np.log10(np.maximum(psd[..., sel], np.finfo(float).tiny))
    lf_c = lf - lf.mean()
    return ((lp - lp.mean(axis=-1, keepdims=True)) @ lf_c) / (lf_c @ lf_c)


# ====================================================================== ICA
class ICAArtifactRemover:
    """Remove ocular (EOG) and muscle (EMG) components with MNE's ICA.

    ICA is fitted on a high-passed copy of the EEG channels (``fit_highpass`` Hz, as MNE
    recommends: slow drifts hurt the decomposition); the unmixing is then applied to the data
    as given. Components are excluded when either

    * **EOG**: the absolute Pearson correlation between the component's time course and an
      EOG reference, both band-passed to ``eog_band`` (blink band, 1-10 Hz), exceeds
      ``eog_threshold``. References are the EOG channels (``eog_channels`` or channels of type
      ``"eog"`` in a :class:`~mindstate.io.Recording`); without any, the frontal EEG
      channels ``frontal_proxies`` are used, and then the component must also be sparse like
      blinks (excess kurtosis of its band-passed time course ≥ ``eog_min_kurtosis``), so that
      ordinary frontal brain activity is not removed from clean data;
    * **muscle**: the least-squares slope of log10 PSD versus log10 frequency over
      ``muscle_band`` (7-45 Hz) exceeds ``muscle_slope_threshold`` (brain activity falls as
      1/f^a with slope ≈ -1 to -3; EMG is flat or rising, slope ≳ 0).

    Parameters
    ----------
    n_components : int | float | None
        Passed to :class:`mne.preprocessing.ICA` (None: enough PCA components to explain
        0.999999 of the variance).
    method : {"auto", "fastica", "picard", "infomax"}
        ICA algorithm; "auto" uses picard when python-picard is installed, else fastica.
    eog_channels : list of str | None
        Names of EOG reference channels; they are excluded from the decomposition.
    frontal_proxies : tuple of str
        EEG channels used as EOG references when no EOG channel exists.
    eog_threshold : float
        Correlation threshold in (0, 1].
    eog_band : tuple of float
        Band (Hz) in which EOG correlation is computed.
    eog_min_kurtosis : float
        Minimum excess kurtosis of a proxy-matched component (only without EOG channels).
    muscle_slope_threshold : float | None
        Log-log slope threshold; None disables muscle detection.
    muscle_band : tuple of float
        Band (Hz) of the slope fit; the upper edge is capped at 0.45 * sfreq.
    fit_highpass : float | None
        High-pass (Hz) of the copy ICA is fitted on; None fits on the data as given (and
        warns if they look unfiltered).
    max_iter : int | "auto"
        Maximum ICA iterations.
    random_state : int
        Seed of the ICA initialisation.

    Attributes
    ----------
    ica_ : mne.preprocessing.ICA
        The fitted decomposition.
    exclude_ : list of int
        Indices of the removed components.
    labels_ : dict of str to list of int
        ``{"eog": [...], "muscle": [...]}``.
    eog_scores_ : ndarray of shape (n_components,)
        Maximum absolute correlation of each component with the EOG references.
    kurtosis_ : ndarray of shape (n_components,)
        Excess kurtosis of each band-passed component time course.
    muscle_scores_ : ndarray of shape (n_components,)
        Log-log spectral slope of each component over ``muscle_band``.
    eog_refs_ : list of str
        Channels used as EOG references.
    eeg_names_ : list of str
        EEG channels decomposed.
    ch_names_ : list of str
        All channel names seen in ``fit``.
    sfreq_ : float
        Sampling frequency seen in ``fit`` (Hz).
    """

    def __init__(
        self,
        n_components: int | float | None = None,
        *,
        method: Literal["auto", "fastica", "picard", "infomax"] = "auto",
        eog_channels: Sequence[str] | None = None,
        frontal_proxies: Sequence[str] = ("Fp1", "Fp2", "F7", "F8"),
        eog_threshold: float = 0.6,
        eog_band: tuple[float, float] = (1.0, 10.0),
        eog_min_kurtosis: float = 2.0,
        muscle_slope_threshold: float | None = -0.5,
        muscle_band: tuple[float, float] = (7.0, 45.0),
        fit_highpass: float | None = 1.0,
        max_iter: int | Literal["auto"] = "auto",
        random_state: int = 0,
    ) -> None:
        self.n_components = n_components
        self.method = method
        self.eog_channels = eog_channels
        self.frontal_proxies = frontal_proxies
        self.eog_threshold = eog_threshold
        self.eog_band = eog_band
        self.eog_min_kurtosis = eog_min_kurtosis
        self.muscle_slope_threshold = muscle_slope_threshold
        self.muscle_band = muscle_band
        self.fit_highpass = fit_highpass
        self.max_iter = max_iter
        self.random_state = random_state

    # ------------------------------------------------------------------ helpers
    def _unpack(
        self, data: Any, ch_names: Sequence[str] | None, sfreq: float | None
    ) -> tuple[NDArray[np.float64], list[str], list[int], list[int], float]:
        """Return (data, names, eeg indices, eog indices, sfreq)."""
        if isinstance(data, Recording):
            X = data.data
            names = list(data.ch_names)
            types = list(data.ch_types or ["eeg"] * len(names))
            if ch_names is not None and list(ch_names) != names:
                raise ValueError("ch_names must be None (or equal rec.ch_names) for a Recording.")
            if sfreq is not None and float(sfreq) != data.sfreq:
                raise ValueError(
                    f"sfreq must be None (or equal rec.sfreq={data.sfreq:g}) for a Recording; "
                    f"got {sfreq!r}."
                )
            sf = data.sfreq
        else:
            X = check_array(data, "data", ndim=2, shape_hint="(n_chans, n_times)",
                            allow_nonfinite=True)
            if ch_names is None or sfreq is None:
                raise ValueError(
                    "ch_names and sfreq are required when data is an array; got "
                    f"ch_names={ch_names!r}, sfreq={sfreq!r}. Or pass a Recording."
                )
            names = _check_ch_names(ch_names, X.shape[0])
            types = ["eeg"] * len(names)
            sf = check_sfreq(sfreq)
        if self.eog_channels is not None:
            check_type(self.eog_channels, (list, tuple), "eog_channels")
            eog_idx = check_channels(names, list(self.eog_channels), "eog_channels")
        else:
            eog_idx = [i for i, t in enumerate(types) if t == "eog"]
        eeg_idx = [i for i, t in enumerate(types) if t == "eeg" and i not in eog_idx]
        if len(eeg_idx) < 2:
            raise ValueError(
                f"ICA needs at least 2 EEG channels; got {len(eeg_idx)} among {names}."
            )
        return X, names, eeg_idx, eog_idx, sf

    def _make_raw(self, Xe: NDArray[np.float64], names: list[str], sfreq: float) -> Any:
        import mne

        info = mne.create_info(names, sfreq, ch_types="eeg")
        return mne.io.RawArray(Xe, info, verbose="error")

    def _resolve_method(self) -> str:
        check_option(self.method, ("auto", "fastica", "picard", "infomax"), "method")
        if self.method == "auto":
            return "picard" if importlib.util.find_spec("picard") is not None else "fastica"
        if self.method == "picard" and importlib.util.find_spec("picard") is None:
            raise ValueError(
                "method='picard' needs the python-picard package, which is not installed; use "
                "method='fastica' or 'auto'."
            )
        return str(self.method)

    # ------------------------------------------------------------------ API
    def fit(
        self, data: Recording | Any, ch_names: Sequence[str] | None = None,
        sfreq: float | None = None,
    ) -> ICAArtifactRemover:
        """Fit ICA on the EEG channels and score every component.

        Parameters
        ----------
        data : Recording | array-like of shape (n_chans, n_times)
            Continuous data in volts. EOG channels (by type or ``eog_channels``) are used as
            references, not decomposed.
        ch_names : list of str | None
            Channel names (required for an array).
        sfreq : float | None
            Sampling frequency in Hz (required for an array).

        Returns
        -------
        self : ICAArtifactRemover
            The fitted remover.
        """
        import mne
        from scipy.stats import kurtosis

        thr = check_range(self.eog_threshold, "eog_threshold", 0.0, 1.0, inclusive=(False, True))
        check_type(self.random_state, int, "random_state")
        method = self._resolve_method()
        X, names, eeg_idx, eog_idx, sf = self._unpack(data, ch_names, sfreq)
        self._muscle_range(sf)
        eeg_names = [names[i] for i in eeg_idx]
        Xe = X[eeg_idx]
        used = np.asarray(eeg_idx + eog_idx)
        check_finite(X[used], "data", [names[i] for i in used])
        sd = Xe.std(axis=-1)
        flat = sd <= FLAT_REL_EPS * _data_scale(Xe)
        if flat.any():
            flat_names = [eeg_names[i] for i in np.flatnonzero(flat)]
            raise DataQualityError(
                f"ICA cannot decompose flat channel(s) {flat_names}; drop or interpolate them "
                "first (see detect_bad_channels)."
            )
        if self.fit_highpass is not None:
            hp = check_range(
                self.fit_highpass, "fit_highpass", 0.0, sf / 2, inclusive=(False, False)
            )
            X_fit = _zero_phase(Xe, sf, hp, None, name="data")
            ref_src = _zero_phase(X[eog_idx], sf, hp, None, name="data") if eog_idx else None
        else:
            if _looks_unfiltered(Xe, sf):
                warnings.warn(
                    "ICA is fitted on data that do not look high-pass filtered (most power "
                    "below 0.5 Hz); MNE recommends a >= 1 Hz high-pass for ICA. Set "
                    "fit_highpass=1.0 (default) to fit on a high-passed copy.",
                    stacklevel=2,
                )
            X_fit = Xe
            ref_src = X[eog_idx] if eog_idx else None
        raw_fit = self._make_raw(X_fit, eeg_names, sf)
        ica = mne.preprocessing.ICA(
            n_components=self.n_components, method=method, rng=self.random_state,
            max_iter=self.max_iter,
        )
        ica.fit(raw_fit, verbose="error")
        sources = ica.get_sources(raw_fit).get_data()  # (n_components, n_times)

        # ---- EOG scores
        lo, hi = (float(v) for v in self.eog_band)
        src_bp = _zero_phase(sources, sf, lo, hi, name="data")
        self.kurtosis_ = np.asarray(kurtosis(src_bp, axis=-1, fisher=True))
        refs: NDArray[np.float64] | None
        if ref_src is not None:
            refs = _zero_phase(ref_src, sf, lo, hi, name="data")
            self.eog_refs_ = [names[i] for i in eog_idx]
            proxy = False
        else:
            present = [(p, j) for p in self.frontal_proxies for j, c in enumerate(eeg_names)
                       if c.upper() == str(p).upper()]
            self.eog_refs_ = [eeg_names[j] for _, j in present]
            refs = _zero_phase(X_fit[[j for _, j in present]], sf, lo, hi, name="data") \
                if present else None
            proxy = True
            if not present:
                warnings.warn(
                    "No EOG channel and none of the frontal proxies "
                    f"{list(self.frontal_proxies)} is present; EOG components are not "
                    "detected. Pass eog_channels= or frontal_proxies=.", stacklevel=2,
                )
        if refs is not None and len(refs):
            self.eog_scores_ = np.abs(_corr_rows(src_bp, refs)).max(axis=1)
        else:
            self.eog_scores_ = np.zeros(len(sources))
        eog_mask = self.eog_scores_ > thr
        if proxy:
            eog_mask &= self.kurtosis_ >= float(self.eog_min_kurtosis)

        # ---- muscle scores
        self.muscle_scores_ = self._muscle_slopes(sources, sf)
        if self.muscle_slope_threshold is not None:
            mthr = check_range(self.muscle_slope_threshold, "muscle_slope_threshold")
            muscle_mask = (self.muscle_scores_ > mthr) & ~eog_mask
        else:
            muscle_mask = np.zeros(len(sources), bool)

        self.labels_ = {
            "eog": [int(i) for i in np.flatnonzero(eog_mask)],
            "muscle": [int(i) for i in np.flatnonzero(muscle_mask)],
        }
        self.exclude_ = sorted(self.labels_["eog"] + self.labels_["muscle"])
        if len(self.exclude_) == len(sources):
            warnings.warn(
                "Every ICA component was flagged as artifact; transform would zero the EEG. "
                "Check the thresholds (eog_threshold, muscle_slope_threshold).", stacklevel=2,
            )
        self.ica_ = ica
        self.eeg_names_ = eeg_names
        self.ch_names_ = names
        self.sfreq_ = sf
        logger.info("ICA: %d components, excluded EOG %s, muscle %s", len(sources),
                    self.labels_["eog"], self.labels_["muscle"])
        return self

    def _muscle_range(self, sf: float) -> tuple[float, float]:
        fmin, fmax = (float(v) for v in self.muscle_band)
        fmax = min(fmax, 0.45 * sf)
        if not 0 < fmin < fmax:
            raise ValueError(
                f"muscle_band must be (low, high) with 0 < low < high <= 0.45 * sfreq "
                f"({0.45 * sf:g} Hz); got {self.muscle_band!r}."
            )
        return fmin, fmax

    def _muscle_slopes(self, sources: NDArray[np.float64], sf: float) -> NDArray[np.float64]:
        from scipy.signal import welch

        fmin, fmax = self._muscle_range(sf)
        nperseg = min(sources.shape[-1], int(round(2 * sf)))
        freqs, psd = welch(sources, fs=sf, nperseg=nperseg, axis=-1)
        return _loglog_slope(psd, freqs, fmin, fmax)

    def transform(
        self, data: Recording | Any, ch_names: Sequence[str] | None = None,
        sfreq: float | None = None,
    ) -> Recording | NDArray[np.float64]:
        """Remove the excluded components from the EEG channels.

        Parameters
        ----------
        data : Recording | array-like of shape (n_chans, n_times)
            Data with the channels seen in ``fit`` (volts).
        ch_names : list of str | None
            Channel names (required for an array).
        sfreq : float | None
            Sampling frequency in Hz (required for an array).

        Returns
        -------
        cleaned : Recording | ndarray of shape (n_chans, n_times)
            A new object of the input's kind; non-EEG channels are unchanged.
        """
        check_fitted(self, "ica_")
        X, names, eeg_idx, _, sf = self._unpack(data, ch_names, sfreq)
        eeg_names = [names[i] for i in eeg_idx]
        if eeg_names != self.eeg_names_:
            missing = [c for c in self.eeg_names_ if c not in eeg_names]
            extra = [c for c in eeg_names if c not in self.eeg_names_]
            raise ValueError(
                f"data must hold the EEG channels seen in fit, in the same order; missing "
                f"{missing}, unexpected {extra}."
            )
        if sf != self.sfreq_:
            raise ValueError(f"sfreq must equal the fitted sfreq={self.sfreq_:g} Hz; got {sf:g}.")
        check_finite(X[eeg_idx], "data", eeg_names)
        raw = self._make_raw(X[eeg_idx].copy(), eeg_names, sf)
        self.ica_.apply(raw, exclude=list(self.exclude_), verbose="error")
        out = np.array(X, dtype=float, copy=True)
        out[eeg_idx] = raw.get_data()
        if isinstance(data, Recording):
            rec = data.copy()
            rec.data = out
            return rec
        return out

    def fit_transform(
        self, data: Recording | Any, ch_names: Sequence[str] | None = None,
        sfreq: float | None = None,
    ) -> Recording | NDArray[np.float64]:
        """Fit, then transform the same data.

        Parameters
        ----------
        data : Recording | array-like of shape (n_chans, n_times)
            Continuous data in volts.
        ch_names : list of str | None
            Channel names (required for an array).
        sfreq : float | None
            Sampling frequency in Hz (required for an array).

        Returns
        -------
        cleaned : Recording | ndarray of shape (n_chans, n_times)
            The cleaned data.
        """
        return self.fit(data, ch_names, sfreq).transform(data, ch_names, sfreq)
