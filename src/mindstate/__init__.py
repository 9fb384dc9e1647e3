"""mindstate: emotional and clinical brain/body state recognition from EEG, wearable
physiology and text, with calibrated uncertainty and explanations."""

__version__ = "0.1.0"

__all__ = ["__version__"]
