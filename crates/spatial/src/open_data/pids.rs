//! Crime references (police.uk's `persistent_id`): 64 lower-case hex
//! characters, held as their 32 bytes, each distinct one once, with a hash
//! index of 4 bytes a slot rather than a `HashMap` of strings. The rare
//! reference that is not 64 lower-case hex characters is kept as text.

use std::collections::HashMap;
use std::hash::BuildHasher;

/// Marks a reference to an odd (textual) id.
pub(crate) const ODD: u32 = 1 << 31;
/// No reference (anti-social behaviour, or a crime not held).
pub(crate) const NONE: u32 = u32::MAX;
const EMPTY: u32 = u32::MAX;

#[derive(Debug, Default)]
pub(crate) struct Pids {
    hex: Vec<[u8; 32]>,
    slots: Vec<u32>,
    odd: Vec<Box<str>>,
    odd_index: HashMap<Box<str>, u32>,
    hasher: std::collections::hash_map::RandomState,
}

fn decode(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = (digit(b[2 * i])? << 4) | digit(b[2 * i + 1])?;
    }
    Some(out)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl Pids {
    fn slot_of(&self, bytes: &[u8; 32]) -> (usize, Option<u32>) {
        let mask = self.slots.len() - 1;
        let mut i = (self.hasher.hash_one(bytes) as usize) & mask;
        loop {
            match self.slots[i] {
                EMPTY => return (i, None),
                n if self.hex[n as usize] == *bytes => return (i, Some(n)),
                _ => i = (i + 1) & mask,
            }
        }
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(1024);
        self.slots = vec![EMPTY; size];
        for n in 0..self.hex.len() {
            let (i, _) = self.slot_of(&self.hex[n]);
            self.slots[i] = n as u32;
        }
    }

    /// The reference of `pid`, adding it if new; `None` when the table is full.
    pub(crate) fn add(&mut self, pid: &str) -> Option<u32> {
        match decode(pid) {
            Some(bytes) => {
                if (self.hex.len() + 1) * 2 > self.slots.len() {
                    self.grow();
                }
                match self.slot_of(&bytes) {
                    (_, Some(n)) => Some(n),
                    (i, None) => {
                        let n = u32::try_from(self.hex.len()).ok().filter(|n| n & ODD == 0)?;
                        self.hex.push(bytes);
                        self.slots[i] = n;
                        Some(n)
                    }
                }
            }
            None => {
                if let Some(&n) = self.odd_index.get(pid) {
                    return Some(n);
                }
                let n = u32::try_from(self.odd.len()).ok().filter(|n| n & ODD == 0)? | ODD;
                self.odd.push(pid.into());
                self.odd_index.insert(pid.into(), n);
                Some(n)
            }
        }
    }

    /// The reference of a held `pid`.
    pub(crate) fn find(&self, pid: &str) -> Option<u32> {
        match decode(pid) {
            Some(bytes) if !self.slots.is_empty() => self.slot_of(&bytes).1,
            Some(_) => None,
            None => self.odd_index.get(pid).copied(),
        }
    }

    /// Where a reference's facts are kept in arrays of [`Pids::len`].
    pub(crate) fn slot(&self, r: u32) -> usize {
        if r & ODD == 0 { r as usize } else { self.hex.len() + (r & !ODD) as usize }
    }

    /// The reference of slot `i` (the inverse of [`Pids::slot`]).
    #[cfg(test)]
    pub(crate) fn reference(&self, i: usize) -> u32 {
        if i < self.hex.len() { i as u32 } else { (i - self.hex.len()) as u32 | ODD }
    }

    pub(crate) fn len(&self) -> usize {
        self.hex.len() + self.odd.len()
    }

    /// Appends the id's JSON string (with quotes).
    pub(crate) fn write_json(&self, r: u32, out: &mut Vec<u8>) {
        if r & ODD == 0
            && let Some(bytes) = self.hex.get(r as usize)
        {
            // Written on the stack and appended once: this runs for every
            // crime of every answer.
            let mut text = [b'"'; 66];
            for (i, b) in bytes.iter().enumerate() {
                text[1 + 2 * i] = HEX[(b >> 4) as usize];
                text[2 + 2 * i] = HEX[(b & 15) as usize];
            }
            out.extend_from_slice(&text);
            return;
        }
        out.push(b'"');
        if r != NONE
            && r & ODD != 0
            && let Some(s) = self.odd.get((r & !ODD) as usize)
        {
            // Escaped as any string; the quotes come from here.
            let json = super::strings::json_string(s);
            out.extend_from_slice(&json.as_bytes()[1..json.len() - 1]);
        }
        out.push(b'"');
    }

    /// The id as text.
    pub(crate) fn text(&self, r: u32) -> String {
        let mut out = Vec::with_capacity(64);
        if r & ODD == 0 {
            self.write_json(r, &mut out);
            String::from_utf8_lossy(&out[1..out.len() - 1]).into_owned()
        } else {
            self.odd.get((r & !ODD) as usize).map(|s| s.to_string()).unwrap_or_default()
        }
    }

    pub(crate) fn shrink(&mut self) {
        self.hex.shrink_to_fit();
        self.odd.shrink_to_fit();
    }

    pub(crate) fn bytes(&self) -> usize {
        self.hex.capacity() * 32 + self.slots.capacity() * 4 + self.odd.iter().map(|s| s.len() * 2 + 48).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_each_id_once() {
        let mut p = Pids::default();
        let a = "0123456789abcdef".repeat(4);
        let b = format!("{}0", &a[..63]);
        let upper = a.to_uppercase();
        let ra = p.add(&a).expect("room");
        assert_eq!(p.add(&a), Some(ra));
        let rb = p.add(&b).expect("room");
        let ru = p.add(&upper).expect("room");
        let rs = p.add("short \"one\"").expect("room");
        assert_ne!(ra, rb);
        assert!(ru & ODD != 0 && rs & ODD != 0 && ru != rs);
        for _ in 0..5000 {
            p.add(&format!("{:064x}", p.len())).expect("room");
        }
        assert_eq!((p.find(&a), p.find(&b), p.find(&upper), p.find("nope")), (Some(ra), Some(rb), Some(ru), None));
        assert_eq!(p.text(ra), a);
        assert_eq!(p.text(ru), upper);
        let mut out = Vec::new();
        p.write_json(rs, &mut out);
        assert_eq!(out, b"\"short \\\"one\\\"\"");
        for i in 0..p.len() {
            assert_eq!(p.slot(p.reference(i)), i);
        }
    }
}
