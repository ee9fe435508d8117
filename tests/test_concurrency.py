"""Concurrent writers (training and deploying) on one WAL database, and
processes killed with SIGKILL mid-training: nothing lost, nothing
half-written, one active deployment per experiment, no 'database is locked'."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

import sqlite_ml

CAN_LOAD = sqlite_ml.can_load_extension(sqlite3.connect(":memory:"))
ROUTES = ["functions", "extension"] if CAN_LOAD else ["functions"]

WORKER = """
import sqlite3, sys, sqlite_ml
path, route, experiment, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
conn = sqlite_ml.connect(path, route=route, timeout=5.0)
algorithms = ["random_forest", "knn", "gradient_boosting", "dummy", "logistic_regression"]
strategies = ["best_score", "most_recent", "rollback"]
row = '[5.1, 3.5, 1.4, 0.2]'
for i in range(count):
    sqlite_ml.train(conn, experiment, "classification", algorithms[i % len(algorithms)],
                    "dataset_iris", "target")
    (prediction,) = conn.execute("SELECT sqml_predict(?, ?)", (experiment, row)).fetchone()
    assert prediction in (0.0, 1.0, 2.0), prediction
    try:
        sqlite_ml.deploy(conn, experiment, strategies[i % 3])
    except sqlite3.OperationalError as error:
        assert "no earlier deployment" in str(error), error
print("done", count)
"""


def invariants(conn: sqlite3.Connection) -> None:
    """What every reader must see, whenever it looks."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "sqml_experiments" not in tables:
        return  # no training has finished yet: the first one creates the catalog
    wrong = conn.execute(
        "SELECT e.name, (SELECT count(*) FROM sqml_deployments d WHERE d.experiment_id = e.id AND d.active) AS n "
        "FROM sqml_experiments e WHERE n != 1"
    ).fetchall()
    assert wrong == [], f"experiments without exactly one active deployment: {wrong}"
    partial = conn.execute(
        "SELECT r.id FROM sqml_runs r WHERE (SELECT count(*) FROM sqml_models m WHERE m.run_id = r.id) != 1 "
        "OR (SELECT count(*) FROM sqml_metrics x JOIN sqml_models m ON m.id = x.model_id "
        "    WHERE m.run_id = r.id) != 5"
    ).fetchall()
    assert partial == [], f"runs with a missing model or metrics: {partial}"


def wal_database(path, route):
    conn = sqlite_ml.connect(path, route=route)
    assert conn.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
    sqlite_ml.load_dataset(conn, "iris")
    conn.close()


@pytest.mark.parametrize("route", ROUTES)
def test_five_writers_and_a_reader_on_one_wal_database(tmp_path, route):
    path = tmp_path / "shared.db"
    wal_database(path, route)
    jobs = [(f"own {k}", 25) for k in range(4)] + [("shared", 25)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(path), route, name, str(count)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, count in jobs
    ]
    reader = sqlite3.connect(path, timeout=5.0)
    looks = 0
    while any(w.poll() is None for w in workers):
        invariants(reader)
        looks += 1
        time.sleep(0.001)
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        assert "database is locked" not in err
        assert out.strip().startswith("done")
    invariants(reader)
    assert looks > 0
    print(f"concurrency: 125 runs by 5 writers, reader looked {looks} times")
    assert reader.execute("SELECT count(*) FROM sqml_runs").fetchone() == (125,)
    per_experiment = dict(
        reader.execute(
            "SELECT e.name, count(*) FROM sqml_runs r JOIN sqml_experiments e ON e.id = r.experiment_id "
            "GROUP BY e.name"
        )
    )
    assert per_experiment == {name: count for name, count in jobs}
    assert reader.execute("PRAGMA integrity_check").fetchone() == ("ok",)


SLOW_TRAINER = """
import sys, sqlite_ml
conn = sqlite_ml.connect(sys.argv[1], route=sys.argv[2])
print("training", flush=True)
sqlite_ml.train(conn, "stable", "classification", "mlp", "big", "target")
print("finished", flush=True)
"""


@pytest.mark.parametrize("route", ROUTES)
def test_a_training_killed_midway_leaves_nothing_behind(tmp_path, route):
    path = tmp_path / "kill.db"
    conn = sqlite_ml.connect(path, route=route)
    sqlite_ml.load_dataset(conn, "digits", "big")
    # Four copies of digits: long enough for the MLP to be caught training.
    conn.execute("INSERT INTO big SELECT * FROM big")
    conn.execute("INSERT INTO big SELECT * FROM big")
    conn.commit()
    sqlite_ml.train(conn, "stable", "classification", "knn", "big", "target")
    probe = (
        "SELECT sqml_predict_batch('stable', (SELECT json_group_array(json_array("
        + ", ".join(f"[pixel_{i // 8}_{i % 8}]" for i in range(64))
        + ")) FROM (SELECT * FROM big LIMIT 30)))"
    )
    before = conn.execute(probe).fetchone()[0]
    counts = conn.execute(
        "SELECT (SELECT count(*) FROM sqml_runs), (SELECT count(*) FROM sqml_models)"
    ).fetchone()
    conn.close()
    trainer = subprocess.Popen(
        [sys.executable, "-c", SLOW_TRAINER, str(path), route], stdout=subprocess.PIPE, text=True
    )
    assert trainer.stdout.readline().strip() == "training"
    time.sleep(0.5)
    os.kill(trainer.pid, signal.SIGKILL)
    trainer.wait(timeout=30)
    assert trainer.returncode == -signal.SIGKILL, "the training finished before it could be killed"
    conn = sqlite_ml.connect(path, route=route)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert (
        conn.execute(
            "SELECT (SELECT count(*) FROM sqml_runs), (SELECT count(*) FROM sqml_models)"
        ).fetchone()
        == counts
    )
    invariants(conn)
    assert conn.execute(probe).fetchone()[0] == before


QUICK_TRAINER = """
import sys, sqlite_ml
conn = sqlite_ml.connect(sys.argv[1], route=sys.argv[2], timeout=5.0)
while True:
    sqlite_ml.train(conn, "churn", "classification", "dummy", "dataset_iris", "target")
"""


@pytest.mark.parametrize("route", ROUTES)
def test_kills_at_random_moments_never_leave_a_partial_run(tmp_path, route):
    path = tmp_path / "churn.db"
    wal_database(path, route)
    rng = random.Random(0)
    for _ in range(15):
        trainer = subprocess.Popen(
            [sys.executable, "-c", QUICK_TRAINER, str(path), route], stderr=subprocess.PIPE
        )
        time.sleep(0.3 + rng.random() * 0.3)
        os.kill(trainer.pid, signal.SIGKILL)
        trainer.wait(timeout=30)
        conn = sqlite3.connect(path, timeout=5.0)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        invariants(conn)
        conn.close()
    conn = sqlite3.connect(path)
    runs = conn.execute("SELECT count(*) FROM sqml_runs").fetchone()[0]
    assert runs > 15
    print(f"kills: 15 SIGKILLs at random moments, {runs} complete runs recorded, none partial")
