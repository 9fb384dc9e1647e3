"""The base class every registered model derives from, its input contract, and the registry.

A model's ``forward`` takes one mapping of named tensors, e.g. ``{"eeg": (B, C, T)}``,
``{"bvp": (B, 1, T64), "eda": (B, 1, T4), ...}``, ``{"embedding": (B, d)}`` or
``{"eeg": (B, C, T), "spec": (B, 4, F, S)}``, and returns ``(B, n_outputs)``. Each class
declares :attr:`BaseModel.input_spec`: input names mapped to symbolic shapes (without the
batch axis) whose symbols are constructor arguments, so the experiment layer can size a model
from the data (:meth:`BaseModel.sizes_from_shapes`) and tests can build every model from its
own :meth:`BaseModel.example_input`.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn

from ..registry import Registry

__all__ = ["MODELS", "BaseModel", "EEGModel", "InputSpec", "accepted_kwargs", "create_model",
           "models_for_inputs"]


@dataclass(frozen=True)
class InputSpec:
    """Shape (without the batch axis) and dtype of one named model input.

    Parameters
    ----------
    shape : tuple of (str | int)
        One entry per axis after the batch axis: an ``int`` (fixed size) or the name of a
        constructor argument holding the size (e.g. ``("n_chans", "n_times")``).
    dtype : str
        ``"float32"`` (signals, embeddings) or ``"int64"`` (token ids).
    """

    shape: tuple[str | int, ...]
    dtype: str = "float32"


class BaseModel(nn.Module, ABC):
    """Common interface: named inputs, ``forward = forward_head ∘ forward_features``, config.

    Subclasses call ``super().__init__(n_outputs, **sizes)`` with every size their
    :attr:`input_spec` names (and anything else ``get_config`` should return), then
    :meth:`_store_config` with their keyword arguments, so that
    ``cls.from_config(model.get_config())`` rebuilds the same architecture.

    Parameters
    ----------
    n_outputs : int
        Number of outputs: classes (logits) or regression targets (>= 1).
    **sizes
        Input sizes and other constructor arguments recorded in the config.

    Attributes
    ----------
    input_spec : dict of str to InputSpec
        The named inputs of ``forward`` (class attribute).
    test_config : dict
        A tiny configuration used by the registry-wide model tests (class attribute).
    """

    input_spec: ClassVar[dict[str, InputSpec]] = {"eeg": InputSpec(("n_chans", "n_times"))}
    test_config: ClassVar[dict[str, Any]] = {}
    head: nn.Linear  # the output layer, created by each subclass's __init__

    def __init__(self, n_outputs: int, **sizes: Any) -> None:
        super().__init__()
        from .._validation import check_int

        self.n_outputs = check_int(n_outputs, "n_outputs", min_value=1)
        self._config: dict[str, Any] = {"n_outputs": self.n_outputs, **sizes}

    def _store_config(self, **kwargs: Any) -> None:
        self._config.update(kwargs)

    def get_config(self) -> dict[str, Any]:
        """The ``__init__`` keyword arguments (JSON-serialisable).

        Returns
        -------
        config : dict
            Enough to rebuild the model with :meth:`from_config`.
        """
        return dict(self._config)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> BaseModel:
        """Build a model from :meth:`get_config` output.

        Parameters
        ----------
        config : dict
            The constructor keyword arguments.

        Returns
        -------
        BaseModel
            A new (untrained) model.
        """
        return cls(**config)

    # ------------------------------------------------------------------ inputs
    def input_shapes(self) -> dict[str, tuple[int, ...]]:
        """The concrete per-sample shape of every input (symbols resolved from the config).

        Returns
        -------
        shapes : dict of str to tuple of int
            Input name → shape without the batch axis.
        """
        return {name: tuple(d if isinstance(d, int) else int(self._config[d])
                            for d in spec.shape)
                for name, spec in self.input_spec.items()}

    def example_input(self, batch_size: int = 2, *,
                      generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Random inputs that satisfy :attr:`input_spec` (standard normal; ids in [0, 100)).

        Parameters
        ----------
        batch_size : int
            Leading batch size.
        generator : torch.Generator | None
            Source of randomness (seeded for reproducible tests).

        Returns
        -------
        inputs : dict of str to Tensor
            One tensor per input, shaped ``(batch_size, *shape)``.
        """
        out: dict[str, torch.Tensor] = {}
        for name, shape in self.input_shapes().items():
            size = (batch_size, *shape)
            if self.input_spec[name].dtype == "int64":
                out[name] = torch.randint(0, 100, size, generator=generator)
            else:
                out[name] = torch.randn(size, generator=generator)
        return out

    @classmethod
    def sizes_from_shapes(cls, shapes: Mapping[str, tuple[int, ...]],
                          model_name: str = "") -> dict[str, int]:
        """Constructor sizes read off the per-sample shapes of the data's inputs.

        Parameters
        ----------
        shapes : mapping of str to tuple of int
            Input name → per-sample shape (without the batch axis), as the signal chain
            produces them.
        model_name : str
            Used in messages.

        Returns
        -------
        sizes : dict of str to int
            E.g. ``{"n_chans": 19, "n_times": 1000}``.
        """
        name = model_name or cls.__name__
        missing = [k for k in cls.input_spec if k not in shapes]
        if missing:
            raise ValueError(
                f"model {name!r} needs the inputs {sorted(cls.input_spec)}; the data give "
                f"{sorted(shapes)} (missing {missing}). Choose a model for these inputs: "
                f"{', '.join(models_for_inputs(shapes)) or '(none registered)'}."
            )
        sizes: dict[str, int] = {}
        for key, spec in cls.input_spec.items():
            shape = tuple(shapes[key])
            if len(shape) != len(spec.shape):
                raise ValueError(
                    f"model {name!r} expects input {key!r} of shape (batch, "
                    f"{', '.join(map(str, spec.shape))}); the data give (batch, "
                    f"{', '.join(map(str, shape))})."
                )
            for dim, size in zip(spec.shape, shape):
                if isinstance(dim, int):
                    if dim != size:
                        raise ValueError(f"model {name!r} expects input {key!r} axis size {dim}; "
                                         f"the data give {size}.")
                elif sizes.setdefault(dim, int(size)) != int(size):
                    raise ValueError(f"model {name!r}: size {dim} is {sizes[dim]} in one input and "
                                     f"{size} in {key!r}.")
        return sizes

    def check_inputs(self, inputs: Mapping[str, torch.Tensor] | torch.Tensor
                     ) -> dict[str, torch.Tensor]:
        """Validate named inputs against :attr:`input_spec`; a bare tensor is accepted for
        single-input models.

        Parameters
        ----------
        inputs : mapping of str to Tensor, or Tensor
            The batch.

        Returns
        -------
        inputs : dict of str to Tensor
            The same tensors, keyed by input name.
        """
        names = list(self.input_spec)
        if isinstance(inputs, torch.Tensor):
            if len(names) != 1:
                raise TypeError(f"{type(self).__name__} takes a dict of the inputs {names}; got "
                                "one tensor.")
            inputs = {names[0]: inputs}
        if not isinstance(inputs, Mapping):
            raise TypeError(f"inputs must be a dict of tensors {names}; got "
                            f"{type(inputs).__name__}.")
        missing = [k for k in names if k not in inputs]
        if missing:
            raise ValueError(f"inputs is missing {missing}; {type(self).__name__} needs {names}; "
                             f"got {sorted(inputs)}.")
        for key, shape in self.input_shapes().items():
            x = inputs[key]
            if not isinstance(x, torch.Tensor) or tuple(x.shape[1:]) != shape or x.ndim < 1:
                got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
                dims = ", ".join(f"{d}={s}" if isinstance(d, str) else str(s)
                                 for d, s in zip(self.input_spec[key].shape, shape))
                raise ValueError(f"inputs[{key!r}] must have shape (batch, {dims}); got {got}.")
        return {k: inputs[k] for k in names}

    # ------------------------------------------------------------------ forward
    @abstractmethod
    def forward_features(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """Map the checked inputs to pooled features (batch, n_features)."""

    def forward_head(self, features: torch.Tensor) -> torch.Tensor:
        """Map features to outputs (batch, n_outputs).

        Parameters
        ----------
        features : Tensor of shape (batch, n_features)
            Output of :meth:`forward_features`.

        Returns
        -------
        Tensor of shape (batch, n_outputs)
            Logits or regression outputs.
        """
        return self.head(features)

    def reset_head(self, n_outputs: int) -> None:
        """Replace the output layer with a fresh one giving ``n_outputs`` outputs.

        Parameters
        ----------
        n_outputs : int
            New number of outputs.
        """
        from .._validation import check_int

        n_outputs = check_int(n_outputs, "n_outputs", min_value=1)
        self.head = nn.Linear(self.head.in_features, n_outputs)
        self.n_outputs = n_outputs
        self._config["n_outputs"] = n_outputs

    def forward(self, inputs: Mapping[str, torch.Tensor] | torch.Tensor) -> torch.Tensor:
        """Outputs of shape (batch, n_outputs) for the named ``inputs``.

        Parameters
        ----------
        inputs : mapping of str to Tensor, or Tensor
            The batch (a bare tensor only for single-input models).

        Returns
        -------
        Tensor of shape (batch, n_outputs)
            Logits or regression outputs.
        """
        return self.forward_head(self.forward_features(self.check_inputs(inputs)))


class EEGModel(BaseModel):
    """Base of models on one EEG window ``{"eeg": (batch, n_chans, n_times)}``.

    Parameters
    ----------
    n_chans : int
        Number of input channels (>= 1).
    n_outputs : int
        Number of outputs (>= 1).
    n_times : int
        Samples per window (>= 1).
    sfreq : float | None
        Sampling frequency in Hz; ``None`` when unknown.
    """

    input_spec: ClassVar[dict[str, InputSpec]] = {"eeg": InputSpec(("n_chans", "n_times"))}

    def __init__(self, n_chans: int, n_outputs: int, n_times: int,
                 sfreq: float | None = None) -> None:
        from .._validation import check_int

        super().__init__(n_outputs, n_chans=check_int(n_chans, "n_chans", min_value=1),
                         n_times=check_int(n_times, "n_times", min_value=1),
                         sfreq=None if sfreq is None else float(sfreq))
        self.n_chans, self.n_times = int(n_chans), int(n_times)
        self.sfreq = None if sfreq is None else float(sfreq)


MODELS: Registry[type[BaseModel]] = Registry("model")


def models_for_inputs(shapes: Mapping[str, Any]) -> list[str]:
    """Registered models whose inputs are all among ``shapes``' names.

    Parameters
    ----------
    shapes : mapping of str to Any
        Available input names (values ignored).

    Returns
    -------
    names : list of str
        Sorted model names.
    """
    return [n for n in MODELS.names() if set(MODELS.get(n).input_spec) <= set(shapes)]


def create_model(name: str, **kwargs: Any) -> BaseModel:
    """Instantiate the registered model ``name`` with ``kwargs``.

    Parameters
    ----------
    name : str
        A name in :data:`MODELS`.
    **kwargs
        Constructor arguments (``n_outputs`` and the sizes its ``input_spec`` names ...).

    Returns
    -------
    BaseModel
        The model.
    """
    return MODELS.get(name)(**kwargs)


def accepted_kwargs(model_cls: type[BaseModel]) -> set[str]:
    """Names of the constructor arguments of ``model_cls``.

    Parameters
    ----------
    model_cls : type
        A model class.

    Returns
    -------
    names : set of str
        Argument names (without ``self``).
    """
    return {p for p in inspect.signature(model_cls.__init__).parameters if p != "self"}
