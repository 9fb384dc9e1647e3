"""Core data containers: single-rate :class:`Recording`, multi-rate :class:`PhysioRecording`,
and :class:`TextCorpus`.

All signals are stored in SI units (volts for EEG/ECG, siemens for EDA, °C for temperature,
m/s² for acceleration), as float64 arrays of shape ``(n_chans, n_times)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_array, check_option, check_sfreq, check_type

if TYPE_CHECKING:  # pragma: no cover
    import mne
    import pandas as pd

__all__ = [
    "CH_TYPES",
    "Annotations",
    "PhysioRecording",
    "Recording",
    "Signal",
    "TextCorpus",
]

#: Channel types a :class:`Recording` may hold. ``ref`` marks a reference derivation
#: (e.g. ``A2-A1``) that is recorded but is not scalp EEG.
CH_TYPES = (
    "eeg", "ecg", "eog", "emg", "ref", "misc", "stim",
    "ppg", "eda", "temp", "acc", "resp", "hr",
)

# Our channel types → MNE channel types.
_TO_MNE = {
    "eeg": "eeg", "ecg": "ecg", "eog": "eog", "emg": "emg", "ref": "misc", "misc": "misc",
    "stim": "stim", "ppg": "bio", "eda": "gsr", "temp": "temperature", "acc": "misc",
    "resp": "resp", "hr": "bio",
}
_FROM_MNE = {"eeg": "eeg", "ecg": "ecg", "eog": "eog", "emg": "emg", "stim": "stim",
             "gsr": "eda", "temperature": "temp", "resp": "resp", "bio": "misc"}


@dataclass(frozen=True)
class Annotations:
    """Time-stamped events: ``onset`` and ``duration`` in seconds from the recording start.

    Parameters
    ----------
    onset : ndarray of shape (n_annotations,)
        Event start times, in seconds from the recording start (stored as float64).
    duration : ndarray of shape (n_annotations,)
        Event durations, in seconds (0 for instantaneous events).
    description : tuple of str
        One label per event (converted to ``str``), of length ``n_annotations``.
    """

    onset: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    duration: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    description: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        onset = np.asarray(self.onset, dtype=float).reshape(-1)
        duration = np.asarray(self.duration, dtype=float).reshape(-1)
        desc = tuple(str(d) for d in self.description)
        if not (len(onset) == len(duration) == len(desc)):
            raise ValueError(
                "Annotations onset, duration and description must have equal lengths; got "
                f"{len(onset)}, {len(duration)}, {len(desc)}."
            )
        object.__setattr__(self, "onset", onset)
        object.__setattr__(self, "duration", duration)
        object.__setattr__(self, "description", desc)

    def __len__(self) -> int:
        return len(self.onset)


def _check_names_types(
    ch_names: Sequence[str], ch_types: Sequence[str] | None, n_chans: int
) -> tuple[list[str], list[str]]:
    names = [str(c) for c in ch_names]
    if len(names) != n_chans:
        raise ValueError(
            f"ch_names must have one name per channel ({n_chans}); got {len(names)}."
        )
    if len(set(names)) != len(names):
        dup = sorted({c for c in names if names.count(c) > 1})
        raise ValueError(f"ch_names must be unique; got duplicates {dup}.")
    types = ["eeg"] * n_chans if ch_types is None else [str(t) for t in ch_types]
    if len(types) != n_chans:
        raise ValueError(
            f"ch_types must have one type per channel ({n_chans}); got {len(types)}."
        )
    for t in types:
        check_option(t, CH_TYPES, "ch_types")
    return names, types


@dataclass
class Recording:
    """One continuous multi-channel recording at a single sampling rate.

    Parameters
    ----------
    data : ndarray of shape (n_chans, n_times)
        The signals in SI units (volts for EEG).
    sfreq : float
        Sampling frequency in Hz.
    ch_names : list of str
        Channel names, unique.
    ch_types : list of str | None
        One of :data:`CH_TYPES` per channel; default all ``"eeg"``.
    annotations : Annotations | None
        Events in seconds from the start.
    subject, session : str | None
        Identity used by subject- and session-aware splitters.
    meta : dict
        Anything else (``label``, ``path``, ``trial``, ``patient`` ...).
    """

    data: NDArray[np.float64]
    sfreq: float
    ch_names: list[str]
    ch_types: list[str] | None = None
    annotations: Annotations = field(default_factory=Annotations)
    subject: str | None = None
    session: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.data = check_array(
            self.data, "data", ndim=2, shape_hint="(n_chans, n_times)", allow_nonfinite=True
        )
        self.sfreq = check_sfreq(self.sfreq)
        self.ch_names, self.ch_types = _check_names_types(
            self.ch_names, self.ch_types, self.data.shape[0]
        )
        if self.annotations is None:
            self.annotations = Annotations()
        check_type(self.annotations, Annotations, "annotations")
        check_type(self.meta, dict, "meta")
        if self.subject is not None:
            self.subject = str(self.subject)
        if self.session is not None:
            self.session = str(self.session)

    # ------------------------------------------------------------------ properties
    @property
    def n_chans(self) -> int:
        """Number of channels."""
        return int(self.data.shape[0])

    @property
    def n_times(self) -> int:
        """Number of samples."""
        return int(self.data.shape[1])

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.n_times / self.sfreq

    def __repr__(self) -> str:
        kinds = sorted(set(self.ch_types or []))
        return (
            f"<Recording | {self.n_chans} channels ({', '.join(kinds)}), {self.sfreq:g} Hz, "
            f"{self.duration:.1f} s, subject={self.subject!r}, session={self.session!r}>"
        )

    # ------------------------------------------------------------------ selection
    def pick(self, picks: Sequence[str] | str) -> Recording:
        """Return a new recording with the named channels (in the given order) or one type.

        Parameters
        ----------
        picks : list of str | str
            Channel names, or a channel type such as ``"eeg"``.

        Returns
        -------
        Recording
            A copy holding only the picked channels.
        """
        from .._validation import check_channels

        if isinstance(picks, str):
            check_option(picks, CH_TYPES, "picks")
            idx = [i for i, t in enumerate(self.ch_types or []) if t == picks]
            if not idx:
                raise ValueError(f"picks={picks!r} matches no channel; types present: "
                                 f"{sorted(set(self.ch_types or []))}.")
        else:
            idx = check_channels(self.ch_names, list(picks), "picks")
        return replace(
            self,
            data=self.data[idx].copy(),
            ch_names=[self.ch_names[i] for i in idx],
            ch_types=[(self.ch_types or [])[i] for i in idx],
            meta=dict(self.meta),
        )

    def copy(self) -> Recording:
        """Deep copy of data and metadata."""
        return replace(self, data=self.data.copy(), ch_names=list(self.ch_names),
                       ch_types=list(self.ch_types or []), meta=dict(self.meta))

    # ------------------------------------------------------------------ MNE interop
    @classmethod
    def from_mne(
        cls,
        raw: mne.io.BaseRaw,
        *,
        subject: str | None = None,
        session: str | None = None,
        meta: dict[str, Any] | None = None,
    ) -> Recording:
        """Build a recording from an MNE ``Raw`` (data are read in volts, as MNE stores them).

        Parameters
        ----------
        raw : mne.io.Raw
            Any MNE raw object; it is not modified.
        subject, session : str | None
            Identity fields.
        meta : dict | None
            Extra metadata.

        Returns
        -------
        Recording
            The recording; MNE channel types are mapped to mindstate types.
        """
        data = raw.get_data()
        types = [_FROM_MNE.get(t, "misc") for t in raw.get_channel_types()]
        ann = raw.annotations
        annotations = Annotations(
            onset=np.asarray(ann.onset, float) - (raw.first_time if len(ann) else 0.0),
            duration=np.asarray(ann.duration, float),
            description=tuple(ann.description),
        )
        extra = dict(meta or {})
        if raw.info["bads"]:
            extra.setdefault("bads", list(raw.info["bads"]))
        return cls(
            data=data, sfreq=float(raw.info["sfreq"]), ch_names=list(raw.ch_names),
            ch_types=types, annotations=annotations, subject=subject, session=session,
            meta=extra,
        )

    def to_mne(self) -> mne.io.RawArray:
        """Return an ``mne.io.RawArray`` with the same data (volts), types and annotations.

        Returns
        -------
        raw : mne.io.RawArray
            A new MNE object; ``ref`` channels become ``misc``.
        """
        import mne

        info = mne.create_info(
            self.ch_names, self.sfreq, ch_types=[_TO_MNE[t] for t in (self.ch_types or [])]
        )
        raw = mne.io.RawArray(self.data.copy(), info, verbose="error")
        if len(self.annotations):
            raw.set_annotations(
                mne.Annotations(
                    self.annotations.onset, self.annotations.duration,
                    list(self.annotations.description),
                )
            )
        return raw


@dataclass
class Signal:
    """One stream of a multi-rate recording.

    Parameters
    ----------
    data : ndarray of shape (n_chans, n_times)
        Samples in SI units.
    sfreq : float
        Sampling frequency in Hz.
    ch_names : list of str
        Channel names (e.g. ``["x", "y", "z"]`` for acceleration).
    ch_type : str
        One of :data:`CH_TYPES` (``"ppg"``, ``"eda"``, ``"temp"``, ``"acc"``, ``"hr"`` ...).
    start : float
        Time of the first sample in seconds on the recording clock (often a unix time).
    unit : str
        Unit of ``data`` (``"S"``, ``"degC"``, ``"m/s^2"``, ``"a.u."`` ...).
    """

    data: NDArray[np.float64]
    sfreq: float
    ch_names: list[str]
    ch_type: str
    start: float = 0.0
    unit: str = ""

    def __post_init__(self) -> None:
        self.data = check_array(self.data, "data", ndim=2, shape_hint="(n_chans, n_times)",
                                allow_nonfinite=True)
        self.sfreq = check_sfreq(self.sfreq)
        self.ch_names, _ = _check_names_types(self.ch_names, None, self.data.shape[0])
        check_option(self.ch_type, CH_TYPES, "ch_type")
        self.start = float(self.start)

    @property
    def n_times(self) -> int:
        """Number of samples."""
        return int(self.data.shape[1])

    @property
    def stop(self) -> float:
        """Time just after the last sample, in seconds on the recording clock."""
        return self.start + self.n_times / self.sfreq


@dataclass
class PhysioRecording:
    """Several signals at different rates on one clock (e.g. an Empatica E4 session).

    Parameters
    ----------
    signals : dict of str to Signal
        Streams by name (``"bvp"``, ``"eda"``, ``"temp"``, ``"acc"``, ``"hr"``).
    events : dict of str to ndarray
        Event time series, e.g. ``"ibi"`` as an array of shape (n_beats, 2) holding
        (time on the clock in s, inter-beat interval in s), or ``"tags"`` of shape (n,).
    labels : tuple of (ndarray, ndarray) | None
        Label time series ``(times, values)``: ``values[i]`` holds from ``times[i]`` for one
        ``label_period`` (seconds).
    label_period : float
        Duration each label sample covers, in seconds.
    subject, session : str | None
        Identity fields.
    meta : dict
        Anything else.
    """

    signals: dict[str, Signal]
    events: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    labels: tuple[NDArray[np.float64], NDArray[Any]] | None = None
    label_period: float = 1.0
    subject: str | None = None
    session: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_type(self.signals, dict, "signals")
        if not self.signals:
            raise ValueError("signals must hold at least one Signal; got an empty dict.")
        for key, sig in self.signals.items():
            check_type(sig, Signal, f"signals[{key!r}]")
        if self.labels is not None:
            times, values = (np.asarray(a) for a in self.labels)
            if times.shape != values.shape or times.ndim != 1:
                raise ValueError(
                    "labels must be (times, values), two 1-D arrays of equal length; got "
                    f"shapes {times.shape} and {values.shape}."
                )
            self.labels = (times.astype(float), values)
        if self.subject is not None:
            self.subject = str(self.subject)

    @property
    def start(self) -> float:
        """Latest start over signals: the first instant every stream covers."""
        return max(s.start for s in self.signals.values())

    @property
    def stop(self) -> float:
        """Earliest stop over signals: the last instant every stream covers."""
        return min(s.stop for s in self.signals.values())

    def __repr__(self) -> str:
        rates = ", ".join(f"{k} {s.sfreq:g} Hz" for k, s in self.signals.items())
        return (f"<PhysioRecording | {rates}; {self.stop - self.start:.1f} s common; "
                f"subject={self.subject!r}>")


@dataclass
class TextCorpus:
    """Sentences with optional regression targets or class labels.

    Parameters
    ----------
    texts : list of str
        One document or sentence per item.
    ids : list of str | None
        Unique ids (default ``"0"``, ``"1"`` ...).
    targets : ndarray of shape (n_items, n_targets) | None
        Continuous targets (e.g. V/A/D) or, with one column of ints, class labels.
    target_names : list of str
        Names of the target columns.
    split : list of str | None
        A per-item split tag (``"train"``, ``"dev"``, ``"test"``) if the corpus defines one.
    groups : list of str | None
        A per-item group (document, author) used by grouped splitters.
    meta : dict
        Anything else.
    """

    texts: list[str]
    ids: list[str] | None = None
    targets: NDArray[np.float64] | None = None
    target_names: list[str] = field(default_factory=list)
    split: list[str] | None = None
    groups: list[str] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.texts)
        for i, t in enumerate(self.texts):
            if not isinstance(t, str):
                raise TypeError(f"texts[{i}] must be str; got {type(t).__name__} ({t!r}).")
        self.texts = list(self.texts)
        self.ids = [str(i) for i in range(n)] if self.ids is None else [str(i) for i in self.ids]
        for name in ("ids", "split", "groups"):
            value = getattr(self, name)
            if value is not None and len(value) != n:
                raise ValueError(f"{name} must have one entry per text ({n}); got {len(value)}.")
        if self.targets is not None:
            self.targets = check_array(self.targets, "targets", ndim=2,
                                       shape_hint="(n_items, n_targets)")
            if self.targets.shape[0] != n:
                raise ValueError(
                    f"targets must have one row per text ({n}); got shape {self.targets.shape}."
                )
            if len(self.target_names) != self.targets.shape[1]:
                raise ValueError(
                    f"target_names must name each target column ({self.targets.shape[1]}); "
                    f"got {self.target_names!r}."
                )

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, mask: NDArray[np.bool_] | Sequence[int]) -> TextCorpus:
        """Return the items selected by a boolean mask or index list."""
        idx = np.flatnonzero(mask) if np.asarray(mask).dtype == bool else np.asarray(mask, int)
        pick = lambda seq: None if seq is None else [seq[i] for i in idx]
        return TextCorpus(
            texts=[self.texts[i] for i in idx], ids=pick(self.ids),
            targets=None if self.targets is None else self.targets[idx],
            target_names=list(self.target_names), split=pick(self.split),
            groups=pick(self.groups), meta=dict(self.meta),
        )

    def to_frame(self) -> pd.DataFrame:
        """The corpus as a DataFrame (``id``, ``text``, targets, ``split``, ``group``)."""
        import pandas as pd

        df = pd.DataFrame({"id": self.ids, "text": self.texts})
        if self.targets is not None:
            for j, name in enumerate(self.target_names):
                df[name] = self.targets[:, j]
        if self.split is not None:
            df["split"] = self.split
        if self.groups is not None:
            df["group"] = self.groups
        return df
