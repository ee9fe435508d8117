//! Checks the child links of smartcore's decision trees in a decoded model.
//!
//! smartcore keeps a tree as a vector of `Node` structs whose `true_child`
//! and `false_child` fields index that vector, children always after their
//! parent. The fields are private, and a blob altered behind its checksum
//! can make a link point backwards: prediction then loops forever. The
//! models are `Serialize`, so this walks their serialization, finds every
//! `Node` struct by name and its links by field name (whatever the field
//! order), and requires each link to point forward and inside its vector.

use std::fmt;

use serde::ser::{self, Serialize};

/// True when every tree in `model` has forward, in-range child links.
pub fn are_sound<T: Serialize>(model: &T) -> bool {
    let mut walker = Walker::default();
    model.serialize(&mut walker).is_ok() && walker.broken.is_none()
}

#[derive(Debug)]
pub struct Stop(String);

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<M: fmt::Display>(message: M) -> Self {
        Stop(message.to_string())
    }
}

/// A sequence being walked: how many elements so far, and the links of the
/// nodes among them as (index, true_child, false_child).
#[derive(Default)]
struct Frame {
    elements: usize,
    links: Vec<(usize, Option<u64>, Option<u64>)>,
}

#[derive(Default)]
pub struct Walker {
    frames: Vec<Frame>,
    /// The index of the sequence element now being serialized, if any.
    element: Option<usize>,
    broken: Option<String>,
}

impl Walker {
    fn check(&mut self, frame: Frame) {
        for (index, true_child, false_child) in frame.links {
            for child in [true_child, false_child].into_iter().flatten() {
                let ok = usize::try_from(child).is_ok_and(|c| c > index && c < frame.elements);
                if !ok && self.broken.is_none() {
                    self.broken = Some(format!(
                        "node {index} links to {child} of {}",
                        frame.elements
                    ));
                }
            }
        }
    }
}

/// An `Option<usize>` field's value.
fn link<T: Serialize + ?Sized>(value: &T) -> Option<u64> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Number(n)) => n.as_u64(),
        _ => None,
    }
}

macro_rules! leaf {
    ($($name:ident: $ty:ty),*) => {
        $(fn $name(self, _: $ty) -> Result<(), Stop> { Ok(()) })*
    };
}

impl<'a> ser::Serializer for &'a mut Walker {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = SeqWalker<'a>;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = StructWalker<'a>;
    type SerializeStructVariant = Self;

    leaf!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
          serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
          serialize_u64: u64, serialize_f32: f32, serialize_f64: f64, serialize_char: char,
          serialize_str: &str, serialize_bytes: &[u8]);

    fn serialize_none(self) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Stop> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Stop> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        v: &T,
    ) -> Result<(), Stop> {
        v.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<SeqWalker<'a>, Stop> {
        self.element = None;
        self.frames.push(Frame::default());
        Ok(SeqWalker { walker: self })
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, Stop> {
        Ok(self)
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<StructWalker<'a>, Stop> {
        let node = (name == "Node").then(|| self.element.take()).flatten();
        Ok(StructWalker {
            walker: self,
            node,
            true_child: None,
            false_child: None,
        })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Stop> {
        Ok(self)
    }
}

pub struct SeqWalker<'a> {
    walker: &'a mut Walker,
}

impl ser::SerializeSeq for SeqWalker<'_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        let index = self.walker.frames.last().map_or(0, |f| f.elements);
        self.walker.element = Some(index);
        value.serialize(&mut *self.walker)?;
        self.walker.element = None;
        if let Some(frame) = self.walker.frames.last_mut() {
            frame.elements += 1;
        }
        Ok(())
    }

    fn end(self) -> Result<(), Stop> {
        if let Some(frame) = self.walker.frames.pop() {
            self.walker.check(frame);
        }
        Ok(())
    }
}

pub struct StructWalker<'a> {
    walker: &'a mut Walker,
    /// Some(index) when this is a `Node` directly inside a sequence.
    node: Option<usize>,
    true_child: Option<u64>,
    false_child: Option<u64>,
}

impl ser::SerializeStruct for StructWalker<'_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        match (self.node, key) {
            (Some(_), "true_child") => self.true_child = link(value),
            (Some(_), "false_child") => self.false_child = link(value),
            _ => {
                self.walker.element = None;
                value.serialize(&mut *self.walker)?;
            }
        }
        Ok(())
    }

    fn end(self) -> Result<(), Stop> {
        if let (Some(index), Some(frame)) = (self.node, self.walker.frames.last_mut()) {
            frame.links.push((index, self.true_child, self.false_child));
        }
        Ok(())
    }
}

macro_rules! passthrough {
    ($trait:ident, $method:ident $(, $key:ty)?) => {
        impl ser::$trait for &mut Walker {
            type Ok = ();
            type Error = Stop;
            fn $method<T: Serialize + ?Sized>(&mut self, $(_: $key,)? value: &T) -> Result<(), Stop> {
                self.element = None;
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Stop> {
                Ok(())
            }
        }
    };
}

passthrough!(SerializeTuple, serialize_element);
passthrough!(SerializeTupleStruct, serialize_field);
passthrough!(SerializeTupleVariant, serialize_field);
passthrough!(SerializeStructVariant, serialize_field, &'static str);

impl ser::SerializeMap for &mut Walker {
    type Ok = ();
    type Error = Stop;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Stop> {
        self.element = None;
        key.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        self.element = None;
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use serde::Serialize;

    #[derive(Serialize)]
    struct Node {
        output: f64,
        false_child: Option<usize>,
        true_child: Option<usize>,
    }

    #[derive(Serialize)]
    struct Tree {
        nodes: Vec<Node>,
        depth: u16,
    }

    fn node(t: Option<usize>, f: Option<usize>) -> Node {
        Node {
            output: 0.0,
            false_child: f,
            true_child: t,
        }
    }

    #[test]
    fn forward_links_pass_and_cycles_or_strays_do_not() {
        let good = Tree {
            nodes: vec![node(Some(1), Some(2)), node(None, None), node(None, None)],
            depth: 2,
        };
        assert!(are_sound(&vec![good]));
        let cycle = Tree {
            nodes: vec![
                node(Some(1), Some(2)),
                node(Some(0), None),
                node(None, None),
            ],
            depth: 2,
        };
        assert!(!are_sound(&cycle));
        let stray = Tree {
            nodes: vec![node(Some(1), Some(9)), node(None, None)],
            depth: 2,
        };
        assert!(!are_sound(&stray));
        let own = Tree {
            nodes: vec![node(Some(0), None)],
            depth: 1,
        };
        assert!(!are_sound(&own));
    }
}
