"""scikit-learn estimators over the registered deep models: ``DeepClassifier``, ``DeepRegressor``.

They make any model in :data:`mindstate.models.MODELS` usable wherever scikit-learn expects an
estimator (``cross_val_score``, ``GridSearchCV``, ``Pipeline``, ``clone``)::

    from sklearn.model_selection import GroupKFold, cross_val_score
    from mindstate.estimators import DeepClassifier

    clf = DeepClassifier("shallow_convnet", sfreq=128.0, epochs=20, model_kwargs={"n_filters": 8})
    cross_val_score(clf, X, y, groups=subjects, cv=GroupKFold(3))   # X: (n, n_chans, n_times)

``__init__`` only stores its arguments; ``fit`` validates them and the data, standardises the
inputs with statistics of the training data, sizes the model from the data's shapes
(:meth:`~mindstate.models.BaseModel.sizes_from_shapes`), seeds its initial weights with
``random_state`` and trains it with :func:`mindstate.train.engine.fit` on the CPU. Everything
learned ends in ``_``; the trained torch module is ``model_``.
"""

from __future__ import annotations

from .classifier import DeepClassifier
from .regressor import DeepRegressor

__all__ = ["DeepClassifier", "DeepRegressor"]
