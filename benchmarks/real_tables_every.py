"""Every algorithm on every real table, as it is (issue "Real tables").

    benchmarks/real_tables.sh      # runs this after the quality table

Trains each algorithm of the table's task with no options on the tables of
`real_tables.py`, and checks that predicting the test rows with
`sqml_predict` gives back the stored score. Writes a table of scores and
seconds to benchmarks/QUALITY.every.md; an algorithm that refuses a table
(svr and svc above their row limit) shows its error.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import real_tables

import sqlite_ml


def algorithms(conn, kind: str) -> list[str]:
    listed = json.loads(conn.execute("SELECT sqml_debug('algorithms')").fetchone()[0])
    return [a["name"] for a in listed if a["prediction_type"] == kind]


def replayed_score(conn, name: str, target: str, experiment: str, kind: str) -> float:
    """The score of `sqml_predict` on the test rows ('last' split: the last 25%)."""
    (known,) = conn.execute(
        f'SELECT count(*) FROM "{name}" WHERE "{target}" IS NOT NULL'
    ).fetchone()
    n_test = math.ceil(0.25 * known)
    rows = conn.execute(
        f'SELECT "{target}", sqml_predict(?, json_object({columns(conn, name, target)})) '
        f'FROM (SELECT * FROM "{name}" WHERE "{target}" IS NOT NULL LIMIT -1 OFFSET ?)',
        (experiment, known - n_test),
    ).fetchall()
    truth = [r[0] for r in rows]
    predicted = [r[1] for r in rows]
    if kind == "classification":
        return sum(str(p) == str(t) for p, t in zip(predicted, truth, strict=True)) / len(truth)
    mean = sum(truth) / len(truth)
    total = sum((t - mean) ** 2 for t in truth)
    return 1 - sum((t - p) ** 2 for t, p in zip(truth, predicted, strict=True)) / total


def columns(conn, name: str, target: str) -> str:
    names = [r[1] for r in conn.execute(f'PRAGMA table_info("{name}")') if r[1] != target]
    return ", ".join(f"'{c}', \"{c}\"" for c in names)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--only", nargs="*", help="table names to run (default: all); other tables' rows stay"
    )
    args = parser.parse_args()
    lines = [
        "## Every algorithm on every real table",
        "",
        "Written by `benchmarks/real_tables_every.py`: each algorithm trained with no",
        "options (split_strategy 'last'), then the test rows predicted one by one with",
        "`sqml_predict` (raw values, text and NULL as they are); `replayed` is that score,",
        "which must equal the stored one. Seconds are the training's.",
        "",
        "| table | rows | algorithm | score | replayed | seconds |",
        "| --- | ---: | --- | ---: | :---: | ---: |",
    ]
    failures = 0
    header = len(lines)
    for name, load, _source, kind, target in real_tables.TABLES:
        if args.only and name not in args.only:
            continue
        frame = load().sample(frac=1.0, random_state=0).reset_index(drop=True)
        conn = sqlite_ml.connect(":memory:")
        frame.to_sql(name, conn, index=False)
        for algorithm in algorithms(conn, kind):
            experiment = f"{name} {algorithm}"
            start = time.perf_counter()
            try:
                report = sqlite_ml.train(
                    conn, experiment, kind, algorithm, name, target, split_strategy="last"
                )
            except Exception as error:  # shown in the table: svr/svc above their limit
                seconds = time.perf_counter() - start
                message = str(error).replace("|", "\\|")
                lines.append(f"| {name} | {len(frame):,} | {algorithm} | refused: {message} | | "
                             f"{seconds:.1f} |")  # fmt: skip
                print(f"{name:9} {algorithm:20} refused: {message}", file=sys.stderr, flush=True)
                continue
            seconds = time.perf_counter() - start
            replayed = replayed_score(conn, name, target, experiment, kind)
            same = math.isclose(replayed, report["score"], rel_tol=1e-9, abs_tol=1e-12)
            failures += not same
            lines.append(
                f"| {name} | {len(frame):,} | {algorithm} | {report['score']:.4f} | "
                f"{'same' if same else f'{replayed:.4f}'} | {seconds:.1f} |"
            )
            print(
                f"{name:9} {algorithm:20} {report['score']:.4f} replayed {replayed:.4f} "
                f"({seconds:.1f} s)",
                file=sys.stderr,
                flush=True,
            )
        conn.close()
    if args.only and args.out.exists():
        # The other tables' rows of an earlier run stay, in the tables' order.
        kept = [
            line
            for line in args.out.read_text().splitlines()[header:]
            if line.startswith("| ") and line.split(" | ")[0][2:] not in args.only
        ]
        order = [t[0] for t in real_tables.TABLES]
        rows = kept + lines[header:]
        rows.sort(key=lambda line: order.index(line.split(" | ")[0][2:]))  # stable
        lines[header:] = rows
    args.out.write_text("\n".join(lines) + "\n")
    print(f"{failures} replayed scores differ", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
