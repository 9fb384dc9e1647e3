"""mindstate.features stage."""

from .asymmetry import (
    PAIRS_1020,
    SEED_CHANNELS,
    SEED_PAIRS,
    AsymmetryFeatures,
    dasm,
    rasm,
    resolve_pairs,
)
from .clinical import SPIKE_KINDS, SpikeRate, detect_spikes, spike_rates
from .spectral import (
    BANDS,
    BandPower,
    DifferentialEntropy,
    band_power,
    chunked_bandpower,
    differential_entropy,
    filtered_band_power,
    psd_welch,
    spectral_entropy,
)
from .text import (
    TEXT_ENCODERS,
    EncoderBackend,
    TextEncoder,
    default_cache_dir,
    encode_texts,
    get_text_encoder,
)
from .time import (
    TIME_FEATURES,
    TimeFeatures,
    hjorth,
    kurtosis,
    line_length,
    peak_to_peak,
    skewness,
    time_features,
    zero_crossing_rate,
)
from .timefreq import (
    SpectralEntropy,
    WaveletEnergy,
    default_wavelet_level,
    wavelet_band_edges,
    wavelet_band_energies,
)

__all__ = [
    "BANDS", "BandPower", "DifferentialEntropy", "band_power", "chunked_bandpower",
    "differential_entropy", "psd_welch", "spectral_entropy",
    "filtered_band_power",
    # time, time-frequency, asymmetry, clinical
    "PAIRS_1020", "SEED_CHANNELS", "SEED_PAIRS", "SPIKE_KINDS", "TIME_FEATURES",
    "AsymmetryFeatures", "SpectralEntropy", "SpikeRate", "TimeFeatures", "WaveletEnergy",
    "dasm", "default_wavelet_level", "detect_spikes", "hjorth", "kurtosis", "line_length",
    "peak_to_peak", "rasm", "resolve_pairs", "skewness", "spike_rates", "time_features",
    "wavelet_band_edges", "wavelet_band_energies", "zero_crossing_rate",
    # text embeddings
    "TEXT_ENCODERS", "EncoderBackend", "TextEncoder", "default_cache_dir", "encode_texts",
    "get_text_encoder",
]
