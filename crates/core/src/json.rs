//! JSON read from SQL arguments (options, feature rows): shared wording.

use serde_json::Value as Json;

/// A JSON value's type as error messages name it.
pub fn json_type(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}
