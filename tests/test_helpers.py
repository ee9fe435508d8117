"""The Python helpers over the SQL functions, and what the SQL API does with
labels and deployments beyond the iris tutorial."""

from __future__ import annotations

import sqlite3

import pytest

import sqlite_ml

IRIS_ROW = {
    "sepal length (cm)": 5.1,
    "sepal width (cm)": 3.5,
    "petal length (cm)": 1.4,
    "petal width (cm)": 0.2,
}


@pytest.fixture
def conn():
    conn = sqlite_ml.connect(":memory:")
    yield conn
    conn.close()


def test_helpers_load_train_and_predict(conn):
    loaded = sqlite_ml.load_dataset(conn, "iris", table="flowers")
    assert loaded["table"] == "flowers" and loaded["size"] == 150
    report = sqlite_ml.train(conn, "iris", "classification", "knn", "flowers", "target")
    assert report["deployed"] is True and report["algorithm"] == "knn"
    assert sqlite_ml.predict(conn, "iris", [IRIS_ROW, [6.7, 3.0, 5.2, 2.3]]) == [0.0, 2.0]


def test_predict_takes_and_returns_numpy_arrays(conn):
    numpy = pytest.importorskip("numpy")
    sqlite_ml.load_dataset(conn, "diabetes")
    sqlite_ml.train(conn, "d", "regression", "ridge", "dataset_diabetes", "target")
    rows = numpy.asarray(conn.execute("SELECT * FROM dataset_diabetes LIMIT 5").fetchall())[:, :10]
    predictions = sqlite_ml.predict(conn, "d", rows)
    assert isinstance(predictions, numpy.ndarray) and predictions.shape == (5,)
    one_by_one = [sqlite_ml.predict(conn, "d", [list(row)])[0] for row in rows.tolist()]
    assert predictions.tolist() == one_by_one


def test_predict_refuses_what_is_not_rows(conn):
    with pytest.raises(TypeError, match="list of dicts or lists"):
        sqlite_ml.predict(conn, "e", "not rows")


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (("'small'", "'large'"), {"small", "large"}),
        (("1", "2"), {1, 2}),
        (("1.5", "2.5"), {1.5, 2.5}),
    ],
    ids=["text", "integer", "real"],
)
def test_class_labels_come_back_as_stored(conn, labels, expected):
    small, large = labels
    conn.execute("CREATE TABLE sizes (width REAL, height REAL, size)")
    conn.executemany(
        "INSERT INTO sizes VALUES (?, ?, ?)",
        [(i, i * 2.0, None) for i in range(40)],
    )
    conn.execute(f"UPDATE sizes SET size = CASE WHEN width < 20 THEN {small} ELSE {large} END")
    sqlite_ml.train(conn, "sizes", "classification", "decision_tree", "sizes", "size")
    (low,) = conn.execute("SELECT sqml_predict('sizes', '[3, 6]')").fetchone()
    (high,) = conn.execute(
        "SELECT sqml_predict('sizes', json_object('height', 70, 'width', 35))"
    ).fetchone()
    assert {low, high} == expected
    assert type(low) is type(next(iter(expected)))


def test_an_experiment_without_deployment_says_so(conn):
    sqlite_ml.load_dataset(conn, "iris")
    sqlite_ml.train(conn, "iris", "classification", "dummy", "dataset_iris", "target")
    conn.execute("DELETE FROM sqml_deployments")
    with pytest.raises(sqlite3.OperationalError) as raised:
        conn.execute("SELECT sqml_predict('iris', '[1, 2, 3, 4]')")
    assert str(raised.value) == (
        "sqml_predict: experiment 'iris' has no deployed model; train one with sqml_train first"
    )


def test_a_view_is_a_dataset_and_a_name_with_quotes_works(conn):
    sqlite_ml.load_dataset(conn, "iris", table='odd "name"; table')
    conn.execute("""CREATE VIEW "setosa or not" AS SELECT *, target = 0 AS "is setosa"
                    FROM 'odd "name"; table'""")
    conn.execute("""CREATE VIEW "petals only" AS SELECT "petal length (cm)", "petal width (cm)",
                    "is setosa" FROM "setosa or not" """)
    report = sqlite_ml.train(
        conn, "it's setosa", "classification", "logistic_regression", "petals only", "is setosa"
    )
    assert report["score"] == 1.0
    assert conn.execute("SELECT sqml_predict('it''s setosa', '[1.4, 0.2]')").fetchone() == (1,)
