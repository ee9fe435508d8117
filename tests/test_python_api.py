"""The Python door: sqlite_ml.connect(), sqlite_ml.load() and the command line."""

from __future__ import annotations

import ast
import gc
import json
import sqlite3
import subprocess
import sys
import threading
import weakref
from pathlib import Path

import pytest

import sqlite_ml

CAN_LOAD = sqlite_ml.can_load_extension(sqlite3.connect(":memory:"))
ROUTES = ["functions", "extension"] if CAN_LOAD else ["functions"]


def version_of(conn: sqlite3.Connection) -> str:
    return json.loads(conn.execute("SELECT sqml_version()").fetchone()[0])["version"]


def test_connect_returns_a_standard_connection_with_the_functions(db_path):
    conn = sqlite_ml.connect(db_path)
    assert isinstance(conn, sqlite3.Connection)
    assert version_of(conn) == sqlite_ml.__version__


def test_auto_takes_the_extension_exactly_when_python_can_load_it():
    conn = sqlite3.connect(":memory:")
    assert sqlite_ml.load(conn) == ("extension" if CAN_LOAD else "functions")


@pytest.mark.parametrize("route", ROUTES)
def test_connect_takes_the_arguments_of_sqlite3_connect(tmp_path: Path, route):
    uri = f"file:{tmp_path / 'uri.db'}?mode=rwc"
    conn = sqlite_ml.connect(
        uri,
        timeout=1.5,
        isolation_level=None,
        uri=True,
        check_same_thread=False,
        detect_types=sqlite3.PARSE_DECLTYPES,
        route=route,
    )
    assert conn.isolation_level is None
    assert version_of(conn) == sqlite_ml.__version__
    # check_same_thread=False: the functions run from another thread too.
    seen = []
    worker = threading.Thread(target=lambda: seen.append(version_of(conn)))
    worker.start()
    worker.join()
    assert seen == [sqlite_ml.__version__]


@pytest.mark.parametrize("route", ROUTES)
def test_a_custom_factory_is_kept_and_errors_keep_their_message(db_path, route):
    class MyConnection(sqlite3.Connection):
        pass

    conn = sqlite_ml.connect(db_path, factory=MyConnection, route=route)
    assert isinstance(conn, MyConnection)
    with pytest.raises(sqlite3.OperationalError, match=r"^sqml_debug: unknown command 'x'"):
        conn.execute("SELECT sqml_debug('x')")


@pytest.mark.parametrize("route", ROUTES)
def test_load_adds_the_functions_to_an_existing_connection(route):
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row  # the functions' own queries must not care
    assert sqlite_ml.load(conn, route=route) == route
    assert json.loads(conn.execute("SELECT sqml_version()").fetchone()[0])["sqlite"] == (
        sqlite3.sqlite_version
    )


def test_on_a_plain_connection_the_functions_route_gets_pythons_fixed_message():
    # Python's sqlite3 replaces a callback's error with a fixed text; this is
    # why sqlite_ml.connect() returns a sqlite_ml.Connection on that route.
    conn = sqlite3.connect(":memory:")
    sqlite_ml.load(conn, route="functions")
    with pytest.raises(sqlite3.OperationalError, match="^user-defined function raised exception$"):
        conn.execute("SELECT sqml_debug('x')")
    conn = sqlite3.connect(":memory:", factory=sqlite_ml.Connection)
    sqlite_ml.load(conn, route="functions")
    with pytest.raises(sqlite3.OperationalError, match=r"^sqml_debug: unknown command 'x'"):
        conn.execute("SELECT sqml_debug('x')")


def test_errors_surface_through_cursor_methods_too():
    conn = sqlite_ml.connect(":memory:", route="functions")
    cursor = conn.cursor()
    with pytest.raises(sqlite3.OperationalError, match=r"^sqml_debug: unknown command"):
        cursor.execute("SELECT sqml_debug('x')")
    cursor.execute("CREATE TABLE t(x)")
    with pytest.raises(sqlite3.OperationalError, match=r"^sqml_debug: unknown command"):
        cursor.executemany("INSERT INTO t VALUES (sqml_debug(?))", [("x",)])
    with pytest.raises(sqlite3.OperationalError, match=r"^sqml_debug: unknown command"):
        cursor.executescript("INSERT INTO t VALUES (sqml_debug('x'));")
    late = (
        "SELECT CASE WHEN n = 1 THEN 1 ELSE sqml_debug('x') END "
        "FROM (SELECT 1 n UNION ALL SELECT 2)"
    )
    # Python's cursor steps one row ahead, so the failure shows in the iteration.
    rows = conn.execute(late)
    with pytest.raises(sqlite3.OperationalError, match=r"^sqml_debug: unknown command"):
        list(rows)
    with pytest.raises(sqlite3.OperationalError, match=r"^sqml_debug: unknown command"):
        conn.execute(late).fetchall()


def test_a_connection_is_freed_when_dropped(db_path):
    # The registered functions must not keep their connection alive.
    conn = sqlite_ml.connect(db_path, route="functions")
    assert version_of(conn) == sqlite_ml.__version__
    ref = weakref.ref(conn)
    del conn
    gc.collect()
    assert ref() is None


def test_bad_routes_and_objects_are_refused():
    conn = sqlite3.connect(":memory:")
    with pytest.raises(ValueError, match="route must be"):
        sqlite_ml.load(conn, route="magic")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="needs a sqlite3.Connection"):
        sqlite_ml._sqlite_ml.register(object())


@pytest.mark.skipif(CAN_LOAD, reason="this Python's sqlite3 can load extensions")
def test_the_extension_route_says_why_it_is_unavailable():
    with pytest.raises(sqlite3.NotSupportedError, match="cannot load extensions"):
        sqlite_ml.connect(":memory:", route="extension")


def run_module(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sqlite_ml", *args], capture_output=True, text=True, timeout=120
    )


def test_module_path_prints_the_absolute_path_of_the_extension():
    done = run_module("path")
    assert done.returncode == 0, done.stderr
    path = Path(done.stdout.strip())
    assert path.is_absolute() and path.is_file()
    assert path.name.startswith("libsqliteml.")


def test_module_version_and_demo_run():
    assert run_module("version").stdout.strip() == sqlite_ml.__version__
    demo = run_module("demo")
    assert demo.returncode == 0, demo.stderr
    assert "-- Train a random forest; it scores better, so it is deployed" in demo.stdout


def test_the_stub_declares_exactly_what_the_native_module_has():
    stub = Path(sqlite_ml.__file__).with_name("_sqlite_ml.pyi")
    tree = ast.parse(stub.read_text())
    declared = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    declared |= {node.target.id for node in tree.body if isinstance(node, ast.AnnAssign)}
    native = sqlite_ml._sqlite_ml
    actual = {name for name in dir(native) if not name.startswith("_")} | {"__version__"}
    assert declared == actual


def test_numpy_scalars_and_nan_are_numbers_and_missing_values():
    numpy = pytest.importorskip("numpy")
    conn = sqlite_ml.connect(":memory:")
    conn.execute("SELECT sqml_load_dataset('iris')")
    report = sqlite_ml.train(
        conn,
        "np",
        "classification",
        "knn",
        "dataset_iris",
        "target",
        hyperparams={"n_neighbors": numpy.int64(3)},
        seed=numpy.int32(4),
        test_size=numpy.float32(0.5),
    )
    assert report["hyperparams"]["n_neighbors"] == 3 and report["seed"] == 4
    rows = [[numpy.float32(5.1), numpy.int64(3), numpy.float64(1.4), float("nan")]]
    (predicted,) = sqlite_ml.predict(conn, numpy.int64(report["model_id"]), rows)
    assert predicted in (0.0, 1.0, 2.0)
    (probabilities,) = sqlite_ml.predict_proba(conn, "np", rows)
    assert abs(sum(probabilities.values()) - 1) < 1e-9
    array = numpy.array([[5.1, 3.5, 1.4, numpy.nan]])
    assert len(sqlite_ml.predict(conn, "np", array)) == 1
    assert (
        sqlite_ml.deploy(conn, model_id=numpy.int64(report["model_id"]))["model_id"]
        == (report["model_id"])
    )


def test_dataframes_in_and_out():
    pandas = pytest.importorskip("pandas")
    conn = sqlite_ml.connect(":memory:")
    frame = pandas.DataFrame(
        {
            "size": [1.0, 2.0, None, 4.0, 5.0, 6.0, 7.0, 8.0] * 5,
            "colour": ["red", "blue", "red", None, "blue", "red", "blue", "red"] * 5,
            "kind": ["a", "b", "a", "b", "b", "a", "b", "a"] * 5,
        }
    )
    report = sqlite_ml.train(conn, "frame", "classification", "random_forest", frame, "kind")
    assert report["dataframe_table"].startswith("temp.sqml_dataframe_")
    assert report["rows"]["training"] + report["rows"]["test"] == 40
    assert {c["name"]: c["missing"] for c in report["columns"]} == {"size": 5, "colour": 5}
    queries = pandas.DataFrame(
        {"colour": ["red", "blue", float("nan")], "size": [1.0, float("nan"), 8.0]},
        index=[10, 20, 30],
    )
    predicted = sqlite_ml.predict(conn, "frame", queries)
    assert isinstance(predicted, pandas.Series) and list(predicted.index) == [10, 20, 30]
    assert set(predicted) <= {"a", "b"}
    probabilities = sqlite_ml.predict_proba(conn, "frame", queries)
    assert list(probabilities.columns) == ["a", "b"] and list(probabilities.index) == [10, 20, 30]
    assert ((probabilities.sum(axis=1) - 1).abs() < 1e-9).all()
    assert list(probabilities.idxmax(axis=1)) == list(predicted)
    # A second DataFrame gets a table of its own.
    again = sqlite_ml.train(conn, "frame", "classification", "dummy", frame, "kind")
    assert again["dataframe_table"] != report["dataframe_table"]
