"""sqlite-ml: train machine-learning models and run predictions inside SQLite.

    import sqlite_ml
    conn = sqlite_ml.connect("data.db")
    conn.execute("SELECT sqml_version()").fetchone()

Two routes put the ``sqml_*`` functions on a connection:

- ``"extension"``: the standalone loadable extension shipped in this package
  (needs ``sqlite3.Connection.enable_load_extension``, which many Python
  builds lack);
- ``"functions"``: ``Connection.create_function`` with callables implemented
  in Rust, which works on every Python.

``"auto"`` (the default) takes the extension when the connection can load
it, and the functions otherwise.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any, Literal

from . import _sqlite_ml

__version__: str = _sqlite_ml.__version__

__all__ = [
    "Connection",
    "Cursor",
    "FUNCTION_NAMES",
    "Route",
    "__version__",
    "can_load_extension",
    "connect",
    "load",
    "loadable_path",
]

Route = Literal["auto", "extension", "functions"]

#: Every SQL function sqlite-ml registers.
FUNCTION_NAMES: tuple[str, ...] = tuple(_sqlite_ml.FUNCTION_NAMES)

# Python's sqlite3 reports any exception raised by a create_function callback
# with this fixed text; sqlite_ml.Connection puts the real message back.
_CALLBACK_FAILED = "user-defined function raised exception"

_LIBRARY_SUFFIX = {"darwin": ".dylib", "win32": ".dll"}.get(sys.platform, ".so")


def loadable_path() -> str:
    """Absolute path of the standalone loadable extension in this package."""
    path = Path(__file__).resolve().parent / f"libsqliteml{_LIBRARY_SUFFIX}"
    if not path.is_file():
        raise FileNotFoundError(
            f"sqlite-ml: no loadable extension at {path}; this installation was "
            "built without it (build with `pip install .`, or `cargo build --release`)"
        )
    return str(path)


def can_load_extension(conn: sqlite3.Connection) -> bool:
    """True when this Python's sqlite3 was built with extension loading."""
    return hasattr(conn, "enable_load_extension")


def load(conn: sqlite3.Connection, *, route: Route = "auto") -> str:
    """Registers every ``sqml_*`` function on ``conn``; returns the route taken.

    With the extension route, extension loading is switched off again
    afterwards. With the functions route on a plain ``sqlite3.Connection``,
    Python's sqlite3 reports errors as "user-defined function raised
    exception"; open the connection with :func:`connect` (or pass
    ``factory=sqlite_ml.Connection`` to ``sqlite3.connect``) to see the real
    message.
    """
    if route not in ("auto", "extension", "functions"):
        raise ValueError(f"route must be 'auto', 'extension' or 'functions', not {route!r}")
    if route == "auto":
        route = "extension" if can_load_extension(conn) else "functions"
    if route == "extension":
        if not can_load_extension(conn):
            raise sqlite3.NotSupportedError(
                "sqlite-ml: this Python's sqlite3 cannot load extensions "
                "(built without loadable-extension support); use route='functions'"
            )
        conn.enable_load_extension(True)
        try:
            conn.load_extension(loadable_path())
        finally:
            conn.enable_load_extension(False)
    else:
        _sqlite_ml.register(conn)
    return route


def _translate(error: sqlite3.Error) -> sqlite3.Error:
    """The error with sqlite-ml's own message, when it was one of ours."""
    if str(error) == _CALLBACK_FAILED:
        message = _sqlite_ml.take_last_error()
        if message is not None:
            translated = type(error)(message)
            for attribute in ("sqlite_errorcode", "sqlite_errorname"):
                if hasattr(error, attribute):
                    setattr(translated, attribute, getattr(error, attribute))
            return translated
    return error


class Cursor(sqlite3.Cursor):
    """A ``sqlite3.Cursor`` whose errors from ``sqml_*`` functions carry their message."""

    def execute(self, sql: str, parameters: Any = (), /) -> Cursor:
        _sqlite_ml.clear_last_error()
        try:
            return super().execute(sql, parameters)
        except sqlite3.Error as error:
            raise _translate(error) from None

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> Cursor:
        _sqlite_ml.clear_last_error()
        try:
            return super().executemany(sql, seq_of_parameters)
        except sqlite3.Error as error:
            raise _translate(error) from None

    def executescript(self, sql_script: str, /) -> Cursor:
        _sqlite_ml.clear_last_error()
        try:
            return super().executescript(sql_script)
        except sqlite3.Error as error:
            raise _translate(error) from None

    def fetchone(self) -> Any:
        try:
            return super().fetchone()
        except sqlite3.Error as error:
            raise _translate(error) from None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        try:
            return super().fetchmany(self.arraysize if size is None else size)
        except sqlite3.Error as error:
            raise _translate(error) from None

    def fetchall(self) -> list[Any]:
        try:
            return super().fetchall()
        except sqlite3.Error as error:
            raise _translate(error) from None

    def __next__(self) -> Any:
        try:
            return super().__next__()
        except sqlite3.Error as error:
            raise _translate(error) from None


class Connection(sqlite3.Connection):
    """A ``sqlite3.Connection`` whose cursors are :class:`Cursor`."""

    def cursor(self, factory: Any = Cursor) -> Cursor:  # type: ignore[override]
        return super().cursor(factory)

    # sqlite3.Connection.execute* bypass Cursor.execute*, so route them through it.
    def execute(self, sql: str, parameters: Any = (), /) -> Cursor:  # type: ignore[override]
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> Cursor:  # type: ignore[override]
        return self.cursor().executemany(sql, parameters)

    def executescript(self, sql_script: str, /) -> Cursor:  # type: ignore[override]
        return self.cursor().executescript(sql_script)


def connect(database: Any, *args: Any, route: Route = "auto", **kwargs: Any) -> sqlite3.Connection:
    """``sqlite3.connect`` with every ``sqml_*`` function registered.

    Takes the same arguments as ``sqlite3.connect`` (``timeout``, ``uri``,
    ``isolation_level``, ``factory``...), plus ``route`` (see :func:`load`).
    The result is a ``sqlite3.Connection``; on the functions route it is a
    :class:`Connection`, so that errors keep their message.
    """
    factory = kwargs.pop("factory", sqlite3.Connection)
    probe_route = route
    if probe_route == "auto":
        probe_route = "extension" if hasattr(factory, "enable_load_extension") else "functions"
    if probe_route == "functions" and not issubclass(factory, Connection):
        factory = Connection if factory is sqlite3.Connection else _with_messages(factory)
    conn = sqlite3.connect(database, *args, factory=factory, **kwargs)
    try:
        load(conn, route=probe_route)  # type: ignore[arg-type]
    except BaseException:
        conn.close()
        raise
    return conn


def _with_messages(factory: type) -> type:
    """A subclass of the caller's factory that also keeps sqlite-ml's messages."""
    return type(factory.__name__, (Connection, factory), {})
