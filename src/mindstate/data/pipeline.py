"""The signal chain a run applies to every recording, with its fitted state.

:class:`SignalChain` turns a raw :class:`~mindstate.io.Recording` into model-ready windows:
channel selection → resampling → band-pass → notch → windowing → normalisation. Its
configuration and fitted normalisation statistics round-trip through :meth:`to_dict` /
:meth:`from_dict`, so a run directory reproduces exactly what training saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_array, check_fitted, check_option
from ..io.recording import Recording
from .windows import Windows, make_windows

__all__ = ["NORMALIZERS", "SignalChain"]

NORMALIZERS = ("robust", "zscore", "recording", "none")


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
    """

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

    # ------------------------------------------------------------------ signals
    def prepare(self, rec: Recording) -> Recording:
        """Pick, resample and filter one recording (a new object; ``rec`` is unchanged)."""
        if self.picks is None:
            eeg = [c for c, t in zip(rec.ch_names, rec.ch_types or []) if t == "eeg"]
            self.picks = eeg or list(rec.ch_names)
        bads = [c for c in rec.meta.get("bads", []) if c in self.picks]
        if bads and self.interpolate_bads:
            from ..preprocess.artifacts import interpolate_bad_channels

            rec = interpolate_bad_channels(rec, bads)
        out = rec.pick(self.picks)
        data, sfreq = out.data, out.sfreq
        if self.resample is not None and abs(self.resample - sfreq) > 1e-9:
            from ..preprocess.filters import resample

            data, sfreq = resample(data, sfreq, float(self.resample)), float(self.resample)
        if self.bandpass is not None:
            from ..preprocess.filters import bandpass

            data = bandpass(data, sfreq, self.bandpass[0], self.bandpass[1])
        if self.notch is not None:
            from ..preprocess.filters import notch

            data = notch(data, sfreq, float(self.notch))
        return Recording(data, sfreq, out.ch_names, out.ch_types, out.annotations,
                         out.subject, out.session, dict(out.meta))

    def windows(self, rec: Recording, *, label: Any = None) -> Windows:
        """Prepare ``rec`` and cut it into windows (``X`` in volts, not yet normalised)."""
        prepped = self.prepare(rec)
        lab = label if label is not None else self.label
        w = make_windows(prepped, self.window_s, self.step_s, label=lab, classes=self.classes,
                         picks=list(prepped.ch_names))
        if self.normalize == "recording":
            scaler = self._scaler(robust=True).fit(prepped.data)
            center, scale = scaler.center_, scaler.scale_
            X = (w.X - center[None, :, None].astype(np.float32)) / scale[None, :, None]
            w = Windows(X.astype(np.float32), w.y, w.groups, w.meta)
        self.sfreq_ = prepped.sfreq
        return w

    # ------------------------------------------------------------------ normalisation
    def _scaler(self, robust: bool) -> Any:
        """A per-channel scaler (median/IQR or mean/SD) that refuses flat channels."""
        from ..preprocess.normalize import RobustNormalizer, Standardizer

        cls = RobustNormalizer if robust else Standardizer
        return cls(on_flat="raise", ch_names=self.picks)

    def fit(self, X: NDArray[Any]) -> SignalChain:
        """Fit normalisation statistics on training windows (n_windows, n_chans, n_times)."""
        X = check_array(X, "X", ndim=3, shape_hint="(n_windows, n_chans, n_times)",
                        dtype=None)
        if self.normalize in ("robust", "zscore"):
            scaler = self._scaler(robust=self.normalize == "robust").fit(X)
            self.center_, self.scale_ = scaler.center_, scaler.scale_
        else:
            self.center_ = np.zeros(X.shape[1])
            self.scale_ = np.full(X.shape[1], 1e-6 if self.normalize == "none" else 1.0)
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
            "interpolate_bads": self.interpolate_bads,
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
                "classes", "normalize", "interpolate_bads")
        chain = cls(**{k: state[k] for k in keys if k in state})
        if "center_" in state:
            chain.center_ = np.asarray(state["center_"], dtype=np.float64)
            chain.scale_ = np.asarray(state["scale_"], dtype=np.float64)
        if "sfreq_" in state:
            chain.sfreq_ = float(state["sfreq_"])
        return chain
