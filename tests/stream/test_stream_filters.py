"""Causal streaming filters equal offline causal filtering over any chunking (stream.filters)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import sosfilt, upfirdn

from mindstate.exceptions import DataQualityError
from mindstate.preprocess.filters import (
    bandpass,
    design_iir_filter,
    design_iir_notch,
    notch,
    resample,
)
from mindstate.stream.filters import (
    StreamingBandpass,
    StreamingChain,
    StreamingFilter,
    StreamingNotch,
    StreamingResampler,
)

SFREQ = 250.0


def _chunks(n: int, mode, rng):
    """Chunk boundaries: a fixed size, or random sizes 1..60 (mode="random")."""
    if mode == "random":
        sizes = []
        while sum(sizes) < n:
            sizes.append(int(rng.integers(1, 61)))
    else:
        sizes = [mode] * (-(-n // mode))
    edges = np.minimum(np.cumsum([0, *sizes]), n)
    return [(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def _stream(stage, x, mode, rng):
    return np.concatenate([stage.process(x[:, a:b]) for a, b in _chunks(x.shape[1], mode, rng)],
                          axis=1)


@pytest.mark.parametrize("mode", [1, 7, 100, "random"])
def test_streaming_bandpass_and_notch_equal_offline_causal(rng, mode):
    x = rng.standard_normal((3, 1500))
    bp = StreamingBandpass(SFREQ, 0.5, 45.0, n_chans=3)
    np.testing.assert_allclose(_stream(bp, x, mode, rng),
                               bandpass(x, SFREQ, 0.5, 45.0, phase="causal"), rtol=0, atol=1e-10)
    nt = StreamingNotch(SFREQ, 50.0, n_chans=3)
    np.testing.assert_allclose(_stream(nt, x, mode, rng),
                               notch(x, SFREQ, 50.0, phase="causal"), rtol=0, atol=1e-10)


def test_streaming_filter_generic_sos_reset_and_empty_chunk(rng):
    x = rng.standard_normal((2, 400))
    before = x.copy()
    sos = design_iir_filter(SFREQ, None, 30.0, order=6)
    f = StreamingFilter(sos, n_chans=2)
    assert f.process(np.zeros((2, 0))).shape == (2, 0)
    first = _stream(f, x, 13, rng)
    np.testing.assert_allclose(first, sosfilt(sos, x, axis=-1), atol=1e-10)
    assert np.abs(f.zi).max() > 0
    f.reset()
    np.testing.assert_array_equal(f.zi, 0.0)
    np.testing.assert_allclose(_stream(f, x, 50, rng), first, atol=1e-10)
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("rates", [(500.0, 200.0), (200.0, 128.0), (128.0, 200.0),
                                   (250.0, 750.0)])
@pytest.mark.parametrize("mode", [1, 7, 100, "random"])
def test_streaming_resampler_equals_offline_upfirdn(rng, rates, mode):
    sfreq, new_sfreq = rates
    x = rng.standard_normal((2, 900))
    r = StreamingResampler(sfreq, new_sfreq, n_chans=2)
    y = _stream(r, x, mode, rng)
    n_out = (r.up * (x.shape[1] - 1)) // r.down + 1
    ref = upfirdn(r.h, x, r.up, r.down, axis=-1)[:, :n_out]
    assert y.shape == (2, n_out)
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-10)


def test_streaming_resampler_is_delayed_offline_resample(rng):
    x = rng.standard_normal((2, 2000))
    r = StreamingResampler(500.0, 200.0, n_chans=2)
    y = _stream(r, x, 33, rng)
    offline = resample(x, 500.0, 200.0)
    d = int(r.delay)
    assert d == r.delay == 10.0
    np.testing.assert_allclose(y[:, d + 50 : -50], offline[:, 50 : y.shape[1] - d - 50],
                               atol=1e-10)
    r.reset()
    np.testing.assert_allclose(_stream(r, x, 7, rng), y, atol=1e-10)


def test_streaming_chain_equals_offline_chain(rng):
    x = rng.standard_normal((3, 2000))
    chain = StreamingChain([StreamingNotch(500.0, 50.0, n_chans=3),
                            StreamingBandpass(500.0, 1.0, 40.0, n_chans=3),
                            StreamingResampler(500.0, 200.0, n_chans=3)])
    y = _stream(chain, x, "random", rng)
    z = sosfilt(design_iir_filter(500.0, 1.0, 40.0), sosfilt(design_iir_notch(500.0, 50.0), x))
    h = chain.stages[-1].h
    ref = upfirdn(h, z, 2, 5, axis=-1)[:, : y.shape[1]]
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-10)
    chain.reset()
    np.testing.assert_allclose(_stream(chain, x, 100, rng), y, atol=1e-10)


# ----------------------------------------------------------------------------- bad input
def test_streaming_errors(rng):
    f = StreamingBandpass(SFREQ, 1.0, 40.0, n_chans=2)
    with pytest.raises(ValueError, match="Transpose"):
        f.process(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="must have 2 dimensions"):
        f.process(np.zeros(10))
    bad = np.zeros((2, 5))
    bad[0, 1] = np.nan
    with pytest.raises(DataQualityError, match="NaN/Inf"):
        f.process(bad)
    with pytest.raises(ValueError, match="sfreq too low for the requested band"):
        StreamingBandpass(100.0, 1.0, 50.0, n_chans=2)
    with pytest.raises(ValueError, match="sos must be a finite array"):
        StreamingFilter(np.ones((2, 4)), n_chans=2)
    with pytest.raises(ValueError, match="n_chans must be >= 1"):
        StreamingFilter(design_iir_notch(SFREQ, 50.0), n_chans=0)
    with pytest.raises(ValueError, match="not a ratio of small integers"):
        StreamingResampler(250.0, 250.0 * np.pi)
    with pytest.raises(ValueError, match="at least one streaming stage"):
        StreamingChain([])
    with pytest.raises(TypeError, match="process\\(chunk\\) and reset\\(\\)"):
        StreamingChain([f, object()])
