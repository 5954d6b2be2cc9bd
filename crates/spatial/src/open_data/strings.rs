//! Strings held once: one buffer and an end offset per entry, rather than
//! a heap allocation (and its 24-byte header) per string.

use std::collections::HashMap;

/// Entries appended to one buffer, each found by its number.
#[derive(Debug, Default)]
pub(crate) struct Pool {
    text: String,
    ends: Vec<u32>,
}

impl Pool {
    /// Appends `s` and returns its number, or `None` once the buffer would
    /// pass 4 GiB (offsets are 32-bit).
    pub(crate) fn push(&mut self, s: &str) -> Option<u32> {
        let end = u32::try_from(self.text.len() + s.len()).ok()?;
        let n = u32::try_from(self.ends.len()).ok()?;
        self.text.push_str(s);
        self.ends.push(end);
        Some(n)
    }

    pub(crate) fn get(&self, n: u32) -> &str {
        let n = n as usize;
        let start = if n == 0 { 0 } else { self.ends.get(n - 1).copied().unwrap_or(0) as usize };
        let end = self.ends.get(n).copied().unwrap_or(0) as usize;
        self.text.get(start..end).unwrap_or("")
    }

    pub(crate) fn bytes(&self) -> usize {
        self.text.capacity() + self.ends.capacity() * 4
    }

    pub(crate) fn shrink(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

/// A [`Pool`] in which each distinct string is held once (while building).
#[derive(Debug, Default)]
pub(crate) struct Interner {
    pool: Pool,
    numbers: HashMap<Box<str>, u32>,
}

impl Interner {
    pub(crate) fn intern(&mut self, s: &str) -> Option<u32> {
        if let Some(&n) = self.numbers.get(s) {
            return Some(n);
        }
        let n = self.pool.push(s)?;
        self.numbers.insert(s.into(), n);
        Some(n)
    }

    pub(crate) fn into_pool(self) -> Pool {
        let mut pool = self.pool;
        pool.shrink();
        pool
    }
}

/// `s` as a JSON string, quotes included, escaped as serde_json escapes it
/// (so answers are byte for byte what serializing the records gave).
pub(crate) fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_and_interns() {
        let mut i = Interner::default();
        assert_eq!(i.intern("a"), Some(0));
        assert_eq!(i.intern(""), Some(1));
        assert_eq!(i.intern("bcd"), Some(2));
        assert_eq!(i.intern("a"), Some(0));
        let p = i.into_pool();
        assert_eq!((p.get(0), p.get(1), p.get(2), p.get(9)), ("a", "", "bcd", ""));
    }

    #[test]
    fn escapes_as_serde_json() {
        assert_eq!(
            json_string("On or near \"The\" Street\\\n\u{1}é"),
            "\"On or near \\\"The\\\" Street\\\\\\n\\u0001é\""
        );
    }
}
