"""The dataset interface: how a folder of records is found, read and faked.

Each dataset is a small class registered in :data:`DATASETS`. The experiment layer
builds one from the config (``data.dataset`` + ``data.kwargs``), calls :meth:`Dataset.find`
on the data root (``--data PATH`` replaces it) and :meth:`Dataset.read` on each record.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

from ..._util import natural_key
from ...registry import Registry

__all__ = ["DATASETS", "Dataset", "natural_key"]

DATASETS: Registry[type[Dataset]] = Registry("dataset")


class Dataset(ABC):
    """Base class of dataset readers.

    Subclasses set :attr:`modality` (``"eeg"``, ``"physio"``, ``"text"``, ``"hms"``) and
    :attr:`classes` (label names, or ``None`` for regression), and implement :meth:`find`,
    :meth:`read` and :meth:`make_fake`. ``__init__`` only stores keyword options.
    """

    modality: ClassVar[str] = "eeg"
    classes: ClassVar[tuple[str, ...] | None] = None

    @abstractmethod
    def find(self, root: str | os.PathLike[str]) -> list[Path]:
        """Return every record under ``root`` (a file or folder), naturally sorted.

        Raises ``FileNotFoundError`` if ``root`` does not exist and ``ValueError`` if it holds
        no record of this dataset.
        """

    @abstractmethod
    def read(self, path: str | os.PathLike[str]) -> Any:
        """Read one record: a Recording, PhysioRecording or TextCorpus."""

    def find_unlabelled(self, root: str | os.PathLike[str]) -> list[Path]:
        """Every record under ``root`` for inference, labels or not (default: :meth:`find`).

        Parameters
        ----------
        root : path-like
            A file or folder.

        Returns
        -------
        list of Path
            The records, sorted naturally.
        """
        return self.find(root)

    def read_unlabelled(self, path: str | os.PathLike[str]) -> Any:
        """Read one record for inference, without needing its labels (default: :meth:`read`).

        Parameters
        ----------
        path : path-like
            The record.

        Returns
        -------
        Recording | PhysioRecording | TextCorpus
            The record.
        """
        return self.read(path)

    @classmethod
    @abstractmethod
    def make_fake(cls, out_dir: str | os.PathLike[str], **kwargs: Any) -> Path:
        """Write a tiny dataset in the true on-disk format under ``out_dir``; return its root."""
