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
