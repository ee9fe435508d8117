"""Hyperparameters, seeds and fingerprints: every declared hyperparameter
trains with a value other than its default and is stored on the run; bad
values are refused before anything is written; the same seed gives the same
predictions whatever the number of threads."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys

import pytest
from catalog import fails
from test_sql_api import scalar, write

import sqlite_ml

FOREST = (
    "SELECT sqml_train('forest', 'classification', 'random_forest', 'dataset_iris', 'target', "
    '\'{"hyperparams": {"n_estimators": 7, "max_depth": 2}, "seed": 11}\')'
)


def listing() -> list[dict]:
    conn = sqlite_ml.connect(":memory:")
    (text,) = conn.execute("SELECT sqml_debug('algorithms')").fetchone()
    conn.close()
    return json.loads(text)


def other_value(param: dict):
    """A valid value other than the default, from the declaration."""
    default, allowed = param["default"], param["allowed"]
    if param["name"] == "max_features":
        return 0.5 if default is None else None
    if allowed.startswith("one of"):
        return next(v for v in re.findall(r"'([^']*)'", allowed) if v != default)
    if allowed == "true or false":
        return not default
    if isinstance(default, list):
        return [7] if isinstance(default[0], int) else [0.5, 2.0]
    if default is None:
        return 2
    if isinstance(default, int):
        # The default may be the largest allowed (max_bins' 255).
        return default - 1 if allowed.endswith(f"to {default}") else default + 1
    return default * 2 if default else 0.5


def test_trained_with_hyperparams_through_each_door(door):
    write(door, "SELECT sqml_load_dataset('iris')")
    report = json.loads(write(door, FOREST))
    assert report["hyperparams"] == {
        "n_estimators": 7,
        "max_depth": 2,
        "min_samples_split": 2,
        "min_samples_leaf": 1,
        "max_features": "sqrt",
        "bootstrap": True,
    }
    assert report["seed"] == 11
    assert report["fingerprint"]["rows"] == 150
    assert re.fullmatch(r"[0-9a-f]{16}", report["fingerprint"]["hash"])
    stored = door.query(
        f"SELECT hyperparams, seed, fingerprint FROM sqml_runs WHERE id = {report['run_id']}"
    )
    assert stored == [
        (
            json.dumps(report["hyperparams"], separators=(",", ":")),
            11,
            json.dumps(report["fingerprint"], separators=(",", ":")),
        )
    ]
    overview = door.query(
        "SELECT algorithm, hyperparams, score, deployed, seed FROM sqml_models_overview "
        f"WHERE model_id = {report['model_id']}"
    )
    assert overview == [("random_forest", stored[0][0], report["score"], 1, 11)]
    # A deployed model with at most 2 levels of splits predicts from 4 leaves.
    assert scalar(door, "SELECT sqml_predict('forest', 5.1, 3.5, 1.4, 0.2)") in (0, 1, 2)


@pytest.mark.parametrize("spec", listing(), ids=lambda a: f"{a['name']}-{a['prediction_type']}")
def test_every_hyperparameter_trains_with_another_value(spec):
    conn = sqlite_ml.connect(":memory:")
    dataset = "iris" if spec["prediction_type"] == "classification" else "diabetes"
    conn.execute(f"SELECT sqml_load_dataset('{dataset}')")
    for param in spec["hyperparams"]:
        value = other_value(param)
        report = sqlite_ml.train(
            conn,
            f"{spec['name']}-{param['name']}",
            spec["prediction_type"],
            spec["name"],
            f"dataset_{dataset}",
            "target",
            hyperparams={param["name"]: value},
        )
        assert report["hyperparams"][param["name"]] == value, param
        expected = {p["name"]: p["default"] for p in spec["hyperparams"]}
        expected[param["name"]] = value
        assert report["hyperparams"] == expected
    conn.close()


def test_hyperparameters_change_the_model():
    conn = sqlite_ml.connect(":memory:")
    conn.execute("SELECT sqml_load_dataset('iris')")
    conn.execute("SELECT sqml_load_dataset('diabetes')")

    def predictions(task: str, algorithm: str, dataset: str, **hyperparams) -> list:
        report = sqlite_ml.train(
            conn, "e" + task, task, algorithm, dataset, "target", hyperparams=hyperparams
        )
        sqlite_ml.deploy(conn, model_id=report["model_id"])
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({dataset})")][:-1]
        rows = [list(r) for r in conn.execute(f"SELECT * FROM {dataset}")]
        assert columns and len(rows[0]) == len(columns) + 1
        return sqlite_ml.predict(conn, "e" + task, [r[:-1] for r in rows])

    # One split: a stump tells at most two classes apart.
    tree = "decision_tree"
    assert len(set(predictions("classification", tree, "dataset_iris", max_depth=1))) == 2
    assert len(set(predictions("classification", tree, "dataset_iris"))) == 3
    # One neighbour repeats one training target; five average theirs.
    knn = "knn"
    one = predictions("regression", knn, "dataset_diabetes", n_neighbors=1)
    five = predictions("regression", knn, "dataset_diabetes")
    targets = {r[0] for r in conn.execute("SELECT target FROM dataset_diabetes")}
    assert set(one) <= targets
    assert one != five
    conn.close()


@pytest.mark.parametrize(
    "options, message",
    [
        ('{"hyperparams": {"n_trees": 3}}', "unknown hyperparameter 'n_trees' for random_forest"),
        ('{"hyperparams": {"n_estimators": 5000}}', "an integer from 1 to 1000, not 5000"),
        ('{"hyperparams": {"n_estimators": 2.5}}', "an integer from 1 to 1000, not 2.5"),
        ('{"hyperparams": {"max_depth": "deep"}}', 'or null (no limit), not "deep"'),
        ('{"hyperparams": {"max_features": 0}}', "a fraction above 0"),
        ('{"hyperparams": {"bootstrap": 1}}', "true or false, not 1"),
        ('{"hyperparams": [1]}', "option 'hyperparams' must be an object"),
        ('{"seed": -3}', "option 'seed' must be an integer from 0"),
        ('{"seed": 1.5}', "option 'seed' must be an integer from 0"),
    ],
)
def test_bad_hyperparameters_are_refused_and_nothing_is_written(options, message):
    assert message in refused_forest_options(options)


def refused_forest_options(options: str) -> str:
    """The message a random_forest training on iris with these options fails
    with, having written nothing."""
    conn = sqlite_ml.connect(":memory:", route="functions")
    conn.execute("SELECT sqml_load_dataset('iris')")
    try:
        return fails(
            conn,
            "SELECT sqml_train('e', 'classification', 'random_forest', 'dataset_iris', 'target', ?)",
            (options,),
        )
    finally:
        conn.close()


def test_an_unknown_name_lists_the_algorithms_hyperparameters_with_defaults():
    conn = sqlite_ml.connect(":memory:")
    conn.execute("SELECT sqml_load_dataset('iris')")
    with pytest.raises(sqlite3.OperationalError) as raised:
        sqlite_ml.train(
            conn, "e", "classification", "knn", "dataset_iris", "target", hyperparams={"k": 3}
        )
    assert 'its hyperparameters: n_neighbors (default 5), weights (default "uniform")' in str(
        raised.value
    )
    with pytest.raises(sqlite3.OperationalError, match="linear_regression has no hyperparameters"):
        conn.execute("SELECT sqml_load_dataset('diabetes')")
        sqlite_ml.train(
            conn,
            "r",
            "regression",
            "linear_regression",
            "dataset_diabetes",
            "target",
            hyperparams={"fit_intercept": False},
        )
    conn.close()


REPRODUCE = """
import json, sys
import sqlite_ml
conn = sqlite_ml.connect(":memory:")
conn.execute("SELECT sqml_load_dataset('breast_cancer')")
out = {}
for algorithm in ["random_forest", "mlp", "gradient_boosting", "sgd", "bagging"]:
    report = sqlite_ml.train(conn, algorithm, "classification", algorithm,
                             "dataset_breast_cancer", "target", seed=int(sys.argv[1]),
                             hyperparams={"n_estimators": 20} if algorithm != "mlp"
                             and algorithm != "sgd" else {})
    rows = conn.execute("SELECT * FROM dataset_breast_cancer").fetchall()
    features = [list(r[:-1]) for r in rows]
    out[algorithm] = [report["fingerprint"], report["score"],
                      repr(sqlite_ml.predict(conn, algorithm, features))]
print(json.dumps(out))
"""


def reproduce(seed: int, threads: int) -> dict:
    env = {**os.environ, "RAYON_NUM_THREADS": str(threads)}
    done = subprocess.run(
        [sys.executable, "-c", REPRODUCE, str(seed)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_same_seed_gives_the_same_model_whatever_the_threads():
    one, two = reproduce(5, 1), reproduce(5, 2)
    assert one == two
    other = reproduce(6, 2)
    # Another seed: another split, so other models (the data is the same).
    for algorithm in one:
        assert one[algorithm][0] == other[algorithm][0]
        assert one[algorithm][2] != other[algorithm][2]


def test_a_catalog_of_the_previous_format_gains_the_new_columns_and_keeps_its_runs(tmp_path):
    """The catalog this project wrote before hyperparameters, seeds and
    searches (made here by removing them again) opens, keeps its rows with
    NULL in the new columns, and trains and searches afterwards."""
    path = tmp_path / "previous.db"
    conn = sqlite_ml.connect(path)
    conn.execute("SELECT sqml_load_dataset('iris')")
    first = sqlite_ml.train(conn, "old", "classification", "knn", "dataset_iris", "target")
    conn.execute("DROP VIEW sqml_models_overview")
    conn.execute("DROP TABLE sqml_search_results")
    for column in ("hyperparams", "seed", "fingerprint"):
        conn.execute(f"ALTER TABLE sqml_runs DROP COLUMN {column}")
    conn.commit()
    conn.close()
    conn = sqlite_ml.connect(path)
    (old,) = sqlite_ml.models(conn, "old")
    assert old["hyperparams"] is None and old["deployed"] is True
    report = sqlite_ml.train(
        conn,
        "old",
        "classification",
        "knn",
        "dataset_iris",
        "target",
        search="grid",
        search_params={"n_neighbors": [3, 7]},
    )
    runs = sqlite_ml.runs(conn, "old")
    assert [r["run_id"] for r in runs] == [first["run_id"], report["run_id"]]
    assert runs[0]["hyperparams"] is None and runs[0]["seed"] is None
    assert runs[1]["hyperparams"] == report["hyperparams"]
    assert scalar_of(conn, "SELECT count(*) FROM sqml_search_results") == 2
    assert scalar_of(conn, "SELECT count(*) FROM sqml_models_overview") == 2
    conn.close()


def scalar_of(conn, sql: str):
    return conn.execute(sql).fetchone()[0]
