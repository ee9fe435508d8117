//! Records the versions of the libraries `sqml_version()` reports, read from
//! the workspace's Cargo.lock, so the reported numbers are the ones built.

use std::path::{Path, PathBuf};

const REPORTED: [&str; 4] = ["linfa", "smartcore", "rusqlite", "ndarray"];

fn find_lock(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join("Cargo.lock"))
        .find(|lock| lock.is_file())
}

/// Cargo.lock lists `name = "x"` followed by `version = "y"` for each package.
fn locked_version(lock: &str, crate_name: &str) -> Option<String> {
    let wanted = format!("name = \"{crate_name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines.next()?.trim().strip_prefix("version = ")?;
            return Some(version.trim_matches('"').to_string());
        }
    }
    None
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let lock_path = find_lock(&manifest_dir)
        .expect("Cargo.lock not found above the core crate; it is committed with the sources");
    println!("cargo:rerun-if-changed={}", lock_path.display());
    let lock = std::fs::read_to_string(&lock_path).expect("Cargo.lock is readable");
    for name in REPORTED {
        let version = locked_version(&lock, name).unwrap_or_else(|| "unknown".to_string());
        println!(
            "cargo:rustc-env=SQML_VERSION_{}={version}",
            name.to_uppercase()
        );
    }
}
