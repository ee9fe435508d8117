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

PROGRESS_FUNCTION: str

def progress_sink(phase: str | None, done: int | None, total: int | None) -> str | None:
    """The sqml_progress SQL function: sees a pending Ctrl-C, calls the
    progress callback; returns None to go on, or why to stop."""

def set_progress(callback: object | None) -> object | None:
    """Sets this thread's progress callback; returns the one it replaces."""

def take_ctrl_c() -> bool:
    """True once after a Ctrl-C stopped a call on this thread."""

DIRECT_ONLY_NAMES: list[str]
"""The functions with side effects, refused from views and triggers."""
