//! Class labels, kept as they were stored in the target column, so that a
//! prediction comes back with the same SQL type and value.

use serde::{Deserialize, Serialize};

use crate::{Arg, Value};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Label {
    Integer(i64),
    Real(f64),
    Text(String),
}

impl Label {
    /// None for NULL and BLOB, which cannot be class labels.
    pub fn from_arg(arg: &Arg<'_>) -> Option<Label> {
        match *arg {
            Arg::Integer(i) => Some(Label::Integer(i)),
            Arg::Real(r) if r.is_finite() => Some(Label::Real(r)),
            Arg::Text(t) => Some(Label::Text(t.to_owned())),
            _ => None,
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            Label::Integer(i) => Value::Integer(*i),
            Label::Real(r) => Value::Real(*r),
            Label::Text(t) => Value::Text(t.clone()),
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Label::Integer(i) => (*i).into(),
            Label::Real(r) => (*r).into(),
            Label::Text(t) => t.clone().into(),
        }
    }

    fn same(&self, other: &Label) -> bool {
        match (self, other) {
            // 1 and 1.0 are the same class, as SQLite compares them.
            (Label::Integer(a), Label::Real(b)) | (Label::Real(b), Label::Integer(a)) => {
                (*a as f64) == *b
            }
            (Label::Real(a), Label::Real(b)) => a == b,
            _ => self == other,
        }
    }
}

/// The distinct labels of a classification target, sorted the way SQLite
/// sorts them (numbers before text); a label's position is its class index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classes {
    pub labels: Vec<Label>,
}

impl Classes {
    /// Encodes labels as class indices 0..k, classes ordered like `ORDER BY`.
    pub fn encode(labels: &[Label]) -> (Classes, Vec<usize>) {
        let mut distinct: Vec<Label> = Vec::new();
        for label in labels {
            if !distinct.iter().any(|d| d.same(label)) {
                distinct.push(label.clone());
            }
        }
        distinct.sort_by(compare);
        let indices = labels
            .iter()
            .map(|label| {
                distinct
                    .iter()
                    .position(|d| d.same(label))
                    .expect("label was collected")
            })
            .collect();
        (Classes { labels: distinct }, indices)
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

fn compare(a: &Label, b: &Label) -> std::cmp::Ordering {
    fn number(label: &Label) -> Option<f64> {
        match label {
            Label::Integer(i) => Some(*i as f64),
            Label::Real(r) => Some(*r),
            Label::Text(_) => None,
        }
    }
    match (number(a), number(b), a, b) {
        (Some(x), Some(y), _, _) => x.total_cmp(&y),
        (Some(_), None, _, _) => std::cmp::Ordering::Less,
        (None, Some(_), _, _) => std::cmp::Ordering::Greater,
        (None, None, Label::Text(x), Label::Text(y)) => x.cmp(y),
        _ => std::cmp::Ordering::Equal,
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn classes_are_sorted_like_sqlite_and_one_equals_one_point_zero() {
        let labels = [
            Label::Text("b".into()),
            Label::Real(2.0),
            Label::Integer(1),
            Label::Real(1.0),
            Label::Text("a".into()),
        ];
        let (classes, indices) = Classes::encode(&labels);
        assert_eq!(
            classes.labels,
            vec![
                Label::Integer(1),
                Label::Real(2.0),
                Label::Text("a".into()),
                Label::Text("b".into())
            ]
        );
        assert_eq!(indices, vec![3, 1, 0, 0, 2]);
    }
}
