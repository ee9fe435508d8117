"""The memory budget: a training that would need more memory than the
process has is refused before it allocates, with what it needs and what
to do, and the process goes on (also under `ulimit -v`)."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import sqlite_ml

CAN_LOAD = sqlite_ml.can_load_extension(sqlite3.connect(":memory:"))
ROUTES = ["functions", "extension"] if CAN_LOAD else ["functions"]


def meminfo_available() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no MemAvailable in /proc/meminfo")


def numbers_table(path: Path, rows: int, name: str = "t") -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(
            f"""CREATE TABLE {name} AS
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
            SELECT (i * 7919) % 10007 AS a, (i * 104729) % 9973 AS b,
                   (i * 7919) % 10007 + (i % 13) AS y FROM n"""
        )


def runs(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqml_runs'").fetchone():
            return 0
        return conn.execute("SELECT count(*) FROM sqml_runs").fetchone()[0]


@pytest.mark.parametrize("route", ROUTES)
def test_a_forest_larger_than_the_machine_is_refused_fast(tmp_path, route):
    # A thousand unpruned trees keep about 64 bytes per tree and row: on
    # this many rows, twice what the machine has free.
    rows = 2 * meminfo_available() // (64 * 1000)
    path = tmp_path / "large.db"
    numbers_table(path, rows)
    conn = sqlite_ml.connect(path, route=route)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError) as raised:
        sqlite_ml.train(
            conn, "e", "regression", "random_forest", "t", "y", hyperparams={"n_estimators": 1000}
        )
    message = str(raised.value)
    assert message.startswith("sqml_train: the training needs about "), message
    training_rows = int(re.search(r"for random_forest on (\d+) rows x 2 columns", message)[1])
    assert abs(training_rows - rows * 3 / 4) <= 1, message
    assert "% of the " in message and "available to this process" in message, message
    assert "max_memory" in message and "nothing was allocated" in message, message
    # Refused after reading, before the fit: seconds, not the fit's hours.
    assert time.monotonic() - started < 30
    assert runs(path) == 0
    # The process and the connection go on.
    assert sqlite_ml.train(conn, "e", "regression", "ridge", "t", "y")["run_id"] == 1
    conn.close()


@pytest.mark.parametrize("route", ROUTES)
def test_max_memory_sets_the_budget(tmp_path, route):
    path = tmp_path / "small.db"
    numbers_table(path, 5_000)
    conn = sqlite_ml.connect(path, route=route)
    with pytest.raises(sqlite3.OperationalError) as raised:
        sqlite_ml.train(conn, "e", "regression", "knn", "t", "y", max_memory="100kB")
    assert str(raised.value).startswith(
        "sqml_train: the training needs about 200 kB for reading the table's columns, more "
        "than its max_memory of 100 kB; nothing was allocated."
    ), str(raised.value)
    with pytest.raises(sqlite3.OperationalError, match="knn on 3750 rows x 2 columns"):
        sqlite_ml.train(conn, "e", "regression", "knn", "t", "y", max_memory=400_000)
    assert runs(path) == 0
    assert sqlite_ml.train(conn, "e", "regression", "knn", "t", "y", max_memory="1GiB")
    for bad in ("lots", -5, 0, 1.5, True, "1e400GB", [1]):
        with pytest.raises(sqlite3.OperationalError, match="option 'max_memory' must be"):
            sqlite_ml.train(conn, "e", "regression", "knn", "t", "y", max_memory=bad)
    conn.close()


UNDER_ULIMIT = textwrap.dedent(
    """
    import sqlite3, sys, sqlite_ml
    conn = sqlite_ml.connect(sys.argv[1], route=sys.argv[2])
    try:
        sqlite_ml.train(conn, "e", "regression", "random_forest", "t", "y",
                        hyperparams={"n_estimators": 1000})
        print("trained")
    except sqlite3.OperationalError as error:
        print(error)
    # Still alive, and the connection works.
    print(conn.execute("SELECT count(*) FROM t").fetchone()[0])
    """
)


@pytest.mark.parametrize("route", ROUTES)
def test_under_ulimit_v_a_training_is_an_error_not_a_killed_process(tmp_path, route):
    # A thousand unpruned trees on 60,000 rows keep about 3 GB of nodes,
    # more than the 1.5 GB of address space the child may use.
    path = tmp_path / "ulimit.db"
    numbers_table(path, 60_000)
    limit_kb = 1_500_000
    done = subprocess.run(
        ["bash", "-c", f'ulimit -v {limit_kb} && exec "$0" "$@"', sys.executable]
        + ["-c", UNDER_ULIMIT, str(path), route],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    message, count = done.stdout.splitlines()
    assert message.startswith("sqml_train: the training needs about "), message
    assert "for random_forest on 45000 rows x 2 columns" in message, message
    assert "available to this process" in message, message
    assert count == "60000"
    assert runs(path) == 0
