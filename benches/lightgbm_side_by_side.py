#!/usr/bin/env python3
"""DARS's LightGBM (Rust, lightgbm3) beside Python's LightGBM on the same rows, folds and settings.

`dars export features` writes the exact feature matrix, labels, walk-forward folds (each row's
role in each fold: `fit`, `valid` for early stopping, `test`, or empty) and LightGBM parameters
that `dars train` uses. This script fits Python's LightGBM on that export the way `dars train`
does (per fold: fit with early stopping on the valid slice, predict the test block; then a final
fit on every labelled row with the median fold's tree count) and compares out-of-fold ROC AUC and
fit time with the Rust run's `model.json`. Both must see identical data, so any AUC gap is the
learner's, not the features'.

Usage (nothing here is needed to build or test DARS):

    python3 -m venv /tmp/lgbm-venv
    /tmp/lgbm-venv/bin/pip install lightgbm==4.7.0 numpy pandas scikit-learn
    dars train --data data --models models               # prints the version it wrote
    dars export features --data data --out /tmp/export   # same --folds/--embargo/... as train
    /tmp/lgbm-venv/bin/python benches/lightgbm_side_by_side.py /tmp/export \
        --rust-model models/<version>/model.json

Fit times are wall clock around Dataset construction plus boosting, as `dars train` measures
them, with the thread count from params.json on both sides.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

KEY_COLUMNS = ["account_id", "date", "label_date", "label"]


def load_export(directory: Path):
    params = json.loads((directory / "params.json").read_text())
    folds = json.loads((directory / "folds.json").read_text())
    n_folds = len(folds["folds"])
    fold_columns = [f"fold_{k}" for k in range(1, n_folds + 1)]
    header = pd.read_csv(directory / "features.csv", nrows=0).columns
    features = [c for c in header if c not in KEY_COLUMNS and c not in fold_columns]
    # Only an empty cell is missing (NaN, as LightGBM sees it from Rust); "NA" stays text.
    frame = pd.read_csv(
        directory / "features.csv",
        dtype={**{c: str for c in KEY_COLUMNS[:3] + fold_columns},
               **{c: np.float64 for c in features + ["label"]}},
        keep_default_na=False,
        na_values=[""],
    )
    x = frame[features].to_numpy(dtype=np.float64)
    label = frame["label"].to_numpy(dtype=np.float64)
    roles = {c: frame[c].fillna("").to_numpy() for c in fold_columns}
    return params, folds, features, x, label, roles, fold_columns


def fit(params, rounds, x, y, names, valid=None):
    """One LightGBM fit; returns the booster, its tree count and the seconds it took."""
    started = time.perf_counter()
    train_set = lgb.Dataset(x, y, feature_name=names, free_raw_data=False)
    kwargs = {}
    if valid is not None:
        valid_set = lgb.Dataset(valid[0], valid[1], reference=train_set)
        kwargs = {
            "valid_sets": [valid_set],
            "callbacks": [lgb.early_stopping(params["early_stopping_rounds"], verbose=False)],
        }
    p = {k: v for k, v in params.items() if k not in ("num_iterations", "early_stopping_rounds")}
    booster = lgb.train(p, train_set, num_boost_round=rounds, **kwargs)
    seconds = time.perf_counter() - started
    trees = booster.best_iteration if valid is not None and booster.best_iteration > 0 else booster.current_iteration()
    return booster, trees, seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("export", type=Path, help="directory written by `dars export features`")
    ap.add_argument("--rust-model", type=Path, help="model.json of the `dars train` run to compare with")
    ap.add_argument("--json", type=Path, help="also write the comparison as JSON here")
    args = ap.parse_args()

    started = time.perf_counter()
    params, folds, names, x, label, roles, fold_columns = load_export(args.export)
    print(f"loaded {x.shape[0]} rows x {x.shape[1]} features in {time.perf_counter() - started:.1f} s "
          f"(LightGBM {lgb.__version__}, {params.get('num_threads')} threads)")

    rust = json.loads(args.rust_model.read_text()) if args.rust_model else None
    if rust is not None:
        rust_names = [f["name"] for f in rust["features"]]
        if rust_names != names:
            sys.exit("the export's feature columns differ from the Rust model's features")

    rows = []
    oof_p, oof_y = [], []
    trees_per_fold = []
    cv_seconds = 0.0
    for k, column in enumerate(fold_columns):
        role = roles[column]
        fit_rows, valid_rows, test_rows = (role == "fit"), (role == "valid"), (role == "test")
        booster, trees, seconds = fit(
            params, params["num_iterations"], x[fit_rows], label[fit_rows], names,
            valid=(x[valid_rows], label[valid_rows]),
        )
        cv_seconds += seconds
        p = booster.predict(x[test_rows], num_iteration=trees)
        y = label[test_rows]
        auc = roc_auc_score(y, p)
        oof_p.append(p)
        oof_y.append(y)
        trees_per_fold.append(trees)
        row = {"fold": k + 1, "test_rows": int(test_rows.sum()), "python_trees": trees,
               "python_auc": auc, "python_fit_s": seconds}
        if rust is not None:
            rf = rust["metrics"]["folds"][k]
            row.update(rust_trees=rf["num_trees"], rust_auc=rf.get("raw_auc"), rust_fit_s=rf.get("fit_seconds"))
        rows.append(row)

    labelled = ~np.isnan(label)
    final_rounds = max(1, sorted(trees_per_fold)[len(trees_per_fold) // 2])
    _, _, final_seconds = fit(params, final_rounds, x[labelled], label[labelled], names)
    pooled_auc = roc_auc_score(np.concatenate(oof_y), np.concatenate(oof_p))

    def f(v, spec):
        return "-" if v is None else format(v, spec)

    print()
    print("fold   test  trees py/rust   AUC py   AUC rust   fit s py   fit s rust")
    for r in rows:
        print(f"{r['fold']:>4} {r['test_rows']:>6}  {r['python_trees']:>5} / {f(r.get('rust_trees'), '<5')}"
              f"  {r['python_auc']:>7.4f}   {f(r.get('rust_auc'), '>8.4f')}   {r['python_fit_s']:>8.2f}"
              f"   {f(r.get('rust_fit_s'), '>10.2f')}")
    rust_pooled = rust["metrics"]["uncalibrated"]["roc_auc"] if rust else None
    rust_cv = sum(fr.get("fit_seconds") or 0.0 for fr in rust["metrics"]["folds"]) if rust else None
    rust_final = rust["training"].get("fit_seconds") if rust else None
    print()
    print(f"out-of-fold AUC (raw probabilities, all folds pooled): Python {pooled_auc:.4f}, Rust {f(rust_pooled, '.4f')}")
    print(f"CV fits: Python {cv_seconds:.1f} s, Rust {f(rust_cv, '.1f')} s; "
          f"final fit ({final_rounds} trees): Python {final_seconds:.1f} s, Rust {f(rust_final, '.1f')} s")
    if args.json:
        args.json.write_text(json.dumps({
            "lightgbm_version": lgb.__version__,
            "folds": rows,
            "python": {"pooled_auc": pooled_auc, "cv_fit_s": cv_seconds, "final_fit_s": final_seconds,
                       "final_trees": final_rounds},
            "rust": None if rust is None else {"pooled_auc": rust_pooled, "cv_fit_s": rust_cv,
                                               "final_fit_s": rust_final,
                                               "final_trees": rust["training"]["num_trees"]},
        }, indent=2))


if __name__ == "__main__":
    main()
