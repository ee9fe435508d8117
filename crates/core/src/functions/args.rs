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
