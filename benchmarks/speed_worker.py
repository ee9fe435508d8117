"""One timed statement for the benchmarks, run by each side's own Python.

    python speed_worker.py SIDE DATABASE SQL

SIDE is `reference` (sqlite-ml 0.1.2 with scikit-learn, registered the way
its README says), `extension` (sqlite-ml's loadable extension in Python's
sqlite3) or `functions` (sqlite_ml.connect on a Python without extension
loading), or `floor` (plain SQLite). Prints one JSON object: `seconds` the
statement took, from execute to the last row fetched (loading and
connecting are not timed); `value`, the first column of the first row;
`peak_rss_above_baseline`, the process's peak resident memory during the
statement minus its resident memory just before it, in bytes; `model_bytes`, the
size of the newest stored model, when there is one.
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import sys
import time


def connect(side: str, database: str) -> sqlite3.Connection:
    if side == "reference":
        from sqlite_ml.sqml import SQML

        conn = sqlite3.connect(database)
        sqml = SQML()
        sqml.setup_schema(conn)
        sqml.register_functions(conn)
        return conn
    if side == "floor":
        return sqlite3.connect(database)
    import sqlite_ml

    return sqlite_ml.connect(database, route=side)


def resident_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def reset_peak() -> None:
    """Linux's peak resident memory back to the current level, so that the
    peak measured covers the statement only, not importing or connecting."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def newest_model_bytes(conn: sqlite3.Connection) -> int | None:
    try:
        row = conn.execute(
            "SELECT length(data) FROM sqml_models ORDER BY id DESC LIMIT 1"
        ).fetchone()
    except sqlite3.OperationalError:  # plain SQLite: no catalog
        return None
    return row[0] if row else None


def main() -> None:
    side, database, sql = sys.argv[1:4]
    conn = connect(side, database)
    reset_peak()
    baseline = resident_bytes()
    start = time.perf_counter()
    rows = conn.execute(sql).fetchall()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    value = rows[0][0] if rows else None
    if isinstance(value, str) and '"error"' in value[:20]:
        raise SystemExit(f"{side}: {value}")
    report = {
        "seconds": seconds,
        "value": value,
        "peak_rss_above_baseline": max(peak - baseline, 0),
        "model_bytes": newest_model_bytes(conn),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
