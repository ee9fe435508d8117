//! One file per SQL function; the table that names them is in `registry.rs`.

pub mod debug;
pub mod version;
