"""Dataset readers, registered by name in :data:`DATASETS`; each has ``make_fake``."""

from .base import DATASETS, Dataset, natural_key

__all__ = ["DATASETS", "Dataset", "natural_key"]
