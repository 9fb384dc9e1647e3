"""Uncertainty: temperature scaling, MC dropout, deep ensembles, uncertainty measures and split
conformal prediction sets. torch is imported only when a torch-based function is called."""

from .conformal import SplitConformalClassifier, empirical_coverage
from .ensemble import DeepEnsemble
from .mc_dropout import dropout_layers, mc_dropout_predict, predict_batched
from .measures import (
    confidence,
    expected_entropy,
    mutual_information,
    predictive_entropy,
    variance,
)
from .temperature import TemperatureScaling, softmax, to_numpy

__all__ = [
    "DeepEnsemble",
    "SplitConformalClassifier",
    "TemperatureScaling",
    "confidence",
    "dropout_layers",
    "empirical_coverage",
    "expected_entropy",
    "mc_dropout_predict",
    "mutual_information",
    "predict_batched",
    "predictive_entropy",
    "softmax",
    "to_numpy",
    "variance",
]
