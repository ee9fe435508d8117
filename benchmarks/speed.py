"""Prediction speed side by side with the reference implementation.

    benchmarks/speed.sh        # makes the environments, runs this, writes BENCHMARKS.md

Cases (issue "Speed" 1-3), on tables made by scikit-learn's
make_classification / make_regression (n_features=20, random_state=0):

1. row-wise `sqml_predict(e, json_object(...))` over every row, for
   logistic_regression and linear_regression; floor: the same
   `json_object(...)` without the prediction;
2. positional `sqml_predict(e, f1, ..., f20)`; floor: `abs(f1) + ... + abs(f20)`;
3. `sqml_predict_batch(e, json_group_array(json_object(...)))`; floor:
   `length(json_group_array(json_object(...)))`;
4. (issue "Model management") row-wise `sqml_predict_proba(e, ...)` of the
   logistic_regression, its features as a JSON object and as positional
   numbers; floor: SQLite building the JSON object per row, `json_object(...)`.
   Written to its own section (`--cases probabilities`).

Each timing is the median of RUNS runs, the sides alternated within each
run. The reference unpickles its model for every row, so its row-wise case
runs on the first REFERENCE_ROWS rows and is compared by throughput.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from report import machine, worker, write_section

FEATURES = [f"f{i}" for i in range(1, 21)]
OBJECT = "json_object(" + ", ".join(f"'{f}', {f}" for f in FEATURES) + ")"
POSITIONAL = ", ".join(FEATURES)
ABS = " + ".join(f"abs({f})" for f in FEATURES)


def timed(python: str, side: str, database: Path, sql: str) -> float:
    return worker(python, side, database, sql, timeout=3600)["seconds"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="folder with the .db files")
    parser.add_argument("--reference-python", required=True)
    parser.add_argument("--extension-python", required=True)
    parser.add_argument("--functions-python", required=True)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reference-rows", type=int, default=2_000)
    parser.add_argument(
        "--cases",
        nargs="*",
        default=["row-wise", "positional", "batch"],
        help="which cases to run (also: probabilities)",
    )
    args = parser.parse_args()
    pythons = {
        "reference": args.reference_python,
        "extension": args.extension_python,
        "functions": args.functions_python,
        "floor": args.extension_python,
    }
    cases = []
    for task, algorithm in (
        ("classification", "logistic_regression"),
        ("regression", "linear_regression"),
    ):
        ours = args.data / str(args.rows) / f"{task}-ours.db"
        theirs = args.data / str(args.rows) / f"{task}-reference.db"
        limit = f"(SELECT * FROM t LIMIT {args.reference_rows})"
        cases += [
            (
                f"1. row-wise, {algorithm}",
                {
                    "reference": (
                        theirs,
                        f"SELECT count(sqml_predict('e', {OBJECT})) FROM {limit}",
                        args.reference_rows,
                    ),
                    "extension": (
                        ours,
                        f"SELECT count(sqml_predict('e', {OBJECT})) FROM t",
                        args.rows,
                    ),
                    "functions": (
                        ours,
                        f"SELECT count(sqml_predict('e', {OBJECT})) FROM t",
                        args.rows,
                    ),
                    "floor": (ours, f"SELECT count({OBJECT}) FROM t", args.rows),
                },
            ),
            (
                f"2. positional, {algorithm}",
                {
                    "extension": (
                        ours,
                        f"SELECT count(sqml_predict('e', {POSITIONAL})) FROM t",
                        args.rows,
                    ),
                    "functions": (
                        ours,
                        f"SELECT count(sqml_predict('e', {POSITIONAL})) FROM t",
                        args.rows,
                    ),
                    "floor": (ours, f"SELECT count({ABS}) FROM t", args.rows),
                },
            ),
            (
                f"3. batch, {algorithm}",
                {
                    "reference": (
                        theirs,
                        f"SELECT length(sqml_predict_batch('e', json_group_array({OBJECT}))) FROM t",
                        args.rows,
                    ),
                    "extension": (
                        ours,
                        f"SELECT length(sqml_predict_batch('e', json_group_array({OBJECT}))) FROM t",
                        args.rows,
                    ),
                    "functions": (
                        ours,
                        f"SELECT length(sqml_predict_batch('e', json_group_array({OBJECT}))) FROM t",
                        args.rows,
                    ),
                    "floor": (ours, f"SELECT length(json_group_array({OBJECT})) FROM t", args.rows),
                },
            ),
        ]
    classification = args.data / str(args.rows) / "classification-ours.db"
    for form, features in (("JSON object", OBJECT), ("positional", POSITIONAL)):
        cases.append(
            (
                f"4. probabilities, {form}, logistic_regression",
                {
                    side: (
                        classification,
                        f"SELECT count(sqml_predict_proba('e', {features})) FROM t",
                        args.rows,
                    )
                    for side in ("extension", "functions")
                }
                | {"floor": (classification, f"SELECT count({OBJECT}) FROM t", args.rows)},
            )
        )
    cases = [c for c in cases if any(f". {kind}," in c[0] for kind in args.cases)]
    results = []
    for name, sides in cases:
        times = {side: [] for side in sides}
        for _ in range(args.runs):
            for side, (database, sql, _) in sides.items():
                times[side].append(timed(pythons[side], side, database, sql))
        medians = {side: statistics.median(values) for side, values in times.items()}
        rates = {side: sides[side][2] / medians[side] for side in sides}
        results.append((name, medians, rates))
        print(name, {s: round(m, 3) for s, m in medians.items()}, file=sys.stderr)
    write(args, results)
    return 0


def write(args, results) -> None:
    lines = [
        f"Written by `benchmarks/speed.py` on {machine()}; {args.rows:,} rows of 20 features, "
        f"median of {args.runs} runs with the sides alternated.",
        "",
        "| case | side | median s | rows/s | time per row / floor's | throughput / reference |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for name, medians, rates in results:
        for side in medians:
            # Per row: the reference's row-wise case runs on fewer rows.
            floor = rates["floor"] / rates[side] if side != "floor" and "floor" in rates else None
            versus = (
                rates[side] / rates["reference"]
                if "reference" in rates and side != "reference"
                else None
            )
            lines.append(
                f"| {name} | {side} | {medians[side]:.3f} | {rates[side]:,.0f} | "
                f"{'' if floor is None else f'{floor:.2f}x'} | {'' if versus is None else f'{versus:,.0f}x'} |"
            )
    name = "prediction" if args.rows == 100_000 else f"prediction-{args.rows}"
    if args.cases == ["probabilities"]:
        name = "probabilities"
    write_section(name, "\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
