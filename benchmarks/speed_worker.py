"""One timed statement for benchmarks/speed.py, run by each side's own Python.

    python speed_worker.py SIDE DATABASE SQL

SIDE is `reference` (sqlite-ml 0.1.2 with scikit-learn, registered the way
its README says), `extension` (sqlite-ml's loadable extension in Python's
sqlite3) or `functions` (sqlite_ml.connect on a Python without extension
loading), or `floor` (plain SQLite). Prints the seconds the statement took,
from execute to the last row fetched; loading and connecting are not timed.
"""

from __future__ import annotations

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


def main() -> None:
    side, database, sql = sys.argv[1:4]
    conn = connect(side, database)
    start = time.perf_counter()
    rows = conn.execute(sql).fetchall()
    seconds = time.perf_counter() - start
    value = rows[0][0] if rows else None
    if isinstance(value, str) and '"error"' in value[:20]:
        raise SystemExit(f"{side}: {value}")
    print(seconds)


if __name__ == "__main__":
    main()
