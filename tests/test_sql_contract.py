"""The SQL-level contract, checked through every door (see doors.py)."""

from __future__ import annotations

import json
import re

import pytest

import sqlite_ml

from doors import SqlError, expected_message


def scalar(door, sql: str):
    rows = door.query(sql)
    assert len(rows) == 1 and len(rows[0]) == 1, rows
    return rows[0][0]


def test_version_reports_the_package_its_libraries_and_the_host_sqlite(door):
    report = json.loads(scalar(door, "SELECT sqml_version()"))
    assert report["version"] == sqlite_ml.__version__
    assert report["sqlite"] == scalar(door, "SELECT sqlite_version()")
    for library in ("linfa", "smartcore", "rusqlite", "ndarray"):
        assert re.fullmatch(r"\d+\.\d+\.\d+", report[library]), (library, report)


def test_debug_names_the_door_and_every_function(door):
    report = json.loads(scalar(door, "SELECT sqml_debug()"))
    assert report["functions"] == list(sqlite_ml.FUNCTION_NAMES)
    assert report["door"] == door.core_door
    assert report["version"] == sqlite_ml.__version__


def test_an_error_starts_with_the_function_name_and_lists_what_is_allowed(door):
    with pytest.raises(SqlError) as raised:
        door.query("SELECT sqml_debug('nope')")
    assert str(raised.value) == expected_message(
        door, "sqml_debug: unknown command 'nope'; available: 'algorithms', 'panic'"
    )


def test_an_argument_of_the_wrong_type_is_named(door):
    with pytest.raises(SqlError) as raised:
        door.query("SELECT sqml_debug(x'00')")
    assert str(raised.value) == expected_message(
        door, "sqml_debug: unknown command of type blob; available: 'algorithms', 'panic'"
    )


def test_a_panic_is_a_sql_error_and_the_host_lives_on(door):
    with pytest.raises(SqlError) as raised:
        door.query("SELECT sqml_debug('panic')")
    assert str(raised.value) == expected_message(
        door,
        "sqml_debug: internal error (please report it): sqml_debug('panic') was asked to panic",
    )
    assert scalar(door, "SELECT 40 + 2") == 42
    assert json.loads(scalar(door, "SELECT sqml_version()"))["version"] == sqlite_ml.__version__


def test_an_error_after_the_first_row_keeps_its_message(door):
    sql = (
        "SELECT CASE WHEN n = 1 THEN sqml_version() ELSE sqml_debug('late') END "
        "FROM (SELECT 1 AS n UNION ALL SELECT 2)"
    )
    with pytest.raises(SqlError) as raised:
        door.query(sql)
    assert str(raised.value) == expected_message(
        door, "sqml_debug: unknown command 'late'; available: 'algorithms', 'panic'"
    )


def test_argument_counts_are_registered_exactly(door):
    with pytest.raises(SqlError) as raised:
        door.query("SELECT sqml_version(1)")
    assert str(raised.value) == "wrong number of arguments to function sqml_version()"


CATALOG_OBJECTS = [
    ("sqml_deployed_models", "view"),
    ("sqml_deployments", "table"),
    ("sqml_experiments", "table"),
    ("sqml_metrics", "table"),
    ("sqml_models", "table"),
    ("sqml_models_overview", "view"),
    ("sqml_runs", "table"),
    ("sqml_runs_overview", "view"),
    ("sqml_search_results", "table"),
]


def test_loading_writes_nothing_and_the_first_write_creates_the_catalog(door):
    if not door.writable:
        pytest.skip("this door serves a read-only connection")
    catalog = (
        "SELECT name, type FROM sqlite_master WHERE name LIKE 'sqml%' AND type IN ('table', 'view') "
        "ORDER BY name"
    )
    assert door.query(catalog) == []
    door.query("SELECT sqml_load_dataset('iris', 'contract_iris')")
    assert door.query(catalog) == []
    door.query(
        "SELECT sqml_train('contract', 'classification', 'dummy', 'contract_iris', 'target')"
    )
    assert door.query(catalog) == CATALOG_OBJECTS
