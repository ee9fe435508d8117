"""Hyperparameter search with cross-validation: every candidate's scores and
rank in the catalog, the best refit and recorded as the run's model, the
same folds as scikit-learn's KFold, and every bad search refused before it
starts, with nothing written."""

from __future__ import annotations

import json

import pytest
from catalog import fails
from test_hyperparams import refused_forest_options
from test_sql_api import write

import sqlite_ml

GRID = {
    "search": "grid",
    "search_params": {"n_estimators": [5, 20], "max_depth": [1, None]},
    "search_args": {"cv": 3},
}


def test_a_grid_search_through_each_door(door):
    write(door, "SELECT sqml_load_dataset('iris')")
    report = json.loads(
        write(
            door,
            "SELECT sqml_train('searched', 'classification', 'random_forest', 'dataset_iris', "
            f"'target', '{json.dumps(GRID)}')",
        )
    )
    search = report["search"]
    assert (search["search"], search["cv"], search["candidates"]) == ("grid", 3, 4)
    candidates = door.query(
        "SELECT candidate, params, mean_score, std_score, fold_scores, rank "
        f"FROM sqml_search_results WHERE run_id = {report['run_id']} ORDER BY candidate"
    )
    # scikit-learn's ParameterGrid order: names sorted, the last varying fastest.
    assert [json.loads(c[1]) for c in candidates] == [
        {"max_depth": 1, "n_estimators": 5},
        {"max_depth": 1, "n_estimators": 20},
        {"max_depth": None, "n_estimators": 5},
        {"max_depth": None, "n_estimators": 20},
    ]
    for _, _, mean, std, folds, _ in candidates:
        folds = json.loads(folds)
        assert len(folds) == 3 and mean == pytest.approx(sum(folds) / 3)
        assert std == pytest.approx((sum((f - mean) ** 2 for f in folds) / 3) ** 0.5)
    best = max(c[2] for c in candidates)
    first_best = next(c for c in candidates if c[2] == best)
    assert first_best[5] == 1 and all(c[5] >= 1 for c in candidates)
    assert search["best_params"] == json.loads(first_best[1])
    assert search["best_cv_score"] == best
    # The run's model is the best candidate refit on every training row.
    for name, value in search["best_params"].items():
        assert report["hyperparams"][name] == value
    (stored,) = door.query(f"SELECT hyperparams FROM sqml_runs WHERE id = {report['run_id']}")
    assert json.loads(stored[0]) == report["hyperparams"]


def test_a_random_search_draws_distinct_candidates_from_the_grid():
    conn = sqlite_ml.connect(":memory:")
    conn.execute("SELECT sqml_load_dataset('diabetes')")
    alphas = [0.001, 0.01, 0.1, 1.0, 10.0, 100.0]

    def draw(n_iter: int, **options) -> dict:
        return sqlite_ml.train(
            conn,
            "r",
            "regression",
            "ridge",
            "dataset_diabetes",
            "target",
            search="random",
            search_params={"alpha": alphas},
            search_args={"n_iter": n_iter},
            **options,
        )

    report = draw(4, seed=9)
    assert report["search"]["candidates"] == 4
    tried = [
        json.loads(p)["alpha"]
        for (p,) in conn.execute("SELECT params FROM sqml_search_results ORDER BY candidate")
    ]
    assert len(set(tried)) == 4 and set(tried) <= set(alphas)
    assert draw(4, seed=9)["search"] == report["search"]
    # More draws than the grid holds: the whole grid, once each.
    assert draw(50)["search"]["candidates"] == len(alphas)
    conn.close()


def test_folds_match_scikit_learns():
    """The same folds and estimator give scikit-learn's cross-validation
    scores: KFold without shuffling over the training rows in order."""
    pytest.importorskip("sklearn")
    import numpy
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import GridSearchCV

    conn = sqlite_ml.connect(":memory:")
    conn.execute("SELECT sqml_load_dataset('diabetes')")
    rows = numpy.array(conn.execute("SELECT * FROM dataset_diabetes").fetchall())
    # 'last' keeps the training rows in table order; preprocess keeps the
    # columns as they are, as scikit-learn sees them.
    columns = [r[1] for r in conn.execute("PRAGMA table_info(dataset_diabetes)")][:-1]
    report = sqlite_ml.train(
        conn,
        "r",
        "regression",
        "ridge",
        "dataset_diabetes",
        "target",
        0.25,
        "last",
        search="grid",
        search_params={"alpha": [0.1, 1.0]},
        preprocess={c: {"scale": "preserve"} for c in columns},
    )
    train = rows[: report["rows"]["training"]]
    theirs = GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=5).fit(train[:, :-1], train[:, -1])
    ours = [
        m for (m,) in conn.execute("SELECT mean_score FROM sqml_search_results ORDER BY candidate")
    ]
    assert ours == pytest.approx(list(theirs.cv_results_["mean_test_score"]), abs=1e-9)
    conn.close()


@pytest.mark.parametrize(
    "options, message",
    [
        ({"search": "grid"}, "option 'search' needs 'search_params'"),
        ({"search": "exhaustive", "search_params": {"max_depth": [1]}}, '"grid" or "random"'),
        ({"search_params": {"max_depth": [1]}}, "go with 'search'"),
        ({"search": "grid", "search_params": {}}, "'search_params' is empty"),
        ({"search": "grid", "search_params": {"max_depth": []}}, "is an empty list"),
        ({"search": "grid", "search_params": {"max_depth": 3}}, "must be a list of values"),
        ({"search": "grid", "search_params": {"depth": [3]}}, "unknown hyperparameter 'depth'"),
        ({"search": "grid", "search_params": {"max_depth": [0]}}, "an integer from 1 to 100"),
        (
            {"search": "grid", "search_params": {"max_depth": [1]}, "search_args": {"cv": 1}},
            "search_args 'cv' must be an integer from 2 to 20, not 1",
        ),
        (
            {"search": "grid", "search_params": {"max_depth": [1]}, "search_args": {"cv": 200}},
            "from 2 to 20",
        ),
        (
            {"search": "grid", "search_params": {"max_depth": [1]}, "search_args": {"n_iter": 2}},
            "n_iter is for a random search",
        ),
        (
            {"search": "grid", "search_params": {"max_depth": [1]}, "search_args": {"folds": 2}},
            "unknown search_args key 'folds'",
        ),
        (
            {"search": "grid", "search_params": {"n_estimators": list(range(1, 102))}},
            "101 candidates x 5 folds = 505 fits, more than the 500 allowed",
        ),
        (
            {
                "search": "grid",
                "search_params": {"max_depth": [1]},
                "hyperparams": {"max_depth": 2},
            },
            "both fixed in 'hyperparams' and searched",
        ),
    ],
)
def test_bad_searches_are_refused_and_nothing_is_written(options, message):
    assert message in refused_forest_options(json.dumps(options))


def test_more_folds_than_training_rows_is_refused():
    conn = sqlite_ml.connect(":memory:", route="functions")
    conn.execute("CREATE TABLE tiny (x REAL, y REAL)")
    conn.executemany("INSERT INTO tiny VALUES (?, ?)", [(i, 2 * i) for i in range(8)])
    got = fails(
        conn,
        "SELECT sqml_train('e', 'regression', 'ridge', 'tiny', 'y', ?)",
        (
            json.dumps(
                {"search": "grid", "search_params": {"alpha": [1]}, "search_args": {"cv": 10}}
            ),
        ),
    )
    assert "search_args cv 10 is more folds than the 6 training rows" in got
    conn.close()
