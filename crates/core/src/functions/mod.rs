//! One file per SQL function; the table that names them is in `registry.rs`.

mod args;
pub mod debug;
mod fast_json;
mod features;
pub mod load_dataset;
mod model_cache;
pub mod predict;
pub mod predict_batch;
pub mod train;
pub mod version;
