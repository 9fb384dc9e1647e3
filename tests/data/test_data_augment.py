"""Tests of the batch augmentations: values, seeding, montage flips, input immutability."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mindstate.data.augment import (
    AUGMENTATIONS,
    ChannelDropout,
    Compose,
    CutMix,
    FrequencyMask,
    GaussianNoise,
    LeftRightFlip,
    MagnitudeScale,
    Mixup,
    TimeShift,
    TimeWarp,
    augment_inputs,
    build_augmentation,
    flip_permutation,
    homologous_name,
)

HMS_CH = ["Fp1", "F3", "C3", "P3", "F7", "T3", "T5", "O1", "Fz", "Cz", "Pz",
          "Fp2", "F4", "C4", "P4", "F8", "T4", "T6", "O2", "EKG"]


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.fixture
def x():
    return torch.randn(16, 4, 256, generator=gen(123))


def _all_ops():
    return [GaussianNoise(0.5), MagnitudeScale(), TimeShift(20), TimeWarp(0.3), ChannelDropout(0.5),
            LeftRightFlip(["C3", "Cz", "C4", "EKG"], p=0.5), FrequencyMask(10.0, 128.0),
            Mixup(0.4), CutMix(1.0)]


def test_registry():
    assert AUGMENTATIONS.names() == sorted([
        "gaussian_noise", "magnitude_scale", "time_shift", "time_warp", "channel_dropout",
        "left_right_flip", "frequency_mask", "mixup", "cutmix"])


@pytest.mark.parametrize("op", _all_ops(), ids=lambda o: type(o).__name__)
def test_seeded_reproducible_and_input_unchanged(op, x):
    y = torch.softmax(torch.randn(16, 3, generator=gen(5)), 1)
    x0, y0 = x.clone(), y.clone()
    a = op(x, y, gen(7))
    b = op(x, y, gen(7))
    c = op(x, y, gen(8))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert not torch.equal(a[0], c[0])
    assert torch.equal(x, x0) and torch.equal(y, y0)
    assert a[0].shape == x.shape and a[0].dtype == x.dtype
    assert torch.isfinite(a[0]).all()
    # eval mode: identity; the global RNG is never touched
    state = torch.random.get_rng_state()
    op.eval()
    xe, ye = op(x, y, gen(7))
    op.train()
    assert xe is x and ye is y
    assert torch.equal(state, torch.random.get_rng_state())


def test_gaussian_noise_std(x):
    z = torch.zeros(64, 8, 1000)
    out, _ = GaussianNoise(std=2.5)(z, None, gen())
    assert out.std().item() == pytest.approx(2.5, rel=0.01)
    assert out.mean().item() == pytest.approx(0.0, abs=0.01)
    rel, _ = GaussianNoise(std=0.1, relative=True)(x * 10, None, gen())
    assert (rel - x * 10).std().item() == pytest.approx(1.0, rel=0.02)  # 0.1 * std 10
    half, _ = GaussianNoise(std=1.0, p=0.5)(z, None, gen())
    touched = (half.abs().sum(dim=(1, 2)) > 0).float().mean().item()
    assert 0.25 < touched < 0.75


def test_magnitude_scale_range(x):
    out, _ = MagnitudeScale(0.5, 2.0)(x, None, gen())
    ratio = out / x
    per_sample = ratio.reshape(16, -1)
    assert torch.allclose(per_sample, per_sample[:, :1].expand_as(per_sample), rtol=1e-5)
    assert per_sample.min() >= 0.5 - 1e-5 and per_sample.max() < 2.0 + 1e-5
    out_c, _ = MagnitudeScale(0.5, 2.0, per_channel=True)(x, None, gen())
    r = (out_c / x)[0, :, :3]
    assert torch.allclose(r, r[:, :1].expand_as(r), rtol=1e-5) and r[:, 0].unique().numel() == 4


def test_time_shift_circular_and_zero():
    ramp = torch.arange(10.0).expand(3, 2, 10).clone()
    out, _ = TimeShift(3)(ramp, None, gen(1))
    for i in range(3):
        shift = int((out[i, 0, 0] != 0).item() and (10 - out[i, 0, 0].item()) % 10)
        assert torch.equal(out[i, 0], torch.roll(ramp[i, 0], shift))
        assert torch.equal(out[i, 0], out[i, 1])
    ones = torch.ones(50, 1, 10)
    z, _ = TimeShift(3, mode="zero")(ones, None, gen(2))
    zeros = (z == 0).sum(dim=-1).flatten()
    assert zeros.max() == 3 and zeros.min() == 0  # vacated samples are zero, at most 3
    assert torch.equal(z.sum(-1).flatten(), 10.0 - zeros)


def test_time_warp_identity_endpoints_monotonic():
    ramp = torch.linspace(0, 1, 200).expand(4, 1, 200).clone()
    same, _ = TimeWarp(0.0)(ramp, None, gen())
    assert torch.allclose(same, ramp, atol=1e-6)
    out, _ = TimeWarp(0.5)(ramp, None, gen())
    assert torch.allclose(out[..., 0], ramp[..., 0]) and torch.allclose(out[..., -1],
                                                                        ramp[..., -1], atol=1e-5)
    assert (torch.diff(out, dim=-1) >= -1e-6).all()  # a warped ramp stays increasing
    assert (out - ramp).abs().max() > 0.01


def test_channel_dropout_fraction(x):
    out, _ = ChannelDropout(p=0.3)(x, None, gen())
    dropped = (out.abs().sum(-1) == 0)
    assert dropped.float().mean().item() == pytest.approx(0.3, abs=0.12)
    kept = ~dropped
    assert torch.equal(out[kept], x[kept])  # no rescaling of kept channels


def test_homologous_names():
    assert homologous_name("Fp1") == "Fp2" and homologous_name("FP2") == "FP1"
    assert homologous_name("T3") == "T4" and homologous_name("T5") == "T6"
    assert homologous_name("T7") == "T8" and homologous_name("P8") == "P7"
    assert homologous_name("Cz") == "Cz" and homologous_name("EKG") == "EKG"
    assert homologous_name("Fp1-F7") == "Fp2-F8" and homologous_name("Fz-Cz") == "Fz-Cz"
    assert homologous_name("EEG F3-REF") == "EEG F4-REF"
    assert homologous_name("LL_0.59") == "RL_0.59" and homologous_name("RP") == "LP"
    assert homologous_name("PO7") == "PO8" and homologous_name("CB1") == "CB2"


def test_left_right_flip_maps_channels_exactly():
    perm = flip_permutation(HMS_CH)
    expected = {"Fp1": "Fp2", "F3": "F4", "C3": "C4", "P3": "P4", "F7": "F8", "T3": "T4",
                "T5": "T6", "O1": "O2", "Fz": "Fz", "Cz": "Cz", "Pz": "Pz", "EKG": "EKG"}
    for left, right in expected.items():
        assert HMS_CH[perm[HMS_CH.index(left)]] == right
        assert HMS_CH[perm[HMS_CH.index(right)]] == left
    x = torch.arange(20.0)[None, :, None].expand(3, 20, 5).clone()
    out, _ = LeftRightFlip(HMS_CH, p=1.0)(x, None, gen())
    assert torch.equal(out[:, HMS_CH.index("Fp1")], x[:, HMS_CH.index("Fp2")])
    assert torch.equal(out[:, HMS_CH.index("Cz")], x[:, HMS_CH.index("Cz")])
    twice, _ = LeftRightFlip(HMS_CH, p=1.0)(out, None, gen())
    assert torch.equal(twice, x)
    chains = ["LL", "LP", "RL", "RP"]
    assert [chains[i] for i in flip_permutation(chains)] == ["RL", "RP", "LL", "LP"]
    bip = ["Fp1-F7", "Fp2-F8", "Fz-Cz"]
    assert flip_permutation(bip) == [1, 0, 2]
    assert flip_permutation(["A", "B", "C"], pairs=[("A", "C")]) == [2, 1, 0]
    none, _ = LeftRightFlip(HMS_CH, p=0.0)(x, None, gen())
    assert torch.equal(none, x)


def test_left_right_flip_errors(x):
    with pytest.raises(ValueError, match=r"without their mirror.*C3 \(needs C4\)"):
        LeftRightFlip(["C3", "Cz"])
    with pytest.raises(ValueError, match="not in ch_names"):
        flip_permutation(["C3", "C4"], pairs=[("C3", "C5")])
    with pytest.raises(ValueError, match="must hold \\(left, right\\) name pairs"):
        flip_permutation(["C3", "C4"], pairs=[("C3",)])
    with pytest.raises(ValueError, match="must be unique"):
        flip_permutation(["C3", "c3"])
    with pytest.raises(ValueError, match="built for 2 channels; x has 4"):
        LeftRightFlip(["C3", "C4"])(x, None, gen())


def test_frequency_mask_removes_band():
    sfreq, t = 128.0, 512
    time = torch.arange(t) / sfreq
    sig = torch.sin(2 * np.pi * 10 * time) + torch.sin(2 * np.pi * 30 * time)
    x = sig.expand(4, 2, t).clone().double()
    out, _ = FrequencyMask(3.0, sfreq, min_width_hz=3.0, fmin=9.0, fmax=12.0)(x, None, gen())
    spec_in = torch.fft.rfft(x, dim=-1).abs() ** 2
    spec_out = torch.fft.rfft(out, dim=-1).abs() ** 2
    freqs = torch.fft.rfftfreq(t, 1 / sfreq)
    i10, i30 = int((freqs == 10).nonzero()), int((freqs == 30).nonzero())
    assert (spec_out[..., i10] / spec_in[..., i10]).max() < 1e-20  # band power removed
    assert torch.allclose(spec_out[..., i30], spec_in[..., i30], rtol=1e-9)
    # random bands: the spectrum is untouched except one contiguous zeroed run of <= 5 Hz
    noise = torch.randn(8, 1, t, generator=gen(3), dtype=torch.float64)
    out2, _ = FrequencyMask(5.0, sfreq)(noise, None, gen(4))
    a, b = torch.fft.rfft(noise, dim=-1)[:, 0], torch.fft.rfft(out2, dim=-1)[:, 0]
    for i in range(8):
        zeroed = torch.nonzero(b[i].abs() < 1e-9).flatten()
        kept = torch.ones_like(freqs, dtype=torch.bool)
        kept[zeroed] = False
        assert torch.allclose(a[i][kept], b[i][kept], atol=1e-9)
        if zeroed.numel():
            assert (torch.diff(zeroed) == 1).all() and zeroed.numel() * 0.25 <= 5.0 + 0.25
    with pytest.raises(ValueError, match="max_width_hz must be in"):
        FrequencyMask(100.0, sfreq)
    with pytest.raises(ValueError, match="sfreq must be in"):
        FrequencyMask(5.0, 0.0)


def test_mixup_same_convex_combination():
    x = torch.randn(32, 3, 50, generator=gen(1))
    y = torch.softmax(torch.randn(32, 4, generator=gen(2)), 1)
    xm, ym = Mixup(alpha=0.4)(x, y, gen(9))
    assert torch.allclose(ym.sum(1), torch.ones(32))
    for i in range(32):
        # find partner j and lam with xm_i = lam x_i + (1 - lam) x_j, check ym uses the same lam
        found = False
        for j in range(32):
            d = x[i] - x[j]
            if j != i and d.abs().sum() > 0:
                lam = ((xm[i] - x[j]) * d).sum() / (d * d).sum()
                if torch.allclose(lam * x[i] + (1 - lam) * x[j], xm[i], atol=1e-5):
                    assert torch.allclose(ym[i], lam * y[i] + (1 - lam) * y[j], atol=1e-5)
                    assert -1e-6 <= lam <= 1 + 1e-6
                    found = True
                    break
        if not found:  # paired with itself
            assert torch.allclose(xm[i], x[i]) and torch.allclose(ym[i], y[i])
    with pytest.raises(ValueError, match="One-hot encode hard labels"):
        Mixup()(x, torch.zeros(32, dtype=torch.long), gen())
    with pytest.raises(ValueError, match="pass y"):
        Mixup()(x, None, gen())


def test_cutmix_label_matches_kept_fraction():
    b, t = 32, 100
    x = torch.arange(b, dtype=torch.float64)[:, None, None].expand(b, 2, t).clone()
    y = torch.eye(b, dtype=torch.float64)
    xc, yc = CutMix(alpha=1.0)(x, y, gen(4))
    for i in range(b):
        kept = (xc[i, 0] == i).double().mean()
        if kept < 1:
            assert yc[i, i].item() == pytest.approx(kept.item())
            j = int(xc[i, 0][xc[i, 0] != i][0])
            assert yc[i, j].item() == pytest.approx(1 - kept.item())
            src = (xc[i, 0] != i).nonzero().flatten()
            assert (torch.diff(src) == 1).all()  # one contiguous segment
    assert torch.allclose(yc.sum(1), torch.ones(b, dtype=torch.float64))


def test_compose_and_build(x):
    y = torch.softmax(torch.randn(16, 3, generator=gen(1)), 1)
    aug = build_augmentation(
        [{"name": "gaussian_noise", "std": 0.1}, {"name": "left_right_flip", "p": 1.0},
         {"name": "frequency_mask", "max_width_hz": 4.0}, {"name": "mixup", "alpha": 0.2}],
        ch_names=["C3", "Cz", "C4", "Pz"], sfreq=128.0)
    assert isinstance(aug, Compose) and len(aug) == 4
    assert aug.get_config()["transforms"][1] == {"name": "left_right_flip",
                                                 "ch_names": ["C3", "Cz", "C4", "Pz"],
                                                 "pairs": None, "p": 1.0}
    a = aug(x, y, gen(3))
    b = aug(x, y, gen(3))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    aug.eval()
    assert all(not t.training for t in aug.transforms)
    assert aug(x, y, gen(3))[0] is x
    ident = build_augmentation(None)
    assert ident(x, None, gen())[0] is x
    assert "GaussianNoise(std=0.1" in repr(aug)


def test_build_and_call_errors(x):
    with pytest.raises(ValueError, match="needs channel names"):
        build_augmentation([{"name": "left_right_flip"}])
    with pytest.raises(ValueError, match="needs the sampling frequency"):
        build_augmentation([{"name": "frequency_mask", "max_width_hz": 2.0}])
    with pytest.raises(TypeError, match="Did you mean 'std'"):
        build_augmentation([{"name": "gaussian_noise", "sdt": 1.0}])
    with pytest.raises(ValueError, match="Unknown augmentation 'mix_up'"):
        build_augmentation([{"name": "mix_up"}])
    with pytest.raises(ValueError, match="must be a dict with a 'name' key"):
        build_augmentation([{"alpha": 1.0}])
    with pytest.raises(TypeError, match="must be a list of dicts"):
        build_augmentation({"name": "mixup"})
    with pytest.raises(TypeError, match="must be an Augmentation"):
        Compose([lambda a: a])
    op = GaussianNoise(0.1)
    with pytest.raises(ValueError, match="needs generator=torch.Generator"):
        op(x)
    with pytest.raises(TypeError, match="generator must be a torch.Generator"):
        op(x, None, 0)
    with pytest.raises(ValueError, match=r"x must have shape \(batch, n_chans, n_times\)"):
        op(x[0], None, gen())
    with pytest.raises(TypeError, match="x must be a torch.Tensor"):
        op(x.numpy(), None, gen())
    with pytest.raises(TypeError, match="floating-point"):
        op(x.long(), None, gen())
    with pytest.raises(ValueError, match="one row per sample"):
        op(x, torch.zeros(3), gen())
    with pytest.raises(TypeError, match="y must be a torch.Tensor or None"):
        op(x, [0] * 16, gen())
    with pytest.raises(ValueError, match=r"max_warp must be in \[0, 1\)"):
        TimeWarp(1.0)
    with pytest.raises(ValueError, match="mode must be one of"):
        TimeShift(3, mode="wrap")
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        ChannelDropout(1.5)
    with pytest.raises(ValueError, match="high must be in"):
        MagnitudeScale(1.2, 0.8)
    with pytest.raises(ValueError, match="alpha must be in"):
        Mixup(0.0)


# ---------------------------------------------------------------------------------------------
# every registered op actually changes the batch, by the amount its parameters ask for

FLIP_CH = ["C3", "Cz", "C4", "EKG"]
SFREQ = 128.0


def _roll_shift(out_row, x_row, max_shift):
    """The shift s with out_row == roll(x_row, s), or None."""
    for s in range(-max_shift, max_shift + 1):
        if torch.equal(out_row, torch.roll(x_row, s, dims=-1)):
            return s
    return None


def _check_noise(x, y, out, y_out):
    diff = out - x
    assert diff.std().item() == pytest.approx(0.5, rel=0.03)
    assert diff.mean().item() == pytest.approx(0.0, abs=0.02)
    assert y_out is y


def _check_scale(x, y, out, y_out):
    ratio = (out / x).reshape(x.shape[0], -1)
    assert torch.allclose(ratio, ratio[:, :1].expand_as(ratio), rtol=1e-5)  # one factor/sample
    factor = ratio[:, 0]
    assert (factor >= 0.5 - 1e-6).all() and (factor < 2.0 + 1e-6).all()
    assert ((factor - 1).abs() > 1e-3).all()  # every sample was rescaled
    assert factor.std() > 0.1  # factors are drawn per sample


def _check_shift(x, y, out, y_out):
    shifts = [_roll_shift(out[i], x[i], 20) for i in range(x.shape[0])]
    assert None not in shifts  # each sample is exactly a circular roll of its input
    assert sum(s != 0 for s in shifts) >= x.shape[0] - 2
    assert len(set(shifts)) > 3


def _check_warp(x, y, out, y_out):
    # the end points stay in place (up to float32 rounding of the integrated time map)
    assert torch.allclose(out[..., 0], x[..., 0]) and torch.allclose(out[..., -1], x[..., -1],
                                                                     atol=1e-3)
    rel = (out - x).norm(dim=(1, 2)) / x.norm(dim=(1, 2))
    assert (rel > 0.3).all()  # every sample is resampled on a warped time axis
    assert out.abs().max() <= x.abs().max() + 1e-5  # linear interpolation never overshoots


def _check_dropout(x, y, out, y_out):
    dropped = out.abs().sum(-1) == 0
    assert dropped.float().mean().item() == pytest.approx(0.5, abs=0.2)  # 64 channels
    assert torch.equal(out[~dropped], x[~dropped])


def _check_flip(x, y, out, y_out):
    c3, cz, c4, ekg = range(4)
    assert torch.equal(out[:, c3], x[:, c4]) and torch.equal(out[:, c4], x[:, c3])
    assert torch.equal(out[:, cz], x[:, cz]) and torch.equal(out[:, ekg], x[:, ekg])


def _check_fmask(x, y, out, y_out):
    a, b = torch.fft.rfft(x.double(), dim=-1), torch.fft.rfft(out.double(), dim=-1)
    bins = (b.abs() < 1e-4 * a.abs().mean()).all(dim=1)  # (B, F): bins zeroed in all channels
    for i in range(x.shape[0]):
        zeroed = bins[i].nonzero().flatten()
        assert 19 <= zeroed.numel() <= 21  # 10 Hz at 0.5 Hz resolution
        assert (torch.diff(zeroed) == 1).all()
        assert torch.allclose(a[i][:, ~bins[i]], b[i][:, ~bins[i]], atol=1e-4)
    removed = 1 - out.pow(2).sum() / x.pow(2).sum()
    assert 0.05 < removed.item() < 0.25  # about 10 of 64 Hz of a white spectrum


def _partner(x, xm_i, i):
    """(j, lam) with xm_i == lam x_i + (1 - lam) x_j, or (i, 1.0) when unchanged."""
    if torch.allclose(xm_i, x[i], atol=1e-6):
        return i, 1.0
    for j in range(x.shape[0]):
        d = x[i] - x[j]
        if j == i or d.abs().sum() == 0:
            continue
        lam = float(((xm_i - x[j]) * d).sum() / (d * d).sum())
        if torch.allclose(lam * x[i] + (1 - lam) * x[j], xm_i, atol=1e-5):
            return j, lam
    raise AssertionError(f"sample {i} is not a mix of two inputs")


def _check_mixup(x, y, out, y_out):
    changed = 0
    for i in range(x.shape[0]):
        j, lam = _partner(x, out[i], i)
        assert -1e-6 <= lam <= 1 + 1e-6
        assert torch.allclose(y_out[i], lam * y[i] + (1 - lam) * y[j], atol=1e-5)
        changed += j != i and lam < 1 - 1e-4
    assert changed >= x.shape[0] // 2
    assert torch.allclose(y_out.sum(1), torch.ones(x.shape[0])) and (y_out >= 0).all()


def _check_cutmix(x, y, out, y_out):
    t = x.shape[-1]
    changed = 0
    for i in range(x.shape[0]):
        cut = (out[i] != x[i]).any(dim=0).nonzero().flatten()
        if cut.numel() == 0:
            assert torch.allclose(y_out[i], y[i])
            continue
        changed += 1
        assert (torch.diff(cut) == 1).all()  # one contiguous segment
        donors = [j for j in range(x.shape[0]) if torch.equal(out[i][:, cut], x[j][:, cut])]
        assert donors, f"sample {i}: the pasted segment comes from no input"
        keep = 1 - cut.numel() / t
        assert any(torch.allclose(y_out[i], keep * y[i] + (1 - keep) * y[j], atol=1e-5)
                   for j in donors)
    assert changed >= x.shape[0] // 2


OP_CHECKS = {
    "gaussian_noise": (lambda: GaussianNoise(0.5, p=1.0), _check_noise),
    "magnitude_scale": (lambda: MagnitudeScale(0.5, 2.0, p=1.0), _check_scale),
    "time_shift": (lambda: TimeShift(20, p=1.0), _check_shift),
    "time_warp": (lambda: TimeWarp(0.3, p=1.0), _check_warp),
    "channel_dropout": (lambda: ChannelDropout(p=0.5), _check_dropout),
    "left_right_flip": (lambda: LeftRightFlip(FLIP_CH, p=1.0), _check_flip),
    "frequency_mask": (lambda: FrequencyMask(10.0, SFREQ, min_width_hz=10.0, p=1.0),
                       _check_fmask),
    "mixup": (lambda: Mixup(0.4, p=1.0), _check_mixup),
    "cutmix": (lambda: CutMix(1.0, p=1.0), _check_cutmix),
}


def test_every_registered_op_has_a_value_check():
    assert sorted(OP_CHECKS) == AUGMENTATIONS.names()


@pytest.mark.parametrize("name", sorted(OP_CHECKS))
def test_op_changes_inputs_by_the_requested_amount(name, x):
    make, check = OP_CHECKS[name]
    op = make()
    assert isinstance(op, AUGMENTATIONS.get(name))
    y = torch.softmax(torch.randn(16, 3, generator=gen(5)), 1)
    x0, y0 = x.clone(), y.clone()
    out, y_out = op(x, y, gen(11))
    assert out.shape == x.shape and out.dtype == x.dtype
    assert (out - x).abs().max() > 1e-3  # the batch changed
    check(x, y, out, y_out)
    assert torch.equal(x, x0) and torch.equal(y, y0)  # the inputs are untouched
    op.eval()
    xe, ye = op(x, y, gen(11))
    assert xe is x and ye is y  # eval mode is the identity
    op.train()
    again, _ = op(x, y, gen(11))
    assert torch.equal(again, out)  # train() switches it back on, same seed, same output


# ---------------------------------------------------------------------------------------------
# augment_inputs: tensors, one named input, several named inputs


def test_augment_inputs_tensor_and_single_named_input(x):
    y = torch.softmax(torch.randn(16, 3, generator=gen(5)), 1)
    op = Mixup(0.4)
    expected = op(x, y, gen(2))
    out, y_out = augment_inputs(op, x, y, gen(2))
    assert torch.equal(out, expected[0]) and torch.equal(y_out, expected[1])
    named, y_named = augment_inputs(op, {"eeg": x}, y, gen(2))
    assert list(named) == ["eeg"]
    assert torch.equal(named["eeg"], expected[0]) and torch.equal(y_named, expected[1])
    assert not torch.equal(named["eeg"], x) and not torch.equal(y_named, y)
    noisy, y_same = augment_inputs(GaussianNoise(0.5), {"eeg": x}, y, gen(2))
    assert (noisy["eeg"] - x).std().item() == pytest.approx(0.5, rel=0.05)
    assert y_same is y


def test_augment_inputs_several_inputs_changes_each_3d_float_input(x):
    bvp = torch.randn(16, 1, 64, generator=gen(3))
    spec = torch.randn(16, 4, 8, 16, generator=gen(4))
    tokens = torch.randint(0, 100, (16, 1, 32), generator=gen(6))
    y = torch.tensor([0, 1] * 8)
    inputs = {"eeg": x, "bvp": bvp, "spec": spec, "tokens": tokens}
    copies = {k: v.clone() for k, v in inputs.items()}
    aug = Compose([GaussianNoise(0.5), MagnitudeScale(0.5, 2.0)])
    out, y_out = augment_inputs(aug, inputs, y, gen(1))
    assert list(out) == list(inputs) and y_out is y
    for key in ("eeg", "bvp"):
        assert out[key].shape == inputs[key].shape
        assert (out[key] - inputs[key]).abs().mean() > 0.1
    assert out["spec"] is spec and out["tokens"] is tokens  # 4-D and integer inputs pass
    assert not torch.equal(out["eeg"][:, :1, :64], out["bvp"])
    for key, value in inputs.items():
        assert torch.equal(value, copies[key])
    noise, _ = augment_inputs(GaussianNoise(0.5), inputs, y, gen(1))
    for key in ("eeg", "bvp"):
        assert (noise[key] - inputs[key]).std().item() == pytest.approx(0.5, rel=0.1)
    assert torch.equal(augment_inputs(aug, inputs, y, gen(1))[0]["eeg"], out["eeg"])
    aug.eval()
    off, _ = augment_inputs(aug, inputs, y, gen(1))
    assert all(off[k] is inputs[k] for k in inputs)


@pytest.mark.parametrize("op", [Mixup(0.4), CutMix(1.0), Compose([GaussianNoise(0.1), Mixup()])],
                         ids=["mixup", "cutmix", "compose"])
def test_augment_inputs_refuses_mixing_several_inputs(op, x):
    y = torch.softmax(torch.randn(16, 3, generator=gen(5)), 1)
    inputs = {"eeg": x, "bvp": torch.randn(16, 1, 64, generator=gen(3))}
    with pytest.raises(ValueError, match=r"mixes samples, which is not defined for several "
                                         r"inputs \['eeg', 'bvp'\]"):
        augment_inputs(op, inputs, y, gen())
