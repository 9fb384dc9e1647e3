"""Readers and core containers. Readers return :class:`Recording`, :class:`PhysioRecording`
or :class:`TextCorpus` in SI units."""

from .checks import check_recording
from .e4 import read_e4, write_e4
from .emobank import read_emobank
from .recording import CH_TYPES, Annotations, PhysioRecording, Recording, Signal, TextCorpus
from .wfdb import read_wfdb

__all__ = ["CH_TYPES", "Annotations", "PhysioRecording", "Recording", "Signal", "TextCorpus"]
__all__ += ["check_recording", "read_e4", "read_emobank", "read_wfdb", "write_e4"]
