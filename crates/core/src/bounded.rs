//! Lists of problems with a bound on their length.
//!
//! Input that is wrong everywhere must not make an answer (or the memory
//! behind it) that grows with the input: a 10 MB event batch of bad lines
//! once made a 354 MB list of errors and took 4.9 GB of server memory.
//! Every list of problems peel returns keeps the first [`MAX_LISTED`] and
//! counts the rest, so a sender still learns where to start and how much
//! is wrong.

/// How many problems a list names; the rest are only counted.
pub const MAX_LISTED: usize = 100;

/// The first [`MAX_LISTED`] problems pushed, in order, and how many there were.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorList<T> {
    first: Vec<T>,
    total: usize,
}

impl<T> Default for ErrorList<T> {
    fn default() -> ErrorList<T> {
        ErrorList { first: Vec::new(), total: 0 }
    }
}

impl<T> ErrorList<T> {
    pub fn new() -> ErrorList<T> {
        ErrorList::default()
    }

    /// Counts `problem`, keeping it if fewer than [`MAX_LISTED`] are kept.
    pub fn push(&mut self, problem: T) {
        self.total += 1;
        if self.first.len() < MAX_LISTED {
            self.first.push(problem);
        }
    }

    /// [`ErrorList::push`] of each.
    pub fn extend(&mut self, problems: impl IntoIterator<Item = T>) {
        for p in problems {
            self.push(p);
        }
    }

    /// The problems of `later`, which all come after these (the next piece
    /// of the same input), added after them.
    pub fn append(&mut self, later: ErrorList<T>) {
        let room = MAX_LISTED.saturating_sub(self.first.len());
        self.first.extend(later.first.into_iter().take(room));
        self.total += later.total;
    }

    /// Two lists of the same input, each in `key` order (say, by line),
    /// as one in that order: the first [`MAX_LISTED`] of both, and the
    /// count of both. Exact, because each list kept its own first ones.
    pub fn merge_by_key<K: Ord>(mut self, other: ErrorList<T>, key: impl Fn(&T) -> K) -> ErrorList<T> {
        self.first.extend(other.first);
        // Stable: of two problems at the same place, `self`'s come first.
        self.first.sort_by_key(|p| key(p));
        self.first.truncate(MAX_LISTED);
        self.total += other.total;
        self
    }

    /// The problems kept, in order.
    pub fn first(&self) -> &[T] {
        &self.first
    }

    pub fn into_first(self) -> Vec<T> {
        self.first
    }

    /// How many problems there were in all.
    pub fn total(&self) -> usize {
        self.total
    }

    /// How many were counted but not kept.
    pub fn unlisted(&self) -> usize {
        self.total - self.first.len()
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Each kept problem changed by `f`; the count stays.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> ErrorList<U> {
        ErrorList { first: self.first.into_iter().map(f).collect(), total: self.total }
    }
}

impl<T> FromIterator<T> for ErrorList<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> ErrorList<T> {
        let mut list = ErrorList::new();
        list.extend(iter);
        list
    }
}

/// How an answer says a list was cut: `" (the first 100 are listed)"`, or
/// nothing when every problem is listed.
pub fn cut_note<T>(list: &ErrorList<T>) -> String {
    if list.unlisted() == 0 { String::new() } else { format!(" (the first {} are listed)", list.first.len()) }
}

/// The first [`MAX_LISTED`] of `problems`, and a last line saying how many
/// more there were, for answers that are plain lists of messages.
pub fn listed<T: Clone>(problems: &[T], more: impl Fn(usize) -> T) -> Vec<T> {
    let mut out: Vec<T> = problems.iter().take(MAX_LISTED).cloned().collect();
    if problems.len() > MAX_LISTED {
        out.push(more(problems.len() - MAX_LISTED));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_and_counts_all() {
        let list: ErrorList<usize> = (0..1_000_000).collect();
        assert_eq!(list.total(), 1_000_000);
        assert_eq!(list.first(), (0..MAX_LISTED).collect::<Vec<_>>());
        assert_eq!(list.unlisted(), 1_000_000 - MAX_LISTED);
        assert_eq!(cut_note(&list), " (the first 100 are listed)");
        let few: ErrorList<usize> = (0..3).collect();
        assert_eq!((few.first(), few.total(), cut_note(&few).as_str()), (&[0, 1, 2][..], 3, ""));
        assert!(ErrorList::<u8>::new().is_empty());
    }

    #[test]
    fn appending_pieces_is_pushing_one_after_another() {
        for (a, b) in [(0, 5), (30, 120), (150, 7), (99, 2), (100, 1)] {
            let whole: ErrorList<usize> = (0..a + b).collect();
            let mut first: ErrorList<usize> = (0..a).collect();
            first.append((a..a + b).collect());
            assert_eq!(first, whole, "{a}+{b}");
        }
    }

    #[test]
    fn merging_sorted_lists_keeps_the_first_of_both() {
        let evens: ErrorList<usize> = (0..1000).map(|n| n * 2).collect();
        let odds: ErrorList<usize> = (0..500).map(|n| n * 2 + 1).collect();
        let merged = evens.merge_by_key(odds, |n| *n);
        assert_eq!(merged.total(), 1500);
        assert_eq!(merged.first(), (0..MAX_LISTED).collect::<Vec<_>>());
        let late: ErrorList<usize> = [5000].into_iter().collect();
        let merged = late.merge_by_key((0..3).collect(), |n| *n);
        assert_eq!((merged.first(), merged.total()), (&[0, 1, 2, 5000][..], 4));
    }

    #[test]
    fn plain_lists_end_with_how_many_more() {
        let lines: Vec<String> = (0..250).map(|n| n.to_string()).collect();
        let out = listed(&lines, |n| format!("… and {n} more"));
        assert_eq!(out.len(), MAX_LISTED + 1);
        assert_eq!(out.last().map(String::as_str), Some("… and 150 more"));
        assert_eq!(listed(&lines[..3], |n| n.to_string()), lines[..3]);
    }
}
