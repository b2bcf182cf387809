//! A program's length in *decisions*, as PCT and delay bounding learn it.
//!
//! A decision is a scheduling point where the strategy is asked, because two or more operations
//! are enabled. Points where only one can run hold no choice, so a change point or delay placed
//! there would change nothing; counting decisions instead of steps keeps every draw useful.
//!
//! The length that matters to a strategy is that of the schedules *it* makes. Strategies make
//! schedules of very different lengths on one program: a random walk keeps every task alive to
//! the end (many decisions), while PCT and round-robin-with-delays run one task ahead until it
//! blocks (few decisions once the others are done). So a length borrowed from another portfolio
//! member ([`Length::observe`]) only stands in for the guess until the strategy's own first
//! iteration ends; after that it draws over its own longest iteration. Borrowing a random walk's
//! length put delays and change points past the end of the strategy's own iterations, and the
//! portfolio found bugs later (measured on SCTBench: `docs/portfolio.md`).
//!
//! Invariants: the count restarts at every iteration and counts every decision of it; the
//! expected length is the longest of the strategy's own iterations once one has ended, else the
//! longest iteration observed from others, else [`Length::GUESS`].

/// The decisions of the current iteration and the longest iterations seen.
#[derive(Debug, Default)]
pub(crate) struct Length {
    /// The longest of this strategy's own iterations (0 before its first ends).
    own: u32,
    /// The longest iteration another strategy was observed to make.
    borrowed: u32,
    current: u32,
}

impl Length {
    /// The expected length before any iteration has ended.
    pub(crate) const GUESS: u32 = 16;

    /// Starts an iteration; returns its expected length in decisions.
    pub(crate) fn begin(&mut self) -> u32 {
        self.current = 0;
        self.expected()
    }

    /// Counts a decision; returns its index in the iteration (0 for the first).
    pub(crate) fn next(&mut self) -> u32 {
        self.current += 1;
        self.current - 1
    }

    /// Ends one of this strategy's own iterations: learns its length.
    pub(crate) fn end(&mut self) {
        self.own = self.own.max(self.current);
    }

    /// Learns that another strategy's iteration made `decisions` decisions.
    pub(crate) fn observe(&mut self, decisions: u32) {
        self.borrowed = self.borrowed.max(decisions);
    }

    /// The expected length the next iteration will draw over.
    pub(crate) fn expected(&self) -> u32 {
        match (self.own, self.borrowed) {
            (0, 0) => Self::GUESS,
            (0, n) | (n, _) => n,
        }
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
        assert_eq!(l.begin(), 3, "the longest own iteration, not the last");
    }

    #[test]
    fn a_borrowed_length_stands_in_only_until_the_first_own_iteration() {
        let mut l = Length::default();
        l.observe(7);
        l.observe(4);
        assert_eq!(l.begin(), 7, "the longest observed replaces the guess");
        l.next();
        l.next();
        l.end();
        assert_eq!(l.begin(), 2, "own schedules decide once there is one");
        l.observe(30);
        assert_eq!(l.begin(), 2, "a longer borrowed length does not override");
        assert_eq!(l.expected(), 2);
    }
}
