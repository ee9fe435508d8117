"""Training on tables as they are: text categories, NULLs, identifier columns,
the options object and per-column preprocessing, through every door."""

from __future__ import annotations

import json
import random
import sqlite3

import pytest
from catalog import fails

import sqlite_ml

from doors import expected_message

ISLANDS = ["Biscoe", "Dream", "Torgersen"]
COLUMNS = (
    "id INTEGER PRIMARY KEY, [index] INTEGER, name TEXT, island TEXT, sex TEXT, "
    "length REAL, mass REAL, colony TEXT, species TEXT, weight REAL"
)


def animals(n: int = 240, seed: int = 1) -> list[tuple]:
    """A table as a CSV import leaves it: an id, a pandas index, a unique name,
    text categories with NULLs, numbers with NULLs (some stored as text), a
    constant column, a text class and a numeric target, some of them NULL."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        island = ISLANDS[i % 3] if i % 17 else None
        sex = rng.choice(["male", "female"]) if i % 11 else None
        length = round(rng.uniform(30, 50), 1)
        species = "Adelie" if length < 40 else ("Gentoo" if island == "Biscoe" else "Chinstrap")
        weight = 50 * length + (300 if island == "Dream" else 0) + (200 if sex == "male" else 0)
        mass = round(weight + rng.gauss(0, 20)) if i % 13 else None
        stored_length = str(length) if i % 5 == 0 else length  # text, as CSV imports store it
        rows.append(
            (
                i + 1,
                i,
                f"animal-{rng.randrange(10**9)}-{i}",
                island,
                sex,
                stored_length,
                mass,
                "north",
                species if i % 19 else None,
                weight + rng.gauss(0, 10) if i % 23 else None,
            )
        )
    return rows


def create(conn: sqlite3.Connection, table: str = "animals", rows: list[tuple] | None = None):
    conn.execute(f"CREATE TABLE {table} ({COLUMNS})")
    conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * 10)})", rows or animals())
    conn.commit()


# Through every door: the defaults on a table as it is.


@pytest.fixture(scope="module")
def trained(door):
    conn = sqlite_ml.connect(door.path, route="functions")
    create(conn)
    reports = {
        algorithm: sqlite_ml.train(conn, algorithm, kind, algorithm, "animals", target)
        for algorithm, kind, target in [
            ("logistic_regression", "classification", "species"),
            ("random_forest", "classification", "species"),
            ("ridge", "regression", "weight"),
        ]
    }
    conn.close()
    return door, reports


def test_the_defaults_train_on_text_and_nulls(trained):
    _, reports = trained
    report = reports["logistic_regression"]
    assert report["score"] > 0.9
    columns = {c["name"]: c for c in report["columns"]}
    assert list(columns) == ["island", "sex", "length", "mass", "weight"]
    assert columns["island"]["kind"] == "categorical"
    assert columns["island"]["encoding"] == "one_hot"
    # By decreasing count in the training rows; NULL is a category of its own.
    assert columns["island"]["categories"][-1] is None
    assert sorted(columns["island"]["categories"][:-1]) == ISLANDS
    assert columns["island"]["impute"] == "category"
    assert columns["length"] == {
        "name": "length",
        "kind": "numeric",
        "encoding": "native",
        "impute": "mean",
        "scale": "standard",
        "missing": 0,
    }
    assert columns["mass"]["missing"] > 0
    assert {c["name"]: c["reason"].split(":")[0] for c in report["left_out"]} == {
        "id": "identifier",
        "index": "identifier",
        "name": "identifier",
        "colony": "constant in the training rows",
    }
    assert report["rows"] == {"training": 170, "test": 57, "null_target": 13}
    forest = reports["random_forest"]
    assert {c["name"]: c["encoding"] for c in forest["columns"]}["island"] == "ordinal"
    assert reports["ridge"]["score"] > 0.9


def test_predictions_take_raw_values_and_unseen_categories(trained):
    door, _ = trained
    known = (
        "json_object('island', 'Biscoe', 'sex', 'male', 'length', 45, 'mass', NULL, 'weight', 2500)"
    )
    unseen = "json_object('island', 'Atlantis', 'sex', NULL, 'length', '45.0', 'mass', 2500, 'weight', NULL)"
    rows = door.query(
        f"SELECT sqml_predict('random_forest', {known}), sqml_predict('random_forest', {unseen}), "
        "sqml_predict('logistic_regression', 'Dream', 'female', 35.5, NULL, NULL), "
        "sqml_predict('ridge', json_object('island', 'Dream', 'sex', 'male', 'length', 40, "
        "'mass', NULL, 'species', 'Adelie', 'id', 7, 'name', 'x'))"
    )
    (forest_known, forest_unseen, logistic, ridge) = rows[0]
    assert forest_known == "Gentoo"
    assert forest_unseen in ("Adelie", "Gentoo", "Chinstrap")
    assert logistic == "Adelie"
    assert ridge == pytest.approx(2500, abs=150)
    batch = door.query(
        "SELECT sqml_predict_batch('ridge', json_array("
        "json_object('island', 'Dream', 'sex', 'male', 'length', 40, 'mass', NULL, 'species', 'Adelie'), "
        "json_array(NULL, NULL, 40, NULL, 'Adelie')))"
    )
    assert json.loads(batch[0][0])[0] == pytest.approx(ridge)


def test_model_info_describes_any_model(trained):
    door, reports = trained
    info = json.loads(door.query("SELECT sqml_model_info('random_forest')")[0][0])
    report = reports["random_forest"]
    assert info["model_id"] == report["model_id"]
    assert info["experiment"] == "random_forest"
    assert info["target"] == "species"
    assert info["classes"] == ["Adelie", "Chinstrap", "Gentoo"]
    for key in ("columns", "left_out", "rows"):
        assert info[key] == report[key]
    by_id = json.loads(door.query(f"SELECT sqml_model_info({report['model_id']})")[0][0])
    assert by_id == info


def test_a_text_value_in_a_numeric_column_is_named(trained):
    door, _ = trained
    from doors import SqlError

    with pytest.raises(SqlError) as raised:
        door.query("SELECT sqml_predict('ridge', 'Dream', 'male', 'forty', NULL, NULL)")
    assert str(raised.value) == expected_message(
        door, "sqml_predict: feature 'length' is numeric, not text ('forty')"
    )


# The details, on the Python doors.


@pytest.fixture(params=["functions", "extension"])
def conn(request, tmp_path):
    if request.param == "extension" and not sqlite_ml.can_load_extension(
        sqlite3.connect(":memory:")
    ):
        pytest.skip("this Python's sqlite3 cannot load extensions")
    conn = sqlite_ml.connect(tmp_path / "data.db", route=request.param)
    create(conn)
    yield conn
    conn.close()


def train(
    conn, options: dict | str | None = None, algorithm="ridge", kind="regression", target="weight"
):
    text = options if isinstance(options, str) or options is None else json.dumps(options)
    (result,) = conn.execute(
        "SELECT sqml_train('e', ?, ?, 'animals', ?, ?)", (kind, algorithm, target, text)
    ).fetchone()
    return json.loads(result)


@pytest.mark.parametrize("kind", ["regression", "classification"])
def test_predictions_of_the_test_rows_give_the_stored_score_for_every_algorithm(conn, kind):
    target = "weight" if kind == "regression" else "species"
    conn.execute(f"CREATE VIEW v AS SELECT island, sex, length, mass, {target} FROM animals")
    rows = conn.execute(
        f"SELECT island, sex, length, mass, {target} FROM v WHERE {target} IS NOT NULL ORDER BY rowid"
    ).fetchall()
    n_test = -(-len(rows) // 4)
    test = rows[len(rows) - n_test :]
    for algorithm in ALGORITHMS[kind]:
        (result,) = conn.execute(
            "SELECT sqml_train(?, ?, ?, 'v', ?, '{\"split_strategy\": \"last\"}')",
            (f"{kind}-{algorithm}", kind, algorithm, target),
        ).fetchone()
        report = json.loads(result)
        predicted = [
            conn.execute(
                "SELECT sqml_predict(?, ?, ?, ?, ?)", (f"{kind}-{algorithm}", *row[:4])
            ).fetchone()[0]
            for row in test
        ]
        truth = [row[4] for row in test]
        if kind == "classification":
            score = sum(p == t for p, t in zip(predicted, truth, strict=True)) / len(truth)
            assert score == report["score"], algorithm
        else:
            mean = sum(truth) / len(truth)
            total = sum((t - mean) ** 2 for t in truth)
            residual = sum((t - p) ** 2 for t, p in zip(truth, predicted, strict=True))
            assert 1 - residual / total == pytest.approx(report["score"], rel=1e-9), algorithm


ALGORITHMS = {
    "regression": [
        "dummy", "linear_regression", "sgd", "ridge", "ridge_cv", "elastic_net",
        "elastic_net_cv", "lasso", "lasso_cv", "decision_tree", "ada_boost", "bagging",
        "gradient_boosting", "random_forest", "knn", "mlp", "svr",
    ],
    "classification": [
        "dummy", "logistic_regression", "sgd", "ridge", "ridge_cv", "decision_tree",
        "ada_boost", "bagging", "gradient_boosting", "random_forest", "knn", "mlp", "svc",
    ],
}  # fmt: skip


def test_features_and_exclude_choose_the_columns(conn):
    report = train(conn, {"features": ["length", "id"]})
    assert [c["name"] for c in report["columns"]] == ["length", "id"]
    assert {c["name"] for c in report["left_out"]} == {
        "index", "name", "island", "sex", "mass", "colony", "species",
    }  # fmt: skip
    report = train(conn, {"exclude": ["sex", "species"]})
    assert [c["name"] for c in report["columns"]] == ["island", "length", "mass"]
    assert {"name": "sex", "reason": "excluded by the options"} in report["left_out"]
    # A column named in preprocess is used even where the defaults leave it out.
    report = train(conn, {"exclude": ["species"], "preprocess": {"index": {"scale": "min_max"}}})
    assert "index" in [c["name"] for c in report["columns"]]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"encode": "ordinal"}, {"encoding": "ordinal", "scale": "standard"}),
        ({"encode": "one_hot"}, {"encoding": "one_hot", "scale": "preserve"}),
        ({"encode": "target"}, {"encoding": "target"}),
        (
            {"encode": {"ordinal": ["Torgersen", "Dream", "Biscoe"]}},
            {"encoding": "ordinal", "categories": ["Torgersen", "Dream", "Biscoe"]},
        ),
        ({"impute": "mode"}, {"impute": "mode"}),
        ({"scale": "robust", "encode": "ordinal"}, {"scale": "robust"}),
    ],
)
def test_every_categorical_preprocess_value(conn, settings, expected):
    report = train(conn, {"preprocess": {"island": settings}})
    island = next(c for c in report["columns"] if c["name"] == "island")
    assert {key: island[key] for key in expected} == expected
    if settings.get("impute") == "mode":
        assert None not in island["categories"]
    unseen = conn.execute(
        "SELECT sqml_predict('e', 'Atlantis', 'male', 40, 2000, 'Adelie')"
    ).fetchone()[0]
    assert isinstance(unseen, float)


@pytest.mark.parametrize("impute", ["mean", "median", "mode", "min", "max", "zero"])
@pytest.mark.parametrize("scale", ["preserve", "standard", "min_max", "max_abs", "robust"])
def test_every_numeric_impute_and_scale(conn, impute, scale):
    report = train(conn, {"preprocess": {"mass": {"impute": impute, "scale": scale}}})
    mass = next(c for c in report["columns"] if c["name"] == "mass")
    assert (mass["impute"], mass["scale"], mass["encoding"]) == (impute, scale, "native")
    with_null = conn.execute("SELECT sqml_predict('e', 'Dream', 'male', 40, NULL, 'Adelie')")
    assert isinstance(with_null.fetchone()[0], float)


def test_the_impute_values_are_the_training_rows(conn):
    values = {}
    for impute in ["mean", "median", "min", "max", "zero"]:
        train(conn, {"features": ["mass"], "preprocess": {"mass": {"impute": impute}}},
              algorithm="decision_tree")  # fmt: skip
        values[impute] = conn.execute("SELECT sqml_predict('e', '[null]')").fetchone()[0]
    assert len(set(values.values())) > 1


def test_stratified_split_keeps_the_class_shares(conn):
    report = train(conn, {"split_strategy": "stratified"}, "dummy", "classification", "species")
    assert report["rows"]["test"] == 57
    assert "stratified" in fails(
        conn, "SELECT sqml_train('r', 'regression', 'ridge', 'animals', 'weight', "
        "'{\"split_strategy\": \"stratified\"}')"
    )  # fmt: skip
    (split,) = conn.execute("SELECT split_strategy FROM sqml_runs ORDER BY id DESC").fetchone()
    assert split == "stratified"


def test_the_0_1_2_argument_forms_still_work(conn):
    first = json.loads(
        conn.execute("SELECT sqml_train('o', 'regression', 'ridge', 'animals', 'weight', 0.3, 'last')")
        .fetchone()[0]
    )  # fmt: skip
    assert first["rows"]["test"] == 69
    assert conn.execute("SELECT test_size, split_strategy FROM sqml_runs").fetchone() == (
        0.3,
        "last",
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("{not json", "options (argument 6) are not valid JSON"),
        ("[1, 2]", "options (argument 6) must be a JSON object (or a number, the test_size), not an array"),
        ('{"tset_size": 0.2}', "unknown option 'tset_size'; known options: test_size, split_strategy, features, exclude, preprocess"),
        ('{"test_size": "a lot"}', "option 'test_size' must be a number, not a string"),
        ('{"features": "length"}', "option 'features' must be an array of column names, not a string"),
        ('{"features": ["lenght"]}', "option 'features' names 'lenght', which is not a column of table 'animals'"),
        ('{"exclude": ["weight"]}', "option 'exclude' names the target column 'weight'"),
        ('{"preprocess": {"weight": {"scale": "standard"}}}', "option 'preprocess' names the target column 'weight'"),
        ('{"preprocess": {"nope": {}}}', "option 'preprocess' names 'nope', which is not a column"),
        ('{"preprocess": {"island": {"encode": "native"}}}', "preprocess of column 'island': the column holds text; 'native' (splits on sets of categories) is for hist_gradient_boosting"),
        ('{"preprocess": {"length": {"encode": "one_hot"}}}', "preprocess of column 'length': the column is numeric, so its encode can only be 'native'"),
        ('{"preprocess": {"island": {"impute": "mean"}}}', "preprocess of column 'island': impute 'mean' needs numbers and the column holds text; allowed for text: mode, error"),
        ('{"preprocess": {"island": {"impute": "avg"}}}', "preprocess of column 'island': unknown impute 'avg'; allowed: error, mean, median, mode, min, max, zero, missing"),
        ('{"preprocess": {"island": {"scale": "log"}}}', "preprocess of column 'island': unknown scale 'log'; allowed: preserve, standard, min_max, max_abs, robust"),
        ('{"preprocess": {"island": {"encode": "hash"}}}', "preprocess of column 'island': unknown encode 'hash'; allowed: native, ordinal, one_hot, target"),
        ('{"preprocess": {"island": {"colour": 1}}}', "preprocess of column 'island': unknown key 'colour'; known keys: encode, impute, scale"),
        ('{"preprocess": {"mass": {"impute": "error"}}}', "column 'mass' holds 18 NULL values and its impute is 'error'; choose an impute for it (mean, median, mode, min, max, zero)"),
        ('{"preprocess": {"island": {"encode": {"ordinal": ["Dream"]}}}}', "preprocess of column 'island': the training rows hold 'Torgersen', which its ordinal order does not list"),
        ('{"features": ["length"], "exclude": ["mass"]}', "give either 'features'"),
        ("[" * 100000 + "]" * 100000, "options (argument 6) are not valid JSON (recursion limit exceeded"),
    ],
    ids=lambda v: str(v)[:24],
)  # fmt: skip
def test_bad_options_are_named_and_write_nothing(conn, options, message):
    train(conn)  # the catalog exists, so that "nothing written" is measured
    shown = fails(
        conn, "SELECT sqml_train('e', 'regression', 'ridge', 'animals', 'weight', ?)", (options,)
    )
    assert shown.startswith(f"sqml_train: {message}"), shown


def test_hist_gradient_boosting_keeps_null_missing_and_learns_where_it_goes(conn):
    # A NULL here says more than any value: its own class. Filled with zero,
    # it would be one with the zeros, which are "low".
    rng = random.Random(3)
    rows = []
    for i in range(600):
        x = rng.randint(-2, 2)
        rows.append((None, "none") if i % 3 == 0 else (x, "high" if x > 0 else "low"))
    conn.execute("CREATE TABLE m (x REAL, y TEXT)")
    conn.executemany("INSERT INTO m VALUES (?, ?)", rows)

    def fit(options):
        (result,) = conn.execute(
            "SELECT sqml_train('m', 'classification', 'hist_gradient_boosting', 'm', 'y', ?)",
            (json.dumps(options),),
        ).fetchone()
        return json.loads(result)

    imputed = fit({"preprocess": {"x": {"impute": "zero"}}})
    native = fit({})
    (x,) = native["columns"]
    assert (x["impute"], x["scale"]) == ("missing", "preserve")
    assert 100 < x["missing"] < 150  # the training rows' NULLs, of 150 in all
    assert native["score"] == 1.0 > imputed["score"]
    assert conn.execute("SELECT sqml_predict('m', '[null]')").fetchone()[0] == "none"
    assert conn.execute("SELECT sqml_predict('m', 0)").fetchone()[0] == "low"
    assert "impute 'missing' keeps NULL for estimators that learn where it goes" in fails(
        conn, "SELECT sqml_train('r', 'classification', 'random_forest', 'm', 'y', "
        "'{\"preprocess\": {\"x\": {\"impute\": \"missing\"}}}')"
    )  # fmt: skip
    assert "the column's scale must be 'preserve'" in fails(
        conn, "SELECT sqml_train('r', 'classification', 'hist_gradient_boosting', 'm', 'y', "
        "'{\"preprocess\": {\"x\": {\"scale\": \"standard\"}}}')"
    )  # fmt: skip


def test_hist_gradient_boosting_splits_text_columns_on_sets_of_categories(conn):
    # Which categories go with a high target depends on the sign of x: a
    # tree splits x, then each side on its own set of categories. Coded in
    # one order (ordinal), the categories of a set are not next to each other.
    rng = random.Random(5)
    high = {True: {"a", "c", "e"}, False: {"b", "d", "f"}}
    rows = []
    for _ in range(800):
        x, cat = rng.choice([-1.0, -0.5, 0.5, 1.0]), rng.choice("abcdef")
        rows.append((x, cat, 2.0 * (x > 0) + (cat in high[x > 0])))
    conn.execute("CREATE TABLE cats (x REAL, cat TEXT, y REAL)")
    conn.executemany("INSERT INTO cats VALUES (?, ?, ?)", rows)

    def fit(experiment, preprocess):
        options = {
            "hyperparams": {"max_iter": 1, "learning_rate": 1.0, "max_leaf_nodes": 4},
            "preprocess": preprocess,
        }
        (result,) = conn.execute(
            "SELECT sqml_train(?, 'regression', 'hist_gradient_boosting', 'cats', 'y', ?)",
            (experiment, json.dumps(options)),
        ).fetchone()
        return json.loads(result)

    native = fit("native", {})
    ordinal = fit("ordinal", {"cat": {"encode": "ordinal"}})
    assert [c["encoding"] for c in native["columns"]] == ["native", "native"]
    assert native["score"] > 0.999999 > 0.95 > ordinal["score"]
    predict = "SELECT sqml_predict('native', ?, ?)"
    assert conn.execute(predict, (0.5, "c")).fetchone()[0] == pytest.approx(3.0)
    assert conn.execute(predict, (-0.5, "c")).fetchone()[0] == pytest.approx(0.0)
    assert conn.execute(predict, (-0.5, "d")).fetchone()[0] == pytest.approx(1.0)
    # A category never seen in training still gets a prediction.
    assert conn.execute(predict, (0.5, "zebra")).fetchone()[0] is not None
    assert "encode 'native' splits on the categories' codes, so the column's scale must be" in fails(
        conn, "SELECT sqml_train('s', 'regression', 'hist_gradient_boosting', 'cats', 'y', "
        "'{\"preprocess\": {\"cat\": {\"scale\": \"standard\"}}}')"
    )  # fmt: skip


def test_impute_error_refuses_null_at_prediction(conn):
    train(conn, {"features": ["length", "island"], "preprocess": {"length": {"impute": "error"}}})
    assert fails(conn, "SELECT sqml_predict('e', NULL, 'Dream')") == (
        "sqml_predict: feature 'length' is NULL, and the model was trained to refuse NULL there "
        "(impute 'error')"
    )


def test_rows_without_a_target_and_tables_of_them(conn):
    conn.execute("CREATE TABLE unknown (a REAL, y REAL)")
    conn.executemany("INSERT INTO unknown VALUES (?, NULL)", [(i * 7 % 10,) for i in range(10)])
    assert fails(conn, "SELECT sqml_train('u', 'regression', 'ridge', 'unknown', 'y')") == (
        "sqml_train: the target column 'y' is NULL in every row (10); there is nothing to train on"
    )


def test_long_text_and_many_categories_are_bounded(conn):
    rng = random.Random(3)
    conn.execute("CREATE TABLE wide (code TEXT, note TEXT, group_ TEXT, y REAL)")
    rows = [
        (f"c{rng.randrange(100_000)}", "x" * 1_000_001 if i == 3 else "short", f"g{i % 40}", float(i % 40 > 20))
        for i in range(100_000)
    ]  # fmt: skip
    conn.executemany("INSERT INTO wide VALUES (?, ?, ?, ?)", rows)
    report = json.loads(
        conn.execute("SELECT sqml_train('w', 'regression', 'ridge', 'wide', 'y')").fetchone()[0]
    )
    reasons = {c["name"]: c["reason"] for c in report["left_out"]}
    assert reasons["note"] == "free text: a value of more than 1000 bytes"
    assert [c["name"] for c in report["columns"]] == ["code", "group_"]
    # Over 32 categories, a linear model gets each category's mean target.
    code, group = report["columns"]
    assert (group["encoding"], group["categories_kept"]) == ("target", 40)
    # Categories remembered while reading are bounded; 100 are listed.
    assert (code["encoding"], len(code["categories"])) == ("target", 100)
    assert 10_000 < code["categories_kept"] <= 20_000
    assert report["score"] > 0.5
    one_hot = json.dumps({"preprocess": {"group_": {"encode": "one_hot"}}})
    (result,) = conn.execute(
        "SELECT sqml_train('w', 'regression', 'ridge', 'wide', 'y', ?)", (one_hot,)
    ).fetchone()
    group = json.loads(result)["columns"][1]
    assert (group["encoding"], group["categories_kept"]) == ("one_hot", 32)  # the cap
    assert fails(
        conn, "SELECT sqml_train('w', 'regression', 'ridge', 'wide', 'y', '{\"features\": [\"note\"]}')"
    ).startswith("sqml_train: column 'note' holds a text of 1000001 bytes in row 4")  # fmt: skip


def test_schema_qualified_datasets(conn, tmp_path):
    conn.execute(f"ATTACH DATABASE '{tmp_path / 'other.db'}' AS other")
    conn.execute(f"CREATE TABLE other.animals ({COLUMNS})")
    conn.executemany(f"INSERT INTO other.animals VALUES ({', '.join('?' * 10)})", animals(90, 5))
    conn.execute("CREATE TEMP VIEW tv AS SELECT island, length, weight FROM main.animals")
    conn.commit()
    (a,) = conn.execute(
        "SELECT sqml_train('a', 'regression', 'ridge', 'other.animals', 'weight')"
    ).fetchone()
    assert json.loads(a)["rows"]["training"] + json.loads(a)["rows"]["test"] < 90
    (t,) = conn.execute(
        "SELECT sqml_train('t', 'regression', 'ridge', 'temp.tv', 'weight')"
    ).fetchone()
    assert [c["name"] for c in json.loads(t)["columns"]] == ["island", "length"]  # fmt: skip


def test_python_helpers_pass_options_and_read_model_info(conn):
    report = sqlite_ml.train(conn, "h", "regression", "ridge", "animals", "weight", exclude=["sex"])
    assert "sex" not in [c["name"] for c in report["columns"]]
    assert sqlite_ml.model_info(conn, "h")["columns"] == report["columns"]
    assert sqlite_ml.model_info(conn, report["model_id"])["model_id"] == report["model_id"]
