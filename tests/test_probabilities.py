"""Probabilities: for every classifier that has them, a JSON object over all
classes that sums to 1 and whose most probable label is what sqml_predict
returns for the row; a clear error for those without and for regression;
the batch form agrees with the row-wise one, through every door."""

from __future__ import annotations

import json
import sqlite3

import pytest
from catalog import fails
from test_sql_api import scalar, write

import sqlite_ml

from doors import expected_message

WITHOUT = {"ridge", "ridge_cv", "svc"}
IRIS = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
ARGS = ", ".join(f"[{c}]" for c in IRIS)


def classifiers() -> list[str]:
    conn = sqlite_ml.connect(":memory:")
    (text,) = conn.execute("SELECT sqml_debug('algorithms')").fetchone()
    conn.close()
    return [a["name"] for a in json.loads(text) if a["prediction_type"] == "classification"]


@pytest.fixture(scope="module")
def flowers():
    """iris with text labels, and a second table with two integer classes."""
    conn = sqlite_ml.connect(":memory:")
    conn.execute("SELECT sqml_load_dataset('iris')")
    conn.execute(
        "CREATE TABLE flowers AS SELECT " + ARGS + ", "
        "CASE target WHEN 0 THEN 'setosa' WHEN 1 THEN 'versicolor' ELSE 'vir\"ginica' END "
        "AS species FROM dataset_iris"
    )
    conn.execute("SELECT sqml_load_dataset('breast_cancer')")
    yield conn
    conn.close()


def as_key(label) -> str:
    """A class label as the probability objects name it."""
    return label if isinstance(label, str) else json.dumps(label)


def most_probable(probabilities: dict) -> str:
    labels, values = list(probabilities), list(probabilities.values())
    return labels[values.index(max(values))]


@pytest.mark.parametrize("algorithm", classifiers())
@pytest.mark.parametrize("table", ["flowers", "dataset_breast_cancer"])
def test_every_classifier_agrees_with_its_predictions(flowers, algorithm, table):
    conn = flowers
    target = "species" if table == "flowers" else "target"
    hyperparams = {"loss": "log_loss"} if algorithm == "sgd" else None
    report = sqlite_ml.train(
        conn,
        f"{table}-{algorithm}",
        "classification",
        algorithm,
        table,
        target,
        hyperparams=hyperparams,
    )
    columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] != target]
    features = ", ".join(f"[{c}]" for c in columns)
    model = report["model_id"]
    sql = f"SELECT sqml_predict({model}, {features}), sqml_predict_proba({model}, {features}) FROM {table}"
    if algorithm in WITHOUT:
        message = fails(conn, sql)
        assert f"{algorithm} has no probabilities" in message
        assert "logistic_regression, random_forest" in message
        return
    rows = conn.execute(sql).fetchall()
    labels = [
        as_key(label)
        for (label,) in conn.execute(f"SELECT DISTINCT {target} FROM {table} ORDER BY 1")
    ]
    for predicted, text in rows:
        probabilities = json.loads(text)
        assert list(probabilities) == labels
        assert abs(sum(probabilities.values()) - 1) < 1e-9
        assert all(0 <= p <= 1 for p in probabilities.values())
        assert most_probable(probabilities) == as_key(predicted)
    (batch,) = conn.execute(
        f"SELECT sqml_predict_proba_batch({model}, json_group_array(json_array({features}))) "
        f"FROM {table}"
    ).fetchone()
    assert json.loads(batch) == [json.loads(text) for _, text in rows]


def test_sgd_with_the_hinge_loss_names_the_log_loss(flowers):
    conn = flowers
    report = sqlite_ml.train(conn, "hinge", "classification", "sgd", "dataset_iris", "target")
    message = fails(conn, f"SELECT sqml_predict_proba({report['model_id']}, 5.1, 3.5, 1.4, 0.2)")
    assert "sgd has no probabilities" in message and "'log_loss'" in message


def test_a_regression_has_no_probabilities(flowers):
    conn = flowers
    conn.execute("SELECT sqml_load_dataset('diabetes')")
    sqlite_ml.train(conn, "sugar", "regression", "ridge", "dataset_diabetes", "target")
    message = fails(conn, "SELECT sqml_predict_proba('sugar', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)")
    assert "the model is a regression (ridge)" in message and "use sqml_predict" in message
    message = fails(conn, "SELECT sqml_predict_proba_batch('sugar', '[[1,2,3,4,5,6,7,8,9,10]]')")
    assert "the model is a regression" in message


def test_probabilities_through_each_door(door):
    write(door, "SELECT sqml_load_dataset('iris')")
    report = json.loads(
        write(
            door,
            "SELECT sqml_train('p', 'classification', 'logistic_regression', "
            "'dataset_iris', 'target')",
        )
    )
    by_name = json.loads(scalar(door, "SELECT sqml_predict_proba('p', 5.1, 3.5, 1.4, 0.2)"))
    by_id = json.loads(
        scalar(door, f"SELECT sqml_predict_proba({report['model_id']}, '[5.1, 3.5, 1.4, 0.2]')")
    )
    assert by_name == by_id
    assert list(by_name) == ["0.0", "1.0", "2.0"]
    assert most_probable(by_name) == "0.0"
    batch = json.loads(
        scalar(
            door,
            "SELECT sqml_predict_proba_batch('p', '[[5.1, 3.5, 1.4, 0.2], "
            '{"sepal length (cm)": 6.5, "sepal width (cm)": 3.0, '
            '"petal length (cm)": 5.5, "petal width (cm)": 2.0}]\')',
        )
    )
    assert batch[0] == by_name and most_probable(batch[1]) == "2.0"
    with pytest.raises(Exception) as raised:
        door.query("SELECT sqml_predict_proba('p', 1, 2)")
    assert expected_message(door, "the model takes 4 features, got 2") in str(raised.value)


def test_the_python_helpers(flowers):
    conn = flowers
    report = sqlite_ml.train(
        conn,
        "species",
        "classification",
        "random_forest",
        "flowers",
        "species",
        hyperparams={"n_estimators": 10},
        seed=3,
    )
    rows = [
        dict(zip(IRIS, r, strict=True)) for r in conn.execute(f"SELECT {ARGS} FROM flowers LIMIT 3")
    ]
    objects = sqlite_ml.predict_proba(conn, "species", rows)
    assert [most_probable(o) for o in objects] == sqlite_ml.predict(conn, "species", rows)
    numpy = pytest.importorskip("numpy")
    array = numpy.array([[r[c] for c in IRIS] for r in rows])
    probabilities, labels = sqlite_ml.predict_proba(conn, report["model_id"], array)
    assert labels == ["setosa", "versicolor", 'vir"ginica']
    assert probabilities.shape == (3, 3)
    assert numpy.allclose(probabilities.sum(axis=1), 1)
    empty, labels = sqlite_ml.predict_proba(conn, "species", numpy.empty((0, 4)))
    assert empty.shape == (0, 3) and labels[0] == "setosa"

    found = {e["name"]: e for e in sqlite_ml.experiments(conn)}
    assert found["species"]["prediction_type"] == "classification"
    assert found["species"]["deployed_model_id"] == report["model_id"]
    runs = sqlite_ml.runs(conn, "species")
    assert len(runs) == found["species"]["runs"] == 1
    assert runs[0]["hyperparams"]["n_estimators"] == 10 and runs[0]["seed"] == 3
    assert runs[0]["fingerprint"]["rows"] == 150
    assert runs[0]["metrics"]["score"] == report["score"]
    assert len(sqlite_ml.runs(conn)) >= len(found)
    (model,) = sqlite_ml.models(conn, "species")
    assert model["model_id"] == report["model_id"] and model["deployed"] is True
    assert model["hyperparams"] == report["hyperparams"]
    assert model["score"] == report["score"]
    assert sqlite_ml.models(conn, "no such experiment") == []
    fresh = sqlite3.connect(":memory:")
    assert sqlite_ml.experiments(fresh) == [] and sqlite_ml.runs(fresh) == []
