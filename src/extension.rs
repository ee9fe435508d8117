//! The standalone loadable extension: `.load libsqliteml` in the sqlite3
//! shell, `load_extension()` in any other SQLite host.

use std::os::raw::{c_char, c_int};
use std::panic::catch_unwind;

use rusqlite::{ffi, Connection};

/// Entry point SQLite derives from the file name `libsqliteml.so`.
///
/// # Safety
/// Called by SQLite's extension loader with a valid connection and API table.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sqlite3_sqliteml_init(
    db: *mut ffi::sqlite3,
    pz_err_msg: *mut *mut c_char,
    p_api: *mut ffi::sqlite3_api_routines,
) -> c_int {
    // A panic must not unwind into the host's C stack.
    catch_unwind(|| unsafe { Connection::extension_init2(db, pz_err_msg, p_api, init) })
        .unwrap_or(ffi::SQLITE_ERROR)
}

fn init(conn: Connection) -> rusqlite::Result<bool> {
    sqlite_ml_sqlite::register(&conn)?;
    Ok(false)
}
