//! `probabilistic[:n]` (default `n = 3`): a random walk that favours long uninterrupted runs
//! (Coyote's "probabilistic" strategy).
//!
//! Algorithm: at each scheduling point, if the operation that reached it is still enabled it
//! keeps running, except that with probability `1 / 2^n` the strategy switches to a uniformly
//! random *other* enabled operation; it always switches when the current operation reached the
//! point by yielding (`task::yield_now`), so a spin loop on a yield hands over at once. When the current operation is no longer enabled (it
//! blocked or finished) or there is none yet, a uniformly random enabled operation runs.
//! Declared choices are uniform.
//!
//! Invariants:
//!
//! * a switch away from a still-enabled operation happens with probability exactly `1 / 2^n`
//!   at every scheduling point, independently, so in an iteration of `k` scheduling points the
//!   expected number of preemptions is `k / 2^n`: few, as most bugs need few (the intuition
//!   behind PCT), without PCT's learned step range;
//! * every enabled operation has a positive probability of running at every point, so the
//!   strategy is fair ([`Strategy::is_fair`]) and may run to `--max-fair-steps`;
//! * all draws come from one generator seeded by the seed.

use super::{DataSource, IterationEnd, OpId, SchedulingPoint, Strategy};
use crate::rng::Rng;

/// Keep running the current operation; switch with probability `1 / 2^n`.
#[derive(Debug)]
pub struct Probabilistic {
    rng: Rng,
    n: u32,
}

impl Probabilistic {
    /// The strategy with switch probability `1 / 2^n` (`n = 0` switches at every point).
    pub fn new(seed: u64, n: u32) -> Self {
        Probabilistic {
            rng: Rng::new(seed),
            n,
        }
    }
}

impl Strategy for Probabilistic {
    fn name(&self) -> String {
        format!("probabilistic:{}", self.n)
    }

    fn begin_iteration(&mut self) -> bool {
        true
    }

    fn next_operation(&mut self, point: &SchedulingPoint<'_>) -> Option<OpId> {
        let enabled = point.enabled;
        match point.current.and_then(|c| enabled.binary_search(&c).ok()) {
            Some(at) => {
                if !point.yielded && !self.rng.one_in_pow2(self.n) {
                    return Some(enabled[at]);
                }
                // A uniformly random op other than the current one (at least two are enabled).
                let mut i = self.rng.below(enabled.len() as u64 - 1) as usize;
                if i >= at {
                    i += 1;
                }
                Some(enabled[i])
            }
            None => Some(enabled[self.rng.below(enabled.len() as u64) as usize]),
        }
    }

    fn data_source(&mut self) -> Option<&mut dyn DataSource> {
        Some(&mut self.rng)
    }

    fn end_iteration(&mut self, _end: &IterationEnd) {}

    fn is_fair(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::testing::{preemptions, run_once};

    #[test]
    fn large_n_rarely_switches_small_n_often() {
        let mut rare = Probabilistic::new(1, 12);
        let total: usize = (0..20)
            .map(|_| preemptions(&run_once(&mut rare, 2, 50).unwrap(), 2, 50))
            .sum();
        // About 20 * 100 / 4096 < 1 expected.
        assert!(total <= 3, "n=12 preempted {total} times");

        let mut often = Probabilistic::new(1, 1);
        let total: usize = (0..20)
            .map(|_| preemptions(&run_once(&mut often, 2, 50).unwrap(), 2, 50))
            .sum();
        // About half of the ~75 contested points per iteration switch.
        assert!(total > 300, "n=1 preempted only {total} times");
    }

    #[test]
    fn seeded_and_name() {
        let mut a = Probabilistic::new(6, 2);
        let mut b = Probabilistic::new(6, 2);
        let runs: Vec<_> = (0..10).map(|_| run_once(&mut a, 3, 4)).collect();
        let again: Vec<_> = (0..10).map(|_| run_once(&mut b, 3, 4)).collect();
        assert_eq!(runs, again);
        assert_eq!(a.name(), "probabilistic:2");
        assert!(a.is_fair());
    }
}
