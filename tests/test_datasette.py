"""Datasette, through a real server on 127.0.0.1 (see doors.DatasetteDoor)."""

from __future__ import annotations

import json
import time

import pytest

import sqlite_ml

from doors import open_or_skip


@pytest.mark.parametrize("mode", ["flag", "plugin"])
def test_the_documented_url_answers(db_path, mode):
    door = open_or_skip(f"datasette-{mode}", db_path)
    try:
        status, body = door.get("/data.json?sql=select+sqml_version()&_shape=arrays")
        assert status == 200, body
        assert json.loads(body["rows"][0][0])["version"] == sqlite_ml.__version__
        status, plugins = door.get("/-/plugins.json")
        names = [plugin["name"] for plugin in plugins]
        assert ("sqlite-ml" in names) == (mode == "plugin")
    finally:
        door.close()


def test_the_plugin_on_the_functions_route_logs_the_real_message(db_path):
    door = open_or_skip("datasette-plugin", db_path)
    try:
        if door.keeps_messages:
            pytest.skip("this Python loads the extension, which keeps messages itself")
        status, body = door.get("/data.json?sql=select+sqml_debug('nope')")
        assert status == 400, body
        assert body["error"] == "user-defined function raised exception"
        expected = (
            "RuntimeError: sqml_debug: unknown command 'nope'; available: 'algorithms', 'panic'"
        )
        deadline = time.monotonic() + 10
        while not any(expected in line for line in door.log) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert any(expected in line for line in door.log), "".join(door.log)
    finally:
        door.close()
