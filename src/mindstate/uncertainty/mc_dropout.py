"""Monte Carlo dropout (Gal & Ghahramani, 2016): dropout kept on at test time, predictions averaged.

Only the dropout layers are stochastic: the model is put in eval mode (BatchNorm uses its
running statistics, nothing is updated) and each ``nn.Dropout*`` layer gets a forward hook
that applies a fresh dropout mask drawn from the ``torch.Generator`` passed in. This is
exactly train-mode dropout (same masks, scaling and alpha-dropout affine correction) but
seeded by the caller, since torch's own dropout draws from the global RNG. Dropout called
functionally inside a module (``F.dropout(..., training=self.training)``, the attention
dropout of ``nn.MultiheadAttention``) stays off. Every module's mode is restored afterwards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .._validation import check_int, check_option, describe

if TYPE_CHECKING:
    import torch
    from torch import nn

__all__ = ["dropout_layers", "mc_dropout_predict", "predict_batched"]

_ALPHA = 1.7580993408473766  # SELU alpha * scale, as in torch's alpha dropout


def _module_device(model: nn.Module) -> torch.device:
    import torch

    for p in model.parameters():
        return p.device
    for b in model.buffers():
        return b.device
    return torch.device("cpu")


def _as_tensor(x: Any, model: nn.Module) -> Any:
    import torch

    if isinstance(x, dict):  # named inputs: {"eeg": ..., "spec": ...}
        return {k: _as_tensor(v, model) for k, v in x.items()}
    if isinstance(x, torch.Tensor):
        t = x
    elif isinstance(x, np.ndarray):
        t = torch.from_numpy(np.ascontiguousarray(x))
    else:
        raise TypeError(f"x must be a torch.Tensor or numpy array; got {describe(x)}.")
    if t.ndim == 0 or t.shape[0] == 0:
        raise ValueError(f"x must be a batch with at least one sample; got {tuple(t.shape)}.")
    if t.is_floating_point():
        dtype = next((p.dtype for p in model.parameters()), torch.float32)
        t = t.to(dtype)
    return t.to(_module_device(model))


def _activate(out: torch.Tensor, activation: str | None) -> torch.Tensor:
    import torch

    if isinstance(out, (tuple, list)):
        out = out[0]
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"The model must return a tensor of outputs; got {describe(out)}.")
    if activation == "softmax":
        return torch.softmax(out.double(), dim=-1)
    if activation == "sigmoid":
        return torch.sigmoid(out.double())
    return out.double()


def predict_batched(
    model: nn.Module,
    x: Any,
    *,
    batch_size: int | None = None,
    activation: str | None = "softmax",
) -> NDArray[np.float64]:
    """Run ``model`` on ``x`` in chunks under ``no_grad`` and return the activated outputs.

    The model is called as it is (its modes are not changed here).

    Parameters
    ----------
    model : torch.nn.Module
        Maps a batch to (batch, n_outputs) logits.
    x : Tensor or ndarray of shape (n, ...), or dict of them
        Inputs (named inputs as a dict of arrays of equal length).
    batch_size : int | None
        Chunk size (default: everything at once).
    activation : {"softmax", "sigmoid", None}
        Applied to the outputs.

    Returns
    -------
    out : ndarray of shape (n, n_outputs)
        Activated outputs, float64, on the CPU.
    """
    import torch

    check_option(activation, ("softmax", "sigmoid", None), "activation")
    t = _as_tensor(x, model)
    n = next(iter(t.values())).shape[0] if isinstance(t, dict) else t.shape[0]
    step = n if batch_size is None else check_int(batch_size, "batch_size", min_value=1)
    outs = []
    with torch.no_grad():
        for i in range(0, n, step):
            batch = ({k: v[i:i + step] for k, v in t.items()} if isinstance(t, dict)
                     else t[i:i + step])
            outs.append(_activate(model(batch), activation).cpu())
    return torch.cat(outs).numpy()


def dropout_layers(model: nn.Module) -> list[nn.Module]:
    """List the dropout modules of ``model`` with a non-zero rate, in module order.

    Parameters
    ----------
    model : torch.nn.Module
        The model.

    Returns
    -------
    layers : list of torch.nn.Module
        ``nn.Dropout``, ``Dropout1d/2d/3d``, ``AlphaDropout`` and ``FeatureAlphaDropout``
        layers with ``p > 0``.
    """
    from torch import nn

    kinds = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout,
             nn.FeatureAlphaDropout)
    return [m for m in model.modules() if isinstance(m, kinds) and float(m.p) > 0]


def _mask_shape(module: nn.Module, shape: torch.Size) -> tuple[int, ...]:
    """Elementwise masks for Dropout/AlphaDropout; one value per channel for the feature kinds."""
    from torch import nn

    spatial = {nn.Dropout1d: 1, nn.Dropout2d: 2, nn.Dropout3d: 3}
    k = next((v for cls, v in spatial.items() if isinstance(module, cls)), None)
    if isinstance(module, nn.FeatureAlphaDropout):
        k = max(len(shape) - 2, 1)
    if k is None:
        return tuple(shape)
    n_lead = 1 if len(shape) == k + 1 else 2  # unbatched (C, *spatial) or (N, C, *spatial)
    n_lead = min(n_lead, len(shape))
    return tuple(shape[:n_lead]) + (1,) * (len(shape) - n_lead)


def _make_hook(generator: torch.Generator) -> Any:
    import torch
    from torch import nn
    from torch.nn.modules.dropout import _DropoutNd  # base of every kind in dropout_layers

    def hook(module: _DropoutNd, args: Any, output: torch.Tensor) -> torch.Tensor:
        p = float(module.p)
        shape = _mask_shape(module, output.shape)
        u = torch.rand(shape, generator=generator, device=generator.device)
        keep = (u >= p).to(device=output.device, dtype=output.dtype)
        if isinstance(module, (nn.AlphaDropout, nn.FeatureAlphaDropout)):
            a = 1.0 / np.sqrt((_ALPHA**2 * p + 1) * (1 - p))
            return output * (keep * a) + ((keep - 1) * _ALPHA * a + _ALPHA * a * p)
        return output * keep / (1.0 - p)

    return hook


def mc_dropout_predict(
    model: nn.Module,
    x: Any,
    n_samples: int = 20,
    *,
    generator: torch.Generator | None = None,
    seed: int | None = None,
    batch_size: int | None = None,
    activation: str | None = "softmax",
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Predict with dropout on, ``n_samples`` times, and average.

    Parameters
    ----------
    model : torch.nn.Module
        A model with at least one ``nn.Dropout*`` layer; maps a batch to (batch, n_outputs).
    x : Tensor or ndarray of shape (n, ...)
        Inputs (moved to the model's device).
    n_samples : int
        Number of stochastic forward passes (>= 2).
    generator : torch.Generator | None
        Source of the dropout masks.
    seed : int | None
        Used when ``generator`` is None to make one on the model's device. With neither, the
        masks are seeded from OS entropy (not reproducible).
    batch_size : int | None
        Chunk size of each pass.
    activation : {"softmax", "sigmoid", None}
        Applied to each pass's outputs (``None`` for regression).

    Returns
    -------
    mean : ndarray of shape (n, n_outputs)
        Mean of the samples (the MC-dropout prediction).
    samples : ndarray of shape (n_samples, n, n_outputs)
        Each pass's activated outputs, for :mod:`~mindstate.uncertainty.measures`.

    Raises
    ------
    ValueError
        If the model has no dropout layer with ``p > 0`` (every sample would be identical).
    """
    import torch
    from torch import nn

    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module; got {describe(model)}.")
    n_samples = check_int(n_samples, "n_samples", min_value=2)
    layers = dropout_layers(model)
    if not layers:
        raise ValueError(
            f"{type(model).__name__} has no dropout layer with p > 0, so MC dropout would "
            "repeat one deterministic prediction. Add nn.Dropout layers or use a DeepEnsemble."
        )
    if generator is None:
        generator = torch.Generator(device=_module_device(model))
        if seed is None:
            generator.seed()
        else:
            generator.manual_seed(check_int(seed, "seed", min_value=0))
    elif not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator; got {describe(generator)}.")
    modes = {m: m.training for m in model.modules()}
    handles = []
    try:
        model.eval()
        hook = _make_hook(generator)
        handles = [m.register_forward_hook(hook) for m in layers]
        samples = np.stack([
            predict_batched(model, x, batch_size=batch_size, activation=activation)
            for _ in range(n_samples)
        ])
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes.items():
            m.training = mode
    return samples.mean(axis=0), samples
