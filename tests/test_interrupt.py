"""Interrupts, Ctrl-C and progress, through every door: a long call stops
within a second of the interrupt, writes nothing, and leaves the
connection usable."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

import sqlite_ml

from doors import DatasetteDoor, open_or_skip

CAN_LOAD = sqlite_ml.can_load_extension(sqlite3.connect(":memory:"))
ROUTES = ["functions", "extension"] if CAN_LOAD else ["functions"]

# Seconds from the interrupt to the error: what the issue promises.
PROMISED = 1.0

ROWS = 40_000
# The SVMs take at most this many rows.
SVM_ROWS = 20_000


def make_table(path: Path, rows: int = ROWS) -> None:
    """A table of `rows` rows, made by SQL alone: six numbers, a text
    category, a regression target and a class."""
    with sqlite3.connect(path) as conn:
        conn.execute(
            f"""CREATE TABLE IF NOT EXISTS big AS
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows})
            SELECT (i * 7919) % 1000 / 10.0 AS a, (i * 104729) % 997 / 9.0 AS b,
                   (i * 31) % 101 AS c, (i * 17) % 53 / 3.0 AS d,
                   sin(i) AS e, cos(i * 3) AS f,
                   'k' || ((i * 13) % 9) AS kind,
                   (i * 7919) % 1000 / 10.0 + 3 * sin(i) + (i % 7) AS value,
                   'c' || (((i * 7919) % 1000 / 250) + (i % 3 = 0)) AS label
              FROM n"""
        )
        conn.execute(f"CREATE VIEW IF NOT EXISTS svm AS SELECT * FROM big LIMIT {SVM_ROWS}")


def algorithms() -> list[tuple[str, str]]:
    conn = sqlite_ml.connect(":memory:", route="functions")
    listed = json.loads(conn.execute("SELECT sqml_debug('algorithms')").fetchone()[0])
    conn.close()
    return [(a["prediction_type"], a["name"]) for a in listed]


def catalog_counts(path: Path) -> tuple[int, int]:
    with sqlite3.connect(path) as conn:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqml_runs'").fetchone():
            return (0, 0)
        runs = conn.execute("SELECT count(*) FROM sqml_runs").fetchone()[0]
        models = conn.execute("SELECT count(*) FROM sqml_models").fetchone()[0]
        return (runs, models)


class InterruptWhenBusy:
    """A progress callback that interrupts the connection once the training
    is past reading (fitting, searching, or at the latest writing), and
    remembers when."""

    def __init__(self, conn: sqlite3.Connection, phases=("fitting", "searching", "scoring")):
        self.conn = conn
        self.phases = set(phases) | {"writing"}
        self.at: float | None = None
        self.seen: list[sqlite_ml.Progress] = []

    def __call__(self, progress: sqlite_ml.Progress) -> None:
        self.seen.append(progress)
        if self.at is None and progress.phase in self.phases:
            self.at = time.monotonic()
            self.conn.interrupt()


def interrupted_training(conn, path, task, algorithm, **options):
    """Trains with an interrupt once the fit is under way; returns the
    seconds the error took after the interrupt, and the callback."""
    dataset = {"svr": "svm", "svc": "svm"}.get(algorithm, "big")
    target = "value" if task == "regression" else "label"
    before = catalog_counts(path)
    trigger = InterruptWhenBusy(conn)
    with pytest.raises(sqlite3.OperationalError) as raised:
        sqlite_ml.train(conn, "e", task, algorithm, dataset, target, progress=trigger, **options)
    latency = time.monotonic() - trigger.at
    assert str(raised.value) == "sqml_train: interrupted", str(raised.value)
    assert catalog_counts(path) == before
    # The connection goes on.
    assert conn.execute("SELECT count(*) FROM big").fetchone() == (ROWS,)
    return latency, trigger


@pytest.fixture(scope="module")
def table_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("interrupt") / "big.db"
    make_table(path)
    return path


@pytest.mark.parametrize(("task", "algorithm"), algorithms())
def test_every_algorithm_stops_within_a_second_and_writes_nothing(table_path, task, algorithm):
    conn = sqlite_ml.connect(table_path, route="functions")
    latency, trigger = interrupted_training(conn, table_path, task, algorithm)
    assert latency < PROMISED, f"{algorithm}: {latency:.3f} s"
    assert trigger.seen[0].phase == "reading"
    conn.close()


@pytest.mark.parametrize("route", ROUTES)
def test_a_search_stops_within_a_second(table_path, route):
    conn = sqlite_ml.connect(table_path, route=route)
    trigger_phases = ("searching",)
    before = catalog_counts(table_path)
    trigger = InterruptWhenBusy(conn, trigger_phases)
    with pytest.raises(sqlite3.OperationalError, match="^sqml_train: interrupted$"):
        sqlite_ml.train(
            conn,
            "e",
            "classification",
            "random_forest",
            "big",
            "label",
            search="grid",
            search_params={"n_estimators": [20, 40], "max_depth": [4, None]},
            progress=trigger,
        )
    assert time.monotonic() - trigger.at < PROMISED
    assert catalog_counts(table_path) == before
    searching = [p for p in trigger.seen if p.phase == "searching"]
    assert searching and searching[0].total == 4 * 5
    conn.close()


@pytest.mark.parametrize("route", ROUTES)
def test_an_interrupt_from_another_thread_stops_a_forest(table_path, route):
    conn = sqlite_ml.connect(table_path, route=route, check_same_thread=False)
    before = catalog_counts(table_path)
    fired: list[float] = []

    def interrupt() -> None:
        fired.append(time.monotonic())
        conn.interrupt()

    timer = threading.Timer(0.8, interrupt)
    timer.start()
    with pytest.raises(sqlite3.OperationalError, match="^sqml_train: interrupted$"):
        conn.execute(
            "SELECT sqml_train('e', 'regression', 'random_forest', 'big', 'value')"
        ).fetchone()
    assert time.monotonic() - fired[0] < PROMISED
    assert catalog_counts(table_path) == before
    assert conn.execute("SELECT 1").fetchone() == (1,)
    conn.close()


@pytest.mark.parametrize("route", ROUTES)
def test_progress_reports_each_phase_in_order_with_totals(table_path, route):
    conn = sqlite_ml.connect(table_path, route=route)
    seen: list[sqlite_ml.Progress] = []
    sqlite_ml.train(
        conn,
        "progress",
        "regression",
        "random_forest",
        "big",
        "value",
        hyperparams={"n_estimators": 30},
        progress=seen.append,
    )
    phases = [p.phase for p in seen]
    order = ["reading", "preprocessing", "fitting", "scoring", "writing"]
    seen_order = [p for p in order if p in phases]
    assert seen_order[0] == "reading" and seen_order[-1] == "writing"
    assert [phases.index(p) for p in seen_order] == sorted(phases.index(p) for p in seen_order)
    reading = [p for p in seen if p.phase == "reading"]
    assert all(p.total == ROWS for p in reading)
    assert all(0 <= p.done <= ROWS for p in reading)
    fitting = [p for p in seen if p.phase == "fitting" and p.total is not None]
    assert all(p.total == 30 and p.done <= 30 for p in fitting)
    # A callback that raises stops the training and says why.
    before = catalog_counts(table_path)

    def broken(progress):
        raise ValueError("no more")

    with pytest.raises(sqlite3.OperationalError) as raised:
        sqlite_ml.train(conn, "e", "regression", "ridge", "big", "value", progress=broken)
    assert str(raised.value) == (
        "sqml_train: interrupted (the progress callback raised ValueError: no more)"
    )
    assert catalog_counts(table_path) == before
    conn.close()


def test_progress_true_draws_a_bar_on_stderr(table_path, capsys):
    conn = sqlite_ml.connect(table_path, route="functions")
    sqlite_ml.train(conn, "bar", "regression", "gradient_boosting", "big", "value", progress=True)
    err = capsys.readouterr().err
    assert "\rfitting" in err and "] " in err and err.endswith("\n")
    with pytest.raises(TypeError, match="progress must be"):
        sqlite_ml.train(conn, "bar", "regression", "ridge", "big", "value", progress="yes")
    conn.close()


CTRL_C_CHILD = textwrap.dedent(
    """
    import sqlite3, sys, sqlite_ml
    conn = sqlite_ml.connect(sys.argv[1], route=sys.argv[2])
    def progress(p):
        if p.phase == "fitting":
            print("fitting", flush=True)
    try:
        sqlite_ml.train(conn, "e", "regression", "random_forest", "big", "value",
                        hyperparams={"n_estimators": 1000}, progress=progress)
        print("finished")
    except KeyboardInterrupt as stopped:
        print("KeyboardInterrupt", stopped)
    conn.execute("SELECT 1")
    """
)


@pytest.mark.parametrize("route", ROUTES)
def test_ctrl_c_in_python_stops_the_training_and_raises_keyboard_interrupt(table_path, route):
    before = catalog_counts(table_path)
    child = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_CHILD, str(table_path), route],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout.readline().strip() == "fitting"
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    elapsed = time.monotonic() - sent
    assert child.returncode == 0, err
    assert "KeyboardInterrupt sqml_train: interrupted (Ctrl-C)" in out, out + err
    # The child also closes its connection and exits within the time.
    assert elapsed < PROMISED + 1.0
    assert catalog_counts(table_path) == before


def test_the_sqlite3_shell_stops_a_training_on_sigint(table_path):
    door = open_or_skip("shell", table_path)
    before = catalog_counts(table_path)
    load = f".load {sqlite_ml.loadable_path()}"
    child = subprocess.Popen(
        [
            door.binary,
            str(table_path),
            load,
            "SELECT sqml_train('e', 'regression', 'random_forest', 'big', 'value', "
            '\'{"hyperparams": {"n_estimators": 1000}}\');',
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=60)
    assert time.monotonic() - sent < PROMISED
    assert "sqml_train: interrupted" in err, (out, err)
    assert catalog_counts(table_path) == before


@pytest.fixture(scope="module")
def knn_trained(table_path) -> Path:
    """A knn model: predicting many rows with it is long work."""
    conn = sqlite_ml.connect(table_path, route="functions")
    sqlite_ml.train(conn, "near", "regression", "knn", "big", "value", features=["a", "b", "c"])
    conn.close()
    return table_path


# Every row of the table twice, as one JSON array: about 2 s of knn.
BATCH = (
    "SELECT length(sqml_predict_batch('near', (SELECT json_group_array(json_array(a, b, c)) "
    "FROM big, (SELECT 1 UNION ALL SELECT 2))))"
)


def test_datasette_cuts_a_long_batch_prediction_at_its_time_limit(knn_trained):
    conn = sqlite_ml.connect(knn_trained, route="functions")
    started = time.monotonic()
    conn.execute(BATCH).fetchone()
    unlimited = time.monotonic() - started
    conn.close()
    door = DatasetteDoor(knn_trained, mode="plugin", settings={"sql_time_limit_ms": 500})
    try:
        started = time.monotonic()
        status, body = door.get_sql(BATCH)
        elapsed = time.monotonic() - started
        assert status == 400 and body["ok"] is False, body
        # Cut at the limit, where the whole prediction takes seconds.
        assert unlimited > 1.5 and elapsed < 0.5 + PROMISED, (unlimited, elapsed)
        # A training is refused at once: Datasette reads its files read-only.
        started = time.monotonic()
        status, body = door.get_sql(
            "SELECT sqml_train('x', 'regression', 'random_forest', 'big', 'value')"
        )
        assert status >= 400, body
        assert time.monotonic() - started < PROMISED
    finally:
        door.close()


@pytest.mark.parametrize("route", ROUTES)
def test_writers_fail_at_once_on_a_read_only_database(table_path, route):
    conn = sqlite_ml.connect(f"file:{table_path}?mode=ro", uri=True, route=route)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="read-only"):
        sqlite_ml.train(conn, "e", "regression", "random_forest", "big", "value")
    # Refused before the table is read, not after a fit.
    assert time.monotonic() - started < 0.5
    conn.close()


@pytest.mark.parametrize("route", ROUTES)
def test_an_interrupted_batch_prediction_stops(knn_trained, route):
    conn = sqlite_ml.connect(knn_trained, route=route, check_same_thread=False)
    fired: list[float] = []

    def interrupt() -> None:
        fired.append(time.monotonic())
        conn.interrupt()

    threading.Timer(0.5, interrupt).start()
    with pytest.raises(sqlite3.OperationalError, match="^sqml_predict_batch: interrupted$"):
        conn.execute(BATCH).fetchone()
    assert time.monotonic() - fired[0] < PROMISED
    conn.close()
