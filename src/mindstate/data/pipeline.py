"""The signal chain a run applies to every recording, with its fitted state.

:class:`SignalChain` turns a raw :class:`~mindstate.io.Recording` into model-ready windows:
channel selection → resampling → band-pass → notch → windowing → normalisation. Its
configuration and fitted normalisation statistics round-trip through :meth:`to_dict` /
:meth:`from_dict`, so a run directory reproduces exactly what training saw.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._validation import check_array, check_fitted, check_option
from ..io.recording import Recording
from .windows import Windows, make_windows

logger = logging.getLogger(__name__)

__all__ = ["NORMALIZERS", "SignalChain"]

NORMALIZERS = ("robust", "zscore", "recording", "none")
_FITTED = ("center_", "scale_")


class SignalChain:
    """Channel picking, resampling, filtering, windowing and per-channel normalisation.

    Parameters
    ----------
    picks : list of str | None
        Channels to use, in order (default: every ``eeg`` channel of the first recording).
    resample : float | None
        Target sampling frequency in Hz.
    bandpass : (float, float) | None
        Zero-phase band-pass edges in Hz.
    notch : float | None
        Line frequency in Hz (harmonics below Nyquist are notched too).
    window_s, step_s : float
        Window length and hop in seconds.
    label : str | None
        Passed to :func:`~mindstate.data.windows.make_windows` (``"annotations"`` for trials).
    classes : list of str | None
        Class names.
    normalize : {"robust", "zscore", "recording", "none"}
        ``robust``/``zscore``: per-channel median/IQR (mean/SD) fitted on training windows;
        ``recording``: per-recording robust statistics (label-free, also at predict time);
        ``none``: volts are multiplied by 1e6 (µV) only.
    interpolate_bads : bool
        Replace the channels listed in ``rec.meta["bads"]`` by spherical-spline interpolation
        (MNE) before picking, so every recording keeps the same channel set.
    on_flat : {"raise", "warn", "ignore"}
        What :meth:`check_record` does with flat channels (in training and at inference).
    align : {"none", "euclidean", "riemann"}
        Label-free per-person alignment (:meth:`align_windows`): each subject's windows are
        whitened by the inverse square root of the mean of that subject's window covariances
        (arithmetic or Riemannian), in training, evaluation and prediction alike.

    Notes
    -----
    The model input is ``{"eeg": (n_windows, n_chans, n_times)}`` (:meth:`inputs`). The
    sampling rate the chain produced (``sfreq_``) is part of the input contract and survives
    :meth:`unfitted`, so a recording at another rate is resampled to it at inference.
    """

    kind = "eeg"
    input_names = ("eeg",)

    def __init__(
        self,
        *,
        picks: Sequence[str] | None = None,
        resample: float | None = None,
        bandpass: Sequence[float] | None = None,
        notch: float | None = None,
        window_s: float = 4.0,
        step_s: float | None = None,
        label: str | None = None,
        classes: Sequence[str] | None = None,
        normalize: str = "robust",
        interpolate_bads: bool = True,
        on_flat: str = "raise",
        align: str = "none",
    ) -> None:
        self.picks = None if picks is None else list(picks)
        self.resample = resample
        self.bandpass = None if bandpass is None else [float(b) for b in bandpass]
        self.notch = notch
        self.window_s = window_s
        self.step_s = step_s
        self.label = label
        self.classes = None if classes is None else list(classes)
        self.normalize = check_option(normalize, NORMALIZERS, "normalize")
        self.interpolate_bads = interpolate_bads
        self.on_flat = check_option(on_flat, ("raise", "warn", "ignore"), "on_flat")
        from ..preprocess.align import ALIGN_METHODS

        self.align = check_option(align, ALIGN_METHODS, "align")

    # ------------------------------------------------------------------ checks
    def check_record(self, rec: Recording) -> None:
        """Refuse a recording that lacks a channel of the run or has flat channels.

        Parameters
        ----------
        rec : Recording
            The recording (not modified).
        """
        from ..io.checks import check_recording

        where = rec.meta.get("path", rec.meta.get("record", "the recording"))
        if not isinstance(rec, Recording):
            raise TypeError(f"{where}: this run takes EEG recordings; got "
                            f"{type(rec).__name__}.")
        if self.picks is not None:
            missing = [c for c in self.picks if c not in rec.ch_names]
            if missing:
                raise ValueError(f"{where}: wrong channel set: missing {missing} (the run uses "
                                 f"{len(self.picks)} channels: {', '.join(self.picks)}).")
        check_recording(rec, picks=self.picks or "eeg", on_flat=self.on_flat)

    # ------------------------------------------------------------------ signals
    def prepare(self, rec: Recording) -> Recording:
        """Pick, resample and filter one recording (a new object; ``rec`` is unchanged)."""
        if self.picks is None:
            eeg = [c for c, t in zip(rec.ch_names, rec.ch_types or []) if t == "eeg"]
            self.picks = eeg or list(rec.ch_names)
        bads = [c for c in rec.meta.get("bads", []) if c in self.picks]
        out = rec.pick(self.picks)  # interpolate from the run's channels only (positions known)
        if bads and self.interpolate_bads:
            from ..preprocess.artifacts import interpolate_bad_channels

            out = interpolate_bad_channels(out, bads)
        data, sfreq = out.data, out.sfreq
        target = self.resample if self.resample is not None else getattr(self, "sfreq_", None)
        if target is not None and abs(float(target) - sfreq) > 1e-9:
            from ..preprocess.filters import resample

            if self.resample is None:
                import warnings

                warnings.warn(f"{rec.meta.get('record', 'recording')}: sampled at {sfreq:g} Hz; "
                              f"the run was trained at {float(target):g} Hz, so it is "
                              "resampled to that rate.", stacklevel=2)
            data, sfreq = resample(data, sfreq, float(target)), float(target)
        if self.bandpass is not None:
            from ..preprocess.filters import bandpass

            data = bandpass(data, sfreq, self.bandpass[0], self.bandpass[1])
        if self.notch is not None:
            from ..preprocess.filters import notch

            data = notch(data, sfreq, float(self.notch))
        return Recording(data, sfreq, out.ch_names, out.ch_types, out.annotations,
                         out.subject, out.session, dict(out.meta))

    def windows(self, rec: Recording, *, label: Any = None, labelled: bool = True) -> Windows:
        """Prepare ``rec`` and cut it into windows.

        Parameters
        ----------
        rec : Recording
            The recording (not modified).
        label : Any
            Overrides the chain's ``label`` rule (see :func:`make_windows`).
        labelled : bool
            False for recordings without labels (inference): every window gets label 0.

        Returns
        -------
        Windows
            ``X`` in volts (not yet normalised), except with ``normalize="recording"``
            where each recording is normalised by its own robust statistics here.
        """
        if not labelled:
            label = 0
        prepped = self.prepare(rec)
        lab = label if label is not None else self.label
        w = make_windows(prepped, self.window_s, self.step_s, label=lab, classes=self.classes,
                         picks=list(prepped.ch_names))
        if self.normalize == "recording":
            scaler = self._scaler(robust=True).fit(prepped.data)
            center, scale = scaler.center_, scaler.scale_
            X = (w.X - center[None, :, None].astype(np.float32)) / scale[None, :, None]
            w = Windows(X.astype(np.float32), w.y, w.groups, w.meta)
        if not hasattr(self, "sfreq_"):
            self.sfreq_ = prepped.sfreq
        return w

    def normalize_raw_windows(self, X: NDArray[Any]) -> NDArray[Any]:
        """Make windows in volts comparable to what :meth:`windows` returns.

        With ``normalize="recording"`` the windows are taken to be one recording and scaled
        by their own per-channel median/IQR (label-free, as in training); otherwise they are
        returned unchanged (the fitted normalisation happens in :meth:`inputs`).

        Parameters
        ----------
        X : ndarray of shape (n_windows, n_chans, n_times)
            Windows in volts.

        Returns
        -------
        ndarray of shape (n_windows, n_chans, n_times)
            Windows ready for :meth:`inputs`.
        """
        if self.normalize != "recording":
            return X
        X = check_array(X, "X", ndim=3, shape_hint="(n_windows, n_chans, n_times)", dtype=None)
        flat = np.ascontiguousarray(X.transpose(1, 0, 2)).reshape(X.shape[1], -1)
        scaler = self._scaler(robust=True).fit(flat)
        c, s = scaler.center_[None, :, None], scaler.scale_[None, :, None]
        return ((X - c) / s).astype(np.float32)

    def inputs(self, X: NDArray[Any]) -> dict[str, NDArray[np.float32]]:
        """Model inputs ``{"eeg": (n_windows, n_chans, n_times)}`` (fitted normalisation).

        Parameters
        ----------
        X : ndarray of shape (n_windows, n_chans, n_times)
            Windows from :meth:`windows`.

        Returns
        -------
        dict of str to ndarray
            The normalised windows, float32.
        """
        return {"eeg": self.transform(X)}

    def baseline_features(self, X: NDArray[Any]) -> NDArray[np.float64]:
        """Log band power per channel and band (delta ... gamma below the pass-band top).

        Parameters
        ----------
        X : ndarray of shape (n_windows, n_chans, n_times)
            Windows from :meth:`windows`.

        Returns
        -------
        ndarray of shape (n_windows, n_chans * n_bands)
            Features of the band-power floor.
        """
        from ..features.spectral import BANDS, BandPower

        sfreq = float(self.sfreq_)
        top = min(sfreq / 2, self.bandpass[1] if self.bandpass else sfreq / 2)
        bands = {k: (lo, min(hi, top)) for k, (lo, hi) in BANDS.items() if lo < top - 1.0}
        F = BandPower(sfreq=sfreq, bands=bands, log=True).fit_transform(X)
        return np.asarray(F, dtype=np.float64).reshape(len(F), -1)

    def contract(self) -> dict[str, Any]:
        """The input contract a predicting recording must meet (stored in the run).

        Returns
        -------
        dict
            Modality, channels in order, sampling rate, window and hop, units, filters and
            normalisation.
        """
        return {"modality": "eeg", "ch_names": self.picks, "sfreq": getattr(self, "sfreq_", None),
                "window_s": self.window_s, "step_s": self.step_s or self.window_s,
                "units": "V", "bandpass": self.bandpass, "notch": self.notch,
                "normalize": self.normalize, "align": self.align,
                "inputs": {"eeg": ["n_chans", "n_times"]}}

    def align_windows(self, w: Windows, *, min_windows: int = 20,
                      reference: NDArray[Any] | None = None) -> Windows:
        """Align each subject's windows with that subject's own reference (label-free).

        Parameters
        ----------
        w : Windows
            Windows of one or more subjects (``w.groups["subject"]``), in volts.
        min_windows : int
            Fewer windows than this for a subject give a warning: the reference covariance
            of a short stretch of one state is a poor estimate of the person's mean.
        reference : ndarray of shape (n_ref, n_chans, n_times) | None
            Windows of the same person (as :meth:`windows` returns them) whose mean
            covariance aligns every window of ``w``; ``None`` aligns each subject of ``w`` on
            its own windows.

        Returns
        -------
        Windows
            ``w`` itself when ``align="none"``, else new windows with aligned ``X``.
        """
        if self.align == "none" or len(w.y) == 0:
            return w
        from ..preprocess.align import align_by_group, alignment_reference, apply_alignment

        if reference is not None:
            ref = alignment_reference(reference, self.align)
            return Windows(apply_alignment(w.X, ref), w.y, w.groups, w.meta)

        subjects = w.groups["subject"].astype(str).to_numpy()
        counts = pd.Series(subjects).value_counts()
        few = counts[counts < min_windows]
        if len(few):
            logger.warning("align=%s: subject(s) %s have fewer than %d windows; the alignment "
                           "reference is unreliable. Give more of each person's recording.",
                           self.align, ", ".join(map(str, few.index[:5])), min_windows)
        X, _ = align_by_group(w.X, subjects, self.align)
        return Windows(X, w.y, w.groups, w.meta)

    def unfitted(self) -> SignalChain:
        """A copy without fitted normalisation statistics (keeps channels and ``sfreq_``).

        Returns
        -------
        SignalChain
            The copy, ready for :meth:`fit` on another training split.
        """
        return SignalChain.from_dict({k: v for k, v in self.to_dict().items()
                                      if k not in _FITTED})

    # ------------------------------------------------------------------ normalisation
    def _scaler(self, robust: bool) -> Any:
        """A per-channel scaler (median/IQR or mean/SD); flat channels follow ``on_flat``."""
        from ..preprocess.normalize import RobustNormalizer, Standardizer

        cls = RobustNormalizer if robust else Standardizer
        return cls(on_flat=self.on_flat, ch_names=self.picks)

    def fit(self, X: NDArray[Any]) -> SignalChain:
        """Fit normalisation statistics on training windows (n_windows, n_chans, n_times)."""
        X = check_array(X, "X", ndim=3, shape_hint="(n_windows, n_chans, n_times)",
                        dtype=None)
        if self.normalize in ("robust", "zscore"):
            scaler = self._scaler(robust=self.normalize == "robust").fit(X)
            self.center_, self.scale_ = scaler.center_, scaler.scale_
        else:
            self.center_ = np.zeros(X.shape[1])
            volts = self.normalize == "none" and self.align == "none"  # aligned data are unitless
            self.scale_ = np.full(X.shape[1], 1e-6 if volts else 1.0)
        return self

    def transform(self, X: NDArray[Any]) -> NDArray[np.float32]:
        """Apply the fitted normalisation; returns a new float32 array."""
        check_fitted(self, ["center_", "scale_"])
        X = check_array(X, "X", ndim=3, shape_hint="(n_windows, n_chans, n_times)",
                        dtype=None)
        if X.shape[1] != len(self.center_):
            raise ValueError(f"X must have {len(self.center_)} channels; got {X.shape[1]}.")
        c = self.center_[None, :, None]
        s = self.scale_[None, :, None]
        return ((X - c) / s).astype(np.float32)

    # ------------------------------------------------------------------ state
    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable configuration and fitted state."""
        state: dict[str, Any] = {
            "picks": self.picks, "resample": self.resample, "bandpass": self.bandpass,
            "notch": self.notch, "window_s": self.window_s, "step_s": self.step_s,
            "label": self.label, "classes": self.classes, "normalize": self.normalize,
            "interpolate_bads": self.interpolate_bads, "on_flat": self.on_flat, "kind": self.kind,
            "align": self.align,
        }
        if hasattr(self, "center_"):
            state["center_"] = np.asarray(self.center_).tolist()
            state["scale_"] = np.asarray(self.scale_).tolist()
        if hasattr(self, "sfreq_"):
            state["sfreq_"] = self.sfreq_
        return state

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> SignalChain:
        """Rebuild a chain (with fitted state) from :meth:`to_dict` output."""
        keys = ("picks", "resample", "bandpass", "notch", "window_s", "step_s", "label",
                "classes", "normalize", "interpolate_bads", "on_flat", "align")
        chain = cls(**{k: state[k] for k in keys if k in state})
        if "center_" in state:
            chain.center_ = np.asarray(state["center_"], dtype=np.float64)
            chain.scale_ = np.asarray(state["scale_"], dtype=np.float64)
        if "sfreq_" in state:
            chain.sfreq_ = float(state["sfreq_"])
        return chain
