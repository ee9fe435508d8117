"""Datasette plugin: every connection Datasette opens gets the sqml_* functions."""

from __future__ import annotations

import sqlite3

from datasette import hookimpl

import sqlite_ml


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    sqlite_ml.load(conn)
