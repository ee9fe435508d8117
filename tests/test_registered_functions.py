"""The exact set of SQL functions sqlite-ml registers, pinned."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_ml
from doors import open_or_skip

# (name, number of arguments) for every registration; -1 would mean "any".
PINNED = {
    ("sqml_version", 0),
    ("sqml_debug", 0),
    ("sqml_debug", 1),
}


def function_list(conn: sqlite3.Connection) -> set[tuple[str, int]]:
    return set(conn.execute("SELECT name, narg FROM pragma_function_list"))


@pytest.mark.parametrize("route", ["functions", "extension"])
def test_loading_adds_exactly_the_pinned_functions(route):
    conn = sqlite3.connect(":memory:")
    if route == "extension" and not sqlite_ml.can_load_extension(conn):
        pytest.skip("this Python's sqlite3 cannot load extensions")
    before = function_list(conn)
    assert sqlite_ml.load(conn, route=route) == route
    assert function_list(conn) - before == PINNED


def test_the_shell_sees_the_pinned_functions(db_path):
    door = open_or_skip("shell", db_path)
    rows = door.query("SELECT name, narg FROM pragma_function_list WHERE name LIKE 'sqml%'")
    assert set(rows) == PINNED


def test_the_native_module_knows_the_same_names():
    assert set(sqlite_ml.FUNCTION_NAMES) == {name for name, _ in PINNED}
