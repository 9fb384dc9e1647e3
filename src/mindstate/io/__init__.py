"""Readers and core containers. Readers return :class:`Recording`, :class:`PhysioRecording`
or :class:`TextCorpus` in SI units."""

from .recording import CH_TYPES, Annotations, PhysioRecording, Recording, Signal, TextCorpus

__all__ = ["CH_TYPES", "Annotations", "PhysioRecording", "Recording", "Signal", "TextCorpus"]
