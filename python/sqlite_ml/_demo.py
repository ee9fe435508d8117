"""The iris tutorial, as `python -m sqlite_ml demo` runs it."""

from __future__ import annotations

import sqlite3

from . import connect

FEATURES = ("sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)")
AS_JSON = "json_object(" + ", ".join(f"'{f}', [{f}]" for f in FEATURES) + ")"

STEPS = [
    ("Load the iris dataset into a table", "SELECT sqml_load_dataset('iris') AS dataset"),
    (
        "Train a logistic regression; the first model of an experiment is deployed",
        "SELECT sqml_train('Iris prediction', 'classification', 'logistic_regression',\n"
        "                  'dataset_iris', 'target') AS training",
    ),
    (
        "Predict one flower",
        "SELECT sqml_predict('Iris prediction', json_object(\n"
        "    'sepal length (cm)', 5.1, 'sepal width (cm)', 3.5,\n"
        "    'petal length (cm)', 1.4, 'petal width (cm)', 0.2)) AS prediction",
    ),
    (
        "Predict a batch in one call",
        f"SELECT sqml_predict_batch('Iris prediction', json_group_array({AS_JSON}))\n"
        "    AS predictions\n"
        "FROM (SELECT * FROM dataset_iris WHERE rowid % 30 = 1)",
    ),
    (
        "Find the rows the model gets wrong",
        "SELECT rowid, target, prediction FROM (\n"
        f"    SELECT rowid, target, sqml_predict('Iris prediction', {AS_JSON}) AS prediction\n"
        "    FROM dataset_iris)\nWHERE prediction != target",
    ),
    (
        "Train a random forest; it scores better, so it is deployed",
        "SELECT sqml_train('Iris prediction', 'classification', 'random_forest',\n"
        "                  'dataset_iris', 'target') AS training",
    ),
    (
        "The runs so far",
        "SELECT run_id, experiment, status, algorithm, score FROM sqml_runs_overview",
    ),
    ("The deployments: the active flag moved", "SELECT id, model_id, active FROM sqml_deployments"),
]


def show(cursor: sqlite3.Cursor) -> None:
    names = [d[0] for d in cursor.description]
    rows = [["" if v is None else str(v) for v in row] for row in cursor.fetchall()]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    print("  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def run() -> None:
    conn = connect(":memory:")
    for title, sql in STEPS:
        print(f"-- {title}")
        print(sql + ";")
        show(conn.execute(sql))
        print()
