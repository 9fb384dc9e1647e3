"""Cut recordings into windows: the ``(X, y, groups, meta)`` contract every model trains on.

- EEG (:class:`~mindstate.io.Recording`): ``X`` has shape ``(n_windows, n_chans, n_times)``.
- Physiology (:class:`~mindstate.io.PhysioRecording`): ``X`` is a dict mapping each signal
  name to ``(n_windows, n_chans, n_samples_at_its_rate)``; windows share one clock.
- Text (:class:`~mindstate.io.TextCorpus`): ``X`` is an object array of strings.

``y`` is ``(n,)`` integer class indices, ``(n, n_classes)`` vote distributions (soft labels)
or ``(n, n_targets)`` continuous targets. ``groups`` is a DataFrame with the columns
``subject, session, trial, patient, record`` used by the splitters; ``meta`` holds the
window start/stop in seconds and the source record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .._validation import check_option, check_range, check_type
from ..io.recording import PhysioRecording, Recording, TextCorpus
from ..io.windows import GROUP_COLUMNS, Windows

__all__ = [
    "GROUP_COLUMNS",
    "Windows",
    "concat_windows",
    "encode_label",
    "make_physio_windows",
    "make_text_windows",
    "make_windows",
]


def encode_label(label: Any, classes: Sequence[str] | None, where: str) -> int:
    """Return the class index of ``label`` (a name in ``classes`` or an int index).

    Parameters
    ----------
    label : str | int
        A class name (compared as a string) or a class index.
    classes : sequence of str | None
        The class names, in index order; ``None`` accepts only integer labels.
    where : str
        What the label belongs to (e.g. the record name), used as the prefix of messages.

    Returns
    -------
    index : int
        The class index, in ``[0, len(classes))`` when ``classes`` is given.
    """
    if classes is None:
        if isinstance(label, (int, np.integer)) and not isinstance(label, bool):
            return int(label)
        raise ValueError(f"{where}: label {label!r} is not an integer and no classes were given.")
    if isinstance(label, (int, np.integer)) and not isinstance(label, bool):
        if not 0 <= int(label) < len(classes):
            raise ValueError(f"{where}: label index {label} is outside 0..{len(classes) - 1}.")
        return int(label)
    check_option(str(label), list(classes), f"{where}: label")
    return list(classes).index(str(label))


def _group_row(subject: Any, session: Any, meta: dict[str, Any], record: str) -> dict[str, str]:
    subject_s = "" if subject is None else str(subject)
    return {
        "subject": subject_s,
        "session": "" if session is None else str(session),
        "trial": str(meta.get("trial", record)),
        "patient": str(meta.get("patient", subject_s)),
        "record": record,
    }


def _starts(duration: float, window_s: float, step_s: float, sfreq: float) -> NDArray[np.int64]:
    n_win = int(round(window_s * sfreq))
    n_step = max(1, int(round(step_s * sfreq)))
    n_total = int(np.floor(duration * sfreq + 1e-9))
    if n_win > n_total:
        raise ValueError(
            f"window_s={window_s:g} s is longer than the signal ({n_total / sfreq:.3f} s). "
            "Use a shorter window or a longer recording."
        )
    return np.arange(0, n_total - n_win + 1, n_step, dtype=np.int64)


def make_windows(
    rec: Recording,
    window_s: float,
    step_s: float | None = None,
    *,
    label: Any = None,
    classes: Sequence[str] | None = None,
    picks: Sequence[str] | str | None = None,
    dtype: Any = np.float32,
) -> Windows:
    """Cut a recording into fixed-length windows.

    Parameters
    ----------
    rec : Recording
        The recording (not modified).
    window_s : float
        Window length in seconds.
    step_s : float | None
        Hop between window starts in seconds; default ``window_s`` (no overlap).
    label : Any
        The label of every window: a class name, a class index, a 1-D array (soft label
        or regression target), or ``"annotations"`` to cut windows inside each annotation
        whose description is a class (each annotation is one trial). Default
        ``rec.meta["label"]``, else ``rec.meta["target"]``.
    classes : list of str | None
        Class names used to encode string labels.
    picks : list of str | str | None
        Channels (names or one type) to keep; default all ``eeg`` channels if any.
    dtype : dtype
        Dtype of ``X`` (float32 by default, what models consume).

    Returns
    -------
    Windows
        ``X`` of shape (n_windows, n_chans, n_times).
    """
    check_type(rec, Recording, "rec")
    window_s = check_range(window_s, "window_s", 0.0, None, inclusive=(False, True))
    step_s = window_s if step_s is None else check_range(step_s, "step_s", 0.0, None,
                                                         inclusive=(False, True))
    if picks is None:
        picks = "eeg" if "eeg" in (rec.ch_types or []) else list(rec.ch_names)
    sub = rec.pick(picks)
    starts = _starts(rec.duration, window_s, step_s, rec.sfreq)
    n_win = int(round(window_s * rec.sfreq))
    idx = starts[:, None] + np.arange(n_win)[None, :]
    X = np.ascontiguousarray(sub.data[:, idx].transpose(1, 0, 2), dtype=dtype)

    record = str(rec.meta.get("record", rec.meta.get("path", "record")))
    if isinstance(label, str) and label == "annotations":
        return _windows_from_annotations(rec, sub, window_s, step_s, classes, record, dtype)
    if label is None:
        label = rec.meta.get("label", rec.meta.get("target"))
    if label is None:
        raise ValueError(
            f"Recording {record!r} has no label: pass label=... or set meta['label'] "
            "(class) or meta['target'] (soft label / regression target)."
        )
    if np.ndim(label) == 0:
        y: NDArray[Any] = np.full(len(starts), encode_label(label, classes, record), np.int64)
    else:
        vec = np.asarray(label, dtype=np.float64).reshape(-1)
        y = np.repeat(vec[None, :], len(starts), axis=0)
    g = _group_row(rec.subject, rec.session, rec.meta, record)
    groups = pd.DataFrame([g] * len(starts), columns=list(GROUP_COLUMNS))
    meta = pd.DataFrame({"record": record, "start": starts / rec.sfreq,
                         "stop": (starts + n_win) / rec.sfreq})
    return Windows(X, y, groups, meta)


def _windows_from_annotations(
    rec: Recording,
    sub: Recording,
    window_s: float,
    step_s: float,
    classes: Sequence[str] | None,
    record: str,
    dtype: Any,
) -> Windows:
    """Windows lying wholly inside labelled annotations; one trial per annotation."""
    ann = rec.annotations
    n_win = int(round(window_s * rec.sfreq))
    n_step = max(1, int(round(step_s * rec.sfreq)))
    parts_idx, ys, trials = [], [], []
    for k, (onset, dur, desc) in enumerate(zip(ann.onset, ann.duration, ann.description)):
        if classes is not None and desc not in classes:
            continue
        a = int(round(onset * rec.sfreq))
        b = min(int(round((onset + dur) * rec.sfreq)), rec.n_times)
        starts = np.arange(a, b - n_win + 1, n_step, dtype=np.int64)
        parts_idx.append(starts)
        ys.append(np.full(len(starts), encode_label(desc, classes, record), np.int64))
        trials.extend([f"{record}/trial{k:03d}"] * len(starts))
    starts = np.concatenate(parts_idx) if parts_idx else np.zeros(0, np.int64)
    if len(starts) == 0:
        raise ValueError(
            f"Recording {record!r}: no annotation labelled with one of the classes "
            f"{list(classes) if classes else '(any)'} is at least window_s={window_s:g} s long."
        )
    idx = starts[:, None] + np.arange(n_win)[None, :]
    X = np.ascontiguousarray(sub.data[:, idx].transpose(1, 0, 2), dtype=dtype)
    g = _group_row(rec.subject, rec.session, rec.meta, record)
    groups = pd.DataFrame([g] * len(starts), columns=list(GROUP_COLUMNS))
    groups["trial"] = trials
    meta = pd.DataFrame({"record": record, "start": starts / rec.sfreq,
                         "stop": (starts + n_win) / rec.sfreq})
    return Windows(X, np.concatenate(ys), groups, meta)


def make_physio_windows(
    rec: PhysioRecording,
    window_s: float,
    step_s: float | None = None,
    *,
    signals: Sequence[str] | None = None,
    label_rule: str = "pure",
    dtype: Any = np.float32,
) -> Windows:
    """Cut a multi-rate recording into windows aligned on its common clock.

    Parameters
    ----------
    rec : PhysioRecording
        The recording (not modified); must carry ``labels``.
    window_s, step_s : float
        Window length and hop in seconds (hop defaults to the length).
    signals : list of str | None
        Which streams to cut (default all).
    label_rule : {"pure", "majority"}
        ``"pure"`` keeps only windows whose label samples all agree; ``"majority"`` takes the
        most frequent label and keeps every window.
    dtype : dtype
        Dtype of the arrays in ``X``.

    Returns
    -------
    Windows
        ``X`` maps each signal name to (n_windows, n_chans, round(window_s * sfreq)).
    """
    check_type(rec, PhysioRecording, "rec")
    check_option(label_rule, ("pure", "majority"), "label_rule")
    window_s = check_range(window_s, "window_s", 0.0, None, inclusive=(False, True))
    step_s = window_s if step_s is None else check_range(step_s, "step_s", 0.0, None,
                                                         inclusive=(False, True))
    names = list(rec.signals) if signals is None else list(signals)
    for name in names:
        check_option(name, list(rec.signals), "signals")
    if rec.labels is None:
        raise ValueError("make_physio_windows needs rec.labels (times, values); got None.")
    t0, t1 = rec.start, rec.stop
    if t1 - t0 < window_s:
        raise ValueError(
            f"window_s={window_s:g} s is longer than the span all signals cover "
            f"({t1 - t0:.3f} s)."
        )
    starts = np.arange(t0, t1 - window_s + 1e-9, step_s)
    ltimes, lvalues = rec.labels
    keep, ys = [], []
    for i, s in enumerate(starts):
        inside = (ltimes >= s) & (ltimes + rec.label_period <= s + window_s + 1e-9)
        vals = lvalues[inside]
        if len(vals) == 0:
            continue
        uniq, counts = np.unique(vals, return_counts=True)
        if label_rule == "pure" and len(uniq) > 1:
            continue
        keep.append(i)
        ys.append(uniq[np.argmax(counts)])
    starts = starts[keep]
    X: dict[str, NDArray[Any]] = {}
    for name in names:
        sig = rec.signals[name]
        n = int(round(window_s * sig.sfreq))
        first = np.round((starts - sig.start) * sig.sfreq).astype(np.int64)
        first = np.clip(first, 0, sig.n_times - n)
        idx = first[:, None] + np.arange(n)[None, :]
        X[name] = np.ascontiguousarray(sig.data[:, idx].transpose(1, 0, 2), dtype=dtype)
    y = np.asarray(ys)
    if y.dtype.kind in "iub":
        y = y.astype(np.int64)
    record = str(rec.meta.get("record", rec.subject or "record"))
    g = _group_row(rec.subject, rec.session, rec.meta, record)
    groups = pd.DataFrame([g] * len(starts), columns=list(GROUP_COLUMNS))
    meta = pd.DataFrame({"record": record, "start": starts, "stop": starts + window_s})
    return Windows(X, y, groups, meta)


def make_text_windows(corpus: TextCorpus) -> Windows:
    """Turn a corpus into windows: ``X`` is an object array of the texts, ``y`` the targets.

    Parameters
    ----------
    corpus : TextCorpus
        The corpus; must carry ``targets``.

    Returns
    -------
    Windows
        One window per text.
    """
    check_type(corpus, TextCorpus, "corpus")
    if corpus.targets is None:
        raise ValueError("make_text_windows needs corpus.targets; got None.")
    n = len(corpus)
    X = np.empty(n, dtype=object)
    X[:] = corpus.texts
    groups_col = corpus.groups if corpus.groups is not None else corpus.ids
    groups = pd.DataFrame({
        "subject": groups_col, "session": [""] * n, "trial": corpus.ids,
        "patient": groups_col, "record": corpus.ids,
    })
    meta = pd.DataFrame({"record": corpus.ids, "split": corpus.split or [""] * n})
    return Windows(X, np.asarray(corpus.targets), groups, meta)


def concat_windows(parts: Sequence[Windows]) -> Windows:
    """Concatenate windows from several recordings (same signals and label kind).

    Parameters
    ----------
    parts : sequence of Windows
        The windows to stack, in order; empty parts are skipped. Array ``X`` must have the
        same shape after the first axis in every part.

    Returns
    -------
    Windows
        All windows, with ``groups`` and ``meta`` re-indexed from 0.
    """
    parts = [p for p in parts if len(p)]
    if not parts:
        raise ValueError("concat_windows got no windows: every recording was empty or too short.")
    first = parts[0].X
    if isinstance(first, dict):
        X: Any = {k: np.concatenate([p.X[k] for p in parts]) for k in first}
    else:
        shapes = {p.X.shape[1:] for p in parts}
        if len(shapes) > 1:
            raise ValueError(
                f"Cannot stack windows of different shapes {sorted(shapes)}; resample or pick "
                "the same channels in every recording."
            )
        X = np.concatenate([p.X for p in parts])
    y = np.concatenate([p.y for p in parts])
    groups = pd.concat([p.groups for p in parts], ignore_index=True)
    meta = pd.concat([p.meta for p in parts], ignore_index=True)
    return Windows(X, y, groups, meta)
