from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from doors import DOORS, open_or_skip


@pytest.fixture(scope="module", params=DOORS)
def door(request, tmp_path_factory):
    """Each door in turn, over one fresh database file per test module."""
    path = tmp_path_factory.mktemp(request.param) / "data.db"
    sqlite3.connect(path).close()
    opened = open_or_skip(request.param, path)
    yield opened
    opened.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    path = tmp_path / "data.db"
    sqlite3.connect(path).close()
    return path
