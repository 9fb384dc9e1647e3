"""Exception types raised by mindstate.

Every error a user can cause derives from :class:`ValueError` or :class:`TypeError`
(or :class:`FileNotFoundError` for missing paths), so callers can catch the standard
types; the CLI turns these into one line on stderr and exit code 2.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DataQualityError",
    "LeakageError",
    "NotFittedError",
    "ReaderError",
    "RunDirError",
]


class NotFittedError(ValueError, AttributeError):
    """An estimator was used before ``fit``."""


class DataQualityError(ValueError):
    """The data are valid in shape but unusable: flat channels, NaN/Inf runs, saturation."""


class ReaderError(ValueError):
    """A file could not be read: truncated, corrupt, or not in the expected format.

    The message always names the file.
    """


class ConfigError(ValueError):
    """A configuration file or override is invalid (unknown key, bad value)."""


class RunDirError(ValueError):
    """A path given as a run directory is not a complete mindstate run."""


class LeakageError(ValueError):
    """A train/test split shares a protected group (subject, trial, session, patient) or time span.

    Raised by the splitters in :mod:`mindstate.evaluate.splits`, which refuse to yield a fold
    whose test side could have been seen in training.
    """
