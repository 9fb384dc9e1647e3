"""Windows, splits and augmentation: the stage between features and models."""

from .augment import AUGMENTATIONS, Augmentation, Compose, build_augmentation
from .windows import (
    GROUP_COLUMNS,
    Windows,
    concat_windows,
    encode_label,
    make_physio_windows,
    make_text_windows,
    make_windows,
)

__all__ = [
    "AUGMENTATIONS",
    "Augmentation",
    "Compose",
    "build_augmentation",
    "GROUP_COLUMNS",
    "Windows",
    "concat_windows",
    "encode_label",
    "make_physio_windows",
    "make_text_windows",
    "make_windows",
]
