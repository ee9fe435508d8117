"""Bad and awkward input: each case a clear SQL error naming the function and
the problem, and nothing written; awkward names that exist simply work."""

from __future__ import annotations

import sqlite3

import pytest
from catalog import fails

import sqlite_ml

ROUTES = ["functions", "extension"]


@pytest.fixture(params=ROUTES)
def conn(request, tmp_path):
    if request.param == "extension" and not sqlite_ml.can_load_extension(
        sqlite3.connect(":memory:")
    ):
        pytest.skip("this Python's sqlite3 cannot load extensions")
    conn = sqlite_ml.connect(tmp_path / "data.db", route=request.param)
    yield conn
    conn.close()


def make_table(conn, name: str, columns: str, rows: list[tuple]) -> None:
    conn.execute(f"CREATE TABLE {name} ({columns})")
    if rows:
        marks = ", ".join("?" * len(rows[0]))
        conn.executemany(f"INSERT INTO {name} VALUES ({marks})", rows)
    conn.commit()


def train_sql(
    table: str, target: str = "y", kind: str = "regression", algorithm: str = "ridge"
) -> str:
    return f"SELECT sqml_train('e', '{kind}', '{algorithm}', '{table}', '{target}')"


def mixed(i: int, n: int = 30) -> float:
    """0..n-1 in a shuffled order (7 and n share no factor): not a row counter,
    which training leaves out as an identifier."""
    return float((i * 7) % n)


def test_empty_tables_only_targets_and_single_rows_are_refused(conn):
    make_table(conn, "empty", "a, y", [])
    assert (
        fails(conn, train_sql("empty"))
        == "sqml_train: the dataset has 0 rows with a target; training needs at least 2"
    )
    make_table(conn, "one", "a, y", [(1.0, 2.0)])
    assert (
        fails(conn, train_sql("one"))
        == "sqml_train: the dataset has 1 row with a target; training needs at least 2"
    )
    make_table(conn, "target_only", "y", [(1.0,), (2.0,)])
    assert fails(conn, train_sql("target_only")) == (
        "sqml_train: table 'target_only' has no column besides the target 'y'; "
        "at least one feature is needed"
    )


def test_a_single_class_is_refused(conn):
    make_table(conn, "t", "a, y", [(float(i), "same") for i in range(10)])
    assert fails(conn, train_sql("t", kind="classification", algorithm="knn")) == (
        "sqml_train: the training rows of 'y' hold a single class (\"same\"); "
        "classification needs at least two"
    )


def test_infinities_and_blobs_are_refused(conn):
    make_table(
        conn, "inf", "a, y", [*[(float(i), float(i)) for i in range(5)], (float("inf"), 1.0)]
    )
    assert fails(conn, train_sql("inf")) == (
        "sqml_train: column 'a' holds inf in row 6; numbers must be finite"
    )
    make_table(conn, "blobs", "a, y", [(1.0, 1.0), (b"\x00\x01", 2.0)])
    assert fails(conn, train_sql("blobs")) == (
        "sqml_train: column 'a' holds a 2-byte blob in row 2; features are numbers or text "
        '(leave the column out with {"exclude": ["a"]})'
    )


def test_constant_features_are_left_out_and_all_constant_is_refused(conn):
    make_table(conn, "t", "a, c, y", [(mixed(i, 20), 7.0, 2.0 * mixed(i, 20)) for i in range(20)])
    report = sqlite_ml.train(conn, "e", "regression", "linear_regression", "t", "y")
    assert report["score"] > 0.99
    assert report["left_out"] == [{"name": "c", "reason": "constant in the training rows"}]
    # A left-out column may still be given, by name or in its place in an array.
    assert (
        sqlite_ml.predict(conn, "e", [{"a": 4.0, "c": 7.0}, {"a": 4.0}, [4.0, 7.0], [4.0]])
        == [pytest.approx(8.0)] * 4
    )
    make_table(conn, "flat", "c, y", [(7.0, float(i)) for i in range(20)])
    assert fails(conn, "SELECT sqml_train('f', 'regression', 'ridge', 'flat', 'y')") == (
        "sqml_train: no column is left to learn from; left out: 'c' (constant in the training "
        'rows). Name the columns to use with the options {"features": [...]}'
    )


def test_a_thousand_columns_train_and_predict(conn):
    columns = ", ".join(f"c{i} REAL" for i in range(1000))
    rows = [
        tuple(float((i * 7 + j) % 11) for j in range(1000)) + (float(i % 2),) for i in range(60)
    ]
    make_table(conn, "wide", f"{columns}, y", rows)
    report = sqlite_ml.train(conn, "wide", "classification", "decision_tree", "wide", "y")
    assert report["deployed"] is True
    assert sqlite_ml.predict(conn, "wide", [list(rows[0][:1000])]) in ([0.0], [1.0])


# The test part has ceil(test_size x rows) rows, so only the training part can end up empty.
@pytest.mark.parametrize("test_size", [0.95, 0.999])
def test_a_test_size_that_empties_a_side_is_refused(conn, test_size):
    make_table(conn, "t", "a, y", [(mixed(i, 10), float(i)) for i in range(10)])
    message = fails(conn, f"SELECT sqml_train('e', 'regression', 'ridge', 't', 'y', {test_size})")
    assert message.startswith(f"sqml_train: test_size {test_size} of 10 rows leaves ")


AWKWARD = [
    "with space",
    'quote"d',
    "apo'strophe",
    "[bracket]",
    "semi;colon",
    "ünïcødé ☃",
    "select",
    "order",
]


@pytest.mark.parametrize("name", AWKWARD)
def test_awkward_table_and_column_names_work_when_they_exist(conn, name):
    quoted = '"' + name.replace('"', '""') + '"'
    make_table(
        conn,
        quoted,
        f'{quoted} REAL, "other col" REAL, {quoted[:-1]} target" REAL',
        [(mixed(i, 20), float(i % 4), 3 * mixed(i, 20)) for i in range(20)],
    )
    report = sqlite_ml.train(
        conn, f"it's {name}", "regression", "linear_regression", name, f"{name} target"
    )
    assert report["score"] > 0.99
    prediction = sqlite_ml.predict(conn, f"it's {name}", [{name: 2.0, "other col": 1.0}])
    assert prediction == [pytest.approx(6.0)]
    missing = fails(conn, "SELECT sqml_train('x', 'regression', 'ridge', ?, 'y')", (name + "x",))
    assert missing == f"sqml_train: unknown table or view '{name}x'"


@pytest.mark.parametrize(
    ("features", "message"),
    [
        ("[1, 2]", "the model takes 3 features, got an array of 2"),
        ("[1, 2, 3, 4]", "the model takes 3 features, got an array of 4"),
        ('{"a": 1, "b": 2}', "missing feature 'c'; the model takes 'a', 'b', 'c'"),
        ('{"a": 1, "b": 2, "c": 3, "d": 4}', "unknown feature 'd'; the model takes 'a', 'b', 'c'"),
        ("{not json", "features are not valid JSON"),
        ('{"a": [1], "b": 2, "c": 3}', "feature 'a' must be a number, text or null, not an array"),
        (
            '{"a": {"x": 1}, "b": 2, "c": 3}',
            "feature 'a' must be a number, text or null, not an object",
        ),
        ('["one", 2, 3]', "feature 'a' is numeric, not text ('one')"),
        ("[true, 2, 3]", "feature 'a' must be a number, text or null, not a boolean"),
        ("[1e999, 2, 3]", "features are not valid JSON (number out of range"),
        ('"abc"', "features must be a JSON object or array, not a string"),
        (None, "features (argument 2) are NULL"),
        (b"\x01", "features (argument 2) must be JSON text or numbers, not a blob"),
        (
            "[" + ",".join(["1"] * 100000) + "]",
            "the model takes 3 features, got an array of 100000",
        ),
    ],
    ids=lambda v: str(v)[:20],
)
def test_bad_features_are_named(conn, features, message):
    make_table(
        conn,
        "t",
        "a, b, c, y",
        [(mixed(i), float(i % 5), float(i % 3), float(i)) for i in range(30)],
    )
    sqlite_ml.train(conn, "e", "regression", "ridge", "t", "y")
    shown = fails(conn, "SELECT sqml_predict('e', ?)", (features,))
    assert shown.startswith(f"sqml_predict: {message}"), shown


def test_an_empty_batch_predicts_nothing_and_a_bad_batch_names_the_row(conn):
    make_table(conn, "t", "a, y", [(mixed(i), float(i)) for i in range(30)])
    sqlite_ml.train(conn, "e", "regression", "ridge", "t", "y")
    assert conn.execute("SELECT sqml_predict_batch('e', '[]')").fetchone() == ("[]",)
    assert fails(conn, "SELECT sqml_predict_batch('e', '[[1], {\"a\": \"x\"}]')") == (
        "sqml_predict_batch: row 2: feature 'a' is numeric, not text ('x')"
    )
    assert fails(conn, "SELECT sqml_predict_batch('e', '{\"a\": 1}')") == (
        "sqml_predict_batch: rows must be a JSON array of feature objects or arrays"
    )
