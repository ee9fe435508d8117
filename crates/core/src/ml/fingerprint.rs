//! A fingerprint of the training data: the rows read and a hash of every
//! value in the order read (type and bits), so that two runs can tell
//! whether they saw the same data. Not a cryptographic hash: it tells
//! apart data that changed, not data made to collide.

use serde_json::{json, Value as Json};

use crate::Arg;

/// FxHash's multiplier: one multiply and rotate per 8 bytes keeps the hash
/// a small fraction of the read.
const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    rows: u64,
    hash: u64,
}

impl Default for Fingerprint {
    fn default() -> Self {
        Fingerprint { rows: 0, hash: K }
    }
}

impl Fingerprint {
    fn mix(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(K);
    }

    fn bytes(&mut self, tag: u64, bytes: &[u8]) {
        self.mix(tag);
        self.mix(bytes.len() as u64);
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.mix(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let mut last = [0u8; 8];
        last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.mix(u64::from_le_bytes(last));
    }

    /// One row as read: its features, then its target.
    pub fn add_row(&mut self, features: &[Arg<'_>], target: &Arg<'_>) {
        self.rows += 1;
        for arg in features.iter().chain([target]) {
            match *arg {
                Arg::Null => self.mix(0),
                Arg::Integer(i) => {
                    self.mix(1);
                    self.mix(i as u64);
                }
                Arg::Real(r) => {
                    self.mix(2);
                    self.mix(r.to_bits());
                }
                Arg::Text(t) => self.bytes(3, t.as_bytes()),
                Arg::Blob(b) => self.bytes(4, b),
            }
        }
    }

    /// As the result and the catalog show it.
    pub fn to_json(self) -> Json {
        // A last avalanche (MurmurHash3's finaliser), so that data differing
        // in one value differs in about half the digits.
        let mut h = self.hash ^ self.rows;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^= h >> 33;
        json!({"rows": self.rows, "hash": format!("{h:016x}")})
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn of(rows: &[(&[Arg<'_>], Arg<'_>)]) -> Json {
        let mut f = Fingerprint::default();
        for (features, target) in rows {
            f.add_row(features, target);
        }
        f.to_json()
    }

    #[test]
    fn the_same_values_in_the_same_order_give_the_same_fingerprint() {
        let a = of(&[(&[Arg::Integer(1), Arg::Text("x")], Arg::Real(0.5))]);
        assert_eq!(
            a,
            of(&[(&[Arg::Integer(1), Arg::Text("x")], Arg::Real(0.5))])
        );
        assert_eq!(a["rows"], 1);
        // Another value, type, order or row count changes it.
        for other in [
            of(&[(&[Arg::Integer(2), Arg::Text("x")], Arg::Real(0.5))]),
            of(&[(&[Arg::Real(1.0), Arg::Text("x")], Arg::Real(0.5))]),
            of(&[(&[Arg::Text("x"), Arg::Integer(1)], Arg::Real(0.5))]),
            of(&[(&[Arg::Integer(1), Arg::Text("x ")], Arg::Real(0.5))]),
            of(&[(&[Arg::Integer(1), Arg::Null], Arg::Real(0.5))]),
        ] {
            assert_ne!(a["hash"], other["hash"]);
        }
    }
}
