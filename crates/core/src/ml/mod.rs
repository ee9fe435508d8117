//! Machine learning: the training pipeline's pieces and the algorithms.

pub mod algorithms;
pub mod columns;
pub mod fingerprint;
pub mod hyperparams;
pub mod labels;
pub mod matrix;
pub mod metrics;
pub mod model;
pub mod options;
pub mod plan;
pub mod preprocess;
pub mod scaler;
pub mod scaling;
pub mod search;
pub mod split;
pub mod target_encoding;
pub mod task;
pub mod training;

#[cfg(test)]
mod roundtrip_tests;

pub use labels::{Classes, Label};
pub use model::Model;
pub use task::Task;
