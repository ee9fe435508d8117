//! The sqlite-ml core: everything the `sqml_*` SQL functions do, with no
//! knowledge of how they were called. SQL reaches it through the [`Db`] port;
//! the SQLite door and the Python door each implement that port and register
//! the functions listed in [`FUNCTIONS`].

mod catalog;
pub mod control;
mod datasets;
mod deployments;
mod error;
mod functions;
mod json;
pub mod memory;
pub mod ml;
mod port;
mod registry;
mod sql;
mod stats;
mod threads;
mod value;

#[cfg(test)]
mod fuzz_tests;

pub use error::Error;
pub use port::{Between, Db, Kept, ROWS_BETWEEN_CALLS};
pub use registry::{call, Flags, FunctionSpec, FUNCTIONS};
pub use value::{Arg, Value};

/// A number for a connection the functions are registered on, unique in the
/// process: the model cache keeps models of in-memory and temporary
/// databases (which have no file name) apart by it.
pub fn next_connection_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The package version, shared by the extension, the Python module and `sqml_version()`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
