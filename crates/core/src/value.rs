//! SQL values as they cross the port, independent of any SQLite binding.

/// An argument or a column value, borrowed from the caller for the duration of a call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arg<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

/// A value a function returns or binds as a statement parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl Arg<'_> {
    /// The SQL type name, as `typeof()` would say it; used in error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Arg::Null => "null",
            Arg::Integer(_) => "integer",
            Arg::Real(_) => "real",
            Arg::Text(_) => "text",
            Arg::Blob(_) => "blob",
        }
    }

    pub fn to_value(&self) -> Value {
        match *self {
            Arg::Null => Value::Null,
            Arg::Integer(i) => Value::Integer(i),
            Arg::Real(r) => Value::Real(r),
            Arg::Text(t) => Value::Text(t.to_owned()),
            Arg::Blob(b) => Value::Blob(b.to_owned()),
        }
    }
}

impl Value {
    pub fn as_arg(&self) -> Arg<'_> {
        match self {
            Value::Null => Arg::Null,
            Value::Integer(i) => Arg::Integer(*i),
            Value::Real(r) => Arg::Real(*r),
            Value::Text(t) => Arg::Text(t),
            Value::Blob(b) => Arg::Blob(b),
        }
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value::Text(text.to_owned())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Value::Text(text)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Integer(i)
    }
}

impl From<f64> for Value {
    fn from(r: f64) -> Self {
        Value::Real(r)
    }
}
