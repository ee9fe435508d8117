"""The SQL API (datasets, training, the catalog, predictions) through every door."""

from __future__ import annotations

import json

import pytest

import sqlite_ml

from doors import SqlError, expected_message

IRIS_FEATURES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
CATALOG = ["sqml_experiments", "sqml_runs", "sqml_models", "sqml_metrics", "sqml_deployments"]


def scalar(door, sql: str):
    rows = door.query(sql)
    assert len(rows) == 1 and len(rows[0]) == 1, rows
    return rows[0][0]


def write(door, sql: str):
    """Runs a writing statement through the door, or beside it for read-only doors."""
    if door.writable:
        return scalar(door, sql)
    conn = sqlite_ml.connect(door.path, route="functions")
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def iris_object(alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    pairs = ", ".join(f"'{name}', {prefix}[{name}]" for name in IRIS_FEATURES)
    return f"json_object({pairs})"


def counts(door) -> dict[str, int]:
    return {table: scalar(door, f"SELECT count(*) FROM {table}") for table in CATALOG}


@pytest.fixture(scope="module")
def iris(door):
    """The door's database with iris loaded and one logistic regression trained."""
    loaded = json.loads(write(door, "SELECT sqml_load_dataset('iris')"))
    trained = json.loads(
        write(
            door,
            "SELECT sqml_train('Iris prediction', 'classification', 'logistic_regression', "
            "'dataset_iris', 'target')",
        )
    )
    return door, loaded, trained


def test_load_dataset_reports_the_table_it_wrote(iris):
    door, loaded, _ = iris
    assert loaded == {
        "table": "dataset_iris",
        "feature_names": IRIS_FEATURES,
        "target_names": ["setosa", "versicolor", "virginica"],
        "size": 150,
    }
    columns = door.query("SELECT name, type FROM pragma_table_info('dataset_iris')")
    assert columns == [(name, "REAL") for name in [*IRIS_FEATURES, "target"]]
    assert scalar(door, "SELECT count(*) FROM dataset_iris") == 150


def test_train_reports_and_records_the_run(iris):
    door, _, trained = iris
    assert {
        k: trained[k] for k in ("experiment_name", "prediction_type", "algorithm", "deployed")
    } == {
        "experiment_name": "Iris prediction",
        "prediction_type": "classification",
        "algorithm": "logistic_regression",
        "deployed": True,
    }
    assert 0.8 < trained["score"] <= 1.0
    run = door.query(
        "SELECT status, algorithm, dataset, target, test_size, split_strategy FROM sqml_runs"
    )
    assert run == [("success", "logistic_regression", "dataset_iris", "target", 0.25, "shuffle")]
    assert scalar(door, "SELECT library FROM sqml_models") == "sqlite-ml"
    metrics = dict(door.query("SELECT name, value FROM sqml_metrics ORDER BY id"))
    assert set(metrics) == {"score", "accuracy", "f1", "precision", "recall"}
    assert metrics["score"] == metrics["accuracy"] == trained["score"]
    overview = door.query(
        "SELECT run_id, experiment, status, algorithm, score FROM sqml_runs_overview"
    )
    assert overview == [(1, "Iris prediction", "success", "logistic_regression", trained["score"])]
    assert door.query("SELECT model_id, active FROM sqml_deployments") == [(1, 1)]


def test_predict_takes_an_object_in_any_order_or_an_array(iris):
    door, _, _ = iris
    by_name = (
        "json_object('petal width (cm)', 0.2, 'petal length (cm)', 1.4, "
        "'sepal width (cm)', 3.5, 'sepal length (cm)', 5.1)"
    )
    assert scalar(door, f"SELECT sqml_predict('Iris prediction', {by_name})") == 0.0
    assert scalar(door, "SELECT sqml_predict('Iris prediction', '[6.7, 3.0, 5.2, 2.3]')") == 2.0
    assert scalar(door, "SELECT sqml_predict('Iris prediction', 6.7, 3.0, 5.2, 2.3)") == 2.0


def test_predict_batch_agrees_with_predict_row_by_row(iris):
    door, _, _ = iris
    rows = door.query(
        f"SELECT sqml_predict('Iris prediction', {iris_object()}) FROM dataset_iris ORDER BY rowid"
    )
    batch = scalar(
        door,
        f"SELECT sqml_predict_batch('Iris prediction', json_group_array({iris_object('d')})) "
        "FROM (SELECT * FROM dataset_iris ORDER BY rowid) AS d",
    )
    assert json.loads(batch) == [row[0] for row in rows]
    mismatches = scalar(
        door,
        f"SELECT count(*) FROM dataset_iris WHERE sqml_predict('Iris prediction', {iris_object()}) != target",
    )
    assert 0 < mismatches < 15
    assert scalar(door, "SELECT sqml_predict_batch('Iris prediction', '[]')") == "[]"


def test_a_better_model_is_deployed_and_a_worse_one_is_not(iris):
    door, _, first = iris
    worse = json.loads(
        write(
            door,
            "SELECT sqml_train('Iris prediction', 'classification', 'dummy', 'dataset_iris', 'target')",
        )
    )
    assert worse["deployed"] is False and worse["score"] < first["score"]
    better = json.loads(
        write(
            door,
            "SELECT sqml_train('Iris prediction', 'classification', 'knn', 'dataset_iris', 'target')",
        )
    )
    assert better["deployed"] is (better["score"] > first["score"])
    active = door.query("SELECT model_id FROM sqml_deployments WHERE active")
    assert len(active) == 1
    assert active[0][0] == (better["model_id"] if better["deployed"] else first["model_id"])
    assert scalar(door, "SELECT count(*) FROM sqml_runs") == 3


ERRORS = [
    (
        "SELECT sqml_load_dataset('titanic')",
        "sqml_load_dataset: unknown dataset 'titanic'; available: iris, digits, wine, breast_cancer, diabetes",
    ),
    (
        "SELECT sqml_train('e', 'clustering', 'knn', 'dataset_iris', 'target')",
        "sqml_train: unknown prediction type 'clustering'; available: regression, classification",
    ),
    (
        "SELECT sqml_train('e', 'classification', 'svr', 'dataset_iris', 'target')",
        "sqml_train: unknown algorithm 'svr' for classification; available: ",
    ),
    (
        "SELECT sqml_train('e', 'classification', 'knn', 'dataset_iris', 'target', 0.25, 'kfold')",
        "sqml_train: unknown split strategy 'kfold'; available: shuffle, last",
    ),
    (
        "SELECT sqml_train('e', 'classification', 'knn', 'no_such_table', 'target')",
        "sqml_train: unknown table or view 'no_such_table'",
    ),
    (
        "SELECT sqml_train('e', 'classification', 'knn', 'dataset_iris', 'species')",
        "sqml_train: unknown target column 'species' in table 'dataset_iris'; columns: ",
    ),
    (
        "SELECT sqml_train('e', 'classification', 'knn', 'dataset_iris', 'target', 1.5)",
        "sqml_train: test_size must be between 0 and 1 (exclusive), not 1.5",
    ),
    (
        "SELECT sqml_train('e', 'classification', 'knn', 'dataset_iris', 'target', 0)",
        "sqml_train: test_size must be between 0 and 1 (exclusive), not 0",
    ),
    (
        "SELECT sqml_train('Iris prediction', 'regression', 'ridge', 'dataset_iris', 'target')",
        "sqml_train: experiment 'Iris prediction' is a classification experiment; it cannot train "
        "a regression model (use another experiment name)",
    ),
    (
        "SELECT sqml_train('e', 'regression', 'ridge', 'x; DROP TABLE dataset_iris', 'target')",
        "sqml_train: unknown table or view 'x; DROP TABLE dataset_iris'",
    ),
    (
        "SELECT sqml_train('e', 'regression', 'ridge', 'dataset_iris UNION ALL SELECT 1', 'target')",
        "sqml_train: unknown table or view 'dataset_iris UNION ALL SELECT 1'",
    ),
    (
        "SELECT sqml_train('e', 'regression', 'ridge', 'dataset_iris WHERE 0', 'target')",
        "sqml_train: unknown table or view 'dataset_iris WHERE 0'",
    ),
    ("SELECT sqml_predict('nobody', '[1, 2, 3, 4]')", "sqml_predict: unknown experiment 'nobody'"),
    (
        "SELECT sqml_predict('Iris prediction', '[1, 2, 3]')",
        "sqml_predict: the model takes 4 features, got an array of 3",
    ),
    (
        "SELECT sqml_predict('Iris prediction', json_object('petal width (cm)', 1))",
        "sqml_predict: missing feature 'sepal length (cm)'; the model takes ",
    ),
    (
        "SELECT sqml_predict('Iris prediction', json_object('colour', 1))",
        "sqml_predict: unknown feature 'colour'; the model takes ",
    ),
    (
        "SELECT sqml_predict('Iris prediction', 'not json')",
        "sqml_predict: features are not valid JSON",
    ),
    (
        "SELECT sqml_predict('Iris prediction', '[1, 2, \"three\", 4]')",
        "sqml_predict: feature 'petal length (cm)' is numeric, not text ('three')",
    ),
    (
        "SELECT sqml_predict_batch('Iris prediction', '[[1, 2, 3, 4], [1, 2]]')",
        "sqml_predict_batch: row 2: the model takes 4 features, got an array of 2",
    ),
]


@pytest.mark.parametrize(
    ("sql", "message"), ERRORS, ids=[m.split(":")[0] + str(i) for i, (_, m) in enumerate(ERRORS)]
)
def test_bad_input_is_a_clear_error_and_writes_nothing(iris, sql, message):
    door, _, _ = iris
    before = counts(door)
    with pytest.raises(SqlError) as raised:
        door.query(sql)
    shown = str(raised.value)
    if door.keeps_messages:
        assert shown.startswith(message), shown
    else:
        assert shown == expected_message(door, message)
    assert counts(door) == before
    assert scalar(door, "SELECT count(*) FROM dataset_iris") == 150
