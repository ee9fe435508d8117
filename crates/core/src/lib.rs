//! The sqlite-ml core: everything the `sqml_*` SQL functions do, with no
//! knowledge of how they were called. SQL reaches it through the [`Db`] port;
//! the SQLite door and the Python door each implement that port and register
//! the functions listed in [`FUNCTIONS`].

mod catalog;
mod datasets;
mod error;
mod functions;
mod memory;
pub mod ml;
mod port;
mod registry;
mod sql;
mod stats;
mod value;

#[cfg(test)]
mod fuzz_tests;

pub use error::Error;
pub use port::Db;
pub use registry::{call, Flags, FunctionSpec, FUNCTIONS};
pub use value::{Arg, Value};

/// Prepares a connection the functions were just registered on: creates the
/// catalog when the database is writable.
pub fn on_load(db: &mut dyn Db) {
    catalog::ensure_on_load(db);
}

/// The package version, shared by the extension, the Python module and `sqml_version()`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
