"""Tests of the scikit-learn view of the splitters (``SklearnSplit``, ``as_sklearn``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, check_cv, cross_val_score, cross_validate

from mindstate.evaluate import SklearnSplit as SklearnSplitFromPackage
from mindstate.evaluate.splits import (
    LeaveOneSubjectOut,
    PatientGroupKFold,
    PredefinedSplit,
    SklearnSplit,
    TimeOrderedSplit,
    as_sklearn,
    check_no_temporal_overlap,
)
from mindstate.exceptions import LeakageError


def _subjects_data(n_subjects=4, per=30, seed=0):
    """Two Gaussian classes; column 0 of X is the subject number (for the leakage checks)."""
    rng = np.random.default_rng(seed)
    subjects = np.repeat([f"S{s}" for s in range(1, n_subjects + 1)], per)
    y = np.tile([0, 1], n_subjects * per // 2)
    feats = rng.normal(size=(len(y), 3)) + y[:, None]
    subj_no = np.repeat(np.arange(1, n_subjects + 1), per).astype(float)
    return np.column_stack([subj_no, feats]), y, subjects


class _RecordingLR(LogisticRegression):
    """LogisticRegression remembering the subjects (column 0 of X) it was fitted on.

    Column 0 is dropped before fitting; ``predict`` goes through ``decision_function``.
    """

    def fit(self, X, y, sample_weight=None):
        self.train_subjects_ = set(np.asarray(X)[:, 0].tolist())
        return super().fit(X[:, 1:], y, sample_weight=sample_weight)

    def decision_function(self, X):
        return super().decision_function(X[:, 1:])


def _disjoint_accuracy(est, X, y):
    """Scorer asserting the test subjects were not trained on, then returning accuracy."""
    test_subjects = set(np.asarray(X)[:, 0].tolist())
    assert est.train_subjects_.isdisjoint(test_subjects)
    assert len(test_subjects) == 1
    return float(np.mean(est.predict(X) == y))


def test_cross_val_score_with_loso_keeps_subjects_apart():
    X, y, subjects = _subjects_data()
    cv = SklearnSplit(LeaveOneSubjectOut())
    scores = cross_val_score(LogisticRegression(), X, y, groups=subjects, cv=cv)
    assert scores.shape == (4,) and np.all(scores > 0.5)
    # inside cross_val_score: the fitted model never saw the test subject
    scores2 = cross_val_score(_RecordingLR(), X, y, groups=subjects, cv=cv,
                              scoring=_disjoint_accuracy)
    np.testing.assert_allclose(scores, scores2)
    for train, test in cv.split(X, y, subjects):
        assert set(subjects[train]).isdisjoint(subjects[test])
        assert len(train) + len(test) == len(y)
    assert cv.get_n_splits(X, y, subjects) == 4
    assert check_cv(cv) is cv


def test_groups_dataframe_and_stratified_patient_kfold():
    X, y, subjects = _subjects_data(n_subjects=6)
    groups = pd.DataFrame({"subject": subjects, "session": "", "trial": subjects,
                           "patient": subjects, "record": subjects})
    cv = as_sklearn(PatientGroupKFold(3, random_state=0))
    assert isinstance(cv, SklearnSplit) and SklearnSplitFromPackage is SklearnSplit
    res = cross_validate(LogisticRegression(), X, y, groups=groups, cv=cv,
                         return_indices=True)
    assert len(res["test_score"]) == 3 == cv.get_n_splits()
    for train, test in zip(res["indices"]["train"], res["indices"]["test"]):
        assert set(subjects[train]).isdisjoint(subjects[test])
    # a named splitter with its defaults, a pandas Series of subject ids, and the same folds
    a = [te.tolist() for _, te in as_sklearn("loso").split(X, y, pd.Series(subjects))]
    b = [te.tolist() for _, te in SklearnSplit(LeaveOneSubjectOut()).split(X, y, subjects)]
    assert a == b


def test_derived_groups_from_subject_ids():
    X, y, subjects = _subjects_data(n_subjects=3, per=4)
    seen = {}

    class Spy(LeaveOneSubjectOut):
        def _folds(self, g, y, times):
            seen["g"] = g
            return super()._folds(g, y, times)

    list(SklearnSplit(Spy()).split(X, y, subjects))
    g = seen["g"]
    assert list(g.columns) == ["subject"]  # LOSO validates only what it needs ...
    seen.clear()

    class SpyAll(Spy):
        columns = ("subject", "session", "trial", "patient", "record")

    list(SklearnSplit(SpyAll()).split(X, y, subjects))
    g = seen["g"]  # ... and the derived columns are as documented
    assert g.subject.tolist() == g.patient.tolist() == subjects.tolist()
    assert set(g.session) == {""}
    assert g.trial.tolist() == g.record.tolist() == [str(i) for i in range(len(y))]


def test_meta_is_passed_through():
    n = 40
    groups = pd.DataFrame({"subject": np.repeat(["A", "B"], n // 2), "session": "1",
                           "trial": "t", "patient": np.repeat(["A", "B"], n // 2),
                           "record": np.repeat(["A", "B"], n // 2)})
    start = np.tile(np.arange(n // 2) * 2.0, 2)
    meta = pd.DataFrame({"start": start, "stop": start + 4.0})
    X = np.zeros((n, 2))
    cv = SklearnSplit(TimeOrderedSplit(0.5), meta=meta)
    (train, test), = list(cv.split(X, None, groups))
    check_no_temporal_overlap(groups, meta, train, test)
    with pytest.raises(ValueError, match="needs meta with 'start' and 'stop'"):
        list(SklearnSplit(TimeOrderedSplit()).split(X, None, groups))
    pm = pd.DataFrame({"split": ["train"] * 30 + ["dev"] * 5 + ["test"] * 5})
    (train, test), = list(SklearnSplit(PredefinedSplit(), meta=pm).split(
        X, None, np.arange(n)))
    assert train.tolist() == list(range(30)) and test.tolist() == list(range(30, 35))


def test_leakage_checks_still_apply():
    X, y, subjects = _subjects_data(n_subjects=3, per=4)

    class Leaky(LeaveOneSubjectOut):
        def _folds(self, g, y, times):
            yield np.arange(len(g)), np.arange(2)

    with pytest.raises(LeakageError):
        cross_val_score(LogisticRegression(), X, y, groups=subjects, cv=SklearnSplit(Leaky()))


def test_errors():
    X, y, subjects = _subjects_data(n_subjects=3, per=4)
    cv = SklearnSplit(LeaveOneSubjectOut())
    with pytest.raises(ValueError, match="groups is required by the mindstate splitters"):
        cv.split(X, y)
    with pytest.raises(ValueError, match=r"1-D array of subject ids.*shape \(12, 2\)"):
        cv.split(X, y, np.zeros((12, 2)))
    with pytest.raises(ValueError, match=r"one entry per row of X \(12\); got 5"):
        cv.split(X, y, subjects[:5])
    with pytest.raises(ValueError, match=r"one entry per row of X \(12\); got 5"):
        cv.get_n_splits(X, y, subjects[:5])
    with pytest.raises(TypeError, match="X must be array-like"):
        cv.split(3, y, subjects)
    with pytest.raises(TypeError, match="splitter must be a mindstate splitter"):
        SklearnSplit(LogisticRegression()).split(X, y, subjects)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Unknown splitter 'losoo'"):
        as_sklearn("losoo").split(X, y, subjects)
    with pytest.raises(ValueError, match="get_n_splits needs groups"):
        cv.get_n_splits()
    assert cv.get_n_splits(groups=subjects) == 3
    assert repr(cv) == "SklearnSplit(LeaveOneSubjectOut(subjects=None))"


def test_metadata_routing_and_grid_search():
    X, y, subjects = _subjects_data(n_subjects=3)
    cv = SklearnSplit(LeaveOneSubjectOut())
    with sklearn.config_context(enable_metadata_routing=True):
        scores = cross_val_score(LogisticRegression(), X, y, cv=cv,
                                 params={"groups": subjects})
    assert scores.shape == (3,)
    search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=cv)
    search.fit(X, y, groups=subjects)
    assert search.n_splits_ == 3
