"""The native module behind sqlite_ml (Rust, PyO3)."""

import sqlite3

__version__: str
FUNCTION_NAMES: list[str]

def register(conn: sqlite3.Connection) -> None:
    """Registers every sqml_* function on conn with create_function."""

def take_last_error() -> str | None:
    """The message of the last sqml_* failure on this thread, once."""

def clear_last_error() -> None:
    """Forgets any pending failure message."""
