//! Runs of records sharing a key (a map point, or a force's records without
//! one) within a month: the records are stored sorted by key, so each key's
//! records are contiguous and a key needs only where its run starts.

use std::ops::Range;

/// Sorted keys, each with the start of its run; a run ends where the next
/// begins (`starts` has one entry more than `keys`).
#[derive(Debug, Default)]
pub(crate) struct Groups {
    keys: Vec<u32>,
    starts: Vec<u32>,
}

impl Groups {
    /// Builds the runs of `keys`, which must be sorted; `first` is the
    /// position of `keys[0]` among all records.
    pub(crate) fn of_sorted(keys: impl IntoIterator<Item = u32>, first: u32) -> Groups {
        let mut g = Groups::default();
        let mut at = first;
        for k in keys {
            if g.keys.last() != Some(&k) {
                g.keys.push(k);
                g.starts.push(at);
            }
            at += 1;
        }
        g.starts.push(at);
        g.keys.shrink_to_fit();
        g.starts.shrink_to_fit();
        g
    }

    /// The records of `key` (empty when it has none).
    pub(crate) fn get(&self, key: u32) -> Range<usize> {
        match self.keys.binary_search(&key) {
            Ok(i) => self.starts[i] as usize..self.starts[i + 1] as usize,
            Err(_) => 0..0,
        }
    }

    /// The runs of each of `sorted_keys` that has records, in key order.
    pub(crate) fn each(&self, sorted_keys: &[u32], mut f: impl FnMut(u32, Range<usize>)) {
        let mut from = 0;
        for &k in sorted_keys {
            // Keys only grow, so each search starts where the last ended.
            let rest = &self.keys[from..];
            let i = from + rest.partition_point(|&x| x < k);
            if i >= self.keys.len() {
                return;
            }
            if self.keys[i] == k {
                f(k, self.starts[i] as usize..self.starts[i + 1] as usize);
            }
            from = i;
        }
    }

    /// Which key's run holds record `at` (a position among all records).
    pub(crate) fn key_of(&self, at: u32) -> Option<u32> {
        let i = self.starts.partition_point(|&s| s <= at);
        (i >= 1 && i < self.starts.len()).then(|| self.keys[i - 1])
    }

    pub(crate) fn bytes(&self) -> usize {
        (self.keys.capacity() + self.starts.capacity()) * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_runs() {
        let g = Groups::of_sorted([2, 2, 5, 9, 9, 9], 10);
        assert_eq!(g.get(2), 10..12);
        assert_eq!(g.get(9), 13..16);
        assert_eq!(g.get(3), 0..0);
        let mut seen = Vec::new();
        g.each(&[1, 2, 3, 9, 12], |k, r| seen.push((k, r)));
        assert_eq!(seen, vec![(2, 10..12), (9, 13..16)]);
        assert_eq!(
            (g.key_of(10), g.key_of(12), g.key_of(15), g.key_of(16), g.key_of(9)),
            (Some(2), Some(5), Some(9), None, None)
        );
        let empty = Groups::of_sorted([], 0);
        assert_eq!(empty.get(0), 0..0);
        assert_eq!(empty.key_of(0), None);
    }
}
