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
    ("sqml_load_dataset", 1),
    ("sqml_load_dataset", 2),
    ("sqml_train", 5),
    ("sqml_train", 6),
    ("sqml_train", 7),
    ("sqml_predict", -1),
    ("sqml_predict_batch", 2),
    ("sqml_predict_proba", -1),
    ("sqml_predict_proba_batch", 2),
    ("sqml_model_info", 1),
    ("sqml_deploy", 1),
    ("sqml_deploy", 2),
    ("sqml_deploy", 3),
}

# SQLite's flag bits, as pragma_function_list shows them.
DETERMINISTIC = 0x800
DIRECTONLY = 0x80000
# Functions with side effects may not run from views, triggers or the schema
# of an untrusted database; nothing that reads the catalog is deterministic.
WRITERS = {"sqml_load_dataset", "sqml_train", "sqml_deploy"}


def function_list(conn: sqlite3.Connection) -> set[tuple[str, int]]:
    return set(conn.execute("SELECT name, narg FROM pragma_function_list"))


@pytest.mark.parametrize("route", ["functions", "extension"])
def test_loading_adds_exactly_the_pinned_functions(route):
    conn = sqlite3.connect(":memory:")
    if route == "extension" and not sqlite_ml.can_load_extension(conn):
        pytest.skip("this Python's sqlite3 cannot load extensions")
    before = function_list(conn)
    assert sqlite_ml.load(conn, route=route) == route
    # The Python package adds the progress function (see test_interrupt.py).
    assert function_list(conn) - before == PINNED | {(PROGRESS, 3)}


# Defined by the Python package on its connections, not by the extension:
# the core calls it, if the host defines it, to hand over progress.
PROGRESS = "sqml_progress"


def test_the_writers_are_the_ones_the_functions_route_refuses_from_views():
    assert sqlite_ml.DIRECT_ONLY_NAMES == WRITERS


def test_the_shell_sees_the_pinned_functions(db_path):
    door = open_or_skip("shell", db_path)
    rows = door.query("SELECT name, narg FROM pragma_function_list WHERE name LIKE 'sqml%'")
    assert set(rows) == PINNED


def test_the_native_module_knows_the_same_names():
    assert set(sqlite_ml.FUNCTION_NAMES) == {name for name, _ in PINNED}


def test_the_extension_registers_side_effects_as_directonly(db_path):
    door = open_or_skip("shell", db_path)
    rows = door.query("SELECT name, flags FROM pragma_function_list WHERE name LIKE 'sqml%'")
    for name, flags in rows:
        assert bool(flags & DIRECTONLY) == (name in WRITERS), name
        assert not flags & DETERMINISTIC, name
