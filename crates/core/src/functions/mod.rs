//! One file per SQL function; the table that names them is in `registry.rs`.

mod args;
pub mod debug;
pub mod deploy;
mod fast_json;
mod features;
pub mod load_dataset;
mod model_cache;
pub mod model_info;
pub mod predict;
pub mod predict_batch;
pub mod predict_proba;
pub mod predict_proba_batch;
pub mod train;
pub mod version;

/// The feature-row parsers, for the fuzz tests.
#[cfg(test)]
pub mod fuzz_access {
    use crate::ml::Model;
    use crate::Error;

    pub fn fast_row(model: &Model, json: &str, out: &mut [f64]) -> bool {
        super::fast_json::row(model, json, out)
    }

    /// The thorough reader alone (parsing into a JSON value first).
    pub fn thorough_row(model: &Model, json: &str) -> Result<Vec<f64>, Error> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| Error::InvalidArgument(e.to_string()))?;
        super::features::row(model, &value)
    }
}
