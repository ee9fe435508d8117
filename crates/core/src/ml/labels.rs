//! Class labels, kept as they were stored in the target column, so that a
//! prediction comes back with the same SQL type and value.

use std::collections::HashMap;

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
}

/// The distinct labels of a classification target, sorted the way SQLite
/// sorts them (numbers before text); a label's position is its class index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classes {
    pub labels: Vec<Label>,
}

impl Classes {
    /// Encodes labels as class indices 0..k, classes ordered like `ORDER BY`.
    /// The classes (sorted) and each label's class index, in time linear in
    /// the labels; `None` when there are more than `max_classes` classes.
    pub fn encode(labels: &[Label], max_classes: usize) -> Option<(Classes, Vec<usize>)> {
        let mut first_seen: HashMap<Key<'_>, usize> = HashMap::new();
        let mut distinct: Vec<&Label> = Vec::new();
        let mut seen_as = Vec::with_capacity(labels.len());
        for label in labels {
            let next = distinct.len();
            let index = *first_seen.entry(Key::of(label)).or_insert(next);
            if index == next {
                if next == max_classes {
                    return None;
                }
                distinct.push(label);
            }
            seen_as.push(index);
        }
        let mut order: Vec<usize> = (0..distinct.len()).collect();
        order.sort_by(|&a, &b| compare(distinct[a], distinct[b]));
        let mut rank = vec![0; distinct.len()];
        for (position, &class) in order.iter().enumerate() {
            rank[class] = position;
        }
        let classes = Classes {
            labels: order.iter().map(|&c| distinct[c].clone()).collect(),
        };
        Some((classes, seen_as.into_iter().map(|i| rank[i]).collect()))
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

/// What makes two labels the same class: 1 and 1.0 are one class, as SQLite
/// compares them.
#[derive(PartialEq, Eq, Hash)]
enum Key<'a> {
    /// A real, or an integer a real represents exactly: its bits (with -0.0 as 0.0).
    Number(u64),
    /// An integer no real represents exactly.
    Integer(i64),
    Text(&'a str),
}

impl<'a> Key<'a> {
    fn of(label: &'a Label) -> Key<'a> {
        let number = |r: f64| Key::Number(if r == 0.0 { 0 } else { r.to_bits() });
        match label {
            Label::Integer(i) if (*i as f64) as i64 == *i && (*i as f64) < 9.2e18 => {
                number(*i as f64)
            }
            Label::Integer(i) => Key::Integer(*i),
            Label::Real(r) => number(*r),
            Label::Text(t) => Key::Text(t),
        }
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
        let (classes, indices) = Classes::encode(&labels, 10).unwrap();
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

    #[test]
    fn encoding_stops_past_the_bound_and_is_linear_below_it() {
        let labels: Vec<Label> = (0..200_000).map(|i| Label::Integer(199_999 - i)).collect();
        assert!(Classes::encode(&labels, 199_999).is_none());
        // Quadratic encoding would take minutes here.
        let (classes, indices) = Classes::encode(&labels, 200_000).unwrap();
        assert_eq!(classes.labels[0], Label::Integer(0));
        assert_eq!(indices[0], 199_999);
        assert_eq!(indices[199_999], 0);
    }
}
