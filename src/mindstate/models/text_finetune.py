"""A sentence encoder fine-tuned end to end with a regression head (linear or TinyRecursiveModel).

Training runs in two phases (``train.finetune`` in the configuration):

1. **frozen** (the default state): the head learns on the cached frozen embeddings
   (``inputs["embedding"]``); the encoder is not run, so this phase is as cheap as training on
   features.
2. **finetune** (:meth:`TextFinetune.start_finetune`): the encoder's tokens
   (``input_ids``, ``attention_mask``) go through the transformer, are mean-pooled over the real
   tokens and L2-normalised, exactly as the frozen sentence-transformers pipeline does, so the
   head starts phase 2 on the same inputs it learned in phase 1. Encoder and head then train
   together, the encoder at its own (smaller) learning rate.

The phase is a buffer of the model, so a saved fine-tuned model predicts from tokens.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn
from torch.nn import functional as F

from .base import MODELS, BaseModel, InputSpec
from .trm import TinyRecursiveModel

__all__ = ["TextFinetune", "load_transformer"]


def load_transformer(encoder: str) -> nn.Module:
    """The Hugging Face transformer behind a text encoder, with its pretrained weights.

    Parameters
    ----------
    encoder : str
        A registered text encoder with a model folder (``"minilm"``, ``"mpnet"``), a local
        model directory, or ``"tiny-random"`` (a 1-layer, 32-wide BERT with random weights,
        for tests).

    Returns
    -------
    nn.Module
        ``transformers.AutoModel`` in training mode.
    """
    from transformers import AutoModel, BertConfig, BertModel

    if encoder == "tiny-random":
        cfg = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=1,
                         num_attention_heads=2, intermediate_size=64,
                         max_position_embeddings=512)
        return BertModel(cfg, add_pooling_layer=False)
    from ..features.text import get_text_encoder

    backend = get_text_encoder(encoder)
    if backend.path is None:
        raise ValueError(f"encoder {encoder!r} has no transformer weights to fine-tune; use "
                         "'minilm', 'mpnet' or a local Hugging Face model directory.")
    return AutoModel.from_pretrained(str(backend.path), local_files_only=True)


@MODELS.register("text_finetune")
class TextFinetune(BaseModel):
    """Encoder + head on ``embedding`` (frozen phase) or tokens (finetune phase).

    Parameters
    ----------
    n_features : int
        Embedding size of the frozen pipeline (the transformer's hidden size).
    max_length : int
        Tokens per sentence.
    n_outputs : int
        Number of targets.
    encoder : str
        See :func:`load_transformer`; must be the chain's encoder (the tokens are its).
    head : {"trm", "linear"}
        TinyRecursiveModel (``head_kwargs`` are its options) or one linear layer.
    head_kwargs : dict
        Options of the TinyRecursiveModel head.
    phase : {"frozen", "finetune"}
        Phase at construction (a saved model restores its own).
    encoder_lr_ratio : float
        Encoder learning rate as a fraction of the head's in the finetune phase.
    """

    input_spec: ClassVar[dict[str, InputSpec]] = {
        "embedding": InputSpec(("n_features",)),
        "input_ids": InputSpec(("max_length",), "int64"),
        "attention_mask": InputSpec(("max_length",), "int64"),
    }
    test_config: ClassVar[dict[str, Any]] = {
        "n_features": 32, "max_length": 8, "n_outputs": 3, "encoder": "tiny-random",
        "phase": "finetune", "head_kwargs": {"d_model": 16, "n_iter": 2, "n_ctx": 2,
                                             "memory_slots": 4}}

    finetuned: torch.Tensor

    def __init__(self, n_features: int, max_length: int, n_outputs: int, *,
                 encoder: str = "minilm", head: str = "trm",
                 head_kwargs: dict[str, Any] | None = None, phase: str = "frozen",
                 encoder_lr_ratio: float = 0.2) -> None:
        from .._validation import check_int, check_option, check_range

        n_features = check_int(n_features, "n_features", min_value=1)
        max_length = check_int(max_length, "max_length", min_value=2)
        check_option(head, ["trm", "linear"], "head")
        check_option(phase, ["frozen", "finetune"], "phase")
        check_range(encoder_lr_ratio, "encoder_lr_ratio", 0.0, None, inclusive=(False, True))
        super().__init__(n_outputs, n_features=n_features, max_length=max_length)
        head_kwargs = dict(head_kwargs or {})
        self._store_config(encoder=encoder, head=head, head_kwargs=head_kwargs, phase=phase,
                           encoder_lr_ratio=encoder_lr_ratio)
        transformer: Any = load_transformer(encoder)
        self.transformer = transformer
        hidden = int(transformer.config.hidden_size)
        if hidden != n_features:
            raise ValueError(f"encoder {encoder!r} gives {hidden}-d states but the frozen "
                             f"embeddings have n_features={n_features}; the chain and the "
                             "model must use the same encoder (preprocess.encoder).")
        self.head_kind = head
        self.has_trajectory = head == "trm"
        self.encoder_lr_ratio = float(encoder_lr_ratio)
        if head == "trm":
            self.body: nn.Module = TinyRecursiveModel(n_features, n_outputs, **head_kwargs)
        else:
            self.body = nn.Linear(n_features, n_outputs)
        self.register_buffer("finetuned", torch.tensor(phase == "finetune"))
        self._set_encoder_trainable(phase == "finetune")

    @property
    def head(self) -> nn.Linear:  # type: ignore[override]
        """The output layer (the TinyRecursiveModel's readout, or the linear head)."""
        body: Any = self.body
        return body.head if self.head_kind == "trm" else body

    def _set_encoder_trainable(self, on: bool) -> None:
        for p in self.transformer.parameters():
            p.requires_grad_(on)

    def start_finetune(self) -> None:
        """Switch to the finetune phase: tokens through the (now trainable) encoder."""
        with torch.no_grad():
            self.finetuned.fill_(True)
        self._set_encoder_trainable(True)

    def load_state_dict(self, state_dict: Any, strict: bool = True, assign: bool = False
                        ) -> Any:
        """Load weights and restore the phase they were saved in."""
        out = super().load_state_dict(state_dict, strict=strict, assign=assign)
        self._set_encoder_trainable(bool(self.finetuned))
        return out

    def unused_inputs(self) -> set[str]:
        """Inputs the current phase does not read."""
        if bool(self.finetuned):
            return {"embedding"}
        return {"input_ids", "attention_mask"}

    def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Mean-pooled, L2-normalised sentence embeddings (batch, n_features).

        Padding columns shared by the whole batch are dropped first (batches of similar
        lengths run much faster).
        """
        n = int(attention_mask.sum(1).max().clamp(min=1))
        ids, mask = input_ids[:, :n], attention_mask[:, :n]
        hidden = self.transformer(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
        return F.normalize(pooled, dim=-1)

    def _embedding(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        if bool(self.finetuned):
            return self.embed(inputs["input_ids"], inputs["attention_mask"])
        return inputs["embedding"]

    def forward_features(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """The head's features of the sentence embedding."""
        emb = self._embedding(inputs)
        if self.head_kind == "trm":
            body: Any = self.body
            return body.forward_features({"embedding": emb})
        return emb

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:
        """Outputs (batch, n_outputs)."""
        body: Any = self.body
        if self.head_kind == "trm":
            return body.forward_head(features)
        return body(features)

    def reset_head(self, n_outputs: int) -> None:
        """A fresh head for ``n_outputs`` targets.

        Parameters
        ----------
        n_outputs : int
            New number of targets.
        """
        from .._validation import check_int

        n_outputs = check_int(n_outputs, "n_outputs", min_value=1)
        body: Any = self.body
        if self.head_kind == "trm":
            body.reset_head(n_outputs)
        else:
            self.body = nn.Linear(int(body.in_features), n_outputs)
        self.n_outputs = n_outputs
        self._config["n_outputs"] = n_outputs

    def set_target_stats(self, mean: Any, std: Any) -> None:
        """Training targets' mean and SD (TinyRecursiveModel head) or the linear head's bias.

        Parameters
        ----------
        mean, std : array-like of shape (n_outputs,)
            Per-target mean and SD.
        """
        if self.head_kind == "trm":
            body: Any = self.body
            body.set_target_stats(mean, std)
        else:
            lin: Any = self.body
            with torch.no_grad():
                lin.bias.copy_(torch.as_tensor(mean, dtype=lin.bias.dtype))

    def trajectory(self, inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The TinyRecursiveModel head's per-iteration estimates (see
        :meth:`TinyRecursiveModel.trajectory`)."""
        if self.head_kind != "trm":
            raise TypeError("a linear head has no iterations; use head='trm'.")
        body: Any = self.body
        return body.trajectory({"embedding": self._embedding(self.check_inputs(inputs))})

    def auxiliary_loss(self, y: torch.Tensor, loss_fn: nn.Module) -> torch.Tensor:
        """The TinyRecursiveModel head's auxiliary loss (zero for a linear head)."""
        if self.head_kind == "trm":
            body: Any = self.body
            return body.auxiliary_loss(y, loss_fn)
        return y.new_zeros(())

    def optimizer_groups(self, lr: float) -> list[dict[str, Any]]:
        """Parameter groups: the encoder at ``encoder_lr_ratio * lr``, the rest at ``lr``.

        Parameters
        ----------
        lr : float
            The head's learning rate.

        Returns
        -------
        list of dict
            Groups for a torch optimiser (only trainable parameters).
        """
        enc = [p for p in self.transformer.parameters() if p.requires_grad]
        ids = {id(p) for p in self.transformer.parameters()}
        rest = [p for p in self.parameters() if p.requires_grad and id(p) not in ids]
        groups: list[dict[str, Any]] = [{"params": rest, "lr": lr}]
        if enc:
            groups.append({"params": enc, "lr": lr * self.encoder_lr_ratio})
        return groups
