"""The ways into sqlite-ml, each behind one small interface, so that the same
SQL-level tests run through every door.

A door runs SQL against a database file and returns rows as tuples, or raises
:class:`SqlError` with SQLite's message.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import sqlite_ml


class SqlError(Exception):
    """An error SQLite reported for a statement, with its message."""


# What Python's sqlite3 reports for any exception raised inside a function
# registered with create_function, on a connection sqlite-ml did not open.
PYTHON_FIXED_MESSAGE = "user-defined function raised exception"


class DoorUnavailable(Exception):
    """This door cannot be used from this Python or this machine."""


class PythonDoor:
    """A Python sqlite3 connection, with the functions registered by ``route``."""

    def __init__(self, path: Path, route: str):
        self.route = route
        if route == "extension":
            conn = sqlite3.connect(path)
            if not sqlite_ml.can_load_extension(conn):
                conn.close()
                raise DoorUnavailable("this Python's sqlite3 cannot load extensions")
            # The way any user of Python's sqlite3 loads an extension.
            conn.enable_load_extension(True)
            conn.load_extension(sqlite_ml.loadable_path())
            conn.enable_load_extension(False)
        else:
            conn = sqlite_ml.connect(path, route=route)
        self.conn = conn
        self.path = path
        self.writable = True
        # Which core door sqml_debug() reports: the extension is the SQLite door.
        self.core_door = "sqlite" if route == "extension" else "python"
        self.keeps_messages = True

    def query(self, sql: str) -> list[tuple]:
        try:
            return [tuple(row) for row in self.conn.execute(sql).fetchall()]
        except sqlite3.Error as error:
            raise SqlError(str(error)) from error

    def close(self) -> None:
        self.conn.close()


SHELL_DECORATION = re.compile(
    r"^(Parse error|Runtime error|Error)( near line \d+)?: (stepping, |in prepare, )?"
)


class ShellDoor:
    """Debian's sqlite3 command-line shell with ``.load`` of the extension."""

    def __init__(self, path: Path):
        self.binary = shutil.which("sqlite3")
        if self.binary is None:
            raise DoorUnavailable("no sqlite3 shell on PATH (Debian package sqlite3)")
        self.path = path
        self.writable = True
        self.core_door = "sqlite"
        self.keeps_messages = True

    def run(self, sql: str) -> subprocess.CompletedProcess:
        load = f".load {sqlite_ml.loadable_path()}"
        return subprocess.run(
            [self.binary, "-bail", "-json", str(self.path), load, sql],
            capture_output=True,
            text=True,
            timeout=120,
        )

    def query(self, sql: str) -> list[tuple]:
        done = self.run(sql)
        if done.returncode < 0:
            raise AssertionError(f"sqlite3 shell died of signal {-done.returncode}: {done.stderr}")
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if SHELL_DECORATION.match(line)]
            message = lines[-1] if lines else done.stderr.strip()
            raise SqlError(SHELL_DECORATION.sub("", message).strip())
        if not done.stdout.strip():
            return []
        return [tuple(row.values()) for row in json.loads(done.stdout)]

    def close(self) -> None:
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Runs Datasette with sqlite-ml's plugin unregistered, so that only the
# --load-extension flag can provide the functions.
WITHOUT_PLUGIN = (
    "import sys; import datasette.plugins as p; p.pm.unregister(name='sqlite_ml'); "
    "from datasette.cli import cli; sys.argv[0] = 'datasette'; cli()"
)


class DatasetteDoor:
    """A real Datasette server on 127.0.0.1, queried over HTTP.

    ``mode="flag"``: ``--load-extension`` only (needs a Python that can load
    extensions); ``mode="plugin"``: the installed plugin only, no flag.
    """

    def __init__(self, path: Path, mode: str, settings: dict | None = None):
        # Not imported here: importing datasette switches on sqlite3's callback
        # tracebacks for the whole test process.
        if importlib.util.find_spec("datasette") is None:
            raise DoorUnavailable("datasette is not installed")
        port = free_port()
        args = ["serve", str(path), "--host", "127.0.0.1", "--port", str(port)]
        for name, value in (settings or {}).items():
            args += ["--setting", name, str(value)]
        if mode == "flag":
            if not hasattr(sqlite3.Connection, "enable_load_extension"):
                raise DoorUnavailable("this Python's sqlite3 cannot load extensions")
            command = [sys.executable, "-c", WITHOUT_PLUGIN, *args]
            command += ["--load-extension", sqlite_ml.loadable_path()]
        else:
            command = [sys.executable, "-m", "datasette", *args]
        can_load = hasattr(sqlite3.Connection, "enable_load_extension")
        # The plugin takes the extension when this Python can load it.
        self.core_door = "sqlite" if mode == "flag" or can_load else "python"
        # On the functions route Datasette's own connections get Python's fixed
        # message; Datasette prints the real one to its console (see `log`).
        self.keeps_messages = self.core_door == "sqlite"
        self.log: list[str] = []
        self.mode = mode
        self.path = path
        # Datasette runs queries on read-only connections.
        self.writable = False
        self.database = path.stem
        self.base = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()
        self._wait_until_ready()

    def _read_output(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.log.append(line)

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._reader.join(timeout=5)
                raise AssertionError(f"datasette exited early: {''.join(self.log)}")
            try:
                with urllib.request.urlopen(f"{self.base}/-/versions.json", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.close()
        raise AssertionError("datasette did not answer within 60 s")

    def get(self, path: str) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(self.base + path, timeout=60) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def get_sql(self, sql: str) -> tuple[int, dict]:
        query = urllib.parse.urlencode({"sql": sql, "_shape": "arrays"})
        return self.get(f"/{self.database}.json?{query}")

    def query(self, sql: str) -> list[tuple]:
        status, body = self.get_sql(sql)
        if status != 200 or body.get("ok") is False:
            raise SqlError(body.get("error", f"HTTP {status}"))
        return [tuple(row) for row in body["rows"]]

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


DOORS = ["functions", "extension", "shell", "datasette-flag", "datasette-plugin"]


def open_door(name: str, path: Path):
    if name in ("functions", "extension"):
        return PythonDoor(path, route=name)
    if name == "shell":
        return ShellDoor(path)
    if name.startswith("datasette-"):
        return DatasetteDoor(path, mode=name.removeprefix("datasette-"))
    raise ValueError(name)


def required_doors() -> set[str]:
    """Doors that must not be skipped (set by scripts/test for each Python)."""
    listed = os.environ.get("SQLITE_ML_REQUIRE_DOORS", "")
    return {door.strip() for door in listed.split(",") if door.strip()}


def open_or_skip(name: str, path: Path):
    """Opens a door; skips the test when it is unavailable, fails when required."""
    import pytest

    try:
        return open_door(name, path)
    except DoorUnavailable as why:
        if name in required_doors():
            pytest.fail(f"door {name!r} is required here but unavailable: {why}")
        pytest.skip(f"door {name!r} unavailable: {why}")


def expected_message(door, message: str) -> str:
    """The message this door shows for an error whose message is `message`."""
    return message if door.keeps_messages else PYTHON_FIXED_MESSAGE
