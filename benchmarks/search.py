"""Grid search side by side with scikit-learn's GridSearchCV (issue "Model
management"): 12 random_forest candidates x 5 folds on 100,000 rows of 20
features (make_classification, random_state=0).

    benchmarks/search.sh       # makes the environment, runs this, writes BENCHMARKS.md

The table holds 125,000 rows; `split_strategy: last` with `test_size: 0.2`
leaves the first 100,000, in table order, as the training rows that
sqml_train cross-validates on, and GridSearchCV(n_jobs=2, cv=5) gets the
same 100,000 rows. Both fold them without shuffling, stratified by class.
Each side runs in a fresh process, the sides alternated, RUNS times.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from report import machine, write_section

GRID = {"max_depth": [8, 16, None], "min_samples_leaf": [1, 5], "n_estimators": [25, 50]}
ROWS, TRAINING = 125_000, 100_000

SKLEARN = """
import json, sqlite3, sys, time
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import GridSearchCV
rows = np.array(sqlite3.connect(sys.argv[1]).execute("SELECT * FROM t").fetchall())[:int(sys.argv[2])]
grid = json.loads(sys.argv[3])
start = time.perf_counter()
search = GridSearchCV(RandomForestClassifier(random_state=0), grid, cv=5, n_jobs=2)
search.fit(rows[:, :-1], rows[:, -1])
print(json.dumps({"seconds": time.perf_counter() - start, "best_cv_score": search.best_score_,
                  "best_params": search.best_params_}))
"""

OURS = """
import json, sys, time
import sqlite_ml
conn = sqlite_ml.connect(sys.argv[1])
options = {"split_strategy": "last", "test_size": 0.2, "search": "grid",
           "search_params": json.loads(sys.argv[3]), "search_args": {"cv": 5}}
start = time.perf_counter()
(report,) = conn.execute(
    "SELECT sqml_train('grid', 'classification', 'random_forest', 't', 'target', ?)",
    (json.dumps(options),)).fetchone()
seconds = time.perf_counter() - start
report = json.loads(report)
assert report["rows"]["training"] == int(sys.argv[2]), report["rows"]
print(json.dumps({"seconds": seconds, "best_cv_score": report["search"]["best_cv_score"],
                  "best_params": report["search"]["best_params"]}))
"""


def make_table(python: str, path: Path) -> None:
    if path.exists():
        return
    code = f"""
import sqlite3
import numpy as np
from sklearn.datasets import make_classification
x, y = make_classification(n_samples={ROWS}, n_features=20, random_state=0)
conn = sqlite3.connect({str(path)!r})
conn.execute("CREATE TABLE t (" + ", ".join(f"f{{i}} REAL" for i in range(20)) + ", target INTEGER)")
conn.executemany("INSERT INTO t VALUES (" + ", ".join("?" * 21) + ")",
                 [list(r) + [int(c)] for r, c in zip(x.tolist(), y)])
conn.commit()
"""
    subprocess.run([python, "-c", code], check=True)


def run(python: str, code: str, database: Path) -> dict:
    """One side in a fresh process, on a fresh copy of the table (no catalog)."""
    copy = database.with_name("run.db")
    shutil.copyfile(database, copy)
    done = subprocess.run(
        [python, "-c", code, str(copy), str(TRAINING), json.dumps(GRID)],
        capture_output=True,
        text=True,
        timeout=7200,
    )
    copy.unlink()
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--python", required=True, help="with sqlite_ml and scikit-learn")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    database = args.data / "search.db"
    make_table(args.python, database)
    sides = {"sqlite-ml": OURS, "scikit-learn": SKLEARN}
    results: dict[str, list[dict]] = {side: [] for side in sides}
    for _ in range(args.runs):
        for side, code in sides.items():
            results[side].append(run(args.python, code, database))
            print(side, results[side][-1], file=sys.stderr)
    versions = subprocess.run(
        [
            args.python,
            "-c",
            "import sklearn, sqlite_ml; print(sklearn.__version__, sqlite_ml.__version__)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    medians = {
        side: statistics.median(r["seconds"] for r in runs) for side, runs in results.items()
    }
    lines = [
        f"Written by `benchmarks/search.py` on {machine()}; scikit-learn {versions[0]}, "
        f"sqlite-ml {versions[1]}. {len(next(iter(results.values())))} runs per side, alternated; "
        f"grid {json.dumps(GRID)} (12 candidates) x 5 folds on {TRAINING:,} rows of 20 features.",
        "",
        "| side | median s | runs (s) | / scikit-learn's time | best CV accuracy | best parameters |",
        "| --- | ---: | --- | ---: | ---: | --- |",
    ]
    for side, runs in results.items():
        ratio = medians[side] / medians["scikit-learn"]
        each = ", ".join(f"{r['seconds']:.1f}" for r in runs)
        best = json.dumps(runs[0]["best_params"])
        lines.append(
            f"| {side} | {medians[side]:.1f} | {each} | {ratio:.2f}x | "
            f"{runs[0]['best_cv_score']:.4f} | `{best}` |"
        )
    gap = results["sqlite-ml"][0]["best_cv_score"] - results["scikit-learn"][0]["best_cv_score"]
    lines += [
        "",
        f"Target: at most 0.5x scikit-learn's time, best CV score within 0.01. Measured: "
        f"{medians['sqlite-ml'] / medians['scikit-learn']:.2f}x, gap {gap:+.4f}.",
    ]
    write_section("search", "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
