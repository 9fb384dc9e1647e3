"""Model zoo. Importing this package registers every model in :data:`MODELS`."""

from . import eegnet, embedding_mlp, hms_baseline, physio_cnn, shallow_convnet  # noqa: F401
from .base import (
    MODELS,
    BaseModel,
    EEGModel,
    InputSpec,
    accepted_kwargs,
    create_model,
    models_for_inputs,
)

__all__ = ["MODELS", "BaseModel", "EEGModel", "InputSpec", "accepted_kwargs", "create_model",
           "models_for_inputs"]
