//! `delay-bounding[:d]` (default `d = 2`): randomized delay-bounded scheduling (Emmi, Qadeer,
//! Rakamarić, POPL'11), as in SCTBench's "rand delay bounding".
//!
//! Algorithm: a deterministic round-robin scheduler runs the lowest-id enabled operation at or
//! after the current one, cyclically: the operation that reached the scheduling point keeps
//! running while it is enabled and has not yielded (`task::yield_now`); when it is not, the
//! next enabled id after it (or after the last operation this strategy chose) runs, wrapping
//! around. On top of it, at most `d` *delays* per iteration
//! are placed at decisions (see `length.rs`) drawn uniformly from `0..k`, where `k` is the
//! program's learned length like PCT's: the most decisions any of its own iterations made (before
//! the first ends, another portfolio member's, or a guess of 16). A delay skips the operation
//! round-robin would run and moves to the next enabled one in round-robin order; `j` delays at
//! one decision skip `j` operations.
//!
//! Invariants:
//!
//! * with `d = 0` the strategy is plain round-robin and ignores its seed;
//! * an iteration contains at most `d` deviations from round-robin, so a bug needing `d` delays
//!   is found with probability at least about `1 / k^d` per iteration;
//! * all draws come from one generator seeded by the seed; declared choices are uniform.

use super::length::Length;
use super::{DataSource, IterationEnd, OpId, SchedulingPoint, Strategy};
use crate::rng::Rng;

/// Round-robin scheduling with at most `d` random delays per iteration.
#[derive(Debug)]
pub struct DelayBounding {
    rng: Rng,
    delays: u32,
    /// Steps at which a delay happens, ascending.
    delay_points: Vec<u32>,
    next_delay: usize,
    /// The operation this strategy last chose in this iteration.
    last: Option<OpId>,
    /// The program's length, the range delays are drawn from.
    length: Length,
}

impl DelayBounding {
    /// Round-robin with at most `delays` delays per iteration.
    pub fn new(seed: u64, delays: u32) -> Self {
        DelayBounding {
            rng: Rng::new(seed),
            delays,
            delay_points: Vec::with_capacity(delays as usize),
            next_delay: 0,
            last: None,
            length: Length::default(),
        }
    }
}

impl Strategy for DelayBounding {
    fn name(&self) -> String {
        format!("delay-bounding:{}", self.delays)
    }

    fn begin_iteration(&mut self) -> bool {
        self.delay_points.clear();
        self.next_delay = 0;
        self.last = None;
        let length = self.length.begin();
        for _ in 0..self.delays {
            let at = self.rng.below(length.max(1) as u64) as u32;
            self.delay_points.push(at);
        }
        self.delay_points.sort_unstable();
        true
    }

    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId> {
        let decision = self.length.next();
        let start = self.next_delay;
        while self.delay_points.get(self.next_delay) == Some(&decision) {
            self.next_delay += 1;
        }
        let op = round_robin(point, self.last, (self.next_delay - start) as u32);
        self.last = Some(op);
        Some(op)
    }

    fn data_source(&mut self) -> Option<&mut dyn DataSource> {
        Some(&mut self.rng)
    }

    fn end_iteration(&mut self, _end: &IterationEnd) {
        self.length.end();
    }

    fn observe_length(&mut self, decisions: u32) {
        self.length.observe(decisions);
    }
}

/// The round robin's pick at `point` after `last`, skipping `skips` operations: the operation
/// that reached the point if it is still enabled and did not yield, else the first enabled id
/// after it (or after `last`), wrapping to the lowest, then `skips` further enabled ids on,
/// cyclically. A yield ends the turn, so a task spinning on `yield_now` until another task sets
/// a flag lets that task run instead of spinning to `--max-steps`.
pub(crate) fn round_robin(point: &SchedulingPoint<'_>, last: Option<OpId>, skips: u32) -> OpId {
    let enabled = point.enabled;
    let at = match (point.current, last) {
        (Some(c), _) if !point.yielded => enabled.binary_search(&c).unwrap_or_else(|i| i),
        (Some(after), _) | (None, Some(after)) => enabled.partition_point(|op| *op <= after),
        (None, None) => 0,
    };
    enabled[(at + skips as usize) % enabled.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::testing::{preemptions, run_once};
    use std::collections::HashSet;

    #[test]
    fn zero_delays_is_round_robin_for_any_seed() {
        for seed in [1, 2, 3] {
            let mut s = DelayBounding::new(seed, 0);
            for _ in 0..5 {
                assert_eq!(run_once(&mut s, 3, 2).unwrap(), vec![0, 0, 1, 1, 2, 2]);
            }
        }
    }

    #[test]
    fn delays_are_bounded_and_vary_schedules() {
        let mut s = DelayBounding::new(7, 2);
        let mut seen = HashSet::new();
        for _ in 0..100 {
            let order = run_once(&mut s, 3, 4).unwrap();
            assert!(preemptions(&order, 3, 4) <= 2, "{order:?}");
            seen.insert(order);
        }
        assert!(seen.len() > 10, "only {} schedules", seen.len());
        // Decisions are counted only while two or more ops are enabled: 8 to 11 of 12 steps.
        assert!((8..12).contains(&s.length.expected()), "{:?}", s.length);
        run_once(&mut s, 4, 10);
        assert!((30..40).contains(&s.length.expected()), "{:?}", s.length);

        let mut a = DelayBounding::new(9, 2);
        let mut b = DelayBounding::new(9, 2);
        for _ in 0..20 {
            assert_eq!(run_once(&mut a, 3, 4), run_once(&mut b, 3, 4));
        }
    }

    #[test]
    fn a_yield_ends_the_turn() {
        let at = |current, yielded, skips| {
            let point = SchedulingPoint {
                enabled: &[0, 2, 5],
                accesses: &[],
                current,
                step: 0,
                yielded,
                state_hash: 0,
            };
            round_robin(&point, current, skips)
        };
        assert_eq!(at(Some(2), false, 0), 2, "the running op keeps going");
        assert_eq!(at(Some(2), true, 0), 5, "after a yield the next op runs");
        assert_eq!(at(Some(5), true, 0), 0, "wrapping round");
        assert_eq!(at(Some(2), true, 1), 0, "a delay skips one more");
    }
}
