//! The thread pool every parallel fit and batch prediction runs on.
//!
//! Not rayon's global pool: its threads do not survive `fork()` (Python's
//! multiprocessing on Linux, pre-forking servers), and a child that hands
//! work to them waits forever. This pool remembers the process it was made
//! in; a forked child makes its own.

use std::sync::{Arc, Mutex};

use rayon::{ThreadPool, ThreadPoolBuilder};

use crate::Error;

static POOL: Mutex<Option<(u32, Arc<ThreadPool>)>> = Mutex::new(None);

fn pool() -> Result<Arc<ThreadPool>, Error> {
    let pid = std::process::id();
    let mut slot = POOL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((owner, pool)) = slot.as_ref() {
        if *owner == pid {
            return Ok(Arc::clone(pool));
        }
    }
    // A pool inherited through fork() has no threads in this process:
    // dropping it would signal threads that are not there, so it is leaked.
    if let Some((_, inherited)) = slot.take() {
        std::mem::forget(inherited);
    }
    let pool = ThreadPoolBuilder::new()
        .thread_name(|i| format!("sqlite-ml-{i}"))
        .build()
        .map_err(|e| Error::Estimator(format!("cannot start worker threads: {e}")))?;
    let pool = Arc::new(pool);
    *slot = Some((pid, Arc::clone(&pool)));
    Ok(pool)
}

/// Runs `work` on the pool; rayon's parallel iterators inside it use it.
/// Called from one of the pool's own threads, it runs in place.
pub fn install<T: Send>(work: impl FnOnce() -> T + Send) -> Result<T, Error> {
    if rayon::current_thread_index().is_some() {
        return Ok(work());
    }
    Ok(pool()?.install(work))
}
