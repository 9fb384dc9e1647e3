"""What the SEED-family readers share: channels, bands, key checks, feature samples, fakes.

Sources (``shared/reference/DATA_FORMATS.md`` §1.6 and §2): the 62 channels in SEED order
(935963004/MAET:EEG_feature_extractor/channel_62_pos.locs; XJTU-EEG/LibEER:
LibEER/data_utils/constants/seed.py), the five DE/PSD bands delta 1-4, theta 4-8,
alpha 8-14, beta 14-31, gamma 31-49 Hz (official SEED-VII extractor), 200 Hz.
"""

from __future__ import annotations

import logging
import os
from abc import abstractmethod
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import numpy as np
from numpy.typing import NDArray

from ..._validation import check_int, check_option, check_range
from ..windows import GROUP_COLUMNS, Windows
from .base import Dataset

__all__: list[str] = []

logger = logging.getLogger(__name__)

#: The 62 EEG channels in SEED order (SEED, SEED-IV and SEED-VII share it).
SEED_CHANNELS = (
    "FP1", "FPZ", "FP2", "AF3", "AF4", "F7", "F5", "F3", "F1", "FZ", "F2", "F4", "F6", "F8",
    "FT7", "FC5", "FC3", "FC1", "FCZ", "FC2", "FC4", "FC6", "FT8", "T7", "C5", "C3", "C1", "CZ",
    "C2", "C4", "C6", "T8", "TP7", "CP5", "CP3", "CP1", "CPZ", "CP2", "CP4", "CP6", "TP8", "P7",
    "P5", "P3", "P1", "PZ", "P2", "P4", "P6", "P8", "PO7", "PO5", "PO3", "POZ", "PO4", "PO6",
    "PO8", "CB1", "O1", "OZ", "O2", "CB2",
)
#: The five frequency bands of the DE/PSD features, in file order.
SEED_BANDS = ("delta", "theta", "alpha", "beta", "gamma")
#: Band edges in Hz (official SEED-VII extractor; used by the fakes).
BAND_EDGES = ((1.0, 4.0), (4.0, 8.0), (8.0, 14.0), (14.0, 31.0), (31.0, 49.0))
SEED_SFREQ = 200.0
#: Feature names accepted by the ``*-de`` datasets.
FEATURES = ("de_LDS", "de", "psd_LDS", "psd")
UNITS = {"uV": 1e-6, "V": 1.0}


class FeatureTrial(NamedTuple):
    """One trial's feature array ``(n_chans, n_windows, 5)`` with its identity and label."""

    subject: str
    session: str
    trial: str
    record: str
    label: int
    features: NDArray[np.float64]


def unit_scale(unit: str) -> float:
    """Factor from the file unit to volts."""
    return UNITS[check_option(unit, tuple(UNITS), "unit")]


def check_trials(path: Path, present: Iterable[int], expected: Sequence[int], what: str,
                 fix: str) -> None:
    """``ValueError`` naming the file and the missing trial keys."""
    have = set(present)
    missing = [k for k in expected if k not in have]
    if missing:
        shown = ", ".join(repr(str(k)) for k in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        raise ValueError(f"{path}: missing trial key(s) {shown}{more} of {len(expected)} "
                         f"expected; {what}. {fix}")


def check_eeg_shape(path: Path, key: str, shape: tuple[int, ...]) -> None:
    """A trial array must be ``(62, n_times)``."""
    if len(shape) != 2 or shape[0] != len(SEED_CHANNELS) or shape[1] < 1:
        raise ValueError(f"{path}: trial {key!r} has shape {shape}; expected (62, n_times) "
                         "(62 channels in SEED order by samples at 200 Hz).")


def check_feature_shape(path: Path, key: str, arr: NDArray[Any], layout: str) -> NDArray[Any]:
    """Return a feature array as ``(62, n_windows, 5)``; ``layout`` is how the file stores it.

    ``"wbc"``: (n_windows, 5, 62) (SEED-VII); ``"cwb"``: (62, n_windows, 5) (SEED, SEED-IV).
    """
    arr = np.asarray(arr)
    stored = "(n_windows, 5, 62)" if layout == "wbc" else "(62, n_windows, 5)"
    if arr.ndim != 3:
        raise ValueError(f"{path}: feature {key!r} has shape {arr.shape}; expected {stored}.")
    band_axis, chan_axis = (1, 2) if layout == "wbc" else (2, 0)
    if arr.shape[band_axis] != len(SEED_BANDS):
        raise ValueError(
            f"{path}: feature {key!r} has shape {arr.shape} with {arr.shape[band_axis]} "
            f"bands on axis {band_axis}; expected 5 bands (delta, theta, alpha, beta, gamma) "
            f"in the layout {stored}. Use the release's EEG feature files, or reorder the "
            f"array to {stored} before saving it."
        )
    if arr.shape[chan_axis] != len(SEED_CHANNELS):
        raise ValueError(f"{path}: feature {key!r} has shape {arr.shape}; expected 62 channels "
                         f"on axis {chan_axis} ({stored}).")
    out = arr.transpose(2, 0, 1) if layout == "wbc" else arr
    if not np.issubdtype(out.dtype, np.number):
        raise ValueError(f"{path}: feature {key!r} is not numeric (dtype {out.dtype}).")
    return np.asarray(out, dtype=np.float64)


def feature_windows(trials: Sequence[FeatureTrial], *, seq_len: int, step: int,
                    window_s: float, dataset: str) -> Windows:
    """Samples of ``seq_len`` consecutive feature windows (hop ``step``) from each trial.

    ``X = {"de": float32 (n, 62, seq_len, 5)}``; ``meta`` start/stop in seconds from the
    trial start (window index x ``window_s``).
    """
    import pandas as pd

    xs, ys, rows, metas = [], [], [], []
    for t in trials:
        n_win = t.features.shape[1]
        if n_win < seq_len:
            raise ValueError(
                f"{dataset}: trial {t.trial!r} ({t.record}) has {n_win} feature windows; "
                f"seq_len={seq_len} needs at least that many. Pass a smaller seq_len "
                "(data.kwargs.seq_len)."
            )
        starts = np.arange(0, n_win - seq_len + 1, step)
        idx = starts[:, None] + np.arange(seq_len)[None, :]              # (n, L)
        xs.append(t.features[:, idx, :].transpose(1, 0, 2, 3))           # (n, C, L, 5)
        ys.append(np.full(len(starts), t.label, np.int64))
        g = {"subject": t.subject, "session": t.session, "trial": t.trial,
             "patient": t.subject, "record": t.record}
        rows.extend([g] * len(starts))
        metas.append(pd.DataFrame({"record": t.record, "start": starts * window_s,
                                   "stop": (starts + seq_len) * window_s}))
    if not xs:
        raise ValueError(f"{dataset}: no trials were read.")
    X = {"de": np.ascontiguousarray(np.concatenate(xs), dtype=np.float32)}
    groups = pd.DataFrame(rows, columns=list(GROUP_COLUMNS))
    return Windows(X, np.concatenate(ys), groups, pd.concat(metas, ignore_index=True))


def concat(parts: Sequence[Windows]) -> Windows:
    """Stack feature samples of several files."""
    import pandas as pd

    X = {k: np.concatenate([p.X[k] for p in parts]) for k in parts[0].X}
    return Windows(X, np.concatenate([p.y for p in parts]),
                   pd.concat([p.groups for p in parts], ignore_index=True),
                   pd.concat([p.meta for p in parts], ignore_index=True))


def feature_key_name(feature: str, dataset: str) -> str:
    """Key prefix in the file: SEED and SEED-IV call the plain variants ``*_movingAve``."""
    if dataset == "seed-vii":
        return feature
    return {"de": "de_movingAve", "psd": "psd_movingAve"}.get(feature, feature)


class SeedFeatures(Dataset):
    """Base of the ``*-de`` datasets: precomputed DE/PSD features → ``{"de": (n, 62, L, 5)}``.

    Parameters
    ----------
    feature : {"de_LDS", "de", "psd_LDS", "psd"}
        Which feature to read (SEED/SEED-IV store ``de``/``psd`` as ``*_movingAve``).
    seq_len : int
        Consecutive feature windows per sample.
    step : int | None
        Hop between samples in feature windows; default ``seq_len`` (no overlap).
    window_s : float | None
        Length of one feature window in seconds; default inferred (see the subclass).
    n_trials_per_session : int | None
        Clips per session to read; default the release's count.
    """

    modality = "features"
    ch_names: ClassVar[tuple[str, ...]] = SEED_CHANNELS
    bands: ClassVar[tuple[str, ...]] = SEED_BANDS
    name: ClassVar[str] = ""

    def __init__(self, *, feature: str = "de_LDS", seq_len: int = 8, step: int | None = None,
                 window_s: float | None = None, n_trials_per_session: int | None = None) -> None:
        self.feature = check_option(feature, FEATURES, "feature")
        self.seq_len = check_int(seq_len, "seq_len", min_value=1)
        self.step = self.seq_len if step is None else check_int(step, "step", min_value=1)
        self.window_s = None if window_s is None else check_range(
            window_s, "window_s", 0.0, None, inclusive=(False, True))
        self.n_trials_per_session = None if n_trials_per_session is None else check_int(
            n_trials_per_session, "n_trials_per_session", min_value=1)

    @abstractmethod
    def trials(self, path: Path) -> tuple[list[FeatureTrial], float]:
        """The feature trials of one file and the feature window length in seconds."""

    def read(self, path: str | os.PathLike[str]) -> Windows:
        """Feature samples of one file.

        Parameters
        ----------
        path : path-like
            One feature ``.mat`` file.

        Returns
        -------
        Windows
            ``X = {"de": (n, 62, seq_len, 5)}`` float32, ``y`` class indices, groups with
            subject/session/trial/record, ``meta`` start/stop in seconds within the trial.
        """
        trials, window_s = self.trials(Path(path))
        return feature_windows(trials, seq_len=self.seq_len, step=self.step,
                               window_s=window_s, dataset=self.name)

    def windows(self, root: str | os.PathLike[str]) -> Windows:
        """Feature samples of every file under ``root``.

        Parameters
        ----------
        root : path-like
            The dataset root, its feature folder, or one feature file.

        Returns
        -------
        Windows
            See :meth:`read`.
        """
        return concat([self.read(p) for p in self.find(root)])


# ---------------------------------------------------------------------------- fakes
_REGIONS = {
    "frontal": ("FP", "AF", "F"),
    "central": ("FC", "C"),
    "temporal": ("FT", "T", "TP"),
    "parietal": ("CP", "P"),
    "occipital": ("PO", "O", "CB"),
}
#: Class effect of the fakes: class index → (frequency in Hz, region); all seven differ in
#: band or region, so the first 3 (SEED) and 4 (SEED-IV) are distinct too.
_PATTERNS = ((6.0, "frontal"), (10.0, "occipital"), (20.0, "temporal"), (2.5, "frontal"),
             (40.0, "frontal"), (10.0, "central"), (20.0, "parietal"))


def _region_mask(region: str) -> NDArray[np.bool_]:
    def prefix(name: str) -> str:
        return name.rstrip("0123456789Z")

    return np.array([prefix(c) in _REGIONS[region] for c in SEED_CHANNELS])


def _pink(rng: np.random.Generator, n: int, n_times: int) -> NDArray[np.float64]:
    """Unit-variance 1/f noise, shape (n, n_times)."""
    spec = np.fft.rfft(rng.standard_normal((n, n_times)), axis=1)
    spec /= np.sqrt(np.maximum(np.fft.rfftfreq(n_times, 1 / SEED_SFREQ), 1.0))
    x = np.fft.irfft(spec, n=n_times, axis=1)
    return x / x.std(axis=1, keepdims=True)


def fake_trial_uv(rng: np.random.Generator, pattern: int, n_times: int, gain: float
                  ) -> NDArray[np.float64]:
    """(62, n_times) µV at 200 Hz: 1/f background (~10 µV) plus the class's oscillation.

    The background mixes 8 smooth spatial sources (neighbouring channels in SEED order
    correlate, as volume conduction makes real EEG do) with a smaller independent part.
    """
    n_ch = len(SEED_CHANNELS)
    idx = np.arange(n_ch)
    mixing = np.exp(-0.5 * ((idx[:, None] - np.linspace(0, n_ch - 1, 8)[None, :]) / 6.0) ** 2)
    x = mixing @ _pink(rng, 8, n_times)                                  # (62, T)
    x = x / x.std(axis=1, keepdims=True) + 0.5 * _pink(rng, n_ch, n_times)
    x = 10.0 * gain * x / x.std(axis=1, keepdims=True)
    freq, region = _PATTERNS[pattern % len(_PATTERNS)]
    t = np.arange(n_times) / SEED_SFREQ
    phase = rng.uniform(0, 2 * np.pi) + 0.3 * rng.standard_normal((n_ch, 1))
    x += 12.0 * gain * _region_mask(region)[:, None] * np.sin(2 * np.pi * freq * t + phase)
    return x


def fake_features(x_uv: NDArray[np.float64], window_s: float
                  ) -> dict[str, NDArray[np.float64]]:
    """DE/PSD of non-overlapping windows: ``{name: (62, n_windows, 5)}``.

    PSD is the band power in µV² (FFT band sum); DE = ½·ln(2πe·power) (the DE of a Gaussian
    band-limited signal); ``*_LDS`` are an exponential smoother standing in for the release's
    linear-dynamical-system smoothing, ``*_movingAve`` a 3-window moving average.
    """
    n = int(round(window_s * SEED_SFREQ))
    n_win = x_uv.shape[1] // n
    seg = x_uv[:, : n_win * n].reshape(x_uv.shape[0], n_win, n)
    spec = np.abs(np.fft.rfft(seg, axis=-1)) ** 2 * 2 / n**2
    f = np.fft.rfftfreq(n, 1 / SEED_SFREQ)
    psd = np.stack([spec[..., (f >= lo) & (f < hi)].sum(-1) for lo, hi in BAND_EDGES], -1)
    psd = np.maximum(psd, 1e-6)
    de = 0.5 * np.log(2 * np.pi * np.e * psd)

    def lds(a: NDArray[np.float64]) -> NDArray[np.float64]:
        out = a.copy()
        for k in range(1, a.shape[1]):
            out[:, k] = 0.7 * out[:, k - 1] + 0.3 * a[:, k]
        return out

    def moving(a: NDArray[np.float64]) -> NDArray[np.float64]:
        pad = np.concatenate([a[:, :1], a, a[:, -1:]], axis=1)
        return (pad[:, :-2] + pad[:, 1:-1] + pad[:, 2:]) / 3.0

    return {"de": de, "psd": psd, "de_LDS": lds(de), "psd_LDS": lds(psd),
            "de_movingAve": moving(de), "psd_movingAve": moving(psd)}


def prepare_out(out_dir: str | os.PathLike[str], marker: Path, overwrite: bool) -> Path:
    """Create ``out_dir``; refuse to overwrite ``marker`` unless ``overwrite``."""
    if marker.exists() and not overwrite:
        raise FileExistsError(f"{marker} exists; pass overwrite=True to replace it.")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return out
