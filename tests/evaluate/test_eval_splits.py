"""Tests of the leakage-proof splitters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mindstate.evaluate.splits import (
    INNER_BY,
    SPLITTERS,
    CrossSessionSplit,
    HoldoutSubjects,
    LeaveOneSubjectOut,
    PatientGroupKFold,
    PredefinedSplit,
    SubjectTrialSplit,
    TimeOrderedSplit,
    TimeSeriesCV,
    check_no_leakage,
    check_no_temporal_overlap,
    create_splitter,
    inner_validation_split,
)
from mindstate.exceptions import LeakageError


def _seed_like(n_subjects=3, n_sessions=2, n_trials=15, n_win=2, shuffle_rows=True):
    """SEED-like groups: trial ids unique per subject/session; rows shuffled."""
    rows, metas = [], []
    for s in range(1, n_subjects + 1):
        for sess in range(1, n_sessions + 1):
            record = f"S{s}_sess{sess}"
            for t in range(1, n_trials + 1):
                for w in range(n_win):
                    rows.append({"subject": f"S{s}", "session": str(sess),
                                 "trial": f"{record}/trial{t}", "patient": f"S{s}",
                                 "record": record})
                    start = (t - 1) * 100.0 + 4.0 * w
                    metas.append({"record": record, "start": start, "stop": start + 4.0})
    groups, meta = pd.DataFrame(rows), pd.DataFrame(metas)
    if shuffle_rows:
        order = np.random.default_rng(0).permutation(len(groups))
        groups = groups.iloc[order].reset_index(drop=True)
        meta = meta.iloc[order].reset_index(drop=True)
    return groups, meta


def _timed(n_subjects=3, n_records=2, n_win=50, win=4.0, step=2.0):
    """Overlapping windows (4 s every 2 s) in several records per subject."""
    rows, metas = [], []
    for s in range(n_subjects):
        for r in range(n_records):
            for w in range(n_win):
                rows.append({"subject": f"P{s}", "session": "1", "trial": f"P{s}-r{r}",
                             "patient": f"P{s}", "record": f"P{s}-r{r}"})
                metas.append({"record": f"P{s}-r{r}", "start": 1000.0 + w * step,
                              "stop": 1000.0 + w * step + win})
    return pd.DataFrame(rows), pd.DataFrame(metas)


def _clinical(n_patients=20, per=6, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    y = []
    for p in range(n_patients):
        for k in range(per):
            rows.append({"subject": f"p{p}", "session": "", "trial": f"e{p}_{k // 2}",
                         "patient": f"p{p}", "record": f"e{p}_{k // 2}"})
            y.append(int(rng.integers(0, 3)))
    return pd.DataFrame(rows), np.array(y)


def _all_folds(splitter, groups, y=None, meta=None):
    return list(splitter.split(groups, y, meta))


def test_registry_names():
    assert set(SPLITTERS.names()) == {"loso", "subject-trial", "cross-session", "time-ordered",
                                      "time-series-cv", "group-kfold", "holdout-subjects",
                                      "predefined"}
    for name in SPLITTERS.names():
        assert SPLITTERS.get(name).protocol == name


def test_loso_covers_every_sample_once_without_shared_subject():
    groups, _ = _seed_like()
    folds = _all_folds(LeaveOneSubjectOut(), groups)
    assert len(folds) == 3 == LeaveOneSubjectOut().get_n_splits(groups)
    counts = np.zeros(len(groups), int)
    for train, test in folds:
        assert set(groups.subject[train]).isdisjoint(groups.subject[test])
        assert len(set(groups.subject[test])) == 1
        assert len(train) + len(test) == len(groups)
        counts[test] += 1
    np.testing.assert_array_equal(counts, 1)
    # natural order of held-out subjects
    assert [groups.subject[te].iloc[0] for _, te in folds] == ["S1", "S2", "S3"]


def test_loso_subject_subset_and_errors():
    groups, _ = _seed_like()
    folds = _all_folds(LeaveOneSubjectOut(subjects=["S3"]), groups)
    assert len(folds) == 1
    train, test = folds[0]
    assert set(groups.subject[test]) == {"S3"} and set(groups.subject[train]) == {"S1", "S2"}
    with pytest.raises(ValueError, match=r"not in groups\['subject'\].*Did you mean 'S3'"):
        list(LeaveOneSubjectOut(subjects=["S33"]).split(groups))
    one = groups[groups.subject == "S1"]
    with pytest.raises(ValueError, match="needs at least 2 distinct subjects; got 1"):
        list(LeaveOneSubjectOut().split(one))


def test_groups_validation():
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        list(LeaveOneSubjectOut().split(np.zeros(3)))
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['subject'\]"):
        list(LeaveOneSubjectOut().split(pd.DataFrame({"subjet": ["a", "b"]})))
    with pytest.raises(ValueError, match="empty DataFrame"):
        list(LeaveOneSubjectOut().split(pd.DataFrame({"subject": []})))
    with pytest.raises(ValueError, match="missing values"):
        list(LeaveOneSubjectOut().split(pd.DataFrame({"subject": ["a", None]})))
    groups, _ = _seed_like()
    with pytest.raises(ValueError, match="y must have shape"):
        list(LeaveOneSubjectOut().split(groups, y=np.zeros(3)))
    with pytest.raises(ValueError, match="get_n_splits needs groups"):
        LeaveOneSubjectOut().get_n_splits()


def test_seed_nine_six_rule():
    groups, meta = _seed_like()
    sp = SubjectTrialSplit(n_train_trials=9)
    folds = _all_folds(sp, groups, meta=meta)
    assert len(folds) == 6 == sp.get_n_splits(groups)  # 3 subjects x 2 sessions
    for train, test in folds:
        assert len(set(groups.subject[train]) | set(groups.subject[test])) == 1
        assert len(set(groups.session[train]) | set(groups.session[test])) == 1
        tr_trials = {int(t.split("trial")[1]) for t in groups.trial[train]}
        te_trials = {int(t.split("trial")[1]) for t in groups.trial[test]}
        assert tr_trials == set(range(1, 10)) and te_trials == set(range(10, 16))


def test_subject_trial_orders_by_trial_id_without_meta_and_by_start_with_meta():
    groups, meta = _seed_like(n_subjects=2, n_sessions=1, shuffle_rows=False)
    # Natural sort: trial10 after trial9 (a lexicographic sort would put trial10 in train).
    train, test = next(SubjectTrialSplit(9).split(groups))
    assert "S1_sess1/trial10" in set(groups.trial[test])
    assert "S1_sess1/trial9" in set(groups.trial[train])
    # Time order wins over ids: reverse the start times, so the last ids come first.
    meta2 = meta.assign(start=-meta.start, stop=-meta.start + 4)
    train, test = next(SubjectTrialSplit(9).split(groups, meta=meta2))
    assert {int(t.split("trial")[1]) for t in groups.trial[train]} == set(range(7, 16))


def test_subject_trial_pooled_and_per_subject():
    groups, meta = _seed_like()
    (train, test), = _all_folds(SubjectTrialSplit(9, per="pooled"), groups, meta=meta)
    assert len(train) == 3 * 2 * 9 * 2 and len(test) == 3 * 2 * 6 * 2
    folds = _all_folds(SubjectTrialSplit(9, per="subject"), groups, meta=meta)
    assert len(folds) == 3
    assert all(len(set(groups.session[te])) == 2 for _, te in folds)
    with pytest.raises(ValueError, match="per must be one of"):
        list(SubjectTrialSplit(9, per="sesion").split(groups))


def test_subject_trial_rejects_shared_trial_ids_and_too_few_trials():
    groups, meta = _seed_like()
    shared = groups.assign(trial=groups.trial.str.split("/").str[1])  # "trial3" in every subject
    with pytest.raises(LeakageError, match="trial id 'trial.*' appears under 6 different"):
        list(SubjectTrialSplit(9).split(shared, meta=meta))
    with pytest.raises(ValueError, match="more than n_train_trials=15 trials.*has 15"):
        list(SubjectTrialSplit(15).split(groups, meta=meta))
    with pytest.raises(ValueError, match="n_train_trials must be >= 1"):
        list(SubjectTrialSplit(0).split(groups))


def test_cross_session_per_subject_and_pooled():
    groups, _ = _seed_like(n_sessions=3)
    folds = _all_folds(CrossSessionSplit(), groups)
    assert len(folds) == 9 == CrossSessionSplit().get_n_splits(groups)
    for train, test in folds:
        assert len(set(groups.subject[train]) | set(groups.subject[test])) == 1
        assert len(set(groups.session[test])) == 1
        assert set(groups.session[train]).isdisjoint(groups.session[test])
    (train, test), = _all_folds(CrossSessionSplit("3", per_subject=False), groups)
    assert set(groups.session[test]) == {"3"} and set(groups.session[train]) == {"1", "2"}
    assert set(groups.subject[test]) == {"S1", "S2", "S3"}
    with pytest.raises(ValueError, match="test_session '4' is not in"):
        list(CrossSessionSplit("4").split(groups))
    one_sess = groups[groups.session == "1"]
    with pytest.raises(ValueError, match="at least 2 distinct sessions per subject"):
        list(CrossSessionSplit().split(one_sess))
    with pytest.raises(ValueError, match="at least 2 distinct sessions; got 1"):
        list(CrossSessionSplit(per_subject=False).split(one_sess))


def test_time_ordered_no_overlap_and_fraction():
    groups, meta = _timed()
    (train, test), = _all_folds(TimeOrderedSplit(0.5, gap_s=3.0), groups, meta=meta)
    # Per subject: 2 records of 102 s each -> timeline 204 s; cut at 102 s = end of record 0.
    for s in ("P0", "P1", "P2"):
        assert set(groups.record[train][groups.subject[train] == s]) == {f"{s}-r0"}
        te_rec = groups.record[test][groups.subject[test] == s]
        assert set(te_rec) == {f"{s}-r1"}
        # the gap drops windows of record 1 starting < 3 s after the cut
        starts = meta.start[test][groups.subject[test] == s]
        assert starts.min() == pytest.approx(1004.0)
    check_no_temporal_overlap(groups, meta, train, test)


def test_time_ordered_purges_straddling_windows():
    groups, meta = _timed(n_records=1)
    (train, test), = _all_folds(TimeOrderedSplit(0.5), groups, meta=meta)
    # span 102 s per subject, cut at 51 s: train windows end <= 51, test windows start >= 51
    tr_stop = meta.stop[train] - 1000.0
    te_start = meta.start[test] - 1000.0
    assert tr_stop.max() <= 51.0 and te_start.min() >= 51.0
    assert len(train) + len(test) < len(groups)  # overlapping windows straddling the cut dropped


def test_time_ordered_errors():
    groups, meta = _timed(n_records=1)
    with pytest.raises(ValueError, match="needs meta with 'start' and 'stop'"):
        list(TimeOrderedSplit().split(groups))
    with pytest.raises(ValueError, match=r"meta lacks column\(s\) \['stop'\]"):
        list(TimeOrderedSplit().split(groups, meta=meta.drop(columns="stop")))
    with pytest.raises(ValueError, match="one row per sample"):
        list(TimeOrderedSplit().split(groups, meta=meta.iloc[:3]))
    with pytest.raises(ValueError, match="no test windows"):
        list(TimeOrderedSplit(0.5, gap_s=60.0).split(groups, meta=meta))
    with pytest.raises(ValueError, match=r"train_frac must be in \(0, 1\)"):
        list(TimeOrderedSplit(1.0).split(groups, meta=meta))


def test_time_series_cv_expanding():
    groups, meta = _timed(n_records=1)
    sp = TimeSeriesCV(n_splits=3, gap_s=2.0)
    folds = _all_folds(sp, groups, meta=meta)
    assert len(folds) == 3 == sp.get_n_splits(groups)
    sizes = [len(tr) for tr, _ in folds]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
    for train, test in folds:
        check_no_temporal_overlap(groups, meta, train, test)
        for s in ("P0", "P1", "P2"):
            tr_s = meta.stop[train][groups.subject[train] == s]
            te_s = meta.start[test][groups.subject[test] == s]
            assert te_s.min() >= tr_s.max() + 2.0 - 1e-9
    with pytest.raises(ValueError, match=r"\(fold 1\) left subject .P0. with no train windows"):
        list(TimeSeriesCV(n_splits=60).split(groups, meta=meta))


def test_group_kfold_patient_grouped_stratified_and_soft():
    groups, y = _clinical()
    sp = PatientGroupKFold(5, random_state=0)
    folds = _all_folds(sp, groups, y)
    assert len(folds) == 5 == sp.get_n_splits(groups)
    counts = np.zeros(len(groups), int)
    for train, test in folds:
        assert set(groups.patient[train]).isdisjoint(groups.patient[test])
        counts[test] += 1
    np.testing.assert_array_equal(counts, 1)
    # soft labels stratify on their argmax: same folds as the hard labels
    soft = np.eye(3)[y] * 0.7 + 0.1
    folds_soft = _all_folds(PatientGroupKFold(5, random_state=0), groups, soft)
    for (_, b), (_, d) in zip(folds, folds_soft):
        np.testing.assert_array_equal(b, d)
    # different seeds give different folds; no y -> GroupKFold
    other = _all_folds(PatientGroupKFold(5, random_state=1), groups, y)
    assert any(not np.array_equal(a[1], b[1]) for a, b in zip(folds, other))
    assert len(_all_folds(PatientGroupKFold(4, shuffle=False), groups)) == 4
    with pytest.raises(ValueError, match=r"needs at least 5 distinct patients \(one per fold\)"):
        list(PatientGroupKFold(5).split(groups[groups.patient.isin(["p0", "p1"])]))


def test_holdout_subjects_seeded():
    groups, y = _clinical()
    (tr1, te1), = _all_folds(HoldoutSubjects(0.25, random_state=3), groups)
    (tr2, te2), = _all_folds(HoldoutSubjects(0.25, random_state=3), groups)
    np.testing.assert_array_equal(te1, te2)
    assert len(set(groups.subject[te1])) == 5
    assert set(groups.subject[tr1]).isdisjoint(groups.subject[te1])
    (tr3, te3), = _all_folds(HoldoutSubjects(0.25, random_state=4), groups)
    assert not np.array_equal(te1, te3)
    (_, te4), = _all_folds(HoldoutSubjects(0.5, group="patient", random_state=0), groups)
    assert len(set(groups.patient[te4])) == 10
    with pytest.raises(ValueError, match="at least 2 distinct subjects"):
        list(HoldoutSubjects().split(groups[groups.subject == "p0"]))


def test_check_no_leakage_detects_sharing():
    groups, _ = _seed_like()
    idx = np.arange(len(groups))
    s1 = idx[groups.subject == "S1"]
    with pytest.raises(LeakageError, match=r"1 subject value\(s\) are in both.*\['S1'\]"):
        check_no_leakage(groups, s1[:5], s1[5:], "subject")
    with pytest.raises(LeakageError, match=r"sample\(s\) are in both train and test"):
        check_no_leakage(groups, idx[:10], idx[5:], ["subject"])
    # composite key: same session label in other subjects is fine
    a = idx[(groups.subject == "S1") & (groups.session == "1")]
    b = idx[(groups.subject == "S2") & (groups.session == "1")]
    check_no_leakage(groups, a, b, [("subject", "session")])
    with pytest.raises(LeakageError, match="session value"):
        check_no_leakage(groups, a, b, ["session"])
    mask = np.zeros(len(groups), bool)
    mask[:3] = True
    with pytest.raises(LeakageError):
        check_no_leakage(groups, mask, idx[:2], ["subject"])
    with pytest.raises(ValueError, match="indices outside"):
        check_no_leakage(groups, [len(groups)], [0], "subject")
    with pytest.raises(ValueError, match="1-D array of integer indices"):
        check_no_leakage(groups, [0.5], [0], "subject")
    with pytest.raises(ValueError, match="boolean mask must have shape"):
        check_no_leakage(groups, np.ones(2, bool), [0], "subject")


def test_check_no_temporal_overlap():
    groups, meta = _timed(n_subjects=1, n_records=1)
    with pytest.raises(LeakageError, match="overlap train windows in time"):
        check_no_temporal_overlap(groups, meta, [0, 1, 2], [3, 4])  # 4 s windows every 2 s
    check_no_temporal_overlap(groups, meta, [0, 1, 2], [4, 5])
    with pytest.raises(LeakageError, match="in both train and test"):
        check_no_temporal_overlap(groups, meta, [0, 1], [1])
    with pytest.raises(ValueError, match="finite"):
        check_no_temporal_overlap(groups, meta.assign(start=np.nan), [0], [5])
    with pytest.raises(ValueError, match="stop' must be >= 'start'"):
        check_no_temporal_overlap(groups, meta.assign(stop=0.0), [0], [5])
    with pytest.raises(TypeError, match="meta must be a pandas DataFrame"):
        check_no_temporal_overlap(groups, np.zeros(3), [0], [5])


def test_splitter_refuses_leaky_fold():
    class Leaky(LeaveOneSubjectOut):
        def _folds(self, g, y, times):
            yield np.arange(len(g)), np.arange(2)

    groups, _ = _seed_like()
    with pytest.raises(LeakageError):
        list(Leaky().split(groups))


def test_inner_validation_split_by_groups_and_time():
    groups, meta = _seed_like(n_subjects=5)
    train = np.flatnonzero(groups.subject != "S5")
    fit, val = inner_validation_split(train, groups, by="subject", fraction=0.25, random_state=0)
    assert len(set(groups.subject[val])) == 1
    assert set(groups.subject[fit]).isdisjoint(groups.subject[val])
    assert sorted(np.concatenate([fit, val]).tolist()) == train.tolist()
    fit2, val2 = inner_validation_split(train, groups, by="subject", fraction=0.25, random_state=0)
    np.testing.assert_array_equal(val, val2)
    fit, val = inner_validation_split(train, groups, by="trial", fraction=0.2, random_state=1)
    assert set(groups.trial[fit]).isdisjoint(groups.trial[val])
    tg, tm = _timed(n_records=1)
    idx = np.arange(len(tg))
    fit, val = inner_validation_split(idx, tg, by="time", fraction=0.2, meta=tm)
    check_no_temporal_overlap(tg, tm, fit, val)
    for s in ("P0", "P1", "P2"):
        assert tm.start[val][tg.subject[val] == s].min() >= tm.stop[fit][tg.subject[fit] == s].max()
    with pytest.raises(ValueError, match="at least 2 distinct subjects in the training set; got 1"):
        inner_validation_split(np.flatnonzero(groups.subject == "S1"), groups, by="subject")
    with pytest.raises(ValueError, match="by must be one of"):
        inner_validation_split(train, groups, by="subjects")
    with pytest.raises(ValueError, match="at least 2 samples"):
        inner_validation_split([0], groups)
    with pytest.raises(ValueError, match="needs meta"):
        inner_validation_split(idx, tg, by="time")


def test_create_splitter():
    sp = create_splitter("group-kfold", n_splits=3, random_state=0)
    assert isinstance(sp, PatientGroupKFold) and sp.n_splits == 3
    assert "n_splits=3" in repr(sp)
    with pytest.raises(TypeError, match="Did you mean 'n_splits'"):
        create_splitter("group-kfold", n_split=3)
    with pytest.raises(ValueError, match="Unknown splitter 'loso2'"):
        create_splitter("loso2")


def test_inputs_unchanged():
    groups, meta = _seed_like()
    g0, m0 = groups.copy(), meta.copy()
    list(SubjectTrialSplit(9).split(groups, meta=meta))
    list(LeaveOneSubjectOut().split(groups))
    pd.testing.assert_frame_equal(groups, g0)
    pd.testing.assert_frame_equal(meta, m0)


# ---------------------------------------------------------------------------------------------
# inner_by: each splitter says how its inner validation split groups


def _legacy_inner_by(protocol, groups):
    """The protocol-name switch experiment.py used before ``inner_by`` existed."""
    inner_by = "subject" if groups["subject"].nunique() > 2 else "trial"
    if protocol in ("subject-trial", "time-ordered", "time-series-cv"):
        inner_by = "trial" if protocol == "subject-trial" else "time"
    if protocol == "group-kfold":
        inner_by = "patient"
    return inner_by


EXPECTED_INNER_BY = {  # protocol -> (with 3 subjects, with 2 subjects)
    "loso": ("subject", "trial"),
    "holdout-subjects": ("subject", "trial"),
    "cross-session": ("trial", "trial"),  # per subject: one subject trains each fold
    "subject-trial": ("trial", "trial"),
    "time-ordered": ("time", "time"),
    "time-series-cv": ("time", "time"),
    "group-kfold": ("patient", "patient"),
    "predefined": ("record", "record"),
}


def test_inner_by_table_is_complete():
    assert set(EXPECTED_INNER_BY) == set(SPLITTERS.names())
    assert {b for pair in EXPECTED_INNER_BY.values() for b in pair} <= set(INNER_BY)


@pytest.mark.parametrize("name", sorted(EXPECTED_INNER_BY))
def test_inner_by_per_splitter_matches_legacy_rule(name):
    three, _ = _seed_like(n_subjects=3)
    two, _ = _seed_like(n_subjects=2)
    sp = SPLITTERS.get(name)()
    got = (sp.inner_by(three), sp.inner_by(two))
    assert got == EXPECTED_INNER_BY[name]
    if name not in ("predefined", "cross-session"):  # no legacy rule / fixed per subject
        assert got == (_legacy_inner_by(name, three), _legacy_inner_by(name, two))
    assert sp.inner_by(three) in INNER_BY


def test_inner_by_counts_subjects_of_the_groups_given():
    groups, _ = _seed_like(n_subjects=3)
    train, _ = next(LeaveOneSubjectOut().split(groups))
    assert LeaveOneSubjectOut().inner_by(groups) == "subject"  # whole data: 3 subjects
    assert LeaveOneSubjectOut().inner_by(groups.iloc[train]) == "trial"  # 2 training subjects
    assert CrossSessionSplit().inner_by(groups.iloc[train]) == "trial"


def test_inner_by_follows_the_group_column():
    groups, _ = _clinical(n_patients=6)
    assert HoldoutSubjects(group="patient").inner_by(groups) == "patient"
    assert PatientGroupKFold(group="subject").inner_by(groups) == "subject"
    assert PatientGroupKFold(group="subject").inner_by(groups[groups.subject.isin(["p0", "p1"])]
                                                       ) == "trial"
    with pytest.raises(ValueError, match=r"group='site'.*no matching inner validation grouping"):
        PatientGroupKFold(group="site").inner_by(groups.assign(site="a"))
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['site'\]"):
        PatientGroupKFold(group="site").inner_by(groups)


def test_inner_by_validates_groups():
    groups, _ = _seed_like()
    for sp in (LeaveOneSubjectOut(), SubjectTrialSplit(), TimeOrderedSplit(), PredefinedSplit()):
        with pytest.raises(TypeError, match="must be a pandas DataFrame"):
            sp.inner_by(np.zeros(3))
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['record'\]"):
        PredefinedSplit().inner_by(groups.drop(columns="record"))


def _data_for(name):
    """Groups, y and meta on which splitter ``name`` (default arguments) can run."""
    groups, meta = _seed_like(n_subjects=5)
    y = np.arange(len(groups)) % 2
    if name == "predefined":
        groups = groups.assign(record=[f"row{i}" for i in range(len(groups))])
        trial_no = groups.trial.str.split("trial").str[1].astype(int)
        meta = meta.assign(split=np.select([trial_no <= 11, trial_no <= 13],
                                           ["train", "dev"], "test"))
    return groups, y, meta


@pytest.mark.parametrize("name", sorted(EXPECTED_INNER_BY))
def test_inner_validation_split_with_each_splitters_inner_by(name):
    groups, y, meta = _data_for(name)
    sp = SPLITTERS.get(name)()
    train, test = next(sp.split(groups, y, meta))
    by = sp.inner_by(groups.iloc[train])
    fit, val = inner_validation_split(train, groups, y, by=by, fraction=0.2, random_state=0,
                                      meta=meta)
    assert fit.size and val.size
    assert np.isin(val, train).all() and np.isin(fit, train).all()
    assert np.intersect1d(fit, val).size == 0
    if name == "predefined":
        assert set(meta.split[np.concatenate([fit, val])]) == {"train"}
    if by == "time":
        check_no_temporal_overlap(groups, meta, fit, val)
    else:
        check_no_leakage(groups, fit, val, [by])


def test_inner_validation_split_by_record():
    groups, _ = _clinical(n_patients=4)  # records e{p}_{k}: 3 per patient, 2 rows each
    train = np.arange(len(groups))
    fit, val = inner_validation_split(train, groups, by="record", fraction=0.25, random_state=0)
    assert set(groups.record[fit]).isdisjoint(groups.record[val])
    assert len(set(groups.record[val])) == 3  # round(0.25 * 12)
    assert sorted(np.concatenate([fit, val]).tolist()) == train.tolist()
    with pytest.raises(ValueError, match="at least 2 distinct records"):
        inner_validation_split(np.flatnonzero(groups.record == "e0_0"), groups, by="record")
