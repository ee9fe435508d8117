//! Reading SQL arguments, with errors that name the argument and what it takes.

use crate::{Arg, Error};

pub fn text<'a>(args: &[Arg<'a>], index: usize, name: &str) -> Result<&'a str, Error> {
    match args.get(index) {
        Some(Arg::Text(text)) => Ok(text),
        Some(other) => Err(Error::InvalidArgument(format!(
            "{name} (argument {}) must be text, not {}",
            index + 1,
            other.type_name()
        ))),
        None => Err(Error::InvalidArgument(format!(
            "{name} (argument {}) is missing",
            index + 1
        ))),
    }
}

/// An optional text argument: absent or NULL gives None.
pub fn optional_text<'a>(
    args: &[Arg<'a>],
    index: usize,
    name: &str,
) -> Result<Option<&'a str>, Error> {
    match args.get(index) {
        None | Some(Arg::Null) => Ok(None),
        Some(_) => text(args, index, name).map(Some),
    }
}

/// An optional number: absent or NULL gives `default`.
pub fn optional_real(
    args: &[Arg<'_>],
    index: usize,
    name: &str,
    default: f64,
) -> Result<f64, Error> {
    match args.get(index) {
        None | Some(Arg::Null) => Ok(default),
        Some(Arg::Integer(i)) => Ok(*i as f64),
        Some(Arg::Real(r)) => Ok(*r),
        Some(other) => Err(Error::InvalidArgument(format!(
            "{name} (argument {}) must be a number, not {}",
            index + 1,
            other.type_name()
        ))),
    }
}
