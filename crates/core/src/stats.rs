//! Counters the tests read through `sqml_debug()`, to prove behaviour that
//! timing cannot (a model is deserialized once, not once per row).

use std::sync::atomic::{AtomicU64, Ordering};

static MODEL_LOADS: AtomicU64 = AtomicU64::new(0);

pub fn count_model_load() {
    MODEL_LOADS.fetch_add(1, Ordering::Relaxed);
}

/// Model blobs decoded by this process so far.
pub fn model_loads() -> u64 {
    MODEL_LOADS.load(Ordering::Relaxed)
}
