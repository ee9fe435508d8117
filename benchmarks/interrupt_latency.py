"""How long each algorithm takes to stop after `conn.interrupt()`, for
ROBUSTNESS.md: every algorithm trained on a 200,000-row table (the SVMs on
their limit of 20,000 rows), interrupted at a random moment of its fit.

    python benchmarks/interrupt_latency.py [--route functions|extension] [--trials 5]
        [--skip logistic_regression,...]

Needs only sqlite_ml installed in the Python that runs it. Prints a
Markdown table.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import tempfile
import threading
import time
from pathlib import Path

import sqlite_ml

ROWS = 200_000
SVM_ROWS = 20_000


def make_table(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(
            f"""CREATE TABLE big AS
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS})
            SELECT (i * 7919) % 1000 / 10.0 AS a, (i * 104729) % 997 / 9.0 AS b,
                   (i * 31) % 101 AS c, (i * 17) % 53 / 3.0 AS d,
                   sin(i) AS e, cos(i * 3) AS f, 'k' || ((i * 13) % 9) AS kind,
                   (i * 7919) % 1000 / 10.0 + 3 * sin(i) + (i % 7) AS value,
                   'c' || (((i * 7919) % 1000 / 250) + (i % 3 = 0)) AS label
              FROM n"""
        )
        conn.execute(f"CREATE VIEW svm_rows AS SELECT * FROM big LIMIT {SVM_ROWS}")


class Trial:
    """Interrupts the connection `delay` seconds after the fit (or the
    scoring that follows a fit too short to be seen) starts."""

    def __init__(self, conn: sqlite3.Connection, delay: float):
        self.conn, self.delay = conn, delay
        self.timer: threading.Timer | None = None
        self.at: float | None = None

    def __call__(self, progress: sqlite_ml.Progress) -> None:
        if self.timer is None and progress.phase in ("fitting", "searching", "scoring"):
            self.timer = threading.Timer(self.delay, self.fire)
            self.timer.start()

    def fire(self) -> None:
        self.at = time.monotonic()
        self.conn.interrupt()


def train(conn, task, algorithm, progress=None, **options):
    dataset = "svm_rows" if algorithm in ("svr", "svc") else "big"
    target = "value" if task == "regression" else "label"
    name = f"{task}-{algorithm}-{time.monotonic_ns()}"
    return sqlite_ml.train(
        conn, name, task, algorithm, dataset, target, progress=progress, **options
    )


def measure(conn, task, algorithm, trials, rng, **options) -> dict:
    started = time.monotonic()
    train(conn, task, algorithm, **options)
    whole = time.monotonic() - started
    latencies, finished = [], 0
    for _ in range(trials):
        trial = Trial(conn, rng.uniform(0.05, 1.0))
        try:
            train(conn, task, algorithm, progress=trial, **options)
            finished += 1
            if trial.timer is not None:
                trial.timer.cancel()
        except sqlite3.OperationalError as error:
            assert "interrupted" in str(error), error
            latencies.append(time.monotonic() - trial.at)
    return {"whole": whole, "latencies": latencies, "finished": finished}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--route", default="auto")
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--skip", default="", help="algorithms to leave out, comma-separated")
    args = parser.parse_args()
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "latency.db"
        make_table(path)
        conn = sqlite_ml.connect(path, route=args.route, check_same_thread=False)
        extension = sqlite_ml.can_load_extension(conn) and args.route != "functions"
        route = "extension" if extension else "functions"
        listed = json.loads(conn.execute("SELECT sqml_debug('algorithms')").fetchone()[0])
        skipped = set(filter(None, args.skip.split(",")))
        cases = [(a["prediction_type"], a["name"], {}) for a in listed if a["name"] not in skipped]
        cases.append(
            (
                "classification",
                "random_forest",
                {
                    "search": "grid",
                    "search_params": {"n_estimators": [20, 50], "max_depth": [8, None]},
                    "search_args": {"cv": 3},
                },
            )
        )
        print(f"Route: {route}; {ROWS:,} rows (svr/svc: {SVM_ROWS:,}); seconds.\n")
        print("| algorithm | task | whole fit | interrupted | median | worst |")
        print("| --- | --- | ---: | ---: | ---: | ---: |")
        for task, algorithm, options in cases:
            trials = 2 if algorithm in ("svr", "svc") else args.trials
            found = measure(conn, task, algorithm, trials, rng, **options)
            name = algorithm + (" (grid search)" if options else "")
            done = found["latencies"]
            median = f"{statistics.median(done):.3f}" if done else "-"
            worst = f"{max(done):.3f}" if done else "-"
            print(
                f"| {name} | {task} | {found['whole']:.2f} | {len(done)} of {trials} "
                f"| {median} | {worst} |",
                flush=True,
            )
        conn.close()


if __name__ == "__main__":
    main()
