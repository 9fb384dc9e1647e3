"""mindstate.preprocess stage."""

from .artifacts import (
    CHANNEL_ALIASES,
    ICAArtifactRemover,
    correct_baseline_drift,
    detect_bad_channels,
    interpolate_bad_channels,
    remove_spike_artifacts,
    wavelet_denoise,
)
from .chunked import MemmapLoader, chunked_apply, chunked_filter
from .filters import (
    apply_fir,
    apply_sos,
    bandpass,
    bandpass_notch,
    design_fir_chain,
    design_fir_filter,
    design_fir_notch,
    design_iir_filter,
    design_iir_notch,
    filter_data,
    fir_response,
    highpass,
    lowpass,
    notch,
    rereference,
    resample,
)
from .montage import (
    DOUBLE_BANANA,
    DOUBLE_BANANA_CENTRAL,
    LEFT_RIGHT_PAIRS,
    bipolar,
    channel_positions,
    left_right_permutation,
    neighbours,
    normalize_channel_names,
)
from .normalize import FLAT_REL_EPS, RobustNormalizer, Standardizer, robust_scale, zscore
from .quality import (
    QUALITY_COMPONENTS,
    artifact_ratio,
    channel_quality,
    line_noise_ratio,
    quality_report,
    snr_db,
)
from .spectrogram import (
    KAGGLE_FREQS,
    hms_region_spectrogram,
    multitaper_spectrogram,
    sliding_windows,
    stft_spectrogram,
)

__all__ = [
    "DOUBLE_BANANA", "DOUBLE_BANANA_CENTRAL", "KAGGLE_FREQS", "LEFT_RIGHT_PAIRS", "MemmapLoader",
    "apply_fir", "apply_sos", "bandpass", "bandpass_notch", "bipolar", "channel_positions",
    "chunked_apply", "chunked_filter", "design_fir_chain", "design_fir_filter",
    "design_fir_notch", "design_iir_filter", "design_iir_notch", "filter_data", "highpass",
    "hms_region_spectrogram", "fir_response",
    "left_right_permutation", "lowpass", "multitaper_spectrogram", "neighbours",
    "normalize_channel_names", "notch", "rereference", "resample", "sliding_windows",
    "stft_spectrogram",
    # artifacts, normalisation, quality
    "CHANNEL_ALIASES", "FLAT_REL_EPS", "ICAArtifactRemover", "QUALITY_COMPONENTS",
    "RobustNormalizer", "Standardizer", "artifact_ratio", "channel_quality",
    "correct_baseline_drift", "detect_bad_channels", "interpolate_bad_channels",
    "line_noise_ratio", "quality_report", "remove_spike_artifacts", "robust_scale", "snr_db",
    "wavelet_denoise", "zscore",
]
