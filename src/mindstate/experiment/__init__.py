"""The experiment layer: config → data → protocol → model → metrics → run directory.

:func:`run_experiment` is what ``mindstate train``, ``mindstate demo`` and ``mindstate hpo``
call. Every figure it reports is computed on held-out groups chosen by the configured splitter
(its protocol name goes into ``metrics.json``); the deployable model is then fitted on the
protocol's training windows with an inner validation split (grouped as the splitter says) for
early stopping, temperature scaling and conformal calibration.

- :mod:`.loading`: dataset reader → signal chain → windows, for every modality.
- :mod:`.folds`: the fold loop (fit, predict through the Predictor, floor).
- :mod:`.writing`: the run directory.
"""

from .loading import build_chain, load_windows, make_dataset
from .run import ExperimentResult, run_experiment

__all__ = ["ExperimentResult", "build_chain", "load_windows", "make_dataset", "run_experiment"]
