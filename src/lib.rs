//! sqlite-ml: the one crate that builds both doors over the core
//! (`crates/core`), chosen by Cargo feature, one artifact per build:
//!
//! - `extension` (default): the standalone loadable extension,
//!   `libsqliteml.so`, entry point `sqlite3_sqliteml_init` ([`extension`]).
//! - `python`: the PyO3 module `sqlite_ml._sqlite_ml` ([`python`]), for
//!   Pythons that cannot load extensions.
//!
//! Every `use` points from a door into the core, never back.

#[cfg(all(feature = "extension", feature = "python"))]
compile_error!(
    "build the `extension` and `python` features separately: \
     `cargo build --release` makes the extension, maturin the Python module \
     (--no-default-features --features python)"
);

#[cfg(feature = "extension")]
pub mod extension;

#[cfg(feature = "python")]
pub mod python;
