//! The core's error type. The doors prefix every message with the name of
//! the SQL function that failed (see [`crate::call`]).

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An argument the caller can fix: says what was wrong and what is allowed.
    #[error("{0}")]
    InvalidArgument(String),
    /// An error reported by SQLite while the function ran its own statements.
    #[error("{0}")]
    Sql(String),
    /// A model blob that cannot be used (damaged, foreign, or from another version).
    #[error("{0}")]
    Model(String),
    /// A library failed while fitting or predicting.
    #[error("{0}")]
    Estimator(String),
    /// The connection was interrupted (or the host's progress function
    /// failed) while the call worked; it stopped and wrote nothing. Holds
    /// what stopped it when that was not SQLite's interrupt.
    #[error("interrupted{}", if .0.is_empty() { String::new() } else { format!(" ({})", .0) })]
    Interrupted(String),
    /// A panic caught before it could cross into the host process.
    #[error("internal error (please report it): {0}")]
    Panic(String),
}
