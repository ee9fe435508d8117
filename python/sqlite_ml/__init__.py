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
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple, TextIO

from . import _sqlite_ml

__version__: str = _sqlite_ml.__version__

__all__ = [
    "Connection",
    "Cursor",
    "FUNCTION_NAMES",
    "Progress",
    "Route",
    "__version__",
    "can_load_extension",
    "connect",
    "deploy",
    "experiments",
    "load",
    "load_dataset",
    "loadable_path",
    "model_info",
    "models",
    "predict",
    "predict_proba",
    "runs",
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
        # The extension marks them SQLITE_DIRECTONLY; create_function cannot.
        if isinstance(conn, Connection):
            conn._sqml_guard()
        else:
            conn.set_authorizer(_Authorizer(None))
    # Progress and Ctrl-C reach Python through this function on both routes.
    conn.create_function(_sqlite_ml.PROGRESS_FUNCTION, 3, _sqlite_ml.progress_sink)
    return route


def _translate(error: sqlite3.Error, sql: Any = None) -> BaseException:
    """The error with sqlite-ml's own message, when it was one of ours; a
    call that a Ctrl-C stopped as KeyboardInterrupt."""
    translated = _with_message(error, sql)
    translated = _refusal(translated) or translated
    if _sqlite_ml.take_ctrl_c() and "interrupted (Ctrl-C)" in str(translated):
        return KeyboardInterrupt(str(translated))
    return translated


def _with_message(error: sqlite3.Error, sql: Any = None) -> sqlite3.Error:
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


#: The functions with side effects: never called from a view or a trigger.
DIRECT_ONLY_NAMES: frozenset[str] = frozenset(_sqlite_ml.DIRECT_ONLY_NAMES)

_SQLITE_FUNCTION = getattr(sqlite3, "SQLITE_FUNCTION", 31)
_SQLITE_DENY = getattr(sqlite3, "SQLITE_DENY", 1)
_SQLITE_OK = getattr(sqlite3, "SQLITE_OK", 0)

# The last call the authorizer refused on this thread, for the message.
_refused = threading.local()


class _Authorizer:
    """SQLite's authorizer on the functions route: it sees each function a
    statement calls, with the view or trigger the call comes from, and
    refuses the functions with side effects there (what SQLITE_DIRECTONLY
    does for the extension), so that a database someone else wrote cannot
    train or write when it is merely read. Then the user's own authorizer,
    if any, decides."""

    def __init__(self, user: Callable[..., int] | None) -> None:
        self.user = user

    def __call__(self, action: int, arg1: Any, arg2: Any, database: Any, source: Any) -> int:
        if (
            action == _SQLITE_FUNCTION
            and source is not None
            and isinstance(arg2, str)
            and arg2.lower() in DIRECT_ONLY_NAMES
        ):
            _refused.call = (arg2.lower(), source)
            return _SQLITE_DENY
        if self.user is not None:
            return self.user(action, arg1, arg2, database, source)
        return _SQLITE_OK


def _refusal(error: sqlite3.Error) -> sqlite3.Error | None:
    """SQLite's bare "not authorized" for a call the authorizer refused,
    said with the reason."""
    call = getattr(_refused, "call", None)
    _refused.call = None
    if call is None or "not authorized" not in str(error):
        return None
    function, source = call
    return type(error)(
        f"{function}: refused: called from the view or trigger '{source}'. A function with "
        "side effects runs only from SQL you run directly, so that a database someone else "
        "wrote cannot fire it when it is read"
    )


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
        self._sqml_authorizer = _Authorizer(None)
        self._sqml_guarded = False

    def _sqml_guard(self) -> None:
        """Installs sqlite-ml's authorizer (the functions route), chained to
        the user's."""
        self._sqml_guarded = True
        super().set_authorizer(self._sqml_authorizer)

    def set_authorizer(self, authorizer_callback: Any) -> None:  # type: ignore[override]
        """As ``sqlite3.Connection.set_authorizer``. With the functions
        route, sqlite-ml's own check (side effects refused from views and
        triggers) stays, and ``authorizer_callback`` decides after it."""
        self._sqml_authorizer = _Authorizer(authorizer_callback)
        if self._sqml_guarded:
            super().set_authorizer(self._sqml_authorizer)
        else:
            super().set_authorizer(authorizer_callback)

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
    The result is a :class:`Connection` (a ``sqlite3.Connection``), so that
    errors keep their message and a Ctrl-C during a call raises
    ``KeyboardInterrupt``.
    """
    factory = kwargs.pop("factory", sqlite3.Connection)
    probe_route = route
    if probe_route == "auto":
        probe_route = "extension" if hasattr(factory, "enable_load_extension") else "functions"
    if not issubclass(factory, Connection):
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


class Progress(NamedTuple):
    """How far a long call got: its ``phase`` (``reading``, ``preprocessing``,
    ``fitting``, ``searching``, ``scoring``, ``writing``, ``predicting``),
    the units ``done`` in it (rows, trees, rounds, epochs, fits) and their
    ``total`` (None when not known)."""

    phase: str
    done: int
    total: int | None


#: What the helpers' ``progress=`` takes: a callable receiving each
#: :class:`Progress`, or True for a bar on stderr.
ProgressArg = bool | Callable[[Progress], object] | None


class _ProgressBar:
    """A one-line bar per phase on a text stream (a terminal, or a notebook
    cell's stderr: both take a carriage return as "start the line again")."""

    WIDTH = 30

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.phase: str | None = None
        self.shown = 0.0

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if progress.phase == self.phase and now - self.shown < 0.1:
            return
        if self.phase is not None and progress.phase != self.phase:
            self.stream.write("\n")
        self.phase, self.shown = progress.phase, now
        if progress.total:
            share = min(progress.done / progress.total, 1.0)
            bar = "#" * int(share * self.WIDTH)
            line = f"{progress.phase:<13} [{bar:<{self.WIDTH}}] {progress.done}/{progress.total}"
        else:
            line = f"{progress.phase:<13} {progress.done}"
        self.stream.write("\r" + line)
        self.stream.flush()

    def close(self) -> None:
        if self.phase is not None:
            self.stream.write("\n")
            self.stream.flush()


@contextlib.contextmanager
def _calling(progress: ProgressArg = None) -> Iterator[None]:
    """Around a helper's statement: hands progress to ``progress``, and
    gives a plain ``sqlite3.Connection`` the errors a :class:`Connection`
    raises (a Ctrl-C as KeyboardInterrupt)."""
    if progress is None or progress is False:
        callback = None
    elif progress is True:
        callback = _ProgressBar(sys.stderr)
    elif callable(progress):
        callback = progress
    else:
        raise TypeError(f"progress must be True, False, None or a callable, not {progress!r}")

    def deliver(phase: str, done: int, total: int | None) -> None:
        callback(Progress(phase, done, total))  # type: ignore[misc]

    previous = _sqlite_ml.set_progress(deliver if callback is not None else None)
    try:
        yield
    except sqlite3.Error as error:
        translated = _translate(error)
        if translated is error:
            raise
        raise translated from None
    finally:
        _sqlite_ml.set_progress(previous)
        if isinstance(callback, _ProgressBar):
            callback.close()


# Thin helpers over the SQL functions, for any sqlite3.Connection that has them.


def load_dataset(conn: sqlite3.Connection, name: str, table: str | None = None) -> dict[str, Any]:
    """``sqml_load_dataset``: a bundled dataset into ``table`` (default
    ``dataset_<name>``). A table of that name that an earlier load did not
    make is never replaced: the call fails and names it."""
    with _calling():
        (result,) = conn.execute("SELECT sqml_load_dataset(?, ?)", (name, table)).fetchone()
    return json.loads(result)


def train(
    conn: sqlite3.Connection,
    experiment: str,
    prediction_type: str,
    algorithm: str,
    dataset: Any,
    target: str,
    test_size: float = 0.25,
    split_strategy: str = "shuffle",
    *,
    hyperparams: dict[str, Any] | None = None,
    search: Literal["grid", "random"] | None = None,
    search_params: dict[str, list[Any]] | None = None,
    search_args: dict[str, int] | None = None,
    seed: int | None = None,
    preprocess: dict[str, dict[str, Any]] | None = None,
    features: list[str] | None = None,
    exclude: list[str] | None = None,
    automatic_deploy: bool | None = None,
    progress: ProgressArg = None,
    **options: Any,
) -> dict[str, Any]:
    """``sqml_train``: trains, stores and (when it scores best) deploys a model.

    ``dataset`` names a table or view, or is a pandas DataFrame: it is then
    written to a temporary table first, which the result names under
    ``"dataframe_table"``. The keyword arguments are ``sqml_train``'s options
    (see the README), passed as its JSON options object; those left as
    ``None`` keep their defaults. ``progress`` is True for a bar on stderr,
    or a callable that receives a :class:`Progress` about every 50 ms.
    Returns the result as a dict. Ctrl-C stops the training within a
    second (KeyboardInterrupt) and nothing is written.
    """
    written = None
    if _is_dataframe(dataset):
        written = _write_dataframe(conn, dataset)
        dataset = written
    named = {
        "hyperparams": hyperparams,
        "search": search,
        "search_params": search_params,
        "search_args": search_args,
        "seed": seed,
        "preprocess": preprocess,
        "features": features,
        "exclude": exclude,
        "automatic_deploy": automatic_deploy,
    }
    settings = {
        "test_size": test_size,
        "split_strategy": split_strategy,
        **{key: value for key, value in named.items() if value is not None},
        **options,
    }
    with _calling(progress):
        (result,) = conn.execute(
            "SELECT sqml_train(?, ?, ?, ?, ?, ?)",
            (experiment, prediction_type, algorithm, dataset, target, _json(settings)),
        ).fetchone()
    report = json.loads(result)
    if written is not None:
        report["dataframe_table"] = written
    return report


_frames = itertools.count(1)


def _is_dataframe(value: Any) -> bool:
    return type(value).__name__ == "DataFrame" and type(value).__module__.startswith("pandas")


def _write_dataframe(conn: sqlite3.Connection, frame: Any) -> str:
    """Writes a DataFrame to a new temporary table, NaN and None as NULL;
    returns its name, schema-qualified."""
    name = f"sqml_dataframe_{next(_frames)}"
    while conn.execute("SELECT 1 FROM sqlite_temp_master WHERE name = ?", (name,)).fetchone():
        name = f"sqml_dataframe_{next(_frames)}"
    columns = [str(c) for c in frame.columns]
    if len(set(columns)) != len(columns):
        raise ValueError("the DataFrame's column names must be distinct")
    quoted = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
    conn.execute(f'CREATE TEMP TABLE "{name}" ({quoted})')
    rows = ([_plain(v) for v in row] for row in frame.itertuples(index=False, name=None))
    conn.executemany(f'INSERT INTO temp."{name}" VALUES ({", ".join("?" * len(columns))})', rows)
    return f"temp.{name}"


def _plain(value: Any) -> Any:
    """A value as SQL and JSON take it: numpy scalars as Python numbers,
    NaN (and pandas' NA) as None, containers element by element."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if type(value).__module__ == "numpy":
        if getattr(value, "ndim", 0):
            return [_plain(v) for v in value.tolist()]
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    return value


def _json(value: Any) -> str:
    return json.dumps(_plain(value))


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
        (result,) = conn.execute("SELECT sqml_deploy(?)", (_plain(model_id),)).fetchone()
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


def _rows_payload(rows: Any) -> tuple[str, str]:
    """Feature rows as the batch functions take them, and what they came as:
    "numpy", "pandas" or "list"."""
    if _is_dataframe(rows):
        records = [
            dict(zip(map(str, rows.columns), r, strict=True))
            for r in rows.itertuples(index=False, name=None)
        ]
        return _json(records), "pandas"
    if type(rows).__module__ == "numpy" and getattr(rows, "ndim", None) == 2:
        return _json(rows.tolist()), "numpy"
    if isinstance(rows, Sequence) and not isinstance(rows, (str, bytes)):
        payload = [dict(r) if isinstance(r, Mapping) else list(r) for r in rows]
        return _json(payload), "list"
    raise TypeError("rows must be a list of dicts or lists, a 2-D numpy array or a DataFrame")


def predict(
    conn: sqlite3.Connection, experiment: str | int, rows: Any, *, progress: ProgressArg = None
) -> Any:
    """``sqml_predict_batch``: predictions from the experiment's deployed model
    (or the model of that id).

    ``rows`` is a list of dicts (feature name to value) or of lists in training
    column order, a 2-D numpy array, or a pandas DataFrame (columns matched by
    name); NaN and None are missing values. A numpy array gives a numpy array
    back, a DataFrame a Series on its index, anything else a list.
    ``progress`` as for :func:`train`.
    """
    payload, kind = _rows_payload(rows)
    with _calling(progress):
        (result,) = conn.execute(
            "SELECT sqml_predict_batch(?, ?)", (_plain(experiment), payload)
        ).fetchone()
    predictions = json.loads(result)
    if kind == "numpy":
        import numpy

        return numpy.asarray(predictions)
    if kind == "pandas":
        import pandas

        return pandas.Series(predictions, index=rows.index, name="prediction")
    return predictions


def predict_proba(conn: sqlite3.Connection, experiment: str | int, rows: Any) -> Any:
    """``sqml_predict_proba_batch``: each row's probability of each class.

    ``rows`` as for :func:`predict`. A list gives a list of dicts (class label
    as text to probability); a DataFrame gives a DataFrame on its index, a
    column per class; a 2-D numpy array gives ``(probabilities, labels)``: an
    array of one column per class, and the labels in that order.
    """
    payload, kind = _rows_payload(rows)
    (result,) = conn.execute(
        "SELECT sqml_predict_proba_batch(?, ?)", (_plain(experiment), payload)
    ).fetchone()
    objects = json.loads(result)
    if kind == "list":
        return objects
    if objects:
        labels = list(objects[0])
    else:
        classes = model_info(conn, _plain(experiment)).get("classes", [])
        labels = [c if isinstance(c, str) else json.dumps(c) for c in classes]
    values = [list(o.values()) for o in objects]
    if kind == "pandas":
        import pandas

        return pandas.DataFrame(values, index=rows.index, columns=labels, dtype=float)
    import numpy

    return numpy.asarray(values, dtype=float).reshape(-1, len(labels)), labels


def _catalog_rows(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> list[dict[str, Any]]:
    """Rows of a catalog query as dicts; none when the database has no catalog yet."""
    (has_catalog,) = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqml_experiments'"
    ).fetchone()
    if not has_catalog:
        return []
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _parsed(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The row with its JSON columns parsed (a catalog older than them has none)."""
    for key in keys:
        value = row.get(key)
        row[key] = json.loads(value) if isinstance(value, str) else value
    return row


def _metrics(conn: sqlite3.Connection, model_id: int) -> dict[str, float]:
    return dict(
        conn.execute(
            "SELECT name, value FROM sqml_metrics WHERE model_id = ? ORDER BY id", (model_id,)
        ).fetchall()
    )


def experiments(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every experiment: its name, prediction type, run count and deployed model."""
    return _catalog_rows(
        conn,
        """SELECT e.name AS name, e.prediction_type AS prediction_type,
                  e.created_at AS created_at,
                  (SELECT count(*) FROM sqml_runs r WHERE r.experiment_id = e.id) AS runs,
                  (SELECT d.model_id FROM sqml_deployments d
                    WHERE d.experiment_id = e.id AND d.active) AS deployed_model_id
             FROM sqml_experiments e ORDER BY e.id""",
    )


def runs(conn: sqlite3.Connection, experiment: str | None = None) -> list[dict[str, Any]]:
    """Every run (of ``experiment``, or of all), oldest first, with its model,
    metrics, hyperparameters, seed and data fingerprint parsed."""
    found = _catalog_rows(
        conn,
        """SELECT r.*, e.name AS experiment, m.id AS model_id
             FROM sqml_runs r
             JOIN sqml_experiments e ON e.id = r.experiment_id
             LEFT JOIN sqml_models m ON m.run_id = r.id
            WHERE ?1 IS NULL OR e.name = ?1
            ORDER BY r.id""",
        (experiment,),
    )
    for row in found:
        row["run_id"] = row.pop("id")
        del row["experiment_id"]
        _parsed(row, "hyperparams", "fingerprint")
        row["metrics"] = _metrics(conn, row["model_id"]) if row["model_id"] is not None else {}
    return found


def models(conn: sqlite3.Connection, experiment: str) -> list[dict[str, Any]]:
    """The experiment's models, oldest first: id, run, algorithm,
    hyperparameters, metrics, score and whether it is the deployed one."""
    found = _catalog_rows(
        conn,
        # The run's columns first (a catalog older than `hyperparams` has
        # none), the model's after them, so that its created_at is kept.
        """SELECT r.*, m.id AS model_id, r.id AS run_id, m.library AS library,
                  m.created_at AS created_at,
                  EXISTS (SELECT 1 FROM sqml_deployments d
                           WHERE d.model_id = m.id AND d.active) AS deployed
             FROM sqml_models m
             JOIN sqml_runs r ON r.id = m.run_id
             JOIN sqml_experiments e ON e.id = r.experiment_id
            WHERE e.name = ?
            ORDER BY m.id""",
        (experiment,),
    )
    kept = ("model_id", "run_id", "algorithm", "library", "created_at", "deployed")
    models = []
    for row in found:
        model = {key: row[key] for key in kept}
        model["deployed"] = bool(model["deployed"])
        model["hyperparams"] = row.get("hyperparams")
        _parsed(model, "hyperparams")
        model["metrics"] = _metrics(conn, model["model_id"])
        model["score"] = model["metrics"].get("score")
        models.append(model)
    return models
