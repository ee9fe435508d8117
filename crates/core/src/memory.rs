//! Giving freed memory back to the operating system during and after a
//! training.
//!
//! glibc's malloc keeps what a thread freed in that thread's arena: the
//! trees a forest grew on rayon's threads stay resident after the model is
//! encoded and dropped, while SQLite copies the blob in on this thread (a
//! forest on a million rows holds about 120 MB of nodes), and what one tree
//! freed is still resident while the next grows. `malloc_trim` returns the
//! free pages of every arena.

/// Returns freed heap pages to the operating system, where the allocator
/// keeps them (glibc); elsewhere nothing to do.
pub fn release_free_pages() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}
