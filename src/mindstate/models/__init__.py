"""Model zoo. Importing this package registers every model in :data:`MODELS`."""

from . import eegnet, shallow_convnet  # noqa: F401  (registration)
from .base import MODELS, BaseModel, create_model

__all__ = ["MODELS", "BaseModel", "create_model"]
