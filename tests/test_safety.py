"""Damaged models, the caller's transaction, read-only databases, and
functions with side effects refused from views and triggers."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys

import pytest

import sqlite_ml

CAN_LOAD = sqlite_ml.can_load_extension(sqlite3.connect(":memory:"))
ROUTES = ["functions", "extension"] if CAN_LOAD else ["functions"]


def trained_db(path, route="functions"):
    conn = sqlite_ml.connect(path, route=route)
    sqlite_ml.load_dataset(conn, "iris")
    sqlite_ml.train(conn, "iris", "classification", "decision_tree", "dataset_iris", "target")
    sqlite_ml.load_dataset(conn, "diabetes")
    sqlite_ml.train(conn, "diabetes", "regression", "ridge", "dataset_diabetes", "target")
    return conn


PREDICT = "SELECT sqml_predict('iris', '[5.1, 3.5, 1.4, 0.2]')"


def predict_in_new_process(path, sql=PREDICT) -> tuple[int, str]:
    """A new process has no cached model: the blob itself is read."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import sys, sqlite3, sqlite_ml\n"
                "conn = sqlite_ml.connect(sys.argv[1], route='functions')\n"
                "try:\n    print(repr(conn.execute(sys.argv[2]).fetchone()[0]))\n"
                "except sqlite3.OperationalError as e:\n    print('ERROR', e)\n"
            ),
            str(path),
            sql,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stdout.strip()


def set_blob(path, blob: bytes, model_id: int = 1) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE sqml_models SET data = ? WHERE id = ?", (blob, model_id))


def test_damaged_blobs_give_clear_errors_never_a_crash_or_a_wrong_answer(tmp_path):
    path = tmp_path / "models.db"
    trained_db(path).close()
    with sqlite3.connect(path) as conn:
        (good,) = conn.execute("SELECT data FROM sqml_models WHERE id = 1").fetchone()
        (other,) = conn.execute("SELECT data FROM sqml_models WHERE id = 2").fetchone()
    assert predict_in_new_process(path) == (0, "0.0")
    rng = random.Random(0)
    cases = {
        "empty": b"",
        "random bytes": bytes(rng.randrange(256) for _ in range(500)),
        "a pickle": b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00",
        "truncated": good[: len(good) // 2],
        "other version": good[:8] + b"\x07\x00" + good[10:],
    }
    flips = sorted(rng.sample(range(len(good) * 8), 40)) + [0, len(good) * 8 - 1]
    for bit in flips:
        damaged = bytearray(good)
        damaged[bit // 8] ^= 1 << (bit % 8)
        cases[f"bit {bit} flipped"] = bytes(damaged)
    for name, blob in cases.items():
        set_blob(path, blob)
        code, output = predict_in_new_process(path)
        assert code == 0, (name, output)
        assert output.startswith("ERROR sqml_predict: "), (name, output)
        assert "model 1 of experiment 'iris'" in output, (name, output)
    # Another model's valid blob is that model: it takes its own features.
    set_blob(path, other)
    code, output = predict_in_new_process(path)
    assert output == "ERROR sqml_predict: the model takes 10 features, got an array of 4"
    set_blob(path, good)
    assert predict_in_new_process(path) == (0, "0.0")


def older_format(conn):
    (blob,) = conn.execute("SELECT data FROM sqml_models WHERE id = 1").fetchone()
    older = blob[:8] + b"\x01\x00" + blob[10:]
    conn.execute("UPDATE sqml_models SET data = ? WHERE id = 1", (older,))


def from_0_1_2(conn):
    conn.execute("UPDATE sqml_models SET library = 'scikit-learn' WHERE id = 1")


@pytest.mark.parametrize("unloadable", [older_format, from_0_1_2])
def test_a_deployed_model_this_build_cannot_load_is_replaced_by_the_next_training(
    tmp_path, unloadable
):
    path = tmp_path / "models.db"
    trained_db(path).close()
    with sqlite3.connect(path) as conn:
        unloadable(conn)
    code, output = predict_in_new_process(path)
    assert output.startswith("ERROR sqml_predict: model 1 of experiment 'iris'"), output
    assert "train the experiment again" in output
    # The same training scores no better than the deployed model did, yet
    # it is deployed: otherwise the advice above could not be followed.
    conn = sqlite_ml.connect(path)
    result = sqlite_ml.train(
        conn, "iris", "classification", "decision_tree", "dataset_iris", "target"
    )
    assert result["deployed"] is True
    assert predict_in_new_process(path) == (0, "0.0")


@pytest.mark.parametrize("route", ROUTES)
def test_in_the_callers_transaction_the_functions_use_a_savepoint(tmp_path, route):
    path = tmp_path / "tx.db"
    trained_db(path, route).close()
    conn = sqlite_ml.connect(path, route=route, isolation_level=None)
    conn.execute("BEGIN")
    conn.execute("CREATE TABLE mine (x)")
    conn.execute("INSERT INTO mine VALUES (1)")
    with pytest.raises(sqlite3.OperationalError, match="unknown algorithm"):
        conn.execute(
            "SELECT sqml_train('iris', 'classification', 'nope', 'dataset_iris', 'target')"
        )
    # A failed call left the caller's work alone...
    assert conn.in_transaction
    assert conn.execute("SELECT x FROM mine").fetchall() == [(1,)]
    sqlite_ml.train(conn, "iris", "classification", "knn", "dataset_iris", "target")
    # ...and a successful one joined the transaction without committing it.
    assert conn.in_transaction
    assert conn.execute("SELECT count(*) FROM sqml_runs").fetchone() == (3,)
    conn.execute("ROLLBACK")
    assert conn.execute("SELECT count(*) FROM sqml_runs").fetchone() == (2,)
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'mine'").fetchone() == (0,)


@pytest.mark.parametrize("route", ROUTES)
def test_outside_a_transaction_the_functions_commit_their_own_work(tmp_path, route):
    path = tmp_path / "auto.db"
    trained_db(path, route).close()
    conn = sqlite_ml.connect(path, route=route)
    sqlite_ml.train(conn, "iris", "classification", "knn", "dataset_iris", "target")
    assert not conn.in_transaction
    with sqlite3.connect(path) as other:
        assert other.execute("SELECT count(*) FROM sqml_runs").fetchone() == (3,)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("flags", ["mode=ro", "immutable=1"])
def test_a_read_only_database_predicts_and_refuses_to_train(tmp_path, route, flags):
    path = tmp_path / "ro.db"
    trained_db(path).close()
    conn = sqlite_ml.connect(f"file:{path}?{flags}", uri=True, route=route)
    assert conn.execute(PREDICT).fetchone() == (0.0,)
    read_only = (
        "sqml_train: the database is read-only (opened with mode=ro or immutable=1, or a "
        "read-only file); this function writes to it"
    )
    with pytest.raises(sqlite3.OperationalError) as raised:
        conn.execute("SELECT sqml_train('iris', 'classification', 'knn', 'dataset_iris', 'target')")
    assert str(raised.value) == read_only


def untrusted_db(path, route):
    """A trained database whose view and trigger call functions that write."""
    trained_db(path, route).close()
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE VIEW innocent AS SELECT sqml_train('x', 'regression', 'ridge', "
            "'dataset_diabetes', 'target') AS surprise"
        )
        conn.execute("CREATE TABLE log (x)")
        conn.execute(
            "CREATE TRIGGER on_log AFTER INSERT ON log BEGIN "
            "SELECT sqml_load_dataset('wine', 'dataset_iris'); END"
        )


# SQLITE_DIRECTONLY's words on the extension; the authorizer's on the functions route.
REFUSED = {
    "extension": r"^unsafe use of sqml_(train|load_dataset)\(\)$",
    "functions": (
        r"^sqml_(train|load_dataset): refused: called from the view or trigger "
        r"'(innocent|on_log)'. A function with side effects runs only from SQL you run directly"
    ),
}


@pytest.mark.parametrize("route", ROUTES)
def test_an_untrusted_view_or_trigger_cannot_train(tmp_path, route):
    path = tmp_path / "untrusted.db"
    untrusted_db(path, route)
    conn = sqlite_ml.connect(path, route=route)
    for sql in ("SELECT * FROM innocent", "INSERT INTO log VALUES (1)"):
        with pytest.raises(sqlite3.OperationalError, match=REFUSED[route]):
            conn.execute(sql)
    assert conn.execute("SELECT count(*) FROM sqml_runs").fetchone() == (2,)
    assert conn.execute("SELECT count(*) FROM dataset_iris").fetchone() == (150,)
    assert conn.execute("SELECT count(*) FROM log").fetchone() == (0,)
    # Predictions read only: a view may use them.
    conn.execute(f"CREATE TEMP VIEW guess AS {PREDICT} AS p")
    assert conn.execute("SELECT p FROM guess").fetchone() == (0.0,)
    # Called directly, the same function runs.
    conn.execute("SELECT sqml_load_dataset('wine', 'wine')")


def test_on_a_plain_connection_the_functions_route_refuses_them_too(tmp_path):
    path = tmp_path / "untrusted.db"
    untrusted_db(path, "functions")
    conn = sqlite3.connect(path)
    sqlite_ml.load(conn, route="functions")
    for sql in ("SELECT * FROM innocent", "INSERT INTO log VALUES (1)"):
        # A plain sqlite3.Connection says SQLite's own words.
        with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
            conn.execute(sql)
    assert conn.execute("SELECT count(*) FROM sqml_runs").fetchone() == (2,)
    conn.close()


def test_a_users_authorizer_is_chained_after_the_refusal(tmp_path):
    path = tmp_path / "untrusted.db"
    untrusted_db(path, "functions")
    conn = sqlite_ml.connect(path, route="functions")
    asked: list[tuple] = []

    def mine(action, arg1, arg2, database, source):
        asked.append((action, arg1, arg2))
        # Deny reading one table: the user's own rule.
        if action == sqlite3.SQLITE_READ and arg1 == "log":
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    conn.set_authorizer(mine)
    with pytest.raises(sqlite3.OperationalError, match="refused: called from the view"):
        conn.execute("SELECT * FROM innocent")
    with pytest.raises(sqlite3.DatabaseError, match="access to log.x is prohibited"):
        conn.execute("SELECT * FROM log")
    assert conn.execute(PREDICT).fetchone() == (0.0,)
    assert asked
    # Clearing the user's authorizer keeps sqlite-ml's.
    conn.set_authorizer(None)
    assert conn.execute("SELECT count(*) FROM log").fetchone() == (0,)
    with pytest.raises(sqlite3.OperationalError, match="refused: called from the view"):
        conn.execute("SELECT * FROM innocent")
    conn.close()


def test_every_door_refuses_side_effects_from_a_view(tmp_path):
    from doors import DOORS, DoorUnavailable, open_door, required_doors

    path = tmp_path / "untrusted.db"
    untrusted_db(path, "functions")
    tried = []
    for name in DOORS:
        try:
            door = open_door(name, path)
        except DoorUnavailable:
            assert name not in required_doors(), name
            continue
        try:
            with pytest.raises(Exception) as raised:
                door.query("SELECT * FROM innocent")
            message = str(raised.value)
            assert (
                "unsafe use of sqml_train" in message
                or "refused" in message
                or (
                    # Datasette on the functions route shows Python's fixed text.
                    not door.keeps_messages
                )
            ), (name, message)
            tried.append(name)
        finally:
            door.close()
    assert "functions" in tried
    assert sqlite3.connect(path).execute("SELECT count(*) FROM sqml_runs").fetchone() == (2,)
