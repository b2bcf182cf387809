//! Folding the step log: a program that loops (a reconciler polling a timer while a liveness
//! monitor stays hot, a spin loop until the step bound) logs the same few lines tens of
//! thousands of times. The readable log keeps the first and the last round of such a loop and
//! replaces the rounds between them with one line saying how many there were and which steps
//! they took.
//!
//! Invariants:
//!
//! * only the readable log is folded; decisions are never touched, so a trace replays the same
//!   whatever its log shows, and `coyote replay --verbose` still prints every step as it runs;
//! * a round is a block of at most [`MAX_PERIOD`] records; blocks are *the same* when their
//!   records are equal except for the virtual time a timer fires at (and the step numbers,
//!   which records do not hold), so nothing that differs in task, operation, source location,
//!   decision or monitor state is ever hidden;
//! * a fold hides at least [`MIN_HIDDEN`] records and always shows its first and last rounds
//!   in full, so the lines around a fold read as the program ran.

use std::ops::Range;

/// The longest round (in records) a fold recognises.
pub(super) const MAX_PERIOD: usize = 64;

/// The fewest records a fold hides; shorter repetitions stay in the log as they are.
pub(super) const MIN_HIDDEN: usize = 8;

/// Records `start .. start + period * rounds` are `rounds` repetitions of one round of
/// `period` records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Fold {
    pub(super) start: usize,
    pub(super) period: usize,
    pub(super) rounds: usize,
}

impl Fold {
    /// The records the fold hides: every round but the first and the last.
    pub(super) fn hidden(&self) -> Range<usize> {
        self.start + self.period..self.start + self.period * (self.rounds - 1)
    }

    /// All the records of the fold's rounds.
    pub(super) fn span(&self) -> Range<usize> {
        self.start..self.start + self.period * self.rounds
    }
}

/// The folds of `items`, in order and disjoint, where `same` says whether two items are the
/// same for a reader.
///
/// Greedy from the left: at each position, of the periods that repeat there, the smallest one
/// that covers at least half of what the best period covers (so a loop of three lines is shown
/// as rounds of three, not six, and two equal lines at the top of a long loop do not hide it).
pub(super) fn find_folds<T>(items: &[T], same: impl Fn(&T, &T) -> bool) -> Vec<Fold> {
    let mut folds = Vec::new();
    let mut i = 0;
    while i < items.len() {
        // For each period, how many whole rounds repeat from `i`.
        let mut best = 0;
        let mut covered = [0usize; MAX_PERIOD + 1];
        for (p, cover) in covered.iter_mut().enumerate().skip(1) {
            if i + 2 * p > items.len() {
                break;
            }
            let mut run = 0;
            while i + run + p < items.len() && same(&items[i + run], &items[i + run + p]) {
                run += 1;
            }
            let rounds = 1 + run / p;
            if rounds >= 3 && (rounds - 2) * p >= MIN_HIDDEN {
                *cover = rounds * p;
                best = best.max(*cover);
            }
        }
        let chosen = (1..=MAX_PERIOD).find(|&p| covered[p] > 0 && 2 * covered[p] >= best);
        match chosen {
            Some(p) => {
                let fold = Fold {
                    start: i,
                    period: p,
                    rounds: covered[p] / p,
                };
                i = fold.span().end;
                folds.push(fold);
            }
            None => i += 1,
        }
    }
    folds
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folds(s: &str) -> Vec<(usize, usize, usize)> {
        find_folds(s.as_bytes(), |a, b| a == b)
            .into_iter()
            .map(|f| (f.start, f.period, f.rounds))
            .collect()
    }

    #[test]
    fn a_long_loop_folds_as_its_smallest_round() {
        // "ab" then "xyz" 100 times then "c".
        let s = format!("ab{}c", "xyz".repeat(100));
        assert_eq!(folds(&s), vec![(2, 3, 100)]);
        let f = find_folds(s.as_bytes(), |a, b| a == b)[0];
        assert_eq!(f.hidden(), 5..299);
        assert_eq!(f.span(), 2..302);
    }

    #[test]
    fn short_repetitions_stay_as_they_are() {
        // Hiding fewer than MIN_HIDDEN records is not worth a fold line.
        assert_eq!(folds(&"xy".repeat(5)), vec![]);
        assert_eq!(folds("aaaaaaaaa"), vec![]);
        assert_eq!(folds("aaaaaaaaaa"), vec![(0, 1, 10)]);
        assert_eq!(folds("abcdefgh"), vec![]);
        assert_eq!(folds(""), vec![]);
    }

    #[test]
    fn equal_lines_at_the_top_of_a_loop_do_not_hide_it() {
        // Rounds "aab": a period of 1 repeats only twice at the start; the round is 3.
        let s = "aab".repeat(40);
        assert_eq!(folds(&s), vec![(0, 3, 40)]);
    }

    #[test]
    fn a_partial_last_round_stays_visible_and_folds_are_disjoint() {
        let s = format!("{}xy{}", "abcd".repeat(10), "q".repeat(20));
        assert_eq!(folds(&s), vec![(0, 4, 10), (42, 1, 20)]);
        let s = format!("{}ab", "abc".repeat(10));
        assert_eq!(folds(&s), vec![(0, 3, 10)]);
    }

    #[test]
    fn rounds_longer_than_the_longest_period_are_not_folded() {
        let round: String = (0..MAX_PERIOD as u8 + 1)
            .map(|b| (b'0' + b % 70) as char)
            .collect();
        let s = round.repeat(5);
        assert!(folds(&s).iter().all(|&(_, p, _)| p <= MAX_PERIOD));
        assert_eq!(folds(&s), vec![]);
    }
}
