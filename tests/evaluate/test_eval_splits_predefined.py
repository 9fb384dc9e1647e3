"""Tests of the ``predefined`` protocol (a data set's own train/dev/test column)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mindstate.evaluate import PredefinedSplit as PredefinedFromPackage
from mindstate.evaluate.splits import (
    SPLITTERS,
    PredefinedSplit,
    check_no_leakage,
    create_splitter,
    inner_validation_split,
)
from mindstate.exceptions import LeakageError


def _emobank_like(n=50):
    """EmoBank-like windows: one record per text; 80 % train, 10 % dev, 10 % test."""
    split = ["train" if i % 10 < 8 else ("dev" if i % 10 == 8 else "test") for i in range(n)]
    groups = pd.DataFrame({
        "subject": "emobank", "session": "", "trial": [f"t{i}" for i in range(n)],
        "patient": "emobank", "record": [f"t{i}" for i in range(n)],
    })
    meta = pd.DataFrame({"record": groups.record, "split": split})
    return groups, meta


def test_registered_and_exported():
    assert SPLITTERS.get("predefined") is PredefinedSplit is PredefinedFromPackage
    assert PredefinedSplit.protocol == "predefined"
    sp = create_splitter("predefined", test="test", exclude=[])
    assert isinstance(sp, PredefinedSplit) and sp.test == "test"
    assert repr(PredefinedSplit()) == (
        "PredefinedSplit(column='split', train='train', test='dev', exclude=('test',))")


def test_one_fold_train_vs_dev_and_test_never_used():
    groups, meta = _emobank_like()
    sp = PredefinedSplit()
    folds = list(sp.split(groups, meta=meta))
    assert len(folds) == 1 == sp.get_n_splits() == sp.get_n_splits(groups)
    train, test = folds[0]
    np.testing.assert_array_equal(train, np.flatnonzero(meta.split == "train"))
    np.testing.assert_array_equal(test, np.flatnonzero(meta.split == "dev"))
    official = np.flatnonzero(meta.split == "test")
    assert official.size == 5
    assert np.intersect1d(official, np.concatenate([train, test])).size == 0
    check_no_leakage(groups, train, test, ["record"])


def test_custom_values_column_and_exclude():
    groups, meta = _emobank_like()
    meta = meta.rename(columns={"split": "fold"}).replace({"dev": "val"})
    train, test = next(PredefinedSplit("fold", test="val").split(groups, meta=meta))
    assert set(meta.fold[test]) == {"val"} and set(meta.fold[train]) == {"train"}
    # the official test part is read only when asked for explicitly
    train, test = next(PredefinedSplit("fold", test="test", exclude="val").split(groups,
                                                                                meta=meta))
    assert set(meta.fold[test]) == {"test"} and len(train) == 40
    # non-string values are compared as strings
    coded = meta.assign(fold=meta.fold.map({"train": 0, "val": 1, "test": 2}))
    train, test = next(PredefinedSplit("fold", train="0", test="1", exclude=("2",)).split(
        groups, meta=coded))
    assert len(train) == 40 and len(test) == 5


def test_unexpected_and_missing_values_raise():
    groups, meta = _emobank_like()
    odd = meta.assign(split=meta.split.replace({"dev": "validation"}))
    with pytest.raises(ValueError, match=r"unexpected value\(s\) \['validation'\] in 5 row\(s\)"
                                         r".*add the value\(s\) to exclude"):
        list(PredefinedSplit().split(groups, meta=odd))
    # the unexpected values are listed even when the wanted ones are present
    odd2 = meta.copy()
    odd2.loc[0, "split"] = "Train"
    odd2.loc[1, "split"] = None
    with pytest.raises(ValueError, match=r"\['<missing>', 'Train'\] in 2 row\(s\)"):
        list(PredefinedSplit().split(groups, meta=odd2))
    train, test = next(PredefinedSplit(test="validation").split(groups, meta=odd))
    assert len(test) == 5


def test_missing_column_and_bad_meta():
    groups, meta = _emobank_like()
    with pytest.raises(ValueError, match=r"lacks the column 'split'.*got columns \['record', "
                                         r"'splits'\].*Did you mean 'splits'"):
        list(PredefinedSplit().split(groups, meta=meta.rename(columns={"split": "splits"})))
    with pytest.raises(ValueError, match="needs meta with a 'split' column; got None"):
        list(PredefinedSplit().split(groups))
    with pytest.raises(TypeError, match="meta must be a pandas DataFrame"):
        list(PredefinedSplit().split(groups, meta=meta.split.to_numpy()))
    with pytest.raises(ValueError, match="one row per sample"):
        list(PredefinedSplit().split(groups, meta=meta.iloc[:10]))


def test_bad_arguments():
    groups, meta = _emobank_like()
    with pytest.raises(ValueError, match="train and test must be different"):
        list(PredefinedSplit(test="train").split(groups, meta=meta))
    with pytest.raises(ValueError, match=r"exclude=\['dev'\] contains the train/test value"):
        list(PredefinedSplit(exclude=["dev"]).split(groups, meta=meta))
    with pytest.raises(TypeError, match="exclude must be a str or a sequence of str"):
        list(PredefinedSplit(exclude=3).split(groups, meta=meta))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="column must be"):
        list(PredefinedSplit(column=1).split(groups, meta=meta))  # type: ignore[arg-type]


def test_empty_side_raises():
    groups, meta = _emobank_like()
    no_dev = meta.assign(split=meta.split.replace({"dev": "test"}))
    with pytest.raises(ValueError, match=r"no rows with meta\['split'\] == 'dev' for its test"):
        list(PredefinedSplit().split(groups, meta=no_dev))
    no_train = meta.assign(split=meta.split.replace({"train": "test"}))
    with pytest.raises(ValueError, match="for its train side"):
        list(PredefinedSplit().split(groups, meta=no_train))


def test_shared_record_is_leakage():
    groups, meta = _emobank_like()
    dev_row = int(np.flatnonzero(meta.split == "dev")[0])
    leaky = groups.copy()
    leaky.loc[dev_row, "record"] = "t0"  # t0 is a training text
    with pytest.raises(LeakageError, match=r"record value\(s\) are in both.*\['t0'\]"):
        list(PredefinedSplit().split(leaky, meta=meta))


def test_inner_validation_by_record_of_the_train_part():
    groups, meta = _emobank_like()
    sp = PredefinedSplit()
    train, _ = next(sp.split(groups, meta=meta))
    by = sp.inner_by(groups.iloc[train])
    assert by == "record"
    fit, val = inner_validation_split(train, groups, by=by, fraction=0.25, random_state=0)
    assert len(val) == 10 and len(fit) == 30
    assert set(meta.split[np.concatenate([fit, val])]) == {"train"}
    assert set(groups.record[fit]).isdisjoint(groups.record[val])


def test_inputs_unchanged():
    groups, meta = _emobank_like()
    g0, m0 = groups.copy(), meta.copy()
    list(PredefinedSplit().split(groups, meta=meta))
    pd.testing.assert_frame_equal(groups, g0)
    pd.testing.assert_frame_equal(meta, m0)
