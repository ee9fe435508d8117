"""The catalog as the tests see it: its tables, their row counts, and a
failing call that must leave them as they were."""

from __future__ import annotations

import sqlite3

import pytest

CATALOG = ["sqml_experiments", "sqml_runs", "sqml_models", "sqml_metrics", "sqml_deployments"]


def catalog_counts(conn) -> list[int]:
    """Rows in each catalog table; -1 for one that does not exist (yet)."""
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return [
        conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] if t in present else -1
        for t in CATALOG
    ]


def fails(conn, sql: str, params=()) -> str:
    """Runs sql, which must fail without writing to the catalog; returns the message."""
    before = catalog_counts(conn)
    with pytest.raises(sqlite3.OperationalError) as raised:
        conn.execute(sql, params).fetchall()
    assert catalog_counts(conn) == before
    return str(raised.value)
