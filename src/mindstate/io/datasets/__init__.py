"""Dataset readers, registered by name in :data:`DATASETS`; each has ``make_fake``."""

from . import (  # noqa: F401  (registers them)
    bids_eeg,
    eegmat,
    emobank,
    epochs,
    hms,
    seed,
    seed_de,
    seed_vii,
    stress_predict,
    wfdb,
)
from .base import DATASETS, Dataset, natural_key
from .bids_eeg import BIDSEEG, make_fake_bids_eeg, read_bids_eeg, write_bids_eeg
from .eegmat import EEGMat, make_fake_eegmat, read_eegmat
from .emobank import EmoBank, make_fake_emobank
from .epochs import Epochs, make_fake_epochs, read_epochs
from .seed import SEED, SEEDIV, make_fake_seed, make_fake_seed_iv, read_seed, read_seed_iv
from .seed_de import SEEDDE, SEEDIVDE
from .seed_vii import SEEDVII, SEEDVIIDE, make_fake_seed_vii, read_seed_vii
from .stress_predict import StressPredict, make_fake_stress_predict
from .wfdb import WFDB, make_fake_wfdb

__all__ = ["DATASETS", "Dataset", "natural_key"]
__all__ += [
    "BIDSEEG", "SEED", "SEEDDE", "SEEDIV", "SEEDIVDE", "SEEDVII", "SEEDVIIDE", "WFDB",
    "EEGMat", "EmoBank", "Epochs", "StressPredict", "make_fake_bids_eeg", "make_fake_eegmat",
    "make_fake_emobank", "make_fake_epochs", "make_fake_seed", "make_fake_seed_iv",
    "make_fake_seed_vii", "make_fake_stress_predict", "make_fake_wfdb", "read_bids_eeg",
    "read_eegmat", "read_epochs", "read_seed", "read_seed_iv", "read_seed_vii",
    "write_bids_eeg",
]
