"""Empatica E4 folder reader and writer."""

from __future__ import annotations

import gzip
import os

import numpy as np
import pytest

from mindstate.exceptions import ReaderError
from mindstate.io import PhysioRecording, Signal, read_e4, write_e4
from mindstate.io.e4 import G

T0 = 1644227574.0


def _write(folder, name, text, compress=False):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (f"{name}.csv.gz" if compress else f"{name}.csv")
    data = text.encode()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def _session(folder, compress=True, with_optional=True):
    """A hand-written E4 folder with known values, in the exact E4 text layout."""
    _write(folder, "BVP", f"{T0:.2f}\n64.000000\n" + "".join(
        f"{v:.2f}\n" for v in np.sin(np.arange(640) / 10)), compress)
    _write(folder, "EDA", f"{T0:.6f}\n4.000000\n" + "0.000000\n" + "0.622764\n" * 39, compress)
    _write(folder, "TEMP", f"{T0:.6f}\n4.000000\n" + "34.79\n" * 40, compress)
    if with_optional:
        _write(folder, "ACC", f"{T0:.6f}, {T0:.6f}, {T0:.6f}\n32.000000, 32.000000, "
               "32.000000\n" + "2,10,63\n-64,0,64\n" * 160, compress)
        _write(folder, "HR", f"{T0 + 10:.6f}\n1.000000\n118.00\n113.50\n", compress)
        _write(folder, "IBI", f"{T0:.6f}, IBI\n4.000000,0.687500\n4.937500,0.937500\n",
               compress)
        (folder / "tags_S99.csv").write_bytes(b"1644227580\r\n1644227583\r\n")
    return folder


def test_read_known_values(tmp_path):
    rec = read_e4(_session(tmp_path / "S99"), subject="S99")
    assert set(rec.signals) == {"bvp", "eda", "temp", "acc", "hr"}
    bvp, eda, temp, acc, hr = (rec.signals[k] for k in ("bvp", "eda", "temp", "acc", "hr"))
    assert (bvp.sfreq, eda.sfreq, temp.sfreq, acc.sfreq, hr.sfreq) == (64, 4, 4, 32, 1)
    assert (bvp.ch_type, eda.ch_type, temp.ch_type, acc.ch_type, hr.ch_type) == (
        "ppg", "eda", "temp", "acc", "hr")
    assert (bvp.unit, eda.unit, temp.unit, acc.unit, hr.unit) == (
        "a.u.", "S", "degC", "m/s^2", "bpm")
    assert bvp.start == T0 and hr.start == T0 + 10
    assert bvp.data.shape == (1, 640) and acc.data.shape == (3, 320)
    assert bvp.data[0, 10] == pytest.approx(round(np.sin(1.0), 2))
    assert eda.data[0, 0] == 0.0 and eda.data[0, 1] == pytest.approx(0.622764e-6)
    assert temp.data[0, 0] == pytest.approx(34.79)
    np.testing.assert_allclose(acc.data[:, 0], np.array([2, 10, 63]) * G / 64)
    np.testing.assert_allclose(acc.data[:, 1], [-G, 0.0, G])
    assert acc.ch_names == ["x", "y", "z"]
    np.testing.assert_allclose(hr.data[0], [118.0, 113.5])
    np.testing.assert_allclose(rec.events["ibi"], [[T0 + 4.0, 0.6875], [T0 + 4.9375, 0.9375]])
    np.testing.assert_array_equal(rec.events["tags"], [1644227580.0, 1644227583.0])
    assert rec.subject == "S99" and rec.meta["record"] == "S99"
    assert rec.meta["files"]["tags"].endswith("tags_S99.csv")
    # The common span starts when HR starts (10 s late) and ends with HR (12 s).
    assert rec.start == T0 + 10 and rec.stop == T0 + 10


def test_plain_csv_and_optional_files_missing(tmp_path):
    folder = _session(tmp_path / "S1", compress=False, with_optional=False)
    (folder / "tags_S1.csv").write_bytes(b"")
    rec = read_e4(folder)
    assert set(rec.signals) == {"bvp", "eda", "temp"}
    assert "ibi" not in rec.events and rec.events["tags"].shape == (0,)


def test_uncompressed_wins_and_files_unchanged(tmp_path):
    folder = _session(tmp_path / "S1", compress=True)
    _write(folder, "TEMP", f"{T0:.6f}\n4.000000\n" + "30.00\n" * 40)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert read_e4(folder).signals["temp"].data[0, 0] == 30.0
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_missing_required(tmp_path):
    folder = _session(tmp_path / "S1")
    os.remove(folder / "EDA.csv.gz")
    os.remove(folder / "TEMP.csv.gz")
    with pytest.raises(ReaderError, match=r"S1: not a complete E4.*EDA\.csv\(\.gz\), TEMP"):
        read_e4(folder)
    with pytest.raises(FileNotFoundError, match="not found"):
        read_e4(tmp_path / "nowhere")


@pytest.mark.parametrize(("name", "text", "match"), [
    ("TEMP", "abc\n4.0\n30\n", r"TEMP\.csv: row 1 \(start time\) must hold numbers"),
    ("TEMP", "", r"TEMP\.csv: row 1 \(start time\) is empty"),
    ("TEMP", f"{T0}\n4.0\n", r"TEMP\.csv: the file holds no samples"),
    ("TEMP", f"{T0}\n0.0\n30\n", r"TEMP\.csv: sampling rate \(row 2\) must be positive"),
    ("TEMP", f"{T0}\n4.0\n30\nwarm\n", r"TEMP\.csv: non-numeric or malformed"),
    ("TEMP", f"{T0}, {T0}\n4.0, 4.0\n30,31\n", r"TEMP\.csv: expected 1 column\(s\) in the head"),
    ("TEMP", f"{T0}\n4.0\n30,31\n", r"TEMP\.csv: expected 1 column\(s\) per sample"),
    ("ACC", f"{T0}, {T0}, {T0 + 1}\n32, 32, 32\n1,2,3\n", r"ACC\.csv: columns disagree"),
    ("IBI", "t0, IBI\n1,0.8\n", r"IBI\.csv: IBI header must be 't0, IBI'"),
])
def test_malformed_files(tmp_path, name, text, match):
    folder = _session(tmp_path / "S1", compress=False)
    _write(folder, name, text)
    with pytest.raises(ReaderError, match=match):
        read_e4(folder)


def test_corrupt_gzip_and_tags(tmp_path):
    folder = _session(tmp_path / "S1")
    (folder / "HR.csv.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ReaderError, match=r"HR\.csv\.gz: not a readable E4 CSV"):
        read_e4(folder)
    folder = _session(tmp_path / "S2")
    (folder / "IBI.csv.gz").write_bytes(b"\x1f\x8b broken")
    with pytest.raises(ReaderError, match=r"IBI\.csv\.gz: not a readable E4 IBI"):
        read_e4(folder)
    folder = _session(tmp_path / "S3")
    (folder / "tags_S99.csv").write_text("1644227580\nlater\n")
    with pytest.raises(ReaderError, match=r"tags_S99\.csv: line 2 is not a unix time"):
        read_e4(folder)
    (folder / "tags_S99.csv").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ReaderError, match=r"tags_S99\.csv: not a readable E4 tags"):
        read_e4(folder)
    folder = _session(tmp_path / "S4")
    (folder / "tags_extra.csv").write_text("")
    with pytest.raises(ReaderError, match="several tag files"):
        read_e4(folder)


def test_write_roundtrip(tmp_path):
    rec = read_e4(_session(tmp_path / "S99"), subject="S99")
    out = write_e4(rec, tmp_path / "copy" / "S99")
    assert sorted(p.name for p in out.iterdir()) == [
        "ACC.csv.gz", "BVP.csv.gz", "EDA.csv.gz", "HR.csv.gz", "IBI.csv.gz", "TEMP.csv.gz",
        "tags_S99.csv"]
    assert gzip.decompress((out / "BVP.csv.gz").read_bytes()).startswith(
        b"1644227574.00\n64.000000\n")
    assert gzip.decompress((out / "ACC.csv.gz").read_bytes()).decode().splitlines()[2] == "2,10,63"
    again = read_e4(out)
    for key, sig in rec.signals.items():
        np.testing.assert_allclose(again.signals[key].data, sig.data, rtol=1e-12, atol=1e-12)
        assert again.signals[key].start == sig.start
    np.testing.assert_allclose(again.events["ibi"], rec.events["ibi"])
    np.testing.assert_array_equal(again.events["tags"], rec.events["tags"])
    with pytest.raises(FileExistsError, match="exist"):
        write_e4(rec, out)
    write_e4(rec, tmp_path / "plain", compress=False, tags_name="tags.csv")
    plain = tmp_path / "plain"
    assert (plain / "BVP.csv").is_file() and (plain / "tags.csv").is_file()


def test_write_errors(tmp_path):
    sig = Signal(np.zeros((1, 8)), 4.0, ["eda"], "eda")
    with pytest.raises(ValueError, match=r"must hold signals \['bvp', 'temp'\]"):
        write_e4(PhysioRecording({"eda": sig}), tmp_path)
    signals = {"bvp": Signal(np.zeros((2, 64)), 64.0, ["a", "b"], "ppg"), "eda": sig,
               "temp": Signal(np.zeros((1, 8)), 4.0, ["temp"], "temp")}
    with pytest.raises(ValueError, match=r"signals\['bvp'\] must have 1 channel"):
        write_e4(PhysioRecording(signals), tmp_path)
