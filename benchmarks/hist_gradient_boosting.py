"""hist_gradient_boosting beside LightGBM and scikit-learn's
HistGradientBoosting (issue "Histogram gradient boosting"), both tasks, on
make_classification / make_regression rows (20 features, 10 informative,
random_state 0), 75% for training, each side on the machine's 2 cores.

    benchmarks/hist_gradient_boosting.sh     # makes the environment, runs this

Sides: our whole `sqml_train` statement (read, bin, fit, score, store) on
an SQLite table; LightGBM 4's fit alone on numpy arrays; the user's whole
job with LightGBM (pandas.read_sql of the table, fit, predict the test
rows); scikit-learn's fit alone. Writes its table into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
from pathlib import Path

import lightgbm
import numpy as np
import pandas as pd
import sklearn
from report import machine, write_section
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import accuracy_score, r2_score

import sqlite_ml

FEATURES = 20


def data(task: str, rows: int):
    if task == "classification":
        return make_classification(
            n_samples=rows, n_features=FEATURES, n_informative=10, random_state=0
        )
    return make_regression(n_samples=rows, n_features=FEATURES, n_informative=10, random_state=0)


def write_table(path: Path, x: np.ndarray, y: np.ndarray) -> None:
    with sqlite3.connect(path) as conn:
        columns = ", ".join(f"f{i} REAL" for i in range(FEATURES))
        conn.execute(f"CREATE TABLE t ({columns}, target)")
        marks = ", ".join("?" * (FEATURES + 1))
        conn.executemany(f"INSERT INTO t VALUES ({marks})", np.column_stack([x, y]).tolist())


def timed(work):
    start = time.perf_counter()
    value = work()
    return time.perf_counter() - start, value


def run(task: str, rows: int) -> list[str]:
    """The four sides' rows of the table for `task`."""
    out: list[str] = []
    x, y = data(task, rows)
    if task == "classification":
        y = y.astype(float)
    cut = rows * 3 // 4
    score = accuracy_score if task == "classification" else r2_score
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.db"
        write_table(path, x, y)
        conn = sqlite_ml.connect(path)
        options = json.dumps({"test_size": 0.25, "split_strategy": "last"})
        seconds, report = timed(
            lambda: json.loads(
                conn.execute(
                    "SELECT sqml_train('e', ?, 'hist_gradient_boosting', 't', 'target', ?)",
                    (task, options),
                ).fetchone()[0]
            )
        )
        conn.close()
        out.append(
            f"| {task} | sqlite-ml, whole statement | {seconds:.2f} | {report['score']:.4f} |"
        )
        model = lightgbm.LGBMClassifier if task == "classification" else lightgbm.LGBMRegressor
        seconds, fitted = timed(lambda: model(n_jobs=2, verbose=-1).fit(x[:cut], y[:cut]))
        out.append(
            f"| {task} | LightGBM, fit alone | {seconds:.2f} "
            f"| {score(y[cut:], fitted.predict(x[cut:])):.4f} |"
        )

        def job():
            with sqlite3.connect(path) as c:
                frame = pd.read_sql("SELECT * FROM t", c)
            features, target = frame.drop(columns="target"), frame["target"]
            fitted = model(n_jobs=2, verbose=-1).fit(features[:cut], target[:cut])
            return score(target[cut:], fitted.predict(features[cut:]))

        seconds, value = timed(job)
        out.append(f"| {task} | LightGBM, read_sql + fit + predict | {seconds:.2f} | {value:.4f} |")
        hist = (
            HistGradientBoostingClassifier
            if task == "classification"
            else HistGradientBoostingRegressor
        )
        seconds, fitted = timed(lambda: hist(random_state=0).fit(x[:cut], y[:cut]))
        out.append(
            f"| {task} | scikit-learn, fit alone | {seconds:.2f} "
            f"| {score(y[cut:], fitted.predict(x[cut:])):.4f} |"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    lines = [
        f"Written by `benchmarks/hist_gradient_boosting.py` on {machine()}; "
        f"{args.rows:,} rows x {FEATURES} features, 75% training; LightGBM "
        f"{lightgbm.__version__}, scikit-learn {sklearn.__version__}, default settings, "
        "2 threads each. Seconds; the score is accuracy or r2 on the other 25%.",
        "",
        "| task | side | seconds | score |",
        "| --- | --- | ---: | ---: |",
    ]
    for task in ("classification", "regression"):
        lines += run(task, args.rows)
    write_section("hist-gradient-boosting", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
