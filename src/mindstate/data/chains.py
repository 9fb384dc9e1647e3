"""Signal chains of the non-EEG modalities and the chain registry.

Every chain turns what a dataset reads into :class:`~mindstate.data.windows.Windows` and then
into named model inputs, and saves its configuration and fitted state with the run:

- :class:`~mindstate.data.pipeline.SignalChain` (EEG): ``{"eeg": (n, C, T)}``.
- :class:`PhysioChain` (wearables): ``{"bvp": (n, 1, T64), "eda": (n, 1, T4), ...}``, each
  stream at its own rate, standardised per participant on that participant's whole
  (unlabelled) signal.
- :class:`TextChain` (sentences): ``{"embedding": (n, d)}`` from a frozen encoder, cached on
  disk keyed by encoder and text hash.
- :class:`HMSChain` (clinical EEG, Kaggle HMS): ``{"eeg": (n, C, T), "spec": (n, 4, F, S)}``
  from the 50-s EEG window and the 10-min spectrogram window of each labelled row.
- :class:`~mindstate.data.feature_chain.FeatureChain` (precomputed features, e.g. SEED DE):
  ``{"de": (n, C, L, 5)}`` standardised per channel and band.

The shared methods are ``windows`` (or ``prepare_windows`` for corpus-level datasets),
``fit`` (training windows only), ``inputs``, ``baseline_features``, ``contract``,
``unfitted``, ``to_dict`` / :func:`chain_from_dict`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_int, check_option, check_type
from ..io.recording import PhysioRecording, TextCorpus
from ..io.windows import Windows
from ._chain_base import ChainBase
from .pipeline import SignalChain
from .windows import make_physio_windows, make_text_windows

__all__ = ["PhysioChain", "TextChain", "chain_from_dict"]


def _stats(X: NDArray[Any]) -> NDArray[np.float64]:
    """Mean, SD, min, max and least-squares slope over time: (n, C, T) → (n, C * 5)."""
    t = np.linspace(-1.0, 1.0, X.shape[-1])
    slope = (X * t).sum(axis=-1) / max((t * t).sum(), 1e-12)
    feats = [X.mean(-1), X.std(-1), X.min(-1), X.max(-1), slope]
    return np.stack(feats, axis=-1).reshape(len(X), -1).astype(np.float64)


# --------------------------------------------------------------------------- physiology
class PhysioChain(ChainBase):
    """Per-stream filtering/resampling, per-participant standardisation, aligned windows.

    Parameters
    ----------
    streams : list of str
        Stream names to use, in order (E4: ``bvp``, ``eda``, ``temp``, ``acc``).
    window_s, step_s : float
        Window length and hop in seconds (hop defaults to the length).
    lowpass : dict of str to float | None
        Zero-phase low-pass cut-off per stream in Hz (e.g. ``{"eda": 1.0}``).
    resample : dict of str to float | None
        Target rate per stream in Hz.
    normalize : {"participant", "none"}
        ``participant``: each stream channel is standardised by the median and IQR of that
        participant's whole recording (label-free, also at inference); ``none``: raw units.
    label_rule : {"pure", "majority"}
        Window labels (see :func:`~mindstate.data.windows.make_physio_windows`).
    classes : list of str | None
        Class names.
    """

    kind = "physio"
    _params = ("streams", "window_s", "step_s", "lowpass", "resample", "normalize",
               "label_rule", "classes")
    _learned = ("rates_", "n_chans_")

    def __init__(self, *, streams: Sequence[str] = ("bvp", "eda", "temp", "acc"),
                 window_s: float = 60.0, step_s: float | None = None,
                 lowpass: dict[str, float] | None = None,
                 resample: dict[str, float] | None = None, normalize: str = "participant",
                 label_rule: str = "majority", classes: Sequence[str] | None = None) -> None:
        self.streams = list(streams)
        self.window_s, self.step_s = float(window_s), step_s
        self.lowpass = dict(lowpass or {})
        self.resample = dict(resample or {})
        self.normalize = check_option(normalize, ("participant", "none"), "normalize")
        self.label_rule = check_option(label_rule, ("pure", "majority"), "label_rule")
        self.classes = None if classes is None else list(classes)
        self.input_names = tuple(self.streams)

    def check_record(self, rec: Any) -> None:
        """Refuse a recording that is not physiology or lacks one of the run's streams.

        Parameters
        ----------
        rec : PhysioRecording
            The recording.
        """
        where = rec.meta.get("path", rec.subject or "the recording") if hasattr(rec, "meta") \
            else "the input"
        if not isinstance(rec, PhysioRecording):
            raise TypeError(f"{where}: this run takes physiology recordings (streams "
                            f"{', '.join(self.streams)}); got {type(rec).__name__}.")
        missing = [s for s in self.streams if s not in rec.signals]
        if missing:
            raise ValueError(f"{where}: missing physiology stream(s) {missing}; this run needs "
                             f"{', '.join(self.streams)} (present: {', '.join(rec.signals)}).")
        rates = getattr(self, "rates_", None)
        for s in self.streams:
            if rates and s not in self.resample and abs(rec.signals[s].sfreq - rates[s]) > 1e-6:
                raise ValueError(f"{where}: stream {s!r} is sampled at {rec.signals[s].sfreq:g} "
                                 f"Hz; the run was trained at {rates[s]:g} Hz. Resample it or "
                                 f"set preprocess.stream_resample.{s}.")

    def prepare(self, rec: PhysioRecording) -> PhysioRecording:
        """Filter, resample and standardise each stream (a new recording).

        Parameters
        ----------
        rec : PhysioRecording
            The recording (not modified).

        Returns
        -------
        PhysioRecording
            The prepared recording with only the run's streams.
        """
        from dataclasses import replace

        from ..preprocess import lowpass, resample

        self.check_record(rec)
        out = {}
        for name in self.streams:
            sig = rec.signals[name]
            data, sfreq = sig.data, sig.sfreq
            if name in self.lowpass:
                data = lowpass(data, sfreq, float(self.lowpass[name]))
            if name in self.resample and abs(self.resample[name] - sfreq) > 1e-9:
                data, sfreq = resample(data, sfreq, float(self.resample[name])), \
                    float(self.resample[name])
            if self.normalize == "participant":
                med = np.median(data, axis=1, keepdims=True)
                q75, q25 = np.percentile(data, [75, 25], axis=1, keepdims=True)
                iqr = q75 - q25
                std = data.std(axis=1, keepdims=True)
                scale = np.where(iqr > 1e-12 * (np.abs(med) + 1), iqr / 1.349, std)
                data = (data - med) / np.where(scale > 0, scale, 1.0)
            out[name] = replace(sig, data=np.asarray(data, dtype=np.float64), sfreq=sfreq)
        return replace(rec, signals=out)

    def windows(self, rec: PhysioRecording, *, labelled: bool = True) -> Windows:
        """Prepare ``rec`` and cut aligned windows of every stream.

        Parameters
        ----------
        rec : PhysioRecording
            The recording; with ``labelled`` it must carry labels.
        labelled : bool
            False at inference: every window gets label 0.

        Returns
        -------
        Windows
            ``X`` maps each stream to (n_windows, n_chans, round(window_s * its rate)).
        """
        from dataclasses import replace

        prepped = self.prepare(rec)
        if not labelled or prepped.labels is None:
            if labelled:
                raise ValueError(f"{rec.meta.get('path', rec.subject)}: no labels; pass "
                                 "labelled=False to predict.")
            t = np.arange(np.floor(prepped.start), prepped.stop, 1.0)
            prepped = replace(prepped, labels=(t, np.zeros(len(t), np.int64)), label_period=1.0)
        w = make_physio_windows(prepped, self.window_s, self.step_s, signals=self.streams,
                                label_rule=self.label_rule)
        if not hasattr(self, "rates_"):
            self.rates_ = {s: float(prepped.signals[s].sfreq) for s in self.streams}
            self.n_chans_ = {s: int(prepped.signals[s].data.shape[0]) for s in self.streams}
        return w

    def inputs(self, X: dict[str, NDArray[Any]]) -> dict[str, NDArray[np.float32]]:
        """Model inputs: the windows of each stream as float32.

        Parameters
        ----------
        X : dict of str to ndarray
            Windows from :meth:`windows`.

        Returns
        -------
        dict of str to ndarray
            One array per stream.
        """
        return {s: np.ascontiguousarray(X[s], dtype=np.float32) for s in self.streams}

    def baseline_features(self, X: dict[str, NDArray[Any]]) -> NDArray[np.float64]:
        """Mean, SD, min, max and slope of every stream channel per window.

        Parameters
        ----------
        X : dict of str to ndarray
            Windows from :meth:`windows`.

        Returns
        -------
        ndarray of shape (n_windows, n_features)
            Features of the logistic floor.
        """
        return np.concatenate([_stats(np.asarray(X[s], dtype=np.float64))
                               for s in self.streams], axis=1)

    def contract(self) -> dict[str, Any]:
        """Streams with their rates and channel counts, window, units and normalisation.

        Returns
        -------
        dict
            The input contract.
        """
        return {"modality": "physio", "streams": {
                    s: {"sfreq": getattr(self, "rates_", {}).get(s),
                        "n_chans": getattr(self, "n_chans_", {}).get(s)} for s in self.streams},
                "window_s": self.window_s, "step_s": self.step_s or self.window_s,
                "normalize": self.normalize, "lowpass": self.lowpass,
                "units": "stream units (siemens for EDA, °C, m/s², BVP as recorded)"}

# --------------------------------------------------------------------------- text
class TextChain(ChainBase):
    """Sentences → frozen-encoder embeddings ``{"embedding": (n, d)}``, cached on disk.

    With ``max_length`` the windows also carry the encoder's tokens, ``input_ids`` and
    ``attention_mask`` (n, max_length), for models that fine-tune the encoder end to end
    (``text_finetune``).

    Sentences longer than the encoder reads (all-MiniLM-L6-v2: 256 tokens; tokens: at most
    ``max_length``) are truncated with a :class:`UserWarning` naming how many, never refused.

    Parameters
    ----------
    encoder : str
        A registered text encoder (``"minilm"``, ``"mpnet"``, ``"hashing"``) or a local model
        directory; ``"mpnet+minilm"`` joins the unit-norm embeddings of several encoders
        (concatenated, scaled by 1/sqrt(k) so the row stays unit-norm; each is cached on its
        own).
    cache_dir : str | None
        Embedding cache folder; ``None`` disables the cache.
    batch_size : int
        Sentences per encoder batch.
    target_names : list of str | None
        Names of the regression targets (or classes).
    max_length : int | None
        Tokens per sentence for end-to-end fine-tuning (special tokens included); ``None``
        (default) gives embeddings only.
    """

    kind = "text"
    input_names = ("embedding",)
    _params = ("encoder", "cache_dir", "batch_size", "target_names", "max_length")
    _learned = ("dim_",)

    def __init__(self, *, encoder: str = "minilm", cache_dir: str | None = None,
                 batch_size: int = 64, target_names: Sequence[str] | None = None,
                 max_length: int | None = None) -> None:
        self.encoder, self.cache_dir, self.batch_size = encoder, cache_dir, batch_size
        self.target_names = None if target_names is None else list(target_names)
        if max_length is not None:
            max_length = check_int(max_length, "preprocess.max_length", min_value=4)
        self.max_length = max_length

    @property
    def encoders(self) -> list[str]:
        """The encoders whose embeddings are joined (``"mpnet+minilm"`` names two)."""
        return [e.strip() for e in str(self.encoder).split("+")] if "+" in str(self.encoder) \
            else [self.encoder]

    def check_record(self, rec: Any) -> None:
        """Refuse inputs that are not a corpus.

        Parameters
        ----------
        rec : TextCorpus
            The corpus.
        """
        check_type(rec, TextCorpus, "corpus")

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embed ``texts`` with the chain's encoder (through the cache).

        Parameters
        ----------
        texts : sequence of str
            Non-empty sentences.

        Returns
        -------
        ndarray of shape (n, d)
            Embeddings, float32.
        """
        from ..features.text import encode_texts

        parts = [encode_texts(list(texts), name, cache_dir=self.cache_dir,
                              batch_size=self.batch_size) for name in self.encoders]
        emb = parts[0] if len(parts) == 1 else np.hstack(parts) / np.sqrt(len(parts))
        if not hasattr(self, "dim_"):
            self.dim_ = int(emb.shape[1])
        return np.asarray(emb, dtype=np.float32)

    def tokens(self, texts: Sequence[str]) -> dict[str, NDArray[np.int64]]:
        """The encoder's tokens of ``texts``, padded or truncated to ``max_length``.

        Parameters
        ----------
        texts : sequence of str
            Non-empty sentences.

        Returns
        -------
        dict
            ``input_ids`` and ``attention_mask`` of shape (n, max_length), int64.
        """
        from ..features.text import get_text_encoder

        if self.max_length is None:
            raise ValueError("this text chain has no preprocess.max_length, so it gives no "
                             "tokens; set preprocess.max_length (e.g. 128) to fine-tune.")
        if len(self.encoders) > 1:
            raise ValueError(f"preprocess.encoder {self.encoder!r} joins several encoders, which "
                             "cannot be fine-tuned end to end; name one encoder to fine-tune.")
        ids, mask, n_tok = get_text_encoder(self.encoder).tokenize(list(texts), self.max_length)
        self._warn_truncated(n_tok, self.max_length, "preprocess.max_length")
        return {"input_ids": ids, "attention_mask": mask}

    @staticmethod
    def _warn_truncated(n_tokens: NDArray[np.int64], limit: int | None, what: str) -> None:
        import warnings

        if limit is None:
            return
        long = np.flatnonzero(n_tokens > limit)
        if len(long):
            warnings.warn(
                f"{len(long)} text(s) are longer than {what} = {limit} tokens (the longest "
                f"has {int(n_tokens[long].max())}); only their first {limit} tokens are "
                "read. Split long texts into sentences to score all of them.",
                UserWarning, stacklevel=3)

    def windows(self, corpus: TextCorpus, *, labelled: bool = True) -> Windows:
        """One window per sentence: ``X = {"embedding": (n, d)}`` (plus tokens with
        ``max_length``), ``meta`` with the text.

        Parameters
        ----------
        corpus : TextCorpus
            The sentences (with targets when ``labelled``).
        labelled : bool
            False at inference (targets set to 0).

        Returns
        -------
        Windows
            One window per sentence.
        """
        from dataclasses import replace

        from ..features.text import get_text_encoder

        self.check_record(corpus)
        if not labelled or corpus.targets is None:
            names = list(self.target_names or corpus.target_names or ["target"])
            corpus = replace(corpus, targets=np.zeros((len(corpus.texts), len(names))),
                             target_names=names)
        w = make_text_windows(corpus)
        meta = w.meta.copy()
        texts = list(w.X)
        meta["text"] = texts
        X: dict[str, NDArray[Any]] = {"embedding": self.encode(texts)}
        if self.max_length is not None:
            X.update(self.tokens(texts))
        else:
            for name in self.encoders:
                backend = get_text_encoder(name)
                if backend.max_tokens is not None:
                    self._warn_truncated(backend.count_tokens(texts), backend.max_tokens,
                                         f"the {backend.label} encoder's limit")
        return Windows(X, w.y, w.groups, meta)

    def inputs(self, X: dict[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
        """Model inputs: ``{"embedding": (n, d)}`` (float32), plus ``input_ids`` and
        ``attention_mask`` (int64) with ``max_length``.

        Parameters
        ----------
        X : dict of str to ndarray
            Windows from :meth:`windows`.

        Returns
        -------
        dict of str to ndarray
            The model inputs.
        """
        out: dict[str, NDArray[Any]] = {
            "embedding": np.ascontiguousarray(X["embedding"], dtype=np.float32)}
        for key in ("input_ids", "attention_mask"):
            if key in X:
                out[key] = np.ascontiguousarray(X[key], dtype=np.int64)
        return out

    def baseline_features(self, X: dict[str, NDArray[Any]]) -> NDArray[np.float64]:
        """The embeddings themselves (the ridge floor of the reference results).

        Parameters
        ----------
        X : dict of str to ndarray
            Windows from :meth:`windows`.

        Returns
        -------
        ndarray of shape (n, d)
            Features.
        """
        return np.asarray(X["embedding"], dtype=np.float64)

    def contract(self) -> dict[str, Any]:
        """Encoder name, embedding size and (with ``max_length``) the token inputs.

        Returns
        -------
        dict
            The input contract.
        """
        inputs: dict[str, list[str]] = {"embedding": ["n_features"]}
        if self.max_length is not None:
            inputs.update({"input_ids": ["max_length"], "attention_mask": ["max_length"]})
        return {"modality": "text", "encoder": self.encoder, "dim": getattr(self, "dim_", None),
                "max_length": self.max_length, "inputs": inputs}

def chain_from_dict(state: dict[str, Any]) -> Any:
    """Rebuild any chain from its saved ``to_dict`` state (``kind`` picks the class).

    Parameters
    ----------
    state : dict
        The saved state; without ``kind`` it is an EEG :class:`SignalChain`.

    Returns
    -------
    chain
        The chain with its fitted state.
    """
    from .feature_chain import FeatureChain
    from .hms_chain import HMSChain

    kinds: dict[str, Any] = {"eeg": SignalChain, "physio": PhysioChain, "text": TextChain,
                             "hms": HMSChain, "features": FeatureChain}
    kind = state.get("kind", "eeg")
    check_option(kind, list(kinds), "chain kind")
    return kinds[kind].from_dict(state)

