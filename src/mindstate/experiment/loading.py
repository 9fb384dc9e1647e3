"""Config → dataset reader → signal chain → windows (every modality the same way)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..config import ExperimentConfig
from ..data.windows import Windows, concat_windows
from ..exceptions import ConfigError

__all__ = ["build_chain", "load_windows", "make_dataset"]

logger = logging.getLogger(__name__)


def make_dataset(cfg: ExperimentConfig) -> Any:
    """The registered dataset reader named by ``cfg.data.dataset``.

    Parameters
    ----------
    cfg : ExperimentConfig
        The configuration.

    Returns
    -------
    Dataset
        The reader.
    """
    from ..io.datasets import DATASETS

    return DATASETS.get(cfg.data.dataset)(**cfg.data.kwargs)


def build_chain(cfg: ExperimentConfig, dataset: Any) -> Any:
    """The signal chain of the dataset's modality, configured from ``cfg``.

    Parameters
    ----------
    cfg : ExperimentConfig
        The configuration.
    dataset : Dataset
        The reader (its ``modality`` picks the chain).

    Returns
    -------
    chain
        A :class:`~mindstate.data.pipeline.SignalChain` (EEG), ``PhysioChain``, ``TextChain``,
        ``HMSChain`` or ``FeatureChain`` (precomputed features such as SEED's DE).
    """
    from ..data.chains import PhysioChain, TextChain
    from ..data.hms_chain import HMSChain
    from ..data.pipeline import SignalChain

    pre, data = cfg.preprocess, cfg.data
    classes = data.classes or (list(dataset.classes) if dataset.classes else None)
    modality = getattr(dataset, "modality", "eeg")
    if modality == "eeg":
        return SignalChain(picks=data.picks, resample=pre.resample, bandpass=pre.bandpass,
                           notch=pre.notch, window_s=data.window_s, step_s=data.step_s,
                           label=data.label, classes=classes, normalize=pre.normalize,
                           interpolate_bads=pre.interpolate_bads, on_flat=pre.on_flat,
                           align=pre.align)
    if modality == "physio":
        return PhysioChain(streams=pre.streams or ("bvp", "eda", "temp", "acc"),
                           window_s=data.window_s, step_s=data.step_s,
                           lowpass=pre.stream_lowpass, resample=pre.stream_resample,
                           normalize=pre.stream_normalize, label_rule=data.label_rule,
                           classes=classes)
    if modality == "text":
        cache = pre.cache_dir
        if cache == "auto":
            from ..features.text import default_cache_dir

            cache = str(default_cache_dir())
        return TextChain(encoder=pre.encoder, cache_dir=cache, target_names=classes,
                         max_length=pre.max_length)
    if modality == "hms":
        return HMSChain(montage=pre.montage, bandpass=pre.bandpass, resample=pre.resample,
                        classes=classes)
    if modality == "features":
        from ..data.feature_chain import FeatureChain

        return FeatureChain(classes=classes, ch_names=getattr(dataset, "ch_names", None),
                            bands=getattr(dataset, "bands", None))
    raise ConfigError(f"dataset {cfg.data.dataset!r} has modality {modality!r}, which no signal "
                      "chain handles (eeg, physio, text, hms, features).")


def load_windows(
    cfg: ExperimentConfig, root: str | os.PathLike[str] | None = None,
    chain: Any = None, quality: list[dict[str, Any]] | None = None,
    exclude: tuple[str, tuple[str, ...]] | None = None,
) -> tuple[Windows, Any, list[Path]]:
    """Read every record under ``root`` (default ``cfg.data.root``) and cut windows.

    Parameters
    ----------
    cfg : ExperimentConfig
        The configuration (dataset, preprocessing, windowing, seed).
    root : path-like | None
        Data folder; ``None`` uses ``cfg.data.root``. When it does not exist and
        ``cfg.data.simulate`` is set, simulated data are written there first.
    chain : object | None
        The signal chain to apply; ``None`` builds one with :func:`build_chain`.
    quality : list of dict | None
        When given, one data-quality summary per EEG record is appended to it (in place).
    exclude : (str, tuple of str) | None
        ``(column, values)``: corpus rows whose split column holds one of ``values`` are
        dropped as the corpus is read, before the chain (and any encoder) sees them.

    Returns
    -------
    windows : Windows
        All windows as the chain returns them (before the fitted normalisation).
    chain : object
        The chain used.
    paths : list of Path
        The records read.
    """
    dataset = make_dataset(cfg)
    root = Path(root if root is not None else cfg.data.root)
    if not root.exists() and cfg.data.simulate:
        from ..simulate import simulate

        logger.info("simulating %s data into %s", cfg.data.simulate, root)
        simulate(cfg.data.simulate, root, random_state=cfg.seed)
    paths = dataset.find(root)  # missing files are reported before any reading
    if chain is None:
        chain = build_chain(cfg, dataset)
    if hasattr(dataset, "windows"):  # corpus-level samples (HMS: EEG + spectrogram + votes)
        return chain.prepare_windows(dataset.windows(root)), chain, [root]
    parts = []
    for path in paths:
        read = dataset.read(path)
        # A file of trials (SEED family, epochs) reads as a list: one recording per trial.
        for i, rec in enumerate(read if isinstance(read, list) else [read]):
            rec = _drop_excluded(rec, exclude)
            chain.check_record(rec)
            if quality is not None and chain.kind == "eeg" and i == 0:  # first trial per file
                quality.append(_quality_summary(rec, path, cfg.preprocess.notch))
            parts.append(chain.windows(rec))
    windows = concat_windows(parts)
    if hasattr(chain, "align_windows"):  # label-free, per subject (a no-op unless configured)
        windows = chain.align_windows(windows)
    return windows, chain, paths


def _drop_excluded(rec: Any, exclude: tuple[str, tuple[str, ...]] | None) -> Any:
    """Remove the rows of a corpus that the protocol must never read (e.g. ``split == test``)."""
    from ..io.recording import TextCorpus

    if exclude is None or not isinstance(rec, TextCorpus) or rec.split is None:
        return rec
    column, values = exclude
    if column != "split":
        return rec
    keep = np.array([s not in values for s in rec.split], dtype=bool)
    if keep.all():
        return rec
    logger.info("dropped %d rows with %s in %s before reading them", int((~keep).sum()),
                column, list(values))
    return rec.subset(keep)


def _quality_summary(rec: Any, path: Path, line_freq: float | None) -> dict[str, Any]:
    """Per-record signal quality (mean channel score, SNR, artifact ratio, flagged channels)."""
    from ..preprocess.quality import quality_report

    if "eeg" not in (rec.ch_types or []):
        return {"record": path.name}
    try:
        q = quality_report(rec, line_freq=line_freq)
    except ValueError as exc:  # channel names without known positions (a lab's own labels)
        if "no position" not in str(exc):
            raise
        return {"record": path.name, "skipped": "no electrode positions for these channel "
                "names (neighbour-based quality needs 10-20/10-05 names)"}
    return {"record": path.name, "mean_quality": q["mean_quality"],
            "min_quality": min(q["quality"]), "median_snr_db": float(np.median(q["snr_db"])),
            "artifact_ratio": q["overall_artifact_ratio"],
            "flagged_channels": q["bad_channels"]["bads"]}
