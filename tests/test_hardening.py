"""Untrusted databases and blobs, forks, threads and odd connections: each
class of fault found by breaking the package from outside, with the door it
was seen through. Whatever could crash the host runs in a child process, so
that a crash fails the test instead of ending the run."""

from __future__ import annotations

import json
import sqlite3
import struct
import subprocess
import sys
import textwrap
import time
import zlib

import pytest

import sqlite_ml

from doors import DOORS, SqlError, open_or_skip

CAN_LOAD = sqlite_ml.can_load_extension(sqlite3.connect(":memory:"))
ROUTES = ["functions", "extension"] if CAN_LOAD else ["functions"]
IRIS_ROW = "'[5.1, 3.5, 1.4, 0.2]'"  # a setosa: decision_tree says 0.0
DUMMY_SAYS = 2.0  # dummy: the most frequent class of the training rows


def run_child(code: str, *args, timeout: float = 120) -> subprocess.CompletedProcess:
    """Runs `code` in a new Python process; its argv[1:] are `args`."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode >= 0, f"child died of signal {-done.returncode}: {done.stderr}"
    return done


def iris_db(path, algorithm="decision_tree", experiment="iris"):
    conn = sqlite_ml.connect(path, route="functions")
    sqlite_ml.load_dataset(conn, "iris")
    sqlite_ml.train(conn, experiment, "classification", algorithm, "dataset_iris", "target")
    conn.close()


# -- crashes of the host ------------------------------------------------------


def make_catalog_view_that_calls_back(path):
    iris_db(path)
    with sqlite3.connect(path) as conn:
        conn.executescript(
            f"""
            ALTER TABLE sqml_models RENAME TO real_models;
            CREATE VIEW sqml_models AS
                SELECT id, run_id, library, data, sqml_predict('iris', {IRIS_ROW}) AS again
                FROM real_models;
            """
        )


@pytest.mark.parametrize("door_name", DOORS)
def test_a_catalog_view_that_calls_back_is_refused_not_recursed(tmp_path, door_name):
    path = tmp_path / "hostile.db"
    make_catalog_view_that_calls_back(path)
    door = open_or_skip(door_name, path)
    try:
        for sql in (f"SELECT sqml_predict('iris', {IRIS_ROW})", "SELECT * FROM sqml_models"):
            with pytest.raises(SqlError) as raised:
                door.query(sql)
            if door.keeps_messages:
                assert "catalog is not sqlite-ml's: main.sqml_models is a view" in str(raised.value)
        assert door.query("SELECT 1") == [(1,)]  # the host is still there
    finally:
        door.close()


@pytest.mark.parametrize("route", ROUTES)
def test_python_routes_refuse_the_catalog_view_in_a_child(tmp_path, route):
    path = tmp_path / "hostile.db"
    make_catalog_view_that_calls_back(path)
    done = run_child(
        f"""
        import sys, sqlite3, sqlite_ml
        conn = sqlite_ml.connect(sys.argv[1], route={route!r})
        for sql in ("SELECT sqml_predict('iris', {IRIS_ROW})", "SELECT * FROM sqml_models"):
            try:
                conn.execute(sql).fetchall()
                print("no error")
            except sqlite3.OperationalError as error:
                print(error)
        """,
        path,
    )
    lines = done.stdout.splitlines()
    assert len(lines) == 2, done.stderr
    assert all("main.sqml_models is a view, not a table" in line for line in lines)


def test_the_shell_refuses_the_catalog_view_read_only_and_immutable(tmp_path):
    path = tmp_path / "hostile.db"
    make_catalog_view_that_calls_back(path)
    for flags, target in (["-readonly"], str(path)), ([], f"file:{path}?immutable=1"):
        done = subprocess.run(
            [
                "sqlite3",
                *flags,
                target,
                f".load {sqlite_ml.loadable_path()}",
                "SELECT * FROM sqml_models",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 1, (done.returncode, done.stderr)
        assert "is a view, not a table" in done.stderr


def test_calls_nested_through_a_trigger_or_a_view_are_stopped(tmp_path):
    """On the functions route the authorizer refuses a training from a
    trigger (fired by the training's own write) or from a view (one that
    trains on itself), as SQLITE_DIRECTONLY does for the extension: each
    fails cleanly, writing nothing."""
    path = tmp_path / "nested.db"
    iris_db(path)
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            CREATE TRIGGER again AFTER INSERT ON sqml_runs BEGIN
                SELECT sqml_train('iris', 'classification', 'dummy', 'dataset_iris', 'target');
            END;
            CREATE TABLE t (x REAL, target REAL);
            INSERT INTO t VALUES (1, 1), (2, 2), (3, 3), (4, 4);
            CREATE VIEW itself AS
                SELECT x, target, sqml_train('loop', 'regression', 'dummy', 'itself', 'target') AS z
                FROM t;
            """
        )
    done = run_child(
        """
        import sys, sqlite3, sqlite_ml
        conn = sqlite_ml.connect(sys.argv[1], route="functions")
        for args in (("iris", "classification", "dummy", "dataset_iris", "target"),
                     ("loop", "regression", "dummy", "itself", "target")):
            try:
                sqlite_ml.train(conn, *args)
                print("trained")
            except sqlite3.OperationalError as error:
                print(error)
        print(conn.execute("SELECT count(*) FROM sqml_runs").fetchone()[0])
        """,
        path,
    )
    trigger, view, runs = done.stdout.splitlines()
    refused = "sqml_train: refused: called from the view or trigger '{}'"
    assert trigger.startswith(refused.format("again")), (trigger, done.stderr)
    assert view.startswith(refused.format("itself")), view
    assert runs == "1"  # nothing was written


def forest_blob_with_class_count(blob: bytes, classes: int) -> bytes:
    """The random_forest blob with its estimator's class count replaced and
    every length and the checksum recomputed, as a careful forger would."""
    (header_len,) = struct.unpack_from("<I", blob, 26)
    payload_at = 26 + 4 + header_len + 8
    (payload_len,) = struct.unpack_from("<Q", blob, payload_at - 8)
    payload = blob[payload_at : payload_at + payload_len]
    # Forest: n_features (varint), Some (1), n_classes (varint), trees...
    assert payload[1] == 1 and payload[2] == 3, payload[:4]
    varint = bytearray()
    while True:
        byte, classes = classes & 0x7F, classes >> 7
        varint.append(byte | (0x80 if classes else 0))
        if not classes:
            break
    payload = payload[:2] + bytes(varint) + payload[3:]
    body = blob[: payload_at - 8] + struct.pack("<Q", len(payload)) + payload
    return body + struct.pack("<I", zlib.crc32(body))


def test_a_forged_class_count_is_refused_before_anything_is_allocated(tmp_path):
    path = tmp_path / "forged.db"
    iris_db(path, algorithm="random_forest")
    with sqlite3.connect(path) as conn:
        (blob,) = conn.execute("SELECT data FROM sqml_models").fetchone()
        conn.execute(
            "UPDATE sqml_models SET data = ?", (forest_blob_with_class_count(blob, 1 << 40),)
        )
    for route in ROUTES:
        done = run_child(
            f"""
            import sys, sqlite3, sqlite_ml
            conn = sqlite_ml.connect(sys.argv[1], route={route!r})
            try:
                print(conn.execute("SELECT sqml_predict('iris', {IRIS_ROW})").fetchone())
            except sqlite3.OperationalError as error:
                print(error)
            """,
            path,
        )
        assert "the header says 4 and Some(3)" in done.stdout, (done.stdout, done.stderr)


def test_a_function_object_that_outlives_its_connection_fails_cleanly():
    done = run_child(
        """
        import gc, sqlite3, sqlite_ml
        # sqlite_ml.Connection: held weakly, so the connection is freed.
        conn = sqlite_ml.connect(":memory:", route="functions")
        functions = [o for o in gc.get_objects() if type(o).__name__ == "SqlFunction"]
        assert functions, "the registered functions are reachable through gc"
        conn.close()
        del conn
        gc.collect()
        for function in functions[:3]:
            try:
                function("x")
                print("returned")
            except Exception as error:
                print(type(error).__name__, error)
        del functions
        gc.collect()
        # A plain sqlite3.Connection: held strongly until close().
        plain = sqlite3.connect(":memory:")
        sqlite_ml.load(plain, route="functions")
        functions = [o for o in gc.get_objects() if type(o).__name__ == "SqlFunction"]
        plain.close()
        del plain
        gc.collect()
        try:
            functions[0]()
        except Exception as error:
            print(type(error).__name__, error)
        """
    )
    lines = done.stdout.splitlines()
    assert lines, done.stderr
    assert all(line.startswith(("RuntimeError", "ProgrammingError")) for line in lines), lines
    assert any("closed" in line for line in lines), lines


# -- hangs -------------------------------------------------------------------


def test_training_works_in_a_forked_child_after_one_in_the_parent(tmp_path):
    path = tmp_path / "fork.db"
    done = run_child(
        """
        import multiprocessing, sys, sqlite_ml
        path = sys.argv[1]
        conn = sqlite_ml.connect(path)
        sqlite_ml.load_dataset(conn, "iris")
        # random_forest grows its trees on the worker threads
        sqlite_ml.train(conn, "parent", "classification", "random_forest", "dataset_iris", "target")
        conn.close()

        def child():
            conn = sqlite_ml.connect(path)
            sqlite_ml.train(conn, "child", "classification", "random_forest", "dataset_iris", "target")
            conn.close()

        process = multiprocessing.get_context("fork").Process(target=child)
        process.start()
        process.join(timeout=60)
        print("alive" if process.is_alive() else f"exit {process.exitcode}")
        if process.is_alive():
            process.kill()
        """,
        path,
        timeout=180,
    )
    assert done.stdout.strip() == "exit 0", done.stderr
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT name FROM sqml_experiments ORDER BY id").fetchall() == [
            ("parent",),
            ("child",),
        ]


def wide_table(conn, rows=20000, features=10):
    columns = ", ".join(f"f{i} REAL" for i in range(features))
    conn.execute(f"CREATE TABLE wide ({columns}, target INTEGER)")
    conn.executemany(
        f"INSERT INTO wide VALUES ({', '.join('?' * (features + 1))})",
        (
            tuple(((r * 7919 + i * 104729) % 1000) / 10 for i in range(features)) + (r % 3,)
            for r in range(rows)
        ),
    )


def test_the_functions_route_lets_other_threads_run_during_a_fit():
    done = run_child(
        """
        import threading, time, sqlite_ml
        conn = sqlite_ml.connect(":memory:", route="functions")
        columns = ", ".join(f"f{i} REAL" for i in range(10))
        conn.execute(f"CREATE TABLE wide ({columns}, target INTEGER)")
        conn.executemany(
            f"INSERT INTO wide VALUES ({', '.join('?' * 11)})",
            (tuple(((r * 7919 + i * 104729) % 1000) / 10 for i in range(10)) + (r % 3,)
             for r in range(20000)),
        )
        beats, stop = [], threading.Event()
        def heartbeat():
            while not stop.is_set():
                beats.append(time.monotonic())
                time.sleep(0.005)
        thread = threading.Thread(target=heartbeat)
        thread.start()
        start = time.monotonic()
        sqlite_ml.train(conn, "wide", "classification", "random_forest", "wide", "target")
        end = time.monotonic()
        stop.set()
        thread.join()
        during = [b for b in beats if start <= b <= end]
        gaps = [b - a for a, b in zip(during, during[1:])]
        print(f"{end - start:.2f} {len(during)} {max(gaps) if gaps else 99:.3f}")
        """
    )
    seconds, beats, worst_gap = done.stdout.split()
    assert float(seconds) > 0.5, "the fit was too short to tell"
    # With the GIL held for the whole fit there would be no beat at all.
    assert float(worst_gap) < 0.5, done.stdout


def test_two_threads_sharing_a_connection_do_not_deadlock():
    done = run_child(
        """
        import threading, sqlite_ml
        conn = sqlite_ml.connect(":memory:", route="functions", check_same_thread=False)
        sqlite_ml.load_dataset(conn, "digits")
        errors = []
        def trainer():
            try:
                for algorithm in ("random_forest", "knn"):
                    sqlite_ml.train(conn, algorithm, "classification", algorithm, "dataset_digits", "target")
            except Exception as error:
                errors.append(error)
        def reader():
            try:
                for _ in range(300):
                    conn.execute("SELECT count(*) FROM dataset_digits").fetchone()
            except Exception as error:
                errors.append(error)
        threads = [threading.Thread(target=trainer), threading.Thread(target=reader)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        print("hung" if any(t.is_alive() for t in threads) else f"done {errors}")
        """,
        timeout=180,
    )
    assert done.stdout.strip() == "done []", done.stderr


@pytest.mark.parametrize("route", ROUTES)
def test_a_target_with_a_value_per_row_is_refused_quickly(route, tmp_path):
    conn = sqlite_ml.connect(tmp_path / "ids.db", route=route)
    conn.execute("CREATE TABLE t (x REAL, y INTEGER)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", ((i * 0.5, i) for i in range(20000)))
    start = time.monotonic()
    with pytest.raises(
        sqlite3.OperationalError, match="more than 1000 distinct values.*'regression'"
    ):
        sqlite_ml.train(conn, "ids", "classification", "decision_tree", "t", "y")
    assert time.monotonic() - start < 10
    assert conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE name LIKE 'sqml_%'"
    ).fetchone() == (0,)


@pytest.mark.parametrize("route", ROUTES)
def test_connecting_and_predicting_never_waits_for_the_write_lock(route, tmp_path):
    path = tmp_path / "locked.db"
    iris_db(path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        start = time.monotonic()
        conn = sqlite_ml.connect(path, route=route, timeout=10)
        assert conn.execute("SELECT sqml_version()").fetchone()
        assert time.monotonic() - start < 3
        conn.close()
    finally:
        holder.rollback()
    # Reading on a database without a catalog writes nothing either.
    empty = tmp_path / "empty.db"
    conn = sqlite_ml.connect(empty, route=route)
    with pytest.raises(sqlite3.OperationalError, match="unknown experiment 'x'"):
        conn.execute(f"SELECT sqml_predict('x', {IRIS_ROW})").fetchone()
    assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)


# -- wrong answers and lost data -----------------------------------------------


def test_a_copied_model_id_never_answers_for_another_database(tmp_path):
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    iris_db(first, algorithm="dummy")
    iris_db(second, algorithm="decision_tree")
    with sqlite3.connect(first) as conn:
        (theirs,) = conn.execute("SELECT data FROM sqml_models").fetchone()
    with sqlite3.connect(second) as conn:
        (ours,) = conn.execute("SELECT data FROM sqml_models").fetchone()
        forged = ours[:10] + theirs[10:26] + ours[26:-4]
        forged += struct.pack("<I", zlib.crc32(forged))
        conn.execute("UPDATE sqml_models SET data = ?", (forged,))
    for route in ROUTES:
        a = sqlite_ml.connect(first, route=route)
        b = sqlite_ml.connect(second, route=route)
        sql = f"SELECT sqml_predict('iris', {IRIS_ROW})"
        assert a.execute(sql).fetchone() == (DUMMY_SAYS,)
        assert b.execute(sql).fetchone() == (0.0,)
        assert a.execute(sql).fetchone() == (DUMMY_SAYS,)
        a.close()
        b.close()


@pytest.mark.parametrize("route", ROUTES)
def test_a_temp_table_named_like_the_catalog_does_not_capture_it(route, tmp_path):
    path = tmp_path / "temp.db"
    conn = sqlite_ml.connect(path, route=route)
    conn.execute("CREATE TEMP TABLE sqml_models (id INTEGER PRIMARY KEY, run_id, library, data)")
    sqlite_ml.load_dataset(conn, "iris")
    sqlite_ml.train(conn, "iris", "classification", "decision_tree", "dataset_iris", "target")
    assert conn.execute("SELECT count(*) FROM temp.sqml_models").fetchone() == (0,)
    conn.close()
    conn = sqlite_ml.connect(path, route=route)
    assert conn.execute(f"SELECT sqml_predict('iris', {IRIS_ROW})").fetchone() == (0.0,)


@pytest.mark.parametrize("route", ROUTES)
def test_a_dangling_deployment_never_serves_another_experiments_model(route, tmp_path):
    path = tmp_path / "ids.db"
    conn = sqlite_ml.connect(path, route=route)
    sqlite_ml.load_dataset(conn, "iris")
    sqlite_ml.train(conn, "a", "classification", "decision_tree", "dataset_iris", "target")
    sqlite_ml.train(conn, "b", "classification", "dummy", "dataset_iris", "target")
    # What an old catalog without AUTOINCREMENT allows: model 1 deleted, its
    # id reused by a model of experiment b.
    conn.execute("DELETE FROM sqml_models WHERE id = 1")
    conn.execute("UPDATE sqml_models SET id = 1 WHERE id = 2")
    conn.execute("UPDATE sqml_deployments SET model_id = 1 WHERE model_id = 2")
    conn.commit()
    with pytest.raises(sqlite3.OperationalError, match="not among its models"):
        conn.execute(f"SELECT sqml_predict('a', {IRIS_ROW})").fetchone()
    # The next training of a replaces the lost model, whatever its score.
    result = sqlite_ml.train(conn, "a", "classification", "dummy", "dataset_iris", "target")
    assert result["deployed"] is True
    assert conn.execute(f"SELECT sqml_predict('a', {IRIS_ROW})").fetchone() == (DUMMY_SAYS,)


@pytest.mark.parametrize("route", ROUTES)
def test_a_damaged_deployed_model_gives_way_to_the_next_training(route, tmp_path):
    path = tmp_path / "damaged.db"
    iris_db(path, algorithm="decision_tree")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE sqml_models SET data = substr(data, 1, length(data) - 9) || x'000000000000000000'"
        )
    conn = sqlite_ml.connect(path, route=route)
    result = sqlite_ml.train(conn, "iris", "classification", "dummy", "dataset_iris", "target")
    assert result["deployed"] is True


@pytest.mark.parametrize("route", ROUTES)
def test_a_feature_with_a_tiny_spread_is_kept(route):
    conn = sqlite_ml.connect(":memory:", route=route)
    conn.execute("CREATE TABLE tiny (x REAL, target INTEGER)")
    conn.execute("CREATE TABLE plain (x REAL, target INTEGER)")
    rows = [(i % 7, int(i % 7 > 3)) for i in range(400)]
    conn.executemany("INSERT INTO tiny VALUES (?, ?)", ((1.0 + x * 1e-14, t) for x, t in rows))
    conn.executemany("INSERT INTO plain VALUES (?, ?)", rows)
    for algorithm in ("logistic_regression", "decision_tree"):
        tiny = sqlite_ml.train(
            conn, f"tiny {algorithm}", "classification", algorithm, "tiny", "target"
        )
        plain = sqlite_ml.train(
            conn, f"plain {algorithm}", "classification", algorithm, "plain", "target"
        )
        assert tiny["score"] == plain["score"] == 1.0


@pytest.mark.parametrize("route", ROUTES)
def test_names_resolve_as_sqlite_resolves_them(route, tmp_path):
    conn = sqlite_ml.connect(tmp_path / "names.db", route=route)
    conn.execute("CREATE TABLE t (a REAL, target REAL)")
    conn.execute("CREATE TEMP TABLE t (b REAL, target REAL)")
    for table in ("main.t", "temp.t"):
        conn.executemany(
            f"INSERT INTO {table} VALUES (?, ?)",
            ((i * 7 % 50, 2 * (i * 7 % 50)) for i in range(50)),
        )
    # Unqualified, SQLite reads temp.t first; so does training.
    sqlite_ml.train(conn, "t", "regression", "linear_regression", "t", "target")
    assert conn.execute("SELECT sqml_predict('t', json_object('b', 3))").fetchone()[
        0
    ] == pytest.approx(6)
    sqlite_ml.train(conn, "main t", "regression", "linear_regression", "main.t", "target")
    assert conn.execute("SELECT sqml_predict('main t', json_object('a', 3))").fetchone()[
        0
    ] == pytest.approx(6)
    # A qualified table name creates the table in that schema.
    sqlite_ml.load_dataset(conn, "iris", "main.x")
    assert conn.execute("SELECT count(*) FROM main.x").fetchone() == (150,)
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'main.x'").fetchone() == (
        0,
    )
    # Attached databases, and generated columns (a feature like any other).
    conn.execute(f"ATTACH '{tmp_path / 'other.db'}' AS w")
    conn.execute(
        "CREATE TABLE w.p1 (a REAL, g REAL GENERATED ALWAYS AS (a * 3) VIRTUAL, target REAL)"
    )
    conn.executemany("INSERT INTO w.p1 (a, target) VALUES (?, ?)", ((i, 2 * i) for i in range(50)))
    sqlite_ml.train(conn, "p1", "regression", "linear_regression", "w.p1", "target")
    assert conn.execute("SELECT sqml_predict('p1', json_object('a', 3, 'g', 9))").fetchone()[
        0
    ] == pytest.approx(6)


@pytest.mark.parametrize("route", ROUTES)
def test_extreme_features_give_clear_errors_never_null(route):
    conn = sqlite_ml.connect(":memory:", route=route)
    conn.execute("CREATE TABLE big (x REAL, target REAL)")
    conn.executemany("INSERT INTO big VALUES (?, ?)", ((1e308 * (i % 2), i) for i in range(40)))
    for algorithm in ("linear_regression", "ridge", "sgd"):
        with pytest.raises(
            sqlite3.OperationalError, match="^sqml_train: column 'x' holds values too large"
        ):
            sqlite_ml.train(conn, algorithm, "regression", algorithm, "big", "target")
    conn.execute("CREATE TABLE small (x REAL, target REAL)")
    conn.executemany(
        "INSERT INTO small VALUES (?, ?)", ((i * 7 % 40, 3 * (i * 7 % 40)) for i in range(40))
    )
    sqlite_ml.train(conn, "small", "regression", "linear_regression", "small", "target")
    with pytest.raises(
        sqlite3.OperationalError, match="^sqml_predict: the model's prediction .* not a finite"
    ):
        conn.execute("SELECT sqml_predict('small', 1e308)").fetchone()
    assert conn.execute("SELECT count(*) FROM sqml_runs").fetchone() == (1,)


def test_a_result_too_long_for_the_connection_writes_nothing():
    conn = sqlite_ml.connect(":memory:", route="functions")
    conn.execute("CREATE TABLE t (x REAL, target REAL)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", ((i * 7 % 20, i) for i in range(20)))
    sqlite_ml.train(conn, "e", "regression", "dummy", "t", "target")  # creates the catalog
    # Long enough for every value written (the experiment's name, the model
    # blob), too short for the result, which repeats the name.
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 800)
    with pytest.raises(
        sqlite3.OperationalError, match="^sqml_train: the result .* nothing was written"
    ):
        sqlite_ml.train(conn, "e" * 600, "regression", "dummy", "t", "target")
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 1_000_000_000)
    assert conn.execute("SELECT count(*) FROM sqml_runs").fetchone() == (1,)


def test_the_users_connection_settings_do_not_break_the_functions():
    conn = sqlite_ml.connect(":memory:", route="functions", detect_types=sqlite3.PARSE_DECLTYPES)
    sqlite3.register_converter("REAL", lambda raw: f"converted {raw!r}")
    sqlite3.register_converter("BLOB", lambda raw: "converted")
    try:
        sqlite_ml.load_dataset(conn, "iris")
        conn.text_factory = bytes
        sqlite_ml.train(conn, "iris", "classification", "decision_tree", "dataset_iris", "target")
        (prediction,) = conn.execute(f"SELECT sqml_predict('iris', {IRIS_ROW}) + 0").fetchone()
        assert prediction == 0.0
        assert conn.text_factory is bytes
    finally:
        del sqlite3.converters["REAL"]
        del sqlite3.converters["BLOB"]
    with pytest.raises(sqlite3.OperationalError, match="not valid UTF-8"):
        conn.execute("SELECT sqml_predict(CAST(x'ff' AS TEXT), '[1]')").fetchone()


@pytest.mark.parametrize("door_name", ["functions", "extension", "shell"])
def test_a_statement_sees_the_deployment_it_made(door_name, tmp_path):
    path = tmp_path / "redeploy.db"
    conn = sqlite_ml.connect(path, route="functions")
    sqlite_ml.load_dataset(conn, "iris")
    sqlite_ml.train(conn, "iris", "classification", "dummy", "dataset_iris", "target")
    conn.close()
    door = open_or_skip(door_name, path)
    try:
        rows = door.query(
            "SELECT n, CASE WHEN n = 2 THEN json_extract(sqml_train('iris', 'classification', "
            "'decision_tree', 'dataset_iris', 'target'), '$.deployed') END, "
            f"sqml_predict('iris', {IRIS_ROW}) "
            "FROM (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3)"
        )
    finally:
        door.close()
    assert [(r[0], r[2]) for r in rows] == [(1, DUMMY_SAYS), (2, 0.0), (3, 0.0)]
    assert rows[1][1] == 1


def test_load_dataset_never_replaces_a_table_it_did_not_make(tmp_path):
    for route in ROUTES:
        conn = sqlite_ml.connect(tmp_path / f"{route}.db", route=route)
        conn.execute("CREATE TABLE penguins (species TEXT)")
        conn.execute("INSERT INTO penguins VALUES ('Adelie')")
        conn.commit()
        with pytest.raises(
            sqlite3.OperationalError, match="main.penguins already exists .* left as it is"
        ):
            sqlite_ml.load_dataset(conn, "iris", "penguins")
        assert conn.execute("SELECT * FROM penguins").fetchall() == [("Adelie",)]
        # Its own earlier load is replaced.
        sqlite_ml.load_dataset(conn, "iris", "flowers")
        conn.execute("DELETE FROM flowers")
        conn.commit()
        assert (
            json.loads(conn.execute("SELECT sqml_load_dataset('iris', 'flowers')").fetchone()[0])[
                "size"
            ]
            == 150
        )
        assert conn.execute("SELECT count(*) FROM flowers").fetchone() == (150,)
