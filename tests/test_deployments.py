"""Deployments through every door: what a training deploys and why,
automatic_deploy, sqml_deploy's strategies and model ids, the rollback
history, and one active deployment per experiment kept by the catalog."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from catalog import fails
from test_sql_api import scalar, write

import sqlite_ml

from doors import SqlError, expected_message

TRAIN = "SELECT sqml_train('iris', 'classification', '{}', '{}', 'target'{})"
SMALL_VIEW = (
    "CREATE VIEW small AS SELECT [petal width (cm)], [sepal length (cm)], target FROM dataset_iris"
)


@pytest.fixture(scope="module")
def trained(door):
    """Four iris models: logistic_regression (deployed first), random_forest
    (better, deployed), dummy (worse), knn on a view of two columns (other
    columns: not deployed) and knn with automatic_deploy false."""
    write(door, "SELECT sqml_load_dataset('iris')")
    conn = sqlite3.connect(door.path)
    conn.execute(SMALL_VIEW)
    conn.commit()
    conn.close()
    reports = {}
    for name, algorithm, dataset, options in [
        ("logistic", "logistic_regression", "dataset_iris", ""),
        ("forest", "random_forest", "dataset_iris", ""),
        ("dummy", "dummy", "dataset_iris", ""),
        ("view", "knn", "small", ""),
        ("manual", "knn", "dataset_iris", ", '{\"automatic_deploy\": false}'"),
    ]:
        reports[name] = json.loads(write(door, TRAIN.format(algorithm, dataset, options)))
    return door, reports


def deploy(door, *args) -> dict:
    placeholders = ", ".join(repr(a) if isinstance(a, str) else str(a) for a in args)
    return json.loads(write(door, f"SELECT sqml_deploy({placeholders})"))


def active(door) -> int:
    return scalar(door, "SELECT model_id FROM sqml_deployments WHERE active")


def test_a_training_says_why_it_deployed_or_not(trained):
    door, r = trained
    assert (r["logistic"]["deployed"], r["logistic"]["deploy_reason"]) == (
        True,
        "the experiment's first model",
    )
    assert r["forest"]["deployed"] is True
    assert r["forest"]["deploy_reason"].startswith(
        f"its score {r['forest']['score']} beats the deployed model {r['logistic']['model_id']}'s"
    )
    assert r["dummy"]["deployed"] is False
    assert "does not beat the deployed model" in r["dummy"]["deploy_reason"]
    assert (r["manual"]["deployed"], r["manual"]["deploy_reason"]) == (
        False,
        "automatic_deploy is false",
    )
    assert active(door) == r["forest"]["model_id"]


def test_a_model_of_other_columns_is_not_deployed_automatically(trained):
    door, r = trained
    view = r["view"]
    assert view["deployed"] is False
    assert view["deploy_reason"] == (
        "it takes other columns (petal width (cm), sepal length (cm)) than the deployed model "
        f"{r['forest']['model_id']} (sepal length (cm), sepal width (cm), petal length (cm), "
        "petal width (cm)); deploy it with sqml_deploy(model_id)"
    )
    # The four-number queries written for the deployed model keep working.
    assert scalar(door, "SELECT sqml_predict('iris', 5.1, 3.5, 1.4, 0.2)") == 0


def test_strategies_model_ids_and_rollback_walk_the_history(trained):
    door, r = trained
    ids = {name: report["model_id"] for name, report in r.items()}
    newest = deploy(door, "iris", "most_recent")
    assert newest == {
        "experiment": "iris",
        "model_id": ids["manual"],
        "algorithm": "knn",
        "strategy": "most_recent",
        "score": r["manual"]["score"],
    }
    assert active(door) == ids["manual"]
    assert deploy(door, "iris", "best_score", "dummy")["model_id"] == ids["dummy"]
    # The best of every model, whatever columns it takes; the newest on ties.
    top = max(r.values(), key=lambda report: (report["score"], report["model_id"]))
    best = deploy(door, "iris", "best_score")
    assert best["model_id"] == top["model_id"] and best["score"] == top["score"]
    assert deploy(door, "iris", "best_score", "random_forest")["model_id"] == ids["forest"]
    # The view's model takes two numbers once deployed by id.
    assert deploy(door, ids["view"])["strategy"] == "model_id"
    assert scalar(door, "SELECT sqml_predict('iris', 0.2, 5.1)") == 0
    # History: logistic, forest, manual, dummy, best, forest, view (a model
    # deployed twice in a row is one step); each rollback one step back.
    history = [ids["logistic"], ids["forest"], ids["manual"], ids["dummy"], top["model_id"]]
    history += [ids["forest"], ids["view"]]
    steps = [m for i, m in enumerate(history) if i == 0 or history[i - 1] != m]
    walked = [deploy(door, "iris", "rollback")["model_id"] for _ in range(len(steps) - 1)]
    assert walked == steps[-2::-1]
    assert active(door) == ids["logistic"]
    (deployed,) = door.query("SELECT * FROM sqml_deployed_models")
    assert deployed[:4] == ("iris", ids["logistic"], "logistic_regression", r["logistic"]["score"])
    assert deployed[5] == "rollback"
    strategies = [s for (s,) in door.query("SELECT strategy FROM sqml_deployments ORDER BY id")]
    assert strategies[:4] == ["automatic", "automatic", "most_recent", "best_score"]
    assert strategies[-len(walked) - 1 :] == ["model_id"] + ["rollback"] * len(walked)
    assert scalar(door, "SELECT count(*) FROM sqml_deployments WHERE active") == 1


BAD_DEPLOYS = [
    ("SELECT sqml_deploy('iris', 'rollback')", "has no earlier deployment to roll back to"),
    ("SELECT sqml_deploy(99999)", "model 99999 is not in sqml_models"),
    ("SELECT sqml_deploy('nope', 'best_score')", "unknown experiment 'nope'"),
    ("SELECT sqml_deploy('iris', 'best_score', 'svc')", "experiment 'iris' has no svc model"),
    ("SELECT sqml_deploy('iris', 'newest')", "unknown strategy 'newest'; strategies: "),
    ("SELECT sqml_deploy('iris')", "give a strategy after the experiment"),
    ("SELECT sqml_deploy(1, 'best_score')", "with a model id (argument 1), give no other"),
    ("SELECT sqml_deploy(1.5)", "argument 1 must be an experiment (text) or a model id"),
    ("SELECT sqml_deploy(NULL)", "argument 1 must be an experiment (text) or a model id"),
]


@pytest.mark.parametrize("sql, message", BAD_DEPLOYS)
def test_bad_deploys_are_errors_that_write_nothing(tmp_path, sql, message):
    conn = sqlite_ml.connect(tmp_path / "d.db")
    sqlite_ml.load_dataset(conn, "iris")
    sqlite_ml.train(conn, "iris", "classification", "dummy", "dataset_iris", "target")
    assert message in fails(conn, sql)


def test_a_bad_deploy_through_the_door_names_the_problem(trained):
    door, _ = trained
    if not door.writable:
        pytest.skip("a read-only door cannot deploy")
    with pytest.raises(SqlError) as raised:
        door.query("SELECT sqml_deploy('nope', 'best_score')")
    assert str(raised.value) == expected_message(door, "sqml_deploy: unknown experiment 'nope'")


def test_the_catalog_keeps_one_active_deployment(tmp_path):
    conn = sqlite_ml.connect(tmp_path / "one.db")
    sqlite_ml.load_dataset(conn, "iris")
    for algorithm in ["dummy", "knn"]:
        sqlite_ml.train(conn, "iris", "classification", algorithm, "dataset_iris", "target")
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        conn.execute("UPDATE sqml_deployments SET active = TRUE")
    assert conn.execute("SELECT count(*) FROM sqml_deployments WHERE active").fetchone() == (1,)


def test_an_older_catalog_gets_the_strategy_column_and_keeps_its_rows(tmp_path):
    """A catalog as this project's previous version made it: no strategy
    column, no unique index, no view of the deployments, and two active rows
    left by a hand edit."""
    path = tmp_path / "old.db"
    conn = sqlite_ml.connect(path)
    sqlite_ml.load_dataset(conn, "iris")
    first = sqlite_ml.train(conn, "iris", "classification", "dummy", "dataset_iris", "target")
    conn.executescript(
        "DROP VIEW sqml_deployed_models;"
        "DROP INDEX sqml_deployments_one_active;"
        "ALTER TABLE sqml_deployments DROP COLUMN strategy;"
        "INSERT INTO sqml_deployments (experiment_id, model_id, active) VALUES (1, 1, TRUE);"
    )
    before = conn.execute("SELECT id, model_id FROM sqml_deployments").fetchall()
    conn.close()
    conn = sqlite_ml.connect(path)
    second = sqlite_ml.train(conn, "iris", "classification", "knn", "dataset_iris", "target")
    rows = conn.execute("SELECT id, model_id, active, strategy FROM sqml_deployments").fetchall()
    assert [r[:2] for r in rows[: len(before)]] == before
    assert [r[3] for r in rows[: len(before)]] == [None] * len(before)
    assert sum(r[2] for r in rows) == 1
    assert rows[-1] == (len(before) + 1, second["model_id"], 1, "automatic")
    assert second["deployed"] and second["score"] > first["score"]
    assert conn.execute("SELECT model_id FROM sqml_deployed_models").fetchall() == [
        (second["model_id"],)
    ]


def test_the_python_helper_deploys_by_strategy_or_id(tmp_path):
    conn = sqlite_ml.connect(tmp_path / "py.db")
    sqlite_ml.load_dataset(conn, "iris")
    first = sqlite_ml.train(conn, "iris", "classification", "dummy", "dataset_iris", "target")
    second = sqlite_ml.train(
        conn, "iris", "classification", "knn", "dataset_iris", "target", automatic_deploy=False
    )
    assert second["deployed"] is False
    assert sqlite_ml.deploy(conn, "iris")["model_id"] == second["model_id"]
    assert sqlite_ml.deploy(conn, "iris", "rollback")["model_id"] == first["model_id"]
    assert sqlite_ml.deploy(conn, model_id=second["model_id"])["strategy"] == "model_id"
    with pytest.raises(ValueError, match="either an experiment"):
        sqlite_ml.deploy(conn)


def test_predictions_take_a_model_id_deployed_or_not(trained):
    door, r = trained
    manual, view = r["manual"]["model_id"], r["view"]["model_id"]
    assert scalar(door, f"SELECT sqml_predict({manual}, 6.7, 3.0, 5.2, 2.3)") == 2
    assert scalar(door, f"SELECT sqml_predict({view}, '[2.3, 6.7]')") == 2
    batch = scalar(door, f"SELECT sqml_predict_batch({view}, '[[0.2, 5.1], [2.3, 6.7]]')")
    assert json.loads(batch) == [0, 2]
    with pytest.raises(SqlError) as raised:
        door.query("SELECT sqml_predict(99999, 1, 2, 3, 4)")
    assert str(raised.value) == expected_message(
        door, "sqml_predict: unknown model 99999 (no such id in sqml_models)"
    )
    with pytest.raises(SqlError) as raised:
        door.query("SELECT sqml_predict(1.5, 1, 2, 3, 4)")
    assert str(raised.value) == expected_message(
        door,
        "sqml_predict: argument 1 must be an experiment (text) or a model id (integer), not real",
    )


def test_a_catalog_made_by_sqlite_ml_0_1_2_keeps_its_runs_and_trains_on(tmp_path):
    """data/made_by_sqlite_ml_0_1_2.db: iris and two runs of 'Iris prediction'
    (logistic_regression deployed, then dummy), written by the reference
    package sqlite-ml 0.1.2 with scikit-learn 1.9.1."""
    path = tmp_path / "old.db"
    shutil.copy(Path(__file__).parent / "data" / "made_by_sqlite_ml_0_1_2.db", path)
    conn = sqlite_ml.connect(path)
    runs = conn.execute("SELECT id, algorithm FROM sqml_runs ORDER BY id").fetchall()
    assert runs == [(1, "logistic_regression"), (2, "dummy")]
    with pytest.raises(sqlite3.OperationalError, match="stored by sqlite-ml 0.1.2"):
        conn.execute("SELECT sqml_predict('Iris prediction', 5.1, 3.5, 1.4, 0.2)").fetchone()
    new = sqlite_ml.train(
        conn, "Iris prediction", "classification", "knn", "dataset_iris", "target"
    )
    assert (new["deployed"], new["deploy_reason"]) == (True, "the deployed model cannot be loaded")
    assert conn.execute("SELECT sqml_predict('Iris prediction', 5.1, 3.5, 1.4, 0.2)").fetchone()
    assert conn.execute("SELECT id, algorithm FROM sqml_runs ORDER BY id").fetchall()[:2] == runs
    strategies = conn.execute("SELECT model_id, strategy FROM sqml_deployments ORDER BY id")
    assert strategies.fetchall() == [(1, None), (new["model_id"], "automatic")]
    # The 0.1.2 model is in the history, but cannot be deployed again.
    with pytest.raises(sqlite3.OperationalError, match="stored by sqlite-ml 0.1.2"):
        sqlite_ml.deploy(conn, "Iris prediction", "rollback")
    assert sqlite_ml.deploy(conn, "Iris prediction", "best_score")["model_id"] == new["model_id"]
