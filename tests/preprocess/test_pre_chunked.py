"""Memory-bounded chunked processing equals whole-signal processing (preprocess.chunked)."""

from __future__ import annotations

import numpy as np
import pytest

from mindstate.exceptions import DataQualityError, ReaderError
from mindstate.preprocess.chunked import MemmapLoader, chunked_apply, chunked_filter
from mindstate.preprocess.filters import bandpass, notch
from mindstate.preprocess.spectrogram import sliding_windows

SFREQ = 100.0


@pytest.fixture
def recording(rng):
    return 1e-5 * rng.standard_normal((3, int(90 * SFREQ)))


@pytest.fixture
def on_disk(tmp_path, recording):
    path = tmp_path / "rec.dat"
    mm = np.memmap(path, dtype=np.float64, mode="w+", shape=recording.shape)
    mm[:] = recording
    mm.flush()
    del mm
    return path


def _whole_fir(X):
    return notch(bandpass(X, SFREQ, 0.5, 40.0, method="fir"), SFREQ, 25.0, method="fir")


@pytest.mark.parametrize("chunk_s", [3.0, 7.7, 60.0, 500.0])
def test_chunked_fir_filter_equals_whole_signal(recording, chunk_s):
    before = recording.copy()
    out = chunked_filter(recording, SFREQ, l_freq=0.5, h_freq=40.0, notch_freqs=25.0,
                         chunk_s=chunk_s)
    whole = _whole_fir(recording)
    np.testing.assert_allclose(out, whole, rtol=0, atol=1e-10 * np.abs(whole).max())
    np.testing.assert_array_equal(recording, before)


def test_chunked_causal_iir_equals_whole_signal(recording):
    out = chunked_filter(recording, SFREQ, l_freq=1.0, h_freq=30.0, notch_freqs=25.0,
                         method="iir", phase="causal", chunk_s=1.3)
    whole = notch(bandpass(recording, SFREQ, 1.0, 30.0, phase="causal"), SFREQ, 25.0,
                  phase="causal")
    np.testing.assert_allclose(out, whole, rtol=0, atol=1e-12 * np.abs(whole).max())


def test_memmap_sources_and_disk_output(tmp_path, recording, on_disk):
    loader = MemmapLoader(on_disk, recording.shape)
    np.testing.assert_array_equal(loader(10, 20), recording[:, 10:20])
    mm = np.memmap(on_disk, dtype=np.float64, mode="r", shape=recording.shape)
    out = np.memmap(tmp_path / "out.dat", dtype=np.float64, mode="w+", shape=recording.shape)
    chunked_filter(mm, SFREQ, l_freq=0.5, h_freq=40.0, notch_freqs=25.0, chunk_s=11.0,
                   out=out, n_jobs=2)
    whole = _whole_fir(recording)
    np.testing.assert_allclose(np.asarray(out), whole, atol=1e-10 * np.abs(whole).max())
    got = chunked_filter(lambda a, b: recording[:, a:b], SFREQ, l_freq=None, h_freq=40.0,
                         n_times=recording.shape[1], chunk_s=9.0)
    ref = bandpass(recording, SFREQ, None, 40.0, method="fir")
    np.testing.assert_allclose(got, ref, atol=1e-10 * np.abs(ref).max())


def test_chunked_apply_windows_equal_whole(recording, on_disk):
    def feature(w):  # (n_w, n_chans, n_win) -> (n_w, n_chans)
        return w.std(axis=-1)

    whole = feature(sliding_windows(_whole_fir(recording), SFREQ, 4.0, 1.5))
    for source, n_jobs in ((recording, 1), (MemmapLoader(on_disk, recording.shape), 2)):
        got = chunked_apply(source, SFREQ, feature, window_s=4.0, step_s=1.5, chunk_s=10.0,
                            l_freq=0.5, h_freq=40.0, notch_freqs=25.0, n_jobs=n_jobs)
        np.testing.assert_allclose(got, whole, rtol=1e-10)
    causal = feature(sliding_windows(bandpass(recording, SFREQ, 1.0, 30.0, phase="causal"),
                                     SFREQ, 4.0, 2.5))
    got = chunked_apply(recording, SFREQ, feature, window_s=4.0, step_s=2.5, chunk_s=3.0,
                        l_freq=1.0, h_freq=30.0, method="iir", phase="causal")
    np.testing.assert_allclose(got, causal, rtol=1e-10)
    raw = chunked_apply(recording, SFREQ, feature, window_s=4.0)  # no filtering at all
    np.testing.assert_allclose(raw, feature(sliding_windows(recording, SFREQ, 4.0)))


# ----------------------------------------------------------------------------- bad input
def test_chunked_errors(tmp_path, recording, on_disk):
    with pytest.raises(ValueError, match="cannot be computed chunk by chunk"):
        chunked_filter(recording, SFREQ, method="iir", phase="zero")
    with pytest.raises(ValueError, match="n_jobs > 1 needs method='fir'"):
        chunked_filter(recording, SFREQ, h_freq=40.0, method="iir", phase="causal", n_jobs=2)
    with pytest.raises(ValueError, match="n_jobs > 1 needs method='fir'"):
        chunked_apply(recording, SFREQ, np.mean, method="iir", phase="causal", n_jobs=2)
    with pytest.raises(ValueError, match="n_jobs must be a positive integer"):
        chunked_filter(recording, SFREQ, n_jobs=0)
    with pytest.raises(ValueError, match="shorter than the .*-tap FIR filter"):
        chunked_filter(recording[:, :300], SFREQ, h_freq=40.0)
    with pytest.raises(ValueError, match="out must have shape"):
        chunked_filter(recording, SFREQ, h_freq=40.0, out=np.empty((2, 5)))
    with pytest.raises(ValueError, match="sfreq too low for the requested band"):
        chunked_filter(recording, SFREQ, h_freq=50.0)
    with pytest.raises(ValueError, match="longer than the recording"):
        chunked_apply(recording, SFREQ, np.mean, window_s=100.0)
    with pytest.raises(ValueError, match="one row per window"):
        chunked_apply(recording, SFREQ, lambda w: w.sum(), window_s=4.0)
    with pytest.raises(TypeError, match="func must be callable"):
        chunked_apply(recording, SFREQ, "std")
    bad = recording.copy()
    bad[1, 5000] = np.nan
    with pytest.raises(DataQualityError, match="NaN/Inf.*samples"):
        chunked_filter(bad, SFREQ, h_freq=40.0, chunk_s=10.0)


def test_source_errors(tmp_path, recording, on_disk):
    with pytest.raises(ValueError, match="source must have shape \\(n_chans, n_times\\)"):
        chunked_filter(recording[None], SFREQ, h_freq=40.0)
    with pytest.raises(ValueError, match="n_times is required"):
        chunked_filter(lambda a, b: recording[:, a:b], SFREQ, h_freq=40.0)
    with pytest.raises(ValueError, match="must return an array of shape \\(n_chans, 1\\)"):
        chunked_filter(lambda a, b: recording[0, a:b], SFREQ, n_times=100, h_freq=40.0)
    with pytest.raises(ValueError, match="source returned shape"):
        chunked_filter(lambda a, b: recording[:, a : b + (b - a > 1)], SFREQ, n_times=9000,
                       h_freq=40.0, chunk_s=1.0)
    with pytest.raises(TypeError, match="source must be an array"):
        chunked_filter("rec.dat", SFREQ, h_freq=40.0)
    with pytest.raises(FileNotFoundError, match="no such file"):
        MemmapLoader(tmp_path / "missing.dat", (3, 10))
    with pytest.raises(ValueError, match="needs .* Check shape and dtype"):
        MemmapLoader(on_disk, (3, 10**6))
    with pytest.raises(ValueError, match="shape must be \\(n_chans, n_times\\)"):
        MemmapLoader(on_disk, (3,))
    with pytest.raises(ValueError, match="outside"):
        MemmapLoader(on_disk, recording.shape)(5, 10**6)
    loader = MemmapLoader(on_disk, recording.shape)
    with open(on_disk, "r+b") as fh:
        fh.truncate(1000)
    with pytest.raises(ReaderError, match="rec.dat' ended early"):
        loader(0, 10)
