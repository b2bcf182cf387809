//! A program's length in *decisions*, as PCT and delay bounding learn it.
//!
//! A decision is a scheduling point where the strategy is asked, because two or more operations
//! are enabled. Points where only one can run hold no choice, so a change point or delay placed
//! there would change nothing; counting decisions instead of steps keeps every draw useful.
//!
//! Invariants: the count restarts at every iteration and counts every decision of it; the
//! expected length is the longest iteration seen so far (its own, or another portfolio member's
//! via [`Length::observe`]), or [`Length::GUESS`] before any iteration has ended.

/// The decisions of the current iteration and the longest iteration seen.
#[derive(Debug, Default)]
pub(crate) struct Length {
    longest: u32,
    current: u32,
}

impl Length {
    /// The expected length before any iteration has ended.
    pub(crate) const GUESS: u32 = 16;

    /// Starts an iteration; returns its expected length in decisions.
    pub(crate) fn begin(&mut self) -> u32 {
        self.current = 0;
        match self.longest {
            0 => Self::GUESS,
            n => n,
        }
    }

    /// Counts a decision; returns its index in the iteration (0 for the first).
    pub(crate) fn next(&mut self) -> u32 {
        self.current += 1;
        self.current - 1
    }

    /// Ends the iteration: learns its length.
    pub(crate) fn end(&mut self) {
        self.observe(self.current);
    }

    /// Learns that an iteration made `decisions` decisions.
    pub(crate) fn observe(&mut self, decisions: u32) {
        self.longest = self.longest.max(decisions);
    }

    /// The longest iteration seen, in decisions (0 before any).
    #[cfg(test)]
    pub(crate) fn longest(&self) -> u32 {
        self.longest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_until_an_iteration_ends_then_keeps_the_longest() {
        let mut l = Length::default();
        assert_eq!(l.begin(), Length::GUESS);
        assert_eq!((l.next(), l.next(), l.next()), (0, 1, 2));
        l.end();
        assert_eq!(l.begin(), 3, "a short program is not held at the guess");
        l.next();
        l.end();
        assert_eq!(l.begin(), 3);
        l.observe(7);
        assert_eq!(l.begin(), 7);
    }
}
