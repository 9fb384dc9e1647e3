"""Model zoo. Importing this package registers every model in :data:`MODELS`."""

from . import (  # noqa: F401
    ahlsa,
    cnn_lstm,
    de_mlp,
    dgcnn,
    eegnet,
    embedding_mlp,
    hms_baseline,
    maet,
    physio_cnn,
    shallow_convnet,
    text_finetune,
    transformer_eeg,
    trm,
)
from .ahlsa import AHLSA, AHLSADE, AHLSASequence, Phase1RLSModel
from .base import (
    MODELS,
    BaseModel,
    EEGModel,
    InputSpec,
    accepted_kwargs,
    create_model,
    models_for_inputs,
)
from .text_finetune import TextFinetune
from .trm import TinyRecursiveModel

__all__ = ["AHLSA", "AHLSADE", "MODELS", "AHLSASequence", "BaseModel", "EEGModel", "InputSpec",
           "Phase1RLSModel", "TextFinetune", "TinyRecursiveModel", "accepted_kwargs",
           "create_model", "models_for_inputs"]
