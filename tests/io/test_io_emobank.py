"""EmoBank reader, dataset and fake corpus."""

from __future__ import annotations

import numpy as np
import pytest

from mindstate.exceptions import ReaderError
from mindstate.io import read_emobank
from mindstate.io.datasets import DATASETS, EmoBank, make_fake_emobank

HEADER = "id,split,V,A,D,text\n"


def test_registered():
    assert DATASETS.get("emobank") is EmoBank
    assert EmoBank.modality == "text" and EmoBank.classes is None


def test_fake_roundtrip(tmp_path):
    root = make_fake_emobank(tmp_path, n=40, random_state=1)
    (path,) = EmoBank().find(root)
    assert path == root / "emobank.csv"
    assert EmoBank().find(path) == [path]
    corpus = EmoBank().read(path)
    assert len(corpus) == 40
    assert corpus.target_names == ["V", "A", "D"]
    assert corpus.targets.shape == (40, 3)
    assert corpus.targets.min() >= 1.0 and corpus.targets.max() <= 5.0
    assert corpus.texts[1] == "None"
    assert corpus.texts[2] == 'She said, "fine, then" and left.'
    assert sorted(set(corpus.split)) == ["dev", "test", "train"]
    assert corpus.split.count("train") == 32
    assert len(set(corpus.ids)) == 40
    assert corpus.meta["path"] == str(path)
    # V follows the positive/negative words.
    pos = np.array([any(w in t.lower() for w in ("happy", "great", "lovely", "glad"))
                    and not any(w in t.lower() for w in ("sad", "awful", "angry", "terrible"))
                    for t in corpus.texts])
    assert corpus.targets[pos, 0].mean() > corpus.targets[~pos, 0].mean()


def test_fake_deterministic_and_no_overwrite(tmp_path):
    a = make_fake_emobank(tmp_path / "a", n=10)
    b = EmoBank.make_fake(tmp_path / "b", n=10)
    assert (a / "emobank.csv").read_text() == (b / "emobank.csv").read_text()
    with pytest.raises(FileExistsError, match="emobank.csv exists"):
        make_fake_emobank(a, n=10)
    make_fake_emobank(a, n=12, overwrite=True)
    assert len(read_emobank(a / "emobank.csv")) == 12


def test_missing_columns(tmp_path):
    path = tmp_path / "eb.csv"
    path.write_text("id,split,V,text\nx,train,3.0,hello\n")
    with pytest.raises(ReaderError, match=r"eb\.csv: missing EmoBank column\(s\) A, D"):
        read_emobank(path)


def test_non_numeric_and_empty_targets(tmp_path):
    path = tmp_path / "eb.csv"
    path.write_text(HEADER + "a,train,3.0,2.9,3.1,ok\nb,train,,2.9,3.1,hm\n")
    with pytest.raises(ReaderError, match=r"eb\.csv: column 'V' has 1 missing.*'b'"):
        read_emobank(path)
    path.write_text(HEADER + "a,train,3.0,high,3.1,ok\n")
    with pytest.raises(ReaderError, match="column 'A'"):
        read_emobank(path)


def test_duplicate_ids(tmp_path):
    path = tmp_path / "eb.csv"
    path.write_text(HEADER + "a,train,3,3,3,x\na,dev,3,3,3,y\n")
    with pytest.raises(ReaderError, match=r"eb\.csv: ids must be unique; repeated: a"):
        read_emobank(path)


def test_unreadable_and_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        read_emobank(tmp_path / "none.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ReaderError, match=r"empty\.csv: not a readable"):
        read_emobank(empty)
    with pytest.raises(FileNotFoundError, match="not found"):
        EmoBank().find(tmp_path / "absent")
    with pytest.raises(ValueError, match="no emobank.csv"):
        EmoBank().find(tmp_path)


def test_split_optional_and_file_unchanged(tmp_path):
    path = tmp_path / "eb.csv"
    text = "id,V,A,D,text\nx,3.5,2.5,3,None\ny,1,5,2,NA\n"
    path.write_text(text)
    corpus = read_emobank(path)
    assert corpus.split is None
    assert corpus.texts == ["None", "NA"]
    np.testing.assert_allclose(corpus.targets, [[3.5, 2.5, 3.0], [1.0, 5.0, 2.0]])
    assert path.read_text() == text


def test_realdata(shared_data):
    corpus = EmoBank().read(EmoBank().find(shared_data / "emobank")[0])
    assert len(corpus) == 9062
    assert corpus.split.count("train") == 8062 and corpus.split.count("dev") == 1000
    assert corpus.texts[corpus.ids.index("easy_money_13624_13628")] == "None"
    assert all(isinstance(t, str) for t in corpus.texts)
    v, a, d = corpus.targets.T
    assert 1.0 <= v.min() and v.max() <= 4.7 and abs(v.mean() - 2.98) < 0.02
    assert abs(a.mean() - 3.04) < 0.02 and abs(d.mean() - 3.06) < 0.02
