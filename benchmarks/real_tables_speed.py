"""Speed and memory of training on text and NULL columns (issue "Real tables").

    benchmarks/real_tables.sh      # runs this after the quality table

1. Reading and preprocessing: `sqml_train(..., 'dummy', ...)` (whose fit is
   a mean, so the time is reading, splitting, preprocessing, scoring and
   recording) on ROWS rows of 20 numeric + 5 text columns (1% NULL in each
   numeric column, 2% in each text one; 5 to 1,000 categories), as integer
   codes (the trees' default), as the scaled estimators' default (one-hot
   up to 32 categories, target encoding above) and as one-hot columns
   throughout (the widest matrix), the last two asked for with `preprocess`,
   beside the same on a table of the 20 numeric columns alone. Target: at
   most 1.5x.
2. Memory: the peak resident memory of the one-hot training above the
   process's before it, beside the formula's bound.
3. Row-wise `sqml_predict(e, json_object(...))` of a ridge model with 3 text
   and 5 numeric columns over 100,000 rows, beside the floor: SQLite
   building the same `json_object(...)` per row. Target: within 2x.

Each timing is the median of RUNS runs, each in a fresh process
(`speed_worker.py`), the cases taken in turn within each run.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
from pathlib import Path

import numpy as np
from report import machine, size, worker, write_section

NUMERIC = [f"n{i}" for i in range(1, 21)]
TEXT = {"t1": 10, "t2": 50, "t3": 200, "t4": 1000, "t5": 5}


def make_training_table(path: Path, rows: int) -> None:
    if path.exists():
        return
    rng = np.random.default_rng(0)
    conn = sqlite3.connect(path)
    columns = ", ".join([f"{c} REAL" for c in NUMERIC] + [f"{c} TEXT" for c in TEXT] + ["y REAL"])
    conn.execute(f"CREATE TABLE t ({columns})")
    chunk = 100_000
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        numbers = rng.normal(size=(n, len(NUMERIC)))
        numbers[rng.random(size=numbers.shape) < 0.01] = np.nan
        texts = []
        for name, k in TEXT.items():
            codes = rng.zipf(1.5, size=n) % k
            values = np.array([f"{name}-{c}" for c in range(k)], dtype=object)[codes]
            values[rng.random(size=n) < 0.02] = None
            texts.append(values)
        y = np.nansum(numbers[:, :5], axis=1) + (codes % 3)
        batch = [
            tuple(None if np.isnan(v) else float(v) for v in numbers[i])
            + tuple(t[i] for t in texts)
            + (float(y[i]),)
            for i in range(n)
        ]
        conn.executemany(f"INSERT INTO t VALUES ({', '.join('?' * 26)})", batch)
    conn.execute(f"CREATE TABLE numeric_only AS SELECT {', '.join(NUMERIC)}, y FROM t")
    conn.commit()
    conn.close()


def make_prediction_table(path: Path, python: str) -> None:
    if path.exists():
        return
    rng = np.random.default_rng(1)
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE TABLE p (a REAL, b REAL, c REAL, d REAL, e REAL, x TEXT, z TEXT, w TEXT, y REAL)"
    )
    n = 100_000
    numbers = rng.normal(size=(n, 5))
    x = rng.integers(0, 8, n)
    z = rng.integers(0, 40, n)
    w = rng.integers(0, 3, n)
    rows = [
        (*map(float, numbers[i]), f"x{x[i]}", f"z{z[i]}" if i % 50 else None, f"w{w[i]}",
         float(numbers[i].sum() + x[i] - w[i]))
        for i in range(n)
    ]  # fmt: skip
    conn.executemany("INSERT INTO p VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    worker(python, "functions", path, "SELECT sqml_train('pe', 'regression', 'ridge', 'p', 'y')")


def median_run(runs: int, python: str, side: str, database: Path, sql) -> dict:
    return interleaved(runs, {"only": (python, side, database, sql)})["only"]


def interleaved(runs: int, cases: dict) -> dict:
    """Each case's median over `runs`, the cases taken in turn within each run:
    a machine that slows down for a while slows every case alike."""
    results = {name: [] for name in cases}
    for i in range(runs):
        for name, (python, side, database, sql) in cases.items():
            results[name].append(worker(python, side, database, sql(i)))
    return {
        name: {
            "seconds": statistics.median(r["seconds"] for r in done),
            "peak": max(r.get("peak_rss_above_baseline") or 0 for r in done),
        }
        for name, done in results.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--functions-python", required=True)
    parser.add_argument("--extension-python", required=True)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    training_db = args.data / f"real-{args.rows}.db"
    make_training_table(training_db, args.rows)
    one_hot = json.dumps({"preprocess": {c: {"encode": "one_hot"} for c in TEXT}})
    # The scaled estimators' defaults: one-hot up to 32 categories, else target.
    scaled = json.dumps(
        {"preprocess": {c: {"encode": "one_hot" if k <= 32 else "target"} for c, k in TEXT.items()}}
    )

    def train(table: str, options: str | None = None):
        extra = f", '{options}'" if options else ""
        return lambda i: (
            f"SELECT sqml_train('speed {table} {i} {hash(options) % 1000}', 'regression', 'dummy', "
            f"'{table}', 'y'{extra})"
        )

    python = args.functions_python
    routes = {"extension": args.extension_python, "functions": python}
    timings = {
        route: interleaved(
            args.runs,
            {
                case: (py, route, training_db, sql)
                for case, sql in (
                    ("numeric", train("numeric_only")),
                    ("codes", train("t")),
                    ("scaled", train("t", scaled)),
                    ("one-hot", train("t", one_hot)),  # last: its model gives the width
                )
            },
        )
        for route, py in routes.items()
    }
    import sqlite_ml

    info_conn = sqlite_ml.connect(training_db)
    (last,) = info_conn.execute("SELECT max(id) FROM sqml_models").fetchone()
    info = sqlite_ml.model_info(info_conn, last)  # the last one-hot model, for its width
    info_conn.close()
    width = sum(
        len(c["categories"]) + 1 if c["encoding"] == "one_hot" else 1 for c in info["columns"]
    )
    rows = args.rows
    # Raw columns (8 bytes a number, 4 a code) + the encoded training and test rows.
    bound = rows * (len(NUMERIC) * 8 + len(TEXT) * 4 + 8) + rows * width * 8

    prediction_db = args.data / "real-predict.db"
    make_prediction_table(prediction_db, python)
    obj = "json_object('a', a, 'b', b, 'c', c, 'd', d, 'e', e, 'x', x, 'z', z, 'w', w)"
    floor = median_run(args.runs, sys.executable, "floor", prediction_db,
                       lambda i: f"SELECT sum(length({obj})) FROM p")  # fmt: skip
    sides = {
        side: median_run(args.runs, py, side, prediction_db,
                         lambda i: f"SELECT sum(sqml_predict('pe', {obj})) FROM p")
        for side, py in (("extension", args.extension_python), ("functions", python))
    }  # fmt: skip

    lines = [
        f"Measured {machine()}; `benchmarks/real_tables.sh`, median of {args.runs} runs, "
        "each in a fresh process.",
        "",
        f"Reading and preprocessing {rows:,} rows (a `dummy` training):",
        "",
        "| route | table | seconds | x numeric alone | target | peak memory above baseline |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
        *[
            f"| {route} | {label} | {t[case]['seconds']:.2f} | "
            f"{t[case]['seconds'] / t['numeric']['seconds']:.2f} | "
            f"{'' if case == 'numeric' else 'at most 1.5'} | {size(t[case]['peak'])} |"
            for route, t in timings.items()
            for case, label in (
                ("numeric", "20 numeric columns"),
                ("codes", "20 numeric + 5 text, codes (trees' default)"),
                ("scaled", "20 numeric + 5 text, scaled estimators' default (2 one-hot, 3 target)"),
                ("one-hot", f"20 numeric + 5 text, one-hot ({width} columns)"),
            )
        ],
        "",
        f"Peak formula for the one-hot case: rows x (8 bytes per numeric column + 4 per text "
        f"column + 8 for the target) for the columns read, plus rows x {width} encoded slots x "
        f"8 bytes for the training and test rows = {size(bound)}; measured "
        f"{size(timings['extension']['one-hot']['peak'])} (extension route).",
        "",
        "Row-wise `sqml_predict(e, json_object(...))`, ridge with 3 text and 5 numeric "
        "columns, 100,000 rows:",
        "",
        "| side | seconds | x floor | target |",
        "| --- | ---: | ---: | ---: |",
        f"| floor: `length(json_object(...))` | {floor['seconds']:.3f} | 1.00 | |",
    ]
    for side, result in sides.items():
        lines.append(
            f"| {side} | {result['seconds']:.3f} | {result['seconds'] / floor['seconds']:.2f} | "
            "within 2 |"
        )
    write_section("real-tables-speed", "\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
