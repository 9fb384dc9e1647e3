"""mindstate: emotional and clinical brain/body state recognition from EEG, wearable
physiology and text, with calibrated uncertainty and explanations.

``from mindstate import Predictor`` loads a trained run directory and predicts files, MNE
objects, arrays, sentences or physiology streams (imported on first use, so ``import mindstate``
stays light).
"""

from typing import Any

__version__ = "0.1.0"

__all__ = ["Prediction", "Predictor", "__version__"]


def __getattr__(name: str) -> Any:
    if name in ("Predictor", "Prediction"):
        from . import predictor

        return getattr(predictor, name)
    raise AttributeError(f"module 'mindstate' has no attribute {name!r}")
