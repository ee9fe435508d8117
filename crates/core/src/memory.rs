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

/// The share of the memory available to the process that a training plans
/// to use when the options give no `max_memory`: the rest is the host's
/// (SQLite's page cache, the application) and what the estimates miss.
pub const DEFAULT_SHARE: f64 = 0.75;

/// What a training may allocate: its estimates are checked against it
/// before each large allocation (see `Budget::check`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    pub bytes: u64,
    /// From the options' `max_memory`, else a share of what is available.
    pub given: bool,
    /// The memory available to the process when the budget was made.
    pub available: Option<u64>,
}

impl Budget {
    /// `max_memory` when given, else [`DEFAULT_SHARE`] of [`available`]
    /// (no limit where that cannot be read).
    pub fn of(max_memory: Option<u64>) -> Budget {
        let available = available();
        match max_memory {
            Some(bytes) => Budget {
                bytes,
                given: true,
                available,
            },
            None => Budget {
                bytes: available.map_or(u64::MAX, |a| (a as f64 * DEFAULT_SHARE) as u64),
                given: false,
                available,
            },
        }
    }

    /// An error when `needed` bytes (for `what`) are more than the budget,
    /// saying what to do.
    pub fn check(&self, needed: u64, what: &str) -> Result<(), crate::Error> {
        if needed <= self.bytes {
            return Ok(());
        }
        let budget = if self.given {
            format!("its max_memory of {}", bytes_text(self.bytes))
        } else {
            format!(
                "its memory budget of {} ({:.0}% of the {} available to this process)",
                bytes_text(self.bytes),
                DEFAULT_SHARE * 100.0,
                bytes_text(self.available.unwrap_or(0))
            )
        };
        Err(crate::Error::InvalidArgument(format!(
            "the training needs about {} for {what}, more than {budget}; nothing was \
             allocated. Train on a smaller table or a view of a sample of its rows, with \
             fewer columns or categories (preprocess), or set the options' max_memory (bytes, \
             or text such as \"16GB\") if the machine has the room",
            bytes_text(needed)
        )))
    }
}

/// `bytes` for a message: "1.5 GB", "320 MB".
pub fn bytes_text(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.0} MB", b / 1e6)
    } else {
        format!("{:.0} kB", (b / 1e3).ceil())
    }
}

/// A size in bytes as the options give it: a whole number of bytes, or
/// text of a number and a unit (B, kB, MB, GB, TB in powers of 1000; KiB,
/// MiB, GiB, TiB in powers of 1024), such as "512MB" or "1.5 GiB".
pub fn parse_bytes(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0f64.powi(2),
        "gib" => 1024.0f64.powi(3),
        "tib" => 1024.0f64.powi(4),
        _ => return None,
    };
    let bytes = number * scale;
    (bytes.is_finite() && bytes >= 1.0 && bytes < 2f64.powi(63)).then_some(bytes as u64)
}

/// The bytes this process can still allocate: the least of the memory the
/// kernel reports available, the room left under a cgroup's limit
/// (containers), and the room left under an address-space limit
/// (`ulimit -v`); None where none of these can be read.
pub fn available() -> Option<u64> {
    [meminfo_available(), cgroup_room(), address_space_room()]
        .into_iter()
        .flatten()
        .min()
}

fn read_number(path: &str) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// A "Name:   123 kB" line of a /proc file, in bytes.
fn proc_kb(path: &str, name: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with(name))?;
    let kb: u64 = line[name.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

fn meminfo_available() -> Option<u64> {
    proc_kb("/proc/meminfo", "MemAvailable:")
}

/// The limit minus the usage of this process's cgroup (v2, else v1).
fn cgroup_room() -> Option<u64> {
    let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    let v2 = own
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .map(|path| format!("/sys/fs/cgroup{}", path.trim_end_matches('/')));
    if let Some(dir) = v2 {
        if let Some(limit) = read_number(&format!("{dir}/memory.max")) {
            let used = read_number(&format!("{dir}/memory.current")).unwrap_or(0);
            return Some(limit.saturating_sub(used));
        }
    }
    let limit = read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes")?;
    // v1 writes a huge number for "no limit".
    if limit >= 1 << 60 {
        return None;
    }
    let used = read_number("/sys/fs/cgroup/memory/memory.usage_in_bytes").unwrap_or(0);
    Some(limit.saturating_sub(used))
}

/// RLIMIT_AS (`ulimit -v`) minus the address space already mapped.
fn address_space_room() -> Option<u64> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes the struct it is given and nothing else.
        if unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut limit) } != 0
            || limit.rlim_cur == libc::RLIM_INFINITY
        {
            return None;
        }
        let mapped = proc_kb("/proc/self/status", "VmSize:").unwrap_or(0);
        Some(limit.rlim_cur.saturating_sub(mapped))
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    None
}

/// A zeroed `rows` x `cols` matrix, or an error where the allocator has
/// not the room (an address-space limit), instead of aborting the host.
pub fn zeros(rows: usize, cols: usize) -> Result<ndarray::Array2<f64>, crate::Error> {
    let cells = rows
        .checked_mul(cols)
        .ok_or_else(|| out_of_memory(u64::MAX))?;
    let mut values: Vec<f64> = Vec::new();
    values
        .try_reserve_exact(cells)
        .map_err(|_| out_of_memory(cells as u64 * 8))?;
    values.resize(cells, 0.0);
    ndarray::Array2::from_shape_vec((rows, cols), values)
        .map_err(|e| crate::Error::Estimator(e.to_string()))
}

/// Room for `extra` more items in `vec`, or an error (see [`zeros`]).
pub fn reserve<T>(vec: &mut Vec<T>, extra: usize) -> Result<(), crate::Error> {
    vec.try_reserve_exact(extra)
        .map_err(|_| out_of_memory((extra * std::mem::size_of::<T>()) as u64))
}

pub fn out_of_memory(bytes: u64) -> crate::Error {
    crate::Error::InvalidArgument(format!(
        "out of memory: {} more could not be allocated; nothing was written. Train on a \
         smaller table or a view of a sample of its rows, or give the process more memory",
        bytes_text(bytes)
    ))
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn sizes_read_as_the_options_give_them() {
        assert_eq!(parse_bytes("512MB"), Some(512_000_000));
        assert_eq!(parse_bytes("1.5 GiB"), Some(1_610_612_736));
        assert_eq!(parse_bytes("100"), Some(100));
        for bad in ["", "GB", "-1GB", "1 parsec", "1e400", "0"] {
            assert_eq!(parse_bytes(bad), None, "{bad}");
        }
    }

    #[test]
    fn over_the_budget_says_what_it_needs_and_what_to_do() {
        let budget = Budget::of(Some(1_000_000));
        assert!(budget.check(1_000_000, "x").is_ok());
        let message = budget
            .check(2_500_000_000, "the matrix")
            .unwrap_err()
            .to_string();
        assert!(message.contains("about 2.5 GB for the matrix"), "{message}");
        assert!(message.contains("max_memory of 1 MB"), "{message}");
        let default = Budget::of(None);
        assert!(default.available.is_some() && default.bytes > 0);
    }
}
