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

import contextlib
import itertools
import json
import sqlite3
import sys
import threading
from collections.abc import Mapping, Sequence
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
    "deploy",
    "load",
    "load_dataset",
    "loadable_path",
    "model_info",
    "predict",
    "train",
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


def _translate(error: sqlite3.Error, sql: Any = None) -> sqlite3.Error:
    """The error with sqlite-ml's own message, when it was one of ours."""
    if str(error) == _CALLBACK_FAILED:
        message = _sqlite_ml.take_last_error()
        if message is None and isinstance(sql, str) and "sqml_" in sql.lower():
            # Python's sqlite3 failed to convert an argument before calling
            # the function, so the function never ran to say what was wrong.
            message = (
                "sqlite-ml: a sqml_* call failed before it started: Python's sqlite3 could not "
                "convert one of its arguments (TEXT that is not valid UTF-8?); pass such "
                "values as BLOB (CAST(x AS BLOB)) or fix the text"
            )
        if message is not None:
            translated = type(error)(message)
            for attribute in ("sqlite_errorcode", "sqlite_errorname"):
                if hasattr(error, attribute):
                    setattr(translated, attribute, getattr(error, attribute))
            return translated
    return error


_NO_LOCK = contextlib.nullcontext()

# Each statement a sqlite_ml.Connection starts gets an id unique in the
# process; the functions keep the deployed model for the rest of it.
_STATEMENT_IDS = itertools.count(1)


def _keeping_messages(method: Any, *, starts_statement: bool) -> Any:
    """Wraps a ``sqlite3.Cursor`` method so that sqlite-ml's errors keep their
    message, and numbers the statements it starts."""

    def wrapper(self: Any, *args: Any) -> Any:
        with getattr(self.connection, "_sqml_lock", _NO_LOCK):
            if starts_statement:
                _sqlite_ml.clear_last_error()
                self.connection._sqml_statement = next(_STATEMENT_IDS)
            try:
                return method(self, *args)
            except sqlite3.Error as error:
                raise _translate(error, args[0] if starts_statement and args else None) from None

    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


class Cursor(sqlite3.Cursor):
    """A ``sqlite3.Cursor`` whose errors from ``sqml_*`` functions carry their message."""

    execute = _keeping_messages(sqlite3.Cursor.execute, starts_statement=True)
    executemany = _keeping_messages(sqlite3.Cursor.executemany, starts_statement=True)
    executescript = _keeping_messages(sqlite3.Cursor.executescript, starts_statement=True)
    fetchone = _keeping_messages(sqlite3.Cursor.fetchone, starts_statement=False)
    fetchmany = _keeping_messages(sqlite3.Cursor.fetchmany, starts_statement=False)
    fetchall = _keeping_messages(sqlite3.Cursor.fetchall, starts_statement=False)
    __next__ = _keeping_messages(sqlite3.Cursor.__next__, starts_statement=False)


class Connection(sqlite3.Connection):
    """A ``sqlite3.Connection`` whose cursors are :class:`Cursor`.

    Its statements run one at a time, whichever thread starts them (with
    ``check_same_thread=False``): a ``sqml_*`` function lets the GIL go while
    it fits, and a second thread calling into SQLite then must not hold the
    GIL while it waits for the connection, or neither could go on.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sqml_lock = threading.RLock()

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


# Thin helpers over the SQL functions, for any sqlite3.Connection that has them.


def load_dataset(conn: sqlite3.Connection, name: str, table: str | None = None) -> dict[str, Any]:
    """``sqml_load_dataset``: a bundled dataset into ``table`` (default ``dataset_<name>``)."""
    (result,) = conn.execute("SELECT sqml_load_dataset(?, ?)", (name, table)).fetchone()
    return json.loads(result)


def train(
    conn: sqlite3.Connection,
    experiment: str,
    prediction_type: str,
    algorithm: str,
    dataset: str,
    target: str,
    test_size: float = 0.25,
    split_strategy: str = "shuffle",
    **options: Any,
) -> dict[str, Any]:
    """``sqml_train``: trains, stores and (when it scores best) deploys a model.

    Further keyword arguments are options of ``sqml_train`` (``features``,
    ``exclude``, ``preprocess``, ``automatic_deploy``), passed as its JSON
    options object.
    """
    settings = {"test_size": test_size, "split_strategy": split_strategy, **options}
    (result,) = conn.execute(
        "SELECT sqml_train(?, ?, ?, ?, ?, ?)",
        (experiment, prediction_type, algorithm, dataset, target, json.dumps(settings)),
    ).fetchone()
    return json.loads(result)


def deploy(
    conn: sqlite3.Connection,
    experiment: str | None = None,
    strategy: str = "best_score",
    algorithm: str | None = None,
    *,
    model_id: int | None = None,
) -> dict[str, Any]:
    """``sqml_deploy``: deploys the experiment's model that ``strategy`` names
    (``best_score``, ``most_recent``, ``rollback``; ``algorithm`` restricts
    the choice to its models), or the model ``model_id``. Returns what was
    deployed (experiment, model_id, algorithm, strategy, score).
    """
    if (experiment is None) == (model_id is None):
        raise ValueError("give either an experiment (and a strategy) or model_id")
    if model_id is not None:
        (result,) = conn.execute("SELECT sqml_deploy(?)", (model_id,)).fetchone()
    else:
        (result,) = conn.execute(
            "SELECT sqml_deploy(?, ?, ?)", (experiment, strategy, algorithm)
        ).fetchone()
    return json.loads(result)


def model_info(conn: sqlite3.Connection, model: str | int) -> dict[str, Any]:
    """``sqml_model_info``: the columns a model takes and how it preprocesses them.

    ``model`` is an experiment name (its deployed model) or a model id.
    """
    (result,) = conn.execute("SELECT sqml_model_info(?)", (model,)).fetchone()
    return json.loads(result)


def predict(conn: sqlite3.Connection, experiment: str, rows: Any) -> Any:
    """``sqml_predict_batch``: predictions from the experiment's deployed model.

    ``rows`` is a list of dicts (feature name to value) or of lists in training
    column order, or a 2-D numpy array; a numpy array gives a numpy array back,
    anything else a list.
    """
    as_array = type(rows).__module__ == "numpy" and getattr(rows, "ndim", None) == 2
    if as_array:
        payload = json.dumps(rows.tolist())
    elif isinstance(rows, Sequence) and not isinstance(rows, (str, bytes)):
        payload = json.dumps([dict(r) if isinstance(r, Mapping) else list(r) for r in rows])
    else:
        raise TypeError("rows must be a list of dicts or lists, or a 2-D numpy array")
    (result,) = conn.execute("SELECT sqml_predict_batch(?, ?)", (experiment, payload)).fetchone()
    predictions = json.loads(result)
    if as_array:
        import numpy

        return numpy.asarray(predictions)
    return predictions
