"""Every algorithm: trains through SQL, is stored, and predicts the same
values when loaded by a new process (so no cached model can answer)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

import sqlite_ml

REGRESSION = [
    "dummy",
    "linear_regression",
    "sgd",
    "ridge",
    "ridge_cv",
    "elastic_net",
    "elastic_net_cv",
    "lasso",
    "lasso_cv",
    "decision_tree",
    "ada_boost",
    "bagging",
    "gradient_boosting",
    "hist_gradient_boosting",
    "random_forest",
    "extra_trees",
    "knn",
    "mlp",
    "svr",
]
CLASSIFICATION = [
    "dummy",
    "logistic_regression",
    "sgd",
    "ridge",
    "ridge_cv",
    "decision_tree",
    "ada_boost",
    "bagging",
    "gradient_boosting",
    "hist_gradient_boosting",
    "random_forest",
    "extra_trees",
    "knn",
    "mlp",
    "svc",
]
CASES = [("regression", a, "diabetes") for a in REGRESSION] + [
    ("classification", a, "wine") for a in CLASSIFICATION
]


def batch_sql(experiment: str, table: str, limit: int = 40) -> str:
    return (
        f"SELECT sqml_predict_batch('{experiment}', json_group_array(json(row))) "
        f"FROM (SELECT json_array({{columns}}) AS row FROM {table} ORDER BY rowid LIMIT {limit})"
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    path = tmp_path_factory.mktemp("algorithms") / "models.db"
    conn = sqlite_ml.connect(path, route="functions")
    columns = {}
    for dataset in ("diabetes", "wine"):
        loaded = sqlite_ml.load_dataset(conn, dataset)
        columns[dataset] = ", ".join(f"[{c}]" for c in loaded["feature_names"])
    results = {}
    for task, algorithm, dataset in CASES:
        experiment = f"{dataset} {algorithm}"
        report = sqlite_ml.train(conn, experiment, task, algorithm, f"dataset_{dataset}", "target")
        sql = batch_sql(experiment, f"dataset_{dataset}").format(columns=columns[dataset])
        results[(task, algorithm)] = (report, sql, conn.execute(sql).fetchone()[0])
    conn.close()
    return path, results


def test_the_algorithm_lists_are_the_documented_ones():
    conn = sqlite_ml.connect(":memory:")
    sqlite_ml.load_dataset(conn, "iris")
    for task, names in (("regression", REGRESSION), ("classification", CLASSIFICATION)):
        with pytest.raises(sqlite3.OperationalError) as raised:
            conn.execute(f"SELECT sqml_train('x', '{task}', 'nope', 'dataset_iris', 'target')")
        assert str(raised.value) == (
            f"sqml_train: unknown algorithm 'nope' for {task}; available: {', '.join(names)}"
        )


@pytest.mark.parametrize(
    ("task", "algorithm", "dataset"), CASES, ids=[f"{t}-{a}" for t, a, _ in CASES]
)
def test_each_algorithm_predicts_the_same_in_a_new_process(trained, task, algorithm, dataset):
    path, results = trained
    report, sql, in_process = results[(task, algorithm)]
    assert report["algorithm"] == algorithm and report["deployed"] is True
    assert report["library"] in {"smartcore", "linfa", "sqlite-ml"}
    predictions = json.loads(in_process)
    assert len(predictions) == 40
    if task == "classification":
        assert set(predictions) <= {0.0, 1.0, 2.0}
    fresh = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import sys, sqlite_ml; conn = sqlite_ml.connect(sys.argv[1], route='functions'); "
                "print(conn.execute(sys.argv[2]).fetchone()[0])"
            ),
            str(path),
            sql,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert fresh.returncode == 0, fresh.stderr
    assert json.loads(fresh.stdout) == predictions
