"""Dataset readers, registered by name in :data:`DATASETS`; each has ``make_fake``."""

from . import bids_eeg, eegmat, emobank, hms, stress_predict, wfdb  # noqa: F401  (registers them)
from .base import DATASETS, Dataset, natural_key
from .bids_eeg import BIDSEEG, make_fake_bids_eeg, read_bids_eeg, write_bids_eeg
from .eegmat import EEGMat, make_fake_eegmat, read_eegmat
from .emobank import EmoBank, make_fake_emobank
from .stress_predict import StressPredict, make_fake_stress_predict
from .wfdb import WFDB, make_fake_wfdb

__all__ = ["DATASETS", "Dataset", "natural_key"]
__all__ += [
    "BIDSEEG", "WFDB", "EEGMat", "EmoBank", "StressPredict", "make_fake_bids_eeg",
    "make_fake_eegmat", "make_fake_emobank", "make_fake_stress_predict", "make_fake_wfdb",
    "read_bids_eeg", "read_eegmat", "write_bids_eeg",
]
